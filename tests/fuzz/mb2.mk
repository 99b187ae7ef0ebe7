FUZZ_TARGETS += mb2
FUZZ_SRCS_mb2 := kernel/mb2.c kernel/mb2_fb.c fb/render.c fb/font.c kernel/cmdline.c pci/scan.c net/ipv4.c net/ucon_key.c crypto/util.c lib/format.c lib/parse.c tests/fuzz/fuzz_mb2.c

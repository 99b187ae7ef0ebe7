UNIT_TESTS += kernel
UNIT_SRCS_kernel := kernel/mb2.c kernel/mb2_fb.c kernel/cmdline.c pci/scan.c net/ipv4.c net/ucon_key.c crypto/util.c lib/format.c lib/parse.c \
                    tests/unit/test_mb2.c tests/unit/test_format.c

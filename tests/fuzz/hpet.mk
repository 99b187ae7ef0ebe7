# libFuzzer target for the guest's view of the HPET (hpet/view.c).
FUZZ_TARGETS += hpet
FUZZ_SRCS_hpet := hpet/view.c tests/fuzz/fuzz_hpet.c

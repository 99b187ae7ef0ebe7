# libFuzzer target for the 8042 keyboard controller filter (svm/kbc.c).
FUZZ_TARGETS += kbc
FUZZ_SRCS_kbc := svm/kbc.c tests/fuzz/fuzz_kbc.c

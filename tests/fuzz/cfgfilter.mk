# libFuzzer target for the PCI configuration-space filter: random writes
# (offset, width, value) never change a guarded byte.
FUZZ_TARGETS += cfgfilter
FUZZ_SRCS_cfgfilter := svm/cfgfilter.c svm/cfgplace.c tests/fuzz/fuzz_cfgfilter.c

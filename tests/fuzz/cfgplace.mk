# libFuzzer target for the BAR and window placement checks
# (svm/cfgplace.c): no write the check lets through, or performs in part,
# makes a function newly decode what the hypervisor keeps.
FUZZ_TARGETS += cfgplace
FUZZ_SRCS_cfgplace := svm/cfgplace.c tests/fuzz/fuzz_cfgplace.c

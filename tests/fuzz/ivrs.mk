# tests/fuzz/ivrs.mk - libFuzzer target for the IVRS parser (iommu/ivrs.c).
FUZZ_TARGETS += ivrs
FUZZ_SRCS_ivrs := iommu/ivrs.c lib/format.c lib/parse.c tests/fuzz/fuzz_ivrs.c

FUZZ_TARGETS += pci
FUZZ_SRCS_pci := pci/scan.c pci/msi.c lib/format.c lib/parse.c \
                 tests/unit/pci_sim.c tests/fuzz/fuzz_pci.c

# tests/unit/pci.mk - host tests for pci/ on a configuration space recorded
# from QEMU's q35 (tests/unit/data/pci_q35.txt) and on broken ones.
UNIT_TESTS += pci
UNIT_SRCS_pci := pci/scan.c pci/msi.c lib/format.c lib/parse.c \
                 tests/unit/pci_sim.c tests/unit/test_pci.c

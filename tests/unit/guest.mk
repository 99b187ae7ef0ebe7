# tests/unit/guest.mk - host tests for the guest OS's own parsers
# (Multiboot2 information, ACPI MADT).
UNIT_TESTS += guest
UNIT_SRCS_guest := guest/mb2.c guest/acpi.c tests/unit/test_guest.c

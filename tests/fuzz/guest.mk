FUZZ_TARGETS += guest
FUZZ_SRCS_guest := guest/mb2.c guest/acpi.c tests/fuzz/fuzz_guest.c

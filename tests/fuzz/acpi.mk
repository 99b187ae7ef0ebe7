FUZZ_TARGETS += acpi
FUZZ_SRCS_acpi := $(wildcard acpi/*.c) tests/fuzz/fuzz_acpi.c

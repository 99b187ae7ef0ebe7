UNIT_TESTS += acpi
UNIT_SRCS_acpi := $(wildcard acpi/*.c) tests/unit/test_acpi.c

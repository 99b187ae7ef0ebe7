UNIT_TESTS += x2apic
UNIT_SRCS_x2apic := svm/x2apic.c svm/events.c svm/apicregs.c svm/msrtable.c tests/unit/test_x2apic.c

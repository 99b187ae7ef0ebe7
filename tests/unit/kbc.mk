UNIT_TESTS += kbc
UNIT_SRCS_kbc := svm/kbc.c tests/unit/test_kbc.c

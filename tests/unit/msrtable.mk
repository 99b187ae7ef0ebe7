UNIT_TESTS += msrtable
UNIT_SRCS_msrtable := svm/msrtable.c tests/unit/test_msrtable.c

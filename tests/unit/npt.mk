UNIT_TESTS += npt
UNIT_SRCS_npt := svm/npt.c tests/unit/test_npt.c

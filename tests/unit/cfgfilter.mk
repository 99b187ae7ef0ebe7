UNIT_TESTS += cfgfilter
UNIT_SRCS_cfgfilter := svm/cfgfilter.c tests/unit/test_cfgfilter.c

UNIT_TESTS += cfgfilter
UNIT_SRCS_cfgfilter := svm/cfgfilter.c svm/cfgplace.c svm/fchregs.c tests/unit/test_cfgfilter.c

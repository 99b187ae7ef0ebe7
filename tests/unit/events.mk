UNIT_TESTS += events
UNIT_SRCS_events := svm/events.c tests/unit/test_events.c

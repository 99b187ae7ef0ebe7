# tests/unit/smprace.mk - host tests for smp/handshake.c: the races of
# the late-AP handshake, the cross-CPU call's withdrawal and the kick
# flag's order, run with two threads.
UNIT_TESTS += smprace
UNIT_SRCS_smprace := smp/handshake.c smp/nmisrc.c tests/unit/test_smprace.c
UNIT_CFLAGS_smprace := -pthread

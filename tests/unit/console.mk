UNIT_TESTS += console
UNIT_SRCS_console := console/cmd.c lib/format.c lib/parse.c \
                     tests/unit/test_console.c

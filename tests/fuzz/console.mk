FUZZ_TARGETS += console
FUZZ_SRCS_console := console/cmd.c lib/format.c lib/parse.c tests/fuzz/fuzz_console.c

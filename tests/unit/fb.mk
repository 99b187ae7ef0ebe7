UNIT_TESTS += fb
UNIT_SRCS_fb := fb/render.c fb/font.c kernel/mb2.c kernel/mb2_fb.c lib/format.c tests/unit/test_fb.c

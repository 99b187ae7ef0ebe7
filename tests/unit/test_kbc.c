/*
 * tests/unit/test_kbc.c - the 8042 keyboard controller filter
 * (svm/kbc.c): the allow-list, A20 never off, every reset path reported.
 */
#include "test.h"
#include "svm/svm.h"

TEST(every_command_has_a_verdict)
{
	unsigned pass = 0;

	for (unsigned c = 0; c < 256; c++) {
		struct kbc_state s = { 0 };
		enum kbc_verdict v = kbc_command(&s, (uint8_t)c);

		if (c >= 0xF0 && !(c & 1))
			CHECK_EQ(v, KBC_RESET);
		else
			CHECK(v == KBC_PASS || v == KBC_DROP);
		pass += v == KBC_PASS;
	}
	CHECK_EQ(pass, 32 + 32 + 20);  /* RAM reads, RAM writes, 20 others */
}

TEST(a20_off_is_dropped)
{
	struct kbc_state s = { 0 };

	CHECK_EQ(kbc_command(&s, 0xDD), KBC_DROP);
	CHECK_EQ(kbc_command(&s, 0xDF), KBC_PASS);
	/* Pulses of A20 or other lines, without reset. */
	for (unsigned c = 0xF1; c < 0xFF; c += 2)
		CHECK_EQ(kbc_command(&s, (uint8_t)c), KBC_DROP);
	CHECK_EQ(kbc_command(&s, 0xFF), KBC_PASS);
	/* Vendor output-port writes. */
	for (unsigned c = 0x90; c <= 0x9F; c++)
		CHECK_EQ(kbc_command(&s, (uint8_t)c), KBC_DROP);
}

TEST(output_port_keeps_a20_and_resets_on_bit0)
{
	struct kbc_state s = { 0 };
	uint8_t v;

	CHECK_EQ(kbc_command(&s, 0xD1), KBC_PASS);
	v = 0x01;                       /* A20 off, no reset */
	CHECK_EQ(kbc_data(&s, &v), KBC_PASS);
	CHECK_EQ(v, 0x03);
	CHECK_EQ(kbc_command(&s, 0xD1), KBC_PASS);
	v = 0x02;                       /* reset line low */
	CHECK_EQ(kbc_data(&s, &v), KBC_RESET);
	/* Data without 0xD1 before it is the keyboard's, unchanged. */
	v = 0x00;
	CHECK_EQ(kbc_data(&s, &v), KBC_PASS);
	CHECK_EQ(v, 0x00);
}

TEST(pending_data_ends_with_any_command)
{
	struct kbc_state s = { 0 };
	uint8_t v = 0x00;

	CHECK_EQ(kbc_command(&s, 0xD1), KBC_PASS);
	CHECK_EQ(kbc_command(&s, 0x20), KBC_PASS);   /* the D1 is abandoned */
	CHECK_EQ(kbc_data(&s, &v), KBC_PASS);
	CHECK_EQ(v, 0x00);
	/* The command byte write takes one data byte, then it is over. */
	CHECK_EQ(kbc_command(&s, 0x60), KBC_PASS);
	v = 0x00;
	CHECK_EQ(kbc_data(&s, &v), KBC_PASS);
	CHECK_EQ(s.pending, 0);
	/* A dropped command never reached the controller: the output-port
	 * byte it waits for is still filtered (found by fuzzing). */
	CHECK_EQ(kbc_command(&s, 0xD1), KBC_PASS);
	CHECK_EQ(kbc_command(&s, 0xDD), KBC_DROP);
	CHECK_EQ(s.pending, 0xD1);
	v = 0x01;
	CHECK_EQ(kbc_data(&s, &v), KBC_PASS);
	CHECK_EQ(v, 0x03);
}

/*
 * svm/kbc.c - the 8042 keyboard controller filter: an allow-list of the
 * commands (writes to port 0x64) an OS needs, and the data byte that some
 * of them take (the next write to port 0x60). Pure logic, tested on the
 * host; svm/io.c runs it under one lock with the port write itself, so the
 * filter's view of "a data byte is pending" is the controller's.
 *
 * The output port (IBM PS/2 Technical Reference, 8042 keyboard controller;
 * also Intel's 8042 firmware): bit 0 is the system reset line (active
 * low), bit 1 the A20 gate. Turning A20 off would make every access of the
 * CPU with address bit 20 set alias 1 MiB lower, the hypervisor's own
 * included: it never happens here.
 *
 * Allowed commands (anything else is dropped and reported):
 *   0x20-0x3F  read controller RAM (0x20: the command byte)
 *   0x60-0x7F  write controller RAM (0x60: the command byte: interrupt
 *              enables, clock disables, scancode translation); data follows
 *   0xA1       read firmware version
 *   0xA4       test whether a password is installed (read-only)
 *   0xA7/0xA8  disable / enable the auxiliary (mouse) port
 *   0xA9       test the auxiliary port
 *   0xAA       controller self-test (Linux's i8042 runs it)
 *   0xAB       test the keyboard port
 *   0xAD/0xAE  disable / enable the keyboard port
 *   0xC0       read the input port
 *   0xC1/0xC2  poll input port bits into the status register
 *   0xD0       read the output port
 *   0xD1       write the output port: the data byte keeps A20 on (bit 1
 *              forced set); bit 0 clear is a reset: reported, then the
 *              hypervisor resets the machine
 *   0xD2/0xD3  write the keyboard / aux output buffer (data follows; the
 *              byte comes back as if from the device)
 *   0xD4       send the next data byte to the aux device
 *   0xDF       A20 on (already on: harmless)
 *   0xE0       read the test inputs
 *   0xFF       pulse no output line (a no-op)
 *   0xF0-0xFE  with bit 0 clear pulse the reset line: a reset, reported and
 *              done by the hypervisor
 * Dropped among others: 0xDD (A20 off), 0xF1-0xFD with bit 0 set (they
 * pulse A20 or other output lines), 0x90-0x9F (vendor "write output port
 * low nibble"), 0xA5/0xA6 (password: could lock the keyboard out for
 * good, and its data bytes would be mistaken for commands), 0xC8/0xC9 and
 * other vendor commands.
 */
#include "svm/svm.h"

#define KBC_WRITE_OUTPUT  0xD1
#define OUT_RESET         0x01  /* active low */
#define OUT_A20           0x02

static bool takes_data(uint8_t cmd)
{
	return (cmd >= 0x60 && cmd <= 0x7F) || cmd == KBC_WRITE_OUTPUT ||
	       cmd == 0xD2 || cmd == 0xD3 || cmd == 0xD4;
}

static bool allowed(uint8_t cmd)
{
	if (cmd <= 0x3F)
		return cmd >= 0x20;
	if (cmd >= 0x60 && cmd <= 0x7F)
		return true;
	switch (cmd) {
	case 0xA1: case 0xA4: case 0xA7: case 0xA8: case 0xA9: case 0xAA:
	case 0xAB: case 0xAD: case 0xAE: case 0xC0: case 0xC1: case 0xC2:
	case 0xD0: case 0xD1: case 0xD2: case 0xD3: case 0xD4: case 0xDF:
	case 0xE0: case 0xFF:
		return true;
	default:
		return false;
	}
}

/* Only a command the controller receives changes what it waits for: a
 * dropped one leaves a pending data byte pending (after 0xD1 and a
 * dropped 0xDD, the next data byte is still the output port's). */
enum kbc_verdict kbc_command(struct kbc_state *s, uint8_t cmd)
{
	if (cmd >= 0xF0 && !(cmd & OUT_RESET))
		return KBC_RESET;              /* pulse the reset line */
	if (!allowed(cmd))
		return KBC_DROP;
	s->pending = takes_data(cmd) ? cmd : 0;
	return KBC_PASS;
}

enum kbc_verdict kbc_data(struct kbc_state *s, uint8_t *val)
{
	uint8_t cmd = s->pending;

	s->pending = 0;
	if (cmd != KBC_WRITE_OUTPUT)
		return KBC_PASS;     /* RAM, buffers, devices: the guest's */
	if (!(*val & OUT_RESET))
		return KBC_RESET;
	*val |= OUT_A20;
	return KBC_PASS;
}

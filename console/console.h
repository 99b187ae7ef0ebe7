/*
 * console/console.h - the debug console: one-line commands on a UART of
 * the hypervisor's own (COM2 by default), answered while the guest runs.
 *
 * The UART's receive interrupt is routed through the I/O APIC to the boot
 * CPU in NMI delivery mode (82093AA I/O APIC data sheet, 3.2.4; docs/design.md,
 * "Interrupts"): a key press makes the boot CPU's vCPU exit even when the
 * guest idles in HLT or spins with interrupts off, and the hypervisor
 * still owns no interrupt vector. The guest sees neither the UART (its
 * ports read all-ones, writes are dropped) nor that I/O APIC pin (its
 * writes to the pin's redirection entry are dropped).
 *
 * Two halves: the line editor and the command dispatcher (console/cmd.c)
 * touch no hardware and are host-tested and fuzzed; the UART, the routing
 * and the commands themselves (console/uart.c, console/commands.c) are the
 * kernel's.
 */
#ifndef CONSOLE_CONSOLE_H
#define CONSOLE_CONSOLE_H

#include "kernel/kernel.h"

#define CON_LINE_MAX 120     /* longest command line */
#define CON_MAX_ARGS 8       /* words per line, command included */

/* ---- line editor and dispatcher (console/cmd.c) -------------------------- */

struct con_line {
	char buf[CON_LINE_MAX + 1];
	size_t len;
	bool overflow;           /* more than CON_LINE_MAX bytes were typed */
	bool after_cr;           /* the last byte ended a line with CR */
};

void con_line_reset(struct con_line *l);

/*
 * con_line_feed - one received byte c (0..255). Printable ASCII is kept
 * and echoed through echo; backspace (0x08) and DEL (0x7F) erase the last
 * byte; CR or LF ends the line and returns true with the line in l->buf,
 * NUL-terminated (l->overflow: it was too long, the caller refuses it; the
 * caller resets l before the next line). Every other byte (controls,
 * 0x80..0xFF) is dropped. CR, LF and CR LF each end one line (the LF of
 * a CR LF pair is dropped).
 */
bool con_line_feed(struct con_line *l, int c, print_fn echo);

struct con_cmd {
	const char *name;
	const char *usage;       /* its arguments, for help ("" for none) */
	const char *help;        /* one line */
	uint8_t min_args, max_args;  /* not counting the name */
	void (*run)(print_fn pr, int argc, char **argv);  /* argv[0]: name */
};

/*
 * con_exec - run one line: split it (in place) into words separated by
 * blanks, find the command by its exact name, check the number of
 * arguments, run it. Returns 0 when a command ran or the line was empty,
 * -1 when the line was refused with a message through pr (unknown
 * command, too many words, wrong number of arguments). Checks everything
 * before anything runs.
 */
int con_exec(const struct con_cmd *cmds, size_t n, char *line, print_fn pr);

/* con_help - the command table as help text. */
void con_help(const struct con_cmd *cmds, size_t n, print_fn pr);

/* con_arg_u64 - parse an argument (decimal or 0x hex) within [min, max].
 * Returns 0, or -1 with "error: bad <what> '<arg>'" printed. */
int con_arg_u64(const char *arg, uint64_t min, uint64_t max, uint64_t *out,
		print_fn pr, const char *what);

/* ---- the console on a UART (console/uart.c, console/commands.c) ---------- */

struct acpi_info;

/* What the guest must not reach, for svm/ (ports and the I/O APIC pin). */
struct console_guard {
	uint16_t port;           /* the UART's 8 ports from here; 0: none */
	uint64_t ioapic_pa;      /* I/O APIC page holding the pin; 0: none */
	unsigned pin;            /* its redirection entry */
	bool unrouted;           /* up, but no NMI route: polled only */
};

/*
 * console_init - take the UART at port for the console (0: console off):
 * probe it, route its IRQ (ISA IRQ 3 for 0x2F8/0x2E8, 4 for 0x3F8/0x3E8,
 * through the MADT's overrides) to the boot CPU as an NMI, and fill *guard.
 * Refuses, with a message, the log's own port, a port without a UART, and
 * routes nothing (the console then answers when the boot CPU exits: it is
 * polled there every 1 ms at most) when no I/O APIC pin serves the IRQ. Returns true when the
 * console is up.
 */
bool console_init(uint16_t port, const struct acpi_info *acpi,
		  uint32_t bsp_apic_id, struct console_guard *guard);

/* console_run_line - run one command line (modified in place) of the
 * console's command table, answering through pr (the UART, or another
 * transport: net/ucon.c). 0, or -1 when refused (message printed). */
int console_run_line(char *line, print_fn pr);

/* console_finish - after the transport has sent the answer of
 * console_run_line: what the command left for then (reboot). */
void console_finish(void);

/* console_poll - on the boot CPU, when its NMI source has work (an NMI, or
 * a poll on an exit): read what was typed, run complete lines, answer. */
void console_poll(void);

#endif

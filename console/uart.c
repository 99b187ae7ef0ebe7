/*
 * console/uart.c - the console on a 16550 UART: its receive interrupt
 * routed as an NMI to the boot CPU, input read and lines run there.
 *
 * Routing (82093AA I/O APIC data sheet, 3.2.4, redirection table): the
 * UART's ISA IRQ, through the MADT's interrupt source overrides (ACPI
 * 6.5, 5.2.12.5), names a GSI; the I/O APIC whose range holds it gets a
 * redirection entry with delivery mode NMI, physical destination the boot
 * CPU, edge-triggered (an NMI entry must be), unmasked. The UART holds its
 * IRQ line high while received data waits (IER.ERBFI, MCR.OUT2), so every
 * batch of input is one rising edge, one NMI: the boot CPU's vCPU exits
 * (NMI intercept), the NMI handler asks this NMI source (source_pending),
 * its loop then calls console_poll, which reads everything, so the line
 * drops and the next byte raises it again. Without a route, or with the
 * NMI held off, the boot CPU's exits poll it (CONSOLE_POLL_US).
 *
 * Output is written synchronously (about 87 us a byte on a real 115200
 * baud line; instantaneous under QEMU): a long answer holds the boot
 * CPU's vCPU that long. Only the boot CPU runs this code.
 */
#include "console/internal.h"
#include "acpi/acpi.h"
#include "acpi/tables.h"
#include "arch/x86.h"
#include "kernel/private.h"
#include "lib/lib.h"
#include "smp/smp.h"

#define POLL_BUDGET      4096      /* bytes per poll; then poll again */
#define ISO_POLARITY_LOW 3         /* ACPI 6.5, table 5.50: active low */
#define CONSOLE_POLL_US  1000      /* on the boot CPU's exits, at most */

static struct {
	uint16_t port;
	volatile bool routed;
	volatile bool polling;         /* console_poll is reading */
	volatile uint64_t last_rx_tsc; /* when a poll last read a byte */
	uint64_t claim_tsc;            /* the claim window, in TSC ticks */
	struct con_line line;
	volatile uint32_t *ioapic;     /* the routing I/O APIC, mapped */
	uint32_t rte;                  /* our entry's low half, unmasked */
} con;

/* Write a formatted answer, LF -> CR LF. */
static int con_printf(const char *fmt, ...) __printf(1, 2);
static int con_printf(const char *fmt, ...)
{
	static char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (const char *p = buf; *p; p++) {
		if (*p == '\n')
			uart_putc(con.port, '\r');
		uart_putc(con.port, *p);
	}
	return n;
}

static void prompt(void)
{
	con_printf("hv> ");
}

static int isa_irq_of(uint16_t port)
{
	switch (port) {
	case 0x3F8: case 0x3E8:
		return 4;
	case 0x2F8: case 0x2E8:
		return 3;
	default:
		return -1;
	}
}

static uint32_t ioapic_read(volatile uint32_t *io, uint32_t reg)
{
	io[IOAPIC_REGSEL / 4] = reg;
	return io[IOAPIC_WIN / 4];
}

static void ioapic_write(volatile uint32_t *io, uint32_t reg, uint32_t val)
{
	io[IOAPIC_REGSEL / 4] = reg;
	io[IOAPIC_WIN / 4] = val;
}

/* Route ISA IRQ irq to the boot CPU as an NMI: the entry is written
 * masked (console_init unmasks it once everything that claims its NMIs is
 * in place). Fills guard; false (and says why) when no I/O APIC pin can
 * serve it. */
static bool route_irq(int irq, const struct acpi_info *acpi,
		      uint32_t bsp_apic_id, struct console_guard *guard)
{
	uint32_t gsi = (uint32_t)irq;
	bool low = false;

	if (irq < 0) {
		printk("console: no ISA IRQ known for port %#x\n", con.port);
		return false;
	}
	if (bsp_apic_id > 0xFF) {
		printk("console: boot CPU APIC ID %u beyond an I/O APIC "
		       "destination\n", bsp_apic_id);
		return false;
	}
	for (unsigned i = 0; i < acpi->iso_count; i++)
		if (acpi->isos[i].bus == 0 && acpi->isos[i].source == irq) {
			gsi = acpi->isos[i].gsi;
			low = (acpi->isos[i].flags & ACPI_MPS_POLARITY) ==
			      ISO_POLARITY_LOW;
		}
	for (unsigned i = 0; i < acpi->ioapic_count; i++) {
		const struct acpi_ioapic *a = &acpi->ioapics[i];
		volatile uint32_t *io;
		uint32_t pins;

		if (gsi < a->gsi_base)
			continue;
		if (a->address & 0xFFF) {
			printk("console: I/O APIC %u at %#x is not page aligned: "
			       "not used\n", a->id, a->address);
			continue;
		}
		io = ioremap(a->address, 4096);
		if (!io) {
			printk("console: cannot map the I/O APIC at %#x\n",
			       a->address);
			return false;
		}
		pins = IOAPIC_VER_MRE(ioapic_read(io, IOAPIC_REG_VER)) + 1;
		if (gsi - a->gsi_base >= pins)
			continue;
		if (gsi - a->gsi_base > IOAPIC_MAX_PIN) {
			printk("console: GSI %u is pin %u of I/O APIC %u, beyond "
			       "what IOREGSEL addresses\n", gsi,
			       gsi - a->gsi_base, a->id);
			return false;
		}
		guard->ioapic_pa = a->address;
		guard->pin = gsi - a->gsi_base;
		con.ioapic = io;
		ioapic_write(io, IOAPIC_RTE(guard->pin) + 1,
			     RTE_HI_DEST(bsp_apic_id));
		con.rte = RTE_DELIVERY_NMI | (low ? RTE_ACTIVE_LOW : 0);
		ioapic_write(io, IOAPIC_RTE(guard->pin), con.rte | RTE_MASKED);
		printk("console: IRQ %d = GSI %u -> I/O APIC %u pin %u, NMI to "
		       "cpu 0\n", irq, gsi, a->id, guard->pin);
		return true;
	}
	printk("console: no I/O APIC serves GSI %u\n", gsi);
	return false;
}

static bool source_pending(bool from_nmi);
static void source_service(struct percpu *c);

/* The console as an NMI source of the boot CPU (smp.h, "NMI sources").
 * Also polled on the boot CPU's exits, every CONSOLE_POLL_US at most: an
 * unrouted console has nothing else, and a routed one whose NMI is held
 * off (a guest that never leaves its NMI handler, docs/interrupts.md)
 * still answers when the boot CPU exits. */
static struct nmi_source console_source = {
	.name = "console",
	.cpu = 0,
	.poll_us = CONSOLE_POLL_US,
	.pending = source_pending,
	.service = source_service,
};

static void source_service(struct percpu *c)
{
	if (c->index == 0)
		console_poll();
}

bool console_init(uint16_t port, const struct acpi_info *acpi,
		  uint32_t bsp_apic_id, struct console_guard *guard)
{
	*guard = (struct console_guard){ 0 };
	if (!port) {
		printk("console: off\n");
		return false;
	}
	if (port == serial_current_port()) {
		printk("console: port %#x is the log's; console off\n", port);
		return false;
	}
	if (!uart_init(port, true)) {
		printk("console: no UART at port %#x; console off\n", port);
		return false;
	}
	con.port = port;
	guard->port = port;
	con.claim_tsc = tsc_khz() ? tsc_khz() : 1000000;     /* 1 ms */
	con_line_reset(&con.line);
	/* Order matters: an NMI from the entry must find its claimant. The
	 * entry is written masked; the hooks go in; what was typed before
	 * is dropped (no edge would announce it); then the entry opens. */
	con.routed = route_irq(isa_irq_of(port), acpi, bsp_apic_id, guard);
	console_source.poll_only = !con.routed;
	guard->unrouted = !con.routed;
	if (smp_nmi_source_add(&console_source))
		printk("console: the NMI source table is full\n");
	while (uart_getc(port) >= 0)
		;
	if (con.routed)
		ioapic_write(con.ioapic, IOAPIC_RTE(guard->pin), con.rte);
	printk("console: on port %#x%s\n", port, con.routed ? "" :
	       " (not routed: polled on the boot CPU's exits, every 1 ms at most; "
	       "the guest's HLT exits there; the HPET tick, if any, bounds the "
	       "rest)");
	con_printf("\n%s debug console; 'help' lists the commands\n",
		   "ThinAMDvisor");
	prompt();
	return true;
}

/*
 * Whether the console has work: received data waiting. For an NMI, more:
 * an edge can also come while a poll runs, or just before one, and the
 * poll may read its byte before the NMI is delivered: that NMI then finds
 * no data. So NMIs during a poll and within a millisecond after a poll
 * read something are claimed too (a guest NMI in that window is taken for
 * the console's: docs/interrupts.md). The exit-time poll asks the same
 * question; the window then costs at most one empty poll.
 */
static bool source_pending(bool from_nmi)
{
	(void)from_nmi;
	if (!con.port)
		return false;
	if (uart_rx_ready(con.port))
		return true;
	return con.routed && (con.polling ||
			      rdtsc() - con.last_rx_tsc < con.claim_tsc);
}

void console_poll(void)
{
	unsigned budget = POLL_BUDGET;
	int c;

	if (!con.port)
		return;
	con.polling = true;
	while ((c = uart_getc(con.port)) >= 0) {
		con.last_rx_tsc = rdtsc();
		if (con_line_feed(&con.line, c, con_printf)) {
			if (con.line.overflow)
				con_printf("error: line longer than %d "
					   "characters\n", CON_LINE_MAX);
			else if (con.line.len) {
				console_run_line(con.line.buf, con_printf);
				console_finish();
			}
			con_line_reset(&con.line);
			prompt();
		}
		if (!--budget) {
			/* More than a burst: come back before the guest
			 * runs again (no new edge announces what waits). */
			smp_nmi_source_again(&console_source);
			break;
		}
	}
	con.polling = false;
}

/*
 * kernel/serial.c - polled 16550 UART driver (PC16550D data sheet).
 * 115200 8N1, FIFOs on. The log port never interrupts; the debug
 * console's port raises its IRQ line on received data, which the console
 * routes to the boot CPU as an NMI (console/): the hypervisor still takes
 * no device interrupt vector once the guest runs.
 */
#include "kernel/kernel.h"
#include "arch/x86.h"
#include "kernel/private.h"

#define UART_THR 0 /* transmit holding (DLAB 0) */
#define UART_DLL 0 /* divisor low (DLAB 1) */
#define UART_IER 1
#define UART_DLM 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_SCR 7
#define LSR_DR   0x01
#define LSR_THRE 0x20
#define LCR_DLAB 0x80

#define MCR_OUT2 0x08 /* gates the UART's interrupt onto its IRQ line */
#define IER_ERBFI 0x01 /* interrupt when received data is available */

static uint16_t serial_port;

bool uart_init(uint16_t port, bool rx_interrupt)
{
	/* Probe through the scratch register: a missing UART reads 0xFF. */
	outb(port + UART_SCR, 0x5A);
	if (inb(port + UART_SCR) != 0x5A)
		return false;
	outb(port + UART_IER, 0);
	outb(port + UART_LCR, LCR_DLAB);
	outb(port + UART_DLL, 1); /* 115200 baud */
	outb(port + UART_DLM, 0);
	outb(port + UART_LCR, 0x03); /* 8N1 */
	outb(port + UART_FCR, 0x07); /* FIFO on, cleared */
	/* DTR, RTS; OUT2 (the IRQ) only for a receive interrupt. */
	outb(port + UART_MCR, rx_interrupt ? 0x03 | MCR_OUT2 : 0x03);
	outb(port + UART_IER, rx_interrupt ? IER_ERBFI : 0);
	return true;
}

void uart_putc(uint16_t port, char c)
{
	unsigned spins = 0;

	/* Bounded wait: a wedged UART must not hang a panic. */
	while (!(inb(port + UART_LSR) & LSR_THRE) && spins++ < 100000)
		cpu_relax();
	outb(port + UART_THR, (uint8_t)c);
}

bool uart_rx_ready(uint16_t port)
{
	return inb(port + UART_LSR) & LSR_DR;
}

int uart_getc(uint16_t port)
{
	if (!uart_rx_ready(port))
		return -1;
	return inb(port + UART_THR);
}

bool serial_init(uint16_t port)
{
	if (!uart_init(port, false))
		return false;
	serial_port = port;
	return true;
}

uint16_t serial_current_port(void)
{
	return serial_port;
}

void serial_putc(char c)
{
	if (serial_port)
		uart_putc(serial_port, c);
}

int serial_getc(void)
{
	return serial_port ? uart_getc(serial_port) : -1;
}

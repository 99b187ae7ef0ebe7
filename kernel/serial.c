/*
 * kernel/serial.c - polled 16550 UART driver (PC16550D data sheet).
 * 115200 8N1, FIFOs on, interrupts off: the hypervisor never takes a
 * device interrupt once the guest runs.
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

static uint16_t serial_port;

bool serial_init(uint16_t port)
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
	outb(port + UART_MCR, 0x03); /* DTR, RTS; OUT2 off: no IRQ */
	serial_port = port;
	return true;
}

uint16_t serial_current_port(void)
{
	return serial_port;
}

void serial_putc(char c)
{
	unsigned spins = 0;

	if (!serial_port)
		return;
	/* Bounded wait: a wedged UART must not hang a panic. */
	while (!(inb(serial_port + UART_LSR) & LSR_THRE) && spins++ < 100000)
		cpu_relax();
	outb(serial_port + UART_THR, (uint8_t)c);
}

int serial_getc(void)
{
	if (!serial_port || !(inb(serial_port + UART_LSR) & LSR_DR))
		return -1;
	return inb(serial_port + UART_THR);
}

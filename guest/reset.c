/*
 * guest/reset.c - `reset=METHOD`: reset the machine through one of the
 * legacy paths the hypervisor must intercept (issue 6). Under our
 * hypervisor each one is reported ("hv: vcpu N: guest reset the machine
 * (...)") and then the hypervisor resets the machine itself; without it the
 * chipset resets directly. QEMU with -no-reboot then exits with status 0.
 */
#include "guest/guest.h"

#define RST_CNT_SYS_RST   BIT(1)       /* ICH9 13.7.5: full reset */
#define RST_CNT_RST_CPU   BIT(2)       /* the 0 -> 1 edge resets */
#define KBC_STATUS_IBF    BIT(1)       /* input buffer full */
#define KBC_PULSE_RESET   0xfe         /* pulse output port bit 0 low */
#define KBC_WRITE_OUTPUT  0xd1         /* next data byte: the output port */
#define KBC_OUT_A20       BIT(1)       /* bit 0 (reset) clear: reset */
#define KBC_WAIT_LOOPS    100000

static bool kbc_wait_input(void)
{
	for (int i = 0; i < KBC_WAIT_LOOPS; i++) {
		if (!(inb(PORT_KBC_CMD) & KBC_STATUS_IBF))
			return true;
		cpu_relax();
	}
	return false;
}

static void reset_92(void)
{
	uint8_t v = inb(PORT_SYSCTL_A);
	outb(PORT_SYSCTL_A, (uint8_t)((v & ~SYSCTL_A_RESET) | SYSCTL_A_A20));
	outb(PORT_SYSCTL_A, (uint8_t)(v | SYSCTL_A_RESET | SYSCTL_A_A20));
}

static void reset_cf9(void)
{
	outb(PORT_RST_CNT, (uint8_t)(RST_CNT_SYS_RST | RST_CNT_RST_CPU));
}

/* A word write at 0xCF8 is not the PCI address register (PCI Local Bus
 * 3.0, 3.2.2.3.2: that is dword-only): its high byte reaches 0xCF9. */
static void reset_cf9_word(void)
{
	outw(PORT_RST_CNT - 1, (uint16_t)((RST_CNT_SYS_RST | RST_CNT_RST_CPU) << 8));
}

/* Pulse every output line, the reset line among them. */
static void reset_kbc_pulse_all(void)
{
	kbc_wait_input();
	outb(PORT_KBC_CMD, 0xf0);
}

static void reset_kbc(void)
{
	kbc_wait_input();
	outb(PORT_KBC_CMD, KBC_PULSE_RESET);
}

static void reset_kbc_output(void)
{
	kbc_wait_input();
	outb(PORT_KBC_CMD, KBC_WRITE_OUTPUT);
	kbc_wait_input();
	outb(PORT_KBC_DATA, KBC_OUT_A20);
}

static const struct {
	const char *name;
	void (*fn)(void);
} methods[] = {
	{ "92", reset_92 },             /* port 0x92 bit 0 (fast reset) */
	{ "cf9", reset_cf9 },           /* reset control register */
	{ "kbc", reset_kbc },           /* 8042 command 0xFE */
	{ "kbcout", reset_kbc_output }, /* 8042 output port bit 0 clear */
	{ "cf9w", reset_cf9_word },     /* 16-bit write covering 0xCF9 */
	{ "kbcf0", reset_kbc_pulse_all }, /* 8042 command 0xF0 */
};

int reset_method(const char *name, size_t n)
{
	for (size_t i = 0; i < ARRAY_SIZE(methods); i++)
		if (strlen(methods[i].name) == n &&
		    strncmp(name, methods[i].name, n) == 0)
			return (int)i;
	return -1;
}

void reset_machine(int method)
{
	if (method < 0 || (size_t)method >= ARRAY_SIZE(methods))
		return;
	printk("resetting via %s\n", methods[method].name);
	methods[method].fn();
	udelay(100 * 1000);             /* a reset takes effect at once */
	printk("reset did not happen\n");
}

/*
 * svm/io.c - the I/O permission map and intercepted ports (APM Vol. 2,
 * 15.10). Only the machine's reset and A20 paths are intercepted: the
 * guest owns every other port.
 *   0x92  (fast A20 / INIT)      A20 kept on; bit 0 (reset) reported, then reset
 *   0xCF9 (reset control)        RST_CPU reported, then reset
 *   0x64/0x60 (keyboard ctrl)    0xFE pulse reset; output-port writes (0xD1)
 *                                keep A20 on and report a reset
 *   FADT RESET_REG (I/O space)   reported, then reset
 *   the debug console's UART     no device: reads all-ones, writes dropped
 *                                (svm/guard.c)
 *   PM1a/PM1b control (FADT)     SLP_EN with the DSDT's S5 type: reported,
 *                                performed (power off); with any other type
 *                                (S1-S4): refused -- the write is performed
 *                                without SLP_EN and the guest "wakes" at once
 *   PM1a/PM1b status (FADT)      reads show WAK_STS after a refused sleep,
 *                                until the guest writes it clear
 *   0xCF8-0xCFF (config #1)      on chipsets whose registers could move
 *                                the PM1 block: performed under one lock,
 *                                writes to those registers refused
 *                                (svm/guard.c)
 * An S3 that really happened would resume through the firmware straight
 * into the guest's waking vector, without the hypervisor (ACPI 6.5,
 * 16.3): the guest would own the machine. S1 keeps the CPUs' context and
 * an S4 done by the OS ends in a cold boot, but both are refused alike
 * (the hypervisor has no sleep support). S5 loses nothing to anyone.
 * An access that overlaps an intercepted port (e.g. a 32-bit write to the
 * PCI address port 0xCF8 covers 0xCF9) is performed as the guest wrote it,
 * except one that touches the console's UART at all: it is not performed
 * (an IN reads all-ones in every byte).
 */
#include "svm/internal.h"
#include "iommu/iommu.h"
#include "arch/x86.h"
#include "kernel/private.h"

#define IOIO_IN     BIT(0)
#define IOIO_STR    BIT(2)
#define IOIO_REP    BIT(3)
#define IOIO_SZ8    BIT(4)
#define IOIO_SZ16   BIT(5)
#define IOIO_SZ32   BIT(6)
#define IOIO_PORT(info1) ((uint16_t)((info1) >> 16))

#define PORT_A20    0x92
#define PORT_RESET  0xCF9
#define PORT_KBC    0x64
#define PORT_KBD    0x60
#define KBC_WRITE_OUTPUT 0xD1
#define KBC_PULSE_RESET  0xFE
#define CF9_RST_CPU BIT(2)

static volatile bool kbc_output_next; /* the machine has one controller */
/* Machine-wide, like the PM1 registers themselves: written by whichever
 * vCPU touches PM1 (the guest serializes its ACPI code; a race between
 * two vCPUs here could only show or hide a WAK_STS, never let a sleep
 * through). */
static volatile bool fake_wake;       /* a sleep was refused: WAK_STS */
static volatile bool pm1a_said_s5;    /* PM1a's last SLP_EN write was S5 */

/* PM1 control and status bits in the registers' high byte (ACPI 6.5,
 * 4.8.3.1.1 PM1 status: WAK_STS bit 15; 4.8.3.2.1 PM1 control: SLP_TYP
 * bits 12:10, SLP_EN bit 13). */
#define PM1_HI_WAK_STS      0x80
#define PM1_HI_SLP_EN       0x20
#define PM1_HI_SLP_TYP(b)   (((b) >> 2) & 7)

void iopm_setup(uint8_t *iopm)
{
	uint16_t ports[] = { PORT_A20, PORT_RESET, PORT_KBC, PORT_KBD,
			     svm.reset_port };

	for (size_t i = 0; i < ARRAY_SIZE(ports); i++)
		if (ports[i])
			iopm[ports[i] / 8] |= (uint8_t)(1U << (ports[i] % 8));
	for (unsigned p = svm.guard_port; svm.guard_port && p < svm.guard_port + 8u;
	     p++)
		iopm[p / 8] |= (uint8_t)(1U << (p % 8));
	/* Configuration mechanism #1, when chipset registers are guarded. */
	for (unsigned p = 0xCF8; svm.cfg_guarded && p < 0xD00; p++)
		iopm[p / 8] |= (uint8_t)(1U << (p % 8));
	/* The high bytes carry SLP_EN and WAK_STS; a 16-bit access to the
	 * low port covers them and is intercepted through either bit. */
	for (unsigned i = 0; i < SVM_PM1_SLOTS; i++) {
		uint16_t pm1[] = { svm.pm1_cnt[i], svm.pm1_sts[i] };

		for (unsigned k = 0; k < 2; k++)
			for (unsigned p = pm1[k]; pm1[k] && p < pm1[k] + 2u; p++)
				iopm[p / 8] |= (uint8_t)(1U << (p % 8));
	}
}

static _Noreturn void guest_reset(struct vcpu *v, const char *how)
{
	printk("vcpu %u: guest reset the machine (%s); resetting\n", v->index,
	       how);
	machine_reset("the guest asked");
}

static uint32_t port_in(uint16_t port, unsigned size)
{
	return size == 1 ? inb(port) : size == 2 ? inw(port) : inl(port);
}

static void port_out(uint16_t port, unsigned size, uint32_t val)
{
	if (size == 1)
		outb(port, (uint8_t)val);
	else if (size == 2)
		outw(port, (uint16_t)val);
	else
		outl(port, val);
}

/* The policy for one byte the guest writes to @port: returns the byte to
 * write (A20 kept on, the reset bit taken out), or resets the machine.
 * @byte_access: the reset-control and FADT reset ports decode only byte
 * writes (a dword to 0xCF8 is the PCI address, not a reset). */
static uint8_t filter_byte(struct vcpu *v, uint16_t port, uint8_t val,
			   bool byte_access)
{
	if (port == PORT_A20) {
		if (!(val & 0x02) && !v->a20_warned) {
			printk("vcpu %u: guest tried to disable A20: kept on\n",
			       v->index);
			v->a20_warned = true;
		}
		if (val & 0x01)
			guest_reset(v, "port 0x92 bit 0");
		return (uint8_t)((val | 0x02) & ~0x01);
	}
	if (byte_access && port == PORT_RESET && (val & CF9_RST_CPU))
		guest_reset(v, "port 0xCF9");
	if (byte_access && port == svm.reset_port && svm.reset_port != PORT_RESET &&
	    val == svm.reset_value)
		guest_reset(v, "FADT RESET_REG");
	for (unsigned i = 0; i < SVM_PM1_SLOTS; i++) {
		if (svm.pm1_cnt[i] && port == svm.pm1_cnt[i] + 1 &&
		    (val & PM1_HI_SLP_EN)) {
			unsigned typ = PM1_HI_SLP_TYP(val);

			/* PM1b follows PM1a (4.8.3.2.1: both written, a first):
			 * it goes through only after PM1a's S5. */
			bool b = i & 1;

			if (svm.s5_known && typ == svm.s5_typ[b] &&
			    (!b || pm1a_said_s5)) {
				pm1a_said_s5 = !b;
				printk("vcpu %u: guest powers the machine off "
				       "(S5, SLP_TYP %u)\n", v->index, typ);
				return val;
			}
			printk("vcpu %u: guest asked to sleep (SLP_TYP %u, not "
			       "S5%s): refused, it wakes at once\n", v->index,
			       typ, svm.s5_known ? "" : " or S5 unknown");
			pm1a_said_s5 = false;
			fake_wake = true;
			return (uint8_t)(val & ~PM1_HI_SLP_EN);
		}
		if (svm.pm1_sts[i] && port == svm.pm1_sts[i] + 1 &&
		    (val & PM1_HI_WAK_STS))
			fake_wake = false;       /* written clear (RW1C) */
	}
	if (port == PORT_KBC) {
		if (val == KBC_PULSE_RESET)
			guest_reset(v, "keyboard controller 0xFE");
		kbc_output_next = val == KBC_WRITE_OUTPUT;
	} else if (port == PORT_KBD && kbc_output_next) {
		kbc_output_next = false;
		if (!(val & 0x01))
			guest_reset(v, "keyboard controller output port");
		val |= 0x02; /* A20 stays on */
	}
	return val;
}

enum exit_action handle_ioio(struct vcpu *v)
{
	struct vmcb *vm = v->vmcb;
	uint64_t info = vm->ctl.exit_info1;
	uint16_t port = IOIO_PORT(info);
	unsigned size = info & IOIO_SZ32 ? 4 : info & IOIO_SZ16 ? 2 : 1;
	uint32_t val;
	bool cfg;

	if (info & (IOIO_STR | IOIO_REP)) {
		printk("vcpu %u: string I/O on intercepted port 0x%x is not emulated\n",
		       v->index, port);
		vmcb_dump(v);
		vcpu_stop(v, "string I/O on an intercepted port");
		return EXIT_STOP;
	}
	cfg = svm.cfg_guarded && port < 0xD00 && port + size > 0xCF8;
	if (cfg)
		guard_cfg_lock();
	if (guard_port(port, size)) {
		/* The console's UART: no device here for the guest. */
		if (info & IOIO_IN)
			vm->save.rax = size == 4 ? 0xFFFFFFFF :
				       vm->save.rax | (size == 2 ? 0xFFFF : 0xFF);
	} else if (info & IOIO_IN) {
		/* An IOMMU's function reads as absent (iommu/hide.c). */
		val = cfg && iommu_cfg_io_hidden(port, size) ? 0xFFFFFFFFu :
		      port_in(port, size);
		for (unsigned i = 0; i < size && fake_wake; i++)
			for (unsigned k = 0; k < SVM_PM1_SLOTS; k++)
				if (svm.pm1_sts[k] &&
				    port + i == svm.pm1_sts[k] + 1u)
					val |= (uint32_t)PM1_HI_WAK_STS << (8 * i);
		vm->save.rax = (vm->save.rax & ~(uint64_t)(size == 4 ? 0xFFFFFFFF :
				size == 2 ? 0xFFFF : 0xFF)) | val;
		if (size == 4)
			vm->save.rax &= 0xFFFFFFFF; /* 32-bit writes zero-extend */
	} else {
		/* Every byte of a wider write that lands on one of our ports
		 * goes through the policy too (outw 0x92 must not turn A20
		 * off); the write itself keeps the guest's width. */
		val = (uint32_t)vm->save.rax;
		for (unsigned i = 0; i < size; i++) {
			uint8_t b = (uint8_t)(val >> (8 * i));

			b = filter_byte(v, (uint16_t)(port + i), b, size == 1);
			val = (val & ~(0xFFu << (8 * i))) | ((uint32_t)b << (8 * i));
		}
		if (!cfg || !guard_cfg_io_refused(v, port, size))
			port_out(port, size, val);
	}
	if (cfg)
		guard_cfg_unlock();
	vm->save.rip = vm->ctl.exit_info2; /* next RIP (15.10.2) */
	vcpu_insn_done(v);
	return EXIT_RESUME;
}

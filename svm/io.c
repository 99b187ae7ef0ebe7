/*
 * svm/io.c - the I/O permission map and intercepted ports (APM Vol. 2,
 * 15.10). Only the machine's reset and A20 paths, the PM1 registers and
 * the configuration ports are intercepted: the guest owns every other port.
 *   0x92  (fast A20 / INIT)      A20 kept on; bit 0 (reset) reported, then reset
 *   0xCF9 (reset control)        RST_CPU reported, then reset, whatever the
 *                                access width, except a dword at 0xCF8
 *                                (the PCI address register, PCI Local Bus
 *                                3.0, 3.2.2.3.2: a dword there never
 *                                reaches 0xCF9)
 *   0x64/0x60 (keyboard ctrl)    the allow-list of svm/kbc.c: A20 never
 *                                off, resets (pulse with bit 0 clear,
 *                                output port bit 0 clear) reported, then
 *                                reset; other commands dropped
 *   FADT RESET_REG (I/O space)   its value at any width: reported, then reset
 *   the debug console's UART     no device: reads all-ones, writes dropped
 *                                (svm/guard.c)
 *   PM1a/PM1b control (FADT)     SLP_EN with the DSDT's S5 type: reported,
 *                                performed (power off); with any other type
 *                                (S1-S4): refused -- the write is performed
 *                                without SLP_EN and the guest "wakes" at once
 *   PM1a/PM1b status (FADT)      reads show WAK_STS after a refused sleep,
 *                                until the guest writes it clear
 *   0xCF8-0xCFF (config #1)      performed under one lock through the
 *                                configuration-space filter
 *                                (svm/guard_cfg.c); a data-port read
 *                                right after an address write runs in
 *                                the write's exit (decode/follow.c)
 * An S3 that really happened would resume through the firmware straight
 * into the guest's waking vector, without the hypervisor (ACPI 6.5,
 * 16.3): the guest would own the machine. S1 keeps the CPUs' context and
 * an S4 done by the OS ends in a cold boot, but both are refused alike
 * (the hypervisor has no sleep support). S5 loses nothing to anyone.
 * Every byte of an access that overlaps an intercepted port goes through
 * that port's policy; a write with a byte the policy drops is not
 * performed at all, one that touches the console's UART neither (an IN
 * reads all-ones in every byte).
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
#define PORT_CFG_ADDR 0xCF8
#define CF9_RST_CPU BIT(2)

/* The machine has one controller: its filter state and the port write
 * that follows a verdict go together under kbc_lock. */
static struct kbc_state kbc;
static struct spinlock kbc_lock = SPINLOCK_INIT;
static uint64_t kbc_dropped, sleeps_refused;
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
	/* An AMD FCH's PM index/data pair (svm/fch.c). */
	for (unsigned p = 0xCD6; svm.fch && p <= 0xCD7; p++)
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

_Noreturn void guest_reset(struct vcpu *v, const char *how)
{
	printk("vcpu %u: guest reset the machine (%s); resetting\n", v->index,
	       how);
	machine_reset("the guest asked");
}

uint32_t io_port_in(uint16_t port, unsigned size)
{
	return size == 1 ? inb(port) : size == 2 ? inw(port) : inl(port);
}

void io_port_out(uint16_t port, unsigned size, uint32_t val)
{
	if (size == 1)
		outb(port, (uint8_t)val);
	else if (size == 2)
		outw(port, (uint16_t)val);
	else
		outl(port, val);
}

/* The policy for one byte the guest writes to @port: returns false when
 * the write must not be performed, may change *val (A20 kept on, the reset
 * bit taken out), or resets the machine. @cfg_addr: the byte belongs to a
 * dword write of the PCI address register at 0xCF8, not to 0xCF9. */
static bool filter_byte(struct vcpu *v, uint16_t port, uint8_t *pval,
			bool cfg_addr)
{
	uint8_t val = *pval;
	enum kbc_verdict kv = KBC_PASS;
	uint64_t n;

	if (port == PORT_A20) {
		if (!(val & 0x02) && !v->a20_warned) {
			printk("vcpu %u: guest tried to disable A20: kept on\n",
			       v->index);
			v->a20_warned = true;
		}
		if (val & 0x01)
			guest_reset(v, "port 0x92 bit 0");
		*pval = (uint8_t)((val | 0x02) & ~0x01);
		return true;
	}
	if (!cfg_addr && port == PORT_RESET && (val & CF9_RST_CPU))
		guest_reset(v, "port 0xCF9");
	if (!cfg_addr && port == svm.reset_port &&
	    svm.reset_port != PORT_RESET && val == svm.reset_value)
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
				return true;
			}
			if ((n = log_ratelimit(&sleeps_refused)))
				printk("vcpu %u: guest asked to sleep (SLP_TYP %u, "
				       "not S5%s): refused, it wakes at once (%llu "
				       "so far)\n", v->index, typ,
				       svm.s5_known ? "" : " or S5 unknown",
				       (unsigned long long)n);
			pm1a_said_s5 = false;
			fake_wake = true;
			*pval = (uint8_t)(val & ~PM1_HI_SLP_EN);
			return true;
		}
		if (svm.pm1_sts[i] && port == svm.pm1_sts[i] + 1 &&
		    (val & PM1_HI_WAK_STS))
			fake_wake = false;       /* written clear (RW1C) */
	}
	if (port == PORT_KBC)
		kv = kbc_command(&kbc, val);
	else if (port == PORT_KBD)
		kv = kbc_data(&kbc, pval);
	if (kv == KBC_RESET)
		guest_reset(v, port == PORT_KBC ? "keyboard controller pulse" :
			    "keyboard controller output port");
	if (kv == KBC_DROP && (n = log_ratelimit(&kbc_dropped)))
		printk("vcpu %u: guest keyboard controller command %#x "
		       "dropped (%llu so far)\n", v->index, val,
		       (unsigned long long)n);
	return kv == KBC_PASS;
}

/* The data-port read a joined configuration read performs: the same
 * filter as its own exit would run. */
static uint32_t cfg_data_in(struct vcpu *v, uint16_t port, unsigned size)
{
	uint32_t val;

	guard_cfg_io(v, port, size, true, &val);
	v->cfg_reads_joined++;
	return val;
}

/* This vCPU's exits per port, for the `exits` report. */
static void count_port(struct vcpu *v, uint16_t port)
{
	unsigned i = v->io_last;

	if (v->io_ports[i].port == port && v->io_ports[i].n) {
		v->io_ports[i].n++;       /* the common case: the same port */
		return;
	}
	for (i = 0; i < VCPU_IO_PORTS; i++) {
		if (v->io_ports[i].n && v->io_ports[i].port != port)
			continue;
		v->io_ports[i].port = port;
		v->io_ports[i].n++;
		v->io_last = (uint8_t)i;
		return;
	}
	v->io_other++;
}

enum exit_action handle_ioio(struct vcpu *v)
{
	struct vmcb *vm = v->vmcb;
	uint64_t info = vm->ctl.exit_info1;
	uint16_t port = IOIO_PORT(info);
	unsigned size = info & IOIO_SZ32 ? 4 : info & IOIO_SZ16 ? 2 : 1;
	uint32_t val;
	bool cfg;

	count_port(v, port);
	if (info & (IOIO_STR | IOIO_REP)) {
		printk("vcpu %u: string I/O on intercepted port 0x%x is not emulated\n",
		       v->index, port);
		vmcb_dump(v);
		vcpu_stop(v, "string I/O on an intercepted port");
		return EXIT_STOP;
	}
	cfg = svm.cfg_guarded && port < 0xD00 && port + size > 0xCF8;
	if (svm.fch && port <= 0xCD7 && port + size > 0xCD6) {
		/* Nothing else of ours sits in 0xCD3-0xCDA. */
		val = (uint32_t)vm->save.rax;
		fch_io(v, port, size, info & IOIO_IN, &val);
		if (info & IOIO_IN)
			vm->save.rax = (vm->save.rax & ~(uint64_t)(size == 4 ?
					0xFFFFFFFF : size == 2 ? 0xFFFF : 0xFF)) |
				       val;
		if (size == 4 && (info & IOIO_IN))
			vm->save.rax &= 0xFFFFFFFF;
		vm->save.rip = vm->ctl.exit_info2;
		vcpu_insn_done(v);
		return EXIT_RESUME;
	}
	if (guard_port(port, size)) {
		/* The console's UART: no device here for the guest. */
		if (info & IOIO_IN)
			vm->save.rax = size == 4 ? 0xFFFFFFFF :
				       vm->save.rax | (size == 2 ? 0xFFFF : 0xFF);
	} else if (info & IOIO_IN) {
		if (cfg)
			guard_cfg_io(v, port, size, true, &val);
		else
			val = io_port_in(port, size);
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
		bool kb = port <= PORT_KBC && port + size > PORT_KBD;
		bool perform = true;

		val = (uint32_t)vm->save.rax;
		if (kb)
			spin_lock(&kbc_lock);
		for (unsigned i = 0; i < size; i++) {
			uint8_t b = (uint8_t)(val >> (8 * i));

			perform &= filter_byte(v, (uint16_t)(port + i), &b,
					       port == PORT_CFG_ADDR && size == 4);
			val = (val & ~(0xFFu << (8 * i))) | ((uint32_t)b << (8 * i));
		}
		if (perform && cfg)
			guard_cfg_io(v, port, size, false, &val);
		else if (perform)
			io_port_out(port, size, val);
		if (kb)
			spin_unlock(&kbc_lock);
	}
	vm->save.rip = vm->ctl.exit_info2; /* next RIP (15.10.2) */
	vcpu_insn_done(v);
	/* Configuration reads in one exit: the data-port read that follows
	 * an address write (decode/follow.c) runs here, through the same
	 * filter, instead of exiting once more. */
	if (cfg && port == PORT_CFG_ADDR && size == 4 && !(info & IOIO_IN))
		(void)vcpu_follow_in(v, 0xCFC, 0xD00, cfg_data_in);
	return EXIT_RESUME;
}

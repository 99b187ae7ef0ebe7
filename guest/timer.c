/*
 * guest/timer.c - 8259 PIC, 8254 PIT, TSC delays and the local APIC
 * (xAPIC MMIO: Intel SDM Vol. 3, chapter 10; APM Vol. 2, 16.3-16.4).
 * LAPIC registers are written only when they change: under the hypervisor
 * every write to the APIC page costs an exit.
 */
#include "guest/guest.h"

#define PIT_HZ          1193182u
#define LAPIC_ID        0x020
#define LAPIC_TPR       0x080
#define LAPIC_EOI       0x0b0
#define LAPIC_SVR       0x0f0
#define LAPIC_ICR_LO    0x300
#define LAPIC_ICR_HI    0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3e0
#define SVR_ENABLE      BIT(8)
#define LVT_MASKED      BIT(16)
#define LVT_PERIODIC    BIT(17)
#define LVT_EXTINT      0x700u
#define LVT_NMI         0x400u
#define ICR_BUSY        BIT(12)
#define APIC_BASE_EN    BIT(11)
#define TIMER_DIV_16    0x3u

uint64_t tsc_per_ms;
/* Every CPU stores the same value (APIC_BASE as firmware set it). */
static uintptr_t lapic_base;
static uint32_t lapic_per_ms;   /* LAPIC timer counts per ms at divide 16 */

void pic_init(void)
{
	outb(0x20, 0x11);               /* ICW1: edge, cascade, ICW4 */
	outb(0xa0, 0x11);
	outb(0x21, VEC_PIC_BASE);       /* ICW2: vector bases */
	outb(0xa1, VEC_PIC_BASE + 8);
	outb(0x21, 0x04);               /* ICW3: slave on IRQ2 */
	outb(0xa1, 0x02);
	outb(0x21, 0x01);               /* ICW4: 8086 mode */
	outb(0xa1, 0x01);
	outb(0x21, 0xfe);               /* only IRQ0 (PIT) */
	outb(0xa1, 0xff);
}

void pit_start(unsigned hz)
{
	uint32_t div = PIT_HZ / hz;
	outb(0x43, 0x34);               /* channel 0, lo/hi, mode 2 */
	outb(0x40, (uint8_t)div);
	outb(0x40, (uint8_t)(div >> 8));
}

void udelay(uint64_t us)
{
	uint64_t per_ms = tsc_per_ms ? tsc_per_ms : 1000000; /* guess 1 GHz */
	uint64_t end = rdtsc() + us * per_ms / 1000;
	while (rdtsc() < end)
		cpu_relax();
}

static uint32_t lapic_read(uint32_t reg)
{
	return *(volatile uint32_t *)(lapic_base + reg);
}

static void lapic_write(uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)(lapic_base + reg) = v;
}

static void lapic_update(uint32_t reg, uint32_t v)
{
	if (lapic_read(reg) != v)
		lapic_write(reg, v);
}

bool lapic_reg_takes(uint32_t reg, uint32_t v, uint32_t mask)
{
	uint32_t orig = lapic_read(reg), got;

	lapic_write(reg, v);
	got = lapic_read(reg);
	lapic_write(reg, orig);
	return (got & mask) == (v & mask);
}

void lapic_init(bool bsp)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);
	if (!(base & APIC_BASE_EN))
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_EN);
	lapic_base = (uintptr_t)(base & GENMASK(31, 12));
	lapic_update(LAPIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
	lapic_update(LAPIC_TPR, 0);
	if (bsp) {
		/* Virtual-wire mode: the 8259 reaches the CPU through LINT0. */
		lapic_update(LAPIC_LVT_LINT0, LVT_EXTINT);
		lapic_update(LAPIC_LVT_LINT1, LVT_NMI);
	}
}

uint32_t lapic_id(void)
{
	return lapic_read(LAPIC_ID) >> 24;
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

/* Count the LAPIC timer against 10 PIT ticks; needs the PIT running. */
void lapic_timer_calibrate(void)
{
	lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_LAPIC_TIMER);
	uint64_t t = pit_ticks;
	while (pit_ticks == t)
		safe_halt();
	lapic_write(LAPIC_TIMER_INIT, 0xffffffffu);
	t = pit_ticks;
	while (pit_ticks < t + 10)
		safe_halt();
	uint32_t used = 0xffffffffu - lapic_read(LAPIC_TIMER_CUR);
	lapic_write(LAPIC_TIMER_INIT, 0);
	lapic_per_ms = used / 10;
	printk("lapic timer: %u counts per ms at divide 16\n", lapic_per_ms);
}

void lapic_timer_start(unsigned hz)
{
	uint32_t per_ms = lapic_per_ms ? lapic_per_ms : 62500; /* 1 GHz / 16 */
	lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
	lapic_write(LAPIC_LVT_TIMER, LVT_PERIODIC | VEC_LAPIC_TIMER);
	lapic_write(LAPIC_TIMER_INIT, (uint32_t)((uint64_t)per_ms * 1000 / hz));
}

void lapic_timer_stop(void)
{
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_LAPIC_TIMER);
	lapic_write(LAPIC_TIMER_INIT, 0);
}

static bool icr_idle(void)
{
	for (unsigned i = 0; i < 100000; i++) {
		if (!(lapic_read(LAPIC_ICR_LO) & ICR_BUSY))
			return true;
		cpu_relax();
	}
	return false;
}

bool lapic_send(uint32_t dest, uint32_t low)
{
	if (!icr_idle())
		return false;
	lapic_write(LAPIC_ICR_HI, dest << 24);
	lapic_write(LAPIC_ICR_LO, low);
	return icr_idle();
}

/*
 * kernel/time.c - TSC calibration and delays.
 *
 * AMD has no CPUID TSC-frequency leaf (no 0x15/0x16), so the TSC is
 * measured against the ACPI PM timer (3.579545 MHz, ACPI 6.x 4.8.3.3) or,
 * without one, PIT channel 2 (1.193182 MHz, gate through port 0x61).
 * Invariant TSC: CPUID Fn8000_0007 EDX[8] (APM Vol. 3, E.4.6).
 */
#include "kernel/kernel.h"
#include "arch/x86.h"

#define PM_TIMER_HZ 3579545ULL
#define PIT_HZ      1193182ULL
#define CAL_MS      20

static uint64_t tsc_hz;
static uint64_t tsc_boot;

static uint64_t calibrate_pm(uint16_t port, bool pm32)
{
	uint32_t mask = pm32 ? 0xFFFFFFFFu : 0xFFFFFFu;
	uint64_t ticks = PM_TIMER_HZ * CAL_MS / 1000, seen = 0;
	uint32_t last = inl(port) & mask;
	uint64_t t0 = rdtsc(), t1;
	unsigned guard = 0;

	while (seen < ticks) {
		uint32_t now = inl(port) & mask;

		seen += (now - last) & mask;
		last = now;
		if (++guard > 50000000)
			return 0; /* a timer that does not tick */
	}
	t1 = rdtsc();
	return (t1 - t0) * PM_TIMER_HZ / seen;
}

static uint64_t calibrate_pit(void)
{
	uint16_t count = (uint16_t)(PIT_HZ * CAL_MS / 1000);
	uint64_t t0, t1;
	unsigned guard = 0;

	/* Channel 2, mode 0, gate on, speaker off (8254 data sheet). */
	outb(0x61, (uint8_t)((inb(0x61) & ~0x02) | 0x01));
	outb(0x43, 0xB0);
	outb(0x42, (uint8_t)count);
	outb(0x42, (uint8_t)(count >> 8));
	t0 = rdtsc();
	while (!(inb(0x61) & 0x20))
		if (++guard > 50000000)
			return 0;
	t1 = rdtsc();
	return (t1 - t0) * 1000 / CAL_MS;
}

void time_init(uint16_t pm_port, bool pm_32bit)
{
	const char *src = "ACPI PM timer";

	tsc_hz = pm_port ? calibrate_pm(pm_port, pm_32bit) : 0;
	if (!tsc_hz) {
		src = "PIT";
		tsc_hz = calibrate_pit();
	}
	if (!tsc_hz) {
		src = "nothing (assumed 1 GHz)";
		tsc_hz = 1000000000ULL;
	}
	tsc_boot = rdtsc();
	printk("tsc: %llu.%03llu MHz (calibrated against %s), %s\n",
	       (unsigned long long)(tsc_hz / 1000000),
	       (unsigned long long)(tsc_hz / 1000 % 1000), src,
	       tsc_invariant() ? "invariant" : "not invariant");
}

bool tsc_invariant(void)
{
	if (cpuid(0x80000000, 0).eax < 0x80000007)
		return false;
	return (cpuid(0x80000007, 0).edx & BIT(8)) != 0;
}

uint64_t tsc_khz(void)
{
	return tsc_hz / 1000;
}

uint64_t now_ns(void)
{
	uint64_t d = rdtsc() - tsc_boot;

	/* Split to avoid overflow of d * 1e9 for long uptimes. */
	return d / tsc_hz * 1000000000ULL + d % tsc_hz * 1000000000ULL / tsc_hz;
}

void udelay(uint64_t us)
{
	uint64_t end = rdtsc() + us * (tsc_hz / 1000000 ? tsc_hz / 1000000 : 1);

	while ((int64_t)(rdtsc() - end) < 0)
		cpu_relax();
}

void mdelay(uint64_t ms)
{
	udelay(ms * 1000);
}

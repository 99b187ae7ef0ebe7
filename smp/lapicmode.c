/*
 * smp/lapicmode.c - the local APIC's mode, free of hardware access
 * (host-tested: tests/unit/test_lapicmode.c; QEMU TCG has no x2APIC).
 * Intel SDM Vol. 3, 10.12; APM Vol. 2, 16.11.
 */
#include "smp/smp.h"
#include "lib/lib.h"

#define APIC_BASE_EXTD BIT(10)

/* x2APIC when the firmware handed over in it (IA32_APIC_BASE.EXTD: going
 * back would need a disable, 10.12.5) or when an APIC ID does not fit the
 * xAPIC's 8 bits minus the broadcast 0xFF and the CPU has an x2APIC. */
bool lapic_want_x2apic(uint64_t apic_base, uint32_t max_apic_id, bool has_x2apic)
{
	return (apic_base & APIC_BASE_EXTD) || (max_apic_id > 254 && has_x2apic);
}

/*
 * smp/lapicmode.c - the local APIC's mode and x2APIC encodings, free of
 * hardware access (host-tested: tests/unit/test_lapicmode.c; QEMU TCG has
 * no x2APIC). Intel SDM Vol. 3, 10.12; APM Vol. 2, 16.11.
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

/* The MSR of the register at offset @reg of the xAPIC page (10.12.1.2,
 * table 10-6): 0x800 + reg / 16; ID 0x802, ICR 0x830. */
uint32_t lapic_x2_msr(uint32_t reg)
{
	return 0x800 + (reg >> 4);
}

/* The x2APIC ICR is one 64-bit MSR: destination in bits 63:32, the
 * xAPIC's low half below (10.12.9). */
uint64_t lapic_x2_icr(uint32_t dest, uint32_t icr_lo)
{
	return (uint64_t)dest << 32 | icr_lo;
}

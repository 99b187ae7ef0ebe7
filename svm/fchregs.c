/*
 * svm/fchregs.c - the AMD FCH PM registers (PMx) the guest may not write
 * (svm/fch.c applies them). BKDG family 16h 3.26.8 and PPR family 17h
 * FCH::PM: PMx00-03 DecodeEn (on 17h: AcpiMmio and SMBus decode), PMx24
 * AcpiMmioEn (AcpiMmio decode and its base), PMx60-6F the ACPI block
 * bases (PM1 event and control, PM timer, CPU control, GPE0, SMI command,
 * PMa control), PMx74-77 AcpiConfig (their decode enables).
 */
#include "svm/svm.h"

bool fch_pm_guarded(uint8_t index)
{
	return index <= 0x03 || (index >= 0x24 && index <= 0x27) ||
	       (index >= 0x60 && index <= 0x6F) ||
	       (index >= 0x74 && index <= 0x77);
}

/* Fuzz target: the guest OS's own parsers. The bytes are parsed as a
 * Multiboot2 information block, and again as the body of a MADT (behind a
 * valid header, XSDT and RSDP, checksums fixed) so the entry walk sees
 * arbitrary entries. Neither parser may read out of bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guest/guest.h"

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;
	while (n--)
		s += *p++;
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct guest_boot gb;
	static struct guest_madt gm;
	uint8_t *copy = malloc(size ? size : 1);

	memcpy(copy, data, size);
	(void)mb2_parse(copy, size, &gb);
	free(copy);

	if (size > 4096)
		return 0;
	uint32_t mlen = (uint32_t)(36 + size);
	uint8_t *madt = malloc(mlen);
	memset(madt, 0, 36);
	memcpy(madt, "APIC", 4);
	memcpy(madt + 4, &mlen, 4);
	memcpy(madt + 36, data, size);
	madt[9] = (uint8_t)-sum(madt, mlen);
	uint8_t xsdt[44] = "XSDT";
	uint32_t xlen = 44;
	uint64_t pa = (uintptr_t)madt;
	memcpy(xsdt + 4, &xlen, 4);
	memcpy(xsdt + 36, &pa, 8);
	xsdt[9] = (uint8_t)-sum(xsdt, 44);
	uint8_t rsdp[36] = "RSD PTR ";
	uint32_t rlen = 36;
	pa = (uintptr_t)xsdt;
	rsdp[15] = 2;
	memcpy(rsdp + 20, &rlen, 4);
	memcpy(rsdp + 24, &pa, 8);
	rsdp[8] = (uint8_t)-sum(rsdp, 20);
	rsdp[32] = (uint8_t)-sum(rsdp, 36);
	(void)acpi_read_madt(rsdp, sizeof(rsdp), UINT64_MAX, &gm);
	free(madt);
	return 0;
}

/*
 * acpi/hide.c - take a table out of the guest's view of ACPI. The guest
 * reads the firmware's own tables in place (loader/ hands it the RSDP), so
 * hiding a table means editing the roots the RSDP names: the entries
 * pointing at it are removed from the XSDT and the RSDT (ACPI 6.5,
 * 5.2.7-5.2.8), their length shrinks and their checksum is recomputed.
 * The hypervisor keeps its own copy (acpi_copy_tables) beforehand.
 */
#include "acpi/internal.h"

/* Remove the entries of one root whose table carries @sig. @esize: 4
 * (RSDT) or 8 (XSDT). Returns the count removed, -1 when the root does
 * not validate (left untouched). */
static int hide_in_root(uint64_t pa, const char *rsig, unsigned esize,
			const char *sig, acpi_map_rw_fn map, void *ctx)
{
	const struct acpi_sdt_header *h;
	uint32_t len, n, kept = 0;
	uint8_t *t;
	int removed = 0;

	/* The map contract: never an empty or wrapping range. */
	if (pa + ACPI_TABLE_MAX_LEN < pa)
		return -1;
	h = map(pa, sizeof(*h), ctx);
	if (!h)
		return -1;
	len = h->length;
	if (memcmp(h->signature, rsig, 4) != 0 || len < sizeof(*h) ||
	    len > ACPI_TABLE_MAX_LEN)
		return -1;
	t = map(pa, len, ctx);
	if (!t || acpi_sum(t, len) != 0)
		return -1;
	n = (len - (uint32_t)sizeof(*h)) / esize;
	for (uint32_t i = 0; i < n; i++) {
		uint8_t *e = t + sizeof(*h) + (size_t)i * esize;
		uint64_t tpa = 0;
		const char *ts;

		memcpy(&tpa, e, esize);
		ts = tpa && tpa + 4 > tpa ? map(tpa, 4, ctx) : NULL;
		if (ts && memcmp(ts, sig, 4) == 0) {
			removed++;
			continue;
		}
		memmove(t + sizeof(*h) + (size_t)kept * esize, e, esize);
		kept++;
	}
	if (!removed)
		return 0;
	/* The freed tail: zeroed, outside the new length. */
	memset(t + sizeof(*h) + (size_t)kept * esize, 0,
	       len - sizeof(*h) - (size_t)kept * esize);
	len = (uint32_t)sizeof(*h) + kept * esize;
	((struct acpi_sdt_header *)t)->length = len;
	((struct acpi_sdt_header *)t)->checksum = 0;
	((struct acpi_sdt_header *)t)->checksum = (uint8_t)-acpi_sum(t, len);
	return removed;
}

int acpi_hide_table(const void *rsdp, size_t rsdp_len, const char *sig,
		    acpi_map_rw_fn map, void *ctx)
{
	const struct acpi_rsdp *r = rsdp;
	int total = 0, k;

	if (!rsdp || rsdp_len < 20 || memcmp(r->signature, "RSD PTR ", 8) != 0)
		return -1;
	if (r->revision >= 2 && rsdp_len >= 36 && r->xsdt_address) {
		k = hide_in_root(r->xsdt_address, "XSDT", 8, sig, map, ctx);
		if (k < 0)
			printk("acpi: XSDT does not validate: %s left in it\n", sig);
		total += k > 0 ? k : 0;
	}
	if (r->rsdt_address) {
		k = hide_in_root(r->rsdt_address, "RSDT", 4, sig, map, ctx);
		if (k < 0)
			printk("acpi: RSDT does not validate: %s left in it\n", sig);
		total += k > 0 ? k : 0;
	}
	return total;
}

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

/* Clear the flags of every processor entry (types 0 and 9) of the MADT
 * at @t whose APIC ID @keep refuses; the table stays the same length and
 * gets its checksum again. The walk is madt.c's: an entry that does not
 * fit ends it. Returns the number of entries changed. */
static int madt_hide(uint8_t *t, uint32_t len,
		     bool (*keep)(uint32_t apic_id, void *kctx), void *kctx)
{
	int changed = 0;

	for (uint32_t off = sizeof(struct acpi_madt); len - off >= 2;) {
		struct acpi_madt_entry h;
		uint32_t id, flags, foff;

		memcpy(&h, t + off, sizeof(h));
		if (h.length < sizeof(h) || h.length > len - off)
			break;
		if (h.type == ACPI_MADT_LAPIC &&
		    h.length >= sizeof(struct acpi_madt_lapic)) {
			id = t[off + offsetof(struct acpi_madt_lapic, apic_id)];
			foff = off + offsetof(struct acpi_madt_lapic, flags);
		} else if (h.type == ACPI_MADT_X2APIC &&
			   h.length >= sizeof(struct acpi_madt_x2apic)) {
			memcpy(&id, t + off + offsetof(struct acpi_madt_x2apic,
						       x2apic_id), 4);
			foff = off + offsetof(struct acpi_madt_x2apic, flags);
		} else {
			off += h.length;
			continue;
		}
		memcpy(&flags, t + foff, 4);
		if ((flags & (ACPI_LAPIC_ENABLED | ACPI_LAPIC_ONLINE_CAPABLE)) &&
		    !keep(id, kctx)) {
			flags &= ~(uint32_t)(ACPI_LAPIC_ENABLED |
					     ACPI_LAPIC_ONLINE_CAPABLE);
			memcpy(t + foff, &flags, 4);
			changed++;
		}
		off += h.length;
	}
	if (changed) {
		((struct acpi_sdt_header *)t)->checksum = 0;
		((struct acpi_sdt_header *)t)->checksum = (uint8_t)-acpi_sum(t, len);
	}
	return changed;
}

/* The MADTs one root lists, each edited by madt_hide. -1: the root does
 * not validate. */
static int hide_cpus_in_root(uint64_t pa, const char *rsig, unsigned esize,
			     bool (*keep)(uint32_t, void *), void *kctx,
			     acpi_map_rw_fn map, void *ctx)
{
	const struct acpi_sdt_header *h;
	uint32_t len, n;
	const uint8_t *t;
	int changed = 0;

	if (pa + ACPI_TABLE_MAX_LEN < pa || !(h = map(pa, sizeof(*h), ctx)))
		return -1;
	len = h->length;
	if (memcmp(h->signature, rsig, 4) != 0 || len < sizeof(*h) ||
	    len > ACPI_TABLE_MAX_LEN || !(t = map(pa, len, ctx)) ||
	    acpi_sum(t, len) != 0)
		return -1;
	n = (len - (uint32_t)sizeof(*h)) / esize;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t tpa = 0;
		const struct acpi_sdt_header *th;
		uint8_t *m;
		uint32_t mlen;

		memcpy(&tpa, t + sizeof(*h) + (size_t)i * esize, esize);
		if (!tpa || tpa + ACPI_TABLE_MAX_LEN < tpa ||
		    !(th = map(tpa, sizeof(*th), ctx)) ||
		    memcmp(th->signature, ACPI_SIG_MADT, 4) != 0)
			continue;
		mlen = th->length;
		if (mlen < sizeof(struct acpi_madt) || mlen > ACPI_TABLE_MAX_LEN ||
		    !(m = map(tpa, mlen, ctx)) || acpi_sum(m, mlen) != 0)
			continue;       /* the parser did not use it either */
		changed += madt_hide(m, mlen, keep, kctx);
	}
	return changed;
}

int acpi_hide_cpus(const void *rsdp, size_t rsdp_len,
		   bool (*keep)(uint32_t apic_id, void *kctx), void *kctx,
		   acpi_map_rw_fn map, void *ctx)
{
	const struct acpi_rsdp *r = rsdp;
	int total = 0, k;

	if (!rsdp || rsdp_len < 20 || memcmp(r->signature, "RSD PTR ", 8) != 0)
		return -1;
	/* XSDT and RSDT usually name one MADT: the second visit finds
	 * nothing left to change. */
	if (r->revision >= 2 && rsdp_len >= 36 && r->xsdt_address) {
		k = hide_cpus_in_root(r->xsdt_address, "XSDT", 8, keep, kctx,
				      map, ctx);
		total += k > 0 ? k : 0;
	}
	if (r->rsdt_address) {
		k = hide_cpus_in_root(r->rsdt_address, "RSDT", 4, keep, kctx,
				      map, ctx);
		total += k > 0 ? k : 0;
	}
	return total;
}

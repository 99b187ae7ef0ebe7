/*
 * acpi/acpi.c - RSDP, root table walk, per-table validation and dispatch.
 *
 * Order of work (check, then act): the RSDP is validated before its
 * pointers are followed; each listed table is validated completely
 * (acpi_map_table) before its decoder sees it. ACPI 6.5 section numbers.
 */
#include "acpi/internal.h"

uint8_t acpi_sum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + b[i]);
	return sum;
}

static const struct {
	unsigned int max;
	const char *what;
} limits[ACPI_LIM_COUNT] = {
	[ACPI_LIM_TABLES] = { ACPI_MAX_TABLES, "tables" },
	[ACPI_LIM_IOAPICS] = { ACPI_MAX_IOAPICS, "I/O APICs" },
	[ACPI_LIM_ISOS] = { ACPI_MAX_ISOS, "interrupt source overrides" },
	[ACPI_LIM_NMI_SRCS] = { ACPI_MAX_NMI_SRCS, "NMI sources" },
	[ACPI_LIM_LAPIC_NMIS] = { ACPI_MAX_LAPIC_NMIS, "local APIC NMIs" },
	[ACPI_LIM_MCFG] = { ACPI_MAX_MCFG, "MCFG allocations" },
};
_Static_assert(ACPI_LIM_COUNT <= 32, "acpi_info.drop_warned is 32 bits");

bool acpi_room(struct acpi_info *info, enum acpi_limit lim,
	       unsigned int count)
{
	assert(lim < ACPI_LIM_COUNT);
	if (count < limits[lim].max)
		return true;
	info->dropped++;
	if (!(info->drop_warned & BIT(lim))) {
		info->drop_warned |= (uint32_t)BIT(lim);
		printk("acpi: warning: more than %u %s, extra ones ignored\n",
		       limits[lim].max, limits[lim].what);
	}
	return false;
}

/* Copy an n-char firmware name to a NUL-terminated string: non-printable
 * bytes become '?', trailing spaces and NULs are dropped. */
static void copy_name(char *dst, const char *src, size_t n)
{
	size_t end = n;

	while (end > 0 && (src[end - 1] == ' ' || src[end - 1] == 0))
		end--;
	for (size_t i = 0; i < end; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
	dst[end] = 0;
}

const uint8_t *acpi_map_table(acpi_map_fn map, void *ctx, uint64_t pa,
			      const char *sig, struct acpi_sdt_header *hdr,
			      const char **why)
{
	const uint8_t *p;

	memset(hdr, 0, sizeof(*hdr));
	if (pa == 0 || pa > UINT64_MAX - ACPI_TABLE_MAX_LEN) {
		*why = "address out of range";
		return NULL;
	}
	p = map(pa, sizeof(*hdr), ctx);
	if (!p) {
		*why = "header not in accessible memory";
		return NULL;
	}
	memcpy(hdr, p, sizeof(*hdr));
	if (sig && memcmp(hdr->signature, sig, 4) != 0) {
		*why = "wrong signature";
		return NULL;
	}
	if (hdr->length < sizeof(*hdr)) {
		*why = "length shorter than its header";
		return NULL;
	}
	if (hdr->length > ACPI_TABLE_MAX_LEN) {
		*why = "length over 1 MiB";
		return NULL;
	}
	p = map(pa, hdr->length, ctx);
	if (!p) {
		*why = "length runs past accessible memory";
		return NULL;
	}
	if (acpi_sum(p, hdr->length) != 0) {
		*why = "bad checksum";
		return NULL;
	}
	return p;
}

static const struct {
	const char *sig;
	acpi_decode_fn decode;
} decoders[] = {
	{ ACPI_SIG_MADT, acpi_decode_madt },
	{ ACPI_SIG_FADT, acpi_decode_fadt },
	{ ACPI_SIG_MCFG, acpi_decode_mcfg },
	{ ACPI_SIG_HPET, acpi_decode_hpet },
	{ ACPI_SIG_IVRS, acpi_decode_ivrs },
};

/* Decode a validated table when we know its kind and none of its kind was
 * decoded before (a later duplicate is ignored with a warning). */
static void dispatch(struct acpi_info *info, struct acpi_table *tab,
		     const uint8_t *t)
{
	for (size_t d = 0; d < ARRAY_SIZE(decoders); d++) {
		if (memcmp(tab->sig, decoders[d].sig, 5) != 0)
			continue;
		for (struct acpi_table *o = info->tables; o < tab; o++) {
			if (o->used && memcmp(o->sig, tab->sig, 5) == 0) {
				printk("acpi: warning: second %s at 0x%llx "
				       "ignored, using the one at 0x%llx\n",
				       tab->sig, (unsigned long long)tab->pa,
				       (unsigned long long)o->pa);
				return;
			}
		}
		tab->used = decoders[d].decode(info, tab, t);
		return;
	}
}

/* Record, validate and decode the table at @pa listed by the root. */
static void add_table(struct acpi_info *info, acpi_map_fn map, void *ctx,
		      uint64_t pa)
{
	struct acpi_sdt_header hdr;
	struct acpi_table *tab;
	const uint8_t *t;
	const char *why = NULL;

	if (pa == 0)
		return;         /* an empty slot, not an error */
	for (unsigned int i = 0; i < info->table_count; i++) {
		if (info->tables[i].pa == pa) {
			printk("acpi: warning: table at 0x%llx listed twice\n",
			       (unsigned long long)pa);
			return;
		}
	}
	if (!acpi_room(info, ACPI_LIM_TABLES, info->table_count)) {
		info->tables_dropped++;
		return;
	}
	tab = &info->tables[info->table_count++];
	tab->pa = pa;
	t = acpi_map_table(map, ctx, pa, NULL, &hdr, &why);
	tab->len = hdr.length;
	if (hdr.signature[0] == 0)
		memcpy(tab->sig, "????", 5);
	else
		copy_name(tab->sig, hdr.signature, 4);
	if (!t) {
		tab->why = why;
		info->tables_bad++;
		printk("acpi: table %s at 0x%llx (length %u) skipped: %s\n",
		       tab->sig, (unsigned long long)pa, hdr.length, why);
		return;
	}
	tab->valid = true;
	dispatch(info, tab, t);
}

/* Walk the XSDT (5.2.8, 64-bit entries) or the RSDT (5.2.7, 32-bit). */
static bool walk_root(struct acpi_info *info, acpi_map_fn map, void *ctx,
		      uint64_t pa, bool xsdt)
{
	const char *name = xsdt ? ACPI_SIG_XSDT : ACPI_SIG_RSDT;
	size_t esz = xsdt ? sizeof(uint64_t) : sizeof(uint32_t);
	struct acpi_sdt_header hdr;
	const uint8_t *t;
	const char *why = NULL;
	size_t n;

	t = acpi_map_table(map, ctx, pa, name, &hdr, &why);
	if (!t) {
		printk("acpi: %s at 0x%llx unusable: %s\n", name,
		       (unsigned long long)pa, why);
		return false;
	}
	n = (hdr.length - sizeof(hdr)) / esz;
	if ((hdr.length - sizeof(hdr)) % esz)
		printk("acpi: warning: %s length %u is not header + n * %zu, "
		       "trailing bytes ignored\n", name, hdr.length, esz);
	info->xsdt_used = xsdt;
	info->root_pa = pa;
	for (size_t i = 0; i < n; i++) {
		uint64_t epa = 0;

		/* Entries are not naturally aligned in the XSDT. */
		memcpy(&epa, t + sizeof(hdr) + i * esz, esz);
		add_table(info, map, ctx, epa);
	}
	return true;
}

/* Validate the RSDP (5.2.5.3). Returns false when it cannot be used at
 * all; *xsdt is nonzero only when the extended part checked out too. */
static bool check_rsdp(const uint8_t *p, size_t len, struct acpi_info *info,
		       uint32_t *rsdt, uint64_t *xsdt)
{
	struct acpi_rsdp r;

	*rsdt = 0;
	*xsdt = 0;
	if (!p || len < ACPI_RSDP_V1_LEN) {
		printk("acpi: no RSDP (%zu bytes given)\n", p ? len : 0);
		return false;
	}
	memset(&r, 0, sizeof(r));
	memcpy(&r, p, MIN(len, sizeof(r)));
	if (memcmp(r.signature, ACPI_RSDP_SIG, 8) != 0) {
		printk("acpi: RSDP has a bad signature\n");
		return false;
	}
	if (acpi_sum(p, ACPI_RSDP_V1_LEN) != 0) {
		printk("acpi: RSDP checksum bad\n");
		return false;
	}
	info->rsdp_revision = r.revision;
	copy_name(info->oem_id, r.oem_id, sizeof(r.oem_id));
	*rsdt = r.rsdt_address;
	if (r.revision < 2)
		return true;
	if (len < ACPI_RSDP_V2_LEN)
		printk("acpi: RSDP revision %u but only %zu bytes given (old "
		       "tag): using the RSDT\n", r.revision, len);
	else if (r.length < ACPI_RSDP_V2_LEN || r.length > len)
		printk("acpi: RSDP length %u invalid (%zu bytes given): "
		       "using the RSDT\n", r.length, len);
	else if (acpi_sum(p, r.length) != 0)
		printk("acpi: RSDP extended checksum bad: using the RSDT\n");
	else
		*xsdt = r.xsdt_address;
	return true;
}

int acpi_parse(const void *rsdp, size_t rsdp_len, acpi_map_fn map, void *ctx,
	       void *(*alloc)(size_t size), struct acpi_info *info)
{
	uint32_t rsdt;
	uint64_t xsdt;
	bool walked = false;

	memset(info, 0, sizeof(*info));
	info->alloc = alloc;
	if (!check_rsdp(rsdp, rsdp_len, info, &rsdt, &xsdt))
		return ACPI_ERR_RSDP;
	if (xsdt)
		walked = walk_root(info, map, ctx, xsdt, true);
	if (!walked && rsdt) {
		if (xsdt)
			printk("acpi: falling back to the RSDT\n");
		walked = walk_root(info, map, ctx, rsdt, false);
	}
	if (!walked) {
		printk("acpi: no usable XSDT or RSDT, ACPI tables ignored\n");
		return ACPI_ERR_ROOT;
	}
	if (!info->madt_present)
		printk("acpi: warning: no usable MADT, running on the boot "
		       "CPU only\n");
	if (!info->fadt.present)
		printk("acpi: warning: no usable FADT (no PM timer, no ACPI "
		       "reset)\n");
	acpi_find_sleep_types(info, map, ctx);
	return ACPI_OK;
}

/*
 * guest/acpi.c - just enough ACPI for the guest to find its CPUs: RSDP ->
 * XSDT/RSDT -> MADT (ACPI 6.5: 5.2.5 RSDP, 5.2.6 header, 5.2.7 RSDT, 5.2.8
 * XSDT, 5.2.12 MADT). The guest's own small parser: it is a separate
 * program and does not link the hypervisor's acpi/. Tables are read
 * through the identity map; every length and checksum is checked first.
 */
#include "guest/guest.h"

struct acpi_rsdp {
	char signature[8];
	uint8_t checksum;
	char oem_id[6];
	uint8_t revision;
	uint32_t rsdt_address;
	uint32_t length;
	uint64_t xsdt_address;
	uint8_t ext_checksum;
	uint8_t reserved_0x21[3];
} __packed;
_Static_assert(offsetof(struct acpi_rsdp, checksum) == 8, "rsdp");
_Static_assert(offsetof(struct acpi_rsdp, oem_id) == 9, "rsdp");
_Static_assert(offsetof(struct acpi_rsdp, revision) == 15, "rsdp");
_Static_assert(offsetof(struct acpi_rsdp, rsdt_address) == 16, "rsdp");
_Static_assert(offsetof(struct acpi_rsdp, length) == 20, "rsdp");
_Static_assert(offsetof(struct acpi_rsdp, xsdt_address) == 24, "rsdp");
_Static_assert(offsetof(struct acpi_rsdp, ext_checksum) == 32, "rsdp");
_Static_assert(sizeof(struct acpi_rsdp) == 36, "rsdp");

struct acpi_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} __packed;
_Static_assert(offsetof(struct acpi_header, length) == 4, "sdt");
_Static_assert(offsetof(struct acpi_header, revision) == 8, "sdt");
_Static_assert(offsetof(struct acpi_header, checksum) == 9, "sdt");
_Static_assert(offsetof(struct acpi_header, oem_id) == 10, "sdt");
_Static_assert(offsetof(struct acpi_header, oem_table_id) == 16, "sdt");
_Static_assert(offsetof(struct acpi_header, oem_revision) == 24, "sdt");
_Static_assert(offsetof(struct acpi_header, creator_id) == 28, "sdt");
_Static_assert(offsetof(struct acpi_header, creator_revision) == 32, "sdt");
_Static_assert(sizeof(struct acpi_header) == 36, "sdt");

struct madt_fixed {                     /* after the header */
	uint32_t lapic_address;
	uint32_t flags;
} __packed;
_Static_assert(sizeof(struct madt_fixed) == 8, "madt");

#define MADT_LAPIC           0          /* 5.2.12.2, 8 bytes */
#define MADT_LAPIC_OVERRIDE  5          /* 5.2.12.8, 12 bytes */
#define MADT_X2APIC          9          /* 5.2.12.12, 16 bytes */
#define MADT_ENABLED         BIT(0)
#define MADT_ONLINE_CAPABLE  BIT(1)
#define ACPI_MAX_TABLE       (1u << 20)

static uint8_t sum_bytes(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint8_t s = 0;
	while (n--)
		s += *b++;
	return s;
}

/* Validate the table at PA; returns it or NULL. */
static const struct acpi_header *table_at(uint64_t pa, uint64_t limit)
{
	struct acpi_header h;

	if (pa == 0 || pa >= limit || limit - pa < sizeof(h))
		return NULL;
	memcpy(&h, (const void *)(uintptr_t)pa, sizeof(h));
	if (h.length < sizeof(h) || h.length > ACPI_MAX_TABLE ||
	    h.length > limit - pa)
		return NULL;
	if (sum_bytes((const void *)(uintptr_t)pa, h.length) != 0)
		return NULL;
	return (const struct acpi_header *)(uintptr_t)pa;
}

static void add_cpu(struct guest_madt *out, uint32_t id, uint32_t flags)
{
	if (!(flags & (MADT_ENABLED | MADT_ONLINE_CAPABLE)) || id > 0xfe)
		return;
	for (size_t i = 0; i < out->nr_cpus; i++)
		if (out->apic_ids[i] == id)
			return;
	if (out->nr_cpus == GUEST_MAX_CPUS) {
		out->truncated = true;
		return;
	}
	out->apic_ids[out->nr_cpus++] = id;
}

static const char *parse_madt(const struct acpi_header *t, struct guest_madt *out)
{
	const uint8_t *p = (const uint8_t *)t;
	struct madt_fixed f;

	if (t->length < sizeof(*t) + sizeof(f))
		return "MADT too short";
	memcpy(&f, p + sizeof(*t), sizeof(f));
	out->lapic_base = f.lapic_address;
	for (size_t off = sizeof(*t) + sizeof(f); off < t->length;) {
		uint8_t type, len;
		if (t->length - off < 2)
			return "MADT entry header crosses the end";
		type = p[off];
		len = p[off + 1];
		if (len < 2 || len > t->length - off)
			return "MADT entry length invalid";
		uint32_t id, flags;
		uint64_t addr;
		switch (type) {
		case MADT_LAPIC:
			if (len < 8)
				return "MADT local APIC entry too short";
			memcpy(&flags, p + off + 4, 4);
			add_cpu(out, p[off + 3], flags);
			break;
		case MADT_X2APIC:
			if (len < 16)
				return "MADT x2APIC entry too short";
			memcpy(&id, p + off + 4, 4);
			memcpy(&flags, p + off + 8, 4);
			add_cpu(out, id, flags);
			break;
		case MADT_LAPIC_OVERRIDE:
			if (len < 12)
				return "MADT address override too short";
			memcpy(&addr, p + off + 4, 8);
			out->lapic_base = addr;
			break;
		default:
			break;
		}
		off += len;
	}
	return NULL;
}

static const void *acpi_find(const void *rsdp_copy, size_t rsdp_len,
			     uint64_t limit, const char *sig, bool force_rsdt,
			     const char **why);

const char *acpi_read_madt(const void *rsdp_copy, size_t rsdp_len,
			   uint64_t limit, struct guest_madt *out)
{
	const void *t;
	const char *why;

	memset(out, 0, sizeof(*out));
	t = acpi_find_table(rsdp_copy, rsdp_len, limit, "APIC", false, &why);
	if (!t)
		return strcmp(why, "not listed") ? why : "no MADT";
	return parse_madt(t, out);
}

const void *acpi_find_table(const void *rsdp_copy, size_t rsdp_len,
			    uint64_t limit, const char *sig, bool rsdt,
			    const char **why)
{
	const void *t = acpi_find(rsdp_copy, rsdp_len, limit, sig, rsdt, why);

	if (!t && !*why)
		*why = "not listed";
	return t;
}

static const void *acpi_find(const void *rsdp_copy, size_t rsdp_len,
			     uint64_t limit, const char *sig, bool force_rsdt,
			     const char **why)
{
	struct acpi_rsdp r = { 0 };
	bool xsdt;

	*why = NULL;
	if (rsdp_copy == NULL || rsdp_len < 20)
		return *why = "no RSDP", NULL;
	memcpy(&r, rsdp_copy, MIN(rsdp_len, sizeof(r)));
	if (memcmp(r.signature, "RSD PTR ", 8) != 0 || sum_bytes(&r, 20) != 0)
		return *why = "RSDP signature or checksum bad", NULL;
	xsdt = !force_rsdt && r.revision >= 2 && rsdp_len >= sizeof(r) &&
	       r.xsdt_address && r.length >= sizeof(r) &&
	       sum_bytes(&r, sizeof(r)) == 0;
	const struct acpi_header *root = table_at(xsdt ? r.xsdt_address :
						  r.rsdt_address, limit);
	if (root == NULL || memcmp(root->signature, xsdt ? "XSDT" : "RSDT", 4))
		return *why = "root table missing or bad", NULL;
	size_t esz = xsdt ? 8 : 4;
	size_t n = (root->length - sizeof(*root)) / esz;
	for (size_t i = 0; i < n; i++) {
		uint64_t pa = 0;
		memcpy(&pa, (const uint8_t *)root + sizeof(*root) + i * esz, esz);
		const struct acpi_header *t = table_at(pa, limit);
		if (t && memcmp(t->signature, sig, 4) == 0)
			return t;
	}
	return NULL;
}

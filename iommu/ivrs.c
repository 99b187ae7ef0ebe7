/*
 * iommu/ivrs.c - the IVRS table (AMD IOMMU spec 48882, 5.2): which IOMMUs
 * exist, where their registers are, which device IDs each covers. Pure:
 * reads only the bytes it is given, writes only *out.
 */
#include "iommu/iommu.h"
#include "lib/lib.h"

#define IVRS_HDR_LEN    48      /* SDT header, IVinfo, 8 reserved bytes */
#define IVHD10_HDR_LEN  24
#define IVHD11_HDR_LEN  40      /* also 40h */
#define IVMD_LEN        32

/* Device entry types (5.2.2.2, table "IVHD device entry type codes"). */
#define DE_PAD          0x00
#define DE_ALL          0x01
#define DE_SELECT       0x02
#define DE_START        0x03
#define DE_END          0x04
#define DE_ALIAS_SELECT 0x42
#define DE_ALIAS_START  0x43
#define DE_EXT_SELECT   0x46
#define DE_EXT_START    0x47
#define DE_SPECIAL      0x48
#define DE_ACPI_HID     0xF0
#define DE_HID_FIXED    22      /* F0h: bytes before the UID */

struct parse {
	const uint8_t *t;
	size_t len;
	struct ivrs_info *out;
	char *err;
	size_t errlen;
};

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)rd16(p) | (uint32_t)rd16(p + 2) << 16;
}

static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static int fail(struct parse *ps, size_t off, const char *what)
{
	ksnprintf(ps->err, ps->errlen, "IVRS offset 0x%zx: %s", off, what);
	return -1;
}

/* Length of the device entry at @e (5.2.2.2: types 00h-3Fh are 4 bytes,
 * 40h-7Fh 8 bytes; F0h is 22 bytes plus its UID; other types from 80h
 * have no length software can know). 0: unknown. */
static size_t entry_len(const uint8_t *e, size_t room)
{
	if (e[0] < 0x40)
		return 4;
	if (e[0] < 0x80)
		return 8;
	if (e[0] == DE_ACPI_HID && room >= DE_HID_FIXED)
		return DE_HID_FIXED + (size_t)e[DE_HID_FIXED - 1];
	return 0;
}

static int add_devs(struct parse *ps, size_t off, struct ivrs_iommu *u,
		    const struct ivrs_devs *d)
{
	struct ivrs_info *o = ps->out;

	if (d->first > d->last)
		return fail(ps, off, "device range ends before it starts");
	if (o->ndevs == IVRS_MAX_RANGES)
		return fail(ps, off, "more device entries than supported (256)");
	o->devs[o->ndevs++] = *d;
	u->ndevs++;
	return 0;
}

/* The device entries of one IVHD block: [off, end) of the table. */
static int parse_entries(struct parse *ps, struct ivrs_iommu *u, size_t off,
			 size_t end)
{
	struct ivrs_info *o = ps->out;
	struct ivrs_devs open = { 0 };
	bool is_open = false;
	size_t open_off = 0;

	while (off < end) {
		const uint8_t *e = ps->t + off;
		struct ivrs_devs d = { 0 };
		uint8_t type = e[0];
		size_t n;

		if (end - off < 4)
			return fail(ps, off, "device entry crosses the block's end");
		n = entry_len(e, end - off);
		if (!n)
			return fail(ps, off, "device entry of a type with no known length");
		if (n > end - off)
			return fail(ps, off, "device entry crosses the block's end");
		d.first = d.last = rd16(e + 1);
		d.setting = e[3];
		d.entry_type = type;
		if (is_open && type != DE_END)
			return fail(ps, open_off, "device range start not followed by its end");
		switch (type) {
		case DE_PAD:
			break;
		case DE_ALL:
			d.first = 0;
			d.last = 0xFFFF;
			if (add_devs(ps, off, u, &d))
				return -1;
			break;
		case DE_SELECT:
			if (add_devs(ps, off, u, &d))
				return -1;
			break;
		case DE_ALIAS_SELECT:
		case DE_ALIAS_START:
			d.has_alias = true;
			d.alias = rd16(e + 5);
			goto select_or_start;
		case DE_EXT_SELECT:
		case DE_EXT_START:
			d.extended = true;
			d.ext_data = rd32(e + 4);
			/* fall through */
		case DE_START:
		select_or_start:
			if (type == DE_ALIAS_SELECT || type == DE_EXT_SELECT) {
				if (add_devs(ps, off, u, &d))
					return -1;
				break;
			}
			open = d;
			is_open = true;
			open_off = off;
			break;
		case DE_END:
			if (!is_open)
				return fail(ps, off, "device range end without a start");
			open.last = rd16(e + 1);
			is_open = false;
			if (add_devs(ps, open_off, u, &open))
				return -1;
			break;
		case DE_SPECIAL:
			if (e[7] != IVRS_VARIETY_IOAPIC && e[7] != IVRS_VARIETY_HPET)
				return fail(ps, off, "special device entry of unknown variety");
			if (o->nspecial == IVRS_MAX_SPECIAL)
				return fail(ps, off, "more special devices than supported (32)");
			o->special[o->nspecial++] = (struct ivrs_special){
				.variety = e[7], .handle = e[4],
				.devid = rd16(e + 5), .setting = e[3] };
			u->nspecial++;
			break;
		case DE_ACPI_HID:
			/* A device named by ACPI _HID (40h blocks): its ID is
			 * covered like a select; the name is not needed. */
			u->acpi_hid++;
			if (add_devs(ps, off, u, &d))
				return -1;
			break;
		default:
			/* Reserved types of known length (5.2.2.2): skipped. */
			o->unknown++;
			break;
		}
		off += n;
	}
	if (is_open)
		return fail(ps, open_off, "device range start not followed by its end");
	return 0;
}

static int parse_ivhd(struct parse *ps, size_t off, size_t blen)
{
	struct ivrs_info *o = ps->out;
	const uint8_t *b = ps->t + off;
	size_t hdr = b[0] == 0x10 ? IVHD10_HDR_LEN : IVHD11_HDR_LEN;
	struct ivrs_iommu *u;

	if (blen < hdr)
		return fail(ps, off, "IVHD block shorter than its header");
	if (b[0] != o->ivhd_type)
		return 0;  /* checked for length only: superseded */
	if (o->niommus == IVRS_MAX_IOMMUS)
		return fail(ps, off, "more IOMMUs than supported (8)");
	u = &o->iommus[o->niommus];
	*u = (struct ivrs_iommu){
		.type = b[0], .flags = b[1], .devid = rd16(b + 4),
		.cap_offset = rd16(b + 6), .base = rd64(b + 8),
		.segment = rd16(b + 16), .info = rd16(b + 18),
		.features = rd32(b + 20),
		.efr = hdr == IVHD11_HDR_LEN ? rd64(b + 24) : 0,
		.first_devs = o->ndevs, .first_special = o->nspecial };
	/* The MMIO block is 16 KiB, aligned to it (3.4: base [51:14]). */
	if (!u->base || !IS_ALIGNED(u->base, 16 * KiB) || u->base >> 52)
		return fail(ps, off, "IOMMU base address zero, not 16 KiB aligned or beyond 52 bits");
	for (unsigned i = 0; i < o->niommus; i++)
		if (o->iommus[i].base == u->base)
			return fail(ps, off, "two IOMMUs at one base address");
	o->niommus++;
	return parse_entries(ps, u, off + hdr, off + blen);
}

static int parse_ivmd(struct parse *ps, size_t off, size_t blen)
{
	struct ivrs_info *o = ps->out;
	const uint8_t *b = ps->t + off;
	struct ivrs_ivmd m;

	if (blen != IVMD_LEN)
		return fail(ps, off, "IVMD block not 32 bytes long");
	m = (struct ivrs_ivmd){ .type = b[0], .flags = b[1],
				.first = rd16(b + 4), .last = rd16(b + 4),
				.start = rd64(b + 16), .len = rd64(b + 24) };
	if (b[0] == 0x20) {
		m.first = 0;
		m.last = 0xFFFF;
	} else if (b[0] == 0x22) {
		m.last = rd16(b + 6);
	}
	if (m.first > m.last)
		return fail(ps, off, "IVMD device range ends before it starts");
	if (m.start + m.len < m.start)
		return fail(ps, off, "IVMD memory range wraps");
	if (o->nivmd == IVRS_MAX_IVMD)
		return fail(ps, off, "more IVMD blocks than supported (16)");
	o->ivmd[o->nivmd++] = m;
	return 0;
}

static bool is_ivhd(uint8_t type)
{
	return type == 0x10 || type == 0x11 || type == 0x40;
}

/* Walk the blocks: @pass 0 checks their lengths and finds the IVHD type
 * to use, pass 1 decodes. */
static int walk(struct parse *ps, int pass)
{
	size_t off = IVRS_HDR_LEN;

	while (off < ps->len) {
		const uint8_t *b = ps->t + off;
		size_t blen;
		int rc = 0;

		if (ps->len - off < 4)
			return fail(ps, off, "block header crosses the table's end");
		blen = rd16(b + 2);
		if (blen < 4)
			return fail(ps, off, "block length below 4");
		if (blen > ps->len - off)
			return fail(ps, off, "block crosses the table's end");
		if (pass == 0) {
			if (is_ivhd(b[0]) && b[0] > ps->out->ivhd_type)
				ps->out->ivhd_type = b[0];
		} else if (is_ivhd(b[0])) {
			rc = parse_ivhd(ps, off, blen);
			if (b[0] != ps->out->ivhd_type)
				ps->out->superseded++;
		} else if (b[0] >= 0x20 && b[0] <= 0x22) {
			rc = parse_ivmd(ps, off, blen);
		} else {
			ps->out->unknown++;
		}
		if (rc)
			return rc;
		off += blen;
	}
	return 0;
}

int ivrs_parse(const void *t, size_t len, struct ivrs_info *out, char *err,
	       size_t errlen)
{
	struct parse ps = { t, len, out, err, errlen };
	const uint8_t *p = t;

	memset(out, 0, sizeof(*out));
	if (errlen)
		err[0] = '\0';
	if (!t || len < IVRS_HDR_LEN)
		return fail(&ps, 0, "table shorter than its 48-byte header");
	if (memcmp(p, "IVRS", 4) != 0 || rd32(p + 4) != len)
		return fail(&ps, 0, "not an IVRS table of this length");
	out->revision = p[8];
	out->iv_info = rd32(p + 36);
	if (walk(&ps, 0) || walk(&ps, 1)) {
		/* Nothing half-decoded leaves this function. */
		memset(out, 0, sizeof(*out));
		return -1;
	}
	if (!out->niommus)
		return fail(&ps, IVRS_HDR_LEN, "no IVHD block: no IOMMU described");
	return 0;
}

static void print_devs(const struct ivrs_devs *d, print_fn pr)
{
	pr("    %02x:%02x.%x-%02x:%02x.%x", d->first >> 8, (d->first >> 3) & 31,
	   d->first & 7, d->last >> 8, (d->last >> 3) & 31, d->last & 7);
	if (d->has_alias)
		pr(" as %02x:%02x.%x", d->alias >> 8, (d->alias >> 3) & 31,
		   d->alias & 7);
	pr(" (entry %02x, setting %02x)\n", d->entry_type, d->setting);
}

void ivrs_print(const struct ivrs_info *iv, print_fn pr)
{
	pr("iommu: IVRS rev %u, IVHD type %02xh, %u IOMMU(s), %u device runs, "
	   "%u special, %u IVMD, %u superseded\n", iv->revision, iv->ivhd_type,
	   iv->niommus, iv->ndevs, iv->nspecial, iv->nivmd, iv->superseded);
	for (unsigned i = 0; i < iv->niommus; i++) {
		const struct ivrs_iommu *u = &iv->iommus[i];

		pr("  IOMMU %02x:%02x.%x segment %u at %llx, EFR %llx\n",
		   u->devid >> 8, (u->devid >> 3) & 31, u->devid & 7, u->segment,
		   (unsigned long long)u->base, (unsigned long long)u->efr);
		for (unsigned j = 0; j < u->ndevs; j++)
			print_devs(&iv->devs[u->first_devs + j], pr);
		for (unsigned j = 0; j < u->nspecial; j++) {
			const struct ivrs_special *s = &iv->special[u->first_special + j];

			pr("    %s %u as %02x:%02x.%x\n",
			   s->variety == IVRS_VARIETY_IOAPIC ? "I/O APIC" : "HPET",
			   s->handle, s->devid >> 8, (s->devid >> 3) & 31,
			   s->devid & 7);
		}
	}
}

size_t ivrs_request_ids(const struct ivrs_info *iv, uint16_t devid,
			uint16_t *out, size_t cap)
{
	size_t n = 0;

	if (cap)
		out[n++] = devid;
	for (unsigned u = 0; u < iv->niommus; u++) {
		const struct ivrs_iommu *m = &iv->iommus[u];

		if (m->segment)
			continue;
		for (unsigned i = 0; i < m->ndevs; i++) {
			const struct ivrs_devs *d = &iv->devs[m->first_devs + i];
			bool seen = false;

			if (!d->has_alias || devid < d->first || devid > d->last)
				continue;
			for (size_t k = 0; k < n; k++)
				seen |= out[k] == d->alias;
			if (!seen && n < cap)
				out[n++] = d->alias;
		}
	}
	return n;
}

size_t ivrs_unity_ranges(const struct ivrs_info *iv, uint64_t (*out)[2],
			 size_t cap)
{
	size_t n = 0;

	for (unsigned i = 0; i < iv->nivmd && n < cap; i++) {
		const struct ivrs_ivmd *m = &iv->ivmd[i];
		uint64_t b = m->start & ~0xFFFull, e = m->start + m->len;

		if (!(m->flags & IVMD_UNITY) || !m->len || e < m->start ||
		    e > (1ull << 48) - 4096)
			continue;          /* empty, wrapping or beyond 48 bits */
		out[n][0] = b;
		out[n][1] = (e + 0xFFF) & ~0xFFFull;
		n++;
	}
	return n;
}

/*
 * acpi/madt.c - Multiple APIC Description Table decoder (ACPI 6.5, 5.2.12).
 *
 * The entry walk trusts nothing: every entry must have length >= 2 and fit
 * in the table, or the walk stops there (keeping what came before; a zero
 * length can never loop). Known types must be at least their defined size
 * (longer is allowed: later revisions append fields); only that many bytes
 * are read. Unknown types are stepped over by their length.
 *
 * The CPU list has no fixed size: a first, silent walk counts the
 * processor entries (types 0 and 9 of their defined size), the list is
 * allocated for that many through acpi_parse's allocator, and the second
 * walk decodes everything. Duplicate APIC IDs are found by comparing with
 * the CPUs kept so far: quadratic, about half a million compares for
 * 1024 CPUs, and bounded by the table's 1 MiB limit.
 */
#include "acpi/internal.h"

/* Defined size of each decoded entry type; 0: not decoded, stepped over. */
static const uint8_t entry_size[] = {
	[ACPI_MADT_LAPIC] = sizeof(struct acpi_madt_lapic),
	[ACPI_MADT_IOAPIC] = sizeof(struct acpi_madt_ioapic),
	[ACPI_MADT_ISO] = sizeof(struct acpi_madt_iso),
	[ACPI_MADT_NMI_SRC] = sizeof(struct acpi_madt_nmi_src),
	[ACPI_MADT_LAPIC_NMI] = sizeof(struct acpi_madt_lapic_nmi),
	[ACPI_MADT_LAPIC_ADDR] = sizeof(struct acpi_madt_lapic_addr),
	[ACPI_MADT_X2APIC] = sizeof(struct acpi_madt_x2apic),
	[ACPI_MADT_X2APIC_NMI] = sizeof(struct acpi_madt_x2apic_nmi),
};

union madt_entry {
	struct acpi_madt_entry h;
	struct acpi_madt_lapic lapic;
	struct acpi_madt_ioapic ioapic;
	struct acpi_madt_iso iso;
	struct acpi_madt_nmi_src nmi_src;
	struct acpi_madt_lapic_nmi lapic_nmi;
	struct acpi_madt_lapic_addr lapic_addr;
	struct acpi_madt_x2apic x2apic;
	struct acpi_madt_x2apic_nmi x2apic_nmi;
};

/* 5.2.12.2 / 5.2.12.12: one processor. APIC ID 0xFF (xAPIC) and
 * 0xFFFFFFFF (x2APIC) are broadcast IDs, never a CPU's. */
static void add_cpu(struct acpi_info *info, uint32_t apic_id, uint32_t uid,
		    uint32_t flags, bool x2apic)
{
	struct acpi_cpu *c;

	if (apic_id == (x2apic ? 0xFFFFFFFFu : 0xFFu)) {
		printk("acpi: MADT: CPU with broadcast APIC ID 0x%x skipped\n",
		       apic_id);
		info->madt_skipped++;
		return;
	}
	for (unsigned int i = 0; i < info->cpu_count; i++) {
		if (info->cpus[i].apic_id == apic_id) {
			printk("acpi: MADT: duplicate APIC ID %u skipped\n",
			       apic_id);
			info->madt_skipped++;
			return;
		}
	}
	/* The first walk counted every processor entry: never more here. */
	assert(info->cpu_count < info->cpu_cap);
	c = &info->cpus[info->cpu_count++];
	c->apic_id = apic_id;
	c->uid = uid;
	/* 5.2.12.2, table 5.23: Online Capable (bit 1) is meaningful only
	 * when Enabled (bit 0) is clear; older firmware leaves it 0. */
	c->enabled = flags & ACPI_LAPIC_ENABLED;
	c->online_capable = !c->enabled && (flags & ACPI_LAPIC_ONLINE_CAPABLE);
	c->x2apic = x2apic;
	if (c->enabled)
		info->cpus_enabled++;
	else
		info->cpus_disabled++;
}

/* 5.2.12.7 / 5.2.12.13: which LINT pin of which processor is an NMI. */
static void add_lapic_nmi(struct acpi_info *info, uint32_t uid,
			  uint16_t flags, uint8_t lint)
{
	struct acpi_lapic_nmi *n;

	if (lint > 1) {
		printk("acpi: MADT: local APIC NMI on LINT%u skipped\n", lint);
		info->madt_skipped++;
		return;
	}
	if (!acpi_room(info, ACPI_LIM_LAPIC_NMIS, info->lapic_nmi_count))
		return;
	n = &info->lapic_nmis[info->lapic_nmi_count++];
	n->uid = uid;
	n->flags = flags;
	n->lint = lint;
}

/* Act on one entry whose defined size has been checked and copied. */
static void decode_entry(struct acpi_info *info, const union madt_entry *e,
			 bool *addr_overridden)
{
	switch (e->h.type) {
	case ACPI_MADT_LAPIC:
		add_cpu(info, e->lapic.apic_id, e->lapic.uid, e->lapic.flags,
			false);
		break;
	case ACPI_MADT_X2APIC:
		add_cpu(info, e->x2apic.x2apic_id, e->x2apic.uid,
			e->x2apic.flags, true);
		break;
	case ACPI_MADT_IOAPIC:
		if (acpi_room(info, ACPI_LIM_IOAPICS, info->ioapic_count)) {
			struct acpi_ioapic *io =
				&info->ioapics[info->ioapic_count++];
			io->id = e->ioapic.ioapic_id;
			io->address = e->ioapic.address;
			io->gsi_base = e->ioapic.gsi_base;
		}
		break;
	case ACPI_MADT_ISO:
		if (acpi_room(info, ACPI_LIM_ISOS, info->iso_count)) {
			struct acpi_iso *iso = &info->isos[info->iso_count++];
			iso->bus = e->iso.bus;
			iso->source = e->iso.source;
			iso->gsi = e->iso.gsi;
			iso->flags = e->iso.flags;
		}
		break;
	case ACPI_MADT_NMI_SRC:
		if (acpi_room(info, ACPI_LIM_NMI_SRCS, info->nmi_src_count)) {
			struct acpi_nmi_src *n =
				&info->nmi_srcs[info->nmi_src_count++];
			n->gsi = e->nmi_src.gsi;
			n->flags = e->nmi_src.flags;
		}
		break;
	case ACPI_MADT_LAPIC_NMI:
		add_lapic_nmi(info, e->lapic_nmi.uid == 0xFF ? ACPI_UID_ALL :
				    e->lapic_nmi.uid,
			      e->lapic_nmi.flags, e->lapic_nmi.lint);
		break;
	case ACPI_MADT_X2APIC_NMI:
		add_lapic_nmi(info, e->x2apic_nmi.uid, e->x2apic_nmi.flags,
			      e->x2apic_nmi.lint);
		break;
	case ACPI_MADT_LAPIC_ADDR:
		/* 5.2.12.8: at most one; it replaces the 32-bit address. */
		if (*addr_overridden) {
			printk("acpi: MADT: second local APIC address "
			       "override skipped\n");
			info->madt_skipped++;
		} else if (e->lapic_addr.address == 0) {
			printk("acpi: MADT: null local APIC address override "
			       "skipped\n");
			info->madt_skipped++;
		} else {
			*addr_overridden = true;
			info->lapic_address = e->lapic_addr.address;
		}
		break;
	default:
		assert(!"MADT entry type without a decoder");
	}
}

/* One walk over the entries. @decode false: count the processor entries
 * that the decoding walk will store, silently; true: decode and report. */
static unsigned int madt_walk(struct acpi_info *info,
			      const struct acpi_table *tab, const uint8_t *t,
			      bool decode)
{
	bool addr_overridden = false;
	unsigned int cpus = 0;
	uint32_t off;

	for (off = sizeof(struct acpi_madt); off < tab->len;) {
		struct acpi_madt_entry h;
		union madt_entry e;
		uint8_t need;

		if (tab->len - off < sizeof(h)) {
			if (decode)
				printk("acpi: MADT: stray byte at offset 0x%x "
				       "ignored\n", off);
			break;
		}
		memcpy(&h, t + off, sizeof(h));
		if (h.length < sizeof(h) || h.length > tab->len - off) {
			if (decode) {
				printk("acpi: MADT: entry type %u at offset 0x%x "
				       "has bad length %u, rest of the table "
				       "ignored\n", h.type, off, h.length);
				info->madt_skipped++;
			}
			break;
		}
		need = h.type < ARRAY_SIZE(entry_size) ? entry_size[h.type] : 0;
		if (need != 0 && h.length < need) {
			if (decode) {
				printk("acpi: MADT: entry type %u at offset 0x%x "
				       "too short (%u < %u), skipped\n", h.type,
				       off, h.length, need);
				info->madt_skipped++;
			}
		} else if (need != 0 && decode) {
			memcpy(&e, t + off, need);
			decode_entry(info, &e, &addr_overridden);
		} else if (need != 0) {
			cpus += h.type == ACPI_MADT_LAPIC ||
				h.type == ACPI_MADT_X2APIC;
		}
		off += h.length;
	}
	return cpus;
}

bool acpi_decode_madt(struct acpi_info *info, const struct acpi_table *tab,
		      const uint8_t *t)
{
	struct acpi_madt m;
	unsigned int entries;

	if (tab->len < sizeof(m)) {
		printk("acpi: MADT at 0x%llx too short (%u bytes), ignored\n",
		       (unsigned long long)tab->pa, tab->len);
		return false;
	}
	memcpy(&m, t, sizeof(m));
	entries = madt_walk(info, tab, t, false);
	if (entries) {
		info->cpus = info->alloc ? info->alloc((size_t)entries *
						       sizeof(*info->cpus)) : NULL;
		if (!info->cpus) {
			printk("acpi: MADT: no memory for its %u CPU entries, "
			       "running on the boot CPU only\n", entries);
			return false;
		}
		memset(info->cpus, 0, (size_t)entries * sizeof(*info->cpus));
		info->cpu_cap = entries;
	}
	info->madt_present = true;
	info->lapic_address = m.lapic_address;
	info->madt_flags = m.flags;
	madt_walk(info, tab, t, true);
	if (info->lapic_address == 0)
		printk("acpi: warning: MADT gives no local APIC address\n");
	if (info->cpus_enabled == 0)
		printk("acpi: warning: MADT lists no enabled CPU, running on "
		       "the boot CPU only\n");
	return true;
}

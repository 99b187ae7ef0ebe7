/*
 * acpi/aux_tables.c - decoders for the small tables: MCFG (PCI Firmware
 * Specification 3.2, 4.1.2), HPET (IA-PC HPET Specification 1.0a, 3.2.4)
 * and IVRS (AMD IOMMU Specification 48882, 5.2: only its location is kept,
 * the IOMMU code parses the copy later).
 */
#include "acpi/internal.h"

bool acpi_decode_mcfg(struct acpi_info *info, const struct acpi_table *tab,
		      const uint8_t *t)
{
	size_t n;

	if (tab->len < sizeof(struct acpi_mcfg)) {
		printk("acpi: MCFG at 0x%llx too short (%u bytes), ignored\n",
		       (unsigned long long)tab->pa, tab->len);
		return false;
	}
	n = (tab->len - sizeof(struct acpi_mcfg)) /
	    sizeof(struct acpi_mcfg_alloc);
	for (size_t i = 0; i < n; i++) {
		struct acpi_mcfg_alloc a;
		struct acpi_mcfg_seg *s;

		memcpy(&a, t + sizeof(struct acpi_mcfg) + i * sizeof(a),
		       sizeof(a));
		if (a.base == 0 || a.start_bus > a.end_bus ||
		    !IS_ALIGNED(a.base, MiB)) {
			printk("acpi: MCFG: allocation %zu (segment %u, base "
			       "0x%llx, buses %u-%u) invalid, skipped\n", i,
			       a.segment, (unsigned long long)a.base,
			       a.start_bus, a.end_bus);
			continue;
		}
		if (!acpi_room(info, ACPI_LIM_MCFG, info->mcfg_count))
			break;
		s = &info->mcfg[info->mcfg_count++];
		s->base = a.base;
		s->segment = a.segment;
		s->start_bus = a.start_bus;
		s->end_bus = a.end_bus;
	}
	return true;
}

bool acpi_decode_hpet(struct acpi_info *info, const struct acpi_table *tab,
		      const uint8_t *t)
{
	struct acpi_hpet h;

	if (tab->len < sizeof(h)) {
		printk("acpi: HPET at 0x%llx too short (%u bytes), ignored\n",
		       (unsigned long long)tab->pa, tab->len);
		return false;
	}
	memcpy(&h, t, sizeof(h));
	/* HPET 1.0a, 3.2.4: the block lives in system memory. */
	if (h.base.space_id != ACPI_SPACE_MEMORY || h.base.address == 0) {
		printk("acpi: HPET: base (space %u, 0x%llx) unusable, "
		       "ignored\n", h.base.space_id,
		       (unsigned long long)h.base.address);
		return false;
	}
	info->hpet_present = true;
	info->hpet_base = h.base.address;
	info->hpet_number = h.hpet_number;
	info->hpet_min_tick = h.min_tick;
	return true;
}

bool acpi_decode_ivrs(struct acpi_info *info, const struct acpi_table *tab,
		      const uint8_t *t)
{
	if (tab->len < sizeof(struct acpi_ivrs)) {
		printk("acpi: IVRS at 0x%llx too short (%u bytes), ignored\n",
		       (unsigned long long)tab->pa, tab->len);
		return false;
	}
	info->ivrs_present = true;
	info->ivrs_pa = tab->pa;
	info->ivrs_len = tab->len;
	return true;
}

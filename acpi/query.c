/*
 * acpi/query.c - read-only questions about a parsed struct acpi_info:
 * the enabled CPU list for the SMP code, table copies, and the boot
 * summary.
 */
#include "acpi/internal.h"

unsigned int acpi_cpu_count(const struct acpi_info *info)
{
	return info->madt_present ? info->cpus_enabled : 0;
}

const struct acpi_cpu *acpi_cpu_next(const struct acpi_info *info,
				     unsigned int *iter)
{
	if (!info->madt_present)
		return NULL;
	while (*iter < info->cpu_count) {
		const struct acpi_cpu *c = &info->cpus[(*iter)++];

		if (c->enabled)
			return c;
	}
	return NULL;
}

uint32_t acpi_max_apic_id(const struct acpi_info *info)
{
	uint32_t max = 0;

	for (unsigned int i = 0; i < info->cpu_count; i++) {
		const struct acpi_cpu *c = &info->cpus[i];

		if ((c->enabled || c->online_capable) && c->apic_id > max)
			max = c->apic_id;
	}
	return max;
}

const void *acpi_table_copy(const struct acpi_info *info, const char *sig,
			    uint32_t *len)
{
	for (unsigned int i = 0; i < info->table_count; i++) {
		const struct acpi_table *tab = &info->tables[i];

		if (tab->used && tab->copy && memcmp(tab->sig, sig, 4) == 0) {
			if (len)
				*len = tab->len;
			return tab->copy;
		}
	}
	return NULL;
}

static const char *space_name(uint8_t space)
{
	switch (space) {
	case ACPI_SPACE_MEMORY:
		return "mem";
	case ACPI_SPACE_IO:
		return "io";
	case ACPI_SPACE_PCI_CFG:
		return "pci";
	}
	return "?";
}

/* The boot CPU alone prints this, before the others start: the pieces of
 * one line cannot interleave with other output. */
void acpi_print_summary(const struct acpi_info *info)
{
	const struct acpi_fadt_info *f = &info->fadt;

	printk("acpi: RSDP rev %u OEM '%s', %s at 0x%llx:", info->rsdp_revision,
	       info->oem_id, info->xsdt_used ? "XSDT" : "RSDT",
	       (unsigned long long)info->root_pa);
	for (unsigned int i = 0; i < info->table_count; i++)
		printk(" %s%s", info->tables[i].sig,
		       info->tables[i].valid ? "" : "(bad)");
	printk("%s\n", info->table_count ? "" : " no tables");

	if (info->madt_present)
		printk("acpi: %u CPUs (%u enabled, %u disabled), %u IOAPIC, "
		       "%u ISO, LAPIC 0x%llx", info->cpu_count,
		       info->cpus_enabled, info->cpus_disabled,
		       info->ioapic_count, info->iso_count,
		       (unsigned long long)info->lapic_address);
	else
		printk("acpi: no MADT, boot CPU only");
	if (f->pm_timer.present)
		printk(", PM timer %s 0x%llx %u-bit",
		       space_name(f->pm_timer.space),
		       (unsigned long long)f->pm_timer.address,
		       f->pm_timer_32bit ? 32 : 24);
	else
		printk(", no PM timer");
	if (f->reset_supported)
		printk(", reset %s 0x%llx=0x%x",
		       space_name(f->reset_reg.space),
		       (unsigned long long)f->reset_reg.address,
		       f->reset_value);
	else
		printk(", no reset reg");
	printk(", %u ECAM, HPET %s, IVRS %s%s\n", info->mcfg_count,
	       info->hpet_present ? "yes" : "no",
	       info->ivrs_present ? "yes" : "no",
	       info->dropped ? " (entries dropped: limits)" : "");
	printk("acpi: sleep types (SLP_TYPa/b):");
	for (unsigned s = 1; s < ACPI_SLEEP_STATES; s++)
		if (info->sleep.known[s])
			printk(" S%u=%u/%u", s, info->sleep.typ_a[s],
			       info->sleep.typ_b[s]);
		else
			printk(" S%u=?", s);
	printk("\n");
}

/*
 * acpi/copy.c - keep private copies of the tables the hypervisor still
 * reads after the guest owns ACPI reclaimable memory (docs/design.md, "Memory":
 * MADT, FADT, MCFG, IVRS).
 */
#include "acpi/internal.h"

static const char *const kept[] = {
	ACPI_SIG_MADT, ACPI_SIG_FADT, ACPI_SIG_MCFG, ACPI_SIG_IVRS,
};

static bool is_kept(const struct acpi_table *tab)
{
	for (size_t i = 0; i < ARRAY_SIZE(kept); i++)
		if (memcmp(tab->sig, kept[i], 5) == 0)
			return true;
	return false;
}

int acpi_copy_tables(struct acpi_info *info, acpi_map_fn map, void *ctx,
		     void *(*alloc)(size_t size))
{
	int ret = ACPI_OK;

	for (unsigned int i = 0; i < info->table_count; i++) {
		struct acpi_table *tab = &info->tables[i];
		struct acpi_sdt_header hdr;
		const uint8_t *t;
		const char *why = NULL;
		void *copy;

		if (!tab->used || tab->copy || !is_kept(tab))
			continue;
		/* Validate again: the copy must be what acpi_parse saw. */
		t = acpi_map_table(map, ctx, tab->pa, tab->sig, &hdr, &why);
		if (t && hdr.length != tab->len)
			why = "length changed";
		if (!t || hdr.length != tab->len) {
			printk("acpi: %s at 0x%llx changed since parsing (%s), "
			       "not copied\n", tab->sig,
			       (unsigned long long)tab->pa, why);
			ret = ACPI_ERR_ROOT;
			continue;
		}
		copy = alloc(tab->len);
		if (!copy) {
			printk("acpi: no memory to copy %s (%u bytes)\n",
			       tab->sig, tab->len);
			return ACPI_ERR_NOMEM;
		}
		memcpy(copy, t, tab->len);
		tab->copy = copy;
	}
	return ret;
}

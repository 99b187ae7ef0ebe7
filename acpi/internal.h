/*
 * acpi/internal.h - shared between the acpi/ sources only.
 *
 * Each table decoder receives a table that acpi.c has already validated:
 * readable for `len` bytes, len >= 36, checksum good. The decoder must not
 * read past `len` and must check the table's own minimum size.
 */
#ifndef ACPI_INTERNAL_H
#define ACPI_INTERNAL_H

#include "acpi/acpi.h"
#include "acpi/tables.h"
#include "lib/lib.h"

/* Sum of @len bytes modulo 256: 0 for a good ACPI checksum (5.2.5.3, 5.2.6). */
uint8_t acpi_sum(const void *p, size_t len);

/*
 * Map and validate the table at @pa (5.2.6): readable header, length in
 * [sizeof header, ACPI_TABLE_MAX_LEN], all of it readable, checksum good,
 * and signature @sig when @sig != NULL. *hdr receives a copy of the header
 * (all zero when even the header is unreadable). Returns the mapping of
 * hdr->length bytes, or NULL with the reason in *why.
 */
const uint8_t *acpi_map_table(acpi_map_fn map, void *ctx, uint64_t pa,
			      const char *sig, struct acpi_sdt_header *hdr,
			      const char **why);

/* The sleep types of the DSDT the FADT names, into info->sleep
 * (acpi/sleep.c); a DSDT that does not validate leaves them unknown. */
void acpi_find_sleep_types(struct acpi_info *info, acpi_map_fn map, void *ctx);

/* The fixed-size arrays of struct acpi_info. */
enum acpi_limit {
	ACPI_LIM_TABLES,
	ACPI_LIM_IOAPICS,
	ACPI_LIM_ISOS,
	ACPI_LIM_NMI_SRCS,
	ACPI_LIM_LAPIC_NMIS,
	ACPI_LIM_MCFG,
	ACPI_LIM_COUNT
};

/* True when array @lim, holding @count entries, has room for one more;
 * otherwise counts a drop in info->dropped and warns once per array. */
bool acpi_room(struct acpi_info *info, enum acpi_limit lim,
	       unsigned int count);

/* Table decoders (madt.c, fadt.c, aux_tables.c): @t is the validated
 * table, tab->len its length, tab->pa its address. They return false (and
 * leave @info untouched) when the table is too malformed to use at all; a
 * later table with the same signature then gets its chance. */
typedef bool (*acpi_decode_fn)(struct acpi_info *info,
			       const struct acpi_table *tab, const uint8_t *t);
bool acpi_decode_madt(struct acpi_info *info, const struct acpi_table *tab,
		      const uint8_t *t);
bool acpi_decode_fadt(struct acpi_info *info, const struct acpi_table *tab,
		      const uint8_t *t);
bool acpi_decode_mcfg(struct acpi_info *info, const struct acpi_table *tab,
		      const uint8_t *t);
bool acpi_decode_hpet(struct acpi_info *info, const struct acpi_table *tab,
		      const uint8_t *t);
bool acpi_decode_ivrs(struct acpi_info *info, const struct acpi_table *tab,
		      const uint8_t *t);

#endif

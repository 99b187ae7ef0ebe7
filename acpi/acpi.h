/*
 * acpi/acpi.h - the ACPI table parser: the public interface.
 *
 * Starts from a copy of the RSDP (Multiboot2 tag 15, else tag 14), walks
 * the XSDT (RSDT fallback), validates every table (signature, length,
 * checksum) and decodes what the hypervisor needs into struct acpi_info:
 * MADT (CPUs, I/O APICs, overrides, NMIs), FADT (PM timer, PM1 control,
 * SMI command port, reset register), MCFG, HPET, IVRS (location only).
 * Section numbers are ACPI 6.5 unless another specification is named.
 *
 * Physical memory is reached only through an acpi_map_fn callback, so the
 * parser runs unchanged on the host (tests, fuzzing) over a fake image.
 * Nothing here allocates except through the callbacks it is given: the
 * CPU list (acpi_parse, sized from the MADT) and the table copies
 * (acpi_copy_tables).
 * All functions run on the boot CPU before the others start: no locking.
 */
#ifndef ACPI_ACPI_H
#define ACPI_ACPI_H

#include "kernel/kernel.h"

/*
 * Map [pa, pa + len) for reading. Return a pointer to its first byte, or
 * NULL when any part of the range is not accessible (outside RAM/ACPI
 * ranges, or unmapped). The mapping must stay valid until acpi_parse() /
 * acpi_copy_tables() returns. The parser never reads outside what it asked
 * for, asks for at most ACPI_TABLE_MAX_LEN bytes at a time, never for an
 * empty or wrapping range, and maps a bounded number of ranges (about two
 * per listed table, at most ACPI_MAX_TABLES tables): a simple kernel
 * implementation over the direct map needs no unmap.
 */
typedef const void *(*acpi_map_fn)(uint64_t pa, uint64_t len, void *ctx);

/* Documented limits (the CPU list has none: it is sized from the MADT,
 * see acpi_parse): entries past these are counted in `dropped` with a
 * warning, never written out of bounds. */
#define ACPI_MAX_TABLES     64
#define ACPI_MAX_IOAPICS    32
#define ACPI_MAX_ISOS       48
#define ACPI_MAX_NMI_SRCS   16
#define ACPI_MAX_LAPIC_NMIS 64
#define ACPI_MAX_MCFG       16
#define ACPI_TABLE_MAX_LEN  (1u << 20)   /* larger tables are refused */

/* Status codes of acpi_parse() and acpi_copy_tables(). */
#define ACPI_OK          0
#define ACPI_ERR_RSDP   (-1)   /* RSDP missing or invalid: no ACPI at all */
#define ACPI_ERR_ROOT   (-2)   /* neither XSDT nor RSDT usable */
#define ACPI_ERR_NOMEM  (-3)   /* allocator callback failed */

/* One table listed by the XSDT/RSDT. */
struct acpi_table {
	char sig[5];           /* NUL-terminated, non-printables as '?' */
	bool valid;            /* length and checksum good */
	bool used;             /* the one decoded for its signature (at most
				  one per kind: MADT, FADT, MCFG, HPET, IVRS) */
	uint32_t len;          /* from its header (0 when unreadable) */
	uint64_t pa;
	const void *copy;      /* set by acpi_copy_tables(), else NULL */
	const char *why;       /* when !valid: the reason, for messages */
};

/* A decoded register: a Generic Address Structure (5.2.3.2), or a legacy
 * FADT I/O port block turned into one (space ACPI_SPACE_IO). */
struct acpi_reg {
	bool present;
	uint8_t space;         /* ACPI_SPACE_MEMORY / _IO / _PCI_CFG */
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address;
};

struct acpi_cpu {
	uint32_t apic_id;
	uint32_t uid;          /* ACPI processor UID */
	bool enabled;          /* usable now */
	bool online_capable;   /* disabled now, may be hot-added (ACPI 6.3+) */
	bool x2apic;           /* from a type 9 entry */
};

struct acpi_ioapic {
	uint8_t id;
	uint32_t address;
	uint32_t gsi_base;
};

struct acpi_iso {
	uint8_t bus;
	uint8_t source;        /* ISA IRQ */
	uint32_t gsi;
	uint16_t flags;        /* ACPI_MPS_* (acpi/tables.h) */
};

struct acpi_nmi_src {
	uint32_t gsi;
	uint16_t flags;
};

struct acpi_lapic_nmi {
	uint32_t uid;          /* ACPI_UID_ALL: every processor */
	uint16_t flags;
	uint8_t lint;
};
#define ACPI_UID_ALL 0xFFFFFFFFu

struct acpi_mcfg_seg {
	uint64_t base;
	uint16_t segment;
	uint8_t start_bus;
	uint8_t end_bus;
};

struct acpi_fadt_info {
	bool present;
	uint8_t revision;
	uint32_t flags;        /* ACPI_FADT_* (acpi/tables.h) */
	uint16_t sci_int;
	uint32_t smi_cmd;      /* I/O port, 0: none */
	uint8_t acpi_enable, acpi_disable;
	struct acpi_reg pm_timer;
	bool pm_timer_32bit;   /* TMR_VAL_EXT: 32-bit counter, else 24-bit */
	struct acpi_reg pm1a_cnt, pm1b_cnt;
	struct acpi_reg pm1a_evt, pm1b_evt;   /* status half first (4.8.3.1) */
	/* The legacy 32-bit port fields as given, even when an X_ block
	 * supersedes them (a guest's ACPI code may use either): PM1a/b
	 * control, PM1a/b event; 0: none. */
	uint32_t pm1_cnt_port[2], pm1_evt_port[2];
	struct acpi_reg reset_reg;
	uint8_t reset_value;
	bool reset_supported;  /* RESET_REG_SUP and a usable reset_reg */
	bool hw_reduced;
	uint64_t dsdt;         /* X_DSDT when set, else DSDT */
};

/* Sleep types from the DSDT's \_S1 .. \_S5 (acpi/sleep.c). */
#define ACPI_SLEEP_STATES 6          /* index 1..5: S1..S5 */
struct acpi_sleep {
	bool known[ACPI_SLEEP_STATES];
	uint8_t typ_a[ACPI_SLEEP_STATES], typ_b[ACPI_SLEEP_STATES];
};

/* acpi_parse_sleep_types: scan AML (a DSDT's body) for plain \_Sx
 * packages; fills *out, returns how many states are known. */
unsigned acpi_parse_sleep_types(const uint8_t *aml, size_t len,
				struct acpi_sleep *out);

struct acpi_info {
	/* RSDP */
	uint8_t rsdp_revision;
	char oem_id[7];
	bool xsdt_used;        /* false: the RSDT was walked */
	uint64_t root_pa;

	/* Every table the root listed, in order, with its verdict. */
	struct acpi_table tables[ACPI_MAX_TABLES];
	unsigned int table_count, tables_bad, tables_dropped;

	/* MADT (5.2.12) */
	bool madt_present;     /* false: boot on the boot CPU only */
	uint64_t lapic_address;   /* type 5 override applied */
	uint32_t madt_flags;
	/* Every processor entry (types 0 and 9), enabled or not, in MADT
	 * order: cpu_count of them in an array from acpi_parse's @alloc,
	 * which the caller owns (NULL when the MADT lists none). */
	struct acpi_cpu *cpus;
	unsigned int cpu_count;
	unsigned int cpu_cap;         /* internal: the array's length */
	void *(*alloc)(size_t size);  /* internal: acpi_parse's @alloc */
	unsigned int cpus_enabled, cpus_disabled;
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
	unsigned int ioapic_count;
	struct acpi_iso isos[ACPI_MAX_ISOS];
	unsigned int iso_count;
	struct acpi_nmi_src nmi_srcs[ACPI_MAX_NMI_SRCS];
	unsigned int nmi_src_count;
	struct acpi_lapic_nmi lapic_nmis[ACPI_MAX_LAPIC_NMIS];
	unsigned int lapic_nmi_count;
	unsigned int madt_skipped;    /* malformed/duplicate/unknown entries */

	struct acpi_fadt_info fadt;
	struct acpi_sleep sleep;      /* from the DSDT the FADT names */

	struct acpi_mcfg_seg mcfg[ACPI_MAX_MCFG];
	unsigned int mcfg_count;

	bool hpet_present;
	uint64_t hpet_base;
	uint8_t hpet_number;
	uint16_t hpet_min_tick;

	bool ivrs_present;
	uint64_t ivrs_pa;
	uint32_t ivrs_len;

	/* Entries over a limit above (CPUs, IOAPICs, ...), all kinds. */
	unsigned int dropped;
	uint32_t drop_warned;  /* internal: limits already warned about */
};

/*
 * acpi_parse - validate and decode the ACPI tables.
 * @rsdp, @rsdp_len: the RSDP as copied out of the Multiboot2 tag
 *   (Multiboot2 spec 2.0, 3.6 "ACPI new RSDP", tag 15, preferred over
 *   "ACPI old RSDP", tag 14, which holds only the 20 ACPI 1.0 bytes); the
 *   bytes are only read.
 * @map, @ctx: access to physical memory (see acpi_map_fn).
 * @alloc: memory for the CPU list (info->cpus, one entry per processor
 *   entry of the MADT, counted in a first walk; the caller owns it). When
 *   it fails, the MADT is not used (the boot CPU alone, with a message).
 * @info: filled completely (zeroed first).
 * Checks (5.2.5.3, 5.2.6-5.2.8): RSDP signature and 20-byte checksum; for
 * revision >= 2 the extended checksum over its length, then the XSDT when
 * its address is nonzero, else (or when the XSDT is bad) the RSDT. Every
 * table: readable, length in [36, ACPI_TABLE_MAX_LEN], checksum over its
 * length. Bad tables are listed with valid = false and a printk message
 * naming them; the first usable table of each decoded signature wins,
 * later duplicates are ignored with a warning. No read ever leaves a range
 * obtained from @map.
 * Returns ACPI_OK (also when MADT or FADT are missing: see madt_present,
 * fadt.present), ACPI_ERR_RSDP or ACPI_ERR_ROOT.
 */
int acpi_parse(const void *rsdp, size_t rsdp_len, acpi_map_fn map, void *ctx,
	       void *(*alloc)(size_t size), struct acpi_info *info);

/*
 * acpi_copy_tables - copy the tables the hypervisor keeps using (MADT,
 * FADT, MCFG, IVRS: the `used` ones) into memory from @alloc, before the
 * guest gets ACPI reclaimable memory (docs/design.md, "Memory"). Each copy is
 * checked again (length and checksum) against what acpi_parse() saw.
 * Returns ACPI_OK, ACPI_ERR_NOMEM (copies made so far stay recorded), or
 * ACPI_ERR_ROOT when a table changed or vanished since acpi_parse().
 */
int acpi_copy_tables(struct acpi_info *info, acpi_map_fn map, void *ctx,
		     void *(*alloc)(size_t size));

/*
 * acpi_hide_table - remove every entry that names a table with signature
 * @sig (4 chars) from the XSDT and the RSDT the RSDP names, in place: the
 * guest, which reads the firmware's tables, no longer finds it (acpi/
 * hide.c). @map: writable access, same contract as acpi_map_fn. A root
 * that does not validate is left untouched (with a message). Returns the
 * number of entries removed, or -1 for an unusable RSDP. Before the guest
 * runs, on the boot CPU.
 */
typedef void *(*acpi_map_rw_fn)(uint64_t pa, uint64_t len, void *ctx);
int acpi_hide_table(const void *rsdp, size_t rsdp_len, const char *sig,
		    acpi_map_rw_fn map, void *ctx);

/*
 * acpi_hide_cpus - take the CPUs the hypervisor leaves out (it could not
 * start them, or has no vCPU for them) out of the guest's view: in every
 * MADT the roots name, in place, each processor entry (types 0 and 9,
 * 5.2.12.2 and 5.2.12.12) that is enabled or online-capable and whose
 * APIC ID @keep refuses gets both flags cleared, so the guest neither
 * starts nor waits for it; the table keeps its length and gets a new
 * checksum. Roots or MADTs that do not validate are left alone. Returns
 * the number of entries changed, -1 for an unusable RSDP. Same map
 * contract and context as acpi_hide_table.
 */
int acpi_hide_cpus(const void *rsdp, size_t rsdp_len,
		   bool (*keep)(uint32_t apic_id, void *kctx), void *kctx,
		   acpi_map_rw_fn map, void *ctx);

/* The copy of the used table with signature @sig (4 chars), its length in
 * *len when len != NULL; NULL when absent or not copied. */
const void *acpi_table_copy(const struct acpi_info *info, const char *sig,
			    uint32_t *len);

/* Print a two-line summary via printk: tables, CPUs (enabled/disabled),
 * I/O APICs, PM timer, reset register. */
void acpi_print_summary(const struct acpi_info *info);

/* Number of enabled CPUs in the MADT (0 when there is no MADT: the caller
 * then runs on the boot CPU alone). */
unsigned int acpi_cpu_count(const struct acpi_info *info);

/* Iterate the enabled CPUs: start with *iter = 0; returns the next one or
 * NULL at the end.
 *   unsigned int it = 0; const struct acpi_cpu *c;
 *   while ((c = acpi_cpu_next(info, &it))) start(c->apic_id);  */
const struct acpi_cpu *acpi_cpu_next(const struct acpi_info *info,
				     unsigned int *iter);

/* Highest APIC ID of an enabled or online-capable CPU (0 when none): above
 * 254 the local APICs must run in x2APIC mode. */
uint32_t acpi_max_apic_id(const struct acpi_info *info);

#endif

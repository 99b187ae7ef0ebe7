/*
 * acpi/tables.h - firmware table layouts, as the firmware writes them.
 *
 * Packed, no bitfields, every field's offset checked by the compiler.
 * Section numbers are ACPI 6.5 unless another specification is named.
 * The parser in acpi/, its tests and whoever later rewrites tables for
 * the guest include this; everything else uses acpi/acpi.h.
 */
#ifndef ACPI_TABLES_H
#define ACPI_TABLES_H

#include "kernel/kernel.h"

#define ACPI_CHECK(type, field, off) \
	_Static_assert(offsetof(type, field) == (off), #type "." #field)

/* ---- 5.2.3.2 Generic Address Structure (12 bytes) ---------------------- */
struct acpi_gas {
	uint8_t space_id;     /* ACPI_SPACE_* */
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;  /* 0 undefined, 1 byte .. 4 qword */
	uint64_t address;
} __packed;
ACPI_CHECK(struct acpi_gas, space_id, 0);
ACPI_CHECK(struct acpi_gas, bit_width, 1);
ACPI_CHECK(struct acpi_gas, bit_offset, 2);
ACPI_CHECK(struct acpi_gas, access_size, 3);
ACPI_CHECK(struct acpi_gas, address, 4);
_Static_assert(sizeof(struct acpi_gas) == 12, "GAS size");

#define ACPI_SPACE_MEMORY  0
#define ACPI_SPACE_IO      1
#define ACPI_SPACE_PCI_CFG 2

/* ---- 5.2.5.3 Root System Description Pointer --------------------------- */
#define ACPI_RSDP_SIG      "RSD PTR "
#define ACPI_RSDP_V1_LEN   20   /* bytes covered by the first checksum */
#define ACPI_RSDP_V2_LEN   36

struct acpi_rsdp {
	char signature[8];
	uint8_t checksum;      /* over the first 20 bytes */
	char oem_id[6];
	uint8_t revision;      /* 0: ACPI 1.0 (20 bytes); 2: ACPI 2.0+ */
	uint32_t rsdt_address;
	/* Revision >= 2 only: */
	uint32_t length;       /* whole structure */
	uint64_t xsdt_address;
	uint8_t ext_checksum;  /* over `length` bytes */
	uint8_t reserved_0x21[3];
} __packed;
ACPI_CHECK(struct acpi_rsdp, signature, 0);
ACPI_CHECK(struct acpi_rsdp, checksum, 8);
ACPI_CHECK(struct acpi_rsdp, oem_id, 9);
ACPI_CHECK(struct acpi_rsdp, revision, 15);
ACPI_CHECK(struct acpi_rsdp, rsdt_address, 16);
ACPI_CHECK(struct acpi_rsdp, length, 20);
ACPI_CHECK(struct acpi_rsdp, xsdt_address, 24);
ACPI_CHECK(struct acpi_rsdp, ext_checksum, 32);
ACPI_CHECK(struct acpi_rsdp, reserved_0x21, 33);
_Static_assert(sizeof(struct acpi_rsdp) == ACPI_RSDP_V2_LEN, "RSDP size");

/* ---- 5.2.6 System Description Table Header ----------------------------- */
struct acpi_sdt_header {
	char signature[4];
	uint32_t length;       /* whole table, header included */
	uint8_t revision;
	uint8_t checksum;      /* all `length` bytes sum to 0 */
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} __packed;
ACPI_CHECK(struct acpi_sdt_header, signature, 0);
ACPI_CHECK(struct acpi_sdt_header, length, 4);
ACPI_CHECK(struct acpi_sdt_header, revision, 8);
ACPI_CHECK(struct acpi_sdt_header, checksum, 9);
ACPI_CHECK(struct acpi_sdt_header, oem_id, 10);
ACPI_CHECK(struct acpi_sdt_header, oem_table_id, 16);
ACPI_CHECK(struct acpi_sdt_header, oem_revision, 24);
ACPI_CHECK(struct acpi_sdt_header, creator_id, 28);
ACPI_CHECK(struct acpi_sdt_header, creator_revision, 32);
_Static_assert(sizeof(struct acpi_sdt_header) == 36, "SDT header size");

/* 5.2.7 RSDT: header + uint32_t entries; 5.2.8 XSDT: header + uint64_t
 * entries (8-byte entries at offset 36: not naturally aligned). */
#define ACPI_SIG_RSDT "RSDT"
#define ACPI_SIG_XSDT "XSDT"
#define ACPI_SIG_MADT "APIC"
#define ACPI_SIG_FADT "FACP"
#define ACPI_SIG_DSDT "DSDT"
#define ACPI_SIG_MCFG "MCFG"
#define ACPI_SIG_HPET "HPET"
#define ACPI_SIG_IVRS "IVRS"

/* ---- 5.2.9 Fixed ACPI Description Table -------------------------------- */
struct acpi_fadt {
	struct acpi_sdt_header hdr;
	uint32_t firmware_ctrl;
	uint32_t dsdt;
	uint8_t reserved_0x2c;
	uint8_t preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable;
	uint8_t acpi_disable;
	uint8_t s4bios_req;
	uint8_t pstate_cnt;
	uint32_t pm1a_evt_blk;
	uint32_t pm1b_evt_blk;
	uint32_t pm1a_cnt_blk;
	uint32_t pm1b_cnt_blk;
	uint32_t pm2_cnt_blk;
	uint32_t pm_tmr_blk;
	uint32_t gpe0_blk;
	uint32_t gpe1_blk;
	uint8_t pm1_evt_len;
	uint8_t pm1_cnt_len;
	uint8_t pm2_cnt_len;
	uint8_t pm_tmr_len;
	uint8_t gpe0_blk_len;
	uint8_t gpe1_blk_len;
	uint8_t gpe1_base;
	uint8_t cst_cnt;
	uint16_t p_lvl2_lat;
	uint16_t p_lvl3_lat;
	uint16_t flush_size;
	uint16_t flush_stride;
	uint8_t duty_offset;
	uint8_t duty_width;
	uint8_t day_alrm;
	uint8_t mon_alrm;
	uint8_t century;
	uint16_t iapc_boot_arch;
	uint8_t reserved_0x6f;
	uint32_t flags;             /* ACPI_FADT_* */
	/* ACPI 1.0 tables end here (116 bytes). */
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;
	uint64_t x_firmware_ctrl;
	uint64_t x_dsdt;
	struct acpi_gas x_pm1a_evt_blk;
	struct acpi_gas x_pm1b_evt_blk;
	struct acpi_gas x_pm1a_cnt_blk;
	struct acpi_gas x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk;
	struct acpi_gas x_pm_tmr_blk;
	struct acpi_gas x_gpe0_blk;
	struct acpi_gas x_gpe1_blk;
	struct acpi_gas sleep_control_reg;
	struct acpi_gas sleep_status_reg;
	uint64_t hypervisor_vendor_id;
} __packed;
ACPI_CHECK(struct acpi_fadt, firmware_ctrl, 36);
ACPI_CHECK(struct acpi_fadt, dsdt, 40);
ACPI_CHECK(struct acpi_fadt, reserved_0x2c, 44);
ACPI_CHECK(struct acpi_fadt, preferred_pm_profile, 45);
ACPI_CHECK(struct acpi_fadt, sci_int, 46);
ACPI_CHECK(struct acpi_fadt, smi_cmd, 48);
ACPI_CHECK(struct acpi_fadt, acpi_enable, 52);
ACPI_CHECK(struct acpi_fadt, acpi_disable, 53);
ACPI_CHECK(struct acpi_fadt, s4bios_req, 54);
ACPI_CHECK(struct acpi_fadt, pstate_cnt, 55);
ACPI_CHECK(struct acpi_fadt, pm1a_evt_blk, 56);
ACPI_CHECK(struct acpi_fadt, pm1b_evt_blk, 60);
ACPI_CHECK(struct acpi_fadt, pm1a_cnt_blk, 64);
ACPI_CHECK(struct acpi_fadt, pm1b_cnt_blk, 68);
ACPI_CHECK(struct acpi_fadt, pm2_cnt_blk, 72);
ACPI_CHECK(struct acpi_fadt, pm_tmr_blk, 76);
ACPI_CHECK(struct acpi_fadt, gpe0_blk, 80);
ACPI_CHECK(struct acpi_fadt, gpe1_blk, 84);
ACPI_CHECK(struct acpi_fadt, pm1_evt_len, 88);
ACPI_CHECK(struct acpi_fadt, pm1_cnt_len, 89);
ACPI_CHECK(struct acpi_fadt, pm2_cnt_len, 90);
ACPI_CHECK(struct acpi_fadt, pm_tmr_len, 91);
ACPI_CHECK(struct acpi_fadt, gpe0_blk_len, 92);
ACPI_CHECK(struct acpi_fadt, gpe1_blk_len, 93);
ACPI_CHECK(struct acpi_fadt, gpe1_base, 94);
ACPI_CHECK(struct acpi_fadt, cst_cnt, 95);
ACPI_CHECK(struct acpi_fadt, p_lvl2_lat, 96);
ACPI_CHECK(struct acpi_fadt, p_lvl3_lat, 98);
ACPI_CHECK(struct acpi_fadt, flush_size, 100);
ACPI_CHECK(struct acpi_fadt, flush_stride, 102);
ACPI_CHECK(struct acpi_fadt, duty_offset, 104);
ACPI_CHECK(struct acpi_fadt, duty_width, 105);
ACPI_CHECK(struct acpi_fadt, day_alrm, 106);
ACPI_CHECK(struct acpi_fadt, mon_alrm, 107);
ACPI_CHECK(struct acpi_fadt, century, 108);
ACPI_CHECK(struct acpi_fadt, iapc_boot_arch, 109);
ACPI_CHECK(struct acpi_fadt, reserved_0x6f, 111);
ACPI_CHECK(struct acpi_fadt, flags, 112);
ACPI_CHECK(struct acpi_fadt, reset_reg, 116);
ACPI_CHECK(struct acpi_fadt, reset_value, 128);
ACPI_CHECK(struct acpi_fadt, arm_boot_arch, 129);
ACPI_CHECK(struct acpi_fadt, minor_version, 131);
ACPI_CHECK(struct acpi_fadt, x_firmware_ctrl, 132);
ACPI_CHECK(struct acpi_fadt, x_dsdt, 140);
ACPI_CHECK(struct acpi_fadt, x_pm1a_evt_blk, 148);
ACPI_CHECK(struct acpi_fadt, x_pm1b_evt_blk, 160);
ACPI_CHECK(struct acpi_fadt, x_pm1a_cnt_blk, 172);
ACPI_CHECK(struct acpi_fadt, x_pm1b_cnt_blk, 184);
ACPI_CHECK(struct acpi_fadt, x_pm2_cnt_blk, 196);
ACPI_CHECK(struct acpi_fadt, x_pm_tmr_blk, 208);
ACPI_CHECK(struct acpi_fadt, x_gpe0_blk, 220);
ACPI_CHECK(struct acpi_fadt, x_gpe1_blk, 232);
ACPI_CHECK(struct acpi_fadt, sleep_control_reg, 244);
ACPI_CHECK(struct acpi_fadt, sleep_status_reg, 256);
ACPI_CHECK(struct acpi_fadt, hypervisor_vendor_id, 268);
_Static_assert(sizeof(struct acpi_fadt) == 276, "FADT size");

#define ACPI_FADT_V1_LEN       116         /* ACPI 1.0 FADT ends at flags */
/* 5.2.9, Table "Fixed ACPI Description Table Fixed Feature Flags" */
#define ACPI_FADT_TMR_VAL_EXT  BIT(8)      /* PM timer is 32-bit, not 24 */
#define ACPI_FADT_RESET_REG_SUP BIT(10)    /* RESET_REG/RESET_VALUE valid */
#define ACPI_FADT_HW_REDUCED   BIT(20)     /* no fixed hardware (no PM timer) */

/* ---- 5.2.12 Multiple APIC Description Table ---------------------------- */
struct acpi_madt {
	struct acpi_sdt_header hdr;
	uint32_t lapic_address;   /* 32-bit local APIC base */
	uint32_t flags;           /* ACPI_MADT_PCAT_COMPAT */
	/* Interrupt controller structures follow (5.2.12.1). */
} __packed;
ACPI_CHECK(struct acpi_madt, lapic_address, 36);
ACPI_CHECK(struct acpi_madt, flags, 40);
_Static_assert(sizeof(struct acpi_madt) == 44, "MADT size");
#define ACPI_MADT_PCAT_COMPAT BIT(0)       /* dual 8259s present */

/* 5.2.12.1: every entry starts with type and length. */
struct acpi_madt_entry {
	uint8_t type;
	uint8_t length;
} __packed;
ACPI_CHECK(struct acpi_madt_entry, type, 0);
ACPI_CHECK(struct acpi_madt_entry, length, 1);

enum acpi_madt_type {
	ACPI_MADT_LAPIC = 0,
	ACPI_MADT_IOAPIC = 1,
	ACPI_MADT_ISO = 2,
	ACPI_MADT_NMI_SRC = 3,
	ACPI_MADT_LAPIC_NMI = 4,
	ACPI_MADT_LAPIC_ADDR = 5,
	ACPI_MADT_X2APIC = 9,
	ACPI_MADT_X2APIC_NMI = 0xA,
};

/* 5.2.12.2 Processor Local APIC Structure, and the flags shared with x2APIC
 * entries (Table "Local APIC Flags"). */
struct acpi_madt_lapic {
	struct acpi_madt_entry h;  /* type 0, length 8 */
	uint8_t uid;
	uint8_t apic_id;
	uint32_t flags;
} __packed;
ACPI_CHECK(struct acpi_madt_lapic, uid, 2);
ACPI_CHECK(struct acpi_madt_lapic, apic_id, 3);
ACPI_CHECK(struct acpi_madt_lapic, flags, 4);
_Static_assert(sizeof(struct acpi_madt_lapic) == 8, "LAPIC entry size");
#define ACPI_LAPIC_ENABLED        BIT(0)
#define ACPI_LAPIC_ONLINE_CAPABLE BIT(1)   /* ACPI 6.3+: may be hot-added */

/* 5.2.12.3 I/O APIC Structure */
struct acpi_madt_ioapic {
	struct acpi_madt_entry h;  /* type 1, length 12 */
	uint8_t ioapic_id;
	uint8_t reserved_0x3;
	uint32_t address;
	uint32_t gsi_base;
} __packed;
ACPI_CHECK(struct acpi_madt_ioapic, ioapic_id, 2);
ACPI_CHECK(struct acpi_madt_ioapic, reserved_0x3, 3);
ACPI_CHECK(struct acpi_madt_ioapic, address, 4);
ACPI_CHECK(struct acpi_madt_ioapic, gsi_base, 8);
_Static_assert(sizeof(struct acpi_madt_ioapic) == 12, "IOAPIC entry size");

/* 5.2.12.5 Interrupt Source Override Structure; flags are the MPS INTI
 * flags (Table "MPS INTI Flags"): polarity bits 1:0, trigger mode 3:2. */
struct acpi_madt_iso {
	struct acpi_madt_entry h;  /* type 2, length 10 */
	uint8_t bus;               /* 0: ISA */
	uint8_t source;            /* ISA IRQ */
	uint32_t gsi;
	uint16_t flags;
} __packed;
ACPI_CHECK(struct acpi_madt_iso, bus, 2);
ACPI_CHECK(struct acpi_madt_iso, source, 3);
ACPI_CHECK(struct acpi_madt_iso, gsi, 4);
ACPI_CHECK(struct acpi_madt_iso, flags, 8);
_Static_assert(sizeof(struct acpi_madt_iso) == 10, "ISO entry size");
#define ACPI_MPS_POLARITY  GENMASK(1, 0)   /* 0 bus default, 1 high, 3 low */
#define ACPI_MPS_TRIGGER   GENMASK(3, 2)   /* 0 bus default, 1 edge, 3 level */

/* 5.2.12.6 Non-Maskable Interrupt (NMI) Source Structure */
struct acpi_madt_nmi_src {
	struct acpi_madt_entry h;  /* type 3, length 8 */
	uint16_t flags;            /* MPS INTI flags */
	uint32_t gsi;
} __packed;
ACPI_CHECK(struct acpi_madt_nmi_src, flags, 2);
ACPI_CHECK(struct acpi_madt_nmi_src, gsi, 4);
_Static_assert(sizeof(struct acpi_madt_nmi_src) == 8, "NMI source size");

/* 5.2.12.7 Local APIC NMI Structure */
struct acpi_madt_lapic_nmi {
	struct acpi_madt_entry h;  /* type 4, length 6 */
	uint8_t uid;               /* 0xFF: all processors */
	uint16_t flags;            /* MPS INTI flags */
	uint8_t lint;              /* LINT0 or LINT1 */
} __packed;
ACPI_CHECK(struct acpi_madt_lapic_nmi, uid, 2);
ACPI_CHECK(struct acpi_madt_lapic_nmi, flags, 3);
ACPI_CHECK(struct acpi_madt_lapic_nmi, lint, 5);
_Static_assert(sizeof(struct acpi_madt_lapic_nmi) == 6, "LAPIC NMI size");

/* 5.2.12.8 Local APIC Address Override Structure */
struct acpi_madt_lapic_addr {
	struct acpi_madt_entry h;  /* type 5, length 12 */
	uint16_t reserved_0x2;
	uint64_t address;
} __packed;
ACPI_CHECK(struct acpi_madt_lapic_addr, reserved_0x2, 2);
ACPI_CHECK(struct acpi_madt_lapic_addr, address, 4);
_Static_assert(sizeof(struct acpi_madt_lapic_addr) == 12, "LAPIC addr size");

/* 5.2.12.12 Processor Local x2APIC Structure */
struct acpi_madt_x2apic {
	struct acpi_madt_entry h;  /* type 9, length 16 */
	uint16_t reserved_0x2;
	uint32_t x2apic_id;
	uint32_t flags;            /* ACPI_LAPIC_* */
	uint32_t uid;
} __packed;
ACPI_CHECK(struct acpi_madt_x2apic, reserved_0x2, 2);
ACPI_CHECK(struct acpi_madt_x2apic, x2apic_id, 4);
ACPI_CHECK(struct acpi_madt_x2apic, flags, 8);
ACPI_CHECK(struct acpi_madt_x2apic, uid, 12);
_Static_assert(sizeof(struct acpi_madt_x2apic) == 16, "x2APIC entry size");

/* 5.2.12.13 Local x2APIC NMI Structure */
struct acpi_madt_x2apic_nmi {
	struct acpi_madt_entry h;  /* type 0xA, length 12 */
	uint16_t flags;            /* MPS INTI flags */
	uint32_t uid;              /* 0xFFFFFFFF: all processors */
	uint8_t lint;
	uint8_t reserved_0x9[3];
} __packed;
ACPI_CHECK(struct acpi_madt_x2apic_nmi, flags, 2);
ACPI_CHECK(struct acpi_madt_x2apic_nmi, uid, 4);
ACPI_CHECK(struct acpi_madt_x2apic_nmi, lint, 8);
ACPI_CHECK(struct acpi_madt_x2apic_nmi, reserved_0x9, 9);
_Static_assert(sizeof(struct acpi_madt_x2apic_nmi) == 12, "x2APIC NMI size");

/* ---- MCFG: PCI Firmware Specification 3.2, 4.1.2 ----------------------- */
struct acpi_mcfg {
	struct acpi_sdt_header hdr;
	uint8_t reserved_0x24[8];
	/* struct acpi_mcfg_alloc entries follow. */
} __packed;
ACPI_CHECK(struct acpi_mcfg, reserved_0x24, 36);
_Static_assert(sizeof(struct acpi_mcfg) == 44, "MCFG size");

struct acpi_mcfg_alloc {
	uint64_t base;             /* ECAM base of bus 0 of this segment */
	uint16_t segment;
	uint8_t start_bus;
	uint8_t end_bus;
	uint32_t reserved_0xc;
} __packed;
ACPI_CHECK(struct acpi_mcfg_alloc, base, 0);
ACPI_CHECK(struct acpi_mcfg_alloc, segment, 8);
ACPI_CHECK(struct acpi_mcfg_alloc, start_bus, 10);
ACPI_CHECK(struct acpi_mcfg_alloc, end_bus, 11);
ACPI_CHECK(struct acpi_mcfg_alloc, reserved_0xc, 12);
_Static_assert(sizeof(struct acpi_mcfg_alloc) == 16, "MCFG alloc size");

/* ---- HPET: IA-PC HPET Specification 1.0a, 3.2.4 ------------------------ */
struct acpi_hpet {
	struct acpi_sdt_header hdr;
	uint32_t event_timer_block_id;
	struct acpi_gas base;      /* must be system memory */
	uint8_t hpet_number;
	uint16_t min_tick;         /* main counter minimum clock tick */
	uint8_t page_protection;
} __packed;
ACPI_CHECK(struct acpi_hpet, event_timer_block_id, 36);
ACPI_CHECK(struct acpi_hpet, base, 40);
ACPI_CHECK(struct acpi_hpet, hpet_number, 52);
ACPI_CHECK(struct acpi_hpet, min_tick, 53);
ACPI_CHECK(struct acpi_hpet, page_protection, 55);
_Static_assert(sizeof(struct acpi_hpet) == 56, "HPET size");

/* ---- IVRS: AMD I/O Virtualization Technology (IOMMU) Spec. 48882, 5.2 -- */
struct acpi_ivrs {
	struct acpi_sdt_header hdr;
	uint32_t iv_info;
	uint64_t reserved_0x28;
	/* IVHD/IVMD blocks follow; parsed later by the IOMMU code. */
} __packed;
ACPI_CHECK(struct acpi_ivrs, iv_info, 36);
ACPI_CHECK(struct acpi_ivrs, reserved_0x28, 40);
_Static_assert(sizeof(struct acpi_ivrs) == 48, "IVRS size");

#endif

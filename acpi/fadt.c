/*
 * acpi/fadt.c - Fixed ACPI Description Table decoder (ACPI 6.5, 5.2.9).
 *
 * The table is copied into a zeroed struct acpi_fadt of the full current
 * size: fields past the firmware's length read as 0, which 5.2.9 gives the
 * meaning "not provided" for every field decoded here, so an ACPI 1.0
 * FADT (116 bytes) needs no special case.
 */
#include "acpi/internal.h"

static bool space_ok(uint8_t space)
{
	return space == ACPI_SPACE_MEMORY || space == ACPI_SPACE_IO;
}

static void reg_from_gas(struct acpi_reg *r, const struct acpi_gas *g)
{
	r->present = g->address != 0;
	r->space = g->space_id;
	r->bit_width = g->bit_width;
	r->bit_offset = g->bit_offset;
	r->access_size = g->access_size;
	r->address = g->address;
}

/* 5.2.9: an X_ block with a nonzero address supersedes the legacy I/O
 * port block; otherwise the legacy block of @bytes bytes at @port. */
static void pick_block(struct acpi_reg *r, const char *name,
		       const struct acpi_gas *x, uint32_t port, uint8_t bytes,
		       uint8_t min_bytes)
{
	memset(r, 0, sizeof(*r));
	if (x->address != 0) {
		if (!space_ok(x->space_id)) {
			printk("acpi: FADT: X_%s in address space %u "
			       "ignored\n", name, x->space_id);
			return;
		}
		reg_from_gas(r, x);
		return;
	}
	if (port == 0)
		return;
	if (bytes < min_bytes) {
		printk("acpi: FADT: %s at port 0x%x has length %u (< %u), "
		       "ignored\n", name, port, bytes, min_bytes);
		return;
	}
	r->present = true;
	r->space = ACPI_SPACE_IO;
	r->bit_width = (uint8_t)(bytes * 8);
	r->address = port;
}

bool acpi_decode_fadt(struct acpi_info *info, const struct acpi_table *tab,
		      const uint8_t *t)
{
	struct acpi_fadt_info *fi = &info->fadt;
	struct acpi_fadt f;

	if (tab->len < ACPI_FADT_V1_LEN) {
		printk("acpi: FADT at 0x%llx too short (%u bytes), ignored\n",
		       (unsigned long long)tab->pa, tab->len);
		return false;
	}
	memset(&f, 0, sizeof(f));
	memcpy(&f, t, MIN(tab->len, sizeof(f)));

	fi->present = true;
	fi->revision = f.hdr.revision;
	fi->flags = f.flags;
	fi->sci_int = f.sci_int;
	fi->smi_cmd = f.smi_cmd;
	fi->acpi_enable = f.acpi_enable;
	fi->acpi_disable = f.acpi_disable;
	fi->hw_reduced = f.flags & ACPI_FADT_HW_REDUCED;
	fi->dsdt = f.x_dsdt ? f.x_dsdt : f.dsdt;

	/* 5.2.9: hardware-reduced platforms have no fixed hardware. */
	if (!fi->hw_reduced) {
		pick_block(&fi->pm_timer, "PM_TMR_BLK", &f.x_pm_tmr_blk,
			   f.pm_tmr_blk, f.pm_tmr_len, 4);
		fi->pm_timer_32bit = f.flags & ACPI_FADT_TMR_VAL_EXT;
		pick_block(&fi->pm1a_cnt, "PM1a_CNT_BLK", &f.x_pm1a_cnt_blk,
			   f.pm1a_cnt_blk, f.pm1_cnt_len, 2);
		pick_block(&fi->pm1b_cnt, "PM1b_CNT_BLK", &f.x_pm1b_cnt_blk,
			   f.pm1b_cnt_blk, f.pm1_cnt_len, 2);
		pick_block(&fi->pm1a_evt, "PM1a_EVT_BLK", &f.x_pm1a_evt_blk,
			   f.pm1a_evt_blk, f.pm1_evt_len, 4);
		pick_block(&fi->pm1b_evt, "PM1b_EVT_BLK", &f.x_pm1b_evt_blk,
			   f.pm1b_evt_blk, f.pm1_evt_len, 4);
		fi->pm1_cnt_port[0] = f.pm1a_cnt_blk;
		fi->pm1_cnt_port[1] = f.pm1b_cnt_blk;
		fi->pm1_evt_port[0] = f.pm1a_evt_blk;
		fi->pm1_evt_port[1] = f.pm1b_evt_blk;
	}

	/* 5.2.9, RESET_REG: valid only with RESET_REG_SUP; system memory,
	 * system I/O or PCI configuration space. */
	reg_from_gas(&fi->reset_reg, &f.reset_reg);
	fi->reset_value = f.reset_value;
	fi->reset_supported = (f.flags & ACPI_FADT_RESET_REG_SUP) &&
			      fi->reset_reg.present &&
			      (space_ok(f.reset_reg.space_id) ||
			       f.reset_reg.space_id == ACPI_SPACE_PCI_CFG);
	if ((f.flags & ACPI_FADT_RESET_REG_SUP) && !fi->reset_supported)
		printk("acpi: FADT: RESET_REG_SUP set but RESET_REG unusable "
		       "(space %u, address 0x%llx)\n", f.reset_reg.space_id,
		       (unsigned long long)f.reset_reg.address);
	return true;
}

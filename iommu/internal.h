/*
 * iommu/internal.h - state shared by hw.c and events.c only.
 */
#ifndef IOMMU_INTERNAL_H
#define IOMMU_INTERNAL_H

#include "iommu/regs.h"

/* One 4 KiB frame: the interrupt remapping table every DTE names (IV = 1
 * needs one; with IntCtl forward or abort it is never read, and it stays
 * zero: an entry with RemapEn = 0 aborts) and the completion-wait
 * semaphores, one per IOMMU. */
struct iommu_misc {
	uint8_t irt[128];                   /* 2.2.5: 128-byte aligned */
	uint64_t sem[IVRS_MAX_IOMMUS];
} __aligned(128);
_Static_assert(offsetof(struct iommu_misc, sem) == 128, "semaphores after IRT");
_Static_assert(sizeof(struct iommu_misc) <= 4096, "one frame");

struct iommu_unit {
	unsigned index;
	const struct ivrs_iommu *m;
	volatile uint8_t *mmio;
	uint64_t efr, control;
	struct iommu_cmd *cmd;
	uint64_t cmd_pa, evt_pa, sem_pa;
	uint32_t cmd_tail, evt_head;
	uint64_t wait_seq;
	volatile uint32_t *evt;
	uint64_t overflows;
	/* QEMU 7.2's IOMMU (PCI 1022:0018) writes entries but never moves
	 * its event log tail register: entries are found by their non-zero
	 * event code instead (events.c). */
	bool tail_quirk;
};

struct iommu_state {
	bool active;
	struct ivrs_info ivrs;
	struct iommu_unit units[IVRS_MAX_IOMMUS];
	unsigned nunits;
	unsigned covered;            /* device IDs translated for the guest */
	struct dte *dev_table;
	uint64_t dev_table_pa;
	struct iommu_misc *misc;
	uint64_t misc_pa, irt_pa;
	uint64_t *empty_root;
	uint64_t empty_root_pa;
	struct iopt pt;
	/* The hypervisor's NIC: its own tables (only its DMA blocks) and the
	 * IDs that carry them (its own and its IVRS alias). Set once at
	 * bring-up, read-only after. */
#define IOMMU_MAX_HV_IDS 4
	struct iopt hv_pt;
	uint16_t hv_ids[IOMMU_MAX_HV_IDS];
	unsigned nhv_ids;
	unsigned unity;              /* IVMD unity ranges mapped */
	bool nmi_wired;              /* event interrupt as an NMI source */
	/* events.c, under its lock */
	uint64_t poll_interval;   /* TSC ticks (next due: iommu_poll_due_tsc) */
	struct iommu_faults faults;
	uint64_t logged;
};

extern struct iommu_state iommu;

int iommu_nmi_source_add(void);
void iommu_restart_event_log(struct iommu_unit *u);
uint64_t iommu_reg(const struct iommu_unit *u, unsigned reg);
void iommu_set_reg(struct iommu_unit *u, unsigned reg, uint64_t v);

#endif

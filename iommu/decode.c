/*
 * iommu/decode.c - event log entries (AMD IOMMU spec 48882, 2.5.2). Pure.
 */
#include "iommu/iommu.h"
#include "lib/lib.h"

#define EVF_GN BIT(0)          /* dword 1 bit 16, relative to bit 16 */
#define EVF_NX BIT(1)
#define EVF_PR BIT(4)
#define EVF_RW BIT(5)
#define EVF_TR BIT(8)

void iommu_event_decode(const uint32_t raw[4], struct iommu_event *ev)
{
	ev->code = (uint8_t)(raw[1] >> 28);
	ev->devid = (uint16_t)raw[0];
	ev->flags = (raw[1] >> 16) & 0xFFF;
	ev->addr = (uint64_t)raw[2] | (uint64_t)raw[3] << 32;
	/* RW (2.5.2, IO_PAGE_FAULT): 1 = write. QEMU 7.2 instead puts the
	 * access it checked in bits 16-17 (1 read, 2 write), where hardware
	 * has GN and NX, which only PASID-tagged requests set and no entry
	 * of ours enables: NX alone is read as a write. */
	ev->write = (ev->flags & EVF_RW) ||
		    (ev->flags & (EVF_GN | EVF_NX)) == EVF_NX;
}

uint64_t iommu_faults_add(struct iommu_faults *f, const struct iommu_event *ev)
{
	uint64_t page = ev->addr & ~0xFFFull;
	unsigned i;

	f->by_code[ev->code & 15]++;
	if (ev->code != EVT_IO_PAGE_FAULT)
		return 0;
	if (ev->write)
		f->writes++;
	else
		f->reads++;
	for (i = 0; i < f->nkinds; i++)
		if (f->kinds[i].devid == ev->devid && f->kinds[i].page == page &&
		    f->kinds[i].write == ev->write)
			return ++f->kinds[i].count;
	if (i == IOMMU_MAX_FAULT_KINDS)
		return ++f->other;
	f->kinds[i] = (struct iommu_fault_kind){ ev->devid, ev->write, page, 1 };
	f->nkinds++;
	return 1;
}

const char *iommu_event_name(uint8_t code)
{
	static const char *const names[] = {
		[EVT_ILLEGAL_DEV_TABLE_ENTRY] = "ILLEGAL_DEV_TABLE_ENTRY",
		[EVT_IO_PAGE_FAULT] = "IO_PAGE_FAULT",
		[EVT_DEV_TAB_HW_ERROR] = "DEV_TAB_HARDWARE_ERROR",
		[EVT_PAGE_TAB_HW_ERROR] = "PAGE_TAB_HARDWARE_ERROR",
		[EVT_ILLEGAL_COMMAND] = "ILLEGAL_COMMAND_ERROR",
		[EVT_COMMAND_HW_ERROR] = "COMMAND_HARDWARE_ERROR",
		[EVT_IOTLB_INV_TIMEOUT] = "IOTLB_INV_TIMEOUT",
		[EVT_INVALID_DEVICE_REQUEST] = "INVALID_DEVICE_REQUEST",
	};

	return code < ARRAY_SIZE(names) && names[code] ? names[code] : "event";
}

bool iommu_evt_pending(uint64_t status, uint32_t head, uint32_t tail,
		       bool tail_quirk, uint32_t head_dword1)
{
	if (status & (IOMMU_STATUS_EVT_OVERFLOW | IOMMU_STATUS_EVT_LOG_INT))
		return true;
	if (tail_quirk)
		return (head_dword1 >> 28) != 0;
	return head != tail;
}

void iommu_msi_nmi(uint8_t apic_id, uint32_t *addr, uint32_t *data)
{
	/* Physical destination, no redirection hint; edge, NMI (the vector
	 * is ignored for NMI delivery). */
	*addr = 0xFEE00000u | (uint32_t)apic_id << 12;
	*data = IOMMU_MSI_DATA_NMI;
}

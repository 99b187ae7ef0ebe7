/*
 * net/virtio_net.c - virtio-net over the modern virtio 1.0 PCI transport
 * (Virtio 1.0, 4.1: device 1AF4:1041, its structures found through vendor
 * capabilities), one receive and one transmit queue, the receive queue's
 * MSI-X vector an NMI to the boot CPU. Features: VERSION_1 and MAC (and
 * STATUS for the link when offered); no offloads, no mergeable buffers.
 */
#include "net/nic.h"
#include "net/virtio_ring.h"
#include "mm/mm.h"
#include "smp/smp.h"
#include "lib/lib.h"

/* Vendor capability (Virtio 1.0, 4.1.4) */
#define VCAP_TYPE        3
#define VCAP_BAR         4
#define VCAP_OFFSET      8
#define VCAP_LENGTH      12
#define VCAP_NOTIFY_MULT 16
#define VCAP_COMMON      1
#define VCAP_NOTIFY      2
#define VCAP_ISR         3
#define VCAP_DEVICE      4

/* Common configuration (Virtio 1.0, 4.1.4.3) */
#define CC_DFSELECT      0x00
#define CC_DF            0x04
#define CC_GFSELECT      0x08
#define CC_GF            0x0C
#define CC_MSIX_CONFIG   0x10
#define CC_STATUS        0x14
#define CC_Q_SELECT      0x16
#define CC_Q_SIZE        0x18
#define CC_Q_MSIX        0x1A
#define CC_Q_ENABLE      0x1C
#define CC_Q_NOTIFY_OFF  0x1E
#define CC_Q_DESC        0x20
#define CC_Q_DRIVER      0x28
#define CC_Q_DEVICE      0x30

#define ST_ACK           1
#define ST_DRIVER        2
#define ST_DRIVER_OK     4
#define ST_FEATURES_OK   8
#define NO_VECTOR        0xFFFF

#define F_MAC            5           /* 5.1.3 */
#define F_STATUS         16
#define F_VERSION_1      32          /* 6 */
#define NET_S_LINK_UP    1

struct vnet {
	volatile uint8_t *common, *notify, *isr, *device;
	uint32_t notify_mult;
	uint16_t notify_off[2];
	bool has_status;
	struct vq rx, tx;
	struct dma_block mem[2], buf[2];
};

static struct vnet vn;

static bool vn_match(const struct pci_dev *d)
{
	/* 1041: modern; 1000: transitional network device, which offers
	 * the modern interface too (4.1.2.1; without it find_caps fails). */
	return d->vendor == 0x1AF4 && (d->device == 0x1041 || d->device == 0x1000);
}

static volatile uint8_t *map_cap(const struct pci_dev *d, unsigned cap)
{
	const struct pci_cfg *c = pci_machine();
	uint8_t bar = pci_read8(c, d->addr, cap + VCAP_BAR);
	uint32_t off = pci_read32(c, d->addr, cap + VCAP_OFFSET);
	uint32_t len = pci_read32(c, d->addr, cap + VCAP_LENGTH);
	const struct pci_bar *b;

	if (bar >= d->nbars)
		return NULL;
	b = &d->bar[bar];
	if ((b->kind != PCI_BAR_KIND_MEM32 && b->kind != PCI_BAR_KIND_MEM64) ||
	    !b->base || !len || (uint64_t)off + len > b->size)
		return NULL;
	return ioremap(b->base + off, len);
}

/* Find the structures: each type's first capability (4.1.4). */
static int find_caps(const struct pci_dev *d)
{
	const struct pci_cfg *c = pci_machine();
	uint8_t ptr = pci_read8(c, d->addr, PCI_CAP_PTR) & 0xFC;

	for (unsigned n = 0; ptr >= 0x40 && n < PCI_CAP_MAX; n++) {
		uint16_t hdr = pci_read16(c, d->addr, ptr);

		if ((hdr & 0xFF) == PCI_CAP_ID_VENDOR) {
			uint8_t type = pci_read8(c, d->addr, ptr + VCAP_TYPE);
			volatile uint8_t **slot =
				type == VCAP_COMMON ? &vn.common :
				type == VCAP_NOTIFY ? &vn.notify :
				type == VCAP_ISR ? &vn.isr :
				type == VCAP_DEVICE ? &vn.device : NULL;

			if (slot && !*slot) {
				*slot = map_cap(d, ptr);
				if (type == VCAP_NOTIFY)
					vn.notify_mult = pci_read32(c, d->addr,
						ptr + VCAP_NOTIFY_MULT);
			}
		}
		ptr = (uint8_t)(hdr >> 8) & 0xFC;
	}
	return vn.common && vn.notify && vn.isr && vn.device ? 0 : -1;
}

static uint8_t  c8(unsigned r)  { return *(volatile uint8_t *)(vn.common + r); }
static uint16_t c16(unsigned r) { return *(volatile uint16_t *)(vn.common + r); }
static uint32_t c32(unsigned r) { return *(volatile uint32_t *)(vn.common + r); }
static void w8(unsigned r, uint8_t v)   { *(volatile uint8_t *)(vn.common + r) = v; }
static void w16(unsigned r, uint16_t v) { *(volatile uint16_t *)(vn.common + r) = v; }
static void w32(unsigned r, uint32_t v) { *(volatile uint32_t *)(vn.common + r) = v; }
static void w64(unsigned r, uint64_t v)
{
	w32(r, (uint32_t)v);
	w32(r + 4, (uint32_t)(v >> 32));
}

static int setup_queue(unsigned idx, struct vq *q, uint16_t vector)
{
	uint16_t size;

	w16(CC_Q_SELECT, (uint16_t)idx);
	size = c16(CC_Q_SIZE);
	if (size < VQ_SIZE || (size & (size - 1))) {
		printk("net: virtio-net: queue %u size %u unusable\n", idx, size);
		return -1;
	}
	if (nic_dma_alloc(VQ_BYTES, &vn.mem[idx]) ||
	    nic_dma_alloc(VQ_SIZE * NIC_BUF_SIZE, &vn.buf[idx]))
		return -1;
	q->mem = vn.mem[idx].va;
	q->mem_pa = vn.mem[idx].pa.pa;
	q->buf = vn.buf[idx].va;
	q->buf_pa = vn.buf[idx].pa.pa;
	q->size = VQ_SIZE;
	w16(CC_Q_SIZE, VQ_SIZE);
	w64(CC_Q_DESC, q->mem_pa);
	w64(CC_Q_DRIVER, q->mem_pa + VQ_AVAIL_OFF);
	w64(CC_Q_DEVICE, q->mem_pa + VQ_USED_OFF);
	w16(CC_Q_MSIX, vector);
	if (vector != NO_VECTOR && c16(CC_Q_MSIX) != vector) {
		printk("net: virtio-net: queue %u refused its MSI-X vector\n", idx);
		return -1;
	}
	vn.notify_off[idx] = c16(CC_Q_NOTIFY_OFF);
	return 0;
}

static void kick(unsigned idx)
{
	*(volatile uint16_t *)(vn.notify +
		(uint64_t)vn.notify_off[idx] * vn.notify_mult) = (uint16_t)idx;
}

static int vn_msix(struct nic *nic)
{
	const struct pci_cfg *c = pci_machine();
	struct pci_msix_info mi;
	volatile void *table;

	if (pci_msix_info(c, &nic->pci, &mi))
		return -1;
	table = ioremap(nic->pci.bar[mi.bir].base + mi.offset,
			(uint64_t)mi.entries * PCI_MSIX_ENTRY_SIZE);
	if (!table)
		return -1;
	pci_msix_set(table, 0, MSI_ADDR_BASE | MSI_ADDR_DEST(cpus[0]->apic_id),
		     MSI_DATA_NMI);
	pci_msix_enable(c, &nic->pci);
	return 0;
}

static int vn_init(struct nic *nic)
{
	const struct pci_cfg *c = pci_machine();
	struct pci_dev *d = &nic->pci;
	uint64_t t0, features;
	bool msix;

	if (pci_size_bars(c, d) || find_caps(d)) {
		printk("net: virtio-net: virtio structures not found\n");
		return -1;
	}
	pci_claim_mmio(c, d->addr);      /* no I/O decode: pci.h */
	/* Reset and wait for it (4.1.4.3.1), then the handshake (3.1.1). */
	w8(CC_STATUS, 0);
	t0 = now_ns();
	while (c8(CC_STATUS))
		if (now_ns() - t0 > 100000000ull)
			return -1;
	w8(CC_STATUS, ST_ACK);
	w8(CC_STATUS, ST_ACK | ST_DRIVER);
	w32(CC_DFSELECT, 0);
	features = c32(CC_DF);
	w32(CC_DFSELECT, 1);
	features |= (uint64_t)c32(CC_DF) << 32;
	if (!(features & BIT(F_VERSION_1)) || !(features & BIT(F_MAC))) {
		printk("net: virtio-net: device lacks VERSION_1 or MAC\n");
		return -1;
	}
	vn.has_status = features & BIT(F_STATUS);
	features &= BIT(F_VERSION_1) | BIT(F_MAC) | BIT(F_STATUS);
	w32(CC_GFSELECT, 0);
	w32(CC_GF, (uint32_t)features);
	w32(CC_GFSELECT, 1);
	w32(CC_GF, (uint32_t)(features >> 32));
	w8(CC_STATUS, ST_ACK | ST_DRIVER | ST_FEATURES_OK);
	if (!(c8(CC_STATUS) & ST_FEATURES_OK)) {
		printk("net: virtio-net: features refused\n");
		return -1;
	}
	for (unsigned i = 0; i < 6; i++)
		nic->mac[i] = vn.device[i];
	/* MSI-X before the vectors are assigned to queues. */
	msix = vn_msix(nic) == 0;
	if (!msix)
		printk("net: virtio-net: no MSI-X; polled only\n");
	w16(CC_MSIX_CONFIG, NO_VECTOR);
	if (setup_queue(0, &vn.rx, msix ? 0 : NO_VECTOR) ||
	    setup_queue(1, &vn.tx, NO_VECTOR))
		return -1;
	vq_rx_init(&vn.rx);
	vq_tx_init(&vn.tx);
	w16(CC_Q_SELECT, 0);
	w16(CC_Q_ENABLE, 1);
	w16(CC_Q_SELECT, 1);
	w16(CC_Q_ENABLE, 1);
	w8(CC_STATUS, ST_ACK | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK);
	kick(0);
	nic->priv = &vn;
	return 0;
}

static bool vn_rx_pending(struct nic *nic)
{
	return vq_pending(&vn.rx);
}

static unsigned vn_rx(struct nic *nic, nic_deliver_fn deliver, unsigned budget)
{
	bool notify;
	unsigned n = vq_rx_collect(&vn.rx, nic, deliver, budget, &notify);

	if (notify)
		kick(0);
	return n;
}

static int vn_tx(struct nic *nic, const void *frame, size_t len)
{
	vq_tx_reclaim(&vn.tx, nic);
	if (vq_tx_put(&vn.tx, nic, frame, len))
		return -1;
	kick(1);
	return 0;
}

static bool vn_link_up(struct nic *nic)
{
	if (!vn.has_status)
		return true;
	return *(volatile uint16_t *)(vn.device + 6) & NET_S_LINK_UP;
}

static void vn_ack(struct nic *nic)
{
	/* With MSI-X the ISR status is not used (4.1.4.5); nothing to do. */
}

const struct nic_ops virtio_net_ops = {
	.name = "virtio-net",
	.match = vn_match,
	.init = vn_init,
	.rx_pending = vn_rx_pending,
	.rx = vn_rx,
	.tx = vn_tx,
	.link_up = vn_link_up,
	.ack = vn_ack,
};

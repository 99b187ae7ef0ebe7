/*
 * net/e1000e.c - Intel 82574L (QEMU's e1000e, q35's default NIC): reset,
 * MAC address, legacy descriptor rings, link state, and its interrupt as
 * an MSI in NMI delivery mode to the boot CPU. Register offsets and bits:
 * Intel 82574 GbE Controller Family datasheet, chapter 10 (cited per
 * register). Checksum offload, VLANs and jumbo frames stay off.
 */
#include "net/nic.h"
#include "net/e1000e_ring.h"
#include "mm/mm.h"
#include "smp/smp.h"
#include "lib/lib.h"

#define E1K_CTRL      0x0000      /* 10.2.2.1 */
#define   CTRL_SLU      BIT(6)
#define   CTRL_RST      BIT(26)
#define E1K_STATUS    0x0008      /* 10.2.2.2 */
#define   STATUS_LU     BIT(1)
#define E1K_ICR       0x00C0      /* 10.2.4.1, read clears */
#define E1K_ITR       0x00C4      /* 10.2.4.2, in 256 ns units */
#define   E1K_ITR_500US 1953      /* at most 2000 interrupts/s: a flood costs the guest less */
#define   E1K_ITR_MS    3906      /* 1 ms; flood mode (nic.h) spaces them N ms */
#define E1K_IMS       0x00D0
#define E1K_IMC       0x00D8
#define   INT_LSC       BIT(2)
#define   INT_RXDMT0    BIT(4)
#define   INT_RXO       BIT(6)
#define   INT_RXT0      BIT(7)
#define E1K_RCTL      0x0100      /* 10.2.5.1 */
#define   RCTL_EN       BIT(1)
#define   RCTL_BAM      BIT(15)
#define   RCTL_SECRC    BIT(26)   /* BSIZE 00 = 2048 bytes */
#define E1K_TCTL      0x0400      /* 10.2.6.1 */
#define   TCTL_EN       BIT(1)
#define   TCTL_PSP      BIT(3)
#define   TCTL_CT       (0x0Fu << 4)
#define   TCTL_COLD     (0x3Fu << 12)
#define E1K_TIPG      0x0410
#define   TIPG_DEFAULT  0x00602008u   /* 10.2.6.2 */
#define E1K_RDBAL     0x2800      /* 10.2.5.x */
#define E1K_RDBAH     0x2804
#define E1K_RDLEN     0x2808
#define E1K_RDH       0x2810
#define E1K_RDT       0x2818
#define E1K_RFCTL     0x5008
#define E1K_MTA       0x5200      /* 128 registers */
#define E1K_RAL0      0x5400
#define E1K_RAH0      0x5404
#define   RAH_AV        BIT(31)
#define E1K_TDBAL     0x3800      /* 10.2.6.x */
#define E1K_TDBAH     0x3804
#define E1K_TDLEN     0x3808
#define E1K_TDH       0x3810
#define E1K_TDT       0x3818
#define E1K_REGS_MIN  0x20000     /* BAR0 size, 10.1 */

struct e1k {
	volatile uint8_t *regs;
	struct e1k_ring rx, tx;
	struct dma_block rx_desc, rx_buf, tx_desc, tx_buf;
};

static struct e1k e1k;

static uint32_t rd(unsigned reg)
{
	return *(volatile uint32_t *)(e1k.regs + reg);
}

static void wr(unsigned reg, uint32_t v)
{
	*(volatile uint32_t *)(e1k.regs + reg) = v;
}

static bool e1k_match(const struct pci_dev *d)
{
	return d->vendor == 0x8086 && d->device == 0x10D3;   /* 82574L */
}

static int setup_ring(struct e1k_ring *r, unsigned n, struct dma_block *desc,
		      struct dma_block *buf)
{
	if (nic_dma_alloc(n * 16, desc) || nic_dma_alloc(n * NIC_BUF_SIZE, buf))
		return -1;
	r->desc = desc->va;
	r->desc_pa = desc->pa.pa;
	r->buf = buf->va;
	r->buf_pa = buf->pa.pa;
	r->n = n;
	return 0;
}

static int e1k_init(struct nic *nic)
{
	const struct pci_cfg *c = pci_machine();
	struct pci_dev *d = &nic->pci;
	uint64_t t0, ral, rah;

	if (pci_size_bars(c, d) || d->bar[0].kind == PCI_BAR_KIND_IO ||
	    d->bar[0].kind == PCI_BAR_NONE || d->bar[0].size < E1K_REGS_MIN ||
	    !d->bar[0].base) {
		printk("net: e1000e: BAR0 unusable\n");
		return -1;
	}
	e1k.regs = ioremap(d->bar[0].base, E1K_REGS_MIN);
	if (!e1k.regs)
		return -1;
	pci_claim_mmio(c, d->addr);      /* no I/O decode: pci.h */

	/* Reset (10.2.2.1: RST self-clears within 1 us of the write; give
	 * it 20 ms), interrupts masked before and after. */
	wr(E1K_IMC, 0xFFFFFFFFu);
	wr(E1K_CTRL, rd(E1K_CTRL) | CTRL_RST);
	t0 = now_ns();
	while (rd(E1K_CTRL) & CTRL_RST)
		if (now_ns() - t0 > 20000000ull) {
			printk("net: e1000e: reset did not complete\n");
			return -1;
		}
	wr(E1K_IMC, 0xFFFFFFFFu);
	(void)rd(E1K_ICR);
	wr(E1K_CTRL, rd(E1K_CTRL) | CTRL_SLU);

	/* The MAC address the EEPROM loaded into receive address 0. */
	ral = rd(E1K_RAL0);
	rah = rd(E1K_RAH0);
	if (!(rah & RAH_AV) || (ral & 1)) {
		printk("net: e1000e: no valid MAC address in RAL0/RAH0\n");
		return -1;
	}
	for (unsigned i = 0; i < 4; i++)
		nic->mac[i] = (uint8_t)(ral >> (8 * i));
	nic->mac[4] = (uint8_t)rah;
	nic->mac[5] = (uint8_t)(rah >> 8);
	for (unsigned i = 0; i < 128; i++)
		wr(E1K_MTA + 4 * i, 0);

	if (setup_ring(&e1k.rx, E1K_RX_DESCS, &e1k.rx_desc, &e1k.rx_buf) ||
	    setup_ring(&e1k.tx, E1K_TX_DESCS, &e1k.tx_desc, &e1k.tx_buf)) {
		printk("net: e1000e: no memory for rings\n");
		return -1;
	}
	wr(E1K_RFCTL, 0);              /* legacy receive descriptors */
	wr(E1K_RDBAL, (uint32_t)e1k.rx.desc_pa);
	wr(E1K_RDBAH, (uint32_t)(e1k.rx.desc_pa >> 32));
	wr(E1K_RDLEN, E1K_RX_DESCS * 16);
	wr(E1K_RDH, 0);
	wr(E1K_RDT, e1k_rx_init(&e1k.rx));
	wr(E1K_RCTL, RCTL_EN | RCTL_BAM | RCTL_SECRC);

	e1k_tx_init(&e1k.tx);
	wr(E1K_TDBAL, (uint32_t)e1k.tx.desc_pa);
	wr(E1K_TDBAH, (uint32_t)(e1k.tx.desc_pa >> 32));
	wr(E1K_TDLEN, E1K_TX_DESCS * 16);
	wr(E1K_TDH, 0);
	wr(E1K_TDT, 0);
	wr(E1K_TIPG, TIPG_DEFAULT);
	wr(E1K_TCTL, TCTL_EN | TCTL_PSP | TCTL_CT | TCTL_COLD);

	/* The interrupt: one MSI, NMI to the boot CPU (PCI 3.0 6.8.1). */
	if (pci_msi_enable(c, d, MSI_ADDR_BASE | MSI_ADDR_DEST(cpus[0]->apic_id),
			   MSI_DATA_NMI)) {
		printk("net: e1000e: no MSI capability; polled only\n");
	}
	wr(E1K_ITR, E1K_ITR_500US);
	wr(E1K_IMS, INT_RXT0 | INT_RXO | INT_RXDMT0 | INT_LSC);
	nic->priv = &e1k;
	return 0;
}

static bool e1k_rx_pending_nmi(struct nic *nic)
{
	return e1k_rx_pending(&e1k.rx);
}

static unsigned e1k_rx(struct nic *nic, nic_deliver_fn deliver, unsigned budget)
{
	unsigned tail = 0, n;

	n = e1k_rx_collect(&e1k.rx, nic, deliver, budget, &tail);
	if (n)
		wr(E1K_RDT, tail);
	return n;
}

static int e1k_tx(struct nic *nic, const void *frame, size_t len)
{
	int tail;

	e1k_tx_reclaim(&e1k.tx, nic);
	tail = e1k_tx_put(&e1k.tx, nic, frame, len);
	if (tail < 0)
		return -1;
	wr(E1K_TDT, (uint32_t)tail);
	return 0;
}

static bool e1k_link_up(struct nic *nic)
{
	return rd(E1K_STATUS) & STATUS_LU;
}

static void e1k_ack(struct nic *nic)
{
	(void)rd(E1K_ICR);            /* read clears the causes */
}

/* 10.2.4.2: the minimum interval between interrupts, whatever the cause;
 * causes that come meanwhile wait for its end, none is lost. */
static void e1k_moderate(struct nic *nic, unsigned ms)
{
	uint32_t itr = ms ? ms * E1K_ITR_MS : E1K_ITR_500US;

	wr(E1K_ITR, MIN(itr, 0xFFFFu));        /* INTERVAL is bits 15:0 */
}

const struct nic_ops e1000e_ops = {
	.name = "e1000e",
	.match = e1k_match,
	.init = e1k_init,
	.rx_pending = e1k_rx_pending_nmi,
	.rx = e1k_rx,
	.tx = e1k_tx,
	.link_up = e1k_link_up,
	.ack = e1k_ack,
	.moderate = e1k_moderate,
};

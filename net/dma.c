/*
 * net/dma.c - memory a NIC reads and writes by physical address: frame
 * blocks under FRAME_TAG_NIC, zeroed and pinned for as long as the device
 * may use them (for the hypervisor's life: a NIC is never given back).
 * Every block is recorded so that the IOMMU can map exactly these for the
 * NIC (net_dma_ranges, docs/iommu.md "The hypervisor's own DMA").
 */
#include "net/nic.h"
#include "net/net.h"
#include "mm/mm.h"


/* The blocks handed out; under dma_lock (written at bring-up on the boot
 * CPU, read by iommu bring-up; the lock keeps the pair consistent). */
static struct spinlock dma_lock = SPINLOCK_INIT;
static struct net_hidden_range dma_blocks[NET_MAX_DMA];
static size_t ndma_blocks;

int nic_dma_alloc(size_t bytes, struct dma_block *b)
{
	unsigned order = 0;
	int rc = -1;

	while (FRAME_ORDER_BYTES(order) < bytes)
		order++;
	spin_lock(&dma_lock);
	if (ndma_blocks < NET_MAX_DMA &&
	    frame_alloc(order, FRAME_TAG_NIC, FRAME_ZERO, &b->pa) == MM_OK) {
		frame_pin(b->pa, order, FRAME_TAG_NIC);
		b->va = phys_to_virt(b->pa);
		b->order = order;
		dma_blocks[ndma_blocks++] = (struct net_hidden_range){
			b->pa.pa, FRAME_ORDER_BYTES(order) };
		rc = 0;
	}
	spin_unlock(&dma_lock);
	return rc;
}

size_t net_dma_ranges(struct net_hidden_range *r, size_t max)
{
	size_t n;

	spin_lock(&dma_lock);
	for (n = 0; n < ndma_blocks && n < max; n++)
		r[n] = dma_blocks[n];
	spin_unlock(&dma_lock);
	return n;
}

/*
 * net/dma.c - memory a NIC reads and writes by physical address: frame
 * blocks under FRAME_TAG_NIC, zeroed and pinned for as long as the device
 * may use them (for the hypervisor's life: a NIC is never given back).
 */
#include "net/nic.h"
#include "mm/mm.h"

int nic_dma_alloc(size_t bytes, struct dma_block *b)
{
	unsigned order = 0;

	while (FRAME_ORDER_BYTES(order) < bytes)
		order++;
	if (frame_alloc(order, FRAME_TAG_NIC, FRAME_ZERO, &b->pa) != MM_OK)
		return -1;
	frame_pin(b->pa, order, FRAME_TAG_NIC);
	b->va = phys_to_virt(b->pa);
	b->order = order;
	return 0;
}

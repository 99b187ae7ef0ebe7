/*
 * net/e1000e_ring.h - Intel 82574L descriptor rings, legacy format (82574
 * datasheet 7.1.4.1 receive, 7.2.10.1 transmit): the logic that reads what
 * the device wrote, host-tested against a simulated device. Nothing here
 * touches a register: the callers write the tail registers.
 *
 * The device may write anything into a descriptor (a broken or hostile
 * NIC, or a bug): the buffer address is never read back from a descriptor
 * (each slot's buffer is ours, rewritten on every refill), a length outside
 * [NIC_FRAME_MIN, NIC_FRAME_MAX] or a frame without EOP is dropped and
 * counted.
 */
#ifndef NET_E1000E_RING_H
#define NET_E1000E_RING_H

#include "net/nic.h"

struct e1k_rx_desc {
	uint64_t addr;
	uint16_t length;
	uint16_t csum;
	uint8_t status;
	uint8_t errors;
	uint16_t special;
} __attribute__((packed));
_Static_assert(sizeof(struct e1k_rx_desc) == 16, "82574 7.1.4.1");
_Static_assert(offsetof(struct e1k_rx_desc, status) == 12, "82574 7.1.4.1");

#define E1K_RXD_DD    BIT(0)
#define E1K_RXD_EOP   BIT(1)
/* errors: CE, SE, SEQ, CXE, RXE (82574 7.1.4.1; IPE/TCPE are offloads, off) */
#define E1K_RXE_FRAME (BIT(0) | BIT(1) | BIT(2) | BIT(4) | BIT(7))

struct e1k_tx_desc {
	uint64_t addr;
	uint16_t length;
	uint8_t cso;
	uint8_t cmd;
	uint8_t status;
	uint8_t css;
	uint16_t special;
} __attribute__((packed));
_Static_assert(sizeof(struct e1k_tx_desc) == 16, "82574 7.2.10.1");
_Static_assert(offsetof(struct e1k_tx_desc, cmd) == 11, "82574 7.2.10.1");

#define E1K_TXD_EOP   BIT(0)
#define E1K_TXD_IFCS  BIT(1)
#define E1K_TXD_RS    BIT(3)
#define E1K_TXD_DD    BIT(0)     /* status */

#define E1K_RX_DESCS  64
#define E1K_TX_DESCS  32

/* One ring: descriptors and one NIC_BUF_SIZE buffer per slot, each known
 * by its virtual and physical address. */
struct e1k_ring {
	volatile void *desc;
	uint64_t desc_pa;
	uint8_t *buf;              /* n * NIC_BUF_SIZE, contiguous */
	uint64_t buf_pa;
	unsigned n;
	unsigned next;             /* rx: next to read; tx: next to fill */
	unsigned clean;            /* tx: oldest not yet reclaimed */
	unsigned busy;             /* tx: slots in flight */
	bool skipping;             /* rx: dropping the rest of a frame without EOP */
};

/* e1k_rx_init - every slot owned by the device; returns the tail to
 * write (n - 1: one slot stays empty, 82574 7.1.4.3). */
unsigned e1k_rx_init(struct e1k_ring *r);

/* e1k_rx_pending - the next descriptor is done (NMI-safe: reads only). */
bool e1k_rx_pending(const struct e1k_ring *r);

/* e1k_rx_collect - deliver up to budget completed frames, refill their
 * slots; *tail gets the tail to write when anything was consumed. Returns
 * the descriptors consumed. */
unsigned e1k_rx_collect(struct e1k_ring *r, struct nic *nic,
			nic_deliver_fn deliver, unsigned budget, unsigned *tail);

void e1k_tx_init(struct e1k_ring *r);

/* e1k_tx_reclaim - take back slots the device reported done, in order. */
void e1k_tx_reclaim(struct e1k_ring *r, struct nic *nic);

/* e1k_tx_put - copy frame into the next slot; returns the new tail, or -1
 * (counted in nic->st) when the ring is full or the frame too long. */
int e1k_tx_put(struct e1k_ring *r, struct nic *nic, const void *frame,
	       size_t len);

#endif

/*
 * net/virtio_ring.h - split virtqueues (Virtio 1.0, 2.4) for virtio-net's
 * receive and transmit queues: the logic that reads what the device wrote,
 * host-tested against a simulated device. Slot i always uses descriptor i
 * and buffer i, both ours: ids and lengths from the used ring are checked
 * before use and a descriptor's address is never read back.
 */
#ifndef NET_VIRTIO_RING_H
#define NET_VIRTIO_RING_H

#include "net/nic.h"

struct vq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
} __attribute__((packed));
_Static_assert(sizeof(struct vq_desc) == 16, "Virtio 1.0, 2.4.5");
#define VQ_DESC_F_WRITE  BIT(1)      /* device writes the buffer */

struct vq_used_elem {
	uint32_t id;
	uint32_t len;
} __attribute__((packed));
_Static_assert(sizeof(struct vq_used_elem) == 8, "Virtio 1.0, 2.4.8");

#define VQ_SIZE        64            /* entries per queue (ours) */
/* virtio_net_hdr with VIRTIO_F_VERSION_1: 12 bytes (Virtio 1.0, 5.1.6) */
#define VNET_HDR_LEN   12

/* Layout in one zeroed block: descriptors, the driver ("avail") ring,
 * the device ("used") ring at a 4-byte boundary. */
#define VQ_AVAIL_OFF   (VQ_SIZE * 16)
#define VQ_USED_OFF    ALIGN_UP(VQ_AVAIL_OFF + 6 + 2 * VQ_SIZE, 4)
#define VQ_BYTES       (VQ_USED_OFF + 6 + 8 * VQ_SIZE)

struct vq {
	uint8_t *mem;                 /* VQ_BYTES */
	uint64_t mem_pa;
	uint8_t *buf;                 /* VQ_SIZE * NIC_BUF_SIZE */
	uint64_t buf_pa;
	uint16_t size;                /* entries used, <= VQ_SIZE, power of 2 */
	uint16_t avail_idx;           /* our next avail index */
	uint16_t last_used;           /* next used entry to read */
	uint16_t in_flight;           /* tx */
};

/* vq_rx_init - every buffer offered to the device (device-writable). */
void vq_rx_init(struct vq *q);
/* vq_pending - the device has used something we have not read (NMI-safe). */
bool vq_pending(const struct vq *q);
/* vq_rx_collect - deliver up to budget frames (header stripped), offer
 * their buffers again. Returns the used entries consumed; *notify says
 * whether buffers went back (the caller notifies the device). */
unsigned vq_rx_collect(struct vq *q, struct nic *nic, nic_deliver_fn deliver,
		       unsigned budget, bool *notify);
void vq_tx_init(struct vq *q);
/* vq_tx_reclaim - take back what the device has sent. */
void vq_tx_reclaim(struct vq *q, struct nic *nic);
/* vq_tx_put - header and frame into the next free slot and offer it;
 * 0 (then notify), or -1 counted (ring full, bad length). */
int vq_tx_put(struct vq *q, struct nic *nic, const void *frame, size_t len);

#endif

/*
 * net/virtio_ring.c - split virtqueues for virtio-net (virtio_ring.h).
 * Little-endian fields on a little-endian CPU: stored as they are.
 */
#include "net/virtio_ring.h"
#include "lib/lib.h"

static volatile struct vq_desc *desc(const struct vq *q, unsigned i)
{
	return (volatile struct vq_desc *)q->mem + i;
}

static volatile uint16_t *avail_idx(const struct vq *q)
{
	return (volatile uint16_t *)(q->mem + VQ_AVAIL_OFF + 2);
}

static volatile uint16_t *avail_ring(const struct vq *q, unsigned i)
{
	return (volatile uint16_t *)(q->mem + VQ_AVAIL_OFF + 4) + i;
}

static volatile uint16_t *used_idx(const struct vq *q)
{
	return (volatile uint16_t *)(q->mem + VQ_USED_OFF + 2);
}

static volatile struct vq_used_elem *used_elem(const struct vq *q, unsigned i)
{
	return (volatile struct vq_used_elem *)(q->mem + VQ_USED_OFF + 4) + i;
}

static void offer(struct vq *q, uint16_t slot, uint32_t len, uint16_t flags)
{
	volatile struct vq_desc *d = desc(q, slot);

	d->addr = q->buf_pa + (uint64_t)slot * NIC_BUF_SIZE;
	d->len = len;
	d->flags = flags;
	d->next = 0;
	*avail_ring(q, q->avail_idx % q->size) = slot;
	q->avail_idx++;
}

static void publish(struct vq *q)
{
	/* The ring entries before the index (Virtio 1.0, 2.4.7.2). */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	*avail_idx(q) = q->avail_idx;
}

void vq_rx_init(struct vq *q)
{
	q->avail_idx = q->last_used = q->in_flight = 0;
	for (uint16_t i = 0; i < q->size; i++)
		offer(q, i, NIC_BUF_SIZE, VQ_DESC_F_WRITE);
	publish(q);
}

bool vq_pending(const struct vq *q)
{
	return q->mem && *used_idx(q) != q->last_used;
}

unsigned vq_rx_collect(struct vq *q, struct nic *nic, nic_deliver_fn deliver,
		       unsigned budget, bool *notify)
{
	uint16_t now = *used_idx(q);
	unsigned done = 0;

	*notify = false;
	if ((uint16_t)(now - q->last_used) > q->size) {
		/* More used than we ever offered: a broken device. Skip to
		 * its index; our buffers stay where they are. */
		nic->st.rx_bad++;
		q->last_used = now;
		return 0;
	}
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	while (q->last_used != now && done < budget) {
		volatile struct vq_used_elem *e = used_elem(q, q->last_used % q->size);
		uint32_t id = e->id, len = e->len;

		q->last_used++;
		done++;
		if (id >= q->size) {
			nic->st.rx_bad++;           /* not a slot: nothing to give back */
			continue;
		}
		if (len < VNET_HDR_LEN + NIC_FRAME_MIN ||
		    len > VNET_HDR_LEN + NIC_FRAME_MAX) {
			nic->st.rx_bad++;
		} else {
			nic->st.rx_packets++;
			nic->st.rx_bytes += len - VNET_HDR_LEN;
			deliver(nic, q->buf + (size_t)id * NIC_BUF_SIZE + VNET_HDR_LEN,
				len - VNET_HDR_LEN);
		}
		offer(q, (uint16_t)id, NIC_BUF_SIZE, VQ_DESC_F_WRITE);
		*notify = true;
	}
	if (*notify)
		publish(q);
	return done;
}

void vq_tx_init(struct vq *q)
{
	q->avail_idx = q->last_used = q->in_flight = 0;
	publish(q);
}

void vq_tx_reclaim(struct vq *q, struct nic *nic)
{
	uint16_t now = *used_idx(q);
	uint16_t n = (uint16_t)(now - q->last_used);

	/* Only what is in flight can come back; a device that claims more
	 * is believed up to that. */
	if (n > q->in_flight) {
		nic->st.tx_errors++;
		n = q->in_flight;
	}
	q->last_used = (uint16_t)(q->last_used + n);
	q->in_flight = (uint16_t)(q->in_flight - n);
}

int vq_tx_put(struct vq *q, struct nic *nic, const void *frame, size_t len)
{
	uint16_t slot;

	if (len < NIC_FRAME_MIN || len > NIC_FRAME_MAX || q->in_flight >= q->size) {
		nic->st.tx_dropped++;
		return -1;
	}
	/* Slots go round in order; the oldest in flight is freed first
	 * (virtio-net completes transmit buffers in order). */
	slot = q->avail_idx % q->size;
	memset(q->buf + (size_t)slot * NIC_BUF_SIZE, 0, VNET_HDR_LEN);
	memcpy(q->buf + (size_t)slot * NIC_BUF_SIZE + VNET_HDR_LEN, frame, len);
	offer(q, slot, (uint32_t)(VNET_HDR_LEN + len), 0);
	publish(q);
	q->in_flight++;
	nic->st.tx_packets++;
	nic->st.tx_bytes += len;
	return 0;
}

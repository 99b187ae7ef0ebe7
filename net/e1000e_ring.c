/*
 * net/e1000e_ring.c - 82574L legacy descriptor rings (e1000e_ring.h).
 */
#include "net/e1000e_ring.h"
#include "lib/lib.h"

static volatile struct e1k_rx_desc *rxd(const struct e1k_ring *r, unsigned i)
{
	return (volatile struct e1k_rx_desc *)r->desc + i;
}

static volatile struct e1k_tx_desc *txd(const struct e1k_ring *r, unsigned i)
{
	return (volatile struct e1k_tx_desc *)r->desc + i;
}

/* Give slot i back to the device with our own buffer address. */
static void rx_refill(struct e1k_ring *r, unsigned i)
{
	volatile struct e1k_rx_desc *d = rxd(r, i);

	d->addr = r->buf_pa + (uint64_t)i * NIC_BUF_SIZE;
	d->length = 0;
	d->errors = 0;
	d->special = 0;
	d->csum = 0;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	d->status = 0;
}

unsigned e1k_rx_init(struct e1k_ring *r)
{
	for (unsigned i = 0; i < r->n; i++)
		rx_refill(r, i);
	r->next = 0;
	r->skipping = false;
	return r->n - 1;
}

bool e1k_rx_pending(const struct e1k_ring *r)
{
	return r->desc && (rxd(r, r->next)->status & E1K_RXD_DD);
}

unsigned e1k_rx_collect(struct e1k_ring *r, struct nic *nic,
			nic_deliver_fn deliver, unsigned budget, unsigned *tail)
{
	unsigned done = 0;

	while (done < budget) {
		unsigned i = r->next;
		volatile struct e1k_rx_desc *d = rxd(r, i);
		uint8_t status = d->status, errors;
		uint16_t len;

		if (!(status & E1K_RXD_DD))
			break;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		len = d->length;
		errors = d->errors;
		/* Check, then act: the whole descriptor first. */
		if (!(status & E1K_RXD_EOP)) {
			/* Our buffers hold any frame we accept: a frame
			 * spanning descriptors is one we refuse (to its EOP). */
			if (!r->skipping)
				nic->st.rx_bad++;
			r->skipping = true;
		} else if (r->skipping) {
			r->skipping = false;          /* its last piece */
		} else if (errors & E1K_RXE_FRAME) {
			nic->st.rx_errors++;
		} else if (len < NIC_FRAME_MIN || len > NIC_FRAME_MAX) {
			nic->st.rx_bad++;
		} else {
			nic->st.rx_packets++;
			nic->st.rx_bytes += len;
			deliver(nic, r->buf + (size_t)i * NIC_BUF_SIZE, len);
		}
		rx_refill(r, i);
		*tail = i;
		r->next = (i + 1) % r->n;
		done++;
	}
	return done;
}

void e1k_tx_init(struct e1k_ring *r)
{
	for (unsigned i = 0; i < r->n; i++) {
		volatile struct e1k_tx_desc *d = txd(r, i);

		d->addr = r->buf_pa + (uint64_t)i * NIC_BUF_SIZE;
		d->length = 0;
		d->cmd = 0;
		d->status = E1K_TXD_DD;
	}
	r->next = r->clean = r->busy = 0;
}

void e1k_tx_reclaim(struct e1k_ring *r, struct nic *nic)
{
	while (r->busy && (txd(r, r->clean)->status & E1K_TXD_DD)) {
		r->clean = (r->clean + 1) % r->n;
		r->busy--;
	}
}

int e1k_tx_put(struct e1k_ring *r, struct nic *nic, const void *frame,
	       size_t len)
{
	volatile struct e1k_tx_desc *d;
	unsigned i = r->next;

	if (len < NIC_FRAME_MIN || len > NIC_FRAME_MAX ||
	    r->busy >= r->n - 1) {
		nic->st.tx_dropped++;
		return -1;
	}
	memcpy(r->buf + (size_t)i * NIC_BUF_SIZE, frame, len);
	d = txd(r, i);
	d->addr = r->buf_pa + (uint64_t)i * NIC_BUF_SIZE;
	d->length = (uint16_t)len;
	d->cso = 0;
	d->css = 0;
	d->special = 0;
	d->status = 0;
	d->cmd = E1K_TXD_EOP | E1K_TXD_IFCS | E1K_TXD_RS;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	r->next = (i + 1) % r->n;
	r->busy++;
	nic->st.tx_packets++;
	nic->st.tx_bytes += len;
	return (int)r->next;
}

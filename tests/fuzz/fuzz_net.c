/*
 * tests/fuzz/fuzz_net.c - what a NIC and the network hand the hypervisor:
 * receive descriptors written by a device (each 16-byte piece of the input
 * becomes the next descriptor, DD set) and UDP console requests (the whole
 * input, then its reply framing). Invariants: a delivered frame lies in
 * our buffers with a sane length, every slot gets our own buffer address
 * back, a reply reassembles to itself.
 */
#include <stdlib.h>
#include <string.h>

#include "net/e1000e_ring.h"
#include "net/ucon.h"
#include "net/virtio_ring.h"

#define PA 0x10000000ull

static struct e1k_rx_desc desc[E1K_RX_DESCS];
static uint8_t buf[E1K_RX_DESCS * NIC_BUF_SIZE];
static uint8_t vmem[VQ_BYTES];
static uint8_t vbuf[VQ_SIZE * NIC_BUF_SIZE];

static void deliver(struct nic *n, const void *frame, size_t len)
{
	const uint8_t *f = frame;

	if (((f < buf || f + len > buf + sizeof(buf)) &&
	     (f < vbuf || f + len > vbuf + sizeof(vbuf))) ||
	    len < NIC_FRAME_MIN || len > NIC_FRAME_MAX)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char reply[3 * UCON_CHUNK], out[UCON_HDR_MAX + UCON_CHUNK];
	struct e1k_ring r = { desc, PA, buf, PA + 0x100000, E1K_RX_DESCS,
			      0, 0, 0, false };
	struct nic nic = { 0 };
	unsigned tail = 0;
	size_t len, got = 0;

	e1k_rx_init(&r);
	for (size_t off = 0; off + 16 <= size; off += 16) {
		unsigned i = r.next;

		memcpy(&desc[i], data + off, 16);
		desc[i].status |= E1K_RXD_DD;
		if (e1k_rx_collect(&r, &nic, deliver, 1, &tail) != 1 ||
		    desc[i].addr != r.buf_pa + (uint64_t)i * NIC_BUF_SIZE ||
		    desc[i].status || tail != i)
			abort();
	}
	/* virtio: each 8-byte piece a used-ring entry, every fourth piece's
	 * first two bytes also the used index the device claims */
	{
		struct vq q = { vmem, PA, vbuf, PA + 0x200000, VQ_SIZE, 0, 0, 0 };
		uint16_t *uidx = (uint16_t *)(vmem + VQ_USED_OFF + 2);
		bool notify;

		memset(vmem, 0, sizeof(vmem));
		vq_rx_init(&q);
		for (size_t off = 0; off + 8 <= size; off += 8) {
			memcpy(vmem + VQ_USED_OFF + 4 + 8 * (*uidx % VQ_SIZE),
			       data + off, 8);
			if ((off / 8) % 4 == 3)
				memcpy(uidx, data + off, 2);
			else
				(*uidx)++;
			vq_rx_collect(&q, &nic, deliver, VQ_SIZE, &notify);
			if (vq_pending(&q) && (uint16_t)(*uidx - q.last_used) <= VQ_SIZE &&
			    (uint16_t)(*uidx - q.last_used) > 0)
				abort();   /* budget VQ_SIZE drains what is sane */
		}
	}
	/* admission: the input as one frame, judged at times 0..3 ms; a
	 * verdict reads only the frame; shed counts the refusals. */
	{
		static struct admit a;
		uint64_t shed = 0;

		admit_init(&a, 4444, 0x1234, NULL);
		for (uint64_t t = 0; t < 4; t++)
			shed += !admit_frame(&a, data, size, t);
		if (shed != a.shed)
			abort();
	}
	ucon_check_request(data, size);
	len = size < sizeof(reply) ? size : sizeof(reply);
	memcpy(reply, data, len);
	for (unsigned i = 0; i < ucon_chunks(len); i++) {
		size_t l = ucon_chunk(reply, len, i, out);
		const char *nl = memchr(out, '\n', l);

		if (!l || !nl || l > sizeof(out))
			abort();
		got += l - (size_t)(nl + 1 - out);
	}
	if (got != len)
		abort();
	return 0;
}

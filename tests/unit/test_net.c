/*
 * tests/unit/test_net.c - the 82574L ring logic against a simulated device
 * (well-behaved, then one that writes garbage into descriptors), the UDP
 * console's request check and reply framing, address parsing.
 */
#include "test.h"
#include "net/e1000e_ring.h"
#include "net/ucon.h"
#include "net/net.h"

#include <stdlib.h>

#define FAKE_PA 0x40000000ull   /* where the "device" believes the memory is */

static struct e1k_rx_desc rx_desc[E1K_RX_DESCS];
static struct e1k_tx_desc tx_desc[E1K_TX_DESCS];
static uint8_t rx_buf[E1K_RX_DESCS * NIC_BUF_SIZE];
static uint8_t tx_buf[E1K_TX_DESCS * NIC_BUF_SIZE];
static struct nic nic;
static struct e1k_ring rx, tx;
static uint8_t vq_buf[64 * NIC_BUF_SIZE];

/* What was delivered. */
static unsigned ndelivered;
static size_t last_len;
static uint8_t last_first;

static void deliver(struct nic *n, const void *frame, size_t len)
{
	const uint8_t *f = frame;

	/* Within our buffers (the e1000e ring's or the virtqueue's), always,
	 * and of a sane length. */
	if ((f < rx_buf || f + len > rx_buf + sizeof(rx_buf)) &&
	    (f < vq_buf || f + len > vq_buf + sizeof(vq_buf)))
		abort();
	if (len < NIC_FRAME_MIN || len > NIC_FRAME_MAX)
		abort();
	ndelivered++;
	last_len = len;
	last_first = f[0];
}

static void setup(void)
{
	memset(&nic, 0, sizeof(nic));
	memset(&rx, 0, sizeof(rx));
	memset(&tx, 0, sizeof(tx));
	rx = (struct e1k_ring){ rx_desc, FAKE_PA, rx_buf, FAKE_PA + 0x10000,
				E1K_RX_DESCS, 0, 0, 0, false };
	tx = (struct e1k_ring){ tx_desc, FAKE_PA + 0x1000, tx_buf,
				FAKE_PA + 0x100000, E1K_TX_DESCS, 0, 0, 0, false };
	ndelivered = 0;
}

/* The simulated device receives a frame into slot i: DMA to the address
 * the descriptor names (which must be ours), then write back. */
static void dev_receive(unsigned i, const uint8_t *frame, uint16_t len,
			uint8_t status, uint8_t errors)
{
	uint64_t off = rx_desc[i].addr - rx.buf_pa;

	if (rx_desc[i].addr < rx.buf_pa || off + NIC_BUF_SIZE > sizeof(rx_buf) ||
	    off % NIC_BUF_SIZE)
		abort();   /* the driver gave the device a bad address */
	memcpy(rx_buf + off, frame, len < NIC_BUF_SIZE ? len : NIC_BUF_SIZE);
	rx_desc[i].length = len;
	rx_desc[i].errors = errors;
	rx_desc[i].status = status;
}

TEST(e1k_rx_good_frames)
{
	uint8_t frame[60] = { 0xAA };
	unsigned tail = 99, n;

	setup();
	CHECK_EQ(e1k_rx_init(&rx), E1K_RX_DESCS - 1);
	CHECK_EQ(rx_desc[5].addr, rx.buf_pa + 5 * NIC_BUF_SIZE);
	CHECK(!e1k_rx_pending(&rx));
	for (unsigned i = 0; i < 3; i++) {
		frame[0] = (uint8_t)(0xA0 + i);
		dev_receive(i, frame, 60, E1K_RXD_DD | E1K_RXD_EOP, 0);
	}
	CHECK(e1k_rx_pending(&rx));
	n = e1k_rx_collect(&rx, &nic, deliver, 64, &tail);
	CHECK_EQ(n, 3);
	CHECK_EQ(tail, 2);
	CHECK_EQ(ndelivered, 3);
	CHECK_EQ(last_first, 0xA2);
	CHECK_EQ(nic.st.rx_packets, 3);
	CHECK_EQ(nic.st.rx_bytes, 180);
	CHECK_EQ(rx_desc[1].status, 0);       /* back to the device */
	CHECK(!e1k_rx_pending(&rx));
}

TEST(e1k_rx_wraps_and_budget)
{
	uint8_t frame[100] = { 0 };
	unsigned tail = 0, total = 0;

	setup();
	e1k_rx_init(&rx);
	/* three rounds over the ring, with a budget of 7 per collect */
	for (unsigned round = 0; round < 3 * E1K_RX_DESCS; round++) {
		dev_receive(round % E1K_RX_DESCS, frame, 100,
			    E1K_RXD_DD | E1K_RXD_EOP, 0);
		if (round % 7 == 6)
			total += e1k_rx_collect(&rx, &nic, deliver, 7, &tail);
	}
	while (e1k_rx_pending(&rx))
		total += e1k_rx_collect(&rx, &nic, deliver, 7, &tail);
	CHECK_EQ(total, 3 * E1K_RX_DESCS);
	CHECK_EQ(ndelivered, 3 * E1K_RX_DESCS);
	CHECK_EQ(tail, E1K_RX_DESCS - 1);
}

TEST(e1k_rx_bad_descriptors_dropped)
{
	static uint8_t frame[NIC_BUF_SIZE];
	unsigned tail = 0;

	setup();
	e1k_rx_init(&rx);
	dev_receive(0, frame, 10, E1K_RXD_DD | E1K_RXD_EOP, 0);       /* runt */
	dev_receive(1, frame, 1600, E1K_RXD_DD | E1K_RXD_EOP, 0);     /* too long */
	dev_receive(2, frame, 60, E1K_RXD_DD | E1K_RXD_EOP, BIT(0));  /* CRC error */
	dev_receive(3, frame, 2048, E1K_RXD_DD, 0);                   /* no EOP ... */
	dev_receive(4, frame, 100, E1K_RXD_DD, 0);                    /* ... still */
	dev_receive(5, frame, 64, E1K_RXD_DD | E1K_RXD_EOP, 0);       /* ... its end */
	dev_receive(6, frame, 64, E1K_RXD_DD | E1K_RXD_EOP, 0);       /* good */
	CHECK_EQ(e1k_rx_collect(&rx, &nic, deliver, 64, &tail), 7);
	CHECK_EQ(ndelivered, 1);
	CHECK_EQ(nic.st.rx_bad, 3);
	CHECK_EQ(nic.st.rx_errors, 1);
	CHECK_EQ(nic.st.rx_packets, 1);
}

/* A device that writes random bytes over whole descriptors, DD included:
 * nothing outside our buffers is ever delivered, every slot's address is
 * ours again after the refill, the counts add up. */
TEST(e1k_rx_garbage_device)
{
	unsigned tail = 0;
	uint64_t seen = 0;

	setup();
	e1k_rx_init(&rx);
	srand(7);
	for (unsigned round = 0; round < 20000; round++) {
		unsigned i = rx.next;
		uint8_t *d = (uint8_t *)&rx_desc[i];

		for (unsigned b = 0; b < sizeof(rx_desc[i]); b++)
			d[b] = (uint8_t)rand();
		rx_desc[i].status |= E1K_RXD_DD;
		seen += e1k_rx_collect(&rx, &nic, deliver, 1, &tail);
		CHECK_EQ(rx_desc[i].addr, rx.buf_pa + (uint64_t)i * NIC_BUF_SIZE);
		CHECK_EQ(rx_desc[i].status, 0);
	}
	CHECK_EQ(seen, 20000);
	/* every descriptor is a frame, an error, a bad one, or a piece of
	 * a frame without EOP (not counted again) */
	CHECK(nic.st.rx_packets + nic.st.rx_bad + nic.st.rx_errors <= seen);
	CHECK(nic.st.rx_packets > 0 && nic.st.rx_bad > 0);
	CHECK(last_len >= NIC_FRAME_MIN && last_len <= NIC_FRAME_MAX);
}

TEST(e1k_tx_ring)
{
	uint8_t frame[100];
	int t;

	setup();
	e1k_tx_init(&tx);
	memset(frame, 0x5A, sizeof(frame));
	t = e1k_tx_put(&tx, &nic, frame, 100);
	CHECK_EQ(t, 1);
	CHECK_EQ(tx_desc[0].length, 100);
	CHECK_EQ(tx_desc[0].addr, tx.buf_pa);
	CHECK_EQ(tx_desc[0].cmd, E1K_TXD_EOP | E1K_TXD_IFCS | E1K_TXD_RS);
	CHECK_EQ(tx_buf[99], 0x5A);
	/* too short, too long: dropped, counted */
	CHECK_EQ(e1k_tx_put(&tx, &nic, frame, 10), -1);
	CHECK_EQ(e1k_tx_put(&tx, &nic, frame, NIC_FRAME_MAX + 1), -1);
	CHECK_EQ(nic.st.tx_dropped, 2);
	/* fill: one slot stays empty */
	for (unsigned i = 1; i < E1K_TX_DESCS - 1; i++)
		CHECK(e1k_tx_put(&tx, &nic, frame, 60) >= 0);
	CHECK_EQ(e1k_tx_put(&tx, &nic, frame, 60), -1);
	CHECK_EQ(nic.st.tx_dropped, 3);
	/* the device completes the first five */
	for (unsigned i = 0; i < 5; i++)
		tx_desc[i].status = E1K_TXD_DD;
	e1k_tx_reclaim(&tx, &nic);
	CHECK_EQ(tx.busy, E1K_TX_DESCS - 1 - 5);
	CHECK(e1k_tx_put(&tx, &nic, frame, 60) >= 0);
	/* a device that sets DD out of order: reclaim stops at the first
	 * not done, never skips */
	tx_desc[7].status = E1K_TXD_DD;
	e1k_tx_reclaim(&tx, &nic);
	CHECK_EQ(tx.clean, 5);
}

TEST(ucon_requests)
{
	CHECK_EQ(ucon_check_request((const uint8_t *)"version", 7), 7);
	CHECK_EQ(ucon_check_request((const uint8_t *)"version\n", 8), 7);
	CHECK_EQ(ucon_check_request((const uint8_t *)"version\r\n", 9), 7);
	CHECK_EQ(ucon_check_request((const uint8_t *)"\n", 1), -1);
	CHECK_EQ(ucon_check_request((const uint8_t *)"", 0), -1);
	CHECK_EQ(ucon_check_request((const uint8_t *)"ver\0ion", 7), -1);
	CHECK_EQ(ucon_check_request((const uint8_t *)"v\x80", 2), -1);
	{
		uint8_t big[UCON_REQ_MAX + 1];
		memset(big, 'a', sizeof(big));
		CHECK_EQ(ucon_check_request(big, UCON_REQ_MAX), UCON_REQ_MAX);
		CHECK_EQ(ucon_check_request(big, UCON_REQ_MAX + 1), -1);
	}
	CHECK(ucon_allowed("version", 7));
	CHECK(ucon_allowed("net", 3));
	CHECK(!ucon_allowed("peek", 4));
	CHECK(!ucon_allowed("reboot", 6));
	CHECK(!ucon_allowed("pause", 5));
	CHECK(!ucon_allowed("regs", 4));
	CHECK(!ucon_allowed("versio", 6));
	CHECK(!ucon_allowed("versions", 8));
}

TEST(ucon_reply_split)
{
	static char reply[3 * UCON_CHUNK + 5], out[UCON_HDR_MAX + UCON_CHUNK];
	static char back[sizeof(reply)];
	size_t got = 0, l;
	unsigned n;

	for (size_t i = 0; i < sizeof(reply); i++)
		reply[i] = (char)('a' + i % 26);
	n = ucon_chunks(sizeof(reply));
	CHECK_EQ(n, 4);
	for (unsigned i = 0; i < n; i++) {
		char hdr[32];
		size_t h;

		l = ucon_chunk(reply, sizeof(reply), i, out);
		snprintf(hdr, sizeof(hdr), "hv %u/%u\n", i + 1, n);
		h = strlen(hdr);
		CHECK(l > h && l <= h + UCON_CHUNK);
		CHECK(memcmp(out, hdr, h) == 0);
		memcpy(back + got, out + h, l - h);
		got += l - h;
	}
	CHECK_EQ(got, sizeof(reply));
	CHECK(memcmp(back, reply, got) == 0);
	CHECK_EQ(ucon_chunk(reply, sizeof(reply), 4, out), 0);
	/* empty reply: one header-only datagram; exact multiple: no empty tail */
	CHECK_EQ(ucon_chunks(0), 1);
	CHECK_EQ(ucon_chunk(reply, 0, 0, out), 7);
	CHECK(memcmp(out, "hv 1/1\n", 7) == 0);
	CHECK_EQ(ucon_chunks(2 * UCON_CHUNK), 2);
	CHECK_EQ(ucon_chunks(2 * UCON_CHUNK + 1), 3);
	CHECK_EQ(ucon_chunks(UCON_REPLY_MAX), UCON_REPLY_MAX / UCON_CHUNK + 1);
}

TEST(net_ipv4_parse)
{
	uint32_t ip;
	uint8_t p;

	CHECK_EQ(net_parse_ipv4("10.0.2.15/24", 12, &ip, &p), 0);
	CHECK_EQ(ip, 0x0A00020F);
	CHECK_EQ(p, 24);
	CHECK_EQ(net_parse_ipv4("10.0.2.2", 8, &ip, NULL), 0);
	CHECK_EQ(ip, 0x0A000202);
	CHECK_EQ(net_parse_ipv4("255.255.255.255/32", 18, &ip, &p), 0);
	CHECK_EQ(net_parse_ipv4("10.0.2.2", 8, &ip, &p), -1);      /* prefix needed */
	CHECK_EQ(net_parse_ipv4("10.0.2.2/33", 11, &ip, &p), -1);
	CHECK_EQ(net_parse_ipv4("10.0.2.256", 10, &ip, NULL), -1);
	CHECK_EQ(net_parse_ipv4("10.0.2", 6, &ip, NULL), -1);
	CHECK_EQ(net_parse_ipv4("10.0.2.2.1", 10, &ip, NULL), -1);
	CHECK_EQ(net_parse_ipv4("10..2.2", 7, &ip, NULL), -1);
	CHECK_EQ(net_parse_ipv4("1000.0.2.2", 10, &ip, NULL), -1);
	CHECK_EQ(net_parse_ipv4("10.0.2.2/", 9, &ip, &p), -1);
	CHECK_EQ(net_prefix_len(0xFFFFFF00), 24);
	CHECK_EQ(net_prefix_len(0), 0);
	CHECK_EQ(net_prefix_len(0xFFFFFFFF), 32);
}

/* ---- virtio split virtqueues against a simulated device ----------------- */
#include "net/virtio_ring.h"

static uint8_t vq_mem[VQ_BYTES] __attribute__((aligned(16)));
_Static_assert(sizeof(vq_buf) == VQ_SIZE * NIC_BUF_SIZE, "vq_buf");
static struct vq q;
static uint16_t dev_avail_seen;      /* the device's view of avail */

static void vq_setup(void)
{
	memset(vq_mem, 0, sizeof(vq_mem));
	memset(&nic, 0, sizeof(nic));
	q = (struct vq){ vq_mem, FAKE_PA, vq_buf, FAKE_PA + 0x100000, VQ_SIZE,
			 0, 0, 0 };
	dev_avail_seen = 0;
	ndelivered = 0;
}

static uint16_t *v_avail_idx(void) { return (uint16_t *)(vq_mem + VQ_AVAIL_OFF + 2); }
static uint16_t *v_avail(unsigned i) { return (uint16_t *)(vq_mem + VQ_AVAIL_OFF + 4) + i; }
static uint16_t *v_used_idx(void) { return (uint16_t *)(vq_mem + VQ_USED_OFF + 2); }
static struct vq_used_elem *v_used(unsigned i)
{
	return (struct vq_used_elem *)(vq_mem + VQ_USED_OFF + 4) + i;
}

/* The device takes the next offered buffer, writes header + frame into
 * the address its descriptor names (which must be ours), returns it. */
static void vdev_receive(const uint8_t *frame, uint32_t len)
{
	uint16_t slot = *v_avail(dev_avail_seen++ % VQ_SIZE);
	struct vq_desc *d = (struct vq_desc *)vq_mem + slot;
	uint64_t off = d->addr - q.buf_pa;

	if (d->addr < q.buf_pa || off % NIC_BUF_SIZE || off >= sizeof(vq_buf) ||
	    !(d->flags & VQ_DESC_F_WRITE) || d->len != NIC_BUF_SIZE)
		abort();
	memset(vq_buf + off, 0, VNET_HDR_LEN);
	memcpy(vq_buf + off + VNET_HDR_LEN, frame, len);
	v_used(*v_used_idx() % VQ_SIZE)->id = slot;
	v_used(*v_used_idx() % VQ_SIZE)->len = VNET_HDR_LEN + len;
	(*v_used_idx())++;
}

TEST(vq_rx_good_frames_and_wrap)
{
	uint8_t frame[60] = { 0x11 };
	bool notify;
	unsigned total = 0;

	vq_setup();
	vq_rx_init(&q);
	CHECK_EQ(*v_avail_idx(), VQ_SIZE);
	CHECK(!vq_pending(&q));
	for (unsigned round = 0; round < 5 * VQ_SIZE; round++) {
		frame[0] = (uint8_t)round;
		vdev_receive(frame, 60);
		if (round % 5 == 4) {
			total += vq_rx_collect(&q, &nic, deliver, 64, &notify);
			CHECK(notify);
			CHECK_EQ(last_first, (uint8_t)round);
		}
	}
	CHECK_EQ(total, 5 * VQ_SIZE);
	CHECK_EQ(nic.st.rx_packets, 5 * VQ_SIZE);
	CHECK_EQ(last_len, 60);
	/* every buffer offered again */
	CHECK_EQ((uint16_t)(*v_avail_idx() - dev_avail_seen), VQ_SIZE);
}

TEST(vq_rx_garbage_used_ring)
{
	bool notify;

	vq_setup();
	vq_rx_init(&q);
	/* id out of range, length too short, too long: dropped, counted */
	v_used(0)->id = 9999;  v_used(0)->len = 100;
	v_used(1)->id = 3;     v_used(1)->len = 5;
	v_used(2)->id = 4;     v_used(2)->len = 5000;
	v_used(3)->id = 5;     v_used(3)->len = 100;
	*v_used_idx() = 4;
	CHECK_EQ(vq_rx_collect(&q, &nic, deliver, 64, &notify), 4);
	CHECK_EQ(nic.st.rx_bad, 3);
	CHECK_EQ(ndelivered, 1);
	/* a used index far beyond what was offered: refused, resynced */
	*v_used_idx() = 1000;
	CHECK_EQ(vq_rx_collect(&q, &nic, deliver, 64, &notify), 0);
	CHECK_EQ(nic.st.rx_bad, 4);
	CHECK(!vq_pending(&q));
	/* random used entries: whatever is delivered lies in our buffers */
	srand(3);
	for (unsigned r = 0; r < 5000; r++) {
		v_used(*v_used_idx() % VQ_SIZE)->id = (uint32_t)rand() % 80;
		v_used(*v_used_idx() % VQ_SIZE)->len = (uint32_t)rand() % 2100;
		(*v_used_idx())++;
		vq_rx_collect(&q, &nic, deliver, 64, &notify);
		CHECK(!vq_pending(&q));
	}
	CHECK(nic.st.rx_packets > 0);
}

TEST(vq_tx_ring)
{
	uint8_t frame[80];

	vq_setup();
	vq_tx_init(&q);
	memset(frame, 0x77, sizeof(frame));
	CHECK_EQ(vq_tx_put(&q, &nic, frame, 80), 0);
	CHECK_EQ(*v_avail_idx(), 1);
	CHECK_EQ(*v_avail(0), 0);
	CHECK_EQ(((struct vq_desc *)vq_mem)[0].len, VNET_HDR_LEN + 80);
	CHECK_EQ(((struct vq_desc *)vq_mem)[0].flags, 0);
	CHECK_EQ(vq_buf[0], 0);                      /* header zeroed */
	CHECK_EQ(vq_buf[VNET_HDR_LEN + 79], 0x77);
	CHECK_EQ(vq_tx_put(&q, &nic, frame, 5), -1);
	for (unsigned i = 1; i < VQ_SIZE; i++)
		CHECK_EQ(vq_tx_put(&q, &nic, frame, 60), 0);
	CHECK_EQ(vq_tx_put(&q, &nic, frame, 60), -1);   /* full */
	CHECK_EQ(nic.st.tx_dropped, 2);
	*v_used_idx() = 10;
	vq_tx_reclaim(&q, &nic);
	CHECK_EQ(q.in_flight, VQ_SIZE - 10);
	/* a device claiming more than is in flight is believed only that far */
	*v_used_idx() = 10 + 500;
	vq_tx_reclaim(&q, &nic);
	CHECK_EQ(q.in_flight, 0);
	CHECK_EQ(nic.st.tx_errors, 1);
}

/* A UDP datagram of 8 payload bytes from src:sport to port 4444, in an
 * Ethernet II frame (offsets as net/admit.c reads them). */
static size_t udp_frame(uint8_t *f, uint32_t src, uint16_t sport,
			uint16_t dport)
{
	memset(f, 0, 64);
	f[12] = 0x08;                       /* IPv4 */
	f[14] = 0x45;
	f[14 + 9] = 17;
	f[14 + 12] = (uint8_t)(src >> 24);
	f[14 + 13] = (uint8_t)(src >> 16);
	f[14 + 14] = (uint8_t)(src >> 8);
	f[14 + 15] = (uint8_t)src;
	f[34] = (uint8_t)(sport >> 8);
	f[35] = (uint8_t)sport;
	f[36] = (uint8_t)(dport >> 8);
	f[37] = (uint8_t)dport;
	return 14 + 20 + 8 + 8;
}

TEST(admit_sheds_one_source_flood_not_others)
{
	static struct admit a;
	uint8_t f[64], g[64];
	size_t n = udp_frame(f, 0x0A000202, 40000, 4444);
	unsigned passed = 0;

	admit_init(&a, 4444, 42, NULL);
	for (unsigned i = 0; i < 10000; i++)          /* all at t = 5 ms */
		passed += admit_frame(&a, f, n, 5);
	CHECK_EQ(passed, ADMIT_SRC_BURST);
	CHECK_EQ(a.shed, 10000 - ADMIT_SRC_BURST);
	/* Another source (a client's other port) still gets in. */
	udp_frame(g, 0x0A000202, 40001, 4444);
	CHECK(admit_frame(&a, g, n, 5));
	/* A second later the flooding source has its burst again; spread
	 * over the next second, its rate on top. */
	passed = 0;
	for (unsigned i = 0; i < 1000; i++)
		passed += admit_frame(&a, f, n, 1005);
	CHECK_EQ(passed, ADMIT_SRC_BURST);
	passed = 0;
	for (unsigned i = 0; i < 1000; i++)
		passed += admit_frame(&a, f, n, 1005 + i);
	CHECK(passed >= ADMIT_SRC_RATE - 1 && passed <= ADMIT_SRC_RATE + 1);
	/* Other ports, other protocols, fragments and runts are lwIP's. */
	udp_frame(g, 0x0A000202, 40000, 68);
	for (unsigned i = 0; i < 100; i++)
		CHECK(admit_frame(&a, g, n, 1005));
	memcpy(g, f, sizeof(g));
	g[14 + 9] = 1;                                 /* ICMP */
	CHECK(admit_frame(&a, g, n, 1005));
	memcpy(g, f, sizeof(g));
	g[14 + 6] = 0x00; g[14 + 7] = 0x10;            /* fragment offset */
	CHECK(admit_frame(&a, g, n, 1005));
	CHECK(admit_frame(&a, f, 14 + 20 + 7, 1005));  /* no UDP header */
	memcpy(g, f, sizeof(g));
	g[14] = 0x4F;                                  /* IHL past the frame */
	CHECK(admit_frame(&a, g, n, 1005));
	memcpy(g, f, sizeof(g));
	g[12] = 0x81;                                  /* VLAN tag */
	CHECK(admit_frame(&a, g, n, 1005));
}

TEST(admit_shared_budget_bounds_many_sources)
{
	static struct admit a;
	uint8_t f[64];
	unsigned passed = 0;

	admit_init(&a, 4444, 7, NULL);
	/* 4096 sources at once, 4 datagrams each: the shared burst binds. */
	for (unsigned s = 0; s < 4096; s++) {
		size_t n = udp_frame(f, 0xC0A80000 + s, (uint16_t)(1000 + s), 4444);

		for (unsigned k = 0; k < 4; k++)
			passed += admit_frame(&a, f, n, 100);
	}
	CHECK_EQ(passed, ADMIT_ALL_BURST);
	/* A clock that goes back refills nothing and breaks nothing. */
	CHECK(!admit_frame(&a, f, 50, 10) || a.all.milli < 1000 * ADMIT_ALL_BURST);
}

static bool only_40002(uint32_t ip, uint16_t port)
{
	return ip == 0x0A000202 && port == 40002;
}

TEST(admit_trusted_sources_pass_freely)
{
	static struct admit a;
	uint8_t f[64];
	size_t n = udp_frame(f, 0x0A000202, 40002, 4444);
	unsigned passed = 0;

	admit_init(&a, 4444, 9, only_40002);
	for (unsigned i = 0; i < 5000; i++)
		passed += admit_frame(&a, f, n, 3);
	CHECK_EQ(passed, 5000);
	udp_frame(f, 0x0A000202, 40003, 4444);
	passed = 0;
	for (unsigned i = 0; i < 5000; i++)
		passed += admit_frame(&a, f, n, 3);
	CHECK_EQ(passed, ADMIT_SRC_BURST);
}

/* Flood mode (nic.h): on after a poll that took most of its budget and
 * shed most of it; held while the ring keeps filling with shed frames;
 * off when the ring is mostly empty or the traffic is mostly admitted. */
TEST(flood_mode_on_off_hysteresis)
{
	CHECK(!flood_next(false, 0, 0, 64));
	CHECK(!flood_next(false, 47, 47, 64));   /* under three quarters */
	CHECK(flood_next(false, 48, 36, 64));
	CHECK(flood_next(false, 63, 63, 64));    /* e1000e's fullest poll */
	CHECK(!flood_next(false, 64, 47, 64));   /* a quarter admitted */
	CHECK(flood_next(true, 16, 8, 64));      /* held down to a quarter */
	CHECK(flood_next(true, 63, 32, 64));
	CHECK(!flood_next(true, 15, 15, 64));    /* the ring drains */
	CHECK(!flood_next(true, 63, 31, 64));    /* mostly wanted traffic */
	CHECK(!flood_next(true, 0, 0, 64));
	/* A shed count above the frames (not possible) is capped. */
	CHECK(!flood_next(false, 10, 1000, 64));
	CHECK(flood_next(false, 60, 1000, 64));
}

/*
 * net/nic.h - what net/ shares between its NIC drivers and the rest of
 * net/ (not public: net/net.h is). A driver owns its device's rings and
 * registers; the core calls it on the boot CPU only, outside NMI context,
 * except nic_ops.rx_pending, which the NMI handler may call.
 */
#ifndef NET_NIC_H
#define NET_NIC_H

#include "kernel/kernel.h"
#include "pci/pci.h"
#include "mm/mm.h"

#define NIC_BUF_SIZE   2048        /* one packet buffer; holds a 1518-byte frame */
#define NIC_FRAME_MIN  14          /* an Ethernet header */
#define NIC_FRAME_MAX  1518        /* header, 1500 bytes, VLAN tag (no FCS) */

struct nic_stats {
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
	uint64_t rx_dropped;        /* no buffer upstream (lwIP's budget) */
	uint64_t rx_errors;         /* the device flagged the frame */
	uint64_t rx_bad;            /* descriptor made no sense: length, EOP */
	uint64_t tx_dropped;        /* ring full, or frame too long */
	uint64_t tx_errors;
	uint64_t irqs;              /* NMIs claimed for the NIC */
};

struct nic;

/* A received frame, handed up; the buffer is reused right after. */
typedef void (*nic_deliver_fn)(struct nic *nic, const void *frame, size_t len);

struct nic_ops {
	const char *name;
	/* Whether this driver takes d (vendor, device, class). */
	bool (*match)(const struct pci_dev *d);
	/* Reset the device, set up rings and the NMI message; fill mac. */
	int (*init)(struct nic *nic);
	/* NMI context: work waits (a received descriptor). Reads memory only. */
	bool (*rx_pending)(struct nic *nic);
	/* Hand every received frame to deliver (at most budget); rearm. */
	unsigned (*rx)(struct nic *nic, nic_deliver_fn deliver, unsigned budget);
	/* Queue one frame; -1 when it cannot (counted). */
	int (*tx)(struct nic *nic, const void *frame, size_t len);
	bool (*link_up)(struct nic *nic);
	/* Acknowledge the interrupt cause (after rx). */
	void (*ack)(struct nic *nic);
	/* Optional: space the NIC's interrupts at least @ms apart for a
	 * flood (flood_next); 0: back to the normal rate. */
	void (*moderate)(struct nic *nic, unsigned ms);
};

struct nic {
	const struct nic_ops *ops;
	struct pci_dev pci;
	uint8_t mac[6];
	bool up;
	struct nic_stats st;
	void *priv;                /* the driver's */
	void *netif;               /* net/lwip's */
};

extern const struct nic_ops e1000e_ops;
extern const struct nic_ops virtio_net_ops;

/* Frames for DMA: a block of the frame domain under FRAME_TAG_NIC, zeroed
 * and pinned (the device holds it by physical address). */
struct dma_block {
	struct paddr pa;
	void *va;
	unsigned order;
};
int nic_dma_alloc(size_t bytes, struct dma_block *b);

/* ---- admission (net/admit.c, pure; host-tested) ---------------------------
 * Before lwIP sees a frame: datagrams to the console's UDP port pay a
 * token per source (IPv4 address and UDP port, hashed with a per-boot
 * salt) and one from a shared budget; what has none is dropped after a
 * header parse, without a copy, lwIP or a tag check. Everything else
 * (ARP, DHCP, ICMP, other ports) passes to lwIP, which drops what is not
 * ours. Rates are per second; a source sending within its rate is never
 * dropped for another's flood unless the shared budget runs dry. */
#define ADMIT_BUCKETS     256
#define ADMIT_SRC_BURST   32
#define ADMIT_SRC_RATE    64
#define ADMIT_ALL_BURST   1024
#define ADMIT_ALL_RATE    8192

struct admit_bucket {
	uint32_t milli;             /* tokens x 1000 */
	uint64_t ms;                /* when last refilled */
};

struct admit {
	uint16_t port;              /* the console's, host order; 0: none */
	/* Sources that pass without tokens (the console's good standing:
	 * an authenticated client, or one that sent a well-formed plaintext
	 * command); NULL: none. */
	bool (*trusted)(uint32_t ip, uint16_t port);
	uint64_t salt;
	struct admit_bucket src[ADMIT_BUCKETS], all;
	uint64_t shed;              /* dropped before lwIP */
};

void admit_init(struct admit *a, uint16_t console_port, uint64_t salt,
		bool (*trusted)(uint32_t ip, uint16_t port));
/* The datagrams the NIC's admission shed so far (net/net.c). */
uint64_t net_admit_shed(void);
/* Whether the frame goes on to lwIP (false: dropped, counted in shed). */
bool admit_frame(struct admit *a, const uint8_t *frame, size_t len,
		 uint64_t now_ms);

/* ---- flood mode (net/admit.c, pure; host-tested) --------------------------
 * The admission sheds a flood cheaply, but each shed frame still costs
 * the boot CPU a descriptor and a header. A poll that takes most of its
 * budget and sheds most of what it took starts flood mode: the NIC's
 * interrupts are spaced (moderate), the poll no longer repeats at once,
 * and exit-time looks wait as long (net/net.c); what the ring cannot hold
 * meanwhile the NIC drops by itself, at no cost to the boot CPU. A poll
 * that finds the ring mostly empty, or mostly traffic the admission
 * passes, ends it. Returns the mode after a poll that took @frames (of
 * @budget) and shed @shed of them. */
bool flood_next(bool flood, unsigned frames, unsigned shed, unsigned budget);

#endif

/*
 * net/net.h - the hypervisor's own network: one NIC that the guest never
 * sees, lwIP (IPv4, UDP, DHCP, ARP, ICMP echo) on it, and the debug
 * console's UDP transport. See docs/net.md.
 *
 * Everything runs on the boot CPU. The NIC signals with an MSI (or MSI-X)
 * message in NMI delivery mode to the boot CPU; the NMI handler only asks
 * net_nmi_pending() whether the NMI is the NIC's, and the boot CPU's loop
 * calls net_poll() outside NMI context, where packets are processed.
 */
#ifndef NET_NET_H
#define NET_NET_H

#include "kernel/kernel.h"

#define NET_OFF   0            /* no net=: no NIC is taken */
#define NET_AUTO  1            /* net=auto: the last supported NIC in bus order */
#define NET_BDF   2            /* net=BB:DD.F */

#define NET_CONSOLE_PORT 4444
/* net_flood= (struct net_options): the default, and the most the
 * 82574L's 16-bit interrupt throttle (256 ns units) can space. */
#define NET_FLOOD_MS_DEFAULT 4
#define NET_FLOOD_MS_MAX     16

struct net_options {
	uint8_t mode;              /* NET_OFF, NET_AUTO, NET_BDF */
	uint32_t bdf;              /* PCI_ADDR, for NET_BDF */
	bool static_ip;            /* ip= given: no DHCP */
	uint32_t ip, gw;           /* host byte order */
	uint8_t prefix;            /* ip=A.B.C.D/NN */
	uint16_t console_port;     /* console_port=, default 4444 */
	/* net_flood=: in a flood (net/nic.h, "flood mode") a poll at most
	 * every this many ms, the NIC's interrupts spaced as far; 0: no
	 * flood mode, every frame looked at (the console's requests get
	 * through a flood best, the guest pays most). */
	uint8_t flood_ms;
	bool console_plain;        /* console_key=none: plaintext, read-only */
	const uint8_t *console_key; /* 32 bytes: the authenticated console; NULL: none */
};

/* net_parse_ipv4 - "A.B.C.D" (decimal, each 0..255) into *ip (host
 * order); with prefix non-NULL also "/NN" (0..32), required. 0 or -1. */
int net_parse_ipv4(const char *s, size_t len, uint32_t *ip, uint8_t *prefix);

/* net_prefix_len - the number of leading one bits of a netmask (host order). */
unsigned net_prefix_len(uint32_t mask);

#ifndef HOST_BUILD
/*
 * net_init - take the NIC the options name (none without net=), bring it
 * up with lwIP, get an address (DHCP, waiting up to a few seconds at boot,
 * or the static one), open the console's UDP port when allowed. Logs what
 * it did. Boot CPU, after pci_enumerate and console_init, before SVM.
 */
void net_init(const struct net_options *o);

/* net_nmi_pending - NMI context, any CPU: whether this NMI is the NIC's
 * (the boot CPU, with a received frame waiting or a poll in progress or
 * just done). Reads memory only. */
bool net_nmi_pending(unsigned cpu_index);

/* net_poll - boot CPU, outside NMI context: receive, run lwIP's timers,
 * answer. Bounded work per call. */
void net_poll(void);

/* net_print - the console's `net`: driver, BDF, MAC, link, address,
 * counters per direction, lwIP's statistics. */
void net_print(print_fn pr);

/* net_owns - whether the hypervisor took the function at PCI address
 * addr (then the guest must not see it). */
bool net_owns(uint32_t addr);

/* net_function - the PCI address of the NIC taken; false when none. */
bool net_function(uint32_t *addr);

/* What the guest must not reach: the NIC's ECAM page and its memory BARs
 * (ranges in guest-physical = host-physical space). n is set to the count. */
struct net_hidden_range {
	uint64_t base, size;
};
#define NET_MAX_HIDDEN 8
size_t net_hidden(struct net_hidden_range *r, size_t max);

/* net_dma_ranges - the memory the NIC reads and writes by physical
 * address (rings and buffers, FRAME_TAG_NIC blocks from net/dma.c): the
 * only memory the IOMMU lets the NIC reach. Complete once net_init has
 * returned (nothing is allocated for DMA later). n is set to the count. */
#define NET_MAX_DMA 16
size_t net_dma_ranges(struct net_hidden_range *r, size_t max);
#endif

#endif

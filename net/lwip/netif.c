/*
 * net/lwip/netif.c - the hypervisor's NIC as lwIP's only network
 * interface (raw API, NO_SYS): frames in and out, link, DHCP or a static
 * address, lwIP's statistics, and the one UDP port of the console.
 *
 * Received frames are copied into a pbuf from lwIP's budget (port.c), so
 * the driver's buffer goes straight back to the device; when the budget
 * is spent the frame is dropped and counted (nic rx_dropped), never queued.
 */
#include "kernel/kernel.h"
#include "net/lwip/port.h"
#include "net/nic.h"
#include "net/net.h"

#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/stats.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"
#include "netif/ethernet.h"

static struct netif hv_netif;
static bool dhcp_on;
static struct udp_pcb *console_pcb;
static net_udp_rx_fn console_rx;

/* lwIP wants a frame out: flatten the pbuf chain and queue it. */
static err_t link_output(struct netif *n, struct pbuf *p)
{
	struct nic *nic = n->state;
	static uint8_t frame[NIC_FRAME_MAX];   /* boot CPU only */

	if (p->tot_len > sizeof(frame)) {
		nic->st.tx_dropped++;
		return ERR_MEM;
	}
	pbuf_copy_partial(p, frame, p->tot_len, 0);
	return nic->ops->tx(nic, frame, p->tot_len) ? ERR_MEM : ERR_OK;
}

static err_t netif_setup(struct netif *n)
{
	struct nic *nic = n->state;

	n->name[0] = 'h';
	n->name[1] = 'v';
	n->hwaddr_len = ETH_HWADDR_LEN;
	memcpy(n->hwaddr, nic->mac, ETH_HWADDR_LEN);
	n->mtu = 1500;
	n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
	n->output = etharp_output;
	n->linkoutput = link_output;
	return ERR_OK;
}

static void status_changed(struct netif *n)
{
	if (!ip4_addr_isany_val(*netif_ip4_addr(n)))
		printk("net: address %u.%u.%u.%u/%u gateway %u.%u.%u.%u (%s)\n",
		       ip4_addr1(netif_ip4_addr(n)), ip4_addr2(netif_ip4_addr(n)),
		       ip4_addr3(netif_ip4_addr(n)), ip4_addr4(netif_ip4_addr(n)),
		       net_prefix_len(lwip_ntohl(ip4_addr_get_u32(netif_ip4_netmask(n)))),
		       ip4_addr1(netif_ip4_gw(n)), ip4_addr2(netif_ip4_gw(n)),
		       ip4_addr3(netif_ip4_gw(n)), ip4_addr4(netif_ip4_gw(n)),
		       dhcp_on ? "DHCP" : "static");
}

int net_lwip_up(struct nic *nic, const struct net_options *o)
{
	ip4_addr_t ip, mask, gw;

	ip4_addr_set_zero(&ip);
	ip4_addr_set_zero(&mask);
	ip4_addr_set_zero(&gw);
	if (o->static_ip) {
		ip4_addr_set_u32(&ip, lwip_htonl(o->ip));
		ip4_addr_set_u32(&mask, lwip_htonl(o->prefix ?
				 ~0u << (32 - o->prefix) : 0));
		ip4_addr_set_u32(&gw, lwip_htonl(o->gw));
	}
	if (!netif_add(&hv_netif, &ip, &mask, &gw, nic, netif_setup,
		       ethernet_input))
		return -1;
	nic->netif = &hv_netif;
	netif_set_default(&hv_netif);
	netif_set_status_callback(&hv_netif, status_changed);
	netif_set_up(&hv_netif);
	if (nic->ops->link_up(nic))
		netif_set_link_up(&hv_netif);
	if (!o->static_ip) {
		dhcp_on = true;
		if (dhcp_start(&hv_netif) != ERR_OK)
			return -1;
	}
	return 0;
}

void net_lwip_input(struct nic *nic, const void *frame, size_t len)
{
	struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);

	if (!p) {
		nic->st.rx_dropped++;
		return;
	}
	pbuf_take(p, frame, (u16_t)len);
	if (hv_netif.input(p, &hv_netif) != ERR_OK) {
		pbuf_free(p);
		nic->st.rx_dropped++;
	}
}

void net_lwip_poll(void)
{
	sys_check_timeouts();
}

void net_lwip_set_link(bool up)
{
	if (up)
		netif_set_link_up(&hv_netif);
	else
		netif_set_link_down(&hv_netif);
}

bool net_lwip_addr(uint32_t *ip, uint32_t *mask, uint32_t *gw)
{
	*ip = lwip_ntohl(ip4_addr_get_u32(netif_ip4_addr(&hv_netif)));
	*mask = lwip_ntohl(ip4_addr_get_u32(netif_ip4_netmask(&hv_netif)));
	*gw = lwip_ntohl(ip4_addr_get_u32(netif_ip4_gw(&hv_netif)));
	return *ip != 0;
}

const char *net_lwip_dhcp_state(void)
{
	if (!dhcp_on)
		return "static";
	return dhcp_supplied_address(&hv_netif) ? "DHCP, bound" :
						  "DHCP, waiting";
}

static void print_proto(net_print_fn pr, const char *name,
			const struct stats_proto *s)
{
	pr("  %-6s xmit %u recv %u drop %u chkerr %u lenerr %u memerr %u "
	   "proterr %u err %u\n", name, s->xmit, s->recv, s->drop, s->chkerr,
	   s->lenerr, s->memerr, s->proterr, s->err);
}

void net_lwip_print(net_print_fn pr)
{
	pr("lwip (dropped = lost for that reason: chkerr checksum, lenerr "
	   "length, memerr no memory, proterr protocol):\n");
	print_proto(pr, "link", &lwip_stats.link);
	print_proto(pr, "etharp", &lwip_stats.etharp);
	print_proto(pr, "ip", &lwip_stats.ip);
	print_proto(pr, "icmp", &lwip_stats.icmp);
	print_proto(pr, "udp", &lwip_stats.udp);
	pr("  mem    avail %u used %u max %u err %u\n",
	   (unsigned)lwip_stats.mem.avail, (unsigned)lwip_stats.mem.used,
	   (unsigned)lwip_stats.mem.max, (unsigned)lwip_stats.mem.err);
}

static void udp_recv_cb(void *arg, struct udp_pcb *pcb, struct pbuf *p,
			const ip_addr_t *addr, u16_t port)
{
	static uint8_t buf[512];           /* boot CPU only */
	u16_t len = p->tot_len;

	if (len <= sizeof(buf) && console_rx) {
		pbuf_copy_partial(p, buf, len, 0);
		console_rx(buf, len, lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(addr))),
			   port);
	}
	/* longer requests are not requests: dropped (the console counts
	 * what it refuses; lwIP counted the datagram as received) */
	pbuf_free(p);
}

int net_lwip_udp_open(uint16_t port, net_udp_rx_fn rx)
{
	console_pcb = udp_new();
	if (!console_pcb)
		return -1;
	if (udp_bind(console_pcb, IP4_ADDR_ANY, port) != ERR_OK) {
		udp_remove(console_pcb);
		console_pcb = NULL;
		return -1;
	}
	console_rx = rx;
	udp_recv(console_pcb, udp_recv_cb, NULL);
	return 0;
}

int net_lwip_udp_send(uint32_t ip, uint16_t port, const void *data, size_t len)
{
	struct pbuf *p;
	ip_addr_t to;
	err_t e;

	if (!console_pcb || len > 0xFFFF)
		return -1;
	p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM);
	if (!p)
		return -1;
	pbuf_take(p, data, (u16_t)len);
	ip_addr_set_ip4_u32(&to, lwip_htonl(ip));
	e = udp_sendto(console_pcb, p, &to, port);
	pbuf_free(p);
	return e == ERR_OK ? 0 : -1;
}

/*
 * net/lwip/port.h - the port layer's interface to the rest of net/. Declares
 * nothing of lwIP's, so net/ files that include only this stay free of
 * lwIP headers.
 */
#ifndef NET_LWIP_PORT_H
#define NET_LWIP_PORT_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

/* net_lwip_init - register lwIP's heap account and initialize lwIP. Once,
 * on the boot CPU. */
void net_lwip_init(void);

/* Allocation and randomness for lwIP (lwipopts.h maps lwIP's hooks here). */
void *net_lwip_malloc(size_t size);
void *net_lwip_calloc(size_t n, size_t size);
void net_lwip_free(void *p);
uint32_t net_lwip_rand(void);

#endif

/* ---- the NIC under lwIP (net/lwip/netif.c) --------------------------------
 * Addresses in host byte order. */
struct nic;
struct net_options;

/* net_lwip_up - add nic as lwIP's only interface, link state as the
 * driver says, static address from o or DHCP started. 0 or -1. */
int net_lwip_up(struct nic *nic, const struct net_options *o);
/* net_lwip_input - one received frame (copied; the buffer is the driver's). */
void net_lwip_input(struct nic *nic, const void *frame, size_t len);
/* net_lwip_poll - lwIP's timers (DHCP, ARP). */
void net_lwip_poll(void);
void net_lwip_set_link(bool up);
/* net_lwip_addr - the interface's address, mask and gateway; false while
 * there is none (DHCP not bound yet). */
bool net_lwip_addr(uint32_t *ip, uint32_t *mask, uint32_t *gw);
/* net_lwip_dhcp_state - "bound", "selecting", ... or "static". */
const char *net_lwip_dhcp_state(void);
typedef int (*net_print_fn)(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void net_lwip_print(net_print_fn pr);

/* UDP: one port, one receive callback; send to a peer. */
typedef void (*net_udp_rx_fn)(const void *data, size_t len, uint32_t ip,
			      uint16_t port);
int net_lwip_udp_open(uint16_t port, net_udp_rx_fn rx);
int net_lwip_udp_send(uint32_t ip, uint16_t port, const void *data, size_t len);

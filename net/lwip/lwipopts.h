/*
 * net/lwip/lwipopts.h - lwIP 2.1.3 configuration for the hypervisor.
 *
 * No operating system (NO_SYS): lwIP runs only on the boot CPU, outside NMI
 * context, from net_poll(); nothing else calls into it, so it needs no
 * locks (SYS_LIGHTWEIGHT_PROT 0). Raw API only. IPv4 with ARP, ICMP (echo),
 * UDP and the DHCP client; no TCP, IPv6, DNS, IGMP or AutoIP.
 *
 * Memory: lwIP's own heap and pools are off. Every allocation (mem_malloc,
 * and memp pools through MEMP_MEM_MALLOC) goes to net_lwip_malloc/free
 * (net/lwip/port.c), which take it from our heap domain under a budget and
 * account for it in the "lwip" heap account that `mem` shows. A flood
 * therefore cannot grow lwIP past the budget: allocations beyond it fail,
 * lwIP drops the packet and counts it.
 */
#ifndef NET_LWIP_LWIPOPTS_H
#define NET_LWIP_LWIPOPTS_H

#define NO_SYS                      1
#define SYS_LIGHTWEIGHT_PROT        0
#define LWIP_TIMERS                 1
#define LWIP_NETCONN                0
#define LWIP_SOCKET                 0

#define LWIP_IPV4                   1
#define LWIP_IPV6                   0
#define LWIP_ARP                    1
#define LWIP_ETHERNET               1
#define LWIP_ICMP                   1
#define LWIP_RAW                    0
#define LWIP_UDP                    1
#define LWIP_TCP                    0
#define LWIP_DHCP                   1
#define LWIP_AUTOIP                 0
#define LWIP_IGMP                   0
#define LWIP_DNS                    0
#define IP_FORWARD                  0
#define IP_REASSEMBLY               0   /* the console's datagrams fit a frame */
#define IP_FRAG                     0
#define LWIP_BROADCAST_PING         0
#define LWIP_MULTICAST_PING         0
#define DHCP_DOES_ARP_CHECK         0   /* saves seconds at boot */
#define ETHARP_SUPPORT_STATIC_ENTRIES 0
#define ARP_TABLE_SIZE              8
#define ARP_QUEUEING                0
#define ETH_PAD_SIZE                0

#define LWIP_NETIF_STATUS_CALLBACK  1
#define LWIP_NETIF_LINK_CALLBACK    1
#define LWIP_NETIF_HOSTNAME         0
#define LWIP_NETIF_LOOPBACK         0
#define LWIP_HAVE_LOOPIF            0
#define LWIP_SINGLE_NETIF           1

/* Memory: see the comment at the top. */
#define MEM_LIBC_MALLOC             1
#define MEMP_MEM_MALLOC             1
#define MEM_ALIGNMENT               16
#define mem_clib_malloc             net_lwip_malloc
#define mem_clib_free               net_lwip_free
#define mem_clib_calloc             net_lwip_calloc
#define PBUF_POOL_SIZE              64   /* counted, not preallocated */
#define PBUF_POOL_BUFSIZE           1536
#define MEMP_NUM_PBUF               32
#define MEMP_NUM_UDP_PCB            4
#define MEMP_NUM_SYS_TIMEOUT        8

/* Checksums are computed and checked in software (the NICs' offloads stay
 * off: one path to test). */
#define LWIP_CHKSUM_ALGORITHM       3
#define CHECKSUM_GEN_IP             1
#define CHECKSUM_GEN_UDP            1
#define CHECKSUM_GEN_ICMP           1
#define CHECKSUM_CHECK_IP           1
#define CHECKSUM_CHECK_UDP          1
#define CHECKSUM_CHECK_ICMP         1

/* Statistics, shown by the console's `net`. */
#define LWIP_STATS                  1
#define LWIP_STATS_DISPLAY          0
#define LINK_STATS                  1
#define ETHARP_STATS                1
#define IP_STATS                    1
#define ICMP_STATS                  1
#define UDP_STATS                   1
#define MEM_STATS                   1
#define MEMP_STATS                  0
#define SYS_STATS                   0

#define LWIP_RAND()                 net_lwip_rand()

#include "port.h"   /* net_lwip_malloc, net_lwip_rand */

#endif

/* net/lwip/shim/stdlib.h - lwIP includes <stdlib.h>; with allocation
 * mapped to net_lwip_malloc (lwipopts.h) it needs only atoi (netif_find),
 * which net/lwip/port.c provides. Only lwIP's compilation sees this
 * folder. */
#ifndef NET_LWIP_SHIM_STDLIB_H
#define NET_LWIP_SHIM_STDLIB_H
int atoi(const char *s);
#endif

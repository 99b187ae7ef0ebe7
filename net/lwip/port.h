/*
 * net/lwip/port.h - the port layer's interface to the rest of net/. Declares
 * nothing of lwIP's, so net/ files that include only this stay free of
 * lwIP headers.
 */
#ifndef NET_LWIP_PORT_H
#define NET_LWIP_PORT_H

#include <stddef.h>
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

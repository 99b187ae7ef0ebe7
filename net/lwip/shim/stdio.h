/* net/lwip/shim/stdio.h - lwIP includes <stdio.h> only for debug output
 * that this configuration does not build (LWIP_PLATFORM_DIAG goes to
 * printk). Empty on purpose. */
#ifndef NET_LWIP_SHIM_STDIO_H
#define NET_LWIP_SHIM_STDIO_H
#endif

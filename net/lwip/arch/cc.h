/*
 * net/lwip/arch/cc.h - lwIP's compiler and platform abstraction for the
 * hypervisor: freestanding types (no inttypes.h, ctype.h or errno.h),
 * diagnostics through printk, assertions through panic.
 */
#ifndef NET_LWIP_ARCH_CC_H
#define NET_LWIP_ARCH_CC_H

#include <stddef.h>
#include <stdint.h>

#define LWIP_NO_INTTYPES_H   1
#define LWIP_NO_CTYPE_H      1
#define LWIP_NO_UNISTD_H     1
#define LWIP_PROVIDE_ERRNO   1
/* gcc's <limits.h> wants a C library's beneath it; lwIP needs two limits. */
#define LWIP_NO_LIMITS_H     1
#ifndef INT_MAX
#define INT_MAX   __INT_MAX__
#endif

/* printk's formats (kernel/kernel.h): u16/s16 promote to int. */
#define X8_F   "02x"
#define U16_F  "u"
#define S16_F  "d"
#define X16_F  "x"
#define U32_F  "u"
#define S32_F  "d"
#define X32_F  "x"
#define SZT_F  "zu"

#define BYTE_ORDER LITTLE_ENDIAN

int printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define LWIP_PLATFORM_DIAG(x)   do { printk x; } while (0)
/* lwIP asserts its own invariants (input errors go through LWIP_ERROR and
 * are dropped); a failed one is a bug, here as anywhere. */
#define LWIP_PLATFORM_ASSERT(x) panic("lwip: assertion \"%s\" failed at %s:%d", \
				      x, __FILE__, __LINE__)

#define PACK_STRUCT_STRUCT __attribute__((packed))

#endif

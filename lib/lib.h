/*
 * lib/lib.h - the freestanding C library: string and memory functions and
 * the formatting engine behind printk. Also built on the host for tests
 * (the mem and str functions then come from the host libc; only the k
 * functions are ours there).
 */
#ifndef LIB_LIB_H
#define LIB_LIB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- basics shared by the hypervisor and the guest ---------------------- */
#define BIT(n)          (1ULL << (n))
#define GENMASK(h, l)   (((~0ULL) >> (63 - (h))) & ~((1ULL << (l)) - 1))
#define ALIGN_UP(x, a)  (((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)
#define ARRAY_SIZE(a)   (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b)       ((a) < (b) ? (a) : (b))
#define MAX(a, b)       ((a) > (b) ? (a) : (b))
#define KiB             (1024ULL)
#define MiB             (1024ULL * KiB)
#define GiB             (1024ULL * MiB)

#define __packed        __attribute__((packed))
#define __aligned(n)    __attribute__((aligned(n)))
#define __unused        __attribute__((unused))
#define __printf(a, b)  __attribute__((format(printf, a, b)))
#define likely(x)       __builtin_expect(!!(x), 1)
#define unlikely(x)     __builtin_expect(!!(x), 0)
#define container_of(p, type, member) \
	((type *)((char *)(p) - offsetof(type, member)))
#define READ_ONCE(x)    (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))
#define barrier()       __asm__ __volatile__("" ::: "memory")

/* Ticket spinlock. The hypervisor runs with IF = 0 everywhere; the NMI
 * handler never takes a lock, so no interrupt-save variant is needed. */
struct spinlock {
	uint32_t next;
	uint32_t owner;
};
#define SPINLOCK_INIT { 0, 0 }

static inline void cpu_relax(void)
{
	__asm__ __volatile__("pause" ::: "memory");
}

static inline void spin_lock(struct spinlock *l)
{
	uint32_t ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != ticket)
		cpu_relax();
}

static inline bool spin_trylock(struct spinlock *l)
{
	uint32_t owner = __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
	uint32_t expect = owner;
	return __atomic_compare_exchange_n(&l->next, &expect, owner + 1, false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->owner, l->owner + 1, __ATOMIC_RELEASE);
}

static inline bool spin_is_locked(struct spinlock *l)
{
	return __atomic_load_n(&l->owner, __ATOMIC_RELAXED) !=
	       __atomic_load_n(&l->next, __ATOMIC_RELAXED);
}


void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);

/* kvsnprintf: C99 vsnprintf semantics (always NUL-terminates when size >
 * 0, returns the length the full output would have had) for the formats
 * %d %i %u %x %X %o %p %s %c %% with flags '-', '0', '+', ' ', '#', field
 * width and precision (numbers or '*'), length modifiers hh h l ll z t j.
 * Unknown conversions are printed literally. %s of NULL prints "(null)". */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Parsing helpers for command lines: parse an unsigned number in decimal
 * or 0x-hex with an optional K/M/G suffix. Returns 0 and stores the value,
 * or -1 on malformed input or overflow (nothing stored). */
int kparse_u64(const char *s, size_t len, uint64_t *out);

#endif

/*
 * mm/account.c - heap accounts: per-subsystem counters and limits over
 * ordinary heap objects (mm/mm.h).
 */
#include "mm/mm.h"
#include "lib/lib.h"

/* Written at bring-up only (heap_account_register), read by mm_print_stats. */
static struct heap_account *accounts;

void heap_account_register(struct heap_account *a)
{
	for (struct heap_account *i = accounts; i; i = i->next)
		assert(i != a);
	a->next = accounts;
	accounts = a;
}

static void *acct_alloc(struct heap_account *a, size_t size, bool zero)
{
	void *p;
	size_t got;

	/* kmalloc rounds up to a size class: the limit is checked on the
	 * request first, then on what the heap actually gave. */
	if (a->limit && (size > a->limit || a->live_bytes > a->limit - size)) {
		a->failed++;
		return NULL;
	}
	p = zero ? kzalloc(size) : kmalloc(size);
	if (!p) {
		a->failed++;
		return NULL;
	}
	got = ksize(p);
	if (a->limit && a->live_bytes + got > a->limit) {
		kfree(p);
		a->failed++;
		return NULL;
	}
	a->live_bytes += got;
	a->live_objects++;
	a->allocs++;
	if (a->live_bytes > a->peak_bytes)
		a->peak_bytes = a->live_bytes;
	return p;
}

void *kmalloc_acct(struct heap_account *a, size_t size)
{
	return acct_alloc(a, size, false);
}

void *kzalloc_acct(struct heap_account *a, size_t size)
{
	return acct_alloc(a, size, true);
}

void kfree_acct(struct heap_account *a, void *p)
{
	size_t got;

	if (!p)
		return;
	got = ksize(p);   /* validates p as kfree would */
	assert(a->live_objects > 0 && a->live_bytes >= got);
	a->live_bytes -= got;
	a->live_objects--;
	kfree(p);
}

void heap_account_print(print_fn pr)
{
	if (!accounts)
		return;
	pr("mm: heap accounts:\n");
	pr("mm:   %-12s %8s %10s %10s %10s %10s %6s\n", "account", "objects",
	   "KiB", "peak KiB", "limit KiB", "allocs", "failed");
	for (struct heap_account *a = accounts; a; a = a->next)
		pr("mm:   %-12s %8llu %10llu %10llu %10llu %10llu %6llu\n",
		   a->name, (unsigned long long)a->live_objects,
		   (unsigned long long)(a->live_bytes / KiB),
		   (unsigned long long)(a->peak_bytes / KiB),
		   (unsigned long long)(a->limit / KiB),
		   (unsigned long long)a->allocs,
		   (unsigned long long)a->failed);
}

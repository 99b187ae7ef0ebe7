/*
 * bench/bench_mm.c - `make bench`: our heap against glibc, jemalloc,
 * mimalloc and tcmalloc (loaded with dlopen so all live in one process),
 * frame alloc+free rates, and the frame domain's bookkeeping.
 *
 * Built -O2 without sanitizers, with the shipping configuration: every
 * check on (validation, redzones, the default poisoning of freed objects:
 * HEAP_POISON_DEFAULT head bytes and the redzone); a second row measures
 * heap_poison=full for comparison. Single thread, pinned to one
 * CPU. Each heap workload does alloc + one store + free; sizes are uniform
 * in 16..2048.
 *   LIFO:   allocate 256 objects, free them in reverse, repeat.
 *   random: 4096 live slots; each step frees a random slot and refills it.
 * Every figure is the median of RUNS runs, the allocators interleaved
 * run by run so that a noisy moment on the shared VM hits all of them;
 * the ratios are given as min / median / max of the per-run ratios.
 * Exit status 1 when a deterministic target (the bookkeeping size) is
 * missed; wall-clock ratios below target are flagged, never failed.
 * The last line is the summary `bench-mm: N passed, N failed, N flagged`.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "mm/mm.h"

struct alloc_impl {
	const char *name;
	void *(*alloc)(size_t);
	void (*release)(void *);
	uint32_t poison;        /* hv heap rows: heap_init's poison_bytes */
};

#define BASE   0x40000000ULL
#define NSIZES 65536
#define LIFO_N 256
#define RAND_N 4096
#define STEPS  4000000
#define RUNS   7

static uint32_t sizes[NSIZES], slots_idx[NSIZES];
static uint64_t pool;

/* A fresh frame domain and heap with the given poisoning (every object
 * of the previous run has been freed). */
static void hv_reset(uint32_t poison)
{
	if (frame_init(PADDR(BASE), pool) != MM_OK)
		abort();
	heap_init(poison);
}
static void *slots[RAND_N];

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static double bench_lifo(const struct alloc_impl *a)
{
	void *p[LIFO_N];
	unsigned k = 0;
	double t0 = now();

	for (unsigned r = 0; r < STEPS / LIFO_N; r++) {
		for (unsigned i = 0; i < LIFO_N; i++) {
			p[i] = a->alloc(sizes[k++ % NSIZES]);
			*(volatile char *)p[i] = 1;
		}
		for (unsigned i = LIFO_N; i-- > 0;)
			a->release(p[i]);
	}
	return STEPS / (now() - t0) / 1e6;
}

static double bench_random(const struct alloc_impl *a)
{
	double t0;

	for (unsigned i = 0; i < RAND_N; i++)
		slots[i] = a->alloc(sizes[i]);
	t0 = now();
	for (unsigned k = 0; k < STEPS; k++) {
		unsigned s = slots_idx[k % NSIZES];
		a->release(slots[s]);
		slots[s] = a->alloc(sizes[(k * 7) % NSIZES]);
		*(volatile char *)slots[s] = 1;
	}
	t0 = STEPS / (now() - t0) / 1e6;
	for (unsigned i = 0; i < RAND_N; i++)
		a->release(slots[i]);
	return t0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median of n values (v is left as it was). */
static double median(const double *v, unsigned n)
{
	double t[RUNS];

	memcpy(t, v, n * sizeof(v[0]));
	qsort(t, n, sizeof(t[0]), cmp_double);
	return t[n / 2];
}

/* Every run's figure, by allocator and run (kept for the ratios' spread:
 * allocators are interleaved run by run, so run k of two allocators saw
 * the same moment of a shared machine). */
static double runs_lifo[8][RUNS], runs_rnd[8][RUNS];

/* RUNS rounds over the n allocators; medians into lifo[] and rnd[]. */
static void measure(const struct alloc_impl *impl, const bool *ok,
		    unsigned n, double *lifo, double *rnd)
{
	for (unsigned i = 0; i < n; i++)
		if (ok[i] && impl[i].alloc) {
			if (impl[i].poison)
				hv_reset(impl[i].poison);
			bench_lifo(&impl[i]);            /* warm up */
		}
	for (unsigned k = 0; k < RUNS; k++)
		for (unsigned i = 0; i < n; i++) {
			if (!ok[i] || !impl[i].alloc)
				continue;
			if (impl[i].poison)
				hv_reset(impl[i].poison);
			runs_lifo[i][k] = bench_lifo(&impl[i]);
			runs_rnd[i][k] = bench_random(&impl[i]);
		}
	for (unsigned i = 0; i < n; i++)
		if (ok[i] && impl[i].alloc) {
			lifo[i] = median(runs_lifo[i], RUNS);
			rnd[i] = median(runs_rnd[i], RUNS);
		}
}

/* Pin to one CPU (the last one) so runs do not migrate. */
static void pin(void)
{
	cpu_set_t set;
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	CPU_ZERO(&set);
	CPU_SET(n > 1 ? (int)n - 1 : 0, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		perror("sched_setaffinity");
}

static bool load(struct alloc_impl *a, const char *lib, const char *m,
		 const char *f)
{
	void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);

	if (!h)
		return false;
	a->alloc = (void *(*)(size_t))dlsym(h, m);
	a->release = (void (*)(void *))dlsym(h, f);
	return a->alloc && a->release;
}

static double frame_rate(unsigned order)
{
	struct paddr p;
	double t0 = now(), t;
	unsigned long n = 0;

	do {
		for (int i = 0; i < 16; i++) {
			if (frame_alloc(order, FRAME_TAG_TEST, 0, &p) != MM_OK)
				abort();
			frame_free(p, order, FRAME_TAG_TEST);
		}
		n += 16;
		t = now() - t0;
	} while (t < 0.5);
	return n / t;
}

/* jemalloc cannot be dlopen'ed next to glibc's malloc (static TLS), so it
 * runs in a child with LD_PRELOAD, measuring plain malloc/free there. */
static bool run_preloaded(const char *lib, double *lifo, double *rnd)
{
	char cmd[512];
	FILE *f;
	bool ok;

	snprintf(cmd, sizeof(cmd), "LD_PRELOAD=%s /proc/%d/exe --malloc-only",
		 lib, (int)getpid());
	f = popen(cmd, "r");
	if (!f)
		return false;
	ok = fscanf(f, "%lf %lf", lifo, rnd) == 2;
	return pclose(f) == 0 && ok;
}

enum { HV, HV_FULL, GLIBC, JEMALLOC, MIMALLOC, TCMALLOC, NIMPL };

/* Verdicts: deterministic figures pass or fail; wall-clock ratios on a
 * shared machine are only flagged when any run falls below the target. */
static unsigned n_passed, n_failed, n_flagged;

/* One ratio row: a against b, run by run; min / median / max of the
 * per-run ratios for both workloads. target 0: no target (info). */
static void print_ratio(const char *what, unsigned a, unsigned b,
			double target)
{
	double rl[RUNS], rr[RUNS], lo = 1e300;
	const char *verdict = "info";

	for (unsigned k = 0; k < RUNS; k++) {
		rl[k] = runs_lifo[a][k] / runs_lifo[b][k];
		rr[k] = runs_rnd[a][k] / runs_rnd[b][k];
		lo = rl[k] < lo ? rl[k] : lo;
		lo = rr[k] < lo ? rr[k] : lo;
	}
	qsort(rl, RUNS, sizeof(rl[0]), cmp_double);
	qsort(rr, RUNS, sizeof(rr[0]), cmp_double);
	if (target > 0) {
		verdict = lo >= target ? "ok" : "FLAGGED";
		if (lo >= target)
			n_passed++;
		else
			n_flagged++;
	}
	printf("%-30s %4.2f %4.2f %4.2f   %4.2f %4.2f %4.2f  ", what, rl[0],
	       rl[RUNS / 2], rl[RUNS - 1], rr[0], rr[RUNS / 2], rr[RUNS - 1]);
	if (target > 0)
		printf(">= %.1f  %s\n", target, verdict);
	else
		printf("%6s  %s\n", "", verdict);
}

int main(int argc, char **argv)
{
	struct alloc_impl impl[NIMPL] = {
		[HV] = { "hv heap (shipping)", kmalloc, kfree,
			 HEAP_POISON_DEFAULT },
		[HV_FULL] = { "hv heap, heap_poison=full", kmalloc, kfree,
			      HEAP_POISON_FULL },
		[GLIBC] = { "glibc malloc", malloc, free, 0 },
		[JEMALLOC] = { "jemalloc", NULL, NULL, 0 },
		[MIMALLOC] = { "mimalloc", NULL, NULL, 0 },
		[TCMALLOC] = { "tcmalloc", NULL, NULL, 0 },
	};
	bool ok[NIMPL] = { [HV] = true, [HV_FULL] = true, [GLIBC] = true };
	struct frame_stats st;
	double lifo[NIMPL], rnd[NIMPL];
	uint8_t *buf;
	uint64_t r = 88172645463325252ULL;
	bool heap_only = false;

	for (unsigned i = 0; i < NSIZES; i++) {
		r ^= r << 13; r ^= r >> 7; r ^= r << 17;
		sizes[i] = 16 + (r >> 20) % (2048 - 16 + 1);
		slots_idx[i] = (r >> 40) % RAND_N;
	}
	pin();
	if (argc > 1 && !strcmp(argv[1], "--malloc-only")) {
		measure(&impl[GLIBC], &ok[GLIBC], 1, &lifo[GLIBC], &rnd[GLIBC]);
		printf("%f %f\n", lifo[GLIBC], rnd[GLIBC]);
		return 0;
	}
	for (int a = 1; a < argc; a++) {
		unsigned long v;

		if (!strcmp(argv[a], "--heap-only"))
			heap_only = true;
		else if (sscanf(argv[a], "--poison=%lu", &v) == 1 &&
			 heap_poison_valid(v))
			impl[HV].poison = (uint32_t)v;   /* A/B experiments */
		else {
			fprintf(stderr, "usage: %s [--heap-only] "
				"[--poison=BYTES]\n", argv[0]);
			return 2;
		}
	}
	if (!heap_only)
		ok[JEMALLOC] = run_preloaded("libjemalloc.so.2",
					     &lifo[JEMALLOC], &rnd[JEMALLOC]);
	ok[MIMALLOC] = load(&impl[MIMALLOC], "libmimalloc.so.2", "mi_malloc",
			    "mi_free");
	if (!heap_only)
		ok[TCMALLOC] = load(&impl[TCMALLOC], "libtcmalloc.so.4",
				    "tc_malloc", "tc_free");

	pool = heap_only ? 64 * MiB : 1 * GiB + 8 * MiB; /* 1 GiB frames */
	buf = mmap(NULL, pool, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (buf == MAP_FAILED)
		return 1;
	madvise(buf, pool, MADV_HUGEPAGE);
	mm_direct_map_offset = (uint64_t)(uintptr_t)buf - BASE;
	mm_direct_map_size = BASE + pool;

	printf("mm benchmark (single thread pinned, -O2, checks on: "
	       "validation, redzones=%d, poison of freed objects: %u head "
	       "bytes + redzone; per-CPU cache %u objects per class; median "
	       "of %d runs)\n\n", HEAP_REDZONE, impl[HV].poison, HEAP_MAG,
	       RUNS);
	measure(impl, ok, heap_only ? MIMALLOC + 1 : NIMPL, lifo, rnd);
	printf("%-27s %14s %14s\n", "allocator", "LIFO Mops/s",
	       "random Mops/s");
	for (unsigned i = 0; i < NIMPL; i++) {
		if (heap_only && !ok[i])
			continue;
		if (!ok[i])
			printf("%-27s %14s %14s\n", impl[i].name, "n/a", "n/a");
		else
			printf("%-27s %14.1f %14.1f\n", impl[i].name, lifo[i],
			       rnd[i]);
	}
	printf("\nratios, per run (%d runs): min median max; flagged (not "
	       "failed) when any run is below target: wall-clock on a shared "
	       "machine\n", RUNS);
	printf("%-30s %14s   %14s  %6s  %s\n", "", "LIFO", "random", "target",
	       "result");
	print_ratio("hv heap vs glibc", HV, GLIBC, 1.0);
	if (ok[MIMALLOC])
		print_ratio("hv heap vs mimalloc", HV, MIMALLOC, 0.7);
	print_ratio("heap_poison=full vs glibc", HV_FULL, GLIBC, 0);
	if (ok[MIMALLOC])
		print_ratio("heap_poison=full vs mimalloc", HV_FULL, MIMALLOC,
			    0);
	if (heap_only)
		goto summary;

	hv_reset(HEAP_POISON_DEFAULT);
	printf("\n%-20s %14s\n", "frame order", "alloc+free/s");
	printf("%-20s %14.0f\n", "0 (4 KiB)", frame_rate(0));
	printf("%-20s %14.0f\n", "9 (2 MiB)", frame_rate(9));
	printf("%-20s %14.1f\n", "18 (1 GiB)", frame_rate(18));

	frame_get_stats(&st);
	{
		/* A size, the same on every run: pass or fail. */
		double pct = 100.0 * st.meta_bytes / st.pool_size;
		bool met = st.meta_bytes * 1000 <= st.pool_size * 2;

		printf("\nframe bookkeeping: %llu bytes per MiB of pool (%.3f%%, "
		       "target <= 0.2%%)  %s\n",
		       (unsigned long long)(st.meta_bytes / (st.pool_size / MiB)),
		       pct, met ? "PASS" : "FAIL");
		if (met)
			n_passed++;
		else
			n_failed++;
	}
	printf("heap arena header: 640 bytes per 64 KiB arena (%.2f%%)\n",
	       100.0 * 640 / 65536);
summary:
	printf("\nbench-mm: %u passed, %u failed, %u flagged\n", n_passed,
	       n_failed, n_flagged);
	return n_failed ? 1 : 0;
}

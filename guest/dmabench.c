/*
 * guest/dmabench.c - edu DMA throughput, guest option `dmabench=N`
 * (make bench-iommu, tools/bench-iommu.py; docs/iommu.md, "Benchmark").
 *
 * DMABENCH_ROUNDS rounds of N round trips: EDU_XFER_MAX bytes (4 KiB
 * less 8: guest/guest.h) of a page of guest RAM, a fresh pattern each
 * time, are DMAed into edu's buffer, then out of it into another page,
 * and compared. Round trip i uses source and destination page
 * i % DMAB_PAGES, so the device reaches more than one page each way (an
 * IOMMU walks its tables once per page and then hits in its IOTLB: the
 * runner counts both in QEMU's trace). Only the transfers are timed
 * (TSC from the command write until the engine says done; filling and
 * comparing are not). One line per round:
 *   dmabench round R: D of N round trips, I intact, B bytes each way,
 *     to-device C1 cycles, to-RAM C2 cycles, T cycles/ms
 * then the check `dmabench` (every round trip done and intact).
 *
 * QEMU's edu starts a transfer 100 ms (virtual clock) after the command
 * (its dma_rw arms a timer): what is measured is mostly that delay, and
 * an IOMMU's cost shows only as what it adds to it.
 */
#include "guest/guest.h"

#define DMAB_PAGES 8

static uint8_t src_pages[DMAB_PAGES][4096] __attribute__((aligned(4096)));
static uint8_t dst_pages[DMAB_PAGES][4096] __attribute__((aligned(4096)));

/* A pattern that differs for every SEED and every 8 bytes (xorshift64). */
static void fill(uint8_t *p, uint64_t seed)
{
	uint64_t x = 0x9E3779B97F4A7C15ull * (seed + 1);

	for (size_t i = 0; i < EDU_XFER_MAX; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(p + i, &x, 8);
	}
}

void dmabench_run(unsigned n)
{
	uint64_t per_ms = tsc_per_ms;
	unsigned total_ok = 0, total = DMABENCH_ROUNDS * n;
	const char *why = "";
	uintptr_t bar;
	int fn;

	bar = edu_open(&fn);
	if (!bar || !per_ms || n == 0 || n > DMABENCH_MAX) {
		check_report("dmabench", false, "%s", !bar ? "no edu device on bus 0" :
			     !per_ms ? "TSC not calibrated" : "N out of range");
		return;
	}
	printk("dmabench: %u rounds of %u round trips of %u bytes\n",
	       DMABENCH_ROUNDS, n, EDU_XFER_MAX);
	for (unsigned r = 0; r < DMABENCH_ROUNDS && !*why; r++) {
		uint64_t to_dev = 0, to_ram = 0;
		unsigned done = 0, intact = 0;

		for (unsigned i = 0; i < n; i++) {
			uint8_t *s = src_pages[i % DMAB_PAGES];
			uint8_t *d = dst_pages[i % DMAB_PAGES];
			uint64_t t0, t1, t2;

			fill(s, (uint64_t)r * n + i);
			memset(d, 0, EDU_XFER_MAX);
			t0 = rdtsc();
			if (!edu_xfer(bar, (uintptr_t)s, EDU_BUF_ADDR,
				      EDU_XFER_MAX, false)) {
				why = "DMA engine stuck (to device)";
				break;
			}
			t1 = rdtsc();
			if (!edu_xfer(bar, EDU_BUF_ADDR, (uintptr_t)d,
				      EDU_XFER_MAX, true)) {
				why = "DMA engine stuck (to RAM)";
				break;
			}
			t2 = rdtsc();
			to_dev += t1 - t0;
			to_ram += t2 - t1;
			done++;
			intact += memcmp(s, d, EDU_XFER_MAX) == 0;
		}
		printk("dmabench round %u: %u of %u round trips, %u intact, "
		       "%lu bytes each way, to-device %lu cycles, to-RAM %lu "
		       "cycles, %lu cycles/ms\n", r, done, n, intact,
		       (unsigned long)done * EDU_XFER_MAX, (unsigned long)to_dev,
		       (unsigned long)to_ram, (unsigned long)per_ms);
		total_ok += intact;
	}
	check_report("dmabench", !*why && total_ok == total,
		     "%s; %u of %u round trips intact", why, total_ok, total);
}

/*
 * bench/bench_fb.c - the screen renderer's cost (make bench-fb,
 * docs/screen.md): a boot-like log of LINES lines drawn on host buffers
 * of common modes, with fb/render.c as the hypervisor compiles it (-O2).
 *
 * Deterministic: the cells drawn against a full redraw on every scroll
 * (what the renderer would cost without its cell array). Noisy: ns per
 * character on this host, min / median / max over ROUNDS.
 * Output: one "key value" line per number (tools/bench-fb.py judges).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fb/fb.h"

#define LINES  400
#define ROUNDS 5

/* The log: "hv: " lines of 10..130 characters (a boot log's spread: the
 * memory map's 50, the summary's 100+, short status lines), from a fixed
 * generator so that every run draws the same text. */
static char *make_log(size_t *len)
{
	static const char words[] = "svm acpi mm 0000000000100000 cpu online "
		"iommu pool frame heap-arena ready guest loaded entry lapic";
	char *log = malloc(LINES * 140);
	uint32_t seed = 12345;
	size_t n = 0;

	for (int i = 0; i < LINES; i++) {
		unsigned want;

		seed = seed * 1103515245u + 12345u;
		want = 10 + (seed >> 16) % 121;
		n += (size_t)sprintf(log + n, "hv: ");
		for (unsigned k = 0; k < want; k++)
			log[n++] = words[(seed + k * 7) % (sizeof(words) - 1)];
		log[n++] = '\n';
	}
	*len = n;
	return log;
}

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void run(const char *name, uint32_t w, uint32_t h, uint8_t bpp,
		const char *log, size_t len)
{
	struct fb f = { .width = w, .height = h, .bpp = bpp, .type = FB_TYPE_RGB,
			.red = { 16, 8 }, .green = { 8, 8 }, .blue = { 0, 8 } };
	double ns[ROUNDS];
	size_t ncells;
	char *cells;
	uint64_t full;

	if (bpp == 16)
		f = (struct fb){ .width = w, .height = h, .bpp = 16,
				 .type = FB_TYPE_RGB, .red = { 11, 5 },
				 .green = { 5, 6 }, .blue = { 0, 5 } };
	f.pitch = w * ((bpp + 7u) / 8u);
	f.base = malloc((size_t)f.pitch * h);
	ncells = fb_cells_wanted(&f);
	cells = malloc(ncells);
	for (int r = 0; r < ROUNDS; r++) {
		double t0;

		if (fb_init(&f, cells, ncells))
			abort();
		fb_clear(&f);
		t0 = now_ns();
		fb_write(&f, log, len);
		ns[r] = (now_ns() - t0) / (double)len;
	}
	qsort(ns, ROUNDS, sizeof(ns[0]), cmp);
	/* A full redraw per scroll draws every cell; writing the text
	 * itself draws one cell per printable character at least. */
	full = f.scrolls * (uint64_t)f.cols * f.rows;
	printf("%s.cols %u\n%s.rows %u\n", name, f.cols, name, f.rows);
	printf("%s.scrolls %llu\n", name, (unsigned long long)f.scrolls);
	printf("%s.drawn %llu\n", name, (unsigned long long)f.drawn);
	printf("%s.full_redraw %llu\n", name, (unsigned long long)full);
	printf("%s.ns_per_char %.1f %.1f %.1f\n", name, ns[0], ns[ROUNDS / 2],
	       ns[ROUNDS - 1]);
	free(cells);
	free(f.base);
}

int main(void)
{
	size_t len;
	char *log = make_log(&len);

	printf("log.bytes %zu\nlog.lines %d\n", len, LINES);
	run("1024x768x32", 1024, 768, 32, log, len);
	run("1920x1080x32", 1920, 1080, 32, log, len);
	run("1024x768x16", 1024, 768, 16, log, len);
	free(log);
	return 0;
}

/*
 * loader/mbi.c - the guest's Multiboot2 information block (Multiboot2
 * spec 3.6): fixed part, then 8-byte aligned tags, then the end tag.
 * Built in two passes over the same code: the first only counts (so a
 * buffer that is too small is never touched), the second writes.
 */
#include "loader/formats.h"
#include "lib/lib.h"

#define RSDP_V1_LEN 20  /* ACPI 6.5, 5.2.5.3: RSDP without the v2 fields */
#define RSDP_V2_MIN 36

_Static_assert(sizeof(struct mem_range) == sizeof(struct mb2_mmap_entry),
	       "guest map entries are converted in place");

struct mbi_w {
	uint8_t *buf;   /* NULL: count only */
	size_t pos;
};

static void put(struct mbi_w *w, const void *p, size_t n)
{
	if (w->buf)
		memcpy(w->buf + w->pos, p, n);
	w->pos += n;
}

static void pad8(struct mbi_w *w)
{
	static const uint8_t zero[8];

	put(w, zero, ALIGN_UP(w->pos, 8) - w->pos);
}

static void tag_hdr(struct mbi_w *w, uint32_t type, size_t payload)
{
	struct mb2_tag t = { type, (uint32_t)(sizeof(t) + payload) };

	put(w, &t, sizeof(t));
}

static void tag_string(struct mbi_w *w, uint32_t type, const char *s)
{
	size_t n = strlen(s) + 1;

	tag_hdr(w, type, n);
	put(w, s, n);
	pad8(w);
}

/* Bytes of contiguous guest RAM from `from` upwards. */
static uint64_t usable_run(const struct loader_memmap *map, uint64_t from)
{
	struct loader_class c;
	uint64_t cur = from;

	for (;;) {
		loader_classify(map, cur, &c);
		if (c.kind != LK_RANGE ||
		    map->ranges[c.index].type != MEM_USABLE)
			return cur - from;
		if (!c.next)
			return UINT64_MAX - from;
		cur = c.next;
	}
}

static void tag_meminfo(struct mbi_w *w, const struct loader_memmap *map)
{
	uint64_t lower = MIN(usable_run(map, 0), 640 * KiB) / KiB;
	uint64_t upper = MIN(usable_run(map, 1 * MiB) / KiB, UINT32_MAX);
	uint32_t v[2] = { (uint32_t)lower, (uint32_t)upper };

	tag_hdr(w, MB2_TAG_MEMINFO, sizeof(v));
	put(w, v, sizeof(v));
}

/* The entries are produced by loader_guest_mmap straight into the buffer
 * (same size as mb2_mmap_entry), then rewritten in place. */
static void tag_mmap(struct mbi_w *w, const struct loader_memmap *map)
{
	size_t n = loader_guest_mmap(map, NULL, 0), i;
	uint32_t head[2] = { sizeof(struct mb2_mmap_entry), 0 };
	struct mb2_mmap_entry e;
	struct mem_range r;
	uint8_t *p;

	tag_hdr(w, MB2_TAG_MMAP, sizeof(head) + n * sizeof(e));
	put(w, head, sizeof(head));
	if (w->buf) {
		p = w->buf + w->pos;
		assert(IS_ALIGNED((uintptr_t)p, 8));
		loader_guest_mmap(map, (struct mem_range *)p, n);
		for (i = 0; i < n; i++) {
			memcpy(&r, p + i * sizeof(e), sizeof(r));
			e = (struct mb2_mmap_entry){ r.base, r.len,
						     r.raw_type, 0 };
			memcpy(p + i * sizeof(e), &e, sizeof(e));
		}
	}
	w->pos += n * sizeof(e);
}

static void tag_module(struct mbi_w *w, const struct boot_module *m)
{
	const char *s = m->string ? m->string : "";
	size_t n = strlen(s) + 1;
	uint32_t v[2] = { (uint32_t)m->start, (uint32_t)m->end };

	tag_hdr(w, MB2_TAG_MODULE, sizeof(v) + n);
	put(w, v, sizeof(v));
	put(w, s, n);
	pad8(w);
}

static void tag_blob(struct mbi_w *w, uint32_t type, const void *p, size_t n)
{
	tag_hdr(w, type, n);
	put(w, p, n);
	pad8(w);
}

static void build(struct mbi_w *w, const struct loader_mbi_input *in)
{
	struct mb2_info_hdr h = { 0, 0 };
	size_t i;

	put(w, &h, sizeof(h));
	tag_string(w, MB2_TAG_CMDLINE, in->cmdline ? in->cmdline : "");
	if (in->loader_name)
		tag_string(w, MB2_TAG_LOADER_NAME, in->loader_name);
	for (i = 0; i < in->nmodules; i++)
		tag_module(w, &in->modules[i]);
	tag_meminfo(w, in->map);
	tag_mmap(w, in->map);
	if (in->rsdp_old)
		tag_blob(w, MB2_TAG_ACPI_OLD, in->rsdp_old, in->rsdp_old_len);
	if (in->rsdp_new)
		tag_blob(w, MB2_TAG_ACPI_NEW, in->rsdp_new, in->rsdp_new_len);
	tag_hdr(w, MB2_TAG_END, 0);
	if (w->buf) {
		h.total_size = (uint32_t)w->pos;
		memcpy(w->buf, &h, sizeof(h));
	}
}

static int check_input(const struct loader_mbi_input *in,
		       struct loader_err *err)
{
	size_t i;

	if (in->nmodules > BOOT_MAX_MODULES)
		return loader_fail(err, LOADER_E_INVAL,
			"mbi: %zu modules, at most %d", in->nmodules,
			BOOT_MAX_MODULES);
	for (i = 0; i < in->nmodules; i++)
		if (in->modules[i].start > in->modules[i].end ||
		    in->modules[i].end > UINT32_MAX)
			return loader_fail(err, LOADER_E_INVAL,
				"mbi: module %zu [0x%lx-0x%lx) is not a 32-bit "
				"range", i, in->modules[i].start,
				in->modules[i].end);
	if (in->rsdp_old && in->rsdp_old_len != RSDP_V1_LEN)
		return loader_fail(err, LOADER_E_INVAL,
			"mbi: old RSDP length %zu != %d", in->rsdp_old_len,
			RSDP_V1_LEN);
	if (in->rsdp_new && (in->rsdp_new_len < RSDP_V2_MIN ||
			     in->rsdp_new_len > 4 * KiB))
		return loader_fail(err, LOADER_E_INVAL,
			"mbi: new RSDP length %zu out of range",
			in->rsdp_new_len);
	return LOADER_OK;
}

int loader_build_mbi(const struct loader_mbi_input *in, void *buf,
		     size_t cap, size_t *needed, struct loader_err *err)
{
	struct mbi_w w = { NULL, 0 };
	int rc = check_input(in, err);

	if (rc)
		return rc;
	build(&w, in);
	*needed = w.pos;
	if (w.pos > UINT32_MAX)
		return loader_fail(err, LOADER_E_INVAL,
			"mbi: %zu bytes do not fit total_size", w.pos);
	if (w.pos > cap || !buf)
		return loader_fail(err, LOADER_E_TOOSMALL,
			"mbi: needs %zu bytes, buffer has %zu", w.pos, cap);
	w.buf = buf;
	w.pos = 0;
	build(&w, in);
	assert(w.pos == *needed);
	return LOADER_OK;
}

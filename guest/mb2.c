/*
 * guest/mb2.c - the guest's own Multiboot2 information parser (Multiboot2
 * spec 3.6). Pure: no I/O, so it runs in the host unit tests. Everything
 * is checked against the block's total_size before it is read.
 */
#include "boot/multiboot2.h"
#include "guest/guest.h"

/* Layouts and tag numbers: boot/multiboot2.h, shared with the
 * hypervisor. */

/* A string tag must hold a NUL inside its payload. */
static const char *tag_string(const uint8_t *payload, size_t len)
{
	if (len == 0 || strnlen((const char *)payload, len) == len)
		return NULL;
	return (const char *)payload;
}

static const char *parse_mmap(const uint8_t *tag, uint32_t size,
			      struct guest_boot *out)
{
	struct mb2_tag_mmap h;

	if (size < sizeof(h))
		return "memory map tag too small";
	memcpy(&h, tag, sizeof(h));
	if (h.entry_size < sizeof(struct mb2_mmap_entry) || h.entry_size % 8)
		return "memory map entry size invalid";
	for (size_t off = sizeof(h); off + h.entry_size <= size;
	     off += h.entry_size) {
		struct mb2_mmap_entry e;
		memcpy(&e, tag + off, sizeof(e));
		if (out->nr_ranges == GUEST_MAX_RANGES) {
			out->mmap_truncated = true;
			break;
		}
		out->ranges[out->nr_ranges++] = (struct guest_range){
			.base = e.base_addr, .len = e.length, .type = e.type,
		};
	}
	return NULL;
}

const char *mb2_parse(const void *info, size_t max_len, struct guest_boot *out)
{
	const uint8_t *p = info;
	uint32_t total;
	bool saw_end = false;

	memset(out, 0, sizeof(*out));
	out->cmdline = "";
	out->loader = "";
	if (info == NULL || ((uintptr_t)info & 7))
		return "information not 8-byte aligned";
	if (max_len < 16)
		return "information block too small";
	memcpy(&total, p, sizeof(total));
	if (total < 16 || total > max_len || total % 8)
		return "total_size invalid";
	for (size_t off = 8; off < total;) {
		struct mb2_tag t;
		if (total - off < sizeof(t))
			return "tag header crosses the end";
		memcpy(&t, p + off, sizeof(t));
		if (t.size < sizeof(t) || t.size > total - off)
			return "tag size invalid";
		const uint8_t *payload = p + off + sizeof(t);
		size_t plen = t.size - sizeof(t);
		const char *why = NULL;
		switch (t.type) {
		case MB2_TAG_END:
			if (t.size != 8)
				return "end tag size invalid";
			saw_end = true;
			break;
		case MB2_TAG_CMDLINE:
			out->cmdline = tag_string(payload, plen);
			if (out->cmdline == NULL)
				return "command line not terminated";
			break;
		case MB2_TAG_LOADER_NAME:
			out->loader = tag_string(payload, plen);
			if (out->loader == NULL)
				return "boot loader name not terminated";
			break;
		case MB2_TAG_MMAP:
			why = parse_mmap(p + off, t.size, out);
			break;
		case MB2_TAG_ACPI_OLD:
		case MB2_TAG_ACPI_NEW:
			/* The new RSDP (5.2.5.3, 36 bytes) wins over the old. */
			if (plen >= 20 && (out->rsdp == NULL ||
					   t.type == MB2_TAG_ACPI_NEW)) {
				out->rsdp = payload;
				out->rsdp_len = plen;
			}
			break;
		default:
			break;
		}
		if (why)
			return why;
		if (saw_end)
			return NULL;
		off += ALIGN_UP((size_t)t.size, (size_t)8);
	}
	return "no end tag";
}

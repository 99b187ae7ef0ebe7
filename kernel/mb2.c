/*
 * kernel/mb2.c - the Multiboot2 information parser (Multiboot2 spec 3.6).
 *
 * The block comes from the boot loader: every size, alignment and bound is
 * checked before a field is read, and any inconsistency fails the whole
 * parse with a message naming the tag (check, then act). Built for the
 * kernel and for the host tests (tests/unit/test_mb2.c, fuzz_mb2.c).
 */
#include "boot/multiboot2.h"
#include "kernel/kernel.h"
#include "kernel/private.h"
#include "lib/lib.h"

#define MB2_MAX_SIZE (4 * MiB)
#define SINGLETON_TAGS (BIT(MB2_TAG_CMDLINE) | BIT(MB2_TAG_LOADER_NAME) |     \
			BIT(MB2_TAG_MEMINFO) | BIT(MB2_TAG_MMAP) |                \
			BIT(MB2_TAG_EFI32) | BIT(MB2_TAG_EFI64) |                 \
			BIT(MB2_TAG_ACPI_OLD) | BIT(MB2_TAG_ACPI_NEW) |           \
			BIT(MB2_TAG_EFI_MMAP) | BIT(MB2_TAG_LOAD_BASE))

static const char *tag_name(uint32_t t)
{
	switch (t) {
	case MB2_TAG_END: return "end";
	case MB2_TAG_CMDLINE: return "command line";
	case MB2_TAG_LOADER_NAME: return "boot loader name";
	case MB2_TAG_MODULE: return "module";
	case MB2_TAG_MEMINFO: return "basic memory information";
	case MB2_TAG_MMAP: return "memory map";
	case MB2_TAG_EFI64: return "EFI64 system table";
	case MB2_TAG_ACPI_OLD: return "ACPI old RSDP";
	case MB2_TAG_ACPI_NEW: return "ACPI new RSDP";
	case MB2_TAG_EFI_MMAP: return "EFI memory map";
	case MB2_TAG_LOAD_BASE: return "image load base";
	case MB2_TAG_FRAMEBUFFER: return "framebuffer";
	default: return "tag";
	}
}

const char *mem_type_name(uint32_t type)
{
	switch (type) {
	case MEM_USABLE: return "usable";
	case MEM_RESERVED: return "reserved";
	case MEM_ACPI_RECLAIM: return "ACPI reclaimable";
	case MEM_ACPI_NVS: return "ACPI NVS";
	case MEM_BAD: return "bad";
	case MEM_PERSISTENT: return "persistent";
	case MEM_EFI_RUNTIME: return "EFI runtime";
	case MEM_MMIO: return "MMIO";
	default: return "unknown";
	}
}

/* e820 types beyond 1..5 and 7 are kept raw but treated as reserved. */
static uint32_t classify_e820(uint32_t t)
{
	switch (t) {
	case MEM_USABLE: case MEM_RESERVED: case MEM_ACPI_RECLAIM:
	case MEM_ACPI_NVS: case MEM_BAD: case MEM_PERSISTENT:
		return t;
	default:
		return MEM_RESERVED;
	}
}

/* UEFI 2.x, 7.2: after ExitBootServices loader and boot-services memory
 * is free; runtime, ACPI, MMIO and PAL memory is not. */
static uint32_t classify_efi(uint32_t t)
{
	switch (t) {
	case 1: case 2: case 3: case 4: case 7: return MEM_USABLE;
	case 5: case 6: return MEM_EFI_RUNTIME;
	case 8: return MEM_BAD;
	case 9: return MEM_ACPI_RECLAIM;
	case 10: return MEM_ACPI_NVS;
	case 11: case 12: return MEM_MMIO;
	case 14: return MEM_PERSISTENT;
	default: return MEM_RESERVED;
	}
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__printf(3, 4);
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* A string tag's payload must hold its NUL inside the tag. */
static const char *tag_string(const uint8_t *payload, uint32_t len)
{
	if (len == 0 || payload[len - 1] != 0)
		return NULL;
	return (const char *)payload;
}

static int parse_mmap(const uint8_t *t, uint32_t size, struct bootinfo *bi,
		      char *err, size_t errlen)
{
	const struct mb2_tag_mmap *m = (const void *)t;
	uint32_t n;

	if (size < sizeof(*m))
		return fail(err, errlen, "memory map tag: size %u too small", size);
	if (m->entry_size < sizeof(struct mb2_mmap_entry) || m->entry_size % 8)
		return fail(err, errlen, "memory map tag: bad entry size %u",
			    m->entry_size);
	n = (size - (uint32_t)sizeof(*m)) / m->entry_size;
	if (n > BOOT_MAX_RANGES)
		return fail(err, errlen, "memory map tag: %u entries (max %d)",
			    n, BOOT_MAX_RANGES);
	for (uint32_t i = 0; i < n; i++) {
		struct mb2_mmap_entry e;

		memcpy(&e, t + sizeof(*m) + (size_t)i * m->entry_size, sizeof(e));
		if (e.length && e.base_addr + e.length - 1 < e.base_addr)
			return fail(err, errlen,
				    "memory map tag: entry %u wraps around", i);
		bi->mmap[i] = (struct mem_range){ e.base_addr, e.length,
						  classify_e820(e.type), e.type };
	}
	bi->nmmap = n;
	return 0;
}

static int parse_efi_mmap(const uint8_t *t, uint32_t size, struct bootinfo *bi,
			  char *err, size_t errlen)
{
	const struct mb2_tag_efi_mmap *m = (const void *)t;
	uint32_t n;

	if (size < sizeof(*m))
		return fail(err, errlen, "EFI memory map tag: size %u too small",
			    size);
	if (m->descr_size < sizeof(struct efi_mem_desc) || m->descr_size % 8)
		return fail(err, errlen,
			    "EFI memory map tag: bad descriptor size %u",
			    m->descr_size);
	n = (size - (uint32_t)sizeof(*m)) / m->descr_size;
	bi->nefimap = 0;
	for (uint32_t i = 0; i < n; i++) {
		struct efi_mem_desc d;
		struct mem_range *last = bi->nefimap ? &bi->efimap[bi->nefimap - 1] : NULL;
		uint32_t cls;

		memcpy(&d, t + sizeof(*m) + (size_t)i * m->descr_size, sizeof(d));
		if (d.num_pages > (UINT64_MAX >> 12) ||
		    d.phys_start + (d.num_pages << 12) < d.phys_start ||
		    (d.phys_start & 0xFFF))
			return fail(err, errlen,
				    "EFI memory map tag: descriptor %u is malformed", i);
		cls = classify_efi(d.type);
		/* Firmware maps are long and fragmented: merge a descriptor
		 * into the previous one when both are of one class and touch
		 * (raw_type then keeps the first one's). */
		if (last && last->type == cls && last->base + last->len == d.phys_start) {
			last->len += d.num_pages << 12;
			continue;
		}
		if (bi->nefimap == BOOT_MAX_RANGES)
			return fail(err, errlen,
				    "EFI memory map tag: more than %d ranges after merging",
				    BOOT_MAX_RANGES);
		bi->efimap[bi->nefimap++] = (struct mem_range){
			d.phys_start, d.num_pages << 12, cls, d.type };
	}
	return 0;
}

static int parse_tag(const uint8_t *t, uint32_t type, uint32_t size,
		     struct bootinfo *bi, char *err, size_t errlen)
{
	const uint8_t *payload = t + 8;
	uint32_t plen = size - 8;
	const char *s;

	switch (type) {
	case MB2_TAG_CMDLINE:
	case MB2_TAG_LOADER_NAME:
		s = tag_string(payload, plen);
		if (!s)
			return fail(err, errlen, "%s tag: string not terminated",
				    tag_name(type));
		if (type == MB2_TAG_CMDLINE)
			bi->cmdline = s;
		else
			bi->loader_name = s;
		return 0;
	case MB2_TAG_MODULE: {
		const struct mb2_tag_module *m = (const void *)t;

		if (size < sizeof(*m) + 1)
			return fail(err, errlen, "module tag: size %u too small", size);
		s = tag_string((const uint8_t *)(m + 1), size - (uint32_t)sizeof(*m));
		if (!s)
			return fail(err, errlen, "module tag: string not terminated");
		if (m->mod_end < m->mod_start)
			return fail(err, errlen, "module tag '%s': end 0x%x before start 0x%x",
				    s, m->mod_end, m->mod_start);
		if (bi->nmods == BOOT_MAX_MODULES)
			return fail(err, errlen, "module tag: more than %d modules",
				    BOOT_MAX_MODULES);
		bi->mods[bi->nmods++] = (struct boot_module){ m->mod_start,
							      m->mod_end, s };
		return 0;
	}
	case MB2_TAG_MEMINFO: {
		const struct mb2_tag_meminfo *m = (const void *)t;

		if (size < sizeof(*m))
			return fail(err, errlen, "basic memory information tag: size %u", size);
		bi->has_meminfo = true;
		bi->mem_lower_kib = m->mem_lower;
		bi->mem_upper_kib = m->mem_upper;
		return 0;
	}
	case MB2_TAG_MMAP:
		return parse_mmap(t, size, bi, err, errlen);
	case MB2_TAG_EFI_MMAP:
		return parse_efi_mmap(t, size, bi, err, errlen);
	case MB2_TAG_EFI32:
	case MB2_TAG_EFI64:
		if (plen < (type == MB2_TAG_EFI64 ? 8u : 4u))
			return fail(err, errlen, "%s tag: size %u", tag_name(type), size);
		bi->uefi = true;
		return 0;
	case MB2_TAG_ACPI_OLD:
		if (plen < 20)
			return fail(err, errlen, "ACPI old RSDP tag: size %u", size);
		bi->rsdp_old = payload;
		bi->rsdp_old_len = plen;
		return 0;
	case MB2_TAG_ACPI_NEW:
		if (plen < 36)
			return fail(err, errlen, "ACPI new RSDP tag: size %u", size);
		bi->rsdp_new = payload;
		bi->rsdp_new_len = plen;
		return 0;
	case MB2_TAG_LOAD_BASE:
		if (plen < 4)
			return fail(err, errlen, "image load base tag: size %u", size);
		bi->has_load_base = true;
		bi->load_base = (uint64_t)payload[0] | (uint64_t)payload[1] << 8 |
				(uint64_t)payload[2] << 16 | (uint64_t)payload[3] << 24;
		return 0;
	case MB2_TAG_FRAMEBUFFER:
		mb2_parse_framebuffer(t, size, bi);
		return 0;
	default:
		return 0; /* spec 3.6: unknown tags are skipped */
	}
}

int mb2_parse(const void *mbi, size_t avail, uint64_t mbi_pa,
	      struct bootinfo *bi, char *err, size_t errlen)
{
	const uint8_t *base = mbi;
	struct mb2_info_hdr fx;
	uint32_t off, seen = 0;
	bool end = false;

	memset(bi, 0, sizeof(*bi));
	bi->cmdline = "";
	bi->loader_name = "(unnamed)";
	bi->mbi_pa = mbi_pa;
	if (mbi_pa & 7)
		return fail(err, errlen, "boot information at 0x%llx is not 8-byte aligned",
			    (unsigned long long)mbi_pa);
	if (avail < sizeof(fx))
		return fail(err, errlen, "boot information truncated");
	memcpy(&fx, base, sizeof(fx));
	if (fx.total_size < sizeof(fx) + 8 || fx.total_size > avail ||
	    fx.total_size > MB2_MAX_SIZE)
		return fail(err, errlen, "boot information: total size %u out of range",
			    fx.total_size);
	bi->mbi_size = fx.total_size;

	for (off = sizeof(fx); off + 8 <= fx.total_size;) {
		struct mb2_tag tag;

		memcpy(&tag, base + off, sizeof(tag));
		if (tag.size < 8 || tag.size > fx.total_size - off)
			return fail(err, errlen,
				    "%s tag (type %u) at offset %u: size %u runs past the end",
				    tag_name(tag.type), tag.type, off, tag.size);
		if (tag.type == MB2_TAG_END) {
			if (tag.size != 8)
				return fail(err, errlen, "end tag: size %u", tag.size);
			end = true;
			break;
		}
		/* The tags we use must be unique: a second copy means a
		 * confused boot loader. (Others may repeat: GRUB writes one
		 * network tag per interface.) */
		if (tag.type < 32 && (BIT(tag.type) & SINGLETON_TAGS) &&
		    (seen & (1U << tag.type)))
			return fail(err, errlen, "%s tag (type %u) appears twice",
				    tag_name(tag.type), tag.type);
		if (tag.type < 32)
			seen |= 1U << tag.type;
		if (parse_tag(base + off, tag.type, tag.size, bi, err, errlen))
			return -1;
		off += ALIGN_UP(tag.size, 8u);
	}
	if (!end)
		return fail(err, errlen, "end tag missing");
	if (!bi->nmmap && !bi->nefimap)
		return fail(err, errlen, "memory map tag missing (neither type 6 nor 17)");
	mb2_check_framebuffer(bi);
	return 0;
}

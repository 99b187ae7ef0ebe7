/*
 * loader/mb2_header.c - find and validate a guest's Multiboot2 header
 * (Multiboot2 spec 3.1). The image is untrusted: every read is bounded by
 * the header's own length, which is bounded by the image and the 32 KiB
 * search window.
 */
#include "loader/formats.h"
#include "lib/lib.h"

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static const char *htag_name(uint16_t type)
{
	static const char *const names[] = {
		[MB2_HTAG_END] = "end",
		[MB2_HTAG_INFO_REQUEST] = "information request",
		[MB2_HTAG_ADDRESS] = "address",
		[MB2_HTAG_ENTRY] = "entry address",
		[MB2_HTAG_CONSOLE] = "console flags",
		[MB2_HTAG_FRAMEBUFFER] = "framebuffer",
		[MB2_HTAG_MODULE_ALIGN] = "module alignment",
		[MB2_HTAG_EFI_BS] = "EFI boot services",
		[MB2_HTAG_ENTRY_EFI32] = "EFI i386 entry address",
		[MB2_HTAG_ENTRY_EFI64] = "EFI amd64 entry address",
		[MB2_HTAG_RELOCATABLE] = "relocatable",
	};

	return type < ARRAY_SIZE(names) ? names[type] : "unknown";
}

/* Spec 3.1.4: each requested type must be one we provide unless the tag
 * is optional. */
static int parse_info_request(const uint8_t *t, uint32_t size, bool optional,
			      uint64_t provides, struct mb2_header_info *hdr,
			      struct loader_err *err)
{
	uint32_t off, type;

	if ((size - 8) % 4)
		return loader_fail(err, LOADER_E_HDR,
			"multiboot2: information request tag size %u is not "
			"8 + 4n", size);
	for (off = 8; off < size; off += 4) {
		type = rd32(t + off);
		if (type < 64)
			hdr->requested |= BIT(type);
		if (optional || (type < 64 && (provides & BIT(type))))
			continue;
		return loader_fail(err, LOADER_E_UNSUPPORTED,
			"multiboot2: guest requires information tag type %u, "
			"which we do not provide", type);
	}
	return LOADER_OK;
}

/* One header tag at t (size already checked to lie in the header). */
static int parse_tag(const uint8_t *t, uint64_t provides,
		     struct mb2_header_info *hdr, struct loader_err *err)
{
	struct mb2_htag h;
	bool optional;

	memcpy(&h, t, sizeof(h));
	optional = h.flags & MB2_HTAG_OPTIONAL;

	switch (h.type) {
	case MB2_HTAG_INFO_REQUEST:
		return parse_info_request(t, h.size, optional, provides, hdr,
					  err);
	case MB2_HTAG_ADDRESS:
		if (h.size != sizeof(struct mb2_htag_address))
			break;
		hdr->has_address = true;
		hdr->header_addr = rd32(t + 8);
		hdr->load_addr = rd32(t + 12);
		hdr->load_end_addr = rd32(t + 16);
		hdr->bss_end_addr = rd32(t + 20);
		return LOADER_OK;
	case MB2_HTAG_ENTRY:
		if (h.size != sizeof(struct mb2_htag_u32))
			break;
		hdr->has_entry = true;
		hdr->entry_addr = rd32(t + 8);
		return LOADER_OK;
	case MB2_HTAG_CONSOLE:
		if (h.size != sizeof(struct mb2_htag_u32))
			break;
		/* We pass the console devices through: honoured. */
		hdr->console_flags = rd32(t + 8);
		return LOADER_OK;
	case MB2_HTAG_MODULE_ALIGN:
		if (h.size != sizeof(struct mb2_htag))
			break;
		hdr->module_align = true; /* modules are always page-aligned */
		return LOADER_OK;
	case MB2_HTAG_ENTRY_EFI32:
	case MB2_HTAG_ENTRY_EFI64:
		if (h.size != sizeof(struct mb2_htag_u32))
			break;
		/* Without EFI boot services the i386 entry is used (3.1.7). */
		return LOADER_OK;
	case MB2_HTAG_RELOCATABLE:
		if (h.size != 24)
			break;
		return LOADER_OK; /* loading at the link address honours it */
	case MB2_HTAG_FRAMEBUFFER:
		if (h.size != 20)
			break;
		/* we offer no framebuffer tag */
		__attribute__((fallthrough));
	default:
		if (optional) {
			printk("loader: ignoring optional multiboot2 header "
			       "tag %u (%s)\n", h.type, htag_name(h.type));
			return LOADER_OK;
		}
		return loader_fail(err, LOADER_E_UNSUPPORTED,
			"multiboot2: required header tag %u (%s) is not "
			"supported", h.type, htag_name(h.type));
	}
	return loader_fail(err, LOADER_E_HDR,
		"multiboot2: header tag %u (%s) has bad size %u", h.type,
		htag_name(h.type), h.size);
}

/* Tags of the header at p (length already bounded); spec 3.1.3. */
static int parse_tags(const uint8_t *p, uint32_t length, uint64_t provides,
		      struct mb2_header_info *hdr, struct loader_err *err)
{
	uint32_t off = sizeof(struct mb2_header);
	struct mb2_htag h;
	int rc;

	while (off + sizeof(h) <= length) {
		memcpy(&h, p + off, sizeof(h));
		if (h.size < sizeof(h) || h.size > length - off)
			return loader_fail(err, LOADER_E_HDR,
				"multiboot2: header tag %u at +%u has size %u, "
				"outside the header (length %u)", h.type, off,
				h.size, length);
		if (h.type == MB2_HTAG_END) {
			if (h.size != sizeof(h))
				return loader_fail(err, LOADER_E_HDR,
					"multiboot2: end tag size %u != 8",
					h.size);
			return LOADER_OK;
		}
		rc = parse_tag(p + off, provides, hdr, err);
		if (rc)
			return rc;
		off += ALIGN_UP(h.size, 8);
	}
	return loader_fail(err, LOADER_E_HDR,
		"multiboot2: header has no end tag within its %u bytes",
		length);
}

int loader_find_mb2_header(const void *image, size_t size, uint64_t provides,
			   struct mb2_header_info *hdr, struct loader_err *err)
{
	const uint8_t *img = image;
	size_t limit = MIN(size, (size_t)MB2_SEARCH_LIMIT);
	struct mb2_header h;
	size_t off;
	const char *why = NULL, *reason;
	size_t why_off = 0;

	memset(hdr, 0, sizeof(*hdr));
	for (off = 0; off + sizeof(h) <= limit; off += 8) {
		memcpy(&h, img + off, sizeof(h));
		if (h.magic != MB2_HEADER_MAGIC)
			continue;
		if (h.magic + h.architecture + h.header_length + h.checksum)
			reason = "bad checksum";
		else if (h.architecture != 0)
			reason = "architecture is not i386 (0)";
		else if (h.header_length < sizeof(h) + sizeof(struct mb2_htag) ||
			 h.header_length > limit - off)
			reason = "header_length runs past the image or the "
				 "first 32 KiB";
		else
			reason = NULL;
		if (reason) { /* keep looking; report the first candidate */
			if (!why) {
				why = reason;
				why_off = off;
			}
			continue;
		}
		hdr->offset = off;
		hdr->length = h.header_length;
		return parse_tags(img + off, h.header_length, provides, hdr,
				  err);
	}
	if (why)
		return loader_fail(err, LOADER_E_NOHDR,
			"multiboot2: magic at 0x%zx but %s", why_off, why);
	return loader_fail(err, LOADER_E_NOHDR,
		"multiboot2: no header in the first 32 KiB of %zu bytes", size);
}

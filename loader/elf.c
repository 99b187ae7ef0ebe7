/*
 * loader/elf.c - validate a guest image and plan its loading: ELF32/ELF64
 * program headers (gABI chapter 5, "Program Loading") or the Multiboot2
 * a.out kludge (spec 3.1.5). Planning reads only; loader_execute writes.
 */
#include "loader/formats.h"
#include "lib/lib.h"

#define ELF_MAX_PHNUM 256
#define FOUR_GIB      (4 * GiB)

int loader_plan_segment(const struct loader_seg *s, unsigned idx,
			size_t image_size, const struct loader_memmap *map,
			struct loader_plan *plan, struct loader_err *err)
{
	uint64_t base = s->paddr, end = s->paddr + s->memsz;
	char what[32];
	size_t i;
	int rc;

	if (s->filesz > s->memsz)
		return loader_fail(err, LOADER_E_ELF,
			"segment %u: filesz 0x%lx > memsz 0x%lx", idx,
			s->filesz, s->memsz);
	if (s->offset > image_size || s->filesz > image_size - s->offset)
		return loader_fail(err, LOADER_E_ELF,
			"segment %u: file bytes [0x%lx+0x%lx] past the image "
			"end 0x%zx", idx, s->offset, s->filesz, image_size);
	if (end < base || end > FOUR_GIB)
		return loader_fail(err, LOADER_E_MEMORY,
			"segment %u: [0x%lx+0x%lx] does not end below 4 GiB",
			idx, base, s->memsz);
	if (plan->nseg == LOADER_MAX_SEGMENTS)
		return loader_fail(err, LOADER_E_ELF,
			"segment %u: more than %d loadable segments", idx,
			LOADER_MAX_SEGMENTS);
	for (i = 0; i < plan->nseg; i++)
		if (base < plan->seg[i].end && plan->seg[i].base < end)
			return loader_fail(err, LOADER_E_ELF,
				"segment %u [0x%lx-0x%lx) overlaps another "
				"segment [0x%lx-0x%lx)", idx, base, end,
				plan->seg[i].base, plan->seg[i].end);
	ksnprintf(what, sizeof(what), "segment %u", idx);
	rc = loader_check_ram(map, base, end, what, err);
	if (rc)
		return rc;

	plan->seg[plan->nseg].base = base;
	plan->seg[plan->nseg].end = end;
	plan->nseg++;
	plan->load_end = MAX(plan->load_end, end);
	if (s->filesz)
		plan->ops[plan->nops++] = (struct loader_op){
			LOADER_OP_COPY, base, s->offset, s->filesz };
	if (s->memsz > s->filesz)
		plan->ops[plan->nops++] = (struct loader_op){
			LOADER_OP_ZERO, base + s->filesz, 0,
			s->memsz - s->filesz };
	return LOADER_OK;
}

/* Read program header i of either class into the common form. */
static void read_phdr(const uint8_t *img, bool is64, uint64_t phoff,
		      unsigned i, uint32_t *type, struct loader_seg *s)
{
	if (is64) {
		struct elf64_phdr p;

		memcpy(&p, img + phoff + (uint64_t)i * sizeof(p), sizeof(p));
		*type = p.p_type;
		*s = (struct loader_seg){ p.p_offset, p.p_filesz, p.p_vaddr,
					  p.p_paddr, p.p_memsz };
	} else {
		struct elf32_phdr p;

		memcpy(&p, img + phoff + (uint64_t)i * sizeof(p), sizeof(p));
		*type = p.p_type;
		*s = (struct loader_seg){ p.p_offset, p.p_filesz, p.p_vaddr,
					  p.p_paddr, p.p_memsz };
	}
}

static int plan_elf(const uint8_t *img, size_t size,
		    const struct loader_memmap *map, struct loader_plan *plan,
		    bool need_entry, uint64_t *entry_phys,
		    struct loader_err *err)
{
	struct elf64_ehdr e64;
	struct elf32_ehdr e32;
	uint64_t phoff, entry;
	unsigned phnum, phentsize, i;
	bool is64, entry_found = false;
	struct loader_seg s;
	uint32_t type;
	int rc;

	if (size < sizeof(e32) || memcmp(img, "\177ELF", 4))
		return loader_fail(err, LOADER_E_ELF, "not an ELF image");
	is64 = img[EI_CLASS] == ELFCLASS64;
	if (!is64 && img[EI_CLASS] != ELFCLASS32)
		return loader_fail(err, LOADER_E_ELF, "ELF class %u unknown",
				   img[EI_CLASS]);
	if (img[EI_DATA] != ELFDATA2LSB || img[EI_VERSION] != EV_CURRENT)
		return loader_fail(err, LOADER_E_ELF,
			"ELF is not little-endian version 1");
	if (is64) {
		if (size < sizeof(e64))
			return loader_fail(err, LOADER_E_ELF,
				"ELF64 header truncated (%zu bytes)", size);
		memcpy(&e64, img, sizeof(e64));
		e32.e_type = e64.e_type;
		e32.e_machine = e64.e_machine;
		e32.e_version = e64.e_version;
		entry = e64.e_entry;
		phoff = e64.e_phoff;
		phnum = e64.e_phnum;
		phentsize = e64.e_phentsize;
	} else {
		memcpy(&e32, img, sizeof(e32));
		entry = e32.e_entry;
		phoff = e32.e_phoff;
		phnum = e32.e_phnum;
		phentsize = e32.e_phentsize;
	}
	if (e32.e_type != ET_EXEC || e32.e_version != EV_CURRENT ||
	    e32.e_machine != (is64 ? EM_X86_64 : EM_386))
		return loader_fail(err, LOADER_E_ELF,
			"ELF%d is not an x86 executable (type %u machine %u)",
			is64 ? 64 : 32, e32.e_type, e32.e_machine);
	if (phentsize != (is64 ? sizeof(struct elf64_phdr) :
				 sizeof(struct elf32_phdr)))
		return loader_fail(err, LOADER_E_ELF,
			"ELF e_phentsize %u is wrong", phentsize);
	if (phnum == 0 || phnum > ELF_MAX_PHNUM)
		return loader_fail(err, LOADER_E_ELF,
			"ELF e_phnum %u out of range 1..%d", phnum,
			ELF_MAX_PHNUM);
	if (phoff > size || (uint64_t)phnum * phentsize > size - phoff)
		return loader_fail(err, LOADER_E_ELF,
			"ELF program headers [0x%lx + %u * %u] past the image "
			"end 0x%zx", phoff, phnum, phentsize, size);

	for (i = 0; i < phnum; i++) {
		read_phdr(img, is64, phoff, i, &type, &s);
		if (type != PT_LOAD || s.memsz == 0)
			continue;
		rc = loader_plan_segment(&s, i, size, map, plan, err);
		if (rc)
			return rc;
		if (!entry_found && entry >= s.vaddr &&
		    entry - s.vaddr < s.memsz) {
			*entry_phys = entry - s.vaddr + s.paddr;
			entry_found = true;
		}
	}
	if (plan->nseg == 0)
		return loader_fail(err, LOADER_E_ELF,
			"ELF has no loadable segment");
	if (need_entry && !entry_found)
		return loader_fail(err, LOADER_E_ELF,
			"ELF entry 0x%lx is in no loadable segment", entry);
	return LOADER_OK;
}

/* Spec 3.1.5: the file from (offset - (header_addr - load_addr)) to
 * load_end_addr, then zeroes to bss_end_addr. */
static int plan_aout(size_t size, const struct mb2_header_info *h,
		     const struct loader_memmap *map, struct loader_plan *plan,
		     struct loader_err *err)
{
	uint64_t load = h->load_addr, off, filesz, memsz;
	struct loader_seg s;

	if (load == 0xFFFFFFFFu) { /* -1: load the file from its start */
		if (h->header_addr < h->offset)
			return loader_fail(err, LOADER_E_HDR,
				"multiboot2: header_addr 0x%x below the "
				"header's file offset 0x%x", h->header_addr,
				h->offset);
		load = h->header_addr - h->offset;
	}
	if (load > h->header_addr || h->header_addr - load > h->offset)
		return loader_fail(err, LOADER_E_HDR,
			"multiboot2: load_addr 0x%lx / header_addr 0x%x do "
			"not match the header's file offset 0x%x", load,
			h->header_addr, h->offset);
	off = h->offset - (h->header_addr - load);
	filesz = h->load_end_addr ? (uint64_t)h->load_end_addr - load :
				    size - off;
	if (h->load_end_addr && h->load_end_addr < load)
		return loader_fail(err, LOADER_E_HDR,
			"multiboot2: load_end_addr 0x%x below load_addr 0x%lx",
			h->load_end_addr, load);
	memsz = filesz;
	if (h->bss_end_addr) {
		if (h->bss_end_addr < load + filesz)
			return loader_fail(err, LOADER_E_HDR,
				"multiboot2: bss_end_addr 0x%x below the "
				"loaded data's end 0x%lx", h->bss_end_addr,
				load + filesz);
		memsz = h->bss_end_addr - load;
	}
	if (!h->has_entry)
		return loader_fail(err, LOADER_E_HDR,
			"multiboot2: address tag without entry address tag");
	s = (struct loader_seg){ off, filesz, load, load, memsz };
	if (memsz == 0)
		return loader_fail(err, LOADER_E_HDR,
			"multiboot2: address tag loads nothing");
	return loader_plan_segment(&s, 0, size, map, plan, err);
}

int loader_plan(const void *image, size_t size,
		const struct mb2_header_info *hdr,
		const struct loader_memmap *map, struct loader_plan *plan,
		struct loader_err *err)
{
	uint64_t entry = 0;
	size_t i;
	int rc;

	memset(plan, 0, sizeof(*plan));
	if (hdr->has_address)
		rc = plan_aout(size, hdr, map, plan, err);
	else
		rc = plan_elf(image, size, map, plan, !hdr->has_entry,
			      &entry, err);
	if (rc)
		return rc;
	if (hdr->has_entry)
		entry = hdr->entry_addr;
	for (i = 0; i < plan->nseg; i++)
		if (entry >= plan->seg[i].base && entry < plan->seg[i].end)
			break;
	if (i == plan->nseg)
		return loader_fail(err, LOADER_E_ELF,
			"entry 0x%lx is not inside a loaded segment", entry);
	plan->entry = (uint32_t)entry; /* segments end below 4 GiB */
	return LOADER_OK;
}

int loader_execute(const struct loader_plan *plan, const void *image,
		   size_t size, loader_phys_to_ptr phys_to_ptr, void *ctx,
		   struct loader_err *err)
{
	const struct loader_op *op;
	size_t i;
	void *dst;

	for (i = 0; i < plan->nops; i++) {
		op = &plan->ops[i];
		assert(op->kind != LOADER_OP_COPY ||
		       (op->src <= size && op->len <= size - op->src));
		dst = phys_to_ptr(ctx, op->dst, op->len);
		if (!dst)
			return loader_fail(err, LOADER_E_ACCESS,
				"cannot reach guest memory [0x%lx+0x%lx]",
				op->dst, op->len);
		if (op->kind == LOADER_OP_COPY)
			memcpy(dst, (const uint8_t *)image + op->src, op->len);
		else
			memset(dst, 0, op->len);
	}
	return LOADER_OK;
}

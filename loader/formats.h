/*
 * loader/formats.h - ELF32/ELF64 headers (System V ABI, ELF "gABI"
 * chapter 4/5) the loader reads; the Multiboot2 layouts are in
 * boot/multiboot2.h.
 * Private to loader/ and its tests; also the loader's internal helpers.
 */
#ifndef LOADER_FORMATS_H
#define LOADER_FORMATS_H

#include "boot/multiboot2.h"
#include "loader/loader.h"

/* ---- ELF (gABI: ELF header, program header) ----------------------------- */

#define EI_NIDENT     16
#define EI_CLASS      4
#define EI_DATA       5
#define EI_VERSION    6
#define ELFCLASS32    1
#define ELFCLASS64    2
#define ELFDATA2LSB   1
#define EV_CURRENT    1
#define ET_EXEC       2
#define EM_386        3
#define EM_X86_64     62
#define PT_LOAD       1

struct elf32_ehdr {
	uint8_t e_ident[EI_NIDENT];
	uint16_t e_type, e_machine;
	uint32_t e_version, e_entry, e_phoff, e_shoff, e_flags;
	uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum;
	uint16_t e_shstrndx;
} __packed;
_Static_assert(offsetof(struct elf32_ehdr, e_type) == 16, "elf");
_Static_assert(offsetof(struct elf32_ehdr, e_machine) == 18, "elf");
_Static_assert(offsetof(struct elf32_ehdr, e_version) == 20, "elf");
_Static_assert(offsetof(struct elf32_ehdr, e_entry) == 24, "elf");
_Static_assert(offsetof(struct elf32_ehdr, e_phoff) == 28, "elf");
_Static_assert(offsetof(struct elf32_ehdr, e_shoff) == 32, "elf");
_Static_assert(offsetof(struct elf32_ehdr, e_flags) == 36, "elf");
_Static_assert(offsetof(struct elf32_ehdr, e_ehsize) == 40, "elf");
_Static_assert(offsetof(struct elf32_ehdr, e_phentsize) == 42, "elf");
_Static_assert(offsetof(struct elf32_ehdr, e_phnum) == 44, "elf");
_Static_assert(offsetof(struct elf32_ehdr, e_shstrndx) == 50, "elf");
_Static_assert(sizeof(struct elf32_ehdr) == 52, "elf");

struct elf64_ehdr {
	uint8_t e_ident[EI_NIDENT];
	uint16_t e_type, e_machine;
	uint32_t e_version;
	uint64_t e_entry, e_phoff, e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum;
	uint16_t e_shstrndx;
} __packed;
_Static_assert(offsetof(struct elf64_ehdr, e_type) == 16, "elf");
_Static_assert(offsetof(struct elf64_ehdr, e_machine) == 18, "elf");
_Static_assert(offsetof(struct elf64_ehdr, e_version) == 20, "elf");
_Static_assert(offsetof(struct elf64_ehdr, e_entry) == 24, "elf");
_Static_assert(offsetof(struct elf64_ehdr, e_phoff) == 32, "elf");
_Static_assert(offsetof(struct elf64_ehdr, e_shoff) == 40, "elf");
_Static_assert(offsetof(struct elf64_ehdr, e_flags) == 48, "elf");
_Static_assert(offsetof(struct elf64_ehdr, e_ehsize) == 52, "elf");
_Static_assert(offsetof(struct elf64_ehdr, e_phentsize) == 54, "elf");
_Static_assert(offsetof(struct elf64_ehdr, e_phnum) == 56, "elf");
_Static_assert(offsetof(struct elf64_ehdr, e_shstrndx) == 62, "elf");
_Static_assert(sizeof(struct elf64_ehdr) == 64, "elf");

struct elf32_phdr {
	uint32_t p_type, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz;
	uint32_t p_flags, p_align;
} __packed;
_Static_assert(offsetof(struct elf32_phdr, p_offset) == 4, "elf");
_Static_assert(offsetof(struct elf32_phdr, p_vaddr) == 8, "elf");
_Static_assert(offsetof(struct elf32_phdr, p_paddr) == 12, "elf");
_Static_assert(offsetof(struct elf32_phdr, p_filesz) == 16, "elf");
_Static_assert(offsetof(struct elf32_phdr, p_memsz) == 20, "elf");
_Static_assert(offsetof(struct elf32_phdr, p_flags) == 24, "elf");
_Static_assert(offsetof(struct elf32_phdr, p_align) == 28, "elf");
_Static_assert(sizeof(struct elf32_phdr) == 32, "elf");

struct elf64_phdr {
	uint32_t p_type, p_flags;
	uint64_t p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
} __packed;
_Static_assert(offsetof(struct elf64_phdr, p_flags) == 4, "elf");
_Static_assert(offsetof(struct elf64_phdr, p_offset) == 8, "elf");
_Static_assert(offsetof(struct elf64_phdr, p_vaddr) == 16, "elf");
_Static_assert(offsetof(struct elf64_phdr, p_paddr) == 24, "elf");
_Static_assert(offsetof(struct elf64_phdr, p_filesz) == 32, "elf");
_Static_assert(offsetof(struct elf64_phdr, p_memsz) == 40, "elf");
_Static_assert(offsetof(struct elf64_phdr, p_align) == 48, "elf");
_Static_assert(sizeof(struct elf64_phdr) == 56, "elf");

/* ---- internal helpers (loader/memmap.c, loader/elf.c) ------------------- */

/* Format err (NULL allowed) and return code. */
int loader_fail(struct loader_err *err, int code, const char *fmt, ...)
	__printf(3, 4);

/* What the guest map has at addr: *next gets the next address where that
 * may change (0: nothing changes above addr). */
enum loader_kind { LK_NONE, LK_HV, LK_RANGE };
struct loader_class {
	enum loader_kind kind;
	size_t index;       /* into map->ranges for LK_RANGE */
	uint64_t next;
};
void loader_classify(const struct loader_memmap *map, uint64_t addr,
		     struct loader_class *c);

/* The guest's e820 type for map->ranges[i]. */
uint32_t loader_guest_type(const struct loader_memmap *map, size_t i);

/* A segment as both image formats describe it. */
struct loader_seg {
	uint64_t offset, filesz, vaddr, paddr, memsz;
};

/* Validate seg number idx against the image, 4 GiB, guest RAM and the
 * segments already in plan, then append its ops to plan. */
int loader_plan_segment(const struct loader_seg *s, unsigned idx,
			size_t image_size, const struct loader_memmap *map,
			struct loader_plan *plan, struct loader_err *err);

#endif

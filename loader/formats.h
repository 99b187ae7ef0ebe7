/*
 * loader/formats.h - on-disk and in-memory layouts the loader reads and
 * writes: the Multiboot2 header and information block (Multiboot2 spec 3.1
 * and 3.6) and ELF32/ELF64 headers (System V ABI, ELF "gABI" chapter 4/5).
 * Private to loader/ and its tests; also the loader's internal helpers.
 */
#ifndef LOADER_FORMATS_H
#define LOADER_FORMATS_H

#include "loader/loader.h"

/* ---- Multiboot2 header (spec 3.1.1 .. 3.1.13) ---------------------------- */

struct mb2_header {
	uint32_t magic;
	uint32_t architecture;   /* 0: i386 protected mode */
	uint32_t header_length;
	uint32_t checksum;
} __packed;
_Static_assert(offsetof(struct mb2_header, magic) == 0, "mb2");
_Static_assert(offsetof(struct mb2_header, architecture) == 4, "mb2");
_Static_assert(offsetof(struct mb2_header, header_length) == 8, "mb2");
_Static_assert(offsetof(struct mb2_header, checksum) == 12, "mb2");
_Static_assert(sizeof(struct mb2_header) == 16, "mb2");

struct mb2_htag {
	uint16_t type;
	uint16_t flags;          /* bit 0: optional */
	uint32_t size;
} __packed;
_Static_assert(offsetof(struct mb2_htag, type) == 0, "mb2");
_Static_assert(offsetof(struct mb2_htag, flags) == 2, "mb2");
_Static_assert(offsetof(struct mb2_htag, size) == 4, "mb2");
_Static_assert(sizeof(struct mb2_htag) == 8, "mb2");

#define MB2_HTAG_OPTIONAL     BIT(0)

enum mb2_htag_type {
	MB2_HTAG_END = 0,
	MB2_HTAG_INFO_REQUEST = 1,
	MB2_HTAG_ADDRESS = 2,
	MB2_HTAG_ENTRY = 3,
	MB2_HTAG_CONSOLE = 4,
	MB2_HTAG_FRAMEBUFFER = 5,
	MB2_HTAG_MODULE_ALIGN = 6,
	MB2_HTAG_EFI_BS = 7,
	MB2_HTAG_ENTRY_EFI32 = 8,
	MB2_HTAG_ENTRY_EFI64 = 9,
	MB2_HTAG_RELOCATABLE = 10,
};

struct mb2_htag_address {
	struct mb2_htag hdr;
	uint32_t header_addr;
	uint32_t load_addr;
	uint32_t load_end_addr;
	uint32_t bss_end_addr;
} __packed;
_Static_assert(offsetof(struct mb2_htag_address, header_addr) == 8, "mb2");
_Static_assert(offsetof(struct mb2_htag_address, load_addr) == 12, "mb2");
_Static_assert(offsetof(struct mb2_htag_address, load_end_addr) == 16, "mb2");
_Static_assert(offsetof(struct mb2_htag_address, bss_end_addr) == 20, "mb2");
_Static_assert(sizeof(struct mb2_htag_address) == 24, "mb2");

/* Entry (3), EFI i386 (8) and EFI amd64 (9) entry tags, console flags (4). */
struct mb2_htag_u32 {
	struct mb2_htag hdr;
	uint32_t value;
} __packed;
_Static_assert(offsetof(struct mb2_htag_u32, value) == 8, "mb2");
_Static_assert(sizeof(struct mb2_htag_u32) == 12, "mb2");

#define MB2_CONSOLE_REQUIRED  BIT(0)

/* ---- Multiboot2 information (spec 3.6) ----------------------------------- */

struct mb2_info_hdr {
	uint32_t total_size;
	uint32_t reserved;
} __packed;
_Static_assert(offsetof(struct mb2_info_hdr, total_size) == 0, "mbi");
_Static_assert(offsetof(struct mb2_info_hdr, reserved) == 4, "mbi");

struct mb2_tag {
	uint32_t type;
	uint32_t size;
} __packed;
_Static_assert(offsetof(struct mb2_tag, type) == 0, "mbi");
_Static_assert(offsetof(struct mb2_tag, size) == 4, "mbi");

enum mb2_tag_type {
	MB2_TAG_END = 0,
	MB2_TAG_CMDLINE = 1,
	MB2_TAG_LOADER_NAME = 2,
	MB2_TAG_MODULE = 3,
	MB2_TAG_MEMINFO = 4,
	MB2_TAG_MMAP = 6,
	MB2_TAG_ACPI_OLD = 14,
	MB2_TAG_ACPI_NEW = 15,
};

struct mb2_tag_module {
	struct mb2_tag hdr;
	uint32_t mod_start;
	uint32_t mod_end;
	/* char string[] follows */
} __packed;
_Static_assert(offsetof(struct mb2_tag_module, mod_start) == 8, "mbi");
_Static_assert(offsetof(struct mb2_tag_module, mod_end) == 12, "mbi");
_Static_assert(sizeof(struct mb2_tag_module) == 16, "mbi");

struct mb2_tag_meminfo {
	struct mb2_tag hdr;
	uint32_t mem_lower;      /* KiB from 0, at most 640 */
	uint32_t mem_upper;      /* KiB from 1 MiB to the first hole */
} __packed;
_Static_assert(offsetof(struct mb2_tag_meminfo, mem_lower) == 8, "mbi");
_Static_assert(offsetof(struct mb2_tag_meminfo, mem_upper) == 12, "mbi");
_Static_assert(sizeof(struct mb2_tag_meminfo) == 16, "mbi");

struct mb2_tag_mmap {
	struct mb2_tag hdr;
	uint32_t entry_size;     /* 24 */
	uint32_t entry_version;  /* 0 */
	/* struct mb2_mmap_entry entries[] follow */
} __packed;
_Static_assert(offsetof(struct mb2_tag_mmap, entry_size) == 8, "mbi");
_Static_assert(offsetof(struct mb2_tag_mmap, entry_version) == 12, "mbi");
_Static_assert(sizeof(struct mb2_tag_mmap) == 16, "mbi");

struct mb2_mmap_entry {
	uint64_t base_addr;
	uint64_t length;
	uint32_t type;
	uint32_t reserved;
} __packed;
_Static_assert(offsetof(struct mb2_mmap_entry, base_addr) == 0, "mbi");
_Static_assert(offsetof(struct mb2_mmap_entry, length) == 8, "mbi");
_Static_assert(offsetof(struct mb2_mmap_entry, type) == 16, "mbi");
_Static_assert(offsetof(struct mb2_mmap_entry, reserved) == 20, "mbi");
_Static_assert(sizeof(struct mb2_mmap_entry) == 24, "mbi");

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

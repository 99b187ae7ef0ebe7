/*
 * boot/multiboot2.h - the Multiboot2 layouts (Multiboot2 specification
 * 2.0): the OS image's header (3.1) and the boot information block (3.6),
 * plus the UEFI memory descriptor the EFI memory-map tag carries (UEFI
 * 2.x, 7.2). One copy for everything that reads or writes them: the
 * hypervisor's own boot-information parser (kernel/mb2.c) and the guest
 * loader (loader/). Also included from assembly (boot/header.S): only the
 * constants there.
 */
#ifndef BOOT_MULTIBOOT2_H
#define BOOT_MULTIBOOT2_H

#define MB2_HEADER_MAGIC      0xE85250D6   /* spec 3.1.2 */
#define MB2_ARCH_I386         0
#define MB2_SEARCH_LIMIT      32768        /* header within the first 32 KiB */
#define MB2_BOOTLOADER_MAGIC  0x36D76289   /* EAX at entry, spec 3.2 */
#define MB2_RELOC_HIGHEST     2            /* relocatable tag preference */

/* Header tag types (spec 3.1.3 .. 3.1.13) */
#define MB2_HTAG_END           0
#define MB2_HTAG_INFO_REQUEST  1
#define MB2_HTAG_ADDRESS       2
#define MB2_HTAG_ENTRY         3
#define MB2_HTAG_CONSOLE       4
#define MB2_HTAG_FRAMEBUFFER   5
#define MB2_HTAG_MODULE_ALIGN  6
#define MB2_HTAG_EFI_BS        7
#define MB2_HTAG_ENTRY_EFI32   8
#define MB2_HTAG_ENTRY_EFI64   9
#define MB2_HTAG_RELOCATABLE   10
#define MB2_HTAG_OPTIONAL      1           /* header tag flags bit 0 */

#ifndef __ASSEMBLY__
#include <stddef.h>
#include <stdint.h>

/* ---- Multiboot2 header (spec 3.1.1 .. 3.1.13) ---------------------------- */

struct mb2_header {
	uint32_t magic;
	uint32_t architecture;   /* 0: i386 protected mode */
	uint32_t header_length;
	uint32_t checksum;
} __attribute__((packed));
_Static_assert(offsetof(struct mb2_header, magic) == 0, "mb2");
_Static_assert(offsetof(struct mb2_header, architecture) == 4, "mb2");
_Static_assert(offsetof(struct mb2_header, header_length) == 8, "mb2");
_Static_assert(offsetof(struct mb2_header, checksum) == 12, "mb2");
_Static_assert(sizeof(struct mb2_header) == 16, "mb2");

struct mb2_htag {
	uint16_t type;
	uint16_t flags;          /* bit 0: optional */
	uint32_t size;
} __attribute__((packed));
_Static_assert(offsetof(struct mb2_htag, type) == 0, "mb2");
_Static_assert(offsetof(struct mb2_htag, flags) == 2, "mb2");
_Static_assert(offsetof(struct mb2_htag, size) == 4, "mb2");
_Static_assert(sizeof(struct mb2_htag) == 8, "mb2");


struct mb2_htag_address {
	struct mb2_htag hdr;
	uint32_t header_addr;
	uint32_t load_addr;
	uint32_t load_end_addr;
	uint32_t bss_end_addr;
} __attribute__((packed));
_Static_assert(offsetof(struct mb2_htag_address, header_addr) == 8, "mb2");
_Static_assert(offsetof(struct mb2_htag_address, load_addr) == 12, "mb2");
_Static_assert(offsetof(struct mb2_htag_address, load_end_addr) == 16, "mb2");
_Static_assert(offsetof(struct mb2_htag_address, bss_end_addr) == 20, "mb2");
_Static_assert(sizeof(struct mb2_htag_address) == 24, "mb2");

/* Entry (3), EFI i386 (8) and EFI amd64 (9) entry tags, console flags (4). */
struct mb2_htag_u32 {
	struct mb2_htag hdr;
	uint32_t value;
} __attribute__((packed));
_Static_assert(offsetof(struct mb2_htag_u32, value) == 8, "mb2");
_Static_assert(sizeof(struct mb2_htag_u32) == 12, "mb2");

#define MB2_CONSOLE_REQUIRED  (1U << 0)

/* Framebuffer request (5, spec 3.1.10): 0 = no preference. */
struct mb2_htag_framebuffer {
	struct mb2_htag hdr;
	uint32_t width;
	uint32_t height;
	uint32_t depth;
} __attribute__((packed));
_Static_assert(offsetof(struct mb2_htag_framebuffer, width) == 8, "mb2");
_Static_assert(offsetof(struct mb2_htag_framebuffer, depth) == 16, "mb2");
_Static_assert(sizeof(struct mb2_htag_framebuffer) == 20, "mb2");

/* ---- Multiboot2 information (spec 3.6) ----------------------------------- */

struct mb2_info_hdr {
	uint32_t total_size;
	uint32_t reserved;
} __attribute__((packed));
_Static_assert(offsetof(struct mb2_info_hdr, total_size) == 0, "mbi");
_Static_assert(offsetof(struct mb2_info_hdr, reserved) == 4, "mbi");

struct mb2_tag {
	uint32_t type;
	uint32_t size;
} __attribute__((packed));
_Static_assert(offsetof(struct mb2_tag, type) == 0, "mbi");
_Static_assert(offsetof(struct mb2_tag, size) == 4, "mbi");

enum mb2_tag_type {
	MB2_TAG_END = 0,
	MB2_TAG_CMDLINE = 1,
	MB2_TAG_LOADER_NAME = 2,
	MB2_TAG_MODULE = 3,
	MB2_TAG_MEMINFO = 4,
	MB2_TAG_BOOTDEV = 5,
	MB2_TAG_MMAP = 6,
	MB2_TAG_FRAMEBUFFER = 8,
	MB2_TAG_EFI32 = 11,
	MB2_TAG_EFI64 = 12,
	MB2_TAG_ACPI_OLD = 14,
	MB2_TAG_ACPI_NEW = 15,
	MB2_TAG_EFI_MMAP = 17,
	MB2_TAG_EFI_BS = 18,
	MB2_TAG_LOAD_BASE = 21,
};

struct mb2_tag_module {
	struct mb2_tag hdr;
	uint32_t mod_start;
	uint32_t mod_end;
	/* char string[] follows */
} __attribute__((packed));
_Static_assert(offsetof(struct mb2_tag_module, mod_start) == 8, "mbi");
_Static_assert(offsetof(struct mb2_tag_module, mod_end) == 12, "mbi");
_Static_assert(sizeof(struct mb2_tag_module) == 16, "mbi");

struct mb2_tag_meminfo {
	struct mb2_tag hdr;
	uint32_t mem_lower;      /* KiB from 0, at most 640 */
	uint32_t mem_upper;      /* KiB from 1 MiB to the first hole */
} __attribute__((packed));
_Static_assert(offsetof(struct mb2_tag_meminfo, mem_lower) == 8, "mbi");
_Static_assert(offsetof(struct mb2_tag_meminfo, mem_upper) == 12, "mbi");
_Static_assert(sizeof(struct mb2_tag_meminfo) == 16, "mbi");

struct mb2_tag_mmap {
	struct mb2_tag hdr;
	uint32_t entry_size;     /* 24 */
	uint32_t entry_version;  /* 0 */
	/* struct mb2_mmap_entry entries[] follow */
} __attribute__((packed));
_Static_assert(offsetof(struct mb2_tag_mmap, entry_size) == 8, "mbi");
_Static_assert(offsetof(struct mb2_tag_mmap, entry_version) == 12, "mbi");
_Static_assert(sizeof(struct mb2_tag_mmap) == 16, "mbi");

struct mb2_mmap_entry {
	uint64_t base_addr;
	uint64_t length;
	uint32_t type;
	uint32_t reserved;
} __attribute__((packed));
_Static_assert(offsetof(struct mb2_mmap_entry, base_addr) == 0, "mbi");
_Static_assert(offsetof(struct mb2_mmap_entry, length) == 8, "mbi");
_Static_assert(offsetof(struct mb2_mmap_entry, type) == 16, "mbi");
_Static_assert(offsetof(struct mb2_mmap_entry, reserved) == 20, "mbi");
_Static_assert(sizeof(struct mb2_mmap_entry) == 24, "mbi");

/* Framebuffer info tag (8, spec 3.6.12). The spec's text shows one
 * reserved byte and a 32-bit palette count; GRUB, which writes the tag,
 * has a 16-bit reserved field and a 16-bit count (its multiboot2.h):
 * this is GRUB's layout. Colour information follows the fixed part. */
struct mb2_tag_framebuffer {
	struct mb2_tag hdr;
	uint64_t addr;
	uint32_t pitch;
	uint32_t width;
	uint32_t height;
	uint8_t bpp;
	uint8_t fb_type;         /* 0 indexed, 1 RGB, 2 EGA text */
	uint16_t reserved;
} __attribute__((packed));
_Static_assert(offsetof(struct mb2_tag_framebuffer, addr) == 8, "mbi");
_Static_assert(offsetof(struct mb2_tag_framebuffer, pitch) == 16, "mbi");
_Static_assert(offsetof(struct mb2_tag_framebuffer, width) == 20, "mbi");
_Static_assert(offsetof(struct mb2_tag_framebuffer, height) == 24, "mbi");
_Static_assert(offsetof(struct mb2_tag_framebuffer, bpp) == 28, "mbi");
_Static_assert(offsetof(struct mb2_tag_framebuffer, fb_type) == 29, "mbi");
_Static_assert(sizeof(struct mb2_tag_framebuffer) == 32, "mbi");

#define MB2_FB_INDEXED  0
#define MB2_FB_RGB      1
#define MB2_FB_EGA_TEXT 2

/* Type 1's colour information: field position and size per component. */
struct mb2_fb_rgb {
	uint8_t red_pos, red_size;
	uint8_t green_pos, green_size;
	uint8_t blue_pos, blue_size;
} __attribute__((packed));
_Static_assert(offsetof(struct mb2_fb_rgb, green_pos) == 2, "mbi");
_Static_assert(offsetof(struct mb2_fb_rgb, blue_size) == 5, "mbi");
_Static_assert(sizeof(struct mb2_fb_rgb) == 6, "mbi");

/* Type 0's: a 16-bit count, then count R, G, B byte triples. */
#define MB2_FB_PALETTE_OFF 34

/* EFI memory map tag (17) and its descriptors (UEFI 2.x, 7.2). */
struct mb2_tag_efi_mmap {
	struct mb2_tag hdr;
	uint32_t descr_size;
	uint32_t descr_vers;
} __attribute__((packed));
_Static_assert(offsetof(struct mb2_tag_efi_mmap, descr_size) == 8, "mbi");
_Static_assert(sizeof(struct mb2_tag_efi_mmap) == 16, "mbi");

struct efi_mem_desc {
	uint32_t type;
	uint32_t pad;
	uint64_t phys_start;
	uint64_t virt_start;
	uint64_t num_pages;
	uint64_t attribute;
} __attribute__((packed));
_Static_assert(offsetof(struct efi_mem_desc, phys_start) == 8, "efi desc");
_Static_assert(offsetof(struct efi_mem_desc, num_pages) == 24, "efi desc");
_Static_assert(sizeof(struct efi_mem_desc) == 40, "efi desc");

#endif /* !__ASSEMBLY__ */
#endif

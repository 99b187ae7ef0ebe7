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


/* ---- Linux x86 boot protocol (Documentation/arch/x86/boot.rst) ---------- */

/* The setup header, at offset 0x1F1 of the bzImage and of boot_params
 * ("The real-mode kernel header"). Offsets below are from the start of
 * the image / of boot_params. */
#define LINUX_HDR_OFFSET     0x1F1
#define LINUX_HDRS_MAGIC     0x53726448u /* "HdrS" at 0x202 */
#define LINUX_BOOT_FLAG      0xAA55
#define LINUX_MIN_VERSION    0x020C      /* 2.12: xloadflags */
#define LINUX_LOADED_HIGH    BIT(0)      /* loadflags */
#define LINUX_KEEP_SEGMENTS  BIT(6)
#define LINUX_CAN_USE_HEAP   BIT(7)
#define LINUX_XLF_KERNEL_64  BIT(0)      /* xloadflags */
#define LINUX_XLF_ABOVE_4G   BIT(1)
#define LINUX_E820_MAX_ZP    128         /* entries in the zero page */
#define LINUX_SETUP_E820_EXT 1           /* setup_data type */
#define LINUX_BOOT_CS        0x10        /* __BOOT_CS / __BOOT_DS */
#define LINUX_BOOT_DS        0x18

struct linux_setup_header {
	uint8_t setup_sects;          /* 0x1F1 */
	uint16_t root_flags;          /* 0x1F2 */
	uint32_t syssize;             /* 0x1F4, 16-byte units */
	uint16_t ram_size;            /* 0x1F8 */
	uint16_t vid_mode;            /* 0x1FA */
	uint16_t root_dev;            /* 0x1FC */
	uint16_t boot_flag;           /* 0x1FE */
	uint16_t jump;                /* 0x200 */
	uint32_t header;              /* 0x202 */
	uint16_t version;             /* 0x206 */
	uint32_t realmode_swtch;      /* 0x208 */
	uint16_t start_sys_seg;       /* 0x20C */
	uint16_t kernel_version;      /* 0x20E */
	uint8_t type_of_loader;       /* 0x210 */
	uint8_t loadflags;            /* 0x211 */
	uint16_t setup_move_size;     /* 0x212 */
	uint32_t code32_start;        /* 0x214 */
	uint32_t ramdisk_image;       /* 0x218 */
	uint32_t ramdisk_size;        /* 0x21C */
	uint32_t bootsect_kludge;     /* 0x220 */
	uint16_t heap_end_ptr;        /* 0x224 */
	uint8_t ext_loader_ver;       /* 0x226 */
	uint8_t ext_loader_type;      /* 0x227 */
	uint32_t cmd_line_ptr;        /* 0x228 */
	uint32_t initrd_addr_max;     /* 0x22C */
	uint32_t kernel_alignment;    /* 0x230 */
	uint8_t relocatable_kernel;   /* 0x234 */
	uint8_t min_alignment;        /* 0x235 */
	uint16_t xloadflags;          /* 0x236 */
	uint32_t cmdline_size;        /* 0x238 */
	uint32_t hardware_subarch;    /* 0x23C */
	uint64_t hardware_subarch_data; /* 0x240 */
	uint32_t payload_offset;      /* 0x248 */
	uint32_t payload_length;      /* 0x24C */
	uint64_t setup_data;          /* 0x250 */
	uint64_t pref_address;        /* 0x258 */
	uint32_t init_size;           /* 0x260 */
	uint32_t handover_offset;     /* 0x264 */
	uint32_t kernel_info_offset;  /* 0x268, 2.15 */
} __packed;
#define LINUX_HDR_AT(f) (offsetof(struct linux_setup_header, f) + LINUX_HDR_OFFSET)
_Static_assert(LINUX_HDR_AT(syssize) == 0x1F4, "linux");
_Static_assert(LINUX_HDR_AT(boot_flag) == 0x1FE, "linux");
_Static_assert(LINUX_HDR_AT(header) == 0x202, "linux");
_Static_assert(LINUX_HDR_AT(version) == 0x206, "linux");
_Static_assert(LINUX_HDR_AT(type_of_loader) == 0x210, "linux");
_Static_assert(LINUX_HDR_AT(code32_start) == 0x214, "linux");
_Static_assert(LINUX_HDR_AT(cmd_line_ptr) == 0x228, "linux");
_Static_assert(LINUX_HDR_AT(kernel_alignment) == 0x230, "linux");
_Static_assert(LINUX_HDR_AT(xloadflags) == 0x236, "linux");
_Static_assert(LINUX_HDR_AT(payload_offset) == 0x248, "linux");
_Static_assert(LINUX_HDR_AT(setup_data) == 0x250, "linux");
_Static_assert(LINUX_HDR_AT(pref_address) == 0x258, "linux");
_Static_assert(LINUX_HDR_AT(init_size) == 0x260, "linux");
_Static_assert(LINUX_HDR_AT(kernel_info_offset) == 0x268, "linux");
_Static_assert(sizeof(struct linux_setup_header) == 0x26C - 0x1F1, "linux");

struct linux_e820 {
	uint64_t addr, size;
	uint32_t type;
} __packed;
_Static_assert(sizeof(struct linux_e820) == 20, "linux");

/* screen_info, the first 0x40 bytes of boot_params (Linux's
 * include/uapi/linux/screen_info.h): the console a boot loader leaves.
 * Linux's 16-bit setup fills it from the BIOS; entered at the 32- or
 * 64-bit entry it has only what the loader wrote. */
#define LINUX_VIDEO_TEXT       0x01    /* VGA text: what Linux's own setup
					 * writes (arch/x86/boot/video-vga.c) */
#define LINUX_VIDEO_TYPE_VLFB  0x23    /* VESA linear framebuffer */
#define LINUX_VIDEO_TYPE_EFI   0x70    /* EFI graphics output */
#define LINUX_VIDEO_CAP_64BIT_BASE (1u << 1)   /* ext_lfb_base is valid */
struct linux_screen_info {
	uint8_t orig_x, orig_y;             /* 0x00: the cursor */
	uint16_t ext_mem_k;                 /* 0x02 */
	uint16_t orig_video_page;           /* 0x04 */
	uint8_t orig_video_mode;            /* 0x06 */
	uint8_t orig_video_cols;            /* 0x07 */
	uint8_t flags;                      /* 0x08 */
	uint8_t unused2;                    /* 0x09 */
	uint16_t orig_video_ega_bx;         /* 0x0A */
	uint16_t unused3;                   /* 0x0C */
	uint8_t orig_video_lines;           /* 0x0E */
	uint8_t orig_video_isVGA;           /* 0x0F: LINUX_VIDEO_TYPE_* */
	uint16_t orig_video_points;         /* 0x10: font height */
	uint16_t lfb_width, lfb_height;     /* 0x12 */
	uint16_t lfb_depth;                 /* 0x16 */
	uint32_t lfb_base;                  /* 0x18 */
	uint32_t lfb_size;                  /* 0x1C: VLFB 64 KiB units, EFI bytes */
	uint16_t cl_magic, cl_offset;       /* 0x20 */
	uint16_t lfb_linelength;            /* 0x24 */
	uint8_t red_size, red_pos;          /* 0x26 */
	uint8_t green_size, green_pos;      /* 0x28 */
	uint8_t blue_size, blue_pos;        /* 0x2A */
	uint8_t rsvd_size, rsvd_pos;        /* 0x2C */
	uint16_t vesapm_seg, vesapm_off;    /* 0x2E */
	uint16_t pages;                     /* 0x32 */
	uint16_t vesa_attributes;           /* 0x34 */
	uint32_t capabilities;              /* 0x36 */
	uint32_t ext_lfb_base;              /* 0x3A */
	uint8_t reserved_3e[2];
} __packed;
_Static_assert(offsetof(struct linux_screen_info, orig_video_mode) == 0x06, "si");
_Static_assert(offsetof(struct linux_screen_info, orig_video_ega_bx) == 0x0A, "si");
_Static_assert(offsetof(struct linux_screen_info, orig_video_lines) == 0x0E, "si");
_Static_assert(offsetof(struct linux_screen_info, orig_video_isVGA) == 0x0F, "si");
_Static_assert(offsetof(struct linux_screen_info, orig_video_points) == 0x10, "si");
_Static_assert(offsetof(struct linux_screen_info, lfb_width) == 0x12, "si");
_Static_assert(offsetof(struct linux_screen_info, lfb_depth) == 0x16, "si");
_Static_assert(offsetof(struct linux_screen_info, lfb_base) == 0x18, "si");
_Static_assert(offsetof(struct linux_screen_info, lfb_size) == 0x1C, "si");
_Static_assert(offsetof(struct linux_screen_info, lfb_linelength) == 0x24, "si");
_Static_assert(offsetof(struct linux_screen_info, red_size) == 0x26, "si");
_Static_assert(offsetof(struct linux_screen_info, rsvd_size) == 0x2C, "si");
_Static_assert(offsetof(struct linux_screen_info, pages) == 0x32, "si");
_Static_assert(offsetof(struct linux_screen_info, capabilities) == 0x36, "si");
_Static_assert(offsetof(struct linux_screen_info, ext_lfb_base) == 0x3A, "si");
_Static_assert(sizeof(struct linux_screen_info) == 0x40, "si");

/* boot_params, "the zero page" (Documentation/arch/x86/zero-page.rst):
 * only the fields a boot loader fills are named. */
struct linux_boot_params {
	struct linux_screen_info screen_info; /* 0x000 */
	uint8_t apm_bios_info[0x14];        /* 0x040 */
	uint8_t reserved_054[4];
	uint64_t tboot_addr;                /* 0x058 */
	uint8_t ist_info[0x10];             /* 0x060 */
	uint64_t acpi_rsdp_addr;            /* 0x070 */
	uint8_t reserved_078[8];
	uint8_t hd_info[0x20];              /* 0x080 */
	uint8_t sys_desc_table[0x10];       /* 0x0A0 */
	uint8_t olpc_ofw_header[0x10];      /* 0x0B0 */
	uint32_t ext_ramdisk_image;         /* 0x0C0 */
	uint32_t ext_ramdisk_size;          /* 0x0C4 */
	uint32_t ext_cmd_line_ptr;          /* 0x0C8 */
	uint8_t reserved_0cc[0x140 - 0xCC];
	uint8_t edid_info[0x80];            /* 0x140 */
	uint8_t efi_info[0x20];             /* 0x1C0 */
	uint32_t alt_mem_k;                 /* 0x1E0 */
	uint32_t scratch;                   /* 0x1E4 */
	uint8_t e820_entries;               /* 0x1E8 */
	uint8_t eddbuf_entries;             /* 0x1E9 */
	uint8_t edd_mbr_sig_buf_entries;    /* 0x1EA */
	uint8_t kbd_status;                 /* 0x1EB */
	uint8_t secure_boot;                /* 0x1EC */
	uint8_t reserved_1ed[2];
	uint8_t sentinel;                   /* 0x1EF */
	uint8_t reserved_1f0;
	struct linux_setup_header hdr;      /* 0x1F1 */
	uint8_t reserved_26c[0x290 - 0x26C];
	uint32_t edd_mbr_sig_buffer[16];    /* 0x290 */
	struct linux_e820 e820_table[LINUX_E820_MAX_ZP]; /* 0x2D0 */
	uint8_t reserved_cd0[0x1000 - 0xCD0];
} __packed;
_Static_assert(offsetof(struct linux_boot_params, acpi_rsdp_addr) == 0x70, "zp");
_Static_assert(offsetof(struct linux_boot_params, ext_ramdisk_image) == 0xC0, "zp");
_Static_assert(offsetof(struct linux_boot_params, ext_cmd_line_ptr) == 0xC8, "zp");
_Static_assert(offsetof(struct linux_boot_params, alt_mem_k) == 0x1E0, "zp");
_Static_assert(offsetof(struct linux_boot_params, e820_entries) == 0x1E8, "zp");
_Static_assert(offsetof(struct linux_boot_params, sentinel) == 0x1EF, "zp");
_Static_assert(offsetof(struct linux_boot_params, hdr) == 0x1F1, "zp");
_Static_assert(offsetof(struct linux_boot_params, e820_table) == 0x2D0, "zp");
_Static_assert(sizeof(struct linux_boot_params) == 0x1000, "zp");

/* setup_data (boot.rst, "Details of header fields", setup_data). */
struct linux_setup_data {
	uint64_t next;
	uint32_t type;
	uint32_t len;
} __packed;
_Static_assert(sizeof(struct linux_setup_data) == 16, "linux");

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

/* loader_guest_mmap's sweep: fn gets each entry of the guest map in
 * order (i from 0); returns the count. */
typedef void (*loader_mmap_fn)(void *ctx, size_t i, const struct mem_range *r);
size_t loader_guest_mmap_visit(const struct loader_memmap *map,
			       loader_mmap_fn fn, void *ctx);

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

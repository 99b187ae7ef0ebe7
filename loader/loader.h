/*
 * loader/loader.h - loading a Multiboot2 guest: the pure, host-tested part.
 *
 * Order of use (kernel bring-up, issue 6 "guest/ and the loader"):
 *   1. loader_guest_mmap()      the guest's memory map (hypervisor reserved)
 *   2. loader_find_mb2_header() find and validate the Multiboot2 header
 *   3. loader_plan()            validate the ELF (or a.out kludge) and plan
 *                               the copies; checks segments against guest RAM
 *   4. loader_place()           where modules GRUB put in the way go, and
 *                               where the information block (and any other
 *                               guest-side block) goes
 *   5. loader_move_modules()    copy the modules (before 6: the guest image
 *                               is one of them and may be in the way)
 *   6. loader_execute()         copy and zero the segments
 *   7. loader_build_mbi()       the guest's Multiboot2 information block
 * Every function checks all of its input before it writes anything. Errors
 * come back as a negative LOADER_E_* with a one-line reason in struct
 * loader_err (the caller prints it).
 */
#ifndef LOADER_LOADER_H
#define LOADER_LOADER_H

#include "boot/multiboot2.h"
#include "kernel/kernel.h"

enum loader_status {
	LOADER_OK = 0,
	LOADER_E_NOHDR = -1,       /* no valid Multiboot2 header */
	LOADER_E_HDR = -2,         /* malformed header or header tag */
	LOADER_E_UNSUPPORTED = -3, /* a required feature we do not offer */
	LOADER_E_ELF = -4,         /* malformed or unsupported ELF */
	LOADER_E_MEMORY = -5,      /* segment outside guest RAM / in the hv */
	LOADER_E_NOSPACE = -6,     /* no free guest RAM for a block */
	LOADER_E_TOOSMALL = -7,    /* caller's buffer too small */
	LOADER_E_ACCESS = -8,      /* phys_to_ptr refused an address */
	LOADER_E_INVAL = -9,       /* caller passed inconsistent input */
};

struct loader_err {
	char msg[160];
};

/* ---- the guest's memory map ---------------------------------------------- */

/* The real memory map (as kernel/mb2.c parsed it) and the hypervisor's
 * range [hv_base, hv_end), which the guest sees as reserved. ranges may be
 * unsorted and may overlap: where they overlap the more restrictive type
 * wins (bad > reserved/other > NVS > persistent > ACPI reclaim > usable).
 * raw_is_efi: raw_type holds EFI types; the guest then gets e820 numbers
 * derived from `type` (EFI runtime and MMIO become reserved, 2). */
struct loader_memmap {
	const struct mem_range *ranges;
	size_t nranges;
	bool raw_is_efi;
	uint64_t hv_base, hv_end;
	uint64_t hv2_base, hv2_end;  /* a second hole (empty when equal) */
};

/* loader_guest_mmap: the guest's memory map, sorted, non-overlapping: every
 * input range kept with its type (raw_type exactly, unless raw_is_efi), cut
 * around [hv_base, hv_end), which appears as one entry of type
 * MEM_RESERVED / raw 2. Writes at most cap entries to out (out may be NULL
 * when cap is 0) and returns the number of entries the full map has; at
 * most 2 * nranges + 1. */
size_t loader_guest_mmap(const struct loader_memmap *map,
			 struct mem_range *out, size_t cap);

/* loader_check_ram: 0 when [base, end) lies entirely in guest usable RAM
 * (type MEM_USABLE in the guest map, outside the hypervisor's range);
 * otherwise LOADER_E_MEMORY with err naming `what` and the first offending
 * address and what is there. */
int loader_check_ram(const struct loader_memmap *map, uint64_t base,
		     uint64_t end, const char *what, struct loader_err *err);

/* ---- Multiboot2 header (Multiboot2 spec 3.1) --------------------------- */

/* MB2_HEADER_MAGIC, MB2_SEARCH_LIMIT, MB2_BOOTLOADER_MAGIC: boot/multiboot2.h */

/* Information tag types we can put in the guest's block (spec 3.6), for
 * the `provides` mask of loader_find_mb2_header: BIT(type). */
#define LOADER_MBI_PROVIDES_BASE                                          \
	(BIT(1) | BIT(2) | BIT(3) | BIT(4) | BIT(6))
#define LOADER_MBI_PROVIDES_ACPI_OLD BIT(14)
#define LOADER_MBI_PROVIDES_ACPI_NEW BIT(15)

struct mb2_header_info {
	uint32_t offset;        /* of the header in the image */
	uint32_t length;        /* header_length */
	bool has_address;       /* address tag (2): a.out kludge */
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr;
	bool has_entry;         /* entry address tag (3) */
	uint32_t entry_addr;
	uint32_t console_flags; /* tag 4, 0 when absent */
	bool module_align;      /* tag 6: we always page-align modules */
	uint64_t requested;     /* info request (1): BIT(type), types < 64 */
};

/* loader_find_mb2_header: search the first 32 KiB of image (8-byte
 * aligned) for a header with magic, architecture 0 and a valid checksum
 * that lies completely inside the 32 KiB and the image; then validate
 * every tag (size >= 8, inside header_length, 8-byte aligned, an end tag
 * of size 8). A tag whose optional flag is clear and which we cannot
 * honour (framebuffer, EFI boot services, unknown types, an information
 * request for a type not in `provides`) refuses the image. */
int loader_find_mb2_header(const void *image, size_t size, uint64_t provides,
			   struct mb2_header_info *hdr, struct loader_err *err);

/* ---- load plan (ELF32/ELF64, a.out kludge) ------------------------------ */

#define LOADER_MAX_SEGMENTS 16

enum loader_op_kind { LOADER_OP_COPY = 1, LOADER_OP_ZERO = 2 };

struct loader_op {
	uint32_t kind;     /* enum loader_op_kind */
	uint64_t dst;      /* guest-physical */
	uint64_t src;      /* offset in the image (COPY only) */
	uint64_t len;
};

struct loader_plan {
	struct loader_op ops[2 * LOADER_MAX_SEGMENTS];
	size_t nops;
	struct { uint64_t base, end; } seg[LOADER_MAX_SEGMENTS];
	size_t nseg;
	uint64_t load_end;  /* highest segment end */
	uint32_t entry;     /* physical, 32-bit protected mode entry */
};

/* loader_plan: validate the image and produce the load plan. With an
 * address tag (hdr->has_address) the a.out kludge of spec 3.1.5 is used
 * (an entry address tag is then required), otherwise the image must be an
 * ELF32 (EM_386) or ELF64 (EM_X86_64) ET_EXEC, little endian, version 1.
 * Every PT_LOAD with memsz > 0 must have filesz <= memsz, its file bytes
 * inside the image, lie below 4 GiB, overlap no other segment and lie in
 * guest RAM (loader_check_ram). The entry is e_entry translated through
 * the segment whose virtual range holds it, or the entry tag's address;
 * it must lie in a segment. */
int loader_plan(const void *image, size_t size,
		const struct mb2_header_info *hdr,
		const struct loader_memmap *map, struct loader_plan *plan,
		struct loader_err *err);

/* How loader_execute and loader_move_modules reach guest memory: return a
 * pointer to len bytes at guest-physical pa, or NULL to refuse. The kernel
 * uses the direct map; the tests a buffer. */
typedef void *(*loader_phys_to_ptr)(void *ctx, uint64_t pa, uint64_t len);

/* loader_execute: carry out a plan from loader_plan on the same image.
 * LOADER_E_ACCESS if phys_to_ptr refuses a range (ops before it done). */
int loader_execute(const struct loader_plan *plan, const void *image,
		   size_t size, loader_phys_to_ptr phys_to_ptr, void *ctx,
		   struct loader_err *err);

/* ---- placement: modules in the way, the information block ---------------- */

#define LOADER_MAX_BLOCKS 8

struct loader_move {
	uint64_t from, to, len; /* to == from: stays */
};

struct loader_block {
	uint64_t size, align;   /* in: align a power of two (0 = 8) */
	uint64_t addr;          /* out: guest-physical */
};

/* loader_place: modules (GRUB's placement) that overlap a planned segment,
 * do not lie wholly in guest RAM or end above 4 GiB get a new page-aligned
 * home in guest RAM below 4 GiB; blocks[] get addresses too. New homes
 * avoid the segments, every module's current place and each other, so
 * loader_move_modules may copy in any order. Searches above the segments
 * first, then from 1 MiB. moves[] has nmods entries. */
int loader_place(const struct loader_memmap *map,
		 const struct loader_plan *plan,
		 const struct boot_module *mods, size_t nmods,
		 struct loader_move *moves, struct loader_block *blocks,
		 size_t nblocks, struct loader_err *err);

/* loader_move_modules: copy every module whose to != from. */
int loader_move_modules(const struct loader_move *moves, size_t n,
			loader_phys_to_ptr phys_to_ptr, void *ctx,
			struct loader_err *err);

/* ---- the guest's Multiboot2 information block (spec 3.6) ----------------- */

struct loader_mbi_input {
	const struct loader_memmap *map;
	const char *cmdline;      /* NULL: empty */
	const char *loader_name;  /* NULL: no tag */
	const struct boot_module *modules; /* guest-physical, after moves */
	size_t nmodules;
	const void *rsdp_old;     /* RSDP v1 copy (20 bytes) or NULL */
	size_t rsdp_old_len;
	const void *rsdp_new;     /* RSDP v2+ copy (its length) or NULL */
	size_t rsdp_new_len;
};

/* loader_build_mbi: the block with tags basic meminfo (4), memory map (6,
 * loader_guest_mmap's entries), command line (1), boot loader name (2),
 * modules (3), ACPI old (14) / new (15) RSDP and the end tag, each 8-byte
 * aligned. *needed gets the total size; if it exceeds cap nothing is
 * written and LOADER_E_TOOSMALL comes back (buf may be NULL then). buf
 * must be 8-byte aligned. */
int loader_build_mbi(const struct loader_mbi_input *in, void *buf,
		     size_t cap, size_t *needed, struct loader_err *err);

/* ---- a Linux bzImage (x86 boot protocol 2.12+, boot.rst) ----------------- */

/* loader_is_linux: the image has the boot protocol's "HdrS" at 0x202 (it
 * is then a Linux image, valid or not, never a Multiboot2 one). */
bool loader_is_linux(const void *image, size_t size);

struct linux_info {
	uint16_t version;          /* 0x020F = 2.15 */
	uint32_t setup_size;       /* (setup_sects or 4, + 1) * 512 */
	uint64_t kernel_size;      /* bytes after setup: the protected-mode part */
	uint32_t init_size;        /* memory the kernel needs at its address */
	uint32_t align;            /* kernel_alignment (power of two) */
	uint64_t pref_address;
	bool relocatable;
	bool entry64;              /* XLF_KERNEL_64: startup_64 at +0x200 */
	bool above_4g;             /* XLF_CAN_BE_LOADED_ABOVE_4G */
	uint32_t initrd_addr_max;  /* highest byte address of the initrd */
	uint32_t cmdline_size;     /* longest command line, without the NUL */
};

/* loader_linux_header: validate the setup header completely: the image
 * holds the header (0x202 + the jump's byte at 0x201), boot_flag 0xAA55,
 * version >= 2.12, setup_sects and syssize inside the image, loadflags
 * with LOADED_HIGH (a bzImage), kernel_alignment a power of two >= 4 KiB
 * and >= 1 << min_alignment, pref_address aligned (when not relocatable
 * the kernel must go exactly there), init_size >= the protected-mode
 * part, payload and kernel_info inside it, cmdline_size > 0. Errors name
 * the field. */
int loader_linux_header(const void *image, size_t size,
			struct linux_info *li, struct loader_err *err);

/* loader_linux_plan: where the protected-mode kernel goes: pref_address
 * when [pref, pref + init_size) is guest RAM below 4 GiB (the 32-bit
 * entry runs with paging off), else, when relocatable, the lowest
 * align-aligned address from 1 MiB where it is. The plan holds one
 * segment of init_size and one copy (the image after the setup sectors);
 * entry is the 32-bit entry, the load address. */
int loader_linux_plan(const struct linux_info *li,
		      const struct loader_memmap *map,
		      struct loader_plan *plan, struct loader_err *err);

/* loader_linux_cmdline: args, plus " acpi_rsdp=0x..." when rsdp != 0 and
 * the protocol is older than 2.14 (no acpi_rsdp_addr to put it in), into
 * out. Refused when longer than cmdline_size or cap - 1. */
int loader_linux_cmdline(const struct linux_info *li, const char *args,
			 uint64_t rsdp, char *out, size_t cap,
			 struct loader_err *err);

/* Identity page tables for the 64-bit entry (boot.rst, "64-bit boot
 * protocol": the kernel, boot_params and the command line identity
 * mapped): PML4, PDPT and four page directories of 2 MiB pages mapping
 * 0..4 GiB, at gpa (4 KiB aligned). */
#define LOADER_LINUX_PT_SIZE (6 * 4096)
int loader_linux_identity_pt(void *buf, uint64_t gpa, struct loader_err *err);

/* loader_linux_setup_data_size: bytes of setup_data (16-byte aligned,
 * below 4 GiB) loader_linux_boot_params writes: a node holding a copy of
 * the RSDP (rsdp_len bytes, 0: none) and, when the guest map has more
 * than 128 entries, a SETUP_E820_EXT node with the rest. 0: none. */
size_t loader_linux_setup_data_size(const struct loader_memmap *map,
				    size_t rsdp_len);

/* The RSDP's address in the guest, for loader_linux_cmdline. */
#define LOADER_LINUX_RSDP_AT(setup_data_addr) ((setup_data_addr) + 16)

struct linux_bp_input {
	const struct linux_info *li;
	const void *image;         /* the bzImage: its setup header is copied */
	size_t size;
	const struct loader_memmap *map;
	uint64_t load_addr;        /* the plan's segment */
	uint64_t cmdline_addr;
	uint64_t initrd_addr, initrd_size;  /* size 0: none */
	const void *rsdp;          /* the RSDP to copy, or NULL */
	size_t rsdp_len;
	void *setup_data;          /* where to write the setup_data ... */
	size_t setup_data_cap;
	uint64_t setup_data_addr;  /* ... and its guest-physical address */
	const struct boot_framebuffer *fb;  /* GRUB's display, or NULL */
	bool fb_efi;               /* booted by UEFI: EFI graphics output */
};

/* loader_linux_screen_info: describe GRUB's display (Multiboot2 tag 8,
 * as kernel/mb2 validated it) in Linux's screen_info, the way Linux's
 * own setup or GRUB's `linux` would: EGA text as VGA colour text (mode
 * 3, its size, 16-line font, the cursor on the last line), an RGB
 * framebuffer as a VESA linear framebuffer or, booted by UEFI, as EFI
 * graphics output (base above 4 GiB through ext_lfb_base). Returns 1
 * with *si filled; 0 with *si zeroed and why[] saying what Linux cannot
 * be told (an indexed palette, text not at 0xB8000 or beyond 255
 * columns/lines, a pitch or size past the fields' widths). */
struct linux_screen_info;
int loader_linux_screen_info(const struct boot_framebuffer *fb, bool efi,
			     struct linux_screen_info *si, char *why,
			     size_t whylen);

/* loader_linux_boot_params: zero bp (4 KiB), copy the setup header, fill
 * type_of_loader, loadflags, code32_start, the ramdisk, the command line,
 * the setup_data chain (above), acpi_rsdp_addr (2.14 on; older kernels get
 * acpi_rsdp= on the command line), the e820 map (the guest map: the
 * hypervisor reserved), its first 128 entries in the zero page, and
 * screen_info from fb (loader_linux_screen_info; left zero when it says
 * 0). The initrd must lie in guest RAM and end at or below
 * initrd_addr_max + 1. */
int loader_linux_boot_params(const struct linux_bp_input *in, void *bp,
			     struct loader_err *err);

/* ==== kernel glue (loader/boot.c; not in the host tests) ================ */

struct guest_start {
	bool is_linux;        /* a bzImage: ESI = boot_params, CS 0x10, DS 0x18 */
	bool linux64;         /* its 64-bit entry: paging on, CR3 = pt */
	uint64_t pt;          /* identity page tables (linux64) */
	uint32_t entry;       /* physical, 32-bit protected mode */
	uint32_t mbi;         /* the guest's Multiboot2 information, or boot_params */
	uint64_t gdt;         /* a flat GDT: 0x08 code32, 0x10 data; Linux: 0x10
			       * code32, 0x18 data */
	uint64_t load_end;
	const char *cmdline;
};

/* guest_prepare: find the module 'guest ...' (a Multiboot2 ELF or a Linux
 * bzImage with an optional 'initrd' module), validate it completely, then
 * move modules out of the way, load the segments and build the guest's
 * Multiboot2 information (memory map with the holes reserved).
 * Returns LOADER_OK or a status with err->msg saying what was refused. */
int guest_prepare(const struct bootinfo *bi, const struct hv_hole *holes,
		  size_t nholes, unsigned linux_entry, struct guest_start *out,
		  struct loader_err *err);

#endif

/*
 * loader/boot.c - the kernel side of loading the guest: find its GRUB
 * module, run the host-tested steps of loader/ in order against real
 * memory (through the direct map, never the hypervisor's hole), and hand
 * back where the boot vCPU starts. Not part of the host tests: it is only
 * glue around them.
 */
#include "loader/loader.h"
#include "loader/formats.h"
#include "lib/lib.h"
#include "mm/mm.h"

#define GUEST_CMDLINE_MAX 512
#define MODSTR_POOL 2048
#define RSDP_MAX 64

/* Everything the guest's information needs from GRUB's block, copied out
 * first: loading the guest may overwrite GRUB's block (it lies in memory
 * that becomes the guest's). */
static char modstr_pool[MODSTR_POOL];
static uint8_t rsdp_old_copy[RSDP_MAX], rsdp_new_copy[RSDP_MAX];
/* setup_data for a Linux guest, checked here before it is written: an
 * RSDP copy and e820 entries beyond 128 (at most 2 * BOOT_MAX_RANGES + 1). */
static uint8_t scratch_sd[RSDP_MAX + 32 + (2 * BOOT_MAX_RANGES + 1) * 20] __aligned(16);

static size_t new_len_of(const struct bootinfo *bi)
{
	return MIN((size_t)bi->rsdp_new_len, (size_t)RSDP_MAX);
}

static int loader_fail_msg(struct loader_err *err, int code, const char *msg)
{
	ksnprintf(err->msg, sizeof(err->msg), "%s", msg);
	return code;
}

static const char *keep_string(const char *s, size_t *used)
{
	size_t n = strlen(s) + 1;
	char *dst;

	if (*used + n > MODSTR_POOL)
		return NULL;
	dst = modstr_pool + *used;
	memcpy(dst, s, n);
	*used += n;
	return dst;
}

struct mem_ctx {
	const struct hv_hole *holes;
	size_t nholes;
};

static void *phys_ptr(void *ctx, uint64_t pa, uint64_t len)
{
	const struct mem_ctx *m = ctx;

	if (!paging_is_ram(pa, len))
		return NULL;
	for (size_t i = 0; i < m->nholes; i++)
		if (pa < m->holes[i].end && m->holes[i].base < pa + len)
			return NULL;
	return phys_to_virt(PADDR(pa));
}

/* The module whose string is NAME or starts with "NAME ". */
static int find_module(const struct bootinfo *bi, const char *name,
		       const char **args)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < bi->nmods; i++) {
		const char *s = bi->mods[i].string;

		if (strncmp(s, name, n) == 0 && (s[n] == 0 || s[n] == ' ')) {
			*args = s[n] ? s + n + 1 : "";
			return (int)i;
		}
	}
	return -1;
}

static int find_guest(const struct bootinfo *bi, const char **args)
{
	return find_module(bi, "guest", args);
}

/* A Linux bzImage (docs/linux.md): the kernel where its header allows,
 * the 'initrd' module where GRUB put it unless in the way, boot_params,
 * the command line, setup_data (RSDP copy, e820 overflow) and a GDT in
 * blocks; entered at the 32-bit entry. */
static int linux_prepare(const struct bootinfo *bi, const struct mem_ctx *mc,
			 const struct loader_memmap *map, int g,
			 const char *args, const uint8_t *image, uint64_t size,
			 unsigned entry, struct guest_start *out,
			 struct loader_err *err)
{
	static char cmdline[GUEST_CMDLINE_MAX];
	static struct loader_plan plan;
	static struct linux_info li;
	struct loader_move moves[BOOT_MAX_MODULES];
	struct loader_block blocks[5];
	struct linux_bp_input in;
	bool use64;
	const char *iargs;
	const void *rsdp = bi->rsdp_new ? bi->rsdp_new : bi->rsdp_old;
	size_t rsdp_len = bi->rsdp_new ? new_len_of(bi) : (bi->rsdp_old ? 20 : 0);
	size_t sd_size, cl_size;
	uint64_t *gdt;
	int rd = find_module(bi, "initrd", &iargs), rc;

	rc = loader_linux_header(image, size, &li, err);
	if (rc == LOADER_OK)
		rc = loader_linux_plan(&li, map, &plan, err);
	if (rc != LOADER_OK)
		return rc;
	if (entry == 64 && !li.entry64) {
		ksnprintf(err->msg, sizeof(err->msg), "linux: linux_entry=64, but "
			  "xloadflags (0x236) lacks XLF_KERNEL_64");
		return LOADER_E_UNSUPPORTED;
	}
	use64 = entry == 64;    /* the 32-bit entry unless asked: docs/linux.md */
	if (rsdp)
		memcpy(rsdp_new_copy, rsdp, rsdp_len);
	sd_size = loader_linux_setup_data_size(map, rsdp_len);
	cl_size = MIN((size_t)li.cmdline_size + 1, sizeof(cmdline));
	blocks[0] = (struct loader_block){ 4096, 4096, 0 };      /* boot_params */
	blocks[1] = (struct loader_block){ cl_size, 16, 0 };
	blocks[2] = (struct loader_block){ 4 * 8, 8, 0 };        /* GDT */
	blocks[3] = (struct loader_block){ sd_size ? sd_size : 16, 16, 0 };
	blocks[4] = (struct loader_block){ LOADER_LINUX_PT_SIZE, 4096, 0 };
	rc = loader_place(map, &plan, bi->mods, bi->nmods, moves, blocks,
			  use64 ? 5 : 4, err);
	if (rc != LOADER_OK)
		return rc;
	rc = loader_linux_cmdline(&li, args, rsdp ? LOADER_LINUX_RSDP_AT(blocks[3].addr) : 0,
				  cmdline, cl_size, err);
	if (rc != LOADER_OK)
		return rc;
	in = (struct linux_bp_input){
		.li = &li, .image = image, .size = size, .map = map,
		.load_addr = plan.seg[0].base, .cmdline_addr = blocks[1].addr,
		.initrd_addr = rd >= 0 ? moves[rd].to : 0,
		.initrd_size = rd >= 0 ? moves[rd].len : 0,
		.rsdp = rsdp ? rsdp_new_copy : NULL, .rsdp_len = rsdp ? rsdp_len : 0,
		.setup_data = NULL, .setup_data_cap = sd_size,
		.setup_data_addr = blocks[3].addr,
		.fb = bi->fb_status == BOOT_FB_OK ? &bi->fb : NULL,
		.fb_efi = bi->uefi,
	};
	/* Check what boot_params will say before anything moves: a dry run
	 * on a scratch page of our own (the initrd's final place included). */
	{
		static uint8_t scratch_bp[4096] __aligned(16);
		struct linux_bp_input dry = in;

		dry.setup_data = sd_size ? scratch_sd : NULL;
		if (sd_size > sizeof(scratch_sd))
			return loader_fail_msg(err, LOADER_E_TOOSMALL,
					       "linux: setup_data too large");
		rc = loader_linux_boot_params(&dry, scratch_bp, err);
		if (rc != LOADER_OK)
			return rc;
	}

	/* Act: move modules, copy the kernel, write the blocks. */
	rc = loader_move_modules(moves, bi->nmods, phys_ptr, (void *)mc, err);
	if (rc != LOADER_OK)
		return rc;
	image = phys_ptr((void *)mc, moves[g].to, size);
	if (!image) {
		ksnprintf(err->msg, sizeof(err->msg), "guest image unreachable after moving");
		return LOADER_E_ACCESS;
	}
	/* The kernel's region may overlap the old place of the image, never
	 * its new one (loader_place): copy first, then fill the blocks. */
	rc = loader_execute(&plan, image, size, phys_ptr, (void *)mc, err);
	if (rc != LOADER_OK)
		return rc;
	in.image = image;
	in.setup_data = sd_size ? phys_ptr((void *)mc, blocks[3].addr, sd_size) : NULL;
	{
		void *bp = phys_ptr((void *)mc, blocks[0].addr, 4096);
		char *cl = phys_ptr((void *)mc, blocks[1].addr, cl_size);

		gdt = phys_ptr((void *)mc, blocks[2].addr, 32);
		if (!bp || !cl || !gdt || (sd_size && !in.setup_data)) {
			ksnprintf(err->msg, sizeof(err->msg), "linux: a block is unreachable");
			return LOADER_E_ACCESS;
		}
		memcpy(cl, cmdline, strlen(cmdline) + 1);
		rc = loader_linux_boot_params(&in, bp, err);
		if (rc != LOADER_OK)
			return rc;
	}
	/* __BOOT_CS = 0x10, __BOOT_DS = 0x18 (boot.rst): 32-bit code, or
	 * 64-bit code (L = 1, D = 0) for startup_64. */
	gdt[0] = gdt[1] = 0;
	gdt[2] = use64 ? 0x00AF9A000000FFFFULL : 0x00CF9A000000FFFFULL;
	gdt[3] = 0x00CF92000000FFFFULL;
	out->linux64 = use64;
	out->pt = 0;
	if (use64) {
		void *pt = phys_ptr((void *)mc, blocks[4].addr, LOADER_LINUX_PT_SIZE);

		if (!pt) {
			ksnprintf(err->msg, sizeof(err->msg), "linux: page tables unreachable");
			return LOADER_E_ACCESS;
		}
		rc = loader_linux_identity_pt(pt, blocks[4].addr, err);
		if (rc != LOADER_OK)
			return rc;
		out->pt = blocks[4].addr;
	}

	out->is_linux = true;
	/* startup_64 lies 0x200 into the protected-mode kernel (boot.rst). */
	out->entry = plan.entry + (use64 ? 0x200 : 0);
	out->mbi = (uint32_t)blocks[0].addr;
	out->gdt = blocks[2].addr;
	out->load_end = plan.load_end;
	out->cmdline = cmdline;
	printk("guest: Linux boot protocol %u.%02u, kernel at 0x%lx (init_size 0x%x, "
	       "%s, %s-bit entry), initrd %s at 0x%lx (0x%lx bytes), boot_params at 0x%lx\n",
	       li.version >> 8, li.version & 0xFF, plan.seg[0].base, li.init_size,
	       li.relocatable ? "relocatable" : "fixed", use64 ? "64" : "32",
	       rd >= 0 ? "module" : "none", in.initrd_addr, in.initrd_size,
	       blocks[0].addr);
	{
		struct linux_screen_info si;
		char why[64];

		if (loader_linux_screen_info(in.fb, in.fb_efi, &si, why,
					     sizeof(why)) == 0)
			printk("guest: Linux screen_info: none (%s)\n", why);
		else if (si.orig_video_isVGA == LINUX_VIDEO_TEXT)
			printk("guest: Linux screen_info: VGA text %ux%u\n",
			       si.orig_video_cols, si.orig_video_lines);
		else
			printk("guest: Linux screen_info: %s framebuffer %ux%ux%u "
			       "at 0x%lx, pitch %u\n",
			       si.orig_video_isVGA == LINUX_VIDEO_TYPE_EFI ?
			       "EFI" : "VESA", si.lfb_width, si.lfb_height,
			       si.lfb_depth, in.fb->addr, si.lfb_linelength);
	}
	return LOADER_OK;
}

int guest_prepare(const struct bootinfo *bi, const struct hv_hole *holes,
		  size_t nholes, unsigned linux_entry, struct guest_start *out,
		  struct loader_err *err)
{
	static char cmdline[GUEST_CMDLINE_MAX];
	static struct boot_module guest_mods[BOOT_MAX_MODULES];
	static struct loader_plan plan;
	struct loader_move moves[BOOT_MAX_MODULES];
	struct loader_block blocks[2];
	struct mb2_header_info hdr;
	struct mem_ctx mc = { holes, nholes };
	size_t nranges;
	const struct mem_range *ranges = bootinfo_ram_map(bi, &nranges);
	/* The same map the pool and the NPT were planned with. */
	struct loader_memmap map = { ranges, nranges, bi->nefimap != 0,
				     holes[0].base, holes[0].end,
				     nholes > 1 ? holes[1].base : 0,
				     nholes > 1 ? holes[1].end : 0 };
	struct loader_mbi_input in;
	const char *args;
	const uint8_t *image;
	uint64_t size, provides = LOADER_MBI_PROVIDES_BASE, *gdt;
	size_t mbi_size, nguest = 0, strused = 0;
	size_t old_len = MIN((size_t)bi->rsdp_old_len, (size_t)20); /* ACPI 1.0 */
	size_t new_len = MIN((size_t)bi->rsdp_new_len, (size_t)RSDP_MAX);
	int g, rc;

	g = find_guest(bi, &args);
	if (g < 0) {
		ksnprintf(err->msg, sizeof(err->msg),
			  "no module named 'guest' (module2 /boot/guest.elf guest ...)");
		return LOADER_E_INVAL;
	}
	size = bi->mods[g].end - bi->mods[g].start;
	image = phys_ptr(&mc, bi->mods[g].start, size);
	if (!image || size == 0) {
		ksnprintf(err->msg, sizeof(err->msg), "guest module is empty or unreachable");
		return LOADER_E_ACCESS;
	}
	if (loader_is_linux(image, size))
		return linux_prepare(bi, &mc, &map, g, args, image, size,
				     linux_entry, out, err);
	if (bi->rsdp_old)
		provides |= LOADER_MBI_PROVIDES_ACPI_OLD;
	if (bi->rsdp_new)
		provides |= LOADER_MBI_PROVIDES_ACPI_NEW;

	/* 1-3: validate the image completely before touching memory. */
	rc = loader_find_mb2_header(image, size, provides, &hdr, err);
	if (rc == LOADER_OK)
		rc = loader_plan(image, size, &hdr, &map, &plan, err);
	if (rc != LOADER_OK)
		return rc;

	/* The guest's command line, plus where the hole is (its self-test
	 * probes it: docs/guest.md). */
	ksnprintf(cmdline, sizeof(cmdline), "%s%shv_hole=0x%llx:0x%llx", args,
		  *args ? " " : "", (unsigned long long)holes[0].base,
		  (unsigned long long)(holes[0].end - holes[0].base));

	/* Modules other than the guest image go to the guest. */
	for (size_t i = 0; i < bi->nmods; i++) {
		if ((int)i == g)
			continue;
		guest_mods[nguest] = bi->mods[i];
		guest_mods[nguest].string = keep_string(bi->mods[i].string, &strused);
		if (!guest_mods[nguest++].string) {
			ksnprintf(err->msg, sizeof(err->msg),
				  "module strings longer than %d bytes in all", MODSTR_POOL);
			return LOADER_E_TOOSMALL;
		}
	}
	if (bi->rsdp_old)
		memcpy(rsdp_old_copy, bi->rsdp_old, old_len);
	if (bi->rsdp_new)
		memcpy(rsdp_new_copy, bi->rsdp_new, new_len);
	in = (struct loader_mbi_input){ &map, cmdline, "thin AMD hypervisor",
					guest_mods, nguest,
					bi->rsdp_old ? rsdp_old_copy : NULL, old_len,
					bi->rsdp_new ? rsdp_new_copy : NULL, new_len };
	rc = loader_build_mbi(&in, NULL, 0, &mbi_size, err);
	if (rc != LOADER_OK && rc != LOADER_E_TOOSMALL)
		return rc;

	/* 4: homes for the information block, the GDT and displaced modules. */
	blocks[0] = (struct loader_block){ mbi_size, 8, 0 };
	blocks[1] = (struct loader_block){ 3 * 8, 8, 0 };
	rc = loader_place(&map, &plan, bi->mods, bi->nmods, moves, blocks, 2, err);
	if (rc != LOADER_OK)
		return rc;

	/* 5-6: now act: move modules, then load the segments. */
	rc = loader_move_modules(moves, bi->nmods, phys_ptr, &mc, err);
	if (rc != LOADER_OK)
		return rc;
	image = phys_ptr(&mc, moves[g].to, size);
	if (!image) {
		ksnprintf(err->msg, sizeof(err->msg), "guest image unreachable after moving");
		return LOADER_E_ACCESS;
	}
	rc = loader_execute(&plan, image, size, phys_ptr, &mc, err);
	if (rc != LOADER_OK)
		return rc;
	for (size_t i = 0, j = 0; i < bi->nmods; i++) {
		if ((int)i == g)
			continue;
		guest_mods[j].start = moves[i].to;
		guest_mods[j].end = moves[i].to + moves[i].len;
		j++;
	}

	/* 7: the information block, and a flat GDT (null, code32, data). */
	rc = loader_build_mbi(&in, phys_ptr(&mc, blocks[0].addr, mbi_size),
			      mbi_size, &mbi_size, err);
	if (rc != LOADER_OK)
		return rc;
	gdt = phys_ptr(&mc, blocks[1].addr, 24);
	if (!gdt) {
		ksnprintf(err->msg, sizeof(err->msg), "guest GDT block unreachable");
		return LOADER_E_ACCESS;
	}
	gdt[0] = 0;
	gdt[1] = 0x00CF9A000000FFFFULL;
	gdt[2] = 0x00CF92000000FFFFULL;

	out->is_linux = false;
	out->linux64 = false;
	out->entry = plan.entry;
	out->mbi = (uint32_t)blocks[0].addr;
	out->gdt = blocks[1].addr;
	out->load_end = plan.load_end;
	out->cmdline = cmdline;
	return LOADER_OK;
}

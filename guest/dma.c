/*
 * guest/dma.c - device DMA against the hypervisor's IOMMU (guest option
 * `dma`; QEMU with -device amd-iommu and -device edu). QEMU's edu device
 * (1234:11e8) has a DMA engine: BAR0 registers source 0x80, destination
 * 0x88, count 0x90, command 0x98 (bit 0 start, bit 1 device-to-RAM), and
 * a 4 KiB buffer at device address 0x40000 (transfers kept well below its
 * size). Checks:
 *   iommu_hidden     no PCI function 1022:0018 on bus 0, no IVRS listed
 *                    by the RSDT or the XSDT;
 *   dma_guest_ram    a pattern DMAed from guest RAM into the device and
 *                    back into other guest RAM arrives intact;
 *   dma_hv_blocked   the device told to write a pattern into the middle
 *                    of the hypervisor's hole (hv_hole=), then to read it
 *                    back: what comes back is not the pattern and not the
 *                    hypervisor's bytes (the device's buffer keeps what
 *                    it held, or reads a bus error as all-zero/all-ones).
 *   msi_init_refused the device's MSI programmed with INIT delivery
 *                    (data 0x500) for APIC ID 1 and then for this CPU,
 *                    raised through edu's interrupt register (0x60):
 *                    this CPU keeps running and the PIT keeps counting;
 *                    CPU 1 is shown alive later by the smp checks (the
 *                    hypervisor's physical CPU 1 would be reset by a
 *                    delivered INIT, and the AP could not come up).
 * The hypervisor logs and counts both blocked accesses (the QEMU test
 * reads its log and its console, and checks the memory from outside).
 */
#include "guest/guest.h"

#define PCI_ADDR        0xCF8
#define PCI_DATA        0xCFC
#define EDU_ID          0x11e81234u
#define IOMMU_ID        0x00181022u
#define EDU_SRC         0x80
#define EDU_DST         0x88
#define EDU_CNT         0x90
#define EDU_CMD         0x98
#define EDU_RUN         BIT(0)
#define EDU_TO_RAM      BIT(1)
#define XFER            256

static uint8_t src_buf[XFER] __attribute__((aligned(4096)));
static uint8_t dst_buf[XFER] __attribute__((aligned(4096)));

static uint32_t cfg_rd(uint32_t bdf, uint8_t reg)
{
	outl(PCI_ADDR, BIT(31) | bdf << 8 | reg);
	return inl(PCI_DATA);
}

static void cfg_wr(uint32_t bdf, uint8_t reg, uint32_t v)
{
	outl(PCI_ADDR, BIT(31) | bdf << 8 | reg);
	outl(PCI_DATA, v);
}

/* The first function on bus 0 with this vendor:device, or -1. */
static int find_fn(uint32_t id)
{
	for (uint32_t bdf = 0; bdf < 256; bdf++)
		if (cfg_rd(bdf, 0) == id)
			return (int)bdf;
	return -1;
}

static volatile uint64_t *edu_reg(uintptr_t bar, unsigned off)
{
	return (volatile uint64_t *)(bar + off);
}

bool edu_xfer(uintptr_t bar, uint64_t src, uint64_t dst, uint32_t len,
	      bool to_ram)
{
	if (len > EDU_XFER_MAX)
		return false;
	*edu_reg(bar, EDU_SRC) = src;
	*edu_reg(bar, EDU_DST) = dst;
	*edu_reg(bar, EDU_CNT) = len;
	*edu_reg(bar, EDU_CMD) = EDU_RUN | (to_ram ? EDU_TO_RAM : 0);
	/* Polled every 10 us: fine enough for guest/dmabench.c's timing,
	 * coarse enough not to keep QEMU busy in the device model. */
	for (int us = 0; us < 2000 * 1000; us += 10) {
		if (!(*edu_reg(bar, EDU_CMD) & EDU_RUN))
			return true;
		udelay(10);
	}
	return false;
}

uintptr_t edu_open(int *fn_out)
{
	int fn = find_fn(EDU_ID);
	uintptr_t bar;

	*fn_out = fn;
	if (fn < 0)
		return 0;
	bar = cfg_rd((uint32_t)fn, 0x10) & ~0xFu;
	cfg_wr((uint32_t)fn, 0x04, cfg_rd((uint32_t)fn, 0x04) | 0x6); /* MEM, master */
	printk("dma: edu at %02x:%02x.%x, BAR0 %#lx\n", fn >> 8, (fn >> 3) & 31,
	       fn & 7, (unsigned long)bar);
	return bar;
}

/* One transfer of XFER bytes; false when the engine does not finish. */
static bool edu_dma(uintptr_t bar, uint64_t src, uint64_t dst, bool to_ram)
{
	return edu_xfer(bar, src, dst, XFER, to_ram);
}

/* MSI with INIT delivery (Intel SDM / AMD APM MSI data bits 10:8 = 101b)
 * for @apic: the IOMMU's device table entry must target-abort it. */
static bool edu_msi_init(uint32_t fn, uintptr_t bar, uint8_t apic)
{
	uint32_t cap = (cfg_rd(fn, 0x34) & 0xFC), ctl;
	uint64_t t0;

	while (cap && (cfg_rd(fn, (uint8_t)cap) & 0xFF) != 0x05)
		cap = (cfg_rd(fn, (uint8_t)cap) >> 8) & 0xFC;
	if (!cap)
		return false;
	ctl = cfg_rd(fn, (uint8_t)cap) >> 16;
	cfg_wr(fn, (uint8_t)(cap + 4), 0xFEE00000u | (uint32_t)apic << 12);
	if (ctl & BIT(7)) {                       /* 64-bit address */
		cfg_wr(fn, (uint8_t)(cap + 8), 0);
		cfg_wr(fn, (uint8_t)(cap + 12), 0x0500);
	} else {
		cfg_wr(fn, (uint8_t)(cap + 8), 0x0500);
	}
	cfg_wr(fn, (uint8_t)cap, cfg_rd(fn, (uint8_t)cap) | BIT(16)); /* enable */
	*(volatile uint32_t *)(bar + 0x60) = 1;   /* raise interrupt */
	t0 = pit_ticks;
	udelay(100 * 1000);
	*(volatile uint32_t *)(bar + 0x64) = 1;   /* acknowledge */
	cfg_wr(fn, (uint8_t)cap, cfg_rd(fn, (uint8_t)cap) & ~BIT(16));
	return pit_ticks != t0;
}

static void fill(uint8_t *b, uint8_t seed)
{
	for (size_t i = 0; i < XFER; i++)
		b[i] = (uint8_t)(seed + i * 7);
}

static bool uniform(const uint8_t *b, uint8_t v)
{
	for (size_t i = 0; i < XFER; i++)
		if (b[i] != v)
			return false;
	return true;
}

static void check_hidden(const struct guest_boot *b)
{
	const char *why_x, *why_r;
	int fn = find_fn(IOMMU_ID);
	bool x = acpi_find_table(b->rsdp, b->rsdp_len, 4 * GiB, "IVRS",
				 false, &why_x) != NULL;
	bool r = acpi_find_table(b->rsdp, b->rsdp_len, 4 * GiB, "IVRS",
				 true, &why_r) != NULL;

	check_report("iommu_hidden", fn < 0 && !x && !r,
		     "IOMMU function %s, IVRS %s", fn < 0 ? "absent" : "visible",
		     x || r ? "listed" : "absent");
}

void checks_dma(const struct guest_boot *b, const char *hole)
{
	uint64_t base = 0, len = 0, target;
	int fn;
	uintptr_t bar;

	check_hidden(b);
	bar = edu_open(&fn);
	if (!bar) {
		check_report("dma_guest_ram", false, "no edu device on bus 0");
		return;
	}

	/* Guest RAM -> device -> other guest RAM. */
	fill(src_buf, 0x11);
	memset(dst_buf, 0, XFER);
	if (!edu_dma(bar, (uintptr_t)src_buf, EDU_BUF_ADDR, false) ||
	    !edu_dma(bar, EDU_BUF_ADDR, (uintptr_t)dst_buf, true)) {
		check_report("dma_guest_ram", false, "DMA engine stuck");
		return;
	}
	check_report("dma_guest_ram", memcmp(src_buf, dst_buf, XFER) == 0,
		     "guest RAM copy differs (first byte %#x)", dst_buf[0]);

	/* An INIT through the device's MSI, to CPU 1 and to this CPU. */
	printk("dma: edu MSI with INIT delivery to APIC 1, then to APIC %u\n",
	       this_cpu()->apic_id);
	check_report("msi_init_refused",
		     edu_msi_init((uint32_t)fn, bar, 1) &&
		     edu_msi_init((uint32_t)fn, bar, (uint8_t)this_cpu()->apic_id),
		     "no MSI capability, or the PIT stopped");

	if (!hole || !hv_present() || !guest_parse_hole(hole, &base, &len)) {
		check_report("dma_hv_blocked", false, "no hv_hole=");
		return;
	}
	target = ALIGN_DOWN(base + len / 2, 4096);
	printk("dma: device writes then reads hypervisor memory at %#lx\n",
	       (unsigned long)target);
	/* The device's buffer holds pattern A (from guest RAM); it is told
	 * to write A into the hole. Then it gets pattern B and is told to
	 * read the hole into its buffer, which goes back to guest RAM. */
	fill(src_buf, 0xA0);
	if (!edu_dma(bar, (uintptr_t)src_buf, EDU_BUF_ADDR, false) ||
	    !edu_dma(bar, EDU_BUF_ADDR, target, true)) {
		check_report("dma_hv_blocked", false, "DMA engine stuck (write)");
		return;
	}
	fill(src_buf, 0xB0);
	memset(dst_buf, 0x5A, XFER);
	if (!edu_dma(bar, (uintptr_t)src_buf, EDU_BUF_ADDR, false) ||
	    !edu_dma(bar, target, EDU_BUF_ADDR, false) ||
	    !edu_dma(bar, EDU_BUF_ADDR, (uintptr_t)dst_buf, true)) {
		check_report("dma_hv_blocked", false, "DMA engine stuck (read)");
		return;
	}
	fill(src_buf, 0xB0);
	check_report("dma_hv_blocked", memcmp(dst_buf, src_buf, XFER) == 0 ||
		     uniform(dst_buf, 0) || uniform(dst_buf, 0xFF),
		     "the device read %02x %02x %02x %02x... from the hole",
		     dst_buf[0], dst_buf[1], dst_buf[2], dst_buf[3]);
	printk("dma: done\n");
}

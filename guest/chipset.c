/*
 * guest/chipset.c - the chipset registers that route memory or I/O or
 * open SMRAM must not take the guest's writes (the hypervisor keeps them,
 * svm/cfgfilter.c): each is written through configuration mechanism #1
 * (and on Q35 through ECAM too) with some bits flipped, read back, and
 * put back if it moved. Two attacks found in review are replayed:
 * RCBA moved over RAM (the chipset's register block would shadow it) and
 * ESMRAMC with T_EN (TSEG would take the top of low RAM, the hypervisor's
 * place). Without the hypervisor nothing is tried: FAIL.
 */
#include "guest/guest.h"

#define PCI_CONF_ADDR     0xcf8
#define PCI_CONF_DATA     0xcfc
#define PCI_BDF(d, f)     (((uint32_t)(d) << 11) | ((uint32_t)(f) << 8))

#define Q35_MCH_BDF       PCI_BDF(0, 0)
#define Q35_MCH_ID        0x29c08086u
#define ICH9_LPC_BDF      PCI_BDF(31, 0)
#define ICH9_LPC_ID       0x29188086u
#define ICH9_SMBUS_BDF    PCI_BDF(31, 3)
#define ICH9_PMBASE       0x40
#define ICH9_PMBASE_MASK  0xff80u
#define ICH9_RCBA         0xf0
#define RCBA_EN           BIT(0)
#define Q35_ESMRAMC       0x9e
#define ESMRAMC_T_EN      BIT(0)
#define ESMRAMC_TSEG_8M   (2u << 1)
#define ESMRAMC_H_SMRAME  BIT(7)
#define Q35_PCIEXBAR      0x60
#define PCIEXBAR_EN       BIT(0)
#define PCIEXBAR_LEN(v)   (((v) >> 1) & 3)   /* 0: 256 MiB, 1: 128, 2: 64 */

#define I440FX_BDF        PCI_BDF(0, 0)
#define I440FX_ID         0x12378086u
#define PIIX3_BDF         PCI_BDF(1, 0)
#define PIIX4_PM_BDF      PCI_BDF(1, 3)
#define PIIX4_PM_ID       0x71138086u
#define PIIX4_PMBA        0x40
#define PIIX4_PMBA_MASK   0xffc0u

#define PMBASE_PROBE      0xb01u             /* an unused I/O range */

uint32_t pci_read(uint32_t bdf, uint8_t reg)
{
	outl(PCI_CONF_ADDR, BIT(31) | bdf | (reg & 0xfc));
	return inl(PCI_CONF_DATA);
}

void pci_write(uint32_t bdf, uint8_t reg, uint32_t val)
{
	outl(PCI_CONF_ADDR, BIT(31) | bdf | (reg & 0xfc));
	outl(PCI_CONF_DATA, val);
}

static uint8_t pci_read8(uint32_t bdf, uint8_t reg)
{
	outl(PCI_CONF_ADDR, BIT(31) | bdf | (reg & 0xfc));
	return inb((uint16_t)(PCI_CONF_DATA + (reg & 3)));
}

static void pci_write8(uint32_t bdf, uint8_t reg, uint8_t val)
{
	outl(PCI_CONF_ADDR, BIT(31) | bdf | (reg & 0xfc));
	outb((uint16_t)(PCI_CONF_DATA + (reg & 3)), val);
}

bool is_ich9(void)
{
	return pci_read(ICH9_LPC_BDF, 0) == ICH9_LPC_ID;
}

static bool is_piix4(void)
{
	return pci_read(PIIX4_PM_BDF, 0) == PIIX4_PM_ID;
}

uint16_t acpi_pmbase(void)
{
	if (is_ich9())
		return (uint16_t)(pci_read(ICH9_LPC_BDF, ICH9_PMBASE) &
				  ICH9_PMBASE_MASK);
	if (is_piix4())
		return (uint16_t)(pci_read(PIIX4_PM_BDF, PIIX4_PMBA) &
				  PIIX4_PMBA_MASK);
	return 0;
}

/* The ECAM dword of (bdf, reg) on Q35, or NULL when ECAM is off. */
static volatile uint32_t *ecam(uint32_t bdf, uint8_t reg)
{
	uint32_t bar = pci_read(Q35_MCH_BDF, Q35_PCIEXBAR);
	uint64_t base;

	if (pci_read(Q35_MCH_BDF, 0) != Q35_MCH_ID || !(bar & PCIEXBAR_EN))
		return NULL;
	base = bar & (0xf0000000u |
		      (PCIEXBAR_LEN(bar) >= 1 ? 0x08000000u : 0) |
		      (PCIEXBAR_LEN(bar) == 2 ? 0x04000000u : 0));
	return (volatile uint32_t *)(uintptr_t)(base + ((uint64_t)bdf << 4) +
						(reg & 0xfc));
}

/* Write dword reg ^ flip through 0xcf8 (and ECAM when there is one),
 * read back; put the old value back if it moved. True when it held. */
static bool reg_held(uint32_t bdf, uint8_t reg, uint32_t flip, uint32_t *got)
{
	uint32_t old = pci_read(bdf, reg), now;
	volatile uint32_t *e = ecam(bdf, reg);
	bool held;

	pci_write(bdf, reg, old ^ flip);
	now = pci_read(bdf, reg);
	held = now == old;
	if (held && e) {
		*e = old ^ flip;
		now = *e;
		held = now == old;
	}
	/* And one byte at a time through the data port's other offsets. */
	for (unsigned b = 0; held && b < 4; b++) {
		uint8_t ob = (uint8_t)(old >> (8 * b)), fb = (uint8_t)(flip >> (8 * b));

		if (!fb)
			continue;
		pci_write8(bdf, (uint8_t)(reg + b), (uint8_t)(ob ^ fb));
		held = pci_read8(bdf, (uint8_t)(reg + b)) == ob;
		if (!held)
			now = pci_read(bdf, reg);
	}
	if (!held)
		pci_write(bdf, reg, old);
	*got = now;
	return held;
}

struct guarded_reg {
	uint32_t id, bdf;        /* the function must have this ID */
	uint8_t reg;
	uint32_t flip;           /* bits flipped: writable ones in QEMU */
	const char *name;
};

static const struct guarded_reg regs[] = {
	{ Q35_MCH_ID, Q35_MCH_BDF, 0x48, 0x00010001u, "Q35 MCHBAR" },
	{ Q35_MCH_ID, Q35_MCH_BDF, 0x50, 0x0000ffffu, "Q35 TSEG size" },
	{ Q35_MCH_ID, Q35_MCH_BDF, 0x60, 0x10000000u, "Q35 PCIEXBAR" },
	{ Q35_MCH_ID, Q35_MCH_BDF, 0x90, 0x33000000u, "Q35 PAM0" },
	{ Q35_MCH_ID, Q35_MCH_BDF, 0x94, 0x00333333u, "Q35 PAM4-6" },
	{ Q35_MCH_ID, Q35_MCH_BDF, 0x9c, 0x00804000u, "Q35 SMRAM, ESMRAMC" },
	{ Q35_MCH_ID, Q35_MCH_BDF, 0xb0, 0x0000f000u, "Q35 TOLUD" },
	{ Q35_MCH_ID, Q35_MCH_BDF, 0xa0, 0x00100010u, "Q35 TOM, TOUUD" },
	{ Q35_MCH_ID, Q35_MCH_BDF, 0x68, 0x00010001u, "Q35 DMIBAR" },
	{ ICH9_LPC_ID, ICH9_LPC_BDF, 0x80, 0x00010010u, "ICH9 LPC I/O decode" },
	{ ICH9_LPC_ID, ICH9_LPC_BDF, 0x84, 0x00010001u, "ICH9 GEN1_DEC" },
	{ ICH9_LPC_ID, ICH9_LPC_BDF, 0xdc, 0x00000001u, "ICH9 BIOS_CNTL" },
	{ ICH9_LPC_ID, ICH9_LPC_BDF, 0x40, 0x00000b00u, "ICH9 PMBASE" },
	{ ICH9_LPC_ID, ICH9_LPC_BDF, 0x44, 0x00000080u, "ICH9 ACPI_CNTL" },
	{ ICH9_LPC_ID, ICH9_LPC_BDF, 0x48, 0x0000c000u, "ICH9 GPIOBASE" },
	{ ICH9_LPC_ID, ICH9_LPC_BDF, 0xf0, 0x10000000u, "ICH9 RCBA" },
	{ 0x29308086u, ICH9_SMBUS_BDF, 0x20, 0x00001000u, "ICH9 SMBus base" },
	{ I440FX_ID, I440FX_BDF, 0x58, 0x33000000u, "i440FX PAM0" },
	{ I440FX_ID, I440FX_BDF, 0x5c, 0x33333333u, "i440FX PAM3-6" },
	{ I440FX_ID, I440FX_BDF, 0x70, 0x00400000u, "i440FX SMRAM D_OPEN" },
	{ 0x70008086u, PIIX3_BDF, 0x4c, 0x01000000u, "PIIX3 XBCS" },
	{ 0x70008086u, PIIX3_BDF, 0x68, 0x00001000u, "PIIX3 TOM" },
	{ 0x70008086u, PIIX3_BDF, 0x80, 0x00000001u, "PIIX3 APICBASE" },
	{ PIIX4_PM_ID, PIIX4_PM_BDF, 0x40, 0x00000b00u, "PIIX4 PMBA" },
	{ PIIX4_PM_ID, PIIX4_PM_BDF, 0x58, 0x00000001u, "PIIX4 DEVACTA" },
	{ PIIX4_PM_ID, PIIX4_PM_BDF, 0x80, 0x00000001u, "PIIX4 PMREGMISC" },
	{ PIIX4_PM_ID, PIIX4_PM_BDF, 0x90, 0x00001000u, "PIIX4 SMBBA" },
	{ PIIX4_PM_ID, PIIX4_PM_BDF, 0xd0, 0x00010000u, "PIIX4 SMBHSTCFG" },
};

static void check_chipset_guard(void)
{
	unsigned tried = 0;

	for (size_t i = 0; i < ARRAY_SIZE(regs); i++) {
		const struct guarded_reg *r = &regs[i];
		uint32_t old, got;

		if (pci_read(r->bdf, 0) != r->id)
			continue;
		tried++;
		old = pci_read(r->bdf, r->reg);
		if (!reg_held(r->bdf, r->reg, r->flip, &got)) {
			check_report("chipset_guard", false, "%s (%#x) moved: "
				     "%#x -> %#x", r->name, r->reg, old, got);
			return;
		}
	}
	check_report("chipset_guard", tried >= 4, "only %u known registers "
		     "on this chipset", tried);
}

/* The PM1 block (ICH9 PMBASE, PIIX4 PMBA) does not move, through any
 * path; on Q35 the ECAM window does not either. */
static void check_pmbase_kept(void)
{
	bool ich9 = is_ich9();
	uint32_t bdf = ich9 ? ICH9_LPC_BDF : PIIX4_PM_BDF;
	uint8_t reg = ich9 ? ICH9_PMBASE : PIIX4_PMBA;
	uint32_t old, got;

	if (!acpi_pmbase()) {
		check_report("pmbase_kept", false, "neither ICH9 nor PIIX4");
		return;
	}
	old = pci_read(bdf, reg);
	if (!reg_held(bdf, reg, old ^ PMBASE_PROBE, &got)) {
		check_report("pmbase_kept", false, "PM base %#x moved to %#x",
			     old, got);
		return;
	}
	if (ich9 && !reg_held(Q35_MCH_BDF, Q35_PCIEXBAR, 0x10000000u, &got)) {
		check_report("pmbase_kept", false, "PCIEXBAR moved to %#x", got);
		return;
	}
	check_report("pmbase_kept", true, " ");
}

/* RCBA over our own RAM: the chipset's register block would then shadow
 * those bytes (the review moved it over the hypervisor's data this way).
 * A page of ours filled with a pattern must keep reading the pattern. */
static void check_rcba_attack(const struct guest_boot *b)
{
	static uint8_t page[16384] __attribute__((aligned(16384)));
	uint32_t old, got;
	bool kept = true;

	(void)b;
	if (!is_ich9())
		return;
	for (size_t i = 0; i < sizeof(page); i++)
		page[i] = (uint8_t)(i * 7 + 1);
	old = pci_read(ICH9_LPC_BDF, ICH9_RCBA);
	pci_write(ICH9_LPC_BDF, ICH9_RCBA, (uint32_t)(uintptr_t)page | RCBA_EN);
	got = pci_read(ICH9_LPC_BDF, ICH9_RCBA);
	for (size_t i = 0; i < sizeof(page); i++)
		if (((volatile uint8_t *)page)[i] != (uint8_t)(i * 7 + 1))
			kept = false;
	if (got != old)
		pci_write(ICH9_LPC_BDF, ICH9_RCBA, old);
	check_report("rcba_attack", got == old && kept, "RCBA %#x -> %#x, "
		     "RAM under it %s", old, got, kept ? "kept" : "shadowed");
}

/* ICH9's root complex block: OIC (0x31FE-0x31FF: I/O APIC address
 * select and enable) and GCS (0x3410: boot BIOS straps) keep their
 * values; a neighbouring interrupt-route register (D31IR, 0x3140) is the
 * guest's and takes its write (ICH9 datasheet 10.1). */
#define RCRB_OIC          0x31fe
#define RCRB_GCS          0x3410
#define RCRB_D31IR        0x3140

static void check_rcrb_kept(void)
{
	uint32_t rcba = pci_read(ICH9_LPC_BDF, ICH9_RCBA);
	volatile uint16_t *oic;
	volatile uint32_t *gcs, *d31ir;
	uint16_t oic0, oic1;
	uint32_t gcs0, gcs1, ir0, ir1;

	if (!is_ich9() || !(rcba & RCBA_EN))
		return;
	rcba &= 0xffffc000u;
	oic = (volatile uint16_t *)(uintptr_t)(rcba + RCRB_OIC);
	gcs = (volatile uint32_t *)(uintptr_t)(rcba + RCRB_GCS);
	d31ir = (volatile uint32_t *)(uintptr_t)(rcba + RCRB_D31IR);
	oic0 = *oic;
	gcs0 = *gcs;
	ir0 = *d31ir;
	*oic = (uint16_t)(oic0 ^ 0x0101u);
	*gcs = gcs0 ^ 0x00000c20u;
	*d31ir = ir0 ^ 0x1u;
	oic1 = *oic;
	gcs1 = *gcs;
	ir1 = *d31ir;
	if (oic1 != oic0)
		*oic = oic0;
	if (gcs1 != gcs0)
		*gcs = gcs0;
	*d31ir = ir0;
	check_report("rcrb_kept", oic1 == oic0 && gcs1 == gcs0 &&
		     ir1 == (ir0 ^ 0x1u), "OIC %#x -> %#x, GCS %#x -> %#x, "
		     "D31IR %#x -> %#x", oic0, oic1, gcs0, gcs1, ir0, ir1);
}

/* ESMRAMC with T_EN and the 8 MiB TSEG: the top 8 MiB below TOLUD would
 * vanish from everyone outside SMM, the hypervisor included. After the
 * write the register must read as before and a hypercall must work. */
static void check_esmramc_attack(void)
{
	uint8_t old, got;
	long v;

	if (pci_read(Q35_MCH_BDF, 0) != Q35_MCH_ID)
		return;
	old = pci_read8(Q35_MCH_BDF, Q35_ESMRAMC);
	pci_write8(Q35_MCH_BDF, Q35_ESMRAMC, (uint8_t)(old | ESMRAMC_H_SMRAME |
		   ESMRAMC_TSEG_8M | ESMRAMC_T_EN));
	got = pci_read8(Q35_MCH_BDF, Q35_ESMRAMC);
	if (got != old)
		pci_write8(Q35_MCH_BDF, Q35_ESMRAMC, old);
	v = hypercall(HC_VERSION, 0, 0);
	check_report("esmramc_attack", got == old && v == HC_ABI_VERSION,
		     "ESMRAMC %#x -> %#x; hypercall %ld", old, got, v);
}

/* An AMD IOMMU (vendor 1022, class 08h/06h) on bus 0: its capability
 * block's base address (cap + 4, low half; AMD IOMMU spec 3.2.1) must not
 * move. Reported only when there is one (QEMU: -device amd-iommu). */
#define IOMMU_CAP_ID      0x0f
#define IOMMU_BASE_LO     0x04

static void check_iommu_kept(void)
{
	for (uint32_t d = 0; d < 32; d++) {
		uint32_t bdf = PCI_BDF(d, 0), got;
		uint8_t ptr;

		if ((pci_read(bdf, 0) & 0xffff) != 0x1022 ||
		    pci_read(bdf, 0x08) >> 16 != 0x0806 ||
		    !(pci_read(bdf, 0x04) & BIT(20)))
			continue;
		ptr = (uint8_t)(pci_read(bdf, 0x34) & 0xfc);
		for (int n = 0; n < 48 && ptr >= 0x40; n++) {
			uint32_t hdr = pci_read(bdf, ptr);

			if ((hdr & 0xff) == IOMMU_CAP_ID) {
				bool held = reg_held(bdf, (uint8_t)(ptr + IOMMU_BASE_LO),
						     0x10000001u, &got);

				check_report("iommu_kept", held, "IOMMU 00:%02x.0 "
					     "base moved to %#x", d, got);
				return;
			}
			ptr = (uint8_t)((hdr >> 8) & 0xfc);
		}
	}
}

void check_pci_hidden(void)
{
	volatile uint32_t *e = ecam(ICH9_SMBUS_BDF, 0);
	volatile uint32_t *lpc = ecam(ICH9_LPC_BDF, 0);
	uint32_t id = pci_read(ICH9_SMBUS_BDF, 0), eid = e ? *e : 0;
	uint8_t b = pci_read8(ICH9_SMBUS_BDF, 0x0e);
	uint16_t w = e ? ((volatile uint16_t *)e)[1] : 0;

	if (e)
		e[1] = 0x00000007u;     /* command: I/O, memory, master */
	pci_write(ICH9_SMBUS_BDF, 0x04, 0x00000007u);
	check_report("pci_hidden", id == 0xffffffffu && b == 0xff && e &&
		     eid == 0xffffffffu && w == 0xffff &&
		     pci_read(ICH9_SMBUS_BDF, 0x04) == 0xffffffffu &&
		     e[1] == 0xffffffffu && lpc && *lpc == ICH9_LPC_ID &&
		     pci_read(ICH9_LPC_BDF, 0) == ICH9_LPC_ID,
		     "00:1f.3 reads %#x (byte %#x) through 0xcf8, %#x (word "
		     "%#x) through ECAM; 00:1f.0 reads %#x", id, b, eid, w,
		     lpc ? *lpc : 0);
}

/* ICH9 SMBus's BARs are guarded (they could move its ports over ports
 * the hypervisor watches), yet an OS sizes every BAR it finds (PCI Local
 * Bus 3.0, 6.2.5.1: all-ones in, the size read back, the address back):
 * through 0xCF8/0xCFC and through ECAM, BAR4 answers an I/O size that
 * its address is aligned to, and holds its address throughout. Not on
 * Q35, or with the function hidden: nothing to size, nothing said. */
#define SMBUS_BAR4        0x20

static void check_bar_sizing(void)
{
	volatile uint32_t *e = ecam(ICH9_SMBUS_BDF, SMBUS_BAR4);
	uint32_t old, sz, sz_e = 0, after, size;

	if (pci_read(ICH9_SMBUS_BDF, 0) != 0x29308086u)
		return;
	old = pci_read(ICH9_SMBUS_BDF, SMBUS_BAR4);
	pci_write(ICH9_SMBUS_BDF, SMBUS_BAR4, 0xffffffffu);
	sz = pci_read(ICH9_SMBUS_BDF, SMBUS_BAR4);
	pci_write(ICH9_SMBUS_BDF, SMBUS_BAR4, old);
	if (e) {
		*e = 0xffffffffu;
		sz_e = *e;
		*e = old;
	}
	after = pci_read(ICH9_SMBUS_BDF, SMBUS_BAR4);
	size = (~(sz & 0xfffcu) + 1) & 0xffffu;
	check_report("bar_sizing", (old & 1) && (sz & 1) && size >= 4 &&
		     !(size & (size - 1)) && !((old & ~3u) & (size - 1)) &&
		     e && sz_e == sz && after == old,
		     "BAR4 %#x answers %#x (ECAM %#x: %s), %u ports, then "
		     "holds %#x", old, sz, sz_e, e ? "mapped" : "none", size,
		     after);
}

/* A BAR may move anywhere but over what the hypervisor keeps (svm/
 * cfgplace.c: a PCI BAR wins over the legacy ports behind it, so an I/O
 * BAR over its log's UART would take it from the hypervisor). On the
 * first function of bus 0 with an I/O BAR that decodes (the NIC or AHCI
 * under QEMU): over COM1 (0x3F8, the hypervisor's log) through 0xCF8/
 * 0xCFC and ECAM, refused; with I/O decode off the move is taken, but
 * turning decode on then is not; elsewhere the move is taken (both paths). A memory
 * BAR over the local APIC page: refused. Everything put back. */
#define LOG_UART          0x3f9u              /* COM1 | I/O space bit */
#define FREE_PORTS        0xf001u

static bool find_bar(bool io, uint32_t *bdf, uint8_t *reg)
{
	for (uint32_t d = 0; d < 32; d++) {
		uint32_t b = PCI_BDF(d, 0), cmd;

		if ((pci_read(b, 0) & 0xffff) == 0xffff || b == ICH9_SMBUS_BDF ||
		    ((pci_read(b, 0x0c) >> 16) & 0x7f) != 0)
			continue;
		cmd = pci_read(b, 0x04);
		if (!(cmd & (io ? 1u : 2u)))
			continue;
		for (uint8_t r = 0x10; r < 0x28; r += 4) {
			uint32_t v = pci_read(b, r);

			if (io ? (v & 1) && (v & ~3u) : !(v & 7) && (v & ~0xfu)) {
				*bdf = b;
				*reg = r;
				return true;
			}
			if (!io && (v & 7) == 4)
				r += 4;           /* 64-bit: skip its top */
		}
	}
	return false;
}

static void check_bar_placement(void)
{
	uint32_t bdf, mbdf, old, cmd, over, over_e = 0, held, cmd_on, moved,
		 moved_e = FREE_PORTS, after, cmd_after, mold, mover;
	uint8_t reg, mreg;
	volatile uint32_t *e;

	if (!find_bar(true, &bdf, &reg))
		return;                           /* nothing to move: not said */
	e = ecam(bdf, reg);
	old = pci_read(bdf, reg);
	cmd = pci_read(bdf, 0x04) & 0xffff;
	pci_write(bdf, reg, LOG_UART);
	over = pci_read(bdf, reg);
	if (e) {
		*e = LOG_UART;
		over_e = *e;
	}
	pci_write(bdf, 0x04, cmd & ~1u);          /* I/O decode off */
	pci_write(bdf, reg, LOG_UART);
	held = pci_read(bdf, reg);
	pci_write(bdf, 0x04, cmd);                /* and on again */
	cmd_on = pci_read(bdf, 0x04) & 0xffff;
	pci_write(bdf, reg, old);
	pci_write(bdf, 0x04, cmd);
	pci_write(bdf, reg, FREE_PORTS);
	moved = pci_read(bdf, reg);
	pci_write(bdf, reg, old);
	if (e) {                                  /* through ECAM too */
		*e = FREE_PORTS;
		moved_e = pci_read(bdf, reg);
		*e = old;
	}
	after = pci_read(bdf, reg);
	cmd_after = pci_read(bdf, 0x04) & 0xffff;
	if (find_bar(false, &mbdf, &mreg)) {
		mold = pci_read(mbdf, mreg);
		pci_write(mbdf, mreg, 0xfee00000u);
		mover = pci_read(mbdf, mreg);
		pci_write(mbdf, mreg, mold);
	} else {
		mold = mover = 0;
	}
	check_report("bar_placement", over == old && (!e || over_e == old) &&
		     (held & 0xff00u) == 0x0300u && !(cmd_on & 1) &&
		     (cmd_on | 1u) == (cmd | 1u) && (moved & 0xf000u) == 0xf000u &&
		     (moved_e & 0xf000u) == 0xf000u &&
		     after == old && cmd_after == cmd && mold && mover == mold,
		     "%02x.%x BAR %#x %#x; COM1 %#x, ECAM %#x; off %#x, "
		     "cmd %#x (%#x); else %#x, %#x; back %#x, %#x; mem %#x "
		     "APIC %#x", bdf >> 11, (bdf >> 8) & 7, reg, old, over,
		     over_e, held, cmd_on, cmd, moved, moved_e, after, cmd_after,
		     mold, mover);
}

void checks_chipset(const struct guest_boot *b)
{
	if (!hv_present()) {
		check_report("chipset_guard", false, "no hypervisor: the "
			     "chipset would take the writes");
		return;
	}
	check_pmbase_kept();
	check_chipset_guard();
	check_bar_sizing();
	check_bar_placement();
	check_rcba_attack(b);
	check_esmramc_attack();
	check_rcrb_kept();
	check_iommu_kept();
}

/* ---- configuration reads in one exit ---------------------------------- */

/* Linux's early read_pci_config and read_pci_config_16, byte for byte:
 * the hypervisor runs the data read in the address write's exit
 * (decode/follow.c), through the same filter. */
static uint32_t joined_read32(uint32_t addr)
{
	uint32_t v = addr;

	__asm__ __volatile__("mov $0xcf8, %%edx\n\tout %%eax, %%dx\n\t"
			     "mov $0xcfc, %%edx\n\tin %%dx, %%eax"
			     : "+a"(v) : : "rdx", "memory");
	return v;
}

static uint16_t joined_read16(uint32_t addr, uint32_t reg, uint32_t *ecx)
{
	uint32_t v = addr, c = reg;

	__asm__ __volatile__("mov $0xcf8, %%edx\n\tout %%eax, %%dx\n\t"
			     "and $2, %%ecx\n\tlea 0xcfc(%%rcx), %%edx\n\t"
			     "in %%dx, %%ax"
			     : "+a"(v), "+c"(c) : : "rdx", "memory", "cc");
	*ecx = c;
	return (uint16_t)v;
}

static uint64_t exits_now(void)
{
	struct hc_exit_stats h = { 0 };

	if (hypercall(HC_EXIT_STATS, (uintptr_t)&h, sizeof(h)) != 0)
		return 0;
	return h.total_exits;
}

#define JOINED_READS 32

void check_cfg_joined(void)
{
	uint64_t a, b, c, d, own, n;
	uint32_t lpc = 0, dev = 0, hid = 0, ecx = 0;
	bool vals = true;

	a = exits_now();
	b = exits_now();
	c = exits_now();
	for (unsigned i = 0; i < JOINED_READS / 4; i++) {
		lpc = joined_read32(BIT(31) | ICH9_LPC_BDF);
		dev = joined_read16(BIT(31) | ICH9_LPC_BDF, 2, &ecx);
		hid = joined_read32(BIT(31) | ICH9_SMBUS_BDF);
		vals &= lpc == ICH9_LPC_ID && dev == ICH9_LPC_ID >> 16 &&
			ecx == 2 && hid == 0xffffffffu &&
			joined_read16(BIT(31) | ICH9_SMBUS_BDF, 2, &ecx) == 0xffff;
	}
	d = exits_now();
	own = b - a;
	n = d - c > own ? d - c - own : 0;
	/* One exit per read (the address write's), not two; a stray
	 * interrupt or two may add their own. */
	check_report("cfg_joined", a && vals && n >= JOINED_READS &&
		     n <= JOINED_READS + 4, "%u reads took %lu exits (2 each "
		     "without joining); 00:1f.0 %#x device %#x, hidden 00:1f.3 "
		     "%#x", JOINED_READS, (unsigned long)n, lpc, dev, hid);
}

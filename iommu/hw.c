/*
 * iommu/hw.c - program every IOMMU the IVRS describes (AMD IOMMU spec
 * 48882, 3.4 registers, 2.4 commands), before the guest's first
 * instruction. One device table (64K entries, shared by the IOMMUs of
 * segment 0), one set of I/O page tables, one command buffer and one
 * event log per IOMMU. Frames: FRAME_TAG_IOMMU (device table, rings,
 * interrupt table, empty root) and FRAME_TAG_IOPT (page tables), all
 * pinned while the hardware may read them. After iommu_init nothing here
 * changes except the rings, under iommu_lock.
 */
#include "iommu/internal.h"
#include "arch/x86.h"
#include "mm/mm.h"
#include "smp/smp.h"

struct iommu_state iommu;

/* ---- frames ------------------------------------------------------------ */

static int iopt_alloc(void *ctx, uint64_t *pa, void **va)
{
	struct paddr p;

	if (frame_alloc(0, FRAME_TAG_IOPT, FRAME_ZERO, &p) != MM_OK)
		return -1;
	frame_pin(p, 0, FRAME_TAG_IOPT);
	*pa = p.pa;
	*va = phys_to_virt(p);
	return 0;
}

static void iopt_free(void *ctx, uint64_t pa, void *va)
{
	frame_unpin(PADDR(pa), 0, FRAME_TAG_IOPT);
	frame_free(PADDR(pa), 0, FRAME_TAG_IOPT);
}

static void *iopt_va(void *ctx, uint64_t pa)
{
	return phys_to_virt(PADDR(pa));
}

/* A zeroed, pinned block the IOMMU reads or writes by address. */
static void *hw_frames(unsigned order, uint64_t *pa)
{
	struct paddr p;

	if (frame_alloc(order, FRAME_TAG_IOMMU, FRAME_ZERO, &p) != MM_OK)
		return NULL;
	frame_pin(p, order, FRAME_TAG_IOMMU);
	*pa = p.pa;
	return phys_to_virt(p);
}

/* ---- registers and commands -------------------------------------------- */

static uint64_t rd(const struct iommu_unit *u, unsigned reg)
{
	return *(volatile uint64_t *)(u->mmio + reg);
}

static void wr(struct iommu_unit *u, unsigned reg, uint64_t v)
{
	*(volatile uint64_t *)(u->mmio + reg) = v;
}

/* Queue one command; waits while the ring is full (the IOMMU consumes
 * it on its own). Caller holds iommu_lock or runs at bring-up. */
static int cmd_queue(struct iommu_unit *u, uint64_t q0, uint64_t q1)
{
	uint32_t next = (u->cmd_tail + 16) % RING_BYTES;
	uint64_t deadline = now_ns() + 100 * 1000 * 1000ull;

	while ((rd(u, MMIO_CMD_HEAD) & RING_PTR_MASK) == next) {
		if (now_ns() > deadline)
			return -1;
		cpu_relax();
	}
	u->cmd[u->cmd_tail / 16] = (struct iommu_cmd){ { q0, q1 } };
	u->cmd_tail = next;
	wr(u, MMIO_CMD_TAIL, next);
	return 0;
}

/* COMPLETION_WAIT with a store (2.4.1): returns once the IOMMU has
 * finished every command queued before it; -1 after 100 ms. */
static int cmd_wait(struct iommu_unit *u)
{
	volatile uint64_t *sem = &iommu.misc->sem[u->index];
	uint64_t want = ++u->wait_seq, deadline;

	if (cmd_queue(u, (u->sem_pa & CW_ADDR) | CW_STORE |
		      CMD_OPCODE(CMD_COMPLETION_WAIT), want))
		return -1;
	deadline = now_ns() + 100 * 1000 * 1000ull;
	while (*sem != want) {
		if (now_ns() > deadline)
			return -1;
		cpu_relax();
	}
	return 0;
}

/* Everything the IOMMU may have cached: device table entries, interrupt
 * tables, I/O page translations of both domains. */
static int invalidate_all(struct iommu_unit *u)
{
	int rc = 0;

	if (u->efr & EFR_IA_SUP) {
		rc = cmd_queue(u, CMD_OPCODE(CMD_INV_IOMMU_ALL), 0);
	} else {
		for (uint32_t id = 0; id < DEV_TABLE_ENTRIES && !rc; id++)
			rc = cmd_queue(u, id | CMD_OPCODE(CMD_INV_DEVTAB_ENTRY), 0) ||
			     cmd_queue(u, id | CMD_OPCODE(CMD_INV_INTERRUPT_TABLE), 0);
	}
	for (uint64_t dom = IOMMU_DOMAIN_GUEST; dom <= IOMMU_DOMAIN_HV && !rc;
	     dom++)
		rc = cmd_queue(u, dom << 32 | CMD_OPCODE(CMD_INV_IOMMU_PAGES),
			       INV_PAGES_ALL | INV_PAGES_S | INV_PAGES_PDE);
	return rc ? rc : cmd_wait(u);
}

/* ---- the device table --------------------------------------------------- */

static void set_dte(uint16_t id, const struct dte *d)
{
	iommu.dev_table[id] = *d;
}

/* Interrupt sources without DMA (I/O APIC, HPET: special entries): their
 * interrupts pass as the guest programs them, which svm/guard.c already
 * filters (no INIT or SMI in I/O APIC entries); NMI and ExtINT pass too,
 * as the guest's PIC and NMI routes, and the console's NMI route, use
 * them. INIT never passes. */
static struct dte dte_irq_source(uint8_t setting)
{
	struct dte d = dte_blocked(iommu.empty_root_pa, iommu.irt_pa);

	d.q[2] = (d.q[2] & ~DTE2_INTCTL_MASK) | DTE2_INTCTL(INTCTL_FORWARD) |
		 DTE2_EINTPASS | DTE2_NMIPASS |
		 (setting & IVRS_DTE_LINT0PASS ? DTE2_LINT0PASS : 0) |
		 (setting & IVRS_DTE_LINT1PASS ? DTE2_LINT1PASS : 0);
	return d;
}

static void fill_dev_table(void)
{
	struct dte blocked = dte_blocked(iommu.empty_root_pa, iommu.irt_pa);
	struct dte guest = dte_guest(iommu.pt.root_pa, iommu.irt_pa);
	const struct ivrs_info *iv = &iommu.ivrs;

	for (uint32_t id = 0; id < DEV_TABLE_ENTRIES; id++)
		set_dte((uint16_t)id, &blocked);
	for (unsigned u = 0; u < iv->niommus; u++) {
		const struct ivrs_iommu *m = &iv->iommus[u];

		if (m->segment)
			continue;
		for (unsigned i = 0; i < m->ndevs; i++) {
			const struct ivrs_devs *d = &iv->devs[m->first_devs + i];

			for (uint32_t id = d->first; id <= d->last; id++)
				set_dte((uint16_t)id, &guest);
			if (d->has_alias)
				set_dte(d->alias, &guest);
			iommu.covered += d->last - d->first + 1u;
		}
		/* The IOMMU's own function: it is the hypervisor's. */
		set_dte(m->devid, &blocked);
	}
	for (unsigned i = 0; i < iv->nspecial; i++) {
		struct dte d = dte_irq_source(iv->special[i].setting);

		set_dte(iv->special[i].devid, &d);
	}
	/* Last: the hypervisor's NIC and the alias its requests carry reach
	 * its own buffers and nothing else, whatever the runs above gave
	 * them (devices behind a shared alias lose guest RAM, and never
	 * reach the NIC's rings through the guest's tables). */
	if (iommu.nhv_ids) {
		struct dte hv = dte_hypervisor(iommu.hv_pt.root_pa, iommu.irt_pa);

		for (unsigned i = 0; i < iommu.nhv_ids; i++)
			set_dte(iommu.hv_ids[i], &hv);
	}
}

/* ---- bring-up ------------------------------------------------------------ */

static bool is_ram(uint32_t type)
{
	return type == MEM_USABLE || type == MEM_ACPI_RECLAIM ||
	       type == MEM_ACPI_NVS || type == MEM_PERSISTENT;
}

/* Devices reach RAM (what the guest's map calls memory), never the
 * hypervisor's holes. */
static int build_page_tables(const struct iommu_config *cfg)
{
	static struct iopt_range ranges[BOOT_MAX_RANGES];
	struct iopt_range holes[HV_MAX_HOLES];
	struct iopt_layout l = { ranges, 0, holes, cfg->nholes };
	struct iopt_ops ops = { iopt_alloc, iopt_free, iopt_va, NULL };

	for (size_t i = 0; i < cfg->nmap && l.nranges < BOOT_MAX_RANGES; i++)
		if (is_ram(cfg->map[i].type))
			ranges[l.nranges++] = (struct iopt_range){
				cfg->map[i].base, cfg->map[i].base + cfg->map[i].len };
	/* IVMD unity ranges (5.2.2.3): identity for every guest device; the
	 * hypervisor's holes still win. */
	{
		uint64_t u[IVRS_MAX_IVMD][2];
		size_t nu = ivrs_unity_ranges(&iommu.ivrs, u, IVRS_MAX_IVMD);

		for (size_t i = 0; i < nu && l.nranges < BOOT_MAX_RANGES; i++)
			ranges[l.nranges++] = (struct iopt_range){ u[i][0], u[i][1] };
		iommu.unity = (unsigned)nu;
	}
	for (size_t i = 0; i < cfg->nholes; i++)
		holes[i] = (struct iopt_range){ cfg->holes[i].base, cfg->holes[i].end };
	return iopt_build(&iommu.pt, &l, &ops);
}

/* The hypervisor's NIC: identity tables over its DMA blocks only, and
 * the IDs its requests carry (ivrs_request_ids: its own and an alias). */
static int build_hv_tables(const struct iommu_config *cfg)
{
	struct iopt_layout l = { cfg->hv_dma, cfg->nhv_dma, NULL, 0 };
	struct iopt_ops ops = { iopt_alloc, iopt_free, iopt_va, NULL };

	if (!cfg->hv_dev)
		return 0;
	if (iopt_build(&iommu.hv_pt, &l, &ops))
		return -1;
	iommu.nhv_ids = (unsigned)ivrs_request_ids(&iommu.ivrs, cfg->hv_devid,
						   iommu.hv_ids, IOMMU_MAX_HV_IDS);
	return 0;
}

static int start_unit(struct iommu_unit *u, const struct ivrs_iommu *m)
{
	u->m = m;
	u->mmio = ioremap(m->base, IOMMU_MMIO_SIZE);
	if (!u->mmio)
		return -1;
	u->efr = rd(u, MMIO_EFR);
	outl(0xCF8, (uint32_t)(BIT(31) | (uint32_t)m->devid << 8));
	u->tail_quirk = inl(0xCFC) == QEMU_IOMMU_ID;
	/* Firmware may have left it on: off before its tables change. */
	wr(u, MMIO_CONTROL, 0);
	u->cmd = hw_frames(0, &u->cmd_pa);
	u->evt = hw_frames(EVT_ORDER, &u->evt_pa);
	if (!u->cmd || !u->evt)
		return -1;
	u->sem_pa = iommu.misc_pa + offsetof(struct iommu_misc, sem[u->index]);
	wr(u, MMIO_DEV_TABLE_BASE, iommu.dev_table_pa | DEV_TABLE_SIZE_ALL);
	wr(u, MMIO_CMD_BUF_BASE, u->cmd_pa | RING_LEN_256);
	wr(u, MMIO_EVT_LOG_BASE, u->evt_pa | EVT_LEN_4096);
	wr(u, MMIO_EXCL_BASE, 0);
	wr(u, MMIO_EXCL_LIMIT, 0);
	wr(u, MMIO_CMD_HEAD, 0);
	wr(u, MMIO_CMD_TAIL, 0);
	wr(u, MMIO_EVT_HEAD, 0);
	wr(u, MMIO_EVT_TAIL, 0);
	wr(u, MMIO_STATUS, STATUS_EVT_OVERFLOW | STATUS_EVT_LOG_INT |
			   STATUS_COMWAIT_INT);
	/* Translation, commands and events together: QEMU runs commands
	 * only while IOMMUEn is set. Nothing is cached yet; the guest has
	 * not started, so every DMA from here on is translated. */
	u->control = CTRL_IOMMU_EN | CTRL_CMD_BUF_EN | CTRL_EVT_LOG_EN;
	wr(u, MMIO_CONTROL, u->control);
	if (invalidate_all(u)) {
		printk("iommu: %llx does not complete its commands\n",
		       (unsigned long long)m->base);
		return -1;
	}
	return 0;
}

/* PCI configuration of an IOMMU's function (mechanism #1, bus 0 of
 * segment 0: the IVHD's device ID). Bring-up only, boot CPU. */
static uint32_t fn_rd(uint16_t bdf, uint8_t reg)
{
	outl(0xCF8, (uint32_t)(BIT(31) | (uint32_t)bdf << 8 | (reg & 0xFCu)));
	return inl(0xCFC);
}

static void fn_wr(uint16_t bdf, uint8_t reg, uint32_t v)
{
	outl(0xCF8, (uint32_t)(BIT(31) | (uint32_t)bdf << 8 | (reg & 0xFCu)));
	outl(0xCFC, v);
}

/* The function's MSI capability (ID 05h), or 0. */
static uint8_t msi_cap(uint16_t bdf)
{
	uint8_t cap = (uint8_t)(fn_rd(bdf, 0x34) & 0xFC);

	for (unsigned n = 0; cap && n < 48; n++) {
		uint32_t h = fn_rd(bdf, cap);

		if ((h & 0xFF) == 0x05)
			return cap;
		cap = (uint8_t)((h >> 8) & 0xFC);
	}
	return 0;
}

/* The event interrupt (3.4.7 EventLogInt, 2.5) as an NMI to the boot
 * CPU: the NMI source first (before anything can be raised), then each
 * unit's MSI in NMI delivery mode, then EventIntEn (3.4.5). A unit
 * without an MSI capability stays polled on exits. */
static void wire_event_nmi(void)
{
	uint32_t addr, data;

	if (iommu_nmi_source_add()) {
		printk("iommu: the NMI source table is full: event log polled "
		       "on exits only\n");
		return;
	}
	iommu_msi_nmi((uint8_t)lapic_id(), &addr, &data);
	for (unsigned i = 0; i < iommu.nunits; i++) {
		struct iommu_unit *u = &iommu.units[i];
		uint16_t bdf = u->m->devid;
		uint8_t cap = msi_cap(bdf);
		uint32_t ctl;

		if (!cap)
			continue;
		ctl = fn_rd(bdf, cap) >> 16;
		fn_wr(bdf, (uint8_t)(cap + 4), addr);
		if (ctl & BIT(7)) {              /* 64-bit address */
			fn_wr(bdf, (uint8_t)(cap + 8), 0);
			fn_wr(bdf, (uint8_t)(cap + 12), data);
		} else {
			fn_wr(bdf, (uint8_t)(cap + 8), data);
		}
		fn_wr(bdf, cap, fn_rd(bdf, cap) | BIT(16));   /* MSI enable */
		u->control |= CTRL_EVT_INT_EN;
		wr(u, MMIO_CONTROL, u->control);
		iommu.nmi_wired = true;
	}
}

static int unprotected(const char *why)
{
	printk("iommu: %s: DMA is not protected (devices the guest drives "
	       "can read and write the hypervisor's memory)\n", why);
	return -1;
}

int iommu_init(const struct iommu_config *cfg)
{
	static char err[160];
	struct ivrs_info *iv = &iommu.ivrs;
	uint64_t t0 = now_ns();

	if (!cfg->ivrs)
		return unprotected("no IVRS table, no IOMMU");
	if (ivrs_parse(cfg->ivrs, cfg->ivrs_len, iv, err, sizeof(err))) {
		printk("iommu: IVRS refused: %s\n", err);
		return unprotected("IVRS refused");
	}
	ivrs_print(iv, printk);
	for (unsigned i = 0; i < iv->niommus; i++)
		if (iv->iommus[i].segment)
			return unprotected("an IOMMU on PCI segment > 0 (not supported)");
	iommu.misc = hw_frames(0, &iommu.misc_pa);
	iommu.dev_table = hw_frames(9, &iommu.dev_table_pa);
	iommu.empty_root = hw_frames(0, &iommu.empty_root_pa);
	if (!iommu.misc || !iommu.dev_table || !iommu.empty_root ||
	    build_page_tables(cfg) || build_hv_tables(cfg))
		return unprotected("out of frames for the IOMMU's tables");
	for (size_t i = 0; i < IOPT_ENTRIES; i++)
		iommu.empty_root[i] = IOPTE_ABSENT;
	iommu.irt_pa = iommu.misc_pa + offsetof(struct iommu_misc, irt);
	fill_dev_table();
	for (unsigned i = 0; i < iv->niommus; i++) {
		struct iommu_unit *u = &iommu.units[i];

		u->index = i;
		if (start_unit(u, &iv->iommus[i]))
			return unprotected("an IOMMU could not be started");
		iommu.nunits++;
	}
	if (iv->nivmd)
		printk("iommu: IVMD: %u block(s), %u unity range(s) mapped "
		       "read/write for every guest device (outside the "
		       "hypervisor), exclusion ranges not used\n", iv->nivmd,
		       iommu.unity);
	for (unsigned i = 0; i < iommu.nhv_ids; i++)
		printk("iommu: %02x:%02x.%x (the hypervisor's NIC%s) reaches only "
		       "its %zu DMA block(s), %llu KiB\n", iommu.hv_ids[i] >> 8,
		       (iommu.hv_ids[i] >> 3) & 31, iommu.hv_ids[i] & 7,
		       i ? ", as its IVRS alias" : "", cfg->nhv_dma,
		       (unsigned long long)(iommu.hv_pt.mapped >> 10));
	iommu.poll_interval = tsc_khz() * 10;  /* 10 ms */
	__atomic_store_n(&iommu.active, true, __ATOMIC_RELEASE);
	iommu_poll_due_tsc = 0;                /* the exit path polls from now */
	wire_event_nmi();
	printk("iommu: %u IOMMU(s) translating: %u device IDs reach guest RAM "
	       "(%llu MiB mapped, %zu table pages), every other ID blocked; "
	       "INIT, SMI, NMI, ExtINT MSIs refused; set up in %llu us\n",
	       iommu.nunits, iommu.covered,
	       (unsigned long long)(iommu.pt.mapped >> 20), iommu.pt.table_pages,
	       (unsigned long long)(now_ns() - t0) / 1000);
	return 0;
}

bool iommu_active(void)
{
	return __atomic_load_n(&iommu.active, __ATOMIC_ACQUIRE);
}

size_t iommu_mmio_ranges(struct iopt_range *out, size_t cap)
{
	size_t n = 0;

	for (unsigned i = 0; i < iommu.nunits && n < cap; i++)
		out[n++] = (struct iopt_range){
			iommu.units[i].m->base,
			iommu.units[i].m->base + IOMMU_MMIO_SIZE };
	return n;
}

size_t iommu_hv_ids(uint16_t *out, size_t cap)
{
	size_t n = 0;

	for (; n < iommu.nhv_ids && n < cap; n++)
		out[n] = iommu.hv_ids[n];
	return n;
}

bool iommu_is_own_function(uint16_t segment, uint16_t bdf)
{
	for (unsigned i = 0; i < iommu.nunits; i++)
		if (iommu.units[i].m->segment == segment &&
		    iommu.units[i].m->devid == bdf)
			return true;
	return false;
}

/* Called with iommu_lock held (events.c): the event log restarted empty
 * once drained (QEMU 7.2 never wraps its tail; software may set both
 * pointers while EventLogEn is clear, 3.4.3). Under QEMU's quirk the
 * tail register says nothing, so the log is restarted without looking. */
void iommu_restart_event_log(struct iommu_unit *u)
{
	wr(u, MMIO_CONTROL, u->control & ~CTRL_EVT_LOG_EN);
	if (!u->tail_quirk &&
	    (rd(u, MMIO_EVT_TAIL) & RING_PTR_MASK) != u->evt_head) {
		wr(u, MMIO_CONTROL, u->control);  /* more came: drain first */
		return;
	}
	wr(u, MMIO_EVT_HEAD, 0);
	wr(u, MMIO_EVT_TAIL, 0);
	wr(u, MMIO_STATUS, STATUS_EVT_OVERFLOW | STATUS_EVT_LOG_INT);
	u->evt_head = 0;
	wr(u, MMIO_CONTROL, u->control);
}

uint64_t iommu_reg(const struct iommu_unit *u, unsigned reg)
{
	return rd(u, reg);
}

void iommu_set_reg(struct iommu_unit *u, unsigned reg, uint64_t v)
{
	wr(u, reg, v);
}

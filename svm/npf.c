/*
 * svm/npf.c - nested page faults (exit 0x400; APM Vol. 2, 15.25.6).
 * EXITINFO1 is the fault's error code, EXITINFO2 the exact guest-physical
 * address. Three kinds land here:
 *  - writes to the local APIC page (mapped read-only): decoded and
 *    emulated (svm/apic.c); writes to an I/O APIC page (also read-only):
 *    filtered and performed, svm/guard.c;
 *  - accesses to the hypervisor's hole, and to the pages of its devices
 *    (the IOMMU's registers and configuration page): counted and logged; a decodable
 *    move reads all-ones and its write is dropped; anything else (a page
 *    walk through the hole, an instruction fetch, an undecodable access)
 *    stops the vCPU with a reason;
 *  - any access to the HPET's page when the hypervisor keeps one of its
 *    timers (hpet/): performed through the guest's view of it;
 *  - guest-physical addresses above what the NPT maps (64-bit MMIO above
 *    RAM): mapped on demand as 4 KiB identity pages.
 */
#include "svm/internal.h"
#include "arch/x86.h"
#include "decode/decode.h"


static struct spinlock npt_lock = SPINLOCK_INIT;

static int hole_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
	*val = size == 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
	return 0;
}

static int hole_write(void *ctx, uint64_t gpa, unsigned size, uint64_t val)
{
	return 0; /* dropped */
}

static const struct mmio_ops hole_ops = { hole_read, hole_write };

static enum exit_action hole_access(struct vcpu *v, uint64_t gpa, uint64_t err)
{
	struct insn in;
	int rc;

	v->npf_hv_hits++;
	if (v->npf_hv_hits <= 8 || (v->npf_hv_hits & 1023) == 0)
		printk("vcpu %u: %s of %s at gpa %llx from rip %llx "
		       "(%llu so far)\n", v->index,
		       err & NPF_ERR_WALK ? "page-table walk" :
		       err & NPF_ERR_FETCH ? "instruction fetch" :
		       err & NPF_ERR_WRITE ? "write" : "read",
		       hide_gpa(gpa) ? "the hypervisor's device" :
				       "hypervisor memory",
		       (unsigned long long)gpa,
		       (unsigned long long)v->vmcb->save.rip,
		       (unsigned long long)v->npf_hv_hits);
	if (err & (NPF_ERR_WALK | NPF_ERR_FETCH)) {
		vcpu_stop(v, "guest page walk or fetch in hypervisor memory");
		return EXIT_STOP;
	}
	rc = vcpu_emulate_mmio(v, gpa, &hole_ops, NULL, &in);
	if (rc != DEC_OK) {
		printk("vcpu %u: access to hypervisor memory not emulated: %s\n",
		       v->index, decode_strerror(rc));
		vcpu_stop(v, "undecodable access to hypervisor memory");
		return EXIT_STOP;
	}
	return EXIT_RESUME;
}

/* The page the guest shares with the hypervisor (svm_config.trapped_page):
 * loads and stores performed by its ops under one lock, so the view's
 * shadow state sees one access at a time. */
static struct spinlock trapped_lock = SPINLOCK_INIT;

static enum exit_action trapped_access(struct vcpu *v, uint64_t gpa,
				       uint64_t err)
{
	if (err & (NPF_ERR_WALK | NPF_ERR_FETCH)) {
		printk("vcpu %u: %s in the HPET's page at gpa %llx\n", v->index,
		       err & NPF_ERR_WALK ? "page-table walk" : "instruction fetch",
		       (unsigned long long)gpa);
		vcpu_stop(v, "guest page walk or fetch in the HPET's page");
		return EXIT_STOP;
	}
	return guard_emulate_locked(v, gpa, svm.trapped_ops, NULL,
				    &trapped_lock, "HPET");
}

/* How a page above the NPT's top may be mapped: a guarded page the
 * NPT build did not reach (it maps nothing past the top) read-only, a
 * hidden configuration page or the hypervisor's memory not at all
 * (NPT_P clear), anything else read-write. */
static uint64_t on_demand_flags(uint64_t page)
{
	int i;

	if (in_hv_hole(page, 4096) ||
	    (svm.trapped_page && page == svm.trapped_page))
		return 0;
	if ((i = guard_cfg_index(page)) >= 0)
		return svm.cfg_page_unmapped[i] ? 0 : NPT_LEAF_RO;
	if (page == APIC_PAGE_GPA || guard_ioapic_index(page) >= 0 ||
	    guard_cfg_in_window(page) ||
	    (svm.reset_mmio && page == ALIGN_DOWN(svm.reset_mmio, 4096)) ||
	    (svm.fch && page == svm.fch_mmio) ||
	    (svm.rcrb_page && page == svm.rcrb_page))
		return NPT_LEAF_RO;
	return NPT_LEAF_RW;
}

/* Map a page above the NPT's top on demand: it is MMIO (a 64-bit BAR)
 * or nothing at all; either way it is the guest's, unless a guard list
 * names it (on_demand_flags). */
static enum exit_action map_on_demand(struct vcpu *v, uint64_t gpa)
{
	unsigned bits = cpuid(0x80000008, 0).eax & 0xFF;
	uint64_t page = ALIGN_DOWN(gpa, 4096);
	uint64_t flags = on_demand_flags(page);
	int rc;

	if (bits < 64 && gpa >> bits) {
		printk("vcpu %u: nested fault at gpa %llx beyond the physical "
		       "address width\n", v->index, (unsigned long long)gpa);
		vmcb_dump(v);
		vcpu_stop(v, "guest-physical address out of range");
		return EXIT_STOP;
	}
	if (!flags) {
		printk("vcpu %u: nested fault at gpa %llx (error %llx): a page "
		       "the guest may not reach this way\n", v->index,
		       (unsigned long long)gpa,
		       (unsigned long long)v->vmcb->ctl.exit_info1);
		vcpu_stop(v, "page walk or fetch in a hidden page");
		return EXIT_STOP;
	}
	spin_lock(&npt_lock);
	if (svm.npt.table_pages >= svm.npt_table_limit)
		rc = 1; /* a guest touching everything must not drain the pool */
	else
		rc = npt_lookup(&svm.npt, page, NULL, NULL, NULL) == 0 ? 0 :
		     npt_set_page_flags(&svm.npt, page, flags);
	spin_unlock(&npt_lock);
	if (rc) {
		printk("vcpu %u: no more on-demand nested mappings (gpa %llx; "
		       "%zu table pages)\n", v->index, (unsigned long long)gpa,
		       svm.npt.table_pages);
		vcpu_stop(v, "nested page tables for on-demand MMIO exhausted");
		return EXIT_STOP;
	}
	v->tlb_flush = true;
	return EXIT_RESUME;
}

enum exit_action handle_npf(struct vcpu *v)
{
	uint64_t err = v->vmcb->ctl.exit_info1;
	uint64_t gpa = v->vmcb->ctl.exit_info2;
	int io;

	/* The common case first: a write to the read-only APIC page. */
	if ((gpa & ~0xFFFULL) == APIC_PAGE_GPA &&
	    (err & (NPF_ERR_P | NPF_ERR_WRITE | NPF_ERR_WALK)) ==
	    (NPF_ERR_P | NPF_ERR_WRITE))
		return apic_write_fault(v, gpa);
	if ((err & (NPF_ERR_P | NPF_ERR_WRITE | NPF_ERR_WALK)) ==
	    (NPF_ERR_P | NPF_ERR_WRITE) && (io = guard_ioapic_index(gpa)) >= 0)
		return guard_ioapic_write(v, gpa, io);
	if ((err & (NPF_ERR_P | NPF_ERR_WRITE | NPF_ERR_WALK)) ==
	    (NPF_ERR_P | NPF_ERR_WRITE) && svm.reset_mmio &&
	    (gpa & ~0xFFFULL) == (svm.reset_mmio & ~0xFFFULL))
		return guard_reset_mmio_write(v, gpa);
	if ((err & (NPF_ERR_P | NPF_ERR_WRITE | NPF_ERR_WALK)) ==
	    (NPF_ERR_P | NPF_ERR_WRITE) && svm.fch &&
	    (gpa & ~0xFFFULL) == svm.fch_mmio)
		return fch_mmio_write(v, gpa);
	if ((err & (NPF_ERR_P | NPF_ERR_WRITE | NPF_ERR_WALK)) ==
	    (NPF_ERR_P | NPF_ERR_WRITE) && svm.rcrb_page &&
	    (gpa & ~0xFFFULL) == svm.rcrb_page)
		return guard_rcrb_write(v, gpa);
	/* The shared device page (the HPET): every access emulated. */
	if (svm.trapped_page && (gpa & ~0xFFFULL) == svm.trapped_page)
		return trapped_access(v, gpa, err);
	/* Configuration pages: writes to read-only ones, any access to a
	 * hidden function's (not mapped). */
	if (!(err & (NPF_ERR_WALK | NPF_ERR_FETCH)) &&
	    (io = guard_cfg_index(gpa)) >= 0 &&
	    ((err & NPF_ERR_WRITE) || svm.cfg_page_unmapped[io]))
		return guard_cfg_access(v, gpa, io);
	/* Any other configuration page: its writes (placement checks). */
	if ((err & (NPF_ERR_P | NPF_ERR_WRITE | NPF_ERR_WALK | NPF_ERR_FETCH)) ==
	    (NPF_ERR_P | NPF_ERR_WRITE) && guard_cfg_in_window(gpa))
		return guard_cfg_window_write(v, gpa);
	if (in_hv_hole(gpa, 1) || hide_gpa(gpa) || in_hidden_page(gpa))
		return hole_access(v, gpa, err);
	if (gpa >= svm.guest_top)
		return map_on_demand(v, gpa);
	printk("vcpu %u: unexpected nested page fault at gpa %llx, error %llx\n",
	       v->index, (unsigned long long)gpa, (unsigned long long)err);
	vmcb_dump(v);
	vcpu_stop(v, "unexpected nested page fault");
	return EXIT_STOP;
}

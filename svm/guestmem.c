/*
 * svm/guestmem.c - reaching guest memory from exit handlers, and decoding
 * the instruction at the guest's RIP. Guest-physical equals host-physical
 * (identity NPT), except that the hypervisor's hole is never guest memory:
 * every access is checked against it first.
 */
#include "svm/internal.h"
#include "arch/x86.h"
#include "decode/decode.h"
#include "lib/lib.h"

void *guest_ptr(uint64_t gpa, uint64_t len)
{
	/* Guest RAM only: never MMIO (reads can have side effects) nor a
	 * gap the direct map does not cover. */
	if (!paging_is_ram(gpa, len))
		return NULL;
	if (in_hv_hole(gpa, len))
		return NULL; /* the hypervisor's own memory */
	return phys_to_virt(PADDR(gpa));
}

static int read_gpa(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	const void *p = guest_ptr(gpa, len);

	if (!p)
		return DEC_EGPA;
	memcpy(buf, p, len);
	return DEC_OK;
}

static void regs_view(const struct vcpu *v, struct guest_regs_view *r)
{
	const struct vmcb_save *s = &v->vmcb->save;
	const struct guest_gprs *g = &v->regs;

	memset(r, 0, sizeof(*r));
	r->gpr[GPR_RAX] = s->rax;
	r->gpr[GPR_RCX] = g->rcx;
	r->gpr[GPR_RDX] = g->rdx;
	r->gpr[GPR_RBX] = g->rbx;
	r->gpr[GPR_RSP] = s->rsp;
	r->gpr[GPR_RBP] = g->rbp;
	r->gpr[GPR_RSI] = g->rsi;
	r->gpr[GPR_RDI] = g->rdi;
	r->gpr[GPR_R8] = g->r8;
	r->gpr[GPR_R9] = g->r9;
	r->gpr[GPR_R10] = g->r10;
	r->gpr[GPR_R11] = g->r11;
	r->gpr[GPR_R12] = g->r12;
	r->gpr[GPR_R13] = g->r13;
	r->gpr[GPR_R14] = g->r14;
	r->gpr[GPR_R15] = g->r15;
	r->rip = s->rip;
	r->rflags = s->rflags;
	r->seg_base[SEG_ES] = s->es.base;
	r->seg_base[SEG_CS] = s->cs.base;
	r->seg_base[SEG_SS] = s->ss.base;
	r->seg_base[SEG_DS] = s->ds.base;
	r->seg_base[SEG_FS] = s->fs.base;
	r->seg_base[SEG_GS] = s->gs.base;
}

/* Write back what an emulated instruction changed. */
static void regs_store(struct vcpu *v, const struct guest_regs_view *r)
{
	struct vmcb_save *s = &v->vmcb->save;
	struct guest_gprs *g = &v->regs;

	s->rax = r->gpr[GPR_RAX];
	g->rcx = r->gpr[GPR_RCX];
	g->rdx = r->gpr[GPR_RDX];
	g->rbx = r->gpr[GPR_RBX];
	s->rsp = r->gpr[GPR_RSP];
	g->rbp = r->gpr[GPR_RBP];
	g->rsi = r->gpr[GPR_RSI];
	g->rdi = r->gpr[GPR_RDI];
	g->r8 = r->gpr[GPR_R8];
	g->r9 = r->gpr[GPR_R9];
	g->r10 = r->gpr[GPR_R10];
	g->r11 = r->gpr[GPR_R11];
	g->r12 = r->gpr[GPR_R12];
	g->r13 = r->gpr[GPR_R13];
	g->r14 = r->gpr[GPR_R14];
	g->r15 = r->gpr[GPR_R15];
	s->rip = r->rip;
	s->rflags = r->rflags;
}

static void guest_view_of(const struct vcpu *v, struct guest_view *gv)
{
	const struct vmcb_save *s = &v->vmcb->save;

	gv->pg = (struct guest_paging){ s->cr0, s->cr3, s->cr4, s->efer };
	gv->mode = cpu_mode_of(s->cr0, s->efer, s->rflags, s->cs.attrib,
			       &gv->cs_d);
	gv->cpl = s->cpl;
	gv->read_gpa = read_gpa;
	gv->read_ctx = NULL;
	gv->insn_bytes = NULL;
	gv->insn_len = 0;
}

int vcpu_decode(struct vcpu *v, struct insn *out)
{
	struct guest_view gv;
	struct guest_regs_view r;

	guest_view_of(v, &gv);
	regs_view(v, &r);
	return insn_fetch_decode(&gv.pg, &r, gv.mode, gv.cs_d, gv.cpl,
				 read_gpa, NULL, out);
}

bool vcpu_follow_in(struct vcpu *v, uint16_t lo, uint16_t hi,
		    uint32_t (*in)(struct vcpu *v, uint16_t port, unsigned size))
{
	const struct vmcb_save *s = &v->vmcb->save;
	struct guest_view gv;
	struct guest_regs_view r;
	uint8_t b[INSN_FOLLOW_WINDOW];
	size_t n = MIN(sizeof(b), 0x1000 - (s->rip & 0xFFF));
	unsigned size, iopl = (unsigned)(s->rflags >> 12) & 3;
	uint16_t port;

	/* Breakpoints (DR7 L0-G3, APM Vol. 2, 13.1.1.5) and TF would see
	 * the instructions run here: the guest runs them itself then. */
	if ((s->rflags & RFLAGS_TF) || (s->dr7 & 0xFF) || s->cpl > iopl)
		return false;
	guest_view_of(v, &gv);
	if (gv.mode != CPU_MODE_LONG64)
		return false;
	if (guest_fetch(&gv.pg, s->rip, b, n, GUEST_ACCESS_FETCH |
			(s->cpl == 3 ? GUEST_ACCESS_USER : 0), read_gpa, NULL))
		return false;
	regs_view(v, &r);
	if (insn_follow_in(b, n, &r, lo, hi, &size, &port) < 0)
		return false;
	insn_in_result(&r, size, in(v, port, size));
	regs_store(v, &r);
	return true;
}

/* Teach the fast path (svm/vmrun.S) where this CPUID or VMMCALL lives,
 * when it has no prefixes and does not cross a page. */
static void remember_site(struct vcpu *v, const struct insn *in)
{
	const struct vmcb_save *s = &v->vmcb->save;
	struct guest_view gv;
	uint64_t lin = s->cs.base + s->rip, gpa;
	const uint8_t *va;
	bool cpuid = in->cls == INSN_CPUID && in->len == 2;
	bool vmmcall = in->cls == INSN_VMMCALL && in->len == 3;

	if ((!cpuid && !vmmcall) || (lin & 0xFFF) > 0x1000u - in->len)
		return;
	guest_view_of(v, &gv);
	if (guest_translate(&gv.pg, lin, GUEST_ACCESS_FETCH, read_gpa, NULL, &gpa))
		return;
	va = guest_ptr(gpa, in->len);
	if (!va)
		return;
	if (cpuid) {
		v->fast.cpuid_lin = lin;
		v->fast.cpuid_cr3 = s->cr3;
		v->fast.cpuid_cr0 = s->cr0;
		v->fast.cpuid_va = va;
	} else {
		v->fast.vmmcall_lin = lin;
		v->fast.vmmcall_cr3 = s->cr3;
		v->fast.vmmcall_cr0 = s->cr0;
		v->fast.vmmcall_va = va;
	}
}

bool vcpu_skip_insn(struct vcpu *v)
{
	struct vmcb *vm = v->vmcb;
	struct insn in;
	int rc;

	if ((svm.features & SVM_FEAT_NRIPS) && vm->ctl.next_rip) {
		vm->save.rip = vm->ctl.next_rip;
		vcpu_insn_done(v);
		return true;
	}
	rc = vcpu_decode(v, &in);
	if (rc < 0) {
		printk("vcpu %u: cannot decode the instruction at rip %llx: %s\n",
		       v->index, (unsigned long long)vm->save.rip,
		       decode_strerror(rc));
		vcpu_stop(v, "undecodable intercepted instruction");
		return false;
	}
	remember_site(v, &in);
	vm->save.rip = insn_next_rip(&in, vm->save.rip);
	vcpu_insn_done(v);
	return true;
}

/* Where guest register @reg lives while the vCPU is out (enum x86_gpr). */
static const uint64_t *gpr_slot(const struct vcpu *v, unsigned reg)
{
	const struct guest_gprs *g = &v->regs;
	static const uint8_t off[16] = {
		[GPR_RCX] = offsetof(struct guest_gprs, rcx),
		[GPR_RDX] = offsetof(struct guest_gprs, rdx),
		[GPR_RBX] = offsetof(struct guest_gprs, rbx),
		[GPR_RBP] = offsetof(struct guest_gprs, rbp),
		[GPR_RSI] = offsetof(struct guest_gprs, rsi),
		[GPR_RDI] = offsetof(struct guest_gprs, rdi),
		[GPR_R8] = offsetof(struct guest_gprs, r8),
		[GPR_R9] = offsetof(struct guest_gprs, r9),
		[GPR_R10] = offsetof(struct guest_gprs, r10),
		[GPR_R11] = offsetof(struct guest_gprs, r11),
		[GPR_R12] = offsetof(struct guest_gprs, r12),
		[GPR_R13] = offsetof(struct guest_gprs, r13),
		[GPR_R14] = offsetof(struct guest_gprs, r14),
		[GPR_R15] = offsetof(struct guest_gprs, r15),
	};

	if (reg == GPR_RAX)
		return (const uint64_t *)((const uint8_t *)v->vmcb +
					  offsetof(struct vmcb, save.rax));
	if (reg == GPR_RSP)
		return (const uint64_t *)((const uint8_t *)v->vmcb +
					  offsetof(struct vmcb, save.rsp));
	return (const uint64_t *)((const uint8_t *)g + off[reg & 15]);
}

bool vcpu_mmio_site_store(struct vcpu *v, uint64_t gpa,
			  const struct mmio_ops *ops, void *ctx)
{
	unsigned size;
	uint64_t val;

	if (!vcpu_mmio_site_match(v, gpa, &size, &val) ||
	    ops->write(ctx, gpa, size, val))
		return false;
	vcpu_mmio_site_done(v);
	return true;
}

/* After a full decode of a plain MOV store, remember the site. */
static void mmio_site_learn(struct vcpu *v, const struct insn *in,
			    const struct guest_view *gv, uint64_t rip_before,
			    uint64_t op_lin, uint64_t gpa)
{
	struct mmio_site *m = &v->mmio_site;
	const struct vmcb_save *s = &v->vmcb->save;
	uint64_t lin = s->cs.base + rip_before, ipa;
	const uint8_t *va;

	m->valid = false;
	/* One 8-byte compare checks the bytes: instructions of up to 8
	 * bytes that leave 8 readable bytes in their page. */
	if (in->cls != INSN_MOV || in->dir != INSN_DIR_STORE ||
	    (in->opsize != 4 && in->opsize != 8) || in->rip_rel ||
	    in->len > 8 || (lin & 0xFFF) > 0x1000u - 8 || in->seg >= SEG_COUNT)
		return;
	if (guest_translate(&gv->pg, lin, GUEST_ACCESS_FETCH, read_gpa, NULL, &ipa))
		return;
	va = guest_ptr(ipa, in->len);
	if (!va)
		return;
	*m = (struct mmio_site){
		.len = in->len, .lin = lin, .cr3 = s->cr3, .cr0 = s->cr0, .va = va,
		.op_lin_page = op_lin & ~0xFFFULL, .op_gpa_page = gpa & ~0xFFFULL,
		.base = in->base == GPR_NONE ? NULL : gpr_slot(v, in->base),
		.index = in->index == GPR_NONE ? NULL : gpr_slot(v, in->index),
		.src = in->has_imm ? NULL : gpr_slot(v, in->reg),
		/* VMCB segments: ES CS SS DS FS GS from 0x400, base at +8 */
		.seg_base = (const uint64_t *)((const uint8_t *)v->vmcb + 0x408 +
					       in->seg * 16),
		.amask = in->addrsize == 8 ? ~0ULL :
			 in->addrsize == 4 ? 0xFFFFFFFFULL : 0xFFFF,
		.scale = in->scale, .imm = in->imm,
		.vmask = in->opsize == 8 ? ~0ULL : 0xFFFFFFFFULL,
		.disp = in->disp, .opsize = in->opsize,
	};
	m->mask = in->len == 8 ? ~0ULL : (1ULL << (in->len * 8)) - 1;
	memcpy(&m->bytes8, va, 8);
	m->bytes8 &= m->mask;
	m->valid = true;
}

/* Emulate the MMIO access that faulted at @gpa with @ops; the decoded
 * operand must match @gpa (another vCPU may have rewritten the code).
 * Returns a decode status. */
int vcpu_emulate_mmio(struct vcpu *v, uint64_t gpa, const struct mmio_ops *ops,
		      void *ctx, struct insn *in)
{
	struct guest_view gv;
	struct guest_regs_view r;
	uint64_t rip = v->vmcb->save.rip, op_lin;
	int rc;

	if (vcpu_mmio_site_store(v, gpa, ops, ctx))
		return DEC_OK;
	guest_view_of(v, &gv);
	/* Decode assists: on a nested page fault the CPU saved the bytes it
	 * fetched at CS:RIP (0..15; APM Vol. 2, VMCB 0D0h, "Decode
	 * Assists"), which spares the walk of the guest's page tables. */
	if ((svm.features & SVM_FEAT_DECODE) &&
	    v->vmcb->ctl.exit_code == VMEXIT_NPF) {
		gv.insn_bytes = v->vmcb->ctl.insn_bytes;
		gv.insn_len = MIN(v->vmcb->ctl.insn_bytes_fetched & 0xF,
				  (unsigned)sizeof(v->vmcb->ctl.insn_bytes));
	}
	regs_view(v, &r);
	rc = insn_mmio_at(&gv, &r, gpa, ops, ctx, in);
	if (rc != DEC_OK)
		return rc;
	vcpu_insn_done(v);
	{
		struct guest_regs_view before;

		regs_view(v, &before);
		if (insn_mem_address(in, &before, &op_lin) == DEC_OK &&
		    gv.mode != CPU_MODE_REAL16)
			mmio_site_learn(v, in, &gv, rip, op_lin, gpa);
	}
	regs_store(v, &r);
	return rc;
}

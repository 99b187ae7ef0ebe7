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
	uint64_t end = gpa + len;

	if (end < gpa || end > mm_direct_map_size || end > svm.guest_top)
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

bool vcpu_skip_insn(struct vcpu *v)
{
	struct vmcb *vm = v->vmcb;
	struct insn in;
	int rc;

	if ((svm.features & SVM_FEAT_NRIPS) && vm->ctl.next_rip) {
		vm->save.rip = vm->ctl.next_rip;
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
	vm->save.rip = insn_next_rip(&in, vm->save.rip);
	return true;
}

/* Emulate the MMIO access that faulted at @gpa with @ops; the decoded
 * operand must match @gpa (another vCPU may have rewritten the code).
 * Returns a decode status. */
int vcpu_emulate_mmio(struct vcpu *v, uint64_t gpa, const struct mmio_ops *ops,
		      void *ctx, struct insn *in)
{
	struct guest_view gv;
	struct guest_regs_view r;
	int rc;

	guest_view_of(v, &gv);
	regs_view(v, &r);
	rc = insn_mmio_at(&gv, &r, gpa, ops, ctx, in);
	if (rc == DEC_OK)
		regs_store(v, &r);
	return rc;
}

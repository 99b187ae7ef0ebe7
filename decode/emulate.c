/*
 * decode/emulate.c - emulation of the decoded data forms against MMIO
 * callbacks: MOV, MOVZX, OR, AND, XOR, TEST, CMP (APM Vol. 3, chapter 3),
 * with the partial-register rules and the arithmetic flags. Check, then
 * act: the access is validated first, memory is touched next, registers
 * and flags change last and only when every access succeeded.
 */
#include "decode/decode.h"
#include "decode/decode_priv.h"

#include "lib/lib.h"

/* AH, CH, DH, BH: 8-bit register numbers 4..7 without any REX prefix. */
static bool high_byte_reg(const struct insn *in, unsigned size, unsigned reg)
{
	return size == 1 && !in->rex && reg >= 4 && reg <= 7;
}

static uint64_t gpr_read(const struct insn *in, const uint64_t *gpr,
			 unsigned reg, unsigned size)
{
	if (high_byte_reg(in, size, reg))
		return (gpr[reg - 4] >> 8) & 0xFF;
	return gpr[reg] & mask_of(size);
}

/* APM Vol. 1, 3.1.2.3 (reg_merge), and AH..BH without REX. */
static void gpr_write(const struct insn *in, uint64_t *gpr, unsigned reg,
		      unsigned size, uint64_t val)
{
	if (high_byte_reg(in, size, reg)) {
		gpr[reg - 4] = (gpr[reg - 4] & ~0xFF00ULL) | ((val & 0xFF) << 8);
		return;
	}
	gpr[reg] = reg_merge(gpr[reg], size, val);
}

static uint64_t alu(enum insn_class cls, uint64_t a, uint64_t b)
{
	switch (cls) {
	case INSN_OR:  return a | b;
	case INSN_AND: return a & b;
	case INSN_TEST: return a & b;
	case INSN_XOR: return a ^ b;
	default:       return a - b;     /* INSN_CMP */
	}
}

/* Validate before any access: a data form with a sane memory operand. */
static bool emulable(const struct insn *in)
{
	unsigned s = in->memsize;

	if (!in->has_mem || in->dir == INSN_DIR_NONE || in->reg > GPR_R15)
		return false;
	if (s != 1 && s != 2 && s != 4 && s != 8)
		return false;
	if (in->opsize != 1 && in->opsize != 2 && in->opsize != 4 &&
	    in->opsize != 8)
		return false;
	switch (in->cls) {
	case INSN_MOV:
		return in->memsize == in->opsize && in->dir != INSN_DIR_RMW &&
		       in->dir != INSN_DIR_READ;
	case INSN_MOVZX:
		return in->dir == INSN_DIR_LOAD && in->memsize <= in->opsize;
	case INSN_OR: case INSN_AND: case INSN_XOR:
		return in->memsize == in->opsize &&
		       (in->dir == INSN_DIR_LOAD || in->dir == INSN_DIR_RMW);
	case INSN_TEST: case INSN_CMP:
		return in->memsize == in->opsize && in->dir == INSN_DIR_READ;
	default:
		return false;
	}
}

int insn_emulate_mmio(const struct insn *in, struct guest_regs_view *regs,
		      uint64_t gpa, const struct mmio_ops *ops, void *ctx)
{
	unsigned size, reg;
	uint64_t src, mem = 0, res, rflags;

	if (!in || !regs || !ops || !ops->read || !ops->write)
		return DEC_EINVAL;
	if (!emulable(in))
		return DEC_EUNSUPPORTED;
	size = in->memsize;
	reg = in->reg;
	rflags = regs->rflags;
	src = in->has_imm ? in->imm : gpr_read(in, regs->gpr, reg, in->opsize);

	if (in->dir == INSN_DIR_STORE) {
		if (ops->write(ctx, gpa, size, src & mask_of(size)) < 0)
			return DEC_EMMIO;
		regs->rip = insn_next_rip(in, regs->rip);
		return DEC_OK;
	}
	if (ops->read(ctx, gpa, size, &mem) < 0)
		return DEC_EMMIO;
	mem &= mask_of(size);

	switch (in->dir) {
	case INSN_DIR_LOAD:
		if (in->cls == INSN_MOV || in->cls == INSN_MOVZX) {
			res = mem;
		} else {
			res = alu(in->cls, src, mem) & mask_of(size);
			rflags = logic_flags(rflags, res, size);
		}
		gpr_write(in, regs->gpr, reg, in->opsize, res);
		break;
	case INSN_DIR_RMW:
		res = alu(in->cls, mem, src) & mask_of(size);
		if (ops->write(ctx, gpa, size, res) < 0)
			return DEC_EMMIO;
		rflags = logic_flags(rflags, res, size);
		break;
	default: /* INSN_DIR_READ: flags only */
		if (in->cls == INSN_TEST) {
			rflags = logic_flags(rflags, mem & src, size);
		} else if (in->opcode == 0x3B || in->opcode == 0x3A) {
			rflags = sub_flags(rflags, src, mem, size);  /* r - m */
		} else {
			rflags = sub_flags(rflags, mem, src, size);  /* m - r/imm */
		}
		break;
	}
	regs->rflags = rflags;
	regs->rip = insn_next_rip(in, regs->rip);
	return DEC_OK;
}

int insn_mmio_at(const struct guest_view *gv, struct guest_regs_view *regs,
		 uint64_t fault_gpa, const struct mmio_ops *ops, void *mctx,
		 struct insn *out)
{
	uint64_t gpa;
	int r;

	if (!gv || !regs || !out || gv->insn_len > INSN_MAX_LEN ||
	    (gv->insn_len && !gv->insn_bytes))
		return DEC_EINVAL;
	/* The CPU's own bytes need no walk of the guest's page tables; they
	 * may stop short (at a page it could not fetch), then fetch. */
	r = gv->insn_len ? decode_insn(gv->insn_bytes, gv->insn_len, gv->mode,
				       gv->cs_d, out) : DEC_ENEED;
	if (r == DEC_ENEED)
		r = insn_fetch_decode(&gv->pg, regs, gv->mode, gv->cs_d, gv->cpl,
				      gv->read_gpa, gv->read_ctx, out);
	if (r < 0)
		return r;
	if (!emulable(out))
		return DEC_EUNSUPPORTED;
	r = insn_operand_gpa(out, regs, &gv->pg, gv->cpl, gv->read_gpa,
			     gv->read_ctx, &gpa);
	if (r)
		return r;
	if (gpa != fault_gpa)
		return DEC_EMISMATCH;
	return insn_emulate_mmio(out, regs, gpa, ops, mctx);
}

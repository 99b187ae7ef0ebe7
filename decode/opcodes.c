/*
 * decode/opcodes.c - the opcode maps: which one- and two-byte opcodes we
 * recognise, their operand sizes, direction and immediates (APM Vol. 3,
 * appendix A, tables for the ModRM extensions).
 */
#include "decode/decode_priv.h"

/* Operand size of IN/OUT/INS/OUTS: 16 or 32, never 64. */
static uint8_t io_size(const struct dstate *s, uint8_t dflt)
{
	return (dflt == 2) != s->o->p66 ? 2 : 4;
}

/* A data form: ModRM, sizes, direction. wide: opcode bit 0. */
static int data_form(struct dstate *s, uint8_t dflt, enum insn_class cls,
		     bool wide, enum insn_dir dir)
{
	struct insn *o = s->o;

	o->cls = cls;
	o->opsize = wide ? dec_full_opsize(s, dflt) : 1;
	o->memsize = o->opsize;
	o->dir = dir;
	return dec_modrm(s, false);
}

/* Group 1 (80/81/83) /1 or, /4 and, /6 xor, /7 cmp with an immediate. */
static int group1(struct dstate *s, uint8_t op, uint8_t dflt)
{
	static const uint8_t cls_of[8] = { 0, INSN_OR, 0, 0, INSN_AND, 0,
					   INSN_XOR, INSN_CMP };
	struct insn *o = s->o;
	int r = data_form(s, dflt, INSN_NONE, op != 0x80, INSN_DIR_RMW);

	if (r)
		return r;
	o->cls = cls_of[(o->modrm >> 3) & 7];
	if (o->cls == INSN_NONE)
		return DEC_EUNSUPPORTED;
	if (o->cls == INSN_CMP)
		o->dir = INSN_DIR_READ;
	if (op == 0x81)
		return dec_imm(s, o->opsize == 2 ? 2 : 4, true);
	return dec_imm(s, 1, true);
}

/* The one-byte opcode map (APM Vol. 3, table A-1), our forms only. */
int dec_one_byte(struct dstate *s, uint8_t op, uint8_t dflt)
{
	static const uint8_t alu_cls[8] = { 0, INSN_OR, 0, 0, INSN_AND, 0,
					    INSN_XOR, INSN_CMP };
	struct insn *o = s->o;
	uint64_t v = 0;
	int r;

	if (op < 0x40 && (op & 7) < 4 && alu_cls[op >> 3]) {
		/* op r/m,reg (bit 1 clear: memory is the destination) */
		enum insn_class cls = alu_cls[op >> 3];
		enum insn_dir dir = (op & 2) ? INSN_DIR_LOAD : INSN_DIR_RMW;

		if (cls == INSN_CMP)
			dir = INSN_DIR_READ;
		return data_form(s, dflt, cls, op & 1, dir);
	}
	switch (op) {
	case 0x84: case 0x85:
		return data_form(s, dflt, INSN_TEST, op & 1, INSN_DIR_READ);
	case 0x88: case 0x89: case 0x8A: case 0x8B:
		return data_form(s, dflt, INSN_MOV, op & 1,
				 (op & 2) ? INSN_DIR_LOAD : INSN_DIR_STORE);
	case 0xC6: case 0xC7:
		r = data_form(s, dflt, INSN_MOV, op & 1, INSN_DIR_STORE);
		if (r)
			return r;
		if ((o->modrm >> 3) & 7)        /* C6/C7 F8: XABORT/XBEGIN */
			return DEC_EUNSUPPORTED;
		return dec_imm(s, o->opsize == 1 ? 1 : (o->opsize == 2 ? 2 : 4),
				  true);
	case 0x80: case 0x81: case 0x83:
		return group1(s, op, dflt);
	case 0xA0: case 0xA1: case 0xA2: case 0xA3:
		/* mov rAX <-> moffs: the offset has the address size. */
		o->cls = INSN_MOV;
		o->opsize = o->memsize = (op & 1) ? dec_full_opsize(s, dflt) : 1;
		o->dir = (op & 2) ? INSN_DIR_STORE : INSN_DIR_LOAD;
		o->reg = GPR_RAX;
		o->has_mem = true;
		o->base = o->index = GPR_NONE;
		o->scale = 1;
		o->seg = o->seg_override != SEG_COUNT ? o->seg_override : SEG_DS;
		r = dec_fetch(s, o->addrsize, &v);
		o->disp = (int64_t)v;
		return r;
	case 0xF4:
		o->cls = INSN_HLT;
		return DEC_OK;
	case 0x90:
		if (!o->rep || REX_B(o))        /* NOP, XCHG r8, rAX */
			return DEC_EUNSUPPORTED;
		o->cls = INSN_PAUSE;
		return DEC_OK;
	case 0xCF:
		o->cls = INSN_IRET;
		o->opsize = dec_full_opsize(s, dflt);
		return DEC_OK;
	case 0xE4: case 0xE5: case 0xE6: case 0xE7:
	case 0xEC: case 0xED: case 0xEE: case 0xEF:
		/* IN/OUT: port imm8 (E4-E7) or DX; REX.W is ignored. */
		o->cls = (op & 2) ? INSN_OUT : INSN_IN;
		o->opsize = o->memsize = (op & 1) ? io_size(s, dflt) : 1;
		return (op & 8) ? DEC_OK : dec_imm(s, 1, false);
	case 0x6C: case 0x6D: case 0x6E: case 0x6F:
		/* INS writes ES:rDI (no override); OUTS reads seg:rSI. */
		o->cls = (op & 2) ? INSN_OUTS : INSN_INS;
		o->opsize = o->memsize = (op & 1) ? io_size(s, dflt) : 1;
		o->seg = SEG_ES;
		if (op & 2)
			o->seg = o->seg_override != SEG_COUNT ? o->seg_override
							      : SEG_DS;
		return DEC_OK;
	default:
		return DEC_EUNSUPPORTED;
	}
}

/* 0F 01 (group 7, APM Vol. 3, table A-6): the register forms by their
 * whole ModRM byte, INVLPG as /7 with a memory operand. */
static int group7(struct dstate *s)
{
	static const uint8_t reg_form[64] = {
		[0x08] = INSN_MONITOR, [0x09] = INSN_MWAIT,
		[0x11] = INSN_XSETBV,
		[0x18] = INSN_VMRUN, [0x19] = INSN_VMMCALL,
		[0x1A] = INSN_VMLOAD, [0x1B] = INSN_VMSAVE,
		[0x1C] = INSN_STGI, [0x1D] = INSN_CLGI,
		[0x1E] = INSN_SKINIT, [0x1F] = INSN_INVLPGA,
		[0x39] = INSN_RDTSCP,
	};
	struct insn *o = s->o;
	int r = dec_modrm(s, false);

	if (r)
		return r;
	if (o->mod == 3)
		o->cls = reg_form[o->modrm & 0x3F];
	else if (((o->modrm >> 3) & 7) == 7)
		o->cls = INSN_INVLPG;
	return o->cls == INSN_NONE ? DEC_EUNSUPPORTED : DEC_OK;
}

/* The two-byte opcode map (APM Vol. 3, table A-2), our forms only. */
int dec_two_byte(struct dstate *s, uint8_t op, uint8_t dflt)
{
	static const uint8_t simple[256] = {
		[0x08] = INSN_INVD, [0x09] = INSN_WBINVD, [0x30] = INSN_WRMSR,
		[0x31] = INSN_RDTSC, [0x32] = INSN_RDMSR, [0xA2] = INSN_CPUID,
	};
	static const uint8_t movcr[4] = { INSN_MOV_FROM_CR, INSN_MOV_FROM_DR,
					  INSN_MOV_TO_CR, INSN_MOV_TO_DR };
	struct insn *o = s->o;
	int r;

	if (simple[op]) {
		o->cls = simple[op];
		return DEC_OK;
	}
	switch (op) {
	case 0x01:
		return group7(s);
	case 0x20: case 0x21: case 0x22: case 0x23:
		/* MOV CR/DR: register operands whatever mod says; operand
		 * size 64 in 64-bit mode, 32 otherwise (APM Vol. 3, MOV CRn).
		 * LOCK MOV CR0 is AMD's alternative encoding of CR8. */
		o->cls = movcr[op & 3];
		o->opsize = s->long64 ? 8 : 4;
		r = dec_modrm(s, true);
		if (!r && o->lock && !(op & 1))
			o->reg |= 8;
		return r;
	case 0xB6: case 0xB7:
		r = data_form(s, dflt, INSN_MOVZX, true, INSN_DIR_LOAD);
		o->memsize = (op & 1) ? 2 : 1;
		return r;
	default:
		return DEC_EUNSUPPORTED;
	}
}

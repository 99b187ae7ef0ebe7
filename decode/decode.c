/*
 * decode/decode.c - the x86 instruction decoder: prefixes, opcode, ModRM,
 * SIB, displacement and immediate for the forms decode.h lists (APM Vol. 3,
 * chapter 1 and appendix A). Reads only bytes[0 .. avail) and never more
 * than 15 bytes.
 */
#include "decode/decode_priv.h"

#include "lib/lib.h"

/* Make sure n more bytes are there: the 15-byte limit first (definitive),
 * then what the caller gave us. */
static int need(const struct dstate *s, size_t n)
{
	if (s->pos + n > INSN_MAX_LEN)
		return DEC_ETOOLONG;
	if (s->pos + n > s->avail)
		return DEC_ENEED;
	return DEC_OK;
}

/* Read an n-byte little-endian value (n <= 8) and advance. */
int dec_fetch(struct dstate *s, unsigned n, uint64_t *v)
{
	int r = need(s, n);
	uint64_t x = 0;

	if (r)
		return r;
	for (unsigned i = 0; i < n; i++)
		x |= (uint64_t)s->b[s->pos + i] << (8 * i);
	s->pos += n;
	*v = x;
	return DEC_OK;
}

static int64_t sext(uint64_t v, unsigned bytes)
{
	unsigned sh = 64 - 8 * bytes;

	return (int64_t)(v << sh) >> sh;
}

static uint64_t size_mask(unsigned bytes)
{
	return bytes >= 8 ? ~0ULL : (1ULL << (8 * bytes)) - 1;
}

/* Legacy prefixes and REX (APM Vol. 3, 1.2 and 1.2.7): any number, in any
 * order, within the 15-byte limit. A REX counts only right before the
 * opcode: a legacy prefix after it cancels it. In 64-bit mode the ES, CS,
 * SS and DS overrides are ignored. */
static int decode_prefixes(struct dstate *s)
{
	static const uint8_t seg_of[4] = { SEG_ES, SEG_CS, SEG_SS, SEG_DS };
	struct insn *o = s->o;

	for (;;) {
		int r = need(s, 1);
		uint8_t b;

		if (r)
			return r;
		b = s->b[s->pos];
		switch (b) {
		case 0x66: o->p66 = true; break;
		case 0x67: o->p67 = true; break;
		case 0xF0: o->lock = true; break;
		case 0xF2: o->repne = true; o->rep = false; break;
		case 0xF3: o->rep = true; o->repne = false; break;
		case 0x26: case 0x2E: case 0x36: case 0x3E:
			if (!s->long64)
				o->seg_override = seg_of[(b >> 3) & 3];
			break;
		case 0x64: o->seg_override = SEG_FS; break;
		case 0x65: o->seg_override = SEG_GS; break;
		default:
			if (s->long64 && (b & 0xF0) == 0x40) {
				o->rex = b;
				s->pos++;
				continue;
			}
			return DEC_OK;
		}
		o->rex = 0;
		s->pos++;
	}
}


/* 16-bit addressing (APM Vol. 3, table A-33): base, index per rm. */
static const uint8_t modrm16_base[8] = { GPR_RBX, GPR_RBX, GPR_RBP, GPR_RBP,
					 GPR_RSI, GPR_RDI, GPR_RBP, GPR_RBX };
static const uint8_t modrm16_index[8] = { GPR_RSI, GPR_RDI, GPR_RSI, GPR_RDI,
					  GPR_NONE, GPR_NONE, GPR_NONE,
					  GPR_NONE };

/* ModRM, SIB and displacement (APM Vol. 3, 1.4). force_reg: MOV CR/DR
 * ignore mod and always name a register. */
int dec_modrm(struct dstate *s, bool force_reg)
{
	struct insn *o = s->o;
	unsigned disp_bytes = 0;
	uint64_t v;
	int r;

	r = dec_fetch(s, 1, &v);
	if (r)
		return r;
	o->has_modrm = true;
	o->modrm = (uint8_t)v;
	o->mod = o->modrm >> 6;
	o->reg = ((o->modrm >> 3) & 7) | REX_R(o);
	o->rm = (o->modrm & 7) | REX_B(o);
	o->base = o->index = GPR_NONE;
	o->scale = 1;
	if (o->mod == 3 || force_reg)
		return DEC_OK;

	o->has_mem = true;
	if (o->addrsize == 2) {
		unsigned rm = o->modrm & 7;

		if (o->mod == 0 && rm == 6) {
			disp_bytes = 2;
		} else {
			o->base = modrm16_base[rm];
			o->index = modrm16_index[rm];
		}
		if (o->mod == 1)
			disp_bytes = 1;
		else if (o->mod == 2)
			disp_bytes = 2;
	} else {
		if ((o->modrm & 7) == 4) {
			uint8_t sib;

			r = dec_fetch(s, 1, &v);
			if (r)
				return r;
			sib = (uint8_t)v;
			o->scale = (uint8_t)(1u << (sib >> 6));
			o->index = ((sib >> 3) & 7) | REX_X(o);
			if (o->index == GPR_RSP)   /* 100b without REX.X: none */
				o->index = GPR_NONE;
			if ((sib & 7) == 5 && o->mod == 0)
				disp_bytes = 4;     /* no base, disp32 */
			else
				o->base = (sib & 7) | REX_B(o);
		} else if ((o->modrm & 7) == 5 && o->mod == 0) {
			disp_bytes = 4;             /* disp32 or RIP + disp32 */
			o->rip_rel = s->long64;
		} else {
			o->base = o->rm;
		}
		if (o->mod == 1)
			disp_bytes = 1;
		else if (o->mod == 2)
			disp_bytes = 4;
	}
	if (disp_bytes) {
		r = dec_fetch(s, disp_bytes, &v);
		if (r)
			return r;
		o->disp = sext(v, disp_bytes);
	}
	/* rBP/rSP as base default to SS (APM Vol. 2, 4.5.1). */
	o->seg = (o->base == GPR_RBP || o->base == GPR_RSP) ? SEG_SS : SEG_DS;
	if (o->seg_override != SEG_COUNT)
		o->seg = o->seg_override;
	return DEC_OK;
}

/* Immediate of n bytes, sign-extended to the operand size when sx. */
int dec_imm(struct dstate *s, unsigned n, bool sx)
{
	struct insn *o = s->o;
	uint64_t v;
	int r = dec_fetch(s, n, &v);

	if (r)
		return r;
	o->has_imm = true;
	o->imm_size = (uint8_t)n;
	o->imm = (sx ? (uint64_t)sext(v, n) : v) & size_mask(o->opsize);
	return DEC_OK;
}

/* Operand size of a non-byte form (APM Vol. 3, 1.2.2 / 1.2.7). */
uint8_t dec_full_opsize(const struct dstate *s, uint8_t dflt)
{
	if (s->long64 && REX_W(s->o))
		return 8;
	return s->o->p66 ? (dflt == 2 ? 4 : 2) : (dflt == 2 ? 2 : 4);
}

int decode_insn(const uint8_t *bytes, size_t avail, enum cpu_mode mode,
		bool cs_d, struct insn *out)
{
	struct dstate s = { .b = bytes, .avail = avail, .o = out };
	uint8_t dflt;
	uint64_t op;
	int r;

	if (!out)
		return DEC_EINVAL;
	memset(out, 0, sizeof(*out));
	out->seg_override = SEG_COUNT;
	out->base = out->index = GPR_NONE;
	out->seg = SEG_DS;
	if (!bytes || mode > CPU_MODE_LONG64 ||
	    (mode == CPU_MODE_PROT16 && cs_d) ||
	    (mode == CPU_MODE_PROT32 && !cs_d))
		return DEC_EINVAL;
	out->mode = (uint8_t)mode;
	out->cs_d = cs_d && mode != CPU_MODE_LONG64;
	s.long64 = mode == CPU_MODE_LONG64;
	dflt = s.long64 ? 4 : (cs_d ? 4 : 2);

	r = decode_prefixes(&s);
	if (r)
		return r;
	if (s.long64)
		out->addrsize = out->p67 ? 4 : 8;
	else
		out->addrsize = (dflt == 4) != out->p67 ? 4 : 2;
	out->opsize = dec_full_opsize(&s, dflt);

	r = dec_fetch(&s, 1, &op);
	if (r)
		return r;
	if (op == 0x0F) {
		out->two_byte = true;
		r = dec_fetch(&s, 1, &op);
		if (r)
			return r;
		out->opcode = (uint8_t)op;
		r = dec_two_byte(&s, (uint8_t)op, dflt);
	} else {
		out->opcode = (uint8_t)op;
		r = dec_one_byte(&s, (uint8_t)op, dflt);
	}
	if (r)
		return r;
	/* LOCK only on a read-modify-write of memory, or AMD's CR8 form. */
	if (out->lock && !(out->dir == INSN_DIR_RMW && out->has_mem) &&
	    out->cls != INSN_MOV_FROM_CR && out->cls != INSN_MOV_TO_CR)
		return DEC_EINVAL;
	out->len = (uint8_t)s.pos;
	return (int)s.pos;
}

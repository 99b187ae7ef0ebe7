/*
 * decode/decode_priv.h - internals shared by decode.c (byte reader,
 * prefixes, ModRM) and opcodes.c (the opcode maps), and the register and
 * flag rules shared by emulate.c and follow.c. Not for other folders:
 * decode/decode.h is the public interface.
 */
#ifndef DECODE_DECODE_PRIV_H
#define DECODE_DECODE_PRIV_H

#include "decode/decode.h"

/* Decoder state: the input, the read position, the output. */
struct dstate {
	const uint8_t *b;
	size_t avail;
	size_t pos;
	bool long64;
	struct insn *o;
};

#define REX_B(o) (((o)->rex & 1) ? 8 : 0)
#define REX_X(o) (((o)->rex & 2) ? 8 : 0)
#define REX_R(o) (((o)->rex & 4) ? 8 : 0)
#define REX_W(o) (((o)->rex & 8) != 0)

int dec_fetch(struct dstate *s, unsigned n, uint64_t *v);
int dec_modrm(struct dstate *s, bool force_reg);
int dec_imm(struct dstate *s, unsigned n, bool sx);
uint8_t dec_full_opsize(const struct dstate *s, uint8_t dflt);
int dec_one_byte(struct dstate *s, uint8_t op, uint8_t dflt);
int dec_two_byte(struct dstate *s, uint8_t op, uint8_t dflt);

/* ---- register and flag rules (emulate.c, follow.c) ---------------------- */

static inline uint64_t mask_of(unsigned size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

/* APM Vol. 1, 3.1.2.3: a write of @size bytes to a register holding @old:
 * 8- and 16-bit writes keep the other bits, 32-bit writes zero-extend to
 * 64 (AH..BH are the caller's). */
static inline uint64_t reg_merge(uint64_t old, unsigned size, uint64_t val)
{
	if (size >= 4)
		return val & mask_of(size);
	return (old & ~mask_of(size)) | (val & mask_of(size));
}

/* PF: set when the low byte has an even number of ones. */
static inline bool even_parity(uint64_t v)
{
	uint8_t b = (uint8_t)v;

	b ^= b >> 4;
	b ^= b >> 2;
	b ^= b >> 1;
	return !(b & 1);
}

/* SF, ZF, PF from a result; the caller sets CF, OF, AF. */
static inline uint64_t szp_flags(uint64_t rflags, uint64_t res, unsigned size)
{
	uint64_t sign = 1ULL << (8 * size - 1);

	rflags &= ~(uint64_t)(RFLAGS_SF | RFLAGS_ZF | RFLAGS_PF);
	if (res & sign)
		rflags |= RFLAGS_SF;
	if ((res & mask_of(size)) == 0)
		rflags |= RFLAGS_ZF;
	if (even_parity(res))
		rflags |= RFLAGS_PF;
	return rflags;
}

/* Logical ops: CF = OF = 0, AF left alone (undefined). */
static inline uint64_t logic_flags(uint64_t rflags, uint64_t res, unsigned size)
{
	rflags &= ~(uint64_t)(RFLAGS_CF | RFLAGS_OF);
	return szp_flags(rflags, res, size);
}

/* a - b: CF borrow, OF signed overflow, AF borrow from bit 3. */
static inline uint64_t sub_flags(uint64_t rflags, uint64_t a, uint64_t b,
			  unsigned size)
{
	uint64_t m = mask_of(size), res = (a - b) & m;
	uint64_t sign = 1ULL << (8 * size - 1);

	rflags &= ~(uint64_t)(RFLAGS_CF | RFLAGS_OF | RFLAGS_AF);
	if ((a & m) < (b & m))
		rflags |= RFLAGS_CF;
	if ((a ^ b) & (a ^ res) & sign)
		rflags |= RFLAGS_OF;
	if ((a ^ b ^ res) & 0x10)
		rflags |= RFLAGS_AF;
	return szp_flags(rflags, res, size);
}

#endif

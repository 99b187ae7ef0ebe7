/*
 * decode/decode_priv.h - internals shared by decode.c (byte reader,
 * prefixes, ModRM) and opcodes.c (the opcode maps). Not for other folders:
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

#endif

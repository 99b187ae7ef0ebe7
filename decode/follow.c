/*
 * decode/follow.c - the instructions between a write of the PCI address
 * port and the read of the data port that follows it, run in the address
 * write's exit (svm/io.c, "configuration reads in one exit").
 *
 * Linux reads configuration space with such pairs, tens of thousands of
 * them while it probes empty buses at boot: its early read_pci_config
 * (OUT 0xCF8; MOV EDX, 0xCFC; IN EAX, DX), read_pci_config_16/_byte
 * (AND ECX, 3; LEA EDX, [RCX + 0xCFC]; IN AX/AL, DX) and pci_conf1_read,
 * which picks the width with CMP/JE first. Under the hypervisor each of
 * the two I/O instructions is an exit; running the short set-up and the
 * IN in the first exit halves them.
 *
 * Only a white list, in 64-bit mode (APM Vol. 3, chapter 3): MOV B8+rd
 * id; MOV 89 /r, AND 83 /4 ib and CMP 83 /7 ib between registers (mod =
 * 3); LEA 8D /r with a base register (a SIB byte only without index) and
 * an 8- or 32-bit displacement; Jcc 70+cc and JMP EB with an 8-bit
 * displacement that stays inside the bytes given; then IN EC/ED/66 ED.
 * 32-bit operands only (a REX prefix without W may name R8-R15), no other
 * prefixes. Everything else leaves the guest to run it itself. Check,
 * then act: registers change only when the whole sequence matched.
 */
#include "decode/decode.h"
#include "decode/decode_priv.h"

#include "lib/lib.h"

/* Jcc's condition cc (APM Vol. 3, "Jcc": O, NO, B, AE, E, NE, BE, A, S,
 * NS, P, NP, L, GE, LE, G). */
static bool condition(uint64_t f, unsigned cc)
{
	bool cf = f & RFLAGS_CF, zf = f & RFLAGS_ZF, sf = f & RFLAGS_SF;
	bool of = f & RFLAGS_OF, pf = f & RFLAGS_PF, r;

	switch (cc >> 1) {
	case 0: r = of; break;
	case 1: r = cf; break;
	case 2: r = zf; break;
	case 3: r = cf || zf; break;
	case 4: r = sf; break;
	case 5: r = pf; break;
	case 6: r = sf != of; break;
	default: r = zf || sf != of; break;
	}
	return (cc & 1) ? !r : r;
}

static uint32_t le32(const uint8_t *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

/* One set-up instruction at b[*at] (avail bytes in all) on r: moves *at
 * to the next instruction (a jump's target for a taken jump). Returns 0,
 * DEC_EUNSUPPORTED when it is not one of the white list, DEC_ENEED when
 * it is cut short. 32-bit destinations zero-extend to 64 bits (APM
 * Vol. 1, 3.1.2.3). */
static int setup_step(const uint8_t *b, size_t avail, size_t *at,
		      struct guest_regs_view *r)
{
	size_t p = *at;
	uint8_t rex = 0, op, modrm, mod, reg, rm;
	int64_t disp;

	if ((b[p] & 0xF0) == 0x40) {
		rex = b[p++];
		if ((rex & 0x08) || p >= avail)  /* REX.W: 64-bit operands */
			return (rex & 0x08) ? DEC_EUNSUPPORTED : DEC_ENEED;
	}
	op = b[p];
	if (op >= 0xB8 && op <= 0xBF) {                 /* MOV r32, imm32 */
		if (avail - p < 5)
			return DEC_ENEED;
		r->gpr[(op - 0xB8) | ((rex & 1) << 3)] = le32(b + p + 1);
		*at = p + 5;
		return 0;
	}
	if ((op >= 0x70 && op <= 0x7F) || op == 0xEB) { /* Jcc/JMP rel8 */
		int64_t to;

		if (rex)
			return DEC_EUNSUPPORTED;
		if (avail - p < 2)
			return DEC_ENEED;
		to = (int64_t)(p + 2) + (int8_t)b[p + 1];
		if (op == 0xEB || condition(r->rflags, op & 0xF)) {
			if (to < 0 || (uint64_t)to >= avail)
				return DEC_EUNSUPPORTED;  /* leaves the window */
			*at = (size_t)to;
		} else {
			*at = p + 2;
		}
		return 0;
	}
	if (op != 0x89 && op != 0x83 && op != 0x8D)
		return DEC_EUNSUPPORTED;
	if (avail - p < 2)
		return DEC_ENEED;
	modrm = b[p + 1];
	mod = modrm >> 6;
	reg = (uint8_t)(((modrm >> 3) & 7) | ((rex & 4) << 1));
	rm = (uint8_t)((modrm & 7) | ((rex & 1) << 3));
	if (op == 0x89) {                               /* MOV r32, r32 */
		if (mod != 3)
			return DEC_EUNSUPPORTED;
		r->gpr[rm] = (uint32_t)r->gpr[reg];
		*at = p + 2;
		return 0;
	}
	if (op == 0x83) {                        /* AND/CMP r32, imm8 */
		uint32_t imm, v = (uint32_t)r->gpr[rm];
		unsigned ext = (modrm >> 3) & 7;    /* /4 AND, /7 CMP */

		if (mod != 3 || (ext != 4 && ext != 7))
			return DEC_EUNSUPPORTED;
		if (avail - p < 3)
			return DEC_ENEED;
		imm = (uint32_t)(int32_t)(int8_t)b[p + 2];
		if (ext == 4) {
			r->gpr[rm] = v & imm;
			r->rflags = logic_flags(r->rflags, v & imm, 4);
		} else {
			r->rflags = sub_flags(r->rflags, v, imm, 4);
		}
		*at = p + 3;
		return 0;
	}
	/* LEA r32, [base + disp]: 64-bit addressing, the low 32 bits kept.
	 * mod 0 has no displacement or is RIP-relative, mod 3 is #UD; a SIB
	 * byte only with "no index" (100b, REX.X clear). */
	if (mod == 0 || mod == 3)
		return DEC_EUNSUPPORTED;
	p += 2;
	if ((modrm & 7) == 4) {
		if (p >= avail)
			return DEC_ENEED;
		if (((b[p] >> 3) & 7) != 4 || (rex & 2))
			return DEC_EUNSUPPORTED;
		rm = (uint8_t)((b[p] & 7) | ((rex & 1) << 3));
		p++;
	}
	if (avail - p < (mod == 1 ? 1u : 4u))
		return DEC_ENEED;
	disp = mod == 1 ? (int8_t)b[p] : (int32_t)le32(b + p);
	r->gpr[reg] = (uint32_t)(r->gpr[rm] + (uint64_t)disp);
	*at = p + (mod == 1 ? 1 : 4);
	return 0;
}

int insn_follow_in(const uint8_t *bytes, size_t avail,
		   struct guest_regs_view *regs, uint16_t lo, uint16_t hi,
		   unsigned *size, uint16_t *port)
{
	struct guest_regs_view t;
	size_t at = 0;
	unsigned sz = 0;
	uint16_t dx;
	int rc;

	if (!bytes || !regs || !size || !port)
		return DEC_EINVAL;
	t = *regs;
	for (unsigned i = 0; ; i++) {
		if (at >= avail)
			return DEC_ENEED;
		if (bytes[at] == 0xEC || bytes[at] == 0xED) {
			sz = bytes[at] == 0xEC ? 1 : 4;
			at += 1;
			break;
		}
		if (bytes[at] == 0x66) {
			if (at + 1 >= avail)
				return DEC_ENEED;
			if (bytes[at + 1] != 0xED)
				return DEC_EUNSUPPORTED;
			sz = 2;
			at += 2;
			break;
		}
		if (i == INSN_FOLLOW_SETUP_MAX)
			return DEC_EUNSUPPORTED;
		rc = setup_step(bytes, avail, &at, &t);
		if (rc < 0)
			return rc;
	}
	dx = (uint16_t)t.gpr[GPR_RDX];
	if (dx < lo || dx + sz > hi)
		return DEC_EUNSUPPORTED;
	t.rip = regs->rip + at;
	*regs = t;
	*size = sz;
	*port = dx;
	return (int)at;
}

void insn_in_result(struct guest_regs_view *regs, unsigned size, uint32_t val)
{
	regs->gpr[GPR_RAX] = reg_merge(regs->gpr[GPR_RAX], size, val);
}

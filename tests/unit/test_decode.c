/*
 * tests/unit/test_decode.c - decode_insn: every form decode.h lists, with
 * prefixes, in 16-, 32- and 64-bit modes, ModRM/SIB edge cases, length
 * limits and truncated input.
 */
#include "test.h"

#include "decode/decode.h"

#define BYTES(...) ((const uint8_t[]){ __VA_ARGS__ })
#define NBYTES(...) sizeof((const uint8_t[]){ __VA_ARGS__ })
/* Decode the byte list in mode m into in; evaluates to the status. */
#define DEC(m, in, ...) dec(m, in, BYTES(__VA_ARGS__), NBYTES(__VA_ARGS__))

enum { R16 = CPU_MODE_REAL16, P16 = CPU_MODE_PROT16, P32 = CPU_MODE_PROT32,
       L64 = CPU_MODE_LONG64 };

static int dec(int mode, struct insn *in, const uint8_t *b, size_t n)
{
	return decode_insn(b, n, (enum cpu_mode)mode, mode == P32, in);
}

static const int all_modes[] = { R16, P16, P32, L64 };

TEST(decode_exiting_simple)
{
	static const struct { uint8_t b[3]; uint8_t n; uint8_t cls; } t[] = {
		{ { 0x0F, 0xA2 }, 2, INSN_CPUID },
		{ { 0x0F, 0x32 }, 2, INSN_RDMSR },
		{ { 0x0F, 0x30 }, 2, INSN_WRMSR },
		{ { 0x0F, 0x31 }, 2, INSN_RDTSC },
		{ { 0x0F, 0x08 }, 2, INSN_INVD },
		{ { 0x0F, 0x09 }, 2, INSN_WBINVD },
		{ { 0x0F, 0x01, 0xD8 }, 3, INSN_VMRUN },
		{ { 0x0F, 0x01, 0xD9 }, 3, INSN_VMMCALL },
		{ { 0x0F, 0x01, 0xDA }, 3, INSN_VMLOAD },
		{ { 0x0F, 0x01, 0xDB }, 3, INSN_VMSAVE },
		{ { 0x0F, 0x01, 0xDC }, 3, INSN_STGI },
		{ { 0x0F, 0x01, 0xDD }, 3, INSN_CLGI },
		{ { 0x0F, 0x01, 0xDE }, 3, INSN_SKINIT },
		{ { 0x0F, 0x01, 0xDF }, 3, INSN_INVLPGA },
		{ { 0x0F, 0x01, 0xF9 }, 3, INSN_RDTSCP },
		{ { 0x0F, 0x01, 0xC8 }, 3, INSN_MONITOR },
		{ { 0x0F, 0x01, 0xC9 }, 3, INSN_MWAIT },
		{ { 0x0F, 0x01, 0xD1 }, 3, INSN_XSETBV },
		{ { 0xF4 }, 1, INSN_HLT },
		{ { 0xF3, 0x90 }, 2, INSN_PAUSE },
		{ { 0xCF }, 1, INSN_IRET },
	};
	struct insn in;

	for (size_t m = 0; m < ARRAY_SIZE(all_modes); m++) {
		for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
			uint8_t buf[16] = { 0x66, 0x67, 0x2E, 0xF2, 0x3E };

			CHECK_EQ(dec(all_modes[m], &in, t[i].b, t[i].n), t[i].n);
			CHECK_EQ(in.cls, t[i].cls);
			CHECK_EQ(in.len, t[i].n);
			/* Redundant prefixes only add to the length (F2 would
			 * cancel PAUSE's F3, so only the others). */
			memcpy(buf + 5, t[i].b, t[i].n);
			if (t[i].cls == INSN_PAUSE)
				buf[3] = 0x26;
			CHECK_EQ(dec(all_modes[m], &in, buf, 5 + t[i].n),
				 5 + t[i].n);
			CHECK_EQ(in.cls, t[i].cls);
		}
	}
}

TEST(decode_exiting_rex_and_prefix_order)
{
	struct insn in;

	/* VMMCALL with REX and repeated prefixes in 64-bit mode. */
	CHECK_EQ(DEC(L64, &in, 0x66, 0x66, 0x48, 0x0F, 0x01, 0xD9), 6);
	CHECK_EQ(in.cls, INSN_VMMCALL);
	CHECK_EQ(in.rex, 0x48);
	/* 0x48 is DEC EAX outside 64-bit mode: unsupported, not a prefix. */
	CHECK_EQ(DEC(P32, &in, 0x48, 0x0F, 0xA2), DEC_EUNSUPPORTED);
	/* A legacy prefix after REX cancels it. */
	CHECK_EQ(DEC(L64, &in, 0x48, 0x66, 0x89, 0x08), 4);
	CHECK_EQ(in.rex, 0);
	CHECK_EQ(in.opsize, 2);
	/* The last REX counts. */
	CHECK_EQ(DEC(L64, &in, 0x48, 0x40, 0x89, 0x08), 4);
	CHECK_EQ(in.rex, 0x40);
	CHECK_EQ(in.opsize, 4);
	/* 0F 01 forms we do not handle. */
	CHECK_EQ(DEC(L64, &in, 0x0F, 0x01, 0xD0), DEC_EUNSUPPORTED);  /* xgetbv */
	CHECK_EQ(DEC(L64, &in, 0x0F, 0x01, 0xF8), DEC_EUNSUPPORTED);  /* swapgs */
	CHECK_EQ(DEC(L64, &in, 0x0F, 0x01, 0x10), DEC_EUNSUPPORTED);  /* lgdt */
	CHECK_EQ(DEC(L64, &in, 0x0F, 0x0B), DEC_EUNSUPPORTED);        /* ud2 */
	CHECK_EQ(DEC(L64, &in, 0x00, 0x00), DEC_EUNSUPPORTED);        /* add */
	/* NOP and XCHG r8, rAX are not PAUSE. */
	CHECK_EQ(DEC(L64, &in, 0x90), DEC_EUNSUPPORTED);
	CHECK_EQ(DEC(L64, &in, 0xF3, 0x41, 0x90), DEC_EUNSUPPORTED);
	CHECK_EQ(DEC(L64, &in, 0xF3, 0x48, 0x90), 3);
	CHECK_EQ(in.cls, INSN_PAUSE);
}

TEST(decode_iret_sizes)
{
	struct insn in;

	CHECK_EQ(DEC(L64, &in, 0x48, 0xCF), 2);
	CHECK_EQ(in.opsize, 8);
	CHECK_EQ(DEC(L64, &in, 0xCF), 1);
	CHECK_EQ(in.opsize, 4);
	CHECK_EQ(DEC(L64, &in, 0x66, 0xCF), 2);
	CHECK_EQ(in.opsize, 2);
	CHECK_EQ(DEC(R16, &in, 0xCF), 1);
	CHECK_EQ(in.opsize, 2);
	CHECK_EQ(DEC(R16, &in, 0x66, 0xCF), 2);
	CHECK_EQ(in.opsize, 4);
	CHECK_EQ(DEC(P32, &in, 0xCF), 1);
	CHECK_EQ(in.opsize, 4);
}

TEST(decode_io)
{
	struct insn in;

	CHECK_EQ(DEC(P32, &in, 0xE4, 0x60), 2);
	CHECK_EQ(in.cls, INSN_IN);
	CHECK_EQ(in.opsize, 1);
	CHECK_EQ(in.imm, 0x60);
	CHECK_EQ(DEC(P32, &in, 0xE7, 0x92), 2);
	CHECK_EQ(in.cls, INSN_OUT);
	CHECK_EQ(in.opsize, 4);
	CHECK_EQ(in.imm, 0x92);
	CHECK_EQ(DEC(L64, &in, 0x66, 0xED), 2);
	CHECK_EQ(in.cls, INSN_IN);
	CHECK_EQ(in.opsize, 2);
	CHECK(!in.has_imm);
	CHECK_EQ(DEC(L64, &in, 0x48, 0xEF), 2);       /* REX.W ignored */
	CHECK_EQ(in.opsize, 4);
	CHECK_EQ(DEC(R16, &in, 0xEF), 1);
	CHECK_EQ(in.opsize, 2);
	CHECK_EQ(DEC(R16, &in, 0x66, 0xEE), 2);
	CHECK_EQ(in.opsize, 1);
	CHECK_EQ(DEC(P32, &in, 0xF3, 0x6C), 2);
	CHECK_EQ(in.cls, INSN_INS);
	CHECK(in.rep);
	CHECK_EQ(in.seg, SEG_ES);
	CHECK_EQ(DEC(P32, &in, 0xF3, 0x2E, 0x67, 0x6F), 4);
	CHECK_EQ(in.cls, INSN_OUTS);
	CHECK_EQ(in.seg, SEG_CS);
	CHECK_EQ(in.addrsize, 2);
	CHECK_EQ(in.opsize, 4);
	CHECK_EQ(DEC(P32, &in, 0x26, 0x6D), 2);
	CHECK_EQ(in.seg, SEG_ES);                     /* INS: no override */
	CHECK_EQ(DEC(P32, &in, 0xE4), DEC_ENEED);
}

TEST(decode_invlpg_and_mov_cr_dr)
{
	struct insn in;

	CHECK_EQ(DEC(L64, &in, 0x0F, 0x01, 0x38), 3);          /* [rax] */
	CHECK_EQ(in.cls, INSN_INVLPG);
	CHECK(in.has_mem);
	CHECK_EQ(in.base, GPR_RAX);
	CHECK_EQ(DEC(L64, &in, 0x0F, 0x01, 0x7D, 0x08), 4);    /* [rbp+8] */
	CHECK_EQ(in.base, GPR_RBP);
	CHECK_EQ(in.disp, 8);
	CHECK_EQ(DEC(L64, &in, 0x0F, 0x01, 0x3C, 0x24), 4);    /* [rsp] */
	CHECK_EQ(in.base, GPR_RSP);
	CHECK_EQ(DEC(L64, &in, 0x0F, 0x01, 0xBC, 0x24, 1, 2, 3, 4), 8);
	CHECK_EQ(DEC(R16, &in, 0x0F, 0x01, 0x3E, 0x00, 0x10), 5);
	CHECK_EQ(in.disp, 0x1000);

	CHECK_EQ(DEC(L64, &in, 0x0F, 0x20, 0xC0), 3);          /* rax, cr0 */
	CHECK_EQ(in.cls, INSN_MOV_FROM_CR);
	CHECK_EQ(in.reg, 0);
	CHECK_EQ(in.rm, GPR_RAX);
	CHECK_EQ(in.opsize, 8);
	CHECK_EQ(DEC(P32, &in, 0x0F, 0x22, 0xD8), 3);          /* cr3, eax */
	CHECK_EQ(in.cls, INSN_MOV_TO_CR);
	CHECK_EQ(in.reg, 3);
	CHECK_EQ(in.opsize, 4);
	/* mod is ignored: still three bytes, still a register. */
	CHECK_EQ(DEC(P32, &in, 0x0F, 0x20, 0x05), 3);
	CHECK(!in.has_mem);
	CHECK_EQ(in.rm, GPR_RBP);
	CHECK_EQ(DEC(L64, &in, 0x44, 0x0F, 0x20, 0xC1), 4);    /* rcx, cr8 */
	CHECK_EQ(in.reg, 8);
	CHECK_EQ(DEC(L64, &in, 0x41, 0x0F, 0x22, 0xC4), 4);    /* cr0, r12 */
	CHECK_EQ(in.rm, GPR_R12);
	CHECK_EQ(DEC(P32, &in, 0xF0, 0x0F, 0x20, 0xC0), 4);    /* AMD cr8 */
	CHECK_EQ(in.reg, 8);
	CHECK_EQ(DEC(P32, &in, 0x0F, 0x21, 0xF8), 3);          /* eax, dr7 */
	CHECK_EQ(in.cls, INSN_MOV_FROM_DR);
	CHECK_EQ(in.reg, 7);
	CHECK_EQ(DEC(P32, &in, 0x0F, 0x23, 0xC1), 3);
	CHECK_EQ(in.cls, INSN_MOV_TO_DR);
	CHECK_EQ(DEC(P32, &in, 0xF0, 0x0F, 0x21, 0xC0), DEC_EINVAL);
}

TEST(decode_mov_forms)
{
	struct insn in;

	CHECK_EQ(DEC(L64, &in, 0x89, 0x08), 2);                /* [rax], ecx */
	CHECK_EQ(in.cls, INSN_MOV);
	CHECK_EQ(in.dir, INSN_DIR_STORE);
	CHECK_EQ(in.opsize, 4);
	CHECK_EQ(in.base, GPR_RAX);
	CHECK_EQ(in.reg, GPR_RCX);
	CHECK_EQ(in.seg, SEG_DS);
	CHECK_EQ(DEC(L64, &in, 0x48, 0x89, 0x08), 3);
	CHECK_EQ(in.opsize, 8);
	CHECK_EQ(DEC(L64, &in, 0x66, 0x89, 0x08), 3);
	CHECK_EQ(in.opsize, 2);
	CHECK_EQ(DEC(L64, &in, 0x66, 0x48, 0x89, 0x08), 4);    /* W wins */
	CHECK_EQ(in.opsize, 8);
	CHECK_EQ(DEC(L64, &in, 0x88, 0x08), 2);
	CHECK_EQ(in.opsize, 1);
	CHECK_EQ(DEC(L64, &in, 0x8A, 0x08), 2);
	CHECK_EQ(in.dir, INSN_DIR_LOAD);
	CHECK_EQ(DEC(L64, &in, 0x4D, 0x8B, 0x08), 3);          /* r9, [r8] */
	CHECK_EQ(in.reg, GPR_R9);
	CHECK_EQ(in.base, GPR_R8);
	CHECK_EQ(in.opsize, 8);
	CHECK_EQ(DEC(P16, &in, 0x8B, 0x07), 2);                /* ax, [bx] */
	CHECK_EQ(in.opsize, 2);
	CHECK_EQ(in.addrsize, 2);
	CHECK_EQ(DEC(P16, &in, 0x66, 0x67, 0x8B, 0x07), 4);    /* eax, [edi] */
	CHECK_EQ(in.opsize, 4);
	CHECK_EQ(in.addrsize, 4);
	CHECK_EQ(in.base, GPR_RDI);
	/* mod = 3: a register move, no memory operand. */
	CHECK_EQ(DEC(L64, &in, 0x89, 0xC8), 2);
	CHECK(!in.has_mem);

	/* mov imm */
	CHECK_EQ(DEC(L64, &in, 0xC6, 0x00, 0x7F), 3);
	CHECK_EQ(in.imm, 0x7F);
	CHECK(in.has_imm);
	CHECK_EQ(DEC(P32, &in, 0xC7, 0x00, 1, 2, 3, 4), 6);
	CHECK_EQ(in.imm, 0x04030201);
	CHECK_EQ(DEC(P32, &in, 0x66, 0xC7, 0x00, 1, 2), 5);
	CHECK_EQ(in.imm, 0x0201);
	CHECK_EQ(DEC(R16, &in, 0xC7, 0x00, 1, 2), 4);
	CHECK_EQ(DEC(L64, &in, 0x48, 0xC7, 0x00, 0xFE, 0xFF, 0xFF, 0xFF), 7);
	CHECK_EQ(in.imm, 0xFFFFFFFFFFFFFFFEULL);
	CHECK_EQ(DEC(L64, &in, 0xC7, 0x40, 0x10, 1, 2, 3, 0x84), 7);
	CHECK_EQ(in.imm, 0x84030201);
	CHECK_EQ(DEC(L64, &in, 0xC6, 0x08, 0x00), DEC_EUNSUPPORTED);  /* /1 */
	CHECK_EQ(DEC(L64, &in, 0xC6, 0xF8, 0x00), DEC_EUNSUPPORTED);  /* xabort */
	CHECK_EQ(DEC(L64, &in, 0xC7, 0x00, 1, 2, 3), DEC_ENEED);

	/* moffs: the offset has the address size. */
	CHECK_EQ(DEC(L64, &in, 0xA1, 1, 2, 3, 4, 5, 6, 7, 8), 9);
	CHECK_EQ(in.disp, 0x0807060504030201LL);
	CHECK_EQ(in.opsize, 4);
	CHECK_EQ(in.dir, INSN_DIR_LOAD);
	CHECK_EQ(in.reg, GPR_RAX);
	CHECK_EQ(DEC(L64, &in, 0x67, 0xA3, 0x00, 0x03, 0xE0, 0xFE), 6);
	CHECK_EQ(in.disp, 0xFEE00300);
	CHECK_EQ(in.dir, INSN_DIR_STORE);
	CHECK_EQ(DEC(L64, &in, 0x64, 0x48, 0xA2, 1, 2, 3, 4, 5, 6, 7, 8), 11);
	CHECK_EQ(in.seg, SEG_FS);
	CHECK_EQ(in.opsize, 1);
	CHECK_EQ(DEC(P32, &in, 0xA1, 0x00, 0x03, 0xE0, 0xFE), 5);
	CHECK_EQ(DEC(P32, &in, 0x67, 0xA1, 0x34, 0x12), 4);
	CHECK_EQ(in.disp, 0x1234);
	CHECK_EQ(DEC(R16, &in, 0xA0, 0x34, 0x12), 3);
	CHECK_EQ(DEC(R16, &in, 0x67, 0xA0, 1, 2, 3, 4), 6);
	CHECK_EQ(DEC(L64, &in, 0xA1, 1, 2, 3, 4, 5, 6, 7), DEC_ENEED);

	/* movzx */
	CHECK_EQ(DEC(L64, &in, 0x0F, 0xB6, 0x00), 3);
	CHECK_EQ(in.cls, INSN_MOVZX);
	CHECK_EQ(in.memsize, 1);
	CHECK_EQ(in.opsize, 4);
	CHECK_EQ(DEC(L64, &in, 0x48, 0x0F, 0xB7, 0x00), 4);
	CHECK_EQ(in.memsize, 2);
	CHECK_EQ(in.opsize, 8);
	CHECK_EQ(DEC(P32, &in, 0x66, 0x0F, 0xB6, 0x00), 4);
	CHECK_EQ(in.opsize, 2);
}

TEST(decode_alu_forms)
{
	static const struct { uint8_t op; uint8_t cls; uint8_t dir; } t[] = {
		{ 0x08, INSN_OR, INSN_DIR_RMW },   { 0x09, INSN_OR, INSN_DIR_RMW },
		{ 0x0A, INSN_OR, INSN_DIR_LOAD },  { 0x0B, INSN_OR, INSN_DIR_LOAD },
		{ 0x21, INSN_AND, INSN_DIR_RMW },  { 0x23, INSN_AND, INSN_DIR_LOAD },
		{ 0x31, INSN_XOR, INSN_DIR_RMW },  { 0x33, INSN_XOR, INSN_DIR_LOAD },
		{ 0x39, INSN_CMP, INSN_DIR_READ }, { 0x3B, INSN_CMP, INSN_DIR_READ },
		{ 0x85, INSN_TEST, INSN_DIR_READ }, { 0x84, INSN_TEST, INSN_DIR_READ },
	};
	struct insn in;

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		CHECK_EQ(dec(L64, &in, (const uint8_t[]){ t[i].op, 0x08 }, 2), 2);
		CHECK_EQ(in.cls, t[i].cls);
		CHECK_EQ(in.dir, t[i].dir);
		CHECK_EQ(in.opsize, (t[i].op & 1) ? 4 : 1);
		CHECK(!in.has_imm);
	}
	/* Opcodes next to ours are not ours. */
	CHECK_EQ(DEC(L64, &in, 0x0C, 0x08), DEC_EUNSUPPORTED);   /* or al, ib */
	CHECK_EQ(DEC(L64, &in, 0x01, 0x08), DEC_EUNSUPPORTED);   /* add */
	CHECK_EQ(DEC(L64, &in, 0x29, 0x08), DEC_EUNSUPPORTED);   /* sub */

	/* Group 1: /1 or, /4 and, /6 xor, /7 cmp. */
	CHECK_EQ(DEC(L64, &in, 0x81, 0x08, 1, 2, 3, 4), 6);
	CHECK_EQ(in.cls, INSN_OR);
	CHECK_EQ(in.dir, INSN_DIR_RMW);
	CHECK_EQ(in.imm, 0x04030201);
	CHECK_EQ(DEC(L64, &in, 0x83, 0x20, 0xF0), 3);
	CHECK_EQ(in.cls, INSN_AND);
	CHECK_EQ(in.imm, 0xFFFFFFF0);
	CHECK_EQ(DEC(L64, &in, 0x48, 0x83, 0x20, 0xF0), 4);
	CHECK_EQ(in.imm, 0xFFFFFFFFFFFFFFF0ULL);
	CHECK_EQ(DEC(L64, &in, 0x66, 0x81, 0x30, 1, 2), 5);
	CHECK_EQ(in.cls, INSN_XOR);
	CHECK_EQ(in.opsize, 2);
	CHECK_EQ(DEC(L64, &in, 0x80, 0x38, 0x80), 3);
	CHECK_EQ(in.cls, INSN_CMP);
	CHECK_EQ(in.dir, INSN_DIR_READ);
	CHECK_EQ(in.imm, 0x80);
	CHECK_EQ(DEC(L64, &in, 0x81, 0x00, 1, 2, 3, 4), DEC_EUNSUPPORTED);
	CHECK_EQ(DEC(L64, &in, 0x83, 0x28, 1), DEC_EUNSUPPORTED);
	CHECK_EQ(DEC(R16, &in, 0x81, 0x0F, 1, 2), 4);          /* [bx], iw */

	/* LOCK only on a read-modify-write of memory. */
	CHECK_EQ(DEC(L64, &in, 0xF0, 0x09, 0x08), 3);
	CHECK(in.lock);
	CHECK_EQ(DEC(L64, &in, 0xF0, 0x83, 0x08, 1), 4);
	CHECK_EQ(DEC(L64, &in, 0xF0, 0x89, 0x08), DEC_EINVAL);
	CHECK_EQ(DEC(L64, &in, 0xF0, 0x0B, 0x08), DEC_EINVAL);
	CHECK_EQ(DEC(L64, &in, 0xF0, 0x09, 0xC8), DEC_EINVAL);
	CHECK_EQ(DEC(L64, &in, 0xF0, 0x83, 0x38, 1), DEC_EINVAL);
}

/*
 * tests/unit/test_decode_modrm.c - ModRM/SIB/displacement edge cases,
 * segment defaults and overrides, the 15-byte limit, truncated input, and
 * insn_mem_address / insn_next_rip.
 */
#include "test.h"

#include "decode/decode.h"

#define BYTES(...) ((const uint8_t[]){ __VA_ARGS__ })
#define NBYTES(...) sizeof((const uint8_t[]){ __VA_ARGS__ })
#define DEC(m, in, ...) dec(m, in, BYTES(__VA_ARGS__), NBYTES(__VA_ARGS__))

enum { R16 = CPU_MODE_REAL16, P16 = CPU_MODE_PROT16, P32 = CPU_MODE_PROT32,
       L64 = CPU_MODE_LONG64 };

static int dec(int mode, struct insn *in, const uint8_t *b, size_t n)
{
	return decode_insn(b, n, (enum cpu_mode)mode, mode == P32, in);
}

static void regs_init(struct guest_regs_view *r)
{
	memset(r, 0, sizeof(*r));
	for (int i = 0; i < 16; i++)
		r->gpr[i] = 0x1000ULL * (i + 1);   /* rax 0x1000, rcx 0x2000.. */
	r->seg_base[SEG_DS] = 0x100000;
	r->seg_base[SEG_SS] = 0x200000;
	r->seg_base[SEG_ES] = 0x300000;
	r->seg_base[SEG_CS] = 0x400000;
	r->seg_base[SEG_FS] = 0x7000000000ULL;
	r->seg_base[SEG_GS] = 0x8000000000ULL;
}

TEST(modrm_32_64_forms)
{
	struct insn in;

	/* mod 00 rm 101: RIP-relative in 64-bit mode, disp32 otherwise. */
	CHECK_EQ(DEC(L64, &in, 0x8B, 0x05, 0x10, 0, 0, 0), 6);
	CHECK(in.rip_rel);
	CHECK_EQ(in.base, GPR_NONE);
	CHECK_EQ(in.disp, 0x10);
	CHECK_EQ(DEC(P32, &in, 0x8B, 0x05, 0x10, 0, 0, 0x80), 6);
	CHECK(!in.rip_rel);
	CHECK_EQ(in.base, GPR_NONE);
	CHECK_EQ(in.disp, (int64_t)(int32_t)0x80000010);
	/* SIB with base 101 and mod 00: no base, disp32; index 100: none. */
	CHECK_EQ(DEC(L64, &in, 0x8B, 0x04, 0x25, 0, 0x03, 0xE0, 0xFE), 7);
	CHECK(!in.rip_rel);
	CHECK_EQ(in.base, GPR_NONE);
	CHECK_EQ(in.index, GPR_NONE);
	CHECK_EQ(in.disp, (int64_t)(int32_t)0xFEE00300);
	CHECK_EQ(DEC(P32, &in, 0x8B, 0x04, 0x8D, 0, 0x10, 0, 0), 7);
	CHECK_EQ(in.base, GPR_NONE);
	CHECK_EQ(in.index, GPR_RCX);
	CHECK_EQ(in.scale, 4);
	CHECK_EQ(in.seg, SEG_DS);
	CHECK_EQ(DEC(P32, &in, 0x8B, 0x04, 0x20), 3);          /* [eax] */
	CHECK_EQ(in.base, GPR_RAX);
	CHECK_EQ(in.index, GPR_NONE);
	/* REX.X makes index 100 R12; REX.B with base 101, mod 00: no base. */
	CHECK_EQ(DEC(L64, &in, 0x42, 0x8B, 0x04, 0x20), 4);
	CHECK_EQ(in.index, GPR_R12);
	CHECK_EQ(DEC(L64, &in, 0x41, 0x8B, 0x04, 0x25, 1, 0, 0, 0), 8);
	CHECK_EQ(in.base, GPR_NONE);
	CHECK_EQ(DEC(L64, &in, 0x41, 0x8B, 0x45, 0x00), 4);    /* [r13+0] */
	CHECK_EQ(in.base, GPR_R13);
	CHECK_EQ(in.seg, SEG_DS);                              /* not SS */
	CHECK_EQ(DEC(L64, &in, 0x41, 0x8B, 0x04, 0x24), 4);    /* [r12] */
	CHECK_EQ(in.base, GPR_R12);
	CHECK_EQ(in.seg, SEG_DS);
	/* rSP and rBP bases default to SS. */
	CHECK_EQ(DEC(P32, &in, 0x8B, 0x04, 0x24), 3);
	CHECK_EQ(in.seg, SEG_SS);
	CHECK_EQ(DEC(P32, &in, 0x8B, 0x45, 0xF8), 3);          /* [ebp-8] */
	CHECK_EQ(in.seg, SEG_SS);
	CHECK_EQ(in.disp, -8);
	CHECK_EQ(DEC(P32, &in, 0x8B, 0x44, 0x8D, 0x10), 4);    /* [ebp+ecx*4+16] */
	CHECK_EQ(in.base, GPR_RBP);
	CHECK_EQ(in.index, GPR_RCX);
	CHECK_EQ(in.seg, SEG_SS);
	CHECK_EQ(DEC(P32, &in, 0x8B, 0x84, 0xC8, 1, 2, 3, 4), 7);
	CHECK_EQ(in.scale, 8);
	CHECK_EQ(in.disp, 0x04030201);
	CHECK_EQ(DEC(P32, &in, 0x3E, 0x8B, 0x45, 0x00), 4);    /* ds:[ebp] */
	CHECK_EQ(in.seg, SEG_DS);
}

TEST(modrm_16bit_forms)
{
	struct insn in;

	CHECK_EQ(DEC(R16, &in, 0x8B, 0x00), 2);                /* [bx+si] */
	CHECK_EQ(in.base, GPR_RBX);
	CHECK_EQ(in.index, GPR_RSI);
	CHECK_EQ(in.seg, SEG_DS);
	CHECK_EQ(DEC(R16, &in, 0x8B, 0x02), 2);                /* [bp+si] */
	CHECK_EQ(in.base, GPR_RBP);
	CHECK_EQ(in.seg, SEG_SS);
	CHECK_EQ(DEC(R16, &in, 0x8B, 0x06, 0x34, 0x12), 4);    /* [0x1234] */
	CHECK_EQ(in.base, GPR_NONE);
	CHECK_EQ(in.disp, 0x1234);
	CHECK_EQ(in.seg, SEG_DS);
	CHECK_EQ(DEC(R16, &in, 0x8B, 0x46, 0x00), 3);          /* [bp+0] */
	CHECK_EQ(in.base, GPR_RBP);
	CHECK_EQ(in.seg, SEG_SS);
	CHECK_EQ(DEC(R16, &in, 0x8B, 0x83, 0xFE, 0xFF), 4);    /* [bp+di-2] */
	CHECK_EQ(in.index, GPR_RDI);
	CHECK_EQ(in.disp, -2);
	CHECK_EQ(DEC(R16, &in, 0x8B, 0x04), 2);                /* [si] */
	CHECK_EQ(in.base, GPR_RSI);
	CHECK_EQ(in.index, GPR_NONE);
	CHECK_EQ(DEC(R16, &in, 0x26, 0x8B, 0x47, 0x80), 4);    /* es:[bx-128] */
	CHECK_EQ(in.seg, SEG_ES);
	CHECK_EQ(in.disp, -128);
	/* 0x67 in a 32-bit segment selects 16-bit addressing and back. */
	CHECK_EQ(DEC(P32, &in, 0x67, 0x8B, 0x06, 0x00, 0x10), 5);
	CHECK_EQ(in.addrsize, 2);
	CHECK_EQ(DEC(R16, &in, 0x67, 0x8B, 0x04, 0x24), 4);    /* [esp] */
	CHECK_EQ(in.addrsize, 4);
	CHECK_EQ(in.seg, SEG_SS);
	/* A big real-mode CS (cs_d = 1) decodes as 32-bit. */
	CHECK_EQ(decode_insn(BYTES(0x8B, 0x04, 0x24), 3, CPU_MODE_REAL16, true,
			     &in), 3);
	CHECK_EQ(in.addrsize, 4);
	CHECK_EQ(in.opsize, 4);
}

TEST(prefix_segments_and_limits)
{
	static const uint8_t segp[6] = { 0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65 };
	uint8_t b[20];
	struct insn in;

	for (int i = 0; i < 6; i++) {
		CHECK_EQ(dec(P32, &in, (const uint8_t[]){ segp[i], 0x8B, 0x00 }, 3), 3);
		CHECK_EQ(in.seg, i);
		CHECK_EQ(dec(L64, &in, (const uint8_t[]){ segp[i], 0x8B, 0x00 }, 3), 3);
		/* 64-bit mode ignores ES, CS, SS, DS overrides. */
		CHECK_EQ(in.seg, i >= SEG_FS ? i : SEG_DS);
	}
	CHECK_EQ(DEC(P32, &in, 0x64, 0x26, 0x8B, 0x00), 4);    /* last wins */
	CHECK_EQ(in.seg, SEG_ES);
	CHECK_EQ(DEC(L64, &in, 0x64, 0x26, 0x8B, 0x00), 4);
	CHECK_EQ(in.seg, SEG_FS);

	/* 13 prefixes + CPUID = 15 bytes: fine; 14 + CPUID: too long. */
	memset(b, 0x66, sizeof(b));
	b[13] = 0x0F;
	b[14] = 0xA2;
	CHECK_EQ(dec(L64, &in, b, 15), 15);
	CHECK_EQ(in.cls, INSN_CPUID);
	memset(b, 0x3E, sizeof(b));
	b[14] = 0x0F;
	b[15] = 0xA2;
	CHECK_EQ(dec(L64, &in, b, 16), DEC_ETOOLONG);
	CHECK_EQ(dec(P32, &in, b, 16), DEC_ETOOLONG);
	memset(b, 0xF3, sizeof(b));
	CHECK_EQ(dec(P32, &in, b, sizeof(b)), DEC_ETOOLONG);
	CHECK_EQ(dec(P32, &in, b, 10), DEC_ENEED);  /* could still be valid */
	/* A full-length memory form: 3 prefixes + REX + C7 84 SIB d32 i32. */
	CHECK_EQ(DEC(L64, &in, 0x66, 0x67, 0x2E, 0x48, 0xC7, 0x84, 0x24,
		     1, 2, 3, 4, 5, 6, 7, 8), 15);
	CHECK_EQ(DEC(L64, &in, 0x66, 0x66, 0x67, 0x2E, 0x48, 0xC7, 0x84,
		     0x24, 1, 2, 3, 4, 5, 6, 7, 8), DEC_ETOOLONG);
}

TEST(truncated_and_bad_args)
{
	static const uint8_t full[] = { 0x66, 0x48, 0xC7, 0x84, 0x24, 1, 2, 3,
					4, 5, 6, 7, 8 };
	struct insn in;

	CHECK_EQ(dec(L64, &in, full, sizeof(full)), (int)sizeof(full));
	for (size_t n = 0; n < sizeof(full); n++)
		CHECK_EQ(dec(L64, &in, full, n), DEC_ENEED);
	CHECK_EQ(DEC(L64, &in, 0x0F), DEC_ENEED);
	CHECK_EQ(DEC(L64, &in, 0x0F, 0x01), DEC_ENEED);
	CHECK_EQ(DEC(L64, &in, 0x8B, 0x04), DEC_ENEED);
	CHECK_EQ(decode_insn(full, sizeof(full), CPU_MODE_PROT16, true, &in),
		 DEC_EINVAL);
	CHECK_EQ(decode_insn(full, sizeof(full), CPU_MODE_PROT32, false, &in),
		 DEC_EINVAL);
	CHECK_EQ(decode_insn(full, sizeof(full), (enum cpu_mode)7, false, &in),
		 DEC_EINVAL);
	CHECK_EQ(decode_insn(NULL, 0, CPU_MODE_LONG64, false, &in), DEC_EINVAL);
	CHECK_EQ(decode_insn(full, 1, CPU_MODE_LONG64, false, NULL), DEC_EINVAL);
	CHECK_STR(decode_strerror(DEC_ETOOLONG), "instruction longer than 15 bytes");
	CHECK_STR(decode_strerror(-100), "unknown status");
	CHECK_STR(insn_class_name(INSN_VMMCALL), "vmmcall");
	CHECK_STR(insn_class_name((enum insn_class)200), "?");
}

TEST(mem_address)
{
	struct guest_regs_view r;
	struct insn in;
	uint64_t la;

	regs_init(&r);
	/* RIP-relative uses the next RIP. */
	r.rip = 0xFFFFFFFF80001000ULL;
	CHECK_EQ(DEC(L64, &in, 0x8B, 0x05, 0x10, 0, 0, 0), 6);
	CHECK_EQ(insn_mem_address(&in, &r, &la), 0);
	CHECK_EQ(la, 0xFFFFFFFF80001016ULL);
	CHECK_EQ(DEC(L64, &in, 0x8B, 0x05, 0xF0, 0xFF, 0xFF, 0xFF), 6);
	CHECK_EQ(insn_mem_address(&in, &r, &la), 0);
	CHECK_EQ(la, 0xFFFFFFFF80000FF6ULL);
	/* 0x67: the effective address wraps at 32 bits. */
	r.rip = 0xFFFFFFF0;
	CHECK_EQ(DEC(L64, &in, 0x67, 0x8B, 0x05, 0x20, 0, 0, 0), 7);
	CHECK_EQ(insn_mem_address(&in, &r, &la), 0);
	CHECK_EQ(la, 0x17);
	/* 64-bit: only FS and GS bases count. */
	CHECK_EQ(DEC(L64, &in, 0x64, 0x8B, 0x00), 3);
	CHECK_EQ(insn_mem_address(&in, &r, &la), 0);
	CHECK_EQ(la, 0x7000001000ULL);
	CHECK_EQ(DEC(L64, &in, 0x8B, 0x44, 0xC8, 0x10), 4);    /* rax+rcx*8+16 */
	CHECK_EQ(insn_mem_address(&in, &r, &la), 0);
	CHECK_EQ(la, 0x1000 + 0x2000 * 8 + 16);
	CHECK_EQ(DEC(L64, &in, 0x8B, 0x04, 0x24), 3);          /* [rsp], SS */
	CHECK_EQ(insn_mem_address(&in, &r, &la), 0);
	CHECK_EQ(la, 0x5000);
	/* 32-bit: segment base added, result truncated to 32 bits. */
	CHECK_EQ(DEC(P32, &in, 0x8B, 0x45, 0x08), 3);          /* ss:[ebp+8] */
	CHECK_EQ(insn_mem_address(&in, &r, &la), 0);
	CHECK_EQ(la, 0x200000 + 0x6000 + 8);
	r.gpr[GPR_RAX] = 0xFFFFFFF0;
	CHECK_EQ(DEC(P32, &in, 0x8B, 0x00), 2);
	CHECK_EQ(insn_mem_address(&in, &r, &la), 0);
	CHECK_EQ(la, 0xFFFF0);                                 /* wrapped */
	CHECK_EQ(DEC(P32, &in, 0x26, 0xA1, 0x00, 0x03, 0xE0, 0xFE), 6);
	CHECK_EQ(insn_mem_address(&in, &r, &la), 0);
	CHECK_EQ(la, 0xFEE00300 + 0x300000);
	/* 16-bit: the offset wraps at 64 KiB before the base is added. */
	r.gpr[GPR_RBX] = 0x1234FFFF;
	r.gpr[GPR_RSI] = 2;
	CHECK_EQ(DEC(R16, &in, 0x8B, 0x00), 2);                /* [bx+si] */
	CHECK_EQ(insn_mem_address(&in, &r, &la), 0);
	CHECK_EQ(la, 0x100001);
	r.gpr[GPR_RBP] = 0x10;
	r.gpr[GPR_RDI] = 0x20;
	CHECK_EQ(DEC(R16, &in, 0x8B, 0x43, 0xFF), 3);          /* [bp+di-1] */
	CHECK_EQ(insn_mem_address(&in, &r, &la), 0);
	CHECK_EQ(la, 0x200000 + 0x2F);
	CHECK_EQ(DEC(R16, &in, 0x8B, 0xC0), 2);                /* register */
	CHECK_EQ(insn_mem_address(&in, &r, &la), DEC_EINVAL);
}

TEST(next_rip_and_modes)
{
	struct guest_regs_view r;
	struct insn in;
	bool d;

	CHECK_EQ(DEC(R16, &in, 0x0F, 0xA2), 2);
	CHECK_EQ(insn_next_rip(&in, 0xFFFF), 1);
	CHECK_EQ(DEC(P32, &in, 0x0F, 0x01, 0xD9), 3);
	CHECK_EQ(insn_next_rip(&in, 0xFFFFFFFE), 1);
	CHECK_EQ(DEC(L64, &in, 0x0F, 0x01, 0xD9), 3);
	CHECK_EQ(insn_next_rip(&in, 0xFFFFFFFE), 0x100000001ULL);

	CHECK_EQ(cpu_mode_of(0x60000010, 0x1000, 2, 0x9B, &d), CPU_MODE_REAL16);
	CHECK(!d);
	CHECK_EQ(cpu_mode_of(0x11, 0x1000, 2, 0xC9B, &d), CPU_MODE_PROT32);
	CHECK(d);
	CHECK_EQ(cpu_mode_of(0x11, 0x1000, 2, 0x09B, &d), CPU_MODE_PROT16);
	CHECK_EQ(cpu_mode_of(0x80000011, 0x1500, 2, 0xA9B, &d), CPU_MODE_LONG64);
	CHECK(!d);
	CHECK_EQ(cpu_mode_of(0x80000011, 0x1500, 2, 0xC9B, &d), CPU_MODE_PROT32);
	CHECK_EQ(cpu_mode_of(0x80000011, 0x1500, RFLAGS_VM, 0xC9B, &d),
		 CPU_MODE_REAL16);
	CHECK(!d);

	memset(&r, 0, sizeof(r));
	r.seg_base[SEG_CS] = 0xF0000;
	r.rip = 0x1234FFF0;
	CHECK_EQ(insn_fetch_linear(&r, CPU_MODE_REAL16, false), 0xFFFF0);
	r.seg_base[SEG_CS] = 0xFFFF0000;
	r.rip = 0x20000;
	CHECK_EQ(insn_fetch_linear(&r, CPU_MODE_PROT32, true), 0x10000);
	r.rip = 0xFFFFFFFF80000000ULL;
	CHECK_EQ(insn_fetch_linear(&r, CPU_MODE_LONG64, false), r.rip);
}

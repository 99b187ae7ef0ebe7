/*
 * tests/unit/test_decode_emul.c - insn_emulate_mmio: loads, stores,
 * movzx, or/and/xor read-modify-write, test/cmp flags, partial-register
 * rules, callback failures leaving the registers untouched.
 */
#include "test.h"

#include "decode/decode.h"

#define BYTES(...) ((const uint8_t[]){ __VA_ARGS__ })
#define NBYTES(...) sizeof((const uint8_t[]){ __VA_ARGS__ })

/* A fake device: one 64-bit register, a log of the last access. */
struct dev {
	uint64_t val;
	uint64_t last_gpa;
	unsigned reads, writes, last_size;
	bool fail_read, fail_write;
};

static int dev_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
	struct dev *d = ctx;

	if (d->fail_read)
		return -1;
	d->reads++;
	d->last_gpa = gpa;
	d->last_size = size;
	*val = d->val;          /* deliberately unmasked: emulate masks */
	return 0;
}

static int dev_write(void *ctx, uint64_t gpa, unsigned size, uint64_t val)
{
	struct dev *d = ctx;

	if (d->fail_write)
		return -1;
	d->writes++;
	d->last_gpa = gpa;
	d->last_size = size;
	d->val = val;
	return 0;
}

static const struct mmio_ops ops = { dev_read, dev_write };

/* Decode bytes in mode and emulate at GPA 0xFEE00300 on regs and d. */
static int emu(enum cpu_mode mode, const uint8_t *b, size_t n,
	       struct guest_regs_view *r, struct dev *d)
{
	struct insn in;
	int len = decode_insn(b, n, mode, mode == CPU_MODE_PROT32, &in);

	if (len != (int)n)
		return len < 0 ? len : -100;
	return insn_emulate_mmio(&in, r, 0xFEE00300, &ops, d);
}
#define EMU(mode, r, d, ...) \
	emu(mode, BYTES(__VA_ARGS__), NBYTES(__VA_ARGS__), r, d)

static void setup(struct guest_regs_view *r, struct dev *d)
{
	memset(r, 0, sizeof(*r));
	memset(d, 0, sizeof(*d));
	for (int i = 0; i < 16; i++)
		r->gpr[i] = 0x1111111111111111ULL * (uint64_t)(i + 1);
	r->rip = 0x1000;
	r->rflags = 0x2;
}

TEST(emul_mov_load_partial_registers)
{
	struct guest_regs_view r;
	struct dev d;

	setup(&r, &d);
	d.val = 0xAABBCCDDEEFF1122ULL;
	CHECK_EQ(EMU(CPU_MODE_LONG64, &r, &d, 0x8B, 0x08), 0);   /* ecx */
	CHECK_EQ(r.gpr[GPR_RCX], 0xEEFF1122);                    /* zero-ext */
	CHECK_EQ(d.last_size, 4);
	CHECK_EQ(d.last_gpa, 0xFEE00300);
	CHECK_EQ(r.rip, 0x1002);
	CHECK_EQ(EMU(CPU_MODE_LONG64, &r, &d, 0x66, 0x8B, 0x10), 0); /* dx */
	CHECK_EQ(r.gpr[GPR_RDX], 0x3333333333331122ULL);
	CHECK_EQ(EMU(CPU_MODE_LONG64, &r, &d, 0x8A, 0x20), 0);   /* ah */
	CHECK_EQ(r.gpr[GPR_RAX], 0x1111111111112211ULL);
	CHECK_EQ(d.last_size, 1);
	CHECK_EQ(EMU(CPU_MODE_LONG64, &r, &d, 0x40, 0x8A, 0x20), 0); /* spl */
	CHECK_EQ(r.gpr[GPR_RSP], 0x5555555555555522ULL);
	CHECK_EQ(EMU(CPU_MODE_LONG64, &r, &d, 0x8A, 0x3B), 0);   /* bh */
	CHECK_EQ(r.gpr[GPR_RBX], 0x4444444444442244ULL);
	CHECK_EQ(EMU(CPU_MODE_LONG64, &r, &d, 0x4C, 0x8B, 0x38), 0); /* r15 */
	CHECK_EQ(r.gpr[GPR_R15], 0xAABBCCDDEEFF1122ULL);
	CHECK_EQ(d.last_size, 8);
	CHECK_EQ(EMU(CPU_MODE_LONG64, &r, &d, 0x44, 0x8A, 0x00), 0); /* r8b */
	CHECK_EQ(r.gpr[GPR_R8], 0x9999999999999922ULL);
	CHECK_EQ(EMU(CPU_MODE_LONG64, &r, &d, 0xA1, 0, 3, 0xE0, 0xFE, 0, 0, 0,
		     0), 0);                                     /* eax, moffs */
	CHECK_EQ(r.gpr[GPR_RAX], 0xEEFF1122);
	CHECK_EQ(r.rflags, 0x2);                                 /* untouched */
	/* 16-bit code: IP wraps. */
	r.rip = 0xFFFF;
	CHECK_EQ(EMU(CPU_MODE_REAL16, &r, &d, 0x8B, 0x07), 0);   /* ax, [bx] */
	CHECK_EQ(r.gpr[GPR_RAX] & 0xFFFF, 0x1122);
	CHECK_EQ(r.rip, 1);
}

TEST(emul_mov_store)
{
	struct guest_regs_view r;
	struct dev d;

	setup(&r, &d);
	CHECK_EQ(EMU(CPU_MODE_LONG64, &r, &d, 0x89, 0x08), 0);
	CHECK_EQ(d.val, 0x22222222);
	CHECK_EQ(d.last_size, 4);
	CHECK_EQ(d.reads, 0);
	CHECK_EQ(EMU(CPU_MODE_LONG64, &r, &d, 0x88, 0x28), 0);   /* ch */
	CHECK_EQ(d.val, 0x22);
	r.gpr[GPR_RCX] = 0x1234;
	CHECK_EQ(EMU(CPU_MODE_LONG64, &r, &d, 0x88, 0x28), 0);
	CHECK_EQ(d.val, 0x12);
	CHECK_EQ(EMU(CPU_MODE_LONG64, &r, &d, 0x40, 0x88, 0x28), 0); /* bpl */
	CHECK_EQ(d.val, 0x66);
	CHECK_EQ(EMU(CPU_MODE_LONG64, &r, &d, 0x48, 0xC7, 0x00, 0xFE, 0xFF,
		     0xFF, 0xFF), 0);
	CHECK_EQ(d.val, 0xFFFFFFFFFFFFFFFEULL);
	CHECK_EQ(d.last_size, 8);
	CHECK_EQ(EMU(CPU_MODE_PROT32, &r, &d, 0x66, 0xC7, 0x00, 0x34, 0x12), 0);
	CHECK_EQ(d.val, 0x1234);
	CHECK_EQ(d.last_size, 2);
	CHECK_EQ(EMU(CPU_MODE_PROT32, &r, &d, 0xC6, 0x00, 0x80), 0);
	CHECK_EQ(d.val, 0x80);
	CHECK_EQ(EMU(CPU_MODE_PROT32, &r, &d, 0xA3, 0, 3, 0xE0, 0xFE), 0);
	CHECK_EQ(d.val, 0x11111111);
	CHECK_EQ(r.gpr[GPR_RCX], 0x1234);                        /* unchanged */
}

TEST(emul_movzx)
{
	struct guest_regs_view r;
	struct dev d;

	setup(&r, &d);
	d.val = 0x89ABCDEF;
	CHECK_EQ(EMU(CPU_MODE_LONG64, &r, &d, 0x0F, 0xB6, 0x08), 0);
	CHECK_EQ(r.gpr[GPR_RCX], 0xEF);
	CHECK_EQ(d.last_size, 1);
	CHECK_EQ(EMU(CPU_MODE_LONG64, &r, &d, 0x48, 0x0F, 0xB7, 0x10), 0);
	CHECK_EQ(r.gpr[GPR_RDX], 0xCDEF);
	CHECK_EQ(d.last_size, 2);
	CHECK_EQ(EMU(CPU_MODE_LONG64, &r, &d, 0x66, 0x0F, 0xB6, 0x18), 0);
	CHECK_EQ(r.gpr[GPR_RBX], 0x44444444444400EFULL);
	CHECK_EQ(EMU(CPU_MODE_LONG64, &r, &d, 0x0F, 0xB6, 0xC8), DEC_EUNSUPPORTED);
}

TEST(emul_or_and_xor)
{
	struct guest_regs_view r;
	struct dev d;

	setup(&r, &d);
	d.val = 0x100;
	CHECK_EQ(EMU(CPU_MODE_LONG64, &r, &d, 0x83, 0x08, 0x01), 0); /* or 1 */
	CHECK_EQ(d.val, 0x101);
	CHECK_EQ(d.reads, 1);
	CHECK_EQ(d.writes, 1);
	CHECK_EQ(r.rflags, 0x2);                     /* PF: 0x01 is odd */
	CHECK_EQ(EMU(CPU_MODE_LONG64, &r, &d, 0x81, 0x20, 0, 0, 0, 0), 0);
	CHECK_EQ(d.val, 0);                          /* and 0 */
	CHECK_EQ(r.rflags, 0x2 | RFLAGS_ZF | RFLAGS_PF);
	d.val = 0x0F;
	r.rflags = 0x2 | RFLAGS_CF | RFLAGS_OF;
	CHECK_EQ(EMU(CPU_MODE_LONG64, &r, &d, 0x83, 0x20, 0xF3), 0);
	CHECK_EQ(d.val, 0x03);                       /* and 0xFFFFFFF3 */
	CHECK_EQ(r.rflags, 0x2 | RFLAGS_PF);         /* CF, OF cleared */
	d.val = 0x80000000;
	CHECK_EQ(EMU(CPU_MODE_LONG64, &r, &d, 0x09, 0x08), 0);   /* or ecx */
	CHECK_EQ(d.val, 0xA2222222);
	CHECK_EQ(r.rflags & RFLAGS_SF, RFLAGS_SF);
	/* load form: the register is the destination */
	d.val = 0xF0;
	CHECK_EQ(EMU(CPU_MODE_LONG64, &r, &d, 0x23, 0x10), 0);   /* and edx */
	CHECK_EQ(r.gpr[GPR_RDX], 0x30);              /* zero-extended */
	CHECK_EQ(d.writes, 4);
	CHECK_EQ(EMU(CPU_MODE_LONG64, &r, &d, 0x0A, 0x20), 0);   /* or ah */
	CHECK_EQ(r.gpr[GPR_RAX], 0x111111111111F111ULL);
	CHECK_EQ(r.rflags, 0x2 | RFLAGS_SF);         /* 0xF1: odd parity */
	d.val = 0xFFFF;
	CHECK_EQ(EMU(CPU_MODE_LONG64, &r, &d, 0x66, 0x31, 0x18), 0); /* xor bx */
	CHECK_EQ(d.val, 0xFFFF ^ 0x4444);
	CHECK_EQ(d.last_size, 2);
	CHECK_EQ(EMU(CPU_MODE_LONG64, &r, &d, 0xF0, 0x48, 0x09, 0x08), 0);
	CHECK_EQ(d.last_size, 8);
	CHECK_EQ(d.val, (0xFFFFULL ^ 0x4444) | 0x2222222222222222ULL);
}

TEST(emul_test_cmp_flags)
{
	struct guest_regs_view r;
	struct dev d;

	setup(&r, &d);
	d.val = 0x0F;
	r.gpr[GPR_RCX] = 0xF0;
	CHECK_EQ(EMU(CPU_MODE_PROT32, &r, &d, 0x85, 0x08), 0);
	CHECK_EQ(r.rflags, 0x2 | RFLAGS_ZF | RFLAGS_PF);
	CHECK_EQ(d.writes, 0);
	/* cmp [m], ecx: 0x0F - 0xF0 borrows: CF, SF */
	CHECK_EQ(EMU(CPU_MODE_PROT32, &r, &d, 0x39, 0x08), 0);
	CHECK_EQ(r.rflags, 0x2 | RFLAGS_CF | RFLAGS_SF);   /* 0xFFFFFF1F */
	/* cmp ecx, [m]: 0xF0 - 0x0F = 0xE1: no borrow, AF (0 - F), PF */
	CHECK_EQ(EMU(CPU_MODE_PROT32, &r, &d, 0x3B, 0x08), 0);
	CHECK_EQ(r.rflags, 0x2 | RFLAGS_AF | RFLAGS_PF);
	/* cmp byte [m], 0x80: 0x0F - 0x80 = 0x8F: CF, OF, SF */
	CHECK_EQ(EMU(CPU_MODE_PROT32, &r, &d, 0x80, 0x38, 0x80), 0);
	CHECK_EQ(r.rflags, 0x2 | RFLAGS_CF | RFLAGS_OF | RFLAGS_SF);
	/* equal: ZF PF */
	d.val = 5;
	CHECK_EQ(EMU(CPU_MODE_PROT32, &r, &d, 0x83, 0x38, 0x05), 0);
	CHECK_EQ(r.rflags, 0x2 | RFLAGS_ZF | RFLAGS_PF);
	CHECK_EQ(d.val, 5);
	CHECK_EQ(d.writes, 0);
}

TEST(emul_failures_leave_state)
{
	struct guest_regs_view r, saved;
	struct dev d;
	struct insn in;

	setup(&r, &d);
	saved = r;
	d.fail_read = true;
	CHECK_EQ(EMU(CPU_MODE_LONG64, &r, &d, 0x8B, 0x08), DEC_EMMIO);
	CHECK(memcmp(&r, &saved, sizeof(r)) == 0);
	d.fail_read = false;
	d.fail_write = true;
	CHECK_EQ(EMU(CPU_MODE_LONG64, &r, &d, 0x09, 0x08), DEC_EMMIO);
	CHECK(memcmp(&r, &saved, sizeof(r)) == 0);
	CHECK_EQ(EMU(CPU_MODE_LONG64, &r, &d, 0x89, 0x08), DEC_EMMIO);
	CHECK(memcmp(&r, &saved, sizeof(r)) == 0);
	d.fail_write = false;
	d.reads = d.writes = 0;
	/* No memory operand, or not a data form: refused before any access. */
	CHECK_EQ(EMU(CPU_MODE_LONG64, &r, &d, 0x89, 0xC8), DEC_EUNSUPPORTED);
	CHECK_EQ(EMU(CPU_MODE_LONG64, &r, &d, 0x0F, 0x01, 0x38),
		 DEC_EUNSUPPORTED);
	CHECK_EQ(EMU(CPU_MODE_LONG64, &r, &d, 0x0F, 0xA2), DEC_EUNSUPPORTED);
	CHECK_EQ(d.reads + d.writes, 0);
	CHECK(memcmp(&r, &saved, sizeof(r)) == 0);
	CHECK_EQ(decode_insn(BYTES(0x89, 0x08), 2, CPU_MODE_LONG64, false, &in), 2);
	CHECK_EQ(insn_emulate_mmio(&in, &r, 0, NULL, &d), DEC_EINVAL);
	in.reg = 77;                                  /* corrupted: refused */
	CHECK_EQ(insn_emulate_mmio(&in, &r, 0, &ops, &d), DEC_EUNSUPPORTED);
}

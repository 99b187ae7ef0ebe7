/*
 * tests/unit/test_decode_follow.c - insn_follow_in: the set-up
 * instructions and the IN that follow a configuration address write
 * (Linux's own sequences, byte for byte), near misses left to the guest
 * with the registers untouched, cut-short bytes, the port window.
 */
#include "test.h"

#include "decode/decode.h"

#define BYTES(...) ((const uint8_t[]){ __VA_ARGS__ })
#define NBYTES(...) sizeof((const uint8_t[]){ __VA_ARGS__ })
#define FOLLOW(r, sz, port, ...) \
	insn_follow_in(BYTES(__VA_ARGS__), NBYTES(__VA_ARGS__), r, 0xCFC, \
		       0xD00, sz, port)

static void setup(struct guest_regs_view *r)
{
	memset(r, 0, sizeof(*r));
	for (int i = 0; i < 16; i++)
		r->gpr[i] = 0x1111111111111111ULL * (uint64_t)(i + 1);
	r->rip = 0x1000;
	r->rflags = 0x2;
}

static bool same(const struct guest_regs_view *a, const struct guest_regs_view *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

TEST(follow_linux_read_pci_config)
{
	struct guest_regs_view r;
	unsigned size = 0;
	uint16_t port = 0;

	/* read_pci_config: mov $0xcfc,%edx; in (%dx),%eax; then a jmp */
	setup(&r);
	CHECK_EQ(FOLLOW(&r, &size, &port, 0xBA, 0xFC, 0x0C, 0, 0, 0xED, 0xE9), 6);
	CHECK_EQ(size, 4u);
	CHECK_EQ(port, 0xCFC);
	CHECK_EQ(r.gpr[GPR_RDX], 0xCFCull);     /* zero-extended */
	CHECK_EQ(r.rip, 0x1006ull);
	CHECK_EQ(r.rflags, 0x2ull);
	insn_in_result(&r, size, 0x29C08086u);
	CHECK_EQ(r.gpr[GPR_RAX], 0x29C08086ull);
}

TEST(follow_linux_read_pci_config_16_and_8)
{
	struct guest_regs_view r;
	unsigned size = 0;
	uint16_t port = 0;

	/* read_pci_config_16: and $0x2,%ecx; lea 0xcfc(%rcx),%edx; in %ax */
	setup(&r);
	r.gpr[GPR_RCX] = 0xFFFFFFFF00000003ULL;
	CHECK_EQ(FOLLOW(&r, &size, &port, 0x83, 0xE1, 0x02,
			0x8D, 0x91, 0xFC, 0x0C, 0, 0, 0x66, 0xED), 11);
	CHECK_EQ(size, 2u);
	CHECK_EQ(port, 0xCFE);
	CHECK_EQ(r.gpr[GPR_RCX], 2ull);
	CHECK_EQ(r.gpr[GPR_RDX], 0xCFEull);
	CHECK_EQ(r.rflags & (RFLAGS_ZF | RFLAGS_SF | RFLAGS_CF | RFLAGS_OF), 0ull);
	insn_in_result(&r, size, 0x29C0);
	CHECK_EQ(r.gpr[GPR_RAX], 0x11111111111129C0ull);   /* AX only */

	/* read_pci_config_byte: and $0x3,%ecx; lea 0xcfc(%rcx),%edx (disp8
	 * form too); in %al. AND to zero sets ZF and PF. */
	setup(&r);
	r.gpr[GPR_RCX] = 4;
	r.rflags |= RFLAGS_CF | RFLAGS_OF;
	CHECK_EQ(FOLLOW(&r, &size, &port, 0x83, 0xE1, 0x03,
			0x8D, 0x91, 0xFC, 0x0C, 0, 0, 0xEC), 10);
	CHECK_EQ(size, 1u);
	CHECK_EQ(port, 0xCFC);
	CHECK_EQ(r.rflags, 0x2ull | RFLAGS_ZF | RFLAGS_PF);
	insn_in_result(&r, size, 0x86);
	CHECK_EQ(r.gpr[GPR_RAX], 0x1111111111111186ull);

	/* lea 0x7(%rsi),%edx with rsi = 0xcf5; mov %esi,%edx first */
	setup(&r);
	r.gpr[GPR_RSI] = 0xABCD00000CF5ULL;
	CHECK_EQ(FOLLOW(&r, &size, &port, 0x89, 0xF2, 0x8D, 0x56, 0x07, 0xED), 6);
	CHECK_EQ(port, 0xCFC);
	CHECK_EQ(r.gpr[GPR_RDX], 0xCFCull);
}

/* pci_conf1_read of Debian's 6.1 kernel, from the OUT's next byte: the
 * width in R14D picks the branch, the register's low bits are in R12D. */
static const uint8_t conf1_read[] = {
	0x41, 0x83, 0xFE, 0x02, 0x74, 0x27, 0x41, 0x83, 0xFE, 0x04, 0x74, 0x4C,
	0x41, 0x83, 0xFE, 0x01, 0x74, 0x31, 0x48, 0xC7, 0xC7, 0x78, 0x7F, 0x0A,
	0x84, 0xE8, 0xA5, 0xAC, 0x08, 0x00, 0x31, 0xC0, 0x5B, 0x5D, 0x41, 0x5C,
	0x41, 0x5D, 0x41, 0x5E, 0xE9, 0x46, 0x2E, 0x43, 0x00,
	/* +0x2d: len 2 */
	0x41, 0x83, 0xE4, 0x02, 0x41, 0x8D, 0x94, 0x24, 0xFC, 0x0C, 0x00, 0x00,
	0x66, 0xED, 0x0F, 0xB7, 0xC0, 0x89, 0x45, 0x00, 0xEB, 0xCF,
	/* +0x43: len 1 */
	0x41, 0x83, 0xE4, 0x03, 0x41, 0x8D, 0x94, 0x24, 0xFC, 0x0C, 0x00, 0x00,
	0xEC, 0x0F, 0xB6, 0xC0, 0x89, 0x45, 0x00, 0xEB, 0xBA,
	/* +0x58: len 4 */
	0xBA, 0xFC, 0x0C, 0x00, 0x00, 0xED, 0x89, 0x45, 0x00, 0xEB, 0xAF,
};

TEST(follow_linux_pci_conf1_read)
{
	static const struct { uint64_t len, reg; int end; unsigned size;
			      uint16_t port; } c[] = {
		{ 2, 0x02, 0x2d + 14, 2, 0xCFE },
		{ 1, 0x0E, 0x43 + 13, 1, 0xCFE },
		{ 4, 0x08, 0x58 + 6, 4, 0xCFC },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct guest_regs_view r;
		unsigned size = 0;
		uint16_t port = 0;

		setup(&r);
		r.gpr[GPR_R14] = c[i].len;
		r.gpr[GPR_R12] = c[i].reg;
		CHECK_EQ(insn_follow_in(conf1_read, sizeof(conf1_read), &r,
					0xCFC, 0xD00, &size, &port), c[i].end);
		CHECK_EQ(size, c[i].size);
		CHECK_EQ(port, c[i].port);
		CHECK_EQ(r.rip, 0x1000ull + (uint64_t)c[i].end);
		CHECK_EQ(r.gpr[GPR_R14], c[i].len);          /* CMP: flags only */
		CHECK_EQ(r.gpr[GPR_R12], c[i].reg & (c[i].len == 2 ? 2u : c[i].len
						     == 1 ? 3u : ~0u));
		/* ZF from the last CMP that matched (or AND's result) */
		CHECK_EQ(r.gpr[GPR_RDX], (uint64_t)c[i].port);
	}
	/* An unknown width: the error path (a CALL) is the guest's. */
	{
		struct guest_regs_view r, before;
		unsigned size = 0;
		uint16_t port = 0;

		setup(&r);
		r.gpr[GPR_R14] = 3;
		before = r;
		CHECK_EQ(insn_follow_in(conf1_read, sizeof(conf1_read), &r,
					0xCFC, 0xD00, &size, &port),
			 DEC_EUNSUPPORTED);
		CHECK(same(&r, &before));
	}
}

TEST(follow_conditions_and_cmp_flags)
{
	/* cmp $imm8, %eax then jcc +5 over "mov $0xcf8,%edx" (the IN then
	 * reads 0xCF8: refused) to "in (%dx),%eax" with DX = 0xCFC. */
	static const struct { uint32_t a; int8_t imm; uint8_t jcc; bool taken; } c[] = {
		{ 5, 5, 0x74, true },  { 5, 6, 0x74, false },     /* JE */
		{ 5, 6, 0x72, true },  { 6, 5, 0x72, false },     /* JB */
		{ 5, 6, 0x7C, true },  { 0x80000000u, 1, 0x7C, true }, /* JL */
		{ 0x80000000u, 1, 0x70, true }, { 1, 1, 0x70, false }, /* JO */
		{ 1, 2, 0x78, true },  { 3, 2, 0x79, true },      /* JS, JNS */
		{ 3, 3, 0x7A, true },  { 3, 3, 0x7B, false },     /* JP, JNP */
		{ 3, 3, 0x76, true },  { 4, 3, 0x77, true },      /* JBE, JA */
		{ 3, 3, 0x7E, true },  { 4, 3, 0x7F, true },      /* JLE, JG */
		{ 2, 3, 0x7D, false }, { 3, 3, 0x7D, true },      /* JGE */
		{ 0xFFFFFFFFu, -1, 0x75, false }, { 0, -1, 0x73, false }, /* JNE, JAE */
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		uint8_t b[] = { 0x83, 0xF8, (uint8_t)c[i].imm, c[i].jcc, 0x05,
				0xBA, 0xF8, 0x0C, 0x00, 0x00, 0xED };
		struct guest_regs_view r;
		unsigned size;
		uint16_t port;

		setup(&r);
		r.gpr[GPR_RAX] = c[i].a;
		r.gpr[GPR_RDX] = 0xCFC;
		CHECK_EQ(insn_follow_in(b, sizeof(b), &r, 0xCFC, 0xD00, &size,
					&port), c[i].taken ? 11 : DEC_EUNSUPPORTED);
	}
}

TEST(follow_bare_in)
{
	struct guest_regs_view r;
	unsigned size;
	uint16_t port;

	setup(&r);
	r.gpr[GPR_RDX] = 0xFFFF0CFDULL;          /* DX counts, not EDX */
	CHECK_EQ(FOLLOW(&r, &size, &port, 0xEC), 1);
	CHECK_EQ(port, 0xCFD);
	CHECK_EQ(r.rip, 0x1001ull);
}

TEST(follow_refusals_leave_registers)
{
	struct guest_regs_view r, before;
	unsigned size = 7;
	uint16_t port = 7;

	setup(&r);
	before = r;
	/* a port outside the window, an IN wider than what is left of it */
	CHECK_EQ(FOLLOW(&r, &size, &port, 0xBA, 0xF8, 0x0C, 0, 0, 0xED),
		 DEC_EUNSUPPORTED);
	CHECK_EQ(FOLLOW(&r, &size, &port, 0xBA, 0xFD, 0x0C, 0, 0, 0xED),
		 DEC_EUNSUPPORTED);
	/* nine set-up instructions: one too many; a loop on itself */
	CHECK_EQ(FOLLOW(&r, &size, &port, 0x89, 0xF2, 0x89, 0xF2, 0x89, 0xF2,
			0x89, 0xF2, 0x89, 0xF2, 0x89, 0xF2, 0x89, 0xF2, 0x89,
			0xF2, 0xBA, 0xFC, 0x0C, 0, 0, 0xED), DEC_EUNSUPPORTED);
	CHECK_EQ(FOLLOW(&r, &size, &port, 0xEB, 0xFE), DEC_EUNSUPPORTED);
	/* jumps out of the bytes given, forwards and backwards */
	CHECK_EQ(FOLLOW(&r, &size, &port, 0xEB, 0x01, 0xED), DEC_EUNSUPPORTED);
	CHECK_EQ(FOLLOW(&r, &size, &port, 0xEB, 0xFD, 0xED), DEC_EUNSUPPORTED);
	/* REX prefixes, SIB, RIP-relative, memory MOV, OR instead of AND,
	 * IN with an immediate port, OUT, string IN, 66 on something else */
	CHECK_EQ(FOLLOW(&r, &size, &port, 0x48, 0xBA, 0xFC, 0x0C, 0, 0, 0, 0,
			0, 0, 0xED), DEC_EUNSUPPORTED);
	CHECK_EQ(FOLLOW(&r, &size, &port, 0x41, 0xED), DEC_EUNSUPPORTED);
	CHECK_EQ(FOLLOW(&r, &size, &port, 0x41, 0x74, 0x00, 0xED),
		 DEC_EUNSUPPORTED);
	CHECK_EQ(FOLLOW(&r, &size, &port, 0x45, 0x8D, 0x94, 0x64, 0xFC, 0x0C,
			0, 0, 0xED), DEC_EUNSUPPORTED);   /* SIB with an index */
	CHECK_EQ(FOLLOW(&r, &size, &port, 0x8D, 0x94, 0x24, 0xFC, 0x0C, 0, 0,
			0xED), DEC_EUNSUPPORTED);
	CHECK_EQ(FOLLOW(&r, &size, &port, 0x8D, 0x15, 0xFC, 0x0C, 0, 0, 0xED),
		 DEC_EUNSUPPORTED);
	CHECK_EQ(FOLLOW(&r, &size, &port, 0x89, 0x32, 0xED), DEC_EUNSUPPORTED);
	CHECK_EQ(FOLLOW(&r, &size, &port, 0x83, 0xC9, 0x02, 0xED),
		 DEC_EUNSUPPORTED);
	CHECK_EQ(FOLLOW(&r, &size, &port, 0xE5, 0xFC), DEC_EUNSUPPORTED);
	CHECK_EQ(FOLLOW(&r, &size, &port, 0xEF), DEC_EUNSUPPORTED);
	CHECK_EQ(FOLLOW(&r, &size, &port, 0x6D), DEC_EUNSUPPORTED);
	CHECK_EQ(FOLLOW(&r, &size, &port, 0x66, 0xBA, 0xFC, 0x0C, 0xED),
		 DEC_EUNSUPPORTED);
	CHECK_EQ(FOLLOW(&r, &size, &port, 0x8D, 0xD1, 0xED), DEC_EUNSUPPORTED);
	CHECK(same(&r, &before));
	CHECK_EQ(size + port, 14u);              /* outputs untouched too... */
}

TEST(follow_cut_short)
{
	struct guest_regs_view r, before;
	const uint8_t seq[] = { 0x83, 0xE1, 0x02, 0x8D, 0x91, 0xFC, 0x0C, 0, 0,
				0x66, 0xED };
	unsigned size;
	uint16_t port;

	setup(&r);
	r.gpr[GPR_RCX] = 2;
	before = r;
	for (size_t n = 0; n < sizeof(seq); n++) {
		CHECK_EQ(insn_follow_in(seq, n, &r, 0xCFC, 0xD00, &size, &port),
			 DEC_ENEED);
		CHECK(same(&r, &before));
	}
	CHECK_EQ(insn_follow_in(seq, sizeof(seq), &r, 0xCFC, 0xD00, &size,
				&port), 11);
	CHECK_EQ(insn_follow_in(NULL, 4, &r, 0xCFC, 0xD00, &size, &port),
		 DEC_EINVAL);
}

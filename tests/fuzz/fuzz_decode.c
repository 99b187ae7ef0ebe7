/*
 * tests/fuzz/fuzz_decode.c - libFuzzer target for decode/.
 *
 * Input: byte 0 control (CPL, paging mode bits), bytes 1..15 the
 * instruction, the rest register values and guest memory. For every mode:
 * decode, check the length (<= 15, <= what was given, stable when given
 * exactly that many bytes, DEC_ENEED with one byte less) and the fields;
 * compute the operand address, walk fuzzed guest page tables, emulate on a
 * fake register file with checking MMIO callbacks; match the instructions
 * after a configuration address write (insn_follow_in). Any abort is a
 * finding.
 */
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"

#define GMEM 0x4000                     /* fake RAM, GPAs mod 16 KiB */
static uint8_t gmem[GMEM];

/* Every GPA below 4 GiB aliases into gmem, except the pages at 0x2000
 * mod 16 KiB (the "hypervisor hole"). */
static int fz_read_gpa(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	(void)ctx;
	if (len == 0 || len > 0x1000 || (gpa & 0xFFF) + len > 0x1000)
		abort();                        /* contract: within a page */
	if (gpa >= 0x100000000ULL || (gpa & 0x3000) == 0x2000)
		return -1;
	memcpy(buf, gmem + (gpa & (GMEM - 1)), len);
	return 0;
}

struct fz_dev {
	uint64_t val;
	unsigned reads, writes;
	const struct insn *in;
};

static void check_size(const struct fz_dev *d, unsigned size)
{
	if (size != d->in->memsize ||
	    (size != 1 && size != 2 && size != 4 && size != 8))
		abort();
}

static int fz_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
	struct fz_dev *d = ctx;

	check_size(d, size);
	if (d->in->dir == INSN_DIR_STORE || d->reads++)
		abort();                        /* at most one read */
	*val = d->val;
	return (d->val & 0x3F) == 0x3F ? -1 : 0;
}

static int fz_write(void *ctx, uint64_t gpa, unsigned size, uint64_t val)
{
	struct fz_dev *d = ctx;

	check_size(d, size);
	if (d->writes++ || (d->in->dir != INSN_DIR_STORE &&
			    d->in->dir != INSN_DIR_RMW))
		abort();
	if (size < 8 && (val >> (8 * size)))
		abort();                        /* value wider than the access */
	return (d->val & 0x3F) == 0x3E ? -1 : 0;
}

static uint64_t get64(const uint8_t *data, size_t size, size_t off)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < 8; i++)
		v |= (uint64_t)(off + i < size ? data[off + i] : 0) << (8 * i);
	return v;
}

static void check_fields(const struct insn *in, int len, size_t avail)
{
	if (len <= 0 || len > INSN_MAX_LEN || (size_t)len > avail ||
	    in->len != len)
		abort();
	if (in->cls == INSN_NONE || in->cls >= INSN_CLASS_COUNT)
		abort();
	if (in->addrsize != 2 && in->addrsize != 4 && in->addrsize != 8)
		abort();
	if (in->has_mem && ((in->base > GPR_R15 && in->base != GPR_NONE) ||
			    (in->index > GPR_R15 && in->index != GPR_NONE) ||
			    in->seg >= SEG_COUNT || in->index == GPR_RSP))
		abort();
	if (in->has_modrm && (in->reg > 15 || in->rm > 15))
		abort();
	if (in->mode != CPU_MODE_LONG64 && (in->rex || in->addrsize == 8))
		abort();
}

static void exercise(const struct insn *in, const uint8_t *data, size_t size,
		     const struct guest_paging *pg, unsigned cpl)
{
	struct guest_regs_view r, before;
	struct fz_dev dev = { .in = in };
	static const struct mmio_ops ops = { fz_read, fz_write };
	uint64_t la, gpa = 0;
	int rc;

	for (unsigned i = 0; i < 16; i++)
		r.gpr[i] = get64(data, size, 16 + 8 * i);
	r.rip = get64(data, size, 144);
	r.rflags = get64(data, size, 152);
	for (unsigned i = 0; i < SEG_COUNT; i++)
		r.seg_base[i] = get64(data, size, 160 + 8 * i);
	dev.val = get64(data, size, 208);

	rc = insn_mem_address(in, &r, &la);
	if (rc != 0 && (rc != DEC_EINVAL || in->has_mem))
		abort();
	if (rc == 0 && in->mode != CPU_MODE_LONG64 && la > 0xFFFFFFFFULL)
		abort();
	rc = insn_operand_gpa(in, &r, pg, cpl, fz_read_gpa, NULL, &gpa);
	if (rc > 0)
		abort();

	before = r;
	rc = insn_emulate_mmio(in, &r, gpa, &ops, &dev);
	if (rc == DEC_OK) {
		if (r.rip != insn_next_rip(in, before.rip))
			abort();
		if (in->dir == INSN_DIR_READ &&
		    memcmp(r.gpr, before.gpr, sizeof(r.gpr)))
			abort();                    /* test/cmp: flags only */
	} else {
		if (memcmp(&r, &before, sizeof(r)))
			abort();                    /* failure leaves state */
		if (rc != DEC_EMMIO && rc != DEC_EUNSUPPORTED)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct { enum cpu_mode m; bool d; } modes[] = {
		{ CPU_MODE_REAL16, false }, { CPU_MODE_REAL16, true },
		{ CPU_MODE_PROT16, false }, { CPU_MODE_PROT32, true },
		{ CPU_MODE_LONG64, false },
	};
	struct guest_paging pg;
	const uint8_t *code;
	size_t avail;
	uint8_t ctl, buf[32];

	if (size < 2)
		return 0;
	ctl = data[0];
	code = data + 1;
	avail = MIN(size - 1, (size_t)INSN_MAX_LEN);

	/* Guest memory: the input repeated; paging controls from ctl. */
	for (size_t off = 0; off < GMEM; off += MIN(size, GMEM - off))
		memcpy(gmem + off, data, MIN(size, GMEM - off));
	pg.cr0 = CR0_PE | ((ctl & 1) ? CR0_PG : 0) | ((ctl & 2) ? CR0_WP : 0);
	pg.cr4 = ((ctl & 4) ? CR4_PAE : 0) | ((ctl & 8) ? CR4_PSE : 0) |
		 ((ctl & 16) ? CR4_LA57 | CR4_SMEP : 0);
	pg.efer = (ctl & 32) ? EFER_LMA | EFER_LME | EFER_NXE : 0;
	pg.cr3 = get64(data, size, 216);

	for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
		struct insn in, again;
		int len = decode_insn(code, avail, modes[i].m, modes[i].d, &in);

		if (len <= 0) {
			if (len != DEC_ENEED && len != DEC_ETOOLONG &&
			    len != DEC_EUNSUPPORTED && len != DEC_EINVAL)
				abort();
			if (len == DEC_ENEED && avail >= INSN_MAX_LEN)
				abort();
			continue;
		}
		check_fields(&in, len, avail);
		if (decode_insn(code, (size_t)len, modes[i].m, modes[i].d,
				&again) != len || memcmp(&in, &again, sizeof(in)))
			abort();                    /* deterministic, exact fit */
		if (decode_insn(code, (size_t)len - 1, modes[i].m, modes[i].d,
				&again) != DEC_ENEED)
			abort();
		exercise(&in, data, size, &pg, (ctl >> 6) == 3 ? 3 : 0);
	}

	/* The instructions after a configuration address write: a match
	 * takes at most the bytes given, moves RIP by exactly that, reads
	 * inside the window; a refusal changes nothing. */
	{
		struct guest_regs_view r, before;
		size_t n = MIN(size - 1, (size_t)16);
		unsigned sz = 0;
		uint16_t port = 0;
		int rc;

		memset(&r, 0, sizeof(r));
		for (unsigned j = 0; j < 16; j++)
			r.gpr[j] = get64(data, size, 16 + 8 * j);
		r.rip = get64(data, size, 144);
		r.rflags = get64(data, size, 152);
		before = r;
		rc = insn_follow_in(code, n, &r, 0xCFC, 0xD00, &sz, &port);
		if (rc < 0 ? memcmp(&r, &before, sizeof(r)) || sz || port ||
			     (rc != DEC_ENEED && rc != DEC_EUNSUPPORTED) :
			     rc == 0 || (size_t)rc > n ||
			     r.rip != before.rip + (uint64_t)rc ||
			     port < 0xCFC || port + sz > 0xD00 ||
			     (sz != 1 && sz != 2 && sz != 4))
			abort();
		if (rc > 0)
			insn_in_result(&r, sz, (uint32_t)get64(data, size, 160));
	}

	/* Walks and fetches at fuzzed linear addresses. */
	{
		uint64_t la = get64(data, size, 224), gpa;
		unsigned acc = (unsigned)get64(data, size, 232) & 0x16;
		int rc = guest_translate(&pg, la, acc, fz_read_gpa, NULL, &gpa);

		if (rc > 0 || (rc == 0 && !(pg.cr0 & CR0_PG) && gpa > 0xFFFFFFFFULL))
			abort();
		rc = guest_fetch(&pg, la, buf, sizeof(buf), acc, fz_read_gpa, NULL);
		if (rc > 0)
			abort();
	}
	/* The whole NPF path on code fetched from the fuzzed memory. */
	for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
		static const struct mmio_ops ops = { fz_read, fz_write };
		struct guest_view gv = { .pg = pg, .mode = modes[i].m,
					 .cs_d = modes[i].d, .cpl = ctl >> 6,
					 .read_gpa = fz_read_gpa };
		struct guest_regs_view r, before;
		struct insn in;
		struct fz_dev dev = { .in = &in, .val = get64(data, size, 240) };
		int rc;

		memset(&r, 0, sizeof(r));
		for (unsigned j = 0; j < 16; j++)
			r.gpr[j] = get64(data, size, 16 + 8 * j);
		r.rip = get64(data, size, 144);
		before = r;
		/* Decode assists: the input's first bytes as those the CPU
		 * saved at the exit, as many as its last byte's low 4 bits. */
		if (size && (size_t)(data[size - 1] & 0xF) <= size) {
			gv.insn_bytes = data;
			gv.insn_len = data[size - 1] & 0xF;
		}
		rc = insn_mmio_at(&gv, &r, get64(data, size, 248), &ops, &dev,
				  &in);
		if (rc > 0 || (rc != DEC_OK && memcmp(&r, &before, sizeof(r))))
			abort();
	}
	return 0;
}

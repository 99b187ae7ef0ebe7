/*
 * tests/unit/test_guestpt.c - guest_translate / guest_fetch in every paging
 * mode (off, 32-bit with PSE, PAE, 4- and 5-level long mode), permissions,
 * hostile tables (self-references, entries into the hypervisor's hole),
 * page-crossing fetches, insn_fetch_decode and insn_operand_gpa.
 */
#include "test.h"

#include "decode/decode.h"

/* Fake guest-physical memory: 64 pages at GPA 0. GPAs 0x20000-0x2FFFF
 * are "the hypervisor's hole"; anything at or above 0x40000 is not RAM. */
#define GMEM_SIZE 0x40000
#define HOLE_LO   0x20000
#define HOLE_HI   0x30000
static uint8_t gmem[GMEM_SIZE];
static unsigned reads, bad_reads;

static int read_gpa(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	(void)ctx;
	reads++;
	if ((gpa & 0xFFF) + len > 0x1000)
		bad_reads++;                /* the contract: never cross */
	if (gpa >= GMEM_SIZE || len > GMEM_SIZE - gpa)
		return -1;
	if (gpa + len > HOLE_LO && gpa < HOLE_HI)
		return -1;
	memcpy(buf, gmem + gpa, len);
	return 0;
}

static void put64(uint64_t gpa, uint64_t v) { memcpy(gmem + gpa, &v, 8); }
static void put32(uint64_t gpa, uint32_t v) { memcpy(gmem + gpa, &v, 4); }

static int xlate(const struct guest_paging *pg, uint64_t la, unsigned acc,
		 uint64_t *gpa)
{
	return guest_translate(pg, la, acc, read_gpa, NULL, gpa);
}

#define PG_PE_PG (CR0_PE | CR0_PG)

TEST(pt_paging_off)
{
	struct guest_paging pg = { .cr0 = CR0_PE };
	uint64_t gpa;

	CHECK_EQ(xlate(&pg, 0x1234, GUEST_ACCESS_WRITE, &gpa), 0);
	CHECK_EQ(gpa, 0x1234);
	CHECK_EQ(xlate(&pg, 0x1FEE00300ULL, 0, &gpa), 0);
	CHECK_EQ(gpa, 0xFEE00300);
	CHECK_EQ(guest_translate(&pg, 0, 0, NULL, NULL, &gpa), DEC_EINVAL);
}

TEST(pt_32bit_pse)
{
	struct guest_paging pg = { .cr0 = PG_PE_PG, .cr3 = 0x1000 };
	uint64_t gpa;

	memset(gmem, 0, sizeof(gmem));
	put32(0x1000 + 1 * 4, 0x2000 | PTE_P | PTE_RW | PTE_US);
	put32(0x2000 + 5 * 4, 0x5000 | PTE_P | PTE_US);          /* read-only */
	CHECK_EQ(xlate(&pg, 0x00405123, 0, &gpa), 0);
	CHECK_EQ(gpa, 0x5123);
	CHECK_EQ(xlate(&pg, 0x00406000, 0, &gpa), DEC_ENOTPRESENT);
	CHECK_EQ(xlate(&pg, 0x00005000, 0, &gpa), DEC_ENOTPRESENT);
	/* Read-only: supervisor writes pass unless CR0.WP; user never. */
	CHECK_EQ(xlate(&pg, 0x00405000, GUEST_ACCESS_WRITE, &gpa), 0);
	CHECK_EQ(xlate(&pg, 0x00405000, GUEST_ACCESS_WRITE | GUEST_ACCESS_USER,
		       &gpa), DEC_EPROT);
	pg.cr0 |= CR0_WP;
	CHECK_EQ(xlate(&pg, 0x00405000, GUEST_ACCESS_WRITE, &gpa), DEC_EPROT);
	/* 4 MiB pages only with CR4.PSE; PSE-40 high bits. */
	put32(0x1000 + 2 * 4, 0x00C00000 | PTE_PS | PTE_P | PTE_RW);
	CHECK_EQ(xlate(&pg, 0x00812345, 0, &gpa), DEC_EGPA);  /* as a table */
	pg.cr4 = CR4_PSE;
	CHECK_EQ(xlate(&pg, 0x00812345, 0, &gpa), 0);
	CHECK_EQ(gpa, 0x00C12345);
	CHECK_EQ(xlate(&pg, 0x00812345, GUEST_ACCESS_USER, &gpa), DEC_EPROT);
	put32(0x1000 + 3 * 4, 0x00400000 | (0x12 << 13) | PTE_PS | PTE_P);
	CHECK_EQ(xlate(&pg, 0x00C00010, 0, &gpa), 0);
	CHECK_EQ(gpa, 0x1200400010ULL);
	/* No NX in 32-bit paging: fetches pass. */
	CHECK_EQ(xlate(&pg, 0x00405000, GUEST_ACCESS_FETCH, &gpa), 0);
	CHECK_EQ(bad_reads, 0);
}

TEST(pt_pae)
{
	struct guest_paging pg = { .cr0 = PG_PE_PG, .cr3 = 0x1020,
				   .cr4 = CR4_PAE };
	uint64_t gpa;

	memset(gmem, 0, sizeof(gmem));
	put64(0x1020 + 0 * 8, 0x3000 | PTE_P);
	put64(0x3000 + 0 * 8, 0x4000 | PTE_P | PTE_RW | PTE_US);
	put64(0x4000 + 1 * 8, 0x7000 | PTE_P | PTE_RW | PTE_US | PTE_NX);
	put64(0x3000 + 1 * 8, 0x00E00000 | PTE_PS | PTE_P | PTE_RW);
	CHECK_EQ(xlate(&pg, 0x1234, 0, &gpa), 0);
	CHECK_EQ(gpa, 0x7234);
	CHECK_EQ(xlate(&pg, 0x1234, GUEST_ACCESS_FETCH, &gpa), 0);  /* no NXE */
	pg.efer = EFER_NXE;
	CHECK_EQ(xlate(&pg, 0x1234, GUEST_ACCESS_FETCH, &gpa), DEC_EPROT);
	CHECK_EQ(xlate(&pg, 0x00201234, 0, &gpa), 0);               /* 2 MiB */
	CHECK_EQ(gpa, 0x00E01234);
	CHECK_EQ(xlate(&pg, 0xC0000000, 0, &gpa), DEC_ENOTPRESENT);  /* PDPTE 3 */
	CHECK_EQ(xlate(&pg, 0x00400000, 0, &gpa), DEC_ENOTPRESENT);
	CHECK_EQ(bad_reads, 0);
}

/* Long-mode tables: PML4 0x8000, PDPT 0x9000, PD 0xA000, PT 0xB000. */
static void long_tables(void)
{
	memset(gmem, 0, sizeof(gmem));
	put64(0x8000, 0x9000 | 7);
	put64(0x9000, 0xA000 | 7);
	put64(0xA000, 0xB000 | 7);
	put64(0xB000 + 5 * 8, 0xC000 | PTE_P | PTE_RW);          /* supervisor */
	put64(0xB000 + 6 * 8, 0xD000 | PTE_P | PTE_US);          /* user, RO */
	put64(0x9000 + 1 * 8, 0x40000000 | PTE_PS | PTE_P | PTE_RW);   /* 1 GiB */
	put64(0xA000 + 1 * 8, 0x00600000 | PTE_PS | PTE_P | PTE_RW);   /* 2 MiB */
	put64(0xA000 + 2 * 8, 0x00800000 | BIT(12) | PTE_PS | PTE_P);  /* PAT */
}

static const struct guest_paging long_pg = {
	.cr0 = PG_PE_PG | CR0_WP, .cr3 = 0x8000, .cr4 = CR4_PAE,
	.efer = EFER_LME | EFER_LMA | EFER_NXE,
};

TEST(pt_long_4level)
{
	struct guest_paging pg = long_pg;
	uint64_t gpa;

	long_tables();
	CHECK_EQ(xlate(&pg, 0x5678, 0, &gpa), 0);
	CHECK_EQ(gpa, 0xC678);
	CHECK_EQ(xlate(&pg, 0x40123456, 0, &gpa), 0);
	CHECK_EQ(gpa, 0x40123456);
	CHECK_EQ(xlate(&pg, 0x00212345, 0, &gpa), 0);
	CHECK_EQ(gpa, 0x00612345);
	CHECK_EQ(xlate(&pg, 0x00401234, 0, &gpa), 0);            /* PAT masked */
	CHECK_EQ(gpa, 0x00801234);
	CHECK_EQ(xlate(&pg, 0x0000800000000000ULL, 0, &gpa), DEC_ENONCANON);
	CHECK_EQ(xlate(&pg, 0xFFFF7FFFFFFFFFFFULL, 0, &gpa), DEC_ENONCANON);
	CHECK_EQ(xlate(&pg, 0xFFFF800000000000ULL, 0, &gpa), DEC_ENOTPRESENT);
	CHECK_EQ(xlate(&pg, 0x7000, 0, &gpa), DEC_ENOTPRESENT);
	/* U/S, R/W with WP, SMEP. */
	CHECK_EQ(xlate(&pg, 0x5000, GUEST_ACCESS_USER, &gpa), DEC_EPROT);
	CHECK_EQ(xlate(&pg, 0x6000, GUEST_ACCESS_USER, &gpa), 0);
	CHECK_EQ(gpa, 0xD000);
	CHECK_EQ(xlate(&pg, 0x6000, GUEST_ACCESS_USER | GUEST_ACCESS_WRITE, &gpa),
		 DEC_EPROT);
	CHECK_EQ(xlate(&pg, 0x6000, GUEST_ACCESS_WRITE, &gpa), DEC_EPROT);
	CHECK_EQ(xlate(&pg, 0x6000, GUEST_ACCESS_FETCH, &gpa), 0);
	pg.cr4 |= CR4_SMEP;
	CHECK_EQ(xlate(&pg, 0x6000, GUEST_ACCESS_FETCH, &gpa), DEC_EPROT);
	CHECK_EQ(xlate(&pg, 0x6000, GUEST_ACCESS_FETCH | GUEST_ACCESS_USER, &gpa),
		 0);
	/* NX at an upper level applies to everything below. */
	put64(0x9000, 0xA000 | 7 | PTE_NX);
	CHECK_EQ(xlate(&pg, 0x5000, GUEST_ACCESS_FETCH, &gpa), DEC_EPROT);
	pg.efer &= ~(uint64_t)EFER_NXE;
	CHECK_EQ(xlate(&pg, 0x5000, GUEST_ACCESS_FETCH, &gpa), 0);
	CHECK_EQ(bad_reads, 0);
}

TEST(pt_long_5level)
{
	struct guest_paging pg = long_pg;
	uint64_t gpa;

	long_tables();
	put64(0xE000, 0x8000 | 7);                 /* PML5[0] -> PML4 */
	pg.cr3 = 0xE000;
	pg.cr4 |= CR4_LA57;
	CHECK_EQ(xlate(&pg, 0x5678, 0, &gpa), 0);
	CHECK_EQ(gpa, 0xC678);
	/* Canonical with 57 bits, not with 48. */
	CHECK_EQ(xlate(&pg, 0x0000800000000000ULL, 0, &gpa), DEC_ENOTPRESENT);
	CHECK_EQ(xlate(&pg, 0x0100000000000000ULL, 0, &gpa), DEC_ENONCANON);
	CHECK_EQ(xlate(&pg, 0xFF00000000000000ULL, 0, &gpa), DEC_ENOTPRESENT);
}

TEST(pt_hostile_tables)
{
	struct guest_paging pg = long_pg;
	uint64_t gpa;
	uint8_t buf[8];

	long_tables();
	/* A table in the hypervisor's hole, or outside RAM: refused. */
	put64(0x8000 + 1 * 8, HOLE_LO | 7);
	CHECK_EQ(xlate(&pg, 0x0000008000000000ULL, 0, &gpa), DEC_EGPA);
	put64(0x8000 + 3 * 8, 0x000FFFFFFFFFF000ULL | 7);
	CHECK_EQ(xlate(&pg, 0x0000018000000000ULL, 0, &gpa), DEC_EGPA);
	/* PML4[2] points at the PML4 itself: the walk still ends after four
	 * levels and lands on the table page (the guest may map it). */
	put64(0x8000 + 2 * 8, 0x8000 | 7);
	CHECK_EQ(xlate(&pg, 0x0000010080402123ULL, 0, &gpa), 0);
	CHECK_EQ(gpa, 0x8123);
	/* A leaf inside the hole translates, but no byte is read from it. */
	put64(0xB000 + 7 * 8, (HOLE_LO + 0x1000) | 3);
	CHECK_EQ(xlate(&pg, 0x7000, 0, &gpa), 0);
	CHECK_EQ(gpa, HOLE_LO + 0x1000);
	CHECK_EQ(guest_fetch(&pg, 0x7000, buf, 8, 0, read_gpa, NULL), DEC_EGPA);
	/* A 1 GiB leaf over everything: translation fine, fetch refused. */
	CHECK_EQ(guest_fetch(&pg, 0x40000000 + HOLE_LO, buf, 8, 0, read_gpa,
			     NULL), DEC_EGPA);
	CHECK_EQ(bad_reads, 0);
}

TEST(pt_fetch_across_pages)
{
	struct guest_paging pg = long_pg;
	uint8_t buf[8];

	long_tables();
	put64(0xB000 + 1 * 8, 0xE000 | 3);          /* 0x1000 -> 0xE000 */
	put64(0xB000 + 2 * 8, 0x6000 | 3);          /* 0x2000 -> 0x6000 */
	memcpy(gmem + 0xEFFE, "\x11\x22", 2);
	memcpy(gmem + 0x6000, "\x33\x44", 2);
	reads = 0;
	CHECK_EQ(guest_fetch(&pg, 0x1FFE, buf, 4, 0, read_gpa, NULL), 0);
	CHECK(memcmp(buf, "\x11\x22\x33\x44", 4) == 0);
	CHECK_EQ(bad_reads, 0);
	/* The next page absent: the whole fetch fails. */
	CHECK_EQ(guest_fetch(&pg, 0x2FFE, buf, 4, 0, read_gpa, NULL),
		 DEC_ENOTPRESENT);
	CHECK_EQ(guest_fetch(&pg, 0x2FFE, buf, 2, 0, read_gpa, NULL), 0);
	CHECK_EQ(guest_fetch(&pg, 0x2FFE, buf, 0, 0, read_gpa, NULL), 0);
	/* Paging off: linear addresses are 32 bits; RAM ends at 0x40000. */
	pg.cr0 = CR0_PE;
	pg.efer = 0;
	gmem[0x10] = 0x55;
	gmem[0x3FFFF] = 0x66;
	CHECK_EQ(guest_fetch(&pg, 0x100000010ULL, buf, 1, 0, read_gpa, NULL), 0);
	CHECK_EQ(buf[0], 0x55);
	CHECK_EQ(guest_fetch(&pg, 0x3FFFF, buf, 2, 0, read_gpa, NULL), DEC_EGPA);
	CHECK_EQ(guest_fetch(&pg, 0x3FFFF, buf, 1, 0, read_gpa, NULL), 0);
	CHECK_EQ(buf[0], 0x66);
}

TEST(pt_fetch_decode_and_operand_gpa)
{
	struct guest_paging pg = long_pg;
	struct guest_regs_view r;
	struct insn in;
	uint64_t gpa;

	long_tables();
	memset(&r, 0, sizeof(r));
	put64(0xB000 + 1 * 8, 0xE000 | 3);          /* 0x1000 -> 0xE000 */
	put64(0xB000 + 2 * 8, 0x6000 | 3);          /* 0x2000 -> 0x6000 */
	/* CPUID in the last two bytes of a page followed by nothing. */
	memcpy(gmem + 0x6FFE, "\x0F\xA2", 2);
	r.rip = 0x2FFE;
	CHECK_EQ(insn_fetch_decode(&pg, &r, CPU_MODE_LONG64, false, 0, read_gpa,
				   NULL, &in), 2);
	CHECK_EQ(in.cls, INSN_CPUID);
	/* An instruction running into the absent page: needs more bytes. */
	memcpy(gmem + 0x6FFE, "\x8B\x05", 2);
	CHECK_EQ(insn_fetch_decode(&pg, &r, CPU_MODE_LONG64, false, 0, read_gpa,
				   NULL, &in), DEC_ENEED);
	/* VMMCALL split over two discontiguous pages. */
	memcpy(gmem + 0xEFFE, "\x0F\x01", 2);
	memcpy(gmem + 0x6000, "\xD9", 1);
	r.rip = 0x1FFE;
	CHECK_EQ(insn_fetch_decode(&pg, &r, CPU_MODE_LONG64, false, 0, read_gpa,
				   NULL, &in), 3);
	CHECK_EQ(in.cls, INSN_VMMCALL);
	/* The first page absent: its status. */
	r.rip = 0x3000;
	CHECK_EQ(insn_fetch_decode(&pg, &r, CPU_MODE_LONG64, false, 0, read_gpa,
				   NULL, &in), DEC_ENOTPRESENT);
	/* User code cannot fetch from a supervisor page. */
	r.rip = 0x5000;
	CHECK_EQ(insn_fetch_decode(&pg, &r, CPU_MODE_LONG64, false, 3, read_gpa,
				   NULL, &in), DEC_EPROT);
	CHECK_EQ(bad_reads, 0);

	/* Operand GPA: mov [rax], ecx with rax in the 0x5000 page. */
	CHECK_EQ(decode_insn((const uint8_t *)"\x89\x08", 2, CPU_MODE_LONG64,
			     false, &in), 2);
	r.gpr[GPR_RAX] = 0x5300;
	CHECK_EQ(insn_operand_gpa(&in, &r, &pg, 0, read_gpa, NULL, &gpa), 0);
	CHECK_EQ(gpa, 0xC300);
	CHECK_EQ(insn_operand_gpa(&in, &r, &pg, 3, read_gpa, NULL, &gpa),
		 DEC_EPROT);
	r.gpr[GPR_RAX] = 0x5FFE;
	CHECK_EQ(insn_operand_gpa(&in, &r, &pg, 0, read_gpa, NULL, &gpa),
		 DEC_ESPLIT);
	/* Stores to a read-only page (CR0.WP) fail, loads pass. */
	r.gpr[GPR_RAX] = 0x6010;
	CHECK_EQ(insn_operand_gpa(&in, &r, &pg, 0, read_gpa, NULL, &gpa),
		 DEC_EPROT);
	CHECK_EQ(decode_insn((const uint8_t *)"\x8B\x08", 2, CPU_MODE_LONG64,
			     false, &in), 2);
	CHECK_EQ(insn_operand_gpa(&in, &r, &pg, 0, read_gpa, NULL, &gpa), 0);
	CHECK_EQ(gpa, 0xD010);
	CHECK_EQ(decode_insn((const uint8_t *)"\x0F\xA2", 2, CPU_MODE_LONG64,
			     false, &in), 2);
	CHECK_EQ(insn_operand_gpa(&in, &r, &pg, 0, read_gpa, NULL, &gpa),
		 DEC_EINVAL);
}

static uint64_t mmio_val;
static unsigned mmio_calls;

static int mmio_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
	(void)ctx;
	mmio_calls++;
	*val = gpa == 0xC300 && size == 4 ? mmio_val : ~0ULL;
	return 0;
}

static int mmio_write(void *ctx, uint64_t gpa, unsigned size, uint64_t val)
{
	(void)ctx;
	mmio_calls++;
	if (gpa != 0xC300 || size != 4)
		return -1;
	mmio_val = val;
	return 0;
}

TEST(pt_mmio_at_end_to_end)
{
	static const struct mmio_ops ops = { mmio_read, mmio_write };
	struct guest_view gv = { .pg = long_pg, .mode = CPU_MODE_LONG64,
				 .read_gpa = read_gpa };
	struct guest_regs_view r, saved;
	struct insn in;

	long_tables();
	memset(&r, 0, sizeof(r));
	put64(0xB000 + 1 * 8, 0xE000 | 3);          /* code: 0x1000 -> 0xE000 */
	memcpy(gmem + 0xE100, "\x3E\x89\x48\x10", 4);  /* mov [rax+16], ecx */
	r.rip = 0x1100;
	r.gpr[GPR_RAX] = 0x52F0;                     /* -> GPA 0xC300 */
	r.gpr[GPR_RCX] = 0xCAFEF00D;
	saved = r;
	/* Another address than the one that faulted: refused, no access. */
	CHECK_EQ(insn_mmio_at(&gv, &r, 0xC304, &ops, NULL, &in), DEC_EMISMATCH);
	CHECK_EQ(mmio_calls, 0);
	CHECK(memcmp(&r, &saved, sizeof(r)) == 0);
	CHECK_EQ(insn_mmio_at(&gv, &r, 0xC300, &ops, NULL, &in), 0);
	CHECK_EQ(mmio_val, 0xCAFEF00D);
	CHECK_EQ(r.rip, 0x1104);
	CHECK_EQ(in.len, 4);
	/* Load it back into edx with a 32-bit guest view of the same code. */
	memcpy(gmem + 0xE104, "\x8B\x50\x10", 3);     /* mov edx, [rax+16] */
	r.gpr[GPR_RDX] = ~0ULL;
	CHECK_EQ(insn_mmio_at(&gv, &r, 0xC300, &ops, NULL, &in), 0);
	CHECK_EQ(r.gpr[GPR_RDX], 0xCAFEF00D);
	CHECK_EQ(r.rip, 0x1107);
	/* Not a data form: CPUID at RIP. */
	memcpy(gmem + 0xE107, "\x0F\xA2", 2);
	CHECK_EQ(insn_mmio_at(&gv, &r, 0xC300, &ops, NULL, &in),
		 DEC_EUNSUPPORTED);
	CHECK_EQ(in.cls, INSN_CPUID);
	CHECK_EQ(bad_reads, 0);
}

/* Decode assists: the bytes the CPU saved at the exit are decoded
 * instead of fetching; bytes that end inside the instruction make it
 * fetch; a length over 15 is refused. */
TEST(pt_mmio_at_cpu_bytes)
{
	static const struct mmio_ops ops = { mmio_read, mmio_write };
	static const uint8_t store[] = { 0x89, 0x48, 0x10 };  /* mov [rax+16], ecx */
	struct guest_view gv = { .pg = long_pg, .mode = CPU_MODE_LONG64,
				 .read_gpa = read_gpa, .insn_bytes = store,
				 .insn_len = sizeof(store) };
	struct guest_regs_view r;
	struct insn in;

	long_tables();
	memset(&r, 0, sizeof(r));
	/* RIP's page is not mapped: only the CPU's bytes can be decoded. */
	put64(0xB000 + 1 * 8, 0);
	r.rip = 0x1100;
	r.gpr[GPR_RAX] = 0x52F0;                     /* -> GPA 0xC300 */
	r.gpr[GPR_RCX] = 0x12345678;
	CHECK_EQ(insn_mmio_at(&gv, &r, 0xC300, &ops, NULL, &in), 0);
	CHECK_EQ(mmio_val, 0x12345678);
	CHECK_EQ(r.rip, 0x1103);
	/* Two of the three bytes: fetched from memory, which now holds a
	 * 4-byte form of the same store. */
	put64(0xB000 + 1 * 8, 0xE000 | 3);
	memcpy(gmem + 0xE103, "\x3E\x89\x48\x10", 4);
	gv.insn_len = 2;
	r.gpr[GPR_RCX] = 0x9ABCDEF0;
	CHECK_EQ(insn_mmio_at(&gv, &r, 0xC300, &ops, NULL, &in), 0);
	CHECK_EQ(mmio_val, 0x9ABCDEF0);
	CHECK_EQ(in.len, 4);
	CHECK_EQ(r.rip, 0x1107);
	gv.insn_len = 16;
	CHECK_EQ(insn_mmio_at(&gv, &r, 0xC300, &ops, NULL, &in), DEC_EINVAL);
	gv.insn_bytes = NULL;
	gv.insn_len = 1;
	CHECK_EQ(insn_mmio_at(&gv, &r, 0xC300, &ops, NULL, &in), DEC_EINVAL);
}

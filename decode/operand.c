/*
 * decode/operand.c - from a decoded instruction to addresses: the guest's
 * mode, the fetch address, the next RIP, the memory operand's linear and
 * guest-physical address, and fetch-then-decode.
 */
#include "decode/decode.h"

#include "lib/lib.h"

const char *decode_strerror(int status)
{
	static const char *const msg[] = {
		[0] = "ok",
		[-DEC_ENEED] = "instruction truncated",
		[-DEC_ETOOLONG] = "instruction longer than 15 bytes",
		[-DEC_EUNSUPPORTED] = "unsupported instruction",
		[-DEC_EINVAL] = "invalid argument or encoding",
		[-DEC_ENOTPRESENT] = "guest page not present",
		[-DEC_EPROT] = "guest page protection",
		[-DEC_ENONCANON] = "non-canonical address",
		[-DEC_EGPA] = "guest-physical read refused",
		[-DEC_EMMIO] = "MMIO access failed",
		[-DEC_ESPLIT] = "access crosses a page",
		[-DEC_EMISMATCH] = "operand is not at the faulting address",
	};

	if (status > 0)
		return "ok";
	if (-status >= (int)ARRAY_SIZE(msg) || !msg[-status])
		return "unknown status";
	return msg[-status];
}

const char *insn_class_name(enum insn_class c)
{
	static const char *const name[INSN_CLASS_COUNT] = {
		[INSN_NONE] = "none", [INSN_CPUID] = "cpuid",
		[INSN_RDMSR] = "rdmsr", [INSN_WRMSR] = "wrmsr",
		[INSN_RDTSC] = "rdtsc", [INSN_RDTSCP] = "rdtscp",
		[INSN_VMRUN] = "vmrun", [INSN_VMMCALL] = "vmmcall",
		[INSN_VMLOAD] = "vmload", [INSN_VMSAVE] = "vmsave",
		[INSN_STGI] = "stgi", [INSN_CLGI] = "clgi",
		[INSN_SKINIT] = "skinit", [INSN_INVLPGA] = "invlpga",
		[INSN_HLT] = "hlt", [INSN_INVD] = "invd",
		[INSN_WBINVD] = "wbinvd", [INSN_PAUSE] = "pause",
		[INSN_IRET] = "iret", [INSN_IN] = "in", [INSN_OUT] = "out",
		[INSN_INS] = "ins", [INSN_OUTS] = "outs",
		[INSN_MONITOR] = "monitor", [INSN_MWAIT] = "mwait",
		[INSN_XSETBV] = "xsetbv", [INSN_INVLPG] = "invlpg",
		[INSN_MOV_FROM_CR] = "mov r,cr", [INSN_MOV_TO_CR] = "mov cr,r",
		[INSN_MOV_FROM_DR] = "mov r,dr", [INSN_MOV_TO_DR] = "mov dr,r",
		[INSN_MOV] = "mov", [INSN_MOVZX] = "movzx", [INSN_OR] = "or",
		[INSN_AND] = "and", [INSN_XOR] = "xor", [INSN_TEST] = "test",
		[INSN_CMP] = "cmp",
	};

	if ((unsigned)c >= INSN_CLASS_COUNT || !name[c])
		return "?";
	return name[c];
}

enum cpu_mode cpu_mode_of(uint64_t cr0, uint64_t efer, uint64_t rflags,
			  uint16_t cs_attrib, bool *cs_d)
{
	bool l = cs_attrib & BIT(9), d = cs_attrib & BIT(10);

	*cs_d = d;
	if ((efer & EFER_LMA) && l) {
		*cs_d = false;
		return CPU_MODE_LONG64;
	}
	if (!(cr0 & CR0_PE))
		return CPU_MODE_REAL16;
	if (rflags & RFLAGS_VM) {
		*cs_d = false;
		return CPU_MODE_REAL16;
	}
	return d ? CPU_MODE_PROT32 : CPU_MODE_PROT16;
}

/* Width of IP outside 64-bit mode, as a mask. */
static uint64_t ip_mask(enum cpu_mode mode, bool cs_d)
{
	if (mode == CPU_MODE_LONG64)
		return ~0ULL;
	return cs_d ? 0xFFFFFFFFULL : 0xFFFFULL;
}

uint64_t insn_fetch_linear(const struct guest_regs_view *regs,
			   enum cpu_mode mode, bool cs_d)
{
	if (mode == CPU_MODE_LONG64)
		return regs->rip;
	return (regs->seg_base[SEG_CS] + (regs->rip & ip_mask(mode, cs_d))) &
	       0xFFFFFFFFULL;
}

uint64_t insn_next_rip(const struct insn *in, uint64_t rip)
{
	return (rip + in->len) & ip_mask(in->mode, in->cs_d);
}

int insn_mem_address(const struct insn *in, const struct guest_regs_view *regs,
		     uint64_t *out_linear)
{
	uint64_t ea, amask, seg = 0;

	if (!in->has_mem || (in->base > GPR_R15 && in->base != GPR_NONE) ||
	    (in->index > GPR_R15 && in->index != GPR_NONE) ||
	    in->seg >= SEG_COUNT)
		return DEC_EINVAL;
	amask = in->addrsize == 8 ? ~0ULL :
		(in->addrsize == 4 ? 0xFFFFFFFFULL : 0xFFFFULL);
	ea = (uint64_t)in->disp;
	if (in->rip_rel)
		ea += insn_next_rip(in, regs->rip);
	if (in->base != GPR_NONE)
		ea += regs->gpr[in->base];
	if (in->index != GPR_NONE)
		ea += regs->gpr[in->index] * in->scale;
	ea &= amask;
	if (in->mode != CPU_MODE_LONG64)
		seg = regs->seg_base[in->seg];
	else if (in->seg == SEG_FS || in->seg == SEG_GS)
		seg = regs->seg_base[in->seg];
	ea += seg;
	if (in->mode != CPU_MODE_LONG64)
		ea &= 0xFFFFFFFFULL;
	*out_linear = ea;
	return DEC_OK;
}

int insn_operand_gpa(const struct insn *in, const struct guest_regs_view *regs,
		     const struct guest_paging *pg, unsigned cpl,
		     gpa_read_fn read_gpa, void *ctx, uint64_t *gpa)
{
	unsigned access = GUEST_ACCESS_READ;
	uint64_t linear;
	int r;

	r = insn_mem_address(in, regs, &linear);
	if (r)
		return r;
	if (in->memsize == 0 || (linear & 0xFFF) + in->memsize > 0x1000)
		return in->memsize ? DEC_ESPLIT : DEC_EINVAL;
	if (in->dir == INSN_DIR_STORE || in->dir == INSN_DIR_RMW)
		access |= GUEST_ACCESS_WRITE;
	if (cpl == 3)
		access |= GUEST_ACCESS_USER;
	return guest_translate(pg, linear, access, read_gpa, ctx, gpa);
}

int insn_fetch_decode(const struct guest_paging *pg,
		      const struct guest_regs_view *regs, enum cpu_mode mode,
		      bool cs_d, unsigned cpl, gpa_read_fn read_gpa, void *ctx,
		      struct insn *out)
{
	unsigned access = GUEST_ACCESS_FETCH | (cpl == 3 ? GUEST_ACCESS_USER : 0);
	uint64_t linear = insn_fetch_linear(regs, mode, cs_d);
	uint8_t buf[INSN_MAX_LEN];
	size_t got = 0;
	int r = DEC_OK;

	/* Page by page: the first chunk must translate, a later failure
	 * only shortens what the decoder sees. */
	while (got < sizeof(buf)) {
		uint64_t la = linear + got;
		size_t chunk = MIN(sizeof(buf) - got, 0x1000 - (la & 0xFFF));

		if (mode != CPU_MODE_LONG64)
			la &= 0xFFFFFFFFULL;
		r = guest_fetch(pg, la, buf + got, chunk, access, read_gpa, ctx);
		if (r)
			break;
		got += chunk;
	}
	if (got == 0)
		return r;
	r = decode_insn(buf, got, mode, cs_d, out);
	return r;
}

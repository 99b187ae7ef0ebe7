/*
 * decode/decode.h - guest instruction decoder, guest-virtual fetch and
 * MMIO emulation.
 *
 * QEMU TCG offers neither NRIPS nor decode assists (docs/qemu-svm.md,
 * "What the virtual CPU offers"), so the hypervisor computes the next RIP of
 * intercepted instructions and decodes MMIO accesses itself:
 *
 *   1. insn_fetch_decode(): fetch up to 15 bytes at CS.base + RIP through
 *      the guest's own page tables (guest_translate/guest_fetch), every GPA
 *      read through a callback that refuses the hypervisor's hole, and
 *      decode them (decode_insn).
 *   2. Next RIP: insn_next_rip().
 *   3. MMIO: insn_operand_gpa() gives the GPA of the memory operand; the
 *      caller compares it with EXITINFO1/2 of the nested page fault
 *      (another vCPU may have rewritten the code), then calls
 *      insn_emulate_mmio() with its device callbacks.
 *   4. Configuration reads: insn_follow_in() runs the few register-only
 *      instructions and the IN that follow an address write to 0xCF8
 *      (decode/follow.c), so the read needs no exit of its own.
 *
 * Everything here reads only the bytes and tables it is given; a hostile
 * guest can make a step fail with a status, never crash it or make it read
 * memory the read_gpa callback refuses. No allocation, no floating point.
 * References: APM Vol. 3 chapter 1 (instruction encoding), Vol. 2 chapter 5
 * (page translation).
 */
#ifndef DECODE_DECODE_H
#define DECODE_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86.h"
#include "kernel/kernel.h"

/* Architectural bits arch/x86.h does not define yet (to move there). */
#ifndef CR4_LA57
#define CR4_LA57  (1U << 12)   /* APM Vol. 2, 3.1.3 */
#endif
#ifndef CR4_SMEP
#define CR4_SMEP  (1U << 20)
#endif
#ifndef RFLAGS_CF
#define RFLAGS_CF (1U << 0)    /* APM Vol. 2, 3.1.6 */
#define RFLAGS_PF (1U << 2)
#define RFLAGS_AF (1U << 4)
#define RFLAGS_ZF (1U << 6)
#define RFLAGS_SF (1U << 7)
#define RFLAGS_OF (1U << 11)
#endif
#ifndef RFLAGS_VM
#define RFLAGS_VM (1U << 17)
#endif

#define INSN_MAX_LEN 15        /* APM Vol. 3, 1.1 */

/* Statuses: every function returns 0 (or a length) on success, one of
 * these (negative) otherwise. */
enum decode_status {
	DEC_OK = 0,
	DEC_ENEED = -1,        /* the bytes given end inside the instruction */
	DEC_ETOOLONG = -2,     /* longer than 15 bytes (#GP on the CPU) */
	DEC_EUNSUPPORTED = -3, /* valid maybe, but not a form we handle */
	DEC_EINVAL = -4,       /* bad arguments, or an encoding that #UDs */
	DEC_ENOTPRESENT = -5,  /* guest page not present */
	DEC_EPROT = -6,        /* guest page permissions forbid the access */
	DEC_ENONCANON = -7,    /* non-canonical linear address */
	DEC_EGPA = -8,         /* read_gpa refused (hypervisor hole, no RAM) */
	DEC_EMMIO = -9,        /* an MMIO callback failed */
	DEC_ESPLIT = -10,      /* memory operand crosses a page boundary */
	DEC_EMISMATCH = -11,   /* operand GPA is not the faulting GPA */
};
const char *decode_strerror(int status);

/* Execution mode of the guest when it ran the instruction. */
enum cpu_mode {
	CPU_MODE_REAL16,  /* real or virtual-8086 mode */
	CPU_MODE_PROT16,  /* protected (or compatibility) mode, CS.D = 0 */
	CPU_MODE_PROT32,  /* protected (or compatibility) mode, CS.D = 1 */
	CPU_MODE_LONG64,  /* 64-bit mode: EFER.LMA = 1 and CS.L = 1 */
};

/* x86 register numbers (APM Vol. 3, 1.2.5 and table 1-6). */
enum x86_gpr {
	GPR_RAX, GPR_RCX, GPR_RDX, GPR_RBX, GPR_RSP, GPR_RBP, GPR_RSI, GPR_RDI,
	GPR_R8, GPR_R9, GPR_R10, GPR_R11, GPR_R12, GPR_R13, GPR_R14, GPR_R15,
	GPR_NONE = 0xFF,
};
enum x86_seg { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_COUNT };

/* What the decoder recognises. Everything else is DEC_EUNSUPPORTED. */
enum insn_class {
	INSN_NONE = 0,
	/* intercepted instructions (next RIP) */
	INSN_CPUID, INSN_RDMSR, INSN_WRMSR, INSN_RDTSC, INSN_RDTSCP,
	INSN_VMRUN, INSN_VMMCALL, INSN_VMLOAD, INSN_VMSAVE, INSN_STGI,
	INSN_CLGI, INSN_SKINIT, INSN_INVLPGA, INSN_HLT, INSN_INVD,
	INSN_WBINVD, INSN_PAUSE, INSN_IRET, INSN_IN, INSN_OUT, INSN_INS,
	INSN_OUTS, INSN_MONITOR, INSN_MWAIT, INSN_XSETBV, INSN_INVLPG,
	INSN_MOV_FROM_CR, INSN_MOV_TO_CR, INSN_MOV_FROM_DR, INSN_MOV_TO_DR,
	/* data forms emulated on MMIO (a memory operand, or mod = 3) */
	INSN_MOV, INSN_MOVZX, INSN_OR, INSN_AND, INSN_XOR, INSN_TEST, INSN_CMP,
	INSN_CLASS_COUNT,
};
const char *insn_class_name(enum insn_class c);

/* Direction of the memory access of the data forms. */
enum insn_dir {
	INSN_DIR_NONE,    /* no data access (or not a data form) */
	INSN_DIR_LOAD,    /* memory -> register (mov, movzx, or/and/xor r,m) */
	INSN_DIR_STORE,   /* register or immediate -> memory (mov) */
	INSN_DIR_RMW,     /* memory = memory op source (or/and/xor m,src) */
	INSN_DIR_READ,    /* memory read for the flags only (test, cmp) */
};

/* The decoded instruction. reg/rm/base/index include the REX extensions. */
struct insn {
	uint8_t len;          /* total length, prefixes included (1..15) */
	uint8_t cls;          /* enum insn_class */
	uint8_t mode;         /* enum cpu_mode it was decoded for */
	bool cs_d;            /* and CS.D (false in 64-bit mode) */
	uint8_t dir;          /* enum insn_dir */
	uint8_t opsize;       /* register/operand size: 1, 2, 4 or 8 */
	uint8_t memsize;      /* size of the memory access (movzx: 1 or 2) */
	uint8_t addrsize;     /* 2, 4 or 8 */
	uint8_t seg;          /* enum x86_seg of the memory operand */
	uint8_t opcode;       /* last opcode byte (after 0F when two_byte) */
	bool two_byte;        /* opcode was 0F xx */
	/* prefixes */
	bool p66, p67, lock, rep, repne;  /* rep = F3, repne = F2 (last wins) */
	uint8_t seg_override; /* enum x86_seg, or SEG_COUNT when none */
	uint8_t rex;          /* REX byte in effect, 0 when none */
	/* ModRM / SIB */
	bool has_modrm, has_mem, rip_rel;
	uint8_t modrm, mod, reg, rm;
	uint8_t base, index;  /* enum x86_gpr or GPR_NONE */
	uint8_t scale;        /* 1, 2, 4, 8 */
	int64_t disp;         /* sign-extended (moffs: zero-extended) */
	/* immediate */
	bool has_imm;         /* src is the immediate (else the reg operand) */
	uint8_t imm_size;     /* bytes in the encoding */
	uint64_t imm;         /* extended to opsize as the instruction does */
};

/* A view of the guest registers the decoder needs. The caller fills it from
 * the VMCB (RAX, RSP, RIP, RFLAGS, segment bases) and its saved GPRs, and
 * copies gpr[], rip and rflags back after insn_emulate_mmio(). */
struct guest_regs_view {
	uint64_t gpr[16];              /* indexed by enum x86_gpr */
	uint64_t rip;
	uint64_t rflags;
	uint64_t seg_base[SEG_COUNT];  /* indexed by enum x86_seg */
};

/* The guest's paging controls (VMCB save area). */
struct guest_paging {
	uint64_t cr0, cr3, cr4, efer;
};

/* Access kinds for guest_translate (bits, APM Vol. 2, 8.4.2 error code). */
#define GUEST_ACCESS_READ   0U
#define GUEST_ACCESS_WRITE  (1U << 1)
#define GUEST_ACCESS_USER   (1U << 2)  /* CPL 3 */
#define GUEST_ACCESS_FETCH  (1U << 4)

/* Reads len bytes of guest-physical memory at gpa into buf. The hypervisor
 * implements it and must refuse (return < 0) anything that is not guest
 * RAM, its own hole above all. Calls never cross a 4 KiB page. */
typedef int (*gpa_read_fn)(void *ctx, uint64_t gpa, void *buf, size_t len);

/* Device callbacks for insn_emulate_mmio: size is 1, 2, 4 or 8, the
 * value is in the low size bytes. Return 0, or < 0 to fail the emulation
 * (a failed write after a successful read leaves registers untouched). */
struct mmio_ops {
	int (*read)(void *ctx, uint64_t gpa, unsigned size, uint64_t *val);
	int (*write)(void *ctx, uint64_t gpa, unsigned size, uint64_t val);
};

/* ---- decode.c ---------------------------------------------------------- */

/* decode_insn - decode one instruction (APM Vol. 3, 1.1-1.5).
 * bytes/avail: the instruction bytes fetched so far (avail may be < 15).
 * mode, cs_d: outside CPU_MODE_LONG64 the default operand and address
 * size is 32 when cs_d is set, 16 otherwise; PROT16 with cs_d or PROT32
 * without it is a caller bug (DEC_EINVAL). REAL16 accepts both (a big CS
 * cached from protected mode).
 * Returns the length (1..15) and fills *out, or DEC_ENEED (more bytes
 * would be needed than avail), DEC_ETOOLONG, DEC_EUNSUPPORTED, DEC_EINVAL.
 * *out is zeroed and partially filled on failure. */
int decode_insn(const uint8_t *bytes, size_t avail, enum cpu_mode mode,
		bool cs_d, struct insn *out);

/* ---- operand.c --------------------------------------------------------- */

/* cpu_mode_of - the mode from CR0, EFER, RFLAGS and the VMCB's compressed
 * CS attributes (APM Vol. 2, 15.5.1: bit 9 = L, bit 10 = D/B). Stores CS.D
 * as decode_insn wants it (false in virtual-8086 mode). */
enum cpu_mode cpu_mode_of(uint64_t cr0, uint64_t efer, uint64_t rflags,
			  uint16_t cs_attrib, bool *cs_d);

/* Linear address of the instruction at CS:RIP (64-bit: RIP; otherwise
 * CS.base + IP/EIP, truncated to 32 bits). */
uint64_t insn_fetch_linear(const struct guest_regs_view *regs,
			   enum cpu_mode mode, bool cs_d);

/* RIP after the instruction: rip + len, wrapped to 16/32 bits outside
 * 64-bit mode (by the code segment size). */
uint64_t insn_next_rip(const struct insn *in, uint64_t rip);

/* insn_mem_address - linear address of the memory operand (APM Vol. 2,
 * 4.2, Vol. 3, 1.4): segment base (only FS/GS in 64-bit mode) + base +
 * index * scale + disp, the effective address truncated to the address
 * size; RIP-relative uses the next RIP. Outside 64-bit mode the result is
 * truncated to 32 bits. No segment limit checks (the CPU made them when it
 * ran the instruction; the caller's EXITINFO2 check covers the rest).
 * Returns 0, or DEC_EINVAL when the instruction has no memory operand. */
int insn_mem_address(const struct insn *in, const struct guest_regs_view *regs,
		     uint64_t *out_linear);

/* insn_operand_gpa - translate the memory operand's linear address
 * through the guest's page tables for the access the instruction makes
 * (write for stores and read-modify-writes), at CPL cpl. The caller then
 * compares *gpa with EXITINFO2 before emulating. Returns 0, DEC_ESPLIT
 * when the access crosses a 4 KiB page, or a guest_translate status. */
int insn_operand_gpa(const struct insn *in, const struct guest_regs_view *regs,
		     const struct guest_paging *pg, unsigned cpl,
		     gpa_read_fn read_gpa, void *ctx, uint64_t *gpa);

/* insn_fetch_decode - fetch and decode the instruction at CS:RIP. Fetches
 * up to 15 bytes page by page and stops at the first page that does not
 * translate, so a short instruction at the end of a mapped page decodes.
 * Returns the length, or a decode_insn/guest_translate status. */
int insn_fetch_decode(const struct guest_paging *pg,
		      const struct guest_regs_view *regs, enum cpu_mode mode,
		      bool cs_d, unsigned cpl, gpa_read_fn read_gpa, void *ctx,
		      struct insn *out);

/* ---- emulate.c --------------------------------------------------------- */

/* insn_emulate_mmio - perform a data form's access at gpa (already checked
 * against EXITINFO2 by the caller) and its register effects (APM Vol. 3,
 * MOV, MOVZX, OR, AND, XOR, TEST, CMP; partial-register rules of 3.1.2.3
 * of Vol. 1: 8/16-bit writes keep the other bits, AH..BH without REX,
 * 32-bit writes zero-extend). OR/AND/XOR/TEST set SF ZF PF and clear CF
 * OF; CMP sets CF OF SF ZF AF PF. Updates regs->gpr, regs->rflags and
 * regs->rip (next RIP) only when every access succeeded.
 * Returns 0, DEC_EUNSUPPORTED (not a data form with a memory operand) or
 * DEC_EMMIO. */
int insn_emulate_mmio(const struct insn *in, struct guest_regs_view *regs,
		      uint64_t gpa, const struct mmio_ops *ops, void *ctx);

/* ---- follow.c ---------------------------------------------------------- */

/* Set-up instructions insn_follow_in runs before the IN, at most
 * (pci_conf1_read's byte read takes 8), and the code it looks at. */
#define INSN_FOLLOW_SETUP_MAX 8
#define INSN_FOLLOW_WINDOW    128

/* insn_follow_in - in 64-bit mode, match at bytes (the code at regs->rip,
 * avail bytes of it, all fetchable) at most INSN_FOLLOW_SETUP_MAX set-up
 * instructions of a white list (MOV r32, imm32 or r32; AND and CMP r32,
 * imm8; LEA r32, [reg + disp8/disp32]; Jcc/JMP rel8 inside the bytes)
 * followed by IN AL/AX/EAX, DX, and run them on a copy of *regs. When
 * the port the IN reads (DX then) and its size lie in [lo, hi), stores
 * the copy in *regs with RIP past the IN (the IN's result still to be
 * merged: insn_in_result) and returns that offset from bytes; *size and
 * *port say what the IN reads. Otherwise *regs, *size and *port are
 * unchanged and the status is DEC_EUNSUPPORTED, DEC_ENEED (the bytes end
 * inside the sequence) or DEC_EINVAL. */
int insn_follow_in(const uint8_t *bytes, size_t avail,
		   struct guest_regs_view *regs, uint16_t lo, uint16_t hi,
		   unsigned *size, uint16_t *port);

/* The IN's result into RAX: 8/16-bit keep the other bits, 32-bit
 * zero-extends (APM Vol. 1, 3.1.2.3). */
void insn_in_result(struct guest_regs_view *regs, unsigned size, uint32_t val);

/* ---- guestpt.c --------------------------------------------------------- */

/* guest_translate - walk the guest's page tables (APM Vol. 2, 5.2 32-bit
 * paging with PSE/PSE-40, 5.2 PAE, 5.3 long mode 4- and 5-level with
 * 2 MiB/1 GiB pages) for one linear address. Paging off: linear = GPA (32
 * bits). Checks P, R/W (with CR0.WP for supervisor accesses), U/S, NX
 * (with EFER.NXE) and SMEP for fetches; never stricter than the CPU (no
 * SMAP, protection keys or reserved-bit checks), and sets no A/D bits.
 * PAE PDPTEs are read from memory (the CPU caches them at CR3 load).
 * access: GUEST_ACCESS_* bits. Returns 0 and *gpa, DEC_ENONCANON,
 * DEC_ENOTPRESENT, DEC_EPROT or DEC_EGPA (read_gpa refused a table). */
int guest_translate(const struct guest_paging *pg, uint64_t linear,
		    unsigned access, gpa_read_fn read_gpa, void *ctx,
		    uint64_t *gpa);

/* guest_fetch - read len bytes at a linear address (access as above),
 * translating each page separately. All or nothing: returns 0, or the
 * status of the first page that fails (buf contents then undefined). */
int guest_fetch(const struct guest_paging *pg, uint64_t linear, void *buf,
		size_t len, unsigned access, gpa_read_fn read_gpa, void *ctx);

/* What insn_mmio_at needs to know about the guest at the fault.
 * insn_bytes/insn_len: the bytes at CS:RIP the CPU fetched itself at the
 * exit (decode assists, APM Vol. 2, VMCB offsets 0D0h-0DEh: saved on a
 * nested page fault), decoded instead of fetching; insn_len 0 when there
 * are none. */
struct guest_view {
	struct guest_paging pg;
	enum cpu_mode mode;
	bool cs_d;
	unsigned cpl;
	gpa_read_fn read_gpa;
	void *read_ctx;
	const uint8_t *insn_bytes;
	size_t insn_len;
};

/* insn_mmio_at - the whole MMIO path of a nested page fault (docs/qemu-svm.md,
 * "Nested page faults"): decode gv->insn_bytes when given (fetching
 * instead when they end before the instruction does), else fetch and
 * decode at CS:RIP,
 * translate the memory operand, require its GPA to equal fault_gpa
 * (EXITINFO2; another vCPU may have rewritten the code), then emulate.
 * *out receives the decoded instruction when decoding succeeded.
 * Returns 0 (regs updated, RIP advanced), DEC_EMISMATCH, or any status of
 * the steps; on failure no device access was made unless the status is
 * DEC_EMMIO, and regs are unchanged. */
int insn_mmio_at(const struct guest_view *gv, struct guest_regs_view *regs,
		 uint64_t fault_gpa, const struct mmio_ops *ops, void *mctx,
		 struct insn *out);

#endif

/*
 * svm/vmcb.h - the Virtual Machine Control Block (APM Vol. 2, appendix B,
 * tables B-1 and B-2), exit codes (appendix C) and intercept bits.
 * Private to svm/. Every field the CPU reads has its offset checked.
 */
#ifndef SVM_VMCB_H
#define SVM_VMCB_H

#include "kernel/kernel.h"

/* Intercept vector words (control area 0x000..0x014): word index, bit. */
enum svm_intercept_word { ICPT_CR = 0, ICPT_DR = 1, ICPT_EXC = 2,
			  ICPT_MISC1 = 3, ICPT_MISC2 = 4, ICPT_MISC3 = 5 };
#define ICPT(word, bit) (((word) << 5) | (bit))
/* MISC1 (offset 0x00C) */
#define INTERCEPT_INTR      ICPT(ICPT_MISC1, 0)
#define INTERCEPT_NMI       ICPT(ICPT_MISC1, 1)
#define INTERCEPT_SMI       ICPT(ICPT_MISC1, 2)
#define INTERCEPT_INIT      ICPT(ICPT_MISC1, 3)
#define INTERCEPT_VINTR     ICPT(ICPT_MISC1, 4)
#define INTERCEPT_RDTSC     ICPT(ICPT_MISC1, 14)
#define INTERCEPT_CPUID     ICPT(ICPT_MISC1, 18)
#define INTERCEPT_RSM       ICPT(ICPT_MISC1, 19)
#define INTERCEPT_IRET      ICPT(ICPT_MISC1, 20)
#define INTERCEPT_INVD      ICPT(ICPT_MISC1, 22)
#define INTERCEPT_PAUSE     ICPT(ICPT_MISC1, 23)
#define INTERCEPT_HLT       ICPT(ICPT_MISC1, 24)
#define INTERCEPT_INVLPGA   ICPT(ICPT_MISC1, 26)
#define INTERCEPT_IOIO_PROT ICPT(ICPT_MISC1, 27)
#define INTERCEPT_MSR_PROT  ICPT(ICPT_MISC1, 28)
#define INTERCEPT_TASK_SWITCH ICPT(ICPT_MISC1, 29)
#define INTERCEPT_SHUTDOWN  ICPT(ICPT_MISC1, 31)
/* MISC2 (offset 0x010) */
#define INTERCEPT_VMRUN     ICPT(ICPT_MISC2, 0)
#define INTERCEPT_VMMCALL   ICPT(ICPT_MISC2, 1)
#define INTERCEPT_VMLOAD    ICPT(ICPT_MISC2, 2)
#define INTERCEPT_VMSAVE    ICPT(ICPT_MISC2, 3)
#define INTERCEPT_STGI      ICPT(ICPT_MISC2, 4)
#define INTERCEPT_CLGI      ICPT(ICPT_MISC2, 5)
#define INTERCEPT_SKINIT    ICPT(ICPT_MISC2, 6)
#define INTERCEPT_XSETBV    ICPT(ICPT_MISC2, 13)
/* Exceptions (offset 0x008): bit = vector */
#define INTERCEPT_EXC(v)    ICPT(ICPT_EXC, (v))

struct vmcb_seg {
	uint16_t selector;
	uint16_t attrib;
	uint32_t limit;
	uint64_t base;
} __packed;
_Static_assert(sizeof(struct vmcb_seg) == 16, "VMCB segment");

struct vmcb_control {
	uint32_t intercepts[6];          /* 0x000 */
	uint8_t reserved_0x018[0x24];
	uint16_t pause_filter_thresh;    /* 0x03C */
	uint16_t pause_filter_count;     /* 0x03E */
	uint64_t iopm_base_pa;           /* 0x040 */
	uint64_t msrpm_base_pa;          /* 0x048 */
	uint64_t tsc_offset;             /* 0x050 */
	uint32_t asid;                   /* 0x058 */
	uint8_t tlb_control;             /* 0x05C */
	uint8_t reserved_0x05d[3];
	uint64_t vintr;                  /* 0x060: V_TPR, V_IRQ, V_INTR_MASKING... */
	uint64_t interrupt_shadow;       /* 0x068 */
	uint64_t exit_code;              /* 0x070 */
	uint64_t exit_info1;             /* 0x078 */
	uint64_t exit_info2;             /* 0x080 */
	uint64_t exit_int_info;          /* 0x088 */
	uint64_t np_enable;              /* 0x090 */
	uint64_t avic_apic_bar;          /* 0x098 */
	uint64_t ghcb_pa;                /* 0x0A0 */
	uint64_t event_inj;              /* 0x0A8 */
	uint64_t n_cr3;                  /* 0x0B0 */
	uint64_t lbr_virt;               /* 0x0B8 */
	uint32_t clean_bits;             /* 0x0C0 */
	uint32_t reserved_0x0c4;
	uint64_t next_rip;               /* 0x0C8 */
	uint8_t insn_bytes_fetched;      /* 0x0D0 */
	uint8_t insn_bytes[15];          /* 0x0D1 */
	uint64_t avic_backing_page;      /* 0x0E0 */
	uint64_t reserved_0x0e8;
	uint64_t avic_logical_table;     /* 0x0F0 */
	uint64_t avic_physical_table;    /* 0x0F8 */
	uint64_t reserved_0x100;
	uint64_t vmsa_pa;                /* 0x108 */
	uint8_t reserved_0x110[0x400 - 0x110];
} __packed;
_Static_assert(offsetof(struct vmcb_control, pause_filter_thresh) == 0x03C, "VMCB");
_Static_assert(offsetof(struct vmcb_control, iopm_base_pa) == 0x040, "VMCB");
_Static_assert(offsetof(struct vmcb_control, msrpm_base_pa) == 0x048, "VMCB");
_Static_assert(offsetof(struct vmcb_control, tsc_offset) == 0x050, "VMCB");
_Static_assert(offsetof(struct vmcb_control, asid) == 0x058, "VMCB");
_Static_assert(offsetof(struct vmcb_control, tlb_control) == 0x05C, "VMCB");
_Static_assert(offsetof(struct vmcb_control, vintr) == 0x060, "VMCB");
_Static_assert(offsetof(struct vmcb_control, interrupt_shadow) == 0x068, "VMCB");
_Static_assert(offsetof(struct vmcb_control, exit_code) == 0x070, "VMCB");
_Static_assert(offsetof(struct vmcb_control, exit_info1) == 0x078, "VMCB");
_Static_assert(offsetof(struct vmcb_control, exit_info2) == 0x080, "VMCB");
_Static_assert(offsetof(struct vmcb_control, exit_int_info) == 0x088, "VMCB");
_Static_assert(offsetof(struct vmcb_control, np_enable) == 0x090, "VMCB");
_Static_assert(offsetof(struct vmcb_control, event_inj) == 0x0A8, "VMCB");
_Static_assert(offsetof(struct vmcb_control, n_cr3) == 0x0B0, "VMCB");
_Static_assert(offsetof(struct vmcb_control, clean_bits) == 0x0C0, "VMCB");
_Static_assert(offsetof(struct vmcb_control, next_rip) == 0x0C8, "VMCB");
_Static_assert(offsetof(struct vmcb_control, insn_bytes_fetched) == 0x0D0, "VMCB");
_Static_assert(offsetof(struct vmcb_control, vmsa_pa) == 0x108, "VMCB");
_Static_assert(sizeof(struct vmcb_control) == 0x400, "VMCB control area");

struct vmcb_save {
	struct vmcb_seg es, cs, ss, ds, fs, gs;   /* 0x400 */
	struct vmcb_seg gdtr, ldtr, idtr, tr;     /* 0x460 */
	uint8_t reserved_0x4a0[0x2B];
	uint8_t cpl;                              /* 0x4CB */
	uint32_t reserved_0x4cc;
	uint64_t efer;                            /* 0x4D0 */
	uint8_t reserved_0x4d8[0x70];
	uint64_t cr4;                             /* 0x548 */
	uint64_t cr3;                             /* 0x550 */
	uint64_t cr0;                             /* 0x558 */
	uint64_t dr7;                             /* 0x560 */
	uint64_t dr6;                             /* 0x568 */
	uint64_t rflags;                          /* 0x570 */
	uint64_t rip;                             /* 0x578 */
	uint8_t reserved_0x580[0x58];
	uint64_t rsp;                             /* 0x5D8 */
	uint64_t s_cet, ssp, isst_addr;           /* 0x5E0 */
	uint64_t rax;                             /* 0x5F8 */
	uint64_t star, lstar, cstar, sfmask;      /* 0x600 */
	uint64_t kernel_gs_base;                  /* 0x620 */
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip; /* 0x628 */
	uint64_t cr2;                             /* 0x640 */
	uint8_t reserved_0x648[0x20];
	uint64_t g_pat;                           /* 0x668 */
	uint64_t dbgctl;                          /* 0x670 */
	uint64_t br_from, br_to;                  /* 0x678 */
	uint64_t last_excp_from, last_excp_to;    /* 0x688 */
	uint8_t reserved_0x698[0x1000 - 0x698];
} __packed;

struct vmcb {
	struct vmcb_control ctl;
	struct vmcb_save save;
} __packed;
_Static_assert(offsetof(struct vmcb, save.es) == 0x400, "VMCB");
_Static_assert(offsetof(struct vmcb, save.cs) == 0x410, "VMCB");
_Static_assert(offsetof(struct vmcb, save.gdtr) == 0x460, "VMCB");
_Static_assert(offsetof(struct vmcb, save.idtr) == 0x480, "VMCB");
_Static_assert(offsetof(struct vmcb, save.tr) == 0x490, "VMCB");
_Static_assert(offsetof(struct vmcb, save.cpl) == 0x4CB, "VMCB");
_Static_assert(offsetof(struct vmcb, save.efer) == 0x4D0, "VMCB");
_Static_assert(offsetof(struct vmcb, save.cr4) == 0x548, "VMCB");
_Static_assert(offsetof(struct vmcb, save.cr3) == 0x550, "VMCB");
_Static_assert(offsetof(struct vmcb, save.cr0) == 0x558, "VMCB");
_Static_assert(offsetof(struct vmcb, save.dr7) == 0x560, "VMCB");
_Static_assert(offsetof(struct vmcb, save.dr6) == 0x568, "VMCB");
_Static_assert(offsetof(struct vmcb, save.rflags) == 0x570, "VMCB");
_Static_assert(offsetof(struct vmcb, save.rip) == 0x578, "VMCB");
_Static_assert(offsetof(struct vmcb, save.rsp) == 0x5D8, "VMCB");
_Static_assert(offsetof(struct vmcb, save.rax) == 0x5F8, "VMCB");
_Static_assert(offsetof(struct vmcb, save.star) == 0x600, "VMCB");
_Static_assert(offsetof(struct vmcb, save.kernel_gs_base) == 0x620, "VMCB");
_Static_assert(offsetof(struct vmcb, save.sysenter_cs) == 0x628, "VMCB");
_Static_assert(offsetof(struct vmcb, save.cr2) == 0x640, "VMCB");
_Static_assert(offsetof(struct vmcb, save.g_pat) == 0x668, "VMCB");
_Static_assert(offsetof(struct vmcb, save.dbgctl) == 0x670, "VMCB");
_Static_assert(offsetof(struct vmcb, save.last_excp_to) == 0x690, "VMCB");
_Static_assert(sizeof(struct vmcb) == 0x1000, "VMCB is one page");

/* vintr (0x060) */
#define VINTR_V_IRQ           BIT(8)
#define VINTR_MASKING         BIT(24)
/* TLB_CONTROL (0x05C; APM Vol. 2, 15.16.1): 3 flushes only the entries
 * of this VMCB's ASID and is valid only with FlushByAsid (CPUID
 * Fn8000_000A EDX[6]); without it only 0 and 1 may be used. */
#define TLB_CONTROL_NONE      0
#define TLB_CONTROL_FLUSH_ALL 1
#define TLB_CONTROL_FLUSH_ASID 3
/* NP_ENABLE (0x090) */
#define NP_ENABLE             BIT(0)
/* EVENTINJ / EXITINTINFO bits: svm/events.h */

/* Exit codes (APM Vol. 2, appendix C, table C-1). */
enum svm_exit_code {
	VMEXIT_CR0_READ = 0x000, VMEXIT_CR15_READ = 0x00F,
	VMEXIT_CR0_WRITE = 0x010, VMEXIT_CR15_WRITE = 0x01F,
	VMEXIT_DR0_READ = 0x020, VMEXIT_DR15_READ = 0x02F,
	VMEXIT_DR0_WRITE = 0x030, VMEXIT_DR15_WRITE = 0x03F,
	VMEXIT_EXCP_BASE = 0x040, VMEXIT_EXCP_LAST = 0x05F,
	VMEXIT_INTR = 0x060, VMEXIT_NMI = 0x061, VMEXIT_SMI = 0x062,
	VMEXIT_INIT = 0x063, VMEXIT_VINTR = 0x064,
	VMEXIT_CR0_SEL_WRITE = 0x065, VMEXIT_IDTR_READ = 0x066,
	VMEXIT_GDTR_READ = 0x067, VMEXIT_LDTR_READ = 0x068,
	VMEXIT_TR_READ = 0x069, VMEXIT_IDTR_WRITE = 0x06A,
	VMEXIT_GDTR_WRITE = 0x06B, VMEXIT_LDTR_WRITE = 0x06C,
	VMEXIT_TR_WRITE = 0x06D, VMEXIT_RDTSC = 0x06E, VMEXIT_RDPMC = 0x06F,
	VMEXIT_PUSHF = 0x070, VMEXIT_POPF = 0x071, VMEXIT_CPUID = 0x072,
	VMEXIT_RSM = 0x073, VMEXIT_IRET = 0x074, VMEXIT_SWINT = 0x075,
	VMEXIT_INVD = 0x076, VMEXIT_PAUSE = 0x077, VMEXIT_HLT = 0x078,
	VMEXIT_INVLPG = 0x079, VMEXIT_INVLPGA = 0x07A, VMEXIT_IOIO = 0x07B,
	VMEXIT_MSR = 0x07C, VMEXIT_TASK_SWITCH = 0x07D,
	VMEXIT_FERR_FREEZE = 0x07E, VMEXIT_SHUTDOWN = 0x07F,
	VMEXIT_VMRUN = 0x080, VMEXIT_VMMCALL = 0x081, VMEXIT_VMLOAD = 0x082,
	VMEXIT_VMSAVE = 0x083, VMEXIT_STGI = 0x084, VMEXIT_CLGI = 0x085,
	VMEXIT_SKINIT = 0x086, VMEXIT_RDTSCP = 0x087, VMEXIT_ICEBP = 0x088,
	VMEXIT_WBINVD = 0x089, VMEXIT_MONITOR = 0x08A, VMEXIT_MWAIT = 0x08B,
	VMEXIT_MWAIT_COND = 0x08C, VMEXIT_XSETBV = 0x08D,
	VMEXIT_RDPRU = 0x08E, VMEXIT_EFER_WRITE_TRAP = 0x08F,
	VMEXIT_CR0_WRITE_TRAP = 0x090, VMEXIT_CR15_WRITE_TRAP = 0x09F,
	VMEXIT_INVLPGB = 0x0A0, VMEXIT_INVLPGB_ILLEGAL = 0x0A1,
	VMEXIT_INVPCID = 0x0A2, VMEXIT_MCOMMIT = 0x0A3, VMEXIT_TLBSYNC = 0x0A4,
	VMEXIT_NPF = 0x400, VMEXIT_AVIC_INCOMPLETE_IPI = 0x401,
	VMEXIT_AVIC_NOACCEL = 0x402, VMEXIT_VMGEXIT = 0x403,
	VMEXIT_INVALID = -1,
};

/* Dense index for the dispatch table and counters: 0x000-0x0A4 as is,
 * 0x400-0x403 at 0x0A5.., everything else SVM_EXIT_SLOT_OTHER. */
#define SVM_EXIT_SLOTS       0xAA
#define SVM_EXIT_SLOT_OTHER  0xA9
static inline unsigned svm_exit_slot(uint64_t code)
{
	if (code <= VMEXIT_TLBSYNC)
		return (unsigned)code;
	if (code >= VMEXIT_NPF && code <= VMEXIT_VMGEXIT)
		return (unsigned)(0xA5 + code - VMEXIT_NPF);
	return SVM_EXIT_SLOT_OTHER;
}

/* The inverse of svm_exit_slot (for slots other than SVM_EXIT_SLOT_OTHER). */
static inline uint64_t svm_slot_code(unsigned slot)
{
	return slot < 0xA5 ? slot : VMEXIT_NPF + (slot - 0xA5);
}

static inline void vmcb_set_intercept(struct vmcb *v, unsigned icpt)
{
	v->ctl.intercepts[icpt >> 5] |= 1U << (icpt & 31);
}

static inline void vmcb_clear_intercept(struct vmcb *v, unsigned icpt)
{
	v->ctl.intercepts[icpt >> 5] &= ~(1U << (icpt & 31));
}

static inline bool vmcb_has_intercept(const struct vmcb *v, unsigned icpt)
{
	return (v->ctl.intercepts[icpt >> 5] >> (icpt & 31)) & 1;
}

#endif

/*
 * hypercall/hypercall.h - the hypercall ABI between the hypervisor and its
 * guest, and the CPUID leaves by which the guest finds the hypervisor.
 * Included by both sides (and by assembly: constants only).
 *
 * Discovery (the convention of AMD and Intel for software hypervisors):
 *   CPUID 1: ECX bit 31 ("hypervisor present") is set.
 *   CPUID 0x40000000: EAX = highest hypervisor leaf (HV_CPUID_MAX_LEAF),
 *   EBX, ECX, EDX = the 12-byte vendor signature HV_SIGNATURE, in that order
 *   (EBX holds bytes 0..3 little-endian, as for "AuthenticAMD").
 *   CPUID 0x40000001: EAX = HC_ABI_VERSION, EBX/ECX/EDX = 0.
 *
 * Calling convention (VMMCALL, APM Vol. 2, 15.33; opcode 0F 01 D9):
 *   RAX = function number (HC_*), arguments in RDI, RSI, RDX (in that
 *   order, as in the SysV ABI). The result comes back in RAX: 0 or a
 *   positive value on success, a negative HC_E* code on failure. Every other
 *   register is preserved. Callable from CPL 0 only; from CPL > 0 the
 *   hypervisor injects #UD. An unknown function number injects #UD too, so
 *   a guest running without our hypervisor (where VMMCALL itself raises
 *   #UD) sees the same thing as for an unsupported call.
 *   Guest-physical buffers must lie entirely in the guest's RAM; a buffer
 *   touching memory the guest does not own fails with HC_EFAULT and nothing
 *   is read or written.
 */
#ifndef HYPERCALL_HYPERCALL_H
#define HYPERCALL_HYPERCALL_H

#define HV_CPUID_LEAF_BASE   0x40000000u
#define HV_CPUID_LEAF_INFO   0x40000001u
#define HV_CPUID_MAX_LEAF    HV_CPUID_LEAF_INFO
/* 12 characters exactly, no terminator in CPUID. */
#define HV_SIGNATURE         "ThinAMDvisor"
#define HV_SIGNATURE_LEN     12

/* ABI version returned by HC_VERSION and CPUID 0x40000001 EAX:
 * major in bits 31:16, minor in bits 15:0. */
#define HC_ABI_VERSION       0x00010000u

/* ---- function numbers (RAX) -------------------------------------------- */

/* HC_VERSION: no arguments. Returns HC_ABI_VERSION. */
#define HC_VERSION           0

/* HC_LOG: RDI = guest-physical address of a string, RSI = its length in
 * bytes (no terminator needed, at most HC_LOG_MAX). The hypervisor prints
 * it on its log as one line, tagged with the vCPU; bytes outside 0x20..0x7e
 * are shown as '?'. Returns 0, HC_EINVAL (length 0 or > HC_LOG_MAX) or
 * HC_EFAULT. */
#define HC_LOG               1
#define HC_LOG_MAX           256

/* HC_EXIT_STATS: RDI = guest-physical address of a buffer, RSI = its size
 * in bytes (at least sizeof(struct hc_exit_stats), 8-byte aligned). The
 * hypervisor writes the calling vCPU's exit counters: a struct
 * hc_exit_stats header followed by as many struct hc_exit_stat entries
 * (nonzero counters only, ascending exit code) as fit. Returns 0,
 * HC_EINVAL (too small, misaligned) or HC_EFAULT. */
#define HC_EXIT_STATS        2

/* HC_SHUTDOWN: RDI = exit code (0 = success). Ends the machine: under QEMU
 * through isa-debug-exit (port 0xf4; QEMU's status is (code << 1) | 1),
 * otherwise the hypervisor reports the code and halts. Does not return. */
#define HC_SHUTDOWN          3

/* ---- error codes (RAX, negative) ----------------------------------------- */
#define HC_EINVAL            (-22)
#define HC_EFAULT            (-14)

#ifndef __ASSEMBLY__
#include <stdint.h>
#include <stddef.h>

struct hc_exit_stats {
	uint32_t version;       /* HC_ABI_VERSION */
	uint32_t nr_written;    /* entries that follow this header */
	uint32_t nr_nonzero;    /* nonzero counters the vCPU has (may be more) */
	uint32_t reserved_0x0c;
	uint64_t total_exits;   /* all exits of this vCPU since it started */
} __attribute__((packed));
_Static_assert(offsetof(struct hc_exit_stats, version) == 0x00, "layout");
_Static_assert(offsetof(struct hc_exit_stats, nr_written) == 0x04, "layout");
_Static_assert(offsetof(struct hc_exit_stats, nr_nonzero) == 0x08, "layout");
_Static_assert(offsetof(struct hc_exit_stats, reserved_0x0c) == 0x0c, "layout");
_Static_assert(offsetof(struct hc_exit_stats, total_exits) == 0x10, "layout");
_Static_assert(sizeof(struct hc_exit_stats) == 0x18, "layout");

struct hc_exit_stat {
	uint64_t code;          /* SVM exit code (APM Vol. 2, appendix C) */
	uint64_t count;
} __attribute__((packed));
_Static_assert(offsetof(struct hc_exit_stat, code) == 0x00, "layout");
_Static_assert(offsetof(struct hc_exit_stat, count) == 0x08, "layout");
_Static_assert(sizeof(struct hc_exit_stat) == 0x10, "layout");
#endif

#endif

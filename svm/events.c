/*
 * svm/events.c - event merging, virtual NMI windows and IPI routing: the
 * rules of svm/events.h, free of hardware access (host-tested).
 */
#include "svm/events.h"

uint64_t events_exception(unsigned vector, bool has_error, uint32_t error)
{
	return EVENT_VALID | EVENT_TYPE_EXCEPTION | (vector & 0xFF) |
	       (has_error ? EVENT_ERROR_VALID |
			    ((uint64_t)error << EVENT_ERROR_SHIFT) : 0);
}

uint64_t events_prepare(struct event_state *es, uint64_t exitintinfo,
			uint64_t rip, bool shadow, bool *iret_intercept)
{
	uint64_t inj;

	*iret_intercept = false;
	if (exitintinfo & EVENT_VALID) {
		/* Verbatim: type, vector, error-code bit and error code as
		 * the CPU recorded them (docs/interrupts.md, vectors < 32). */
		inj = exitintinfo;
		if (es->inject) {
			if (es->pending)
				es->dropped++;
			else
				es->pending = es->inject;
		}
	} else if (es->pending) {
		inj = es->pending;
		es->pending = es->inject;
	} else {
		inj = es->inject;
	}
	es->inject = 0;

	if (es->awaiting_iret && rip != es->iret_rip)
		es->nmi_blocked = es->awaiting_iret = es->stepping = false;
	if (es->nmi_queued && !es->nmi_blocked && !inj && !shadow) {
		inj = EVENT_NMI;
		es->nmi_queued = 0;
		es->nmi_blocked = true;
		es->nmis_injected++;
		*iret_intercept = true;
	}
	es->step_iret = es->nmi_queued && es->awaiting_iret && !es->stepping &&
			!inj;
	if (es->step_iret) {
		es->stepping = true;
		es->iret_steps++;
	}
	return inj;
}

bool events_step_db(struct event_state *es, uint64_t rip)
{
	if (!es->stepping)
		return false;
	es->stepping = false;
	if (es->awaiting_iret && rip != es->iret_rip)
		es->nmi_blocked = es->awaiting_iret = false;
	return true;
}

void events_iret(struct event_state *es, uint64_t rip)
{
	if (es->nmi_blocked) {
		es->awaiting_iret = true;
		es->iret_rip = rip;
	}
}

void events_queue_nmi(struct event_state *es)
{
	es->nmi_queued = 1;
}

void events_reset(struct event_state *es)
{
	uint64_t injected = es->nmis_injected, dropped = es->dropped;
	uint64_t steps = es->iret_steps;

	*es = (struct event_state){ .nmis_injected = injected, .dropped = dropped,
				    .iret_steps = steps };
}

enum icr_action icr_classify(uint32_t lo)
{
	switch (ICR_MODE(lo)) {
	case ICR_MODE_INIT:
		return (lo & ICR_LEVEL_ASSERT) ? ICR_EMULATE : ICR_IGNORE;
	case ICR_MODE_STARTUP:
	case ICR_MODE_NMI:
		return ICR_EMULATE;
	case ICR_MODE_FIXED:
	case ICR_MODE_LOWEST:
		return ICR_FORWARD;
	default:
		return ICR_REFUSE;   /* SMI: into SMM behind us; or reserved */
	}
}

#define LVT_REG_CMCI     0x2F0
#define LVT_REG_THERMAL  0x330
#define LVT_REG_PERF     0x340
#define LVT_REG_LINT0    0x350
#define LVT_REG_LINT1    0x360

bool lvt_refused(uint32_t reg, uint32_t val)
{
	unsigned mode = ICR_MODE(val);

	switch (reg) {
	case LVT_REG_LINT0:
	case LVT_REG_LINT1:
		return mode != ICR_MODE_FIXED && mode != ICR_MODE_NMI &&
		       mode != ICR_MODE_EXTINT;
	case LVT_REG_CMCI:
	case LVT_REG_THERMAL:
	case LVT_REG_PERF:
		return mode != ICR_MODE_FIXED && mode != ICR_MODE_NMI;
	default:
		return false;
	}
}

static bool logical_match(uint8_t mda, uint32_t ldr, uint32_t dfr)
{
	uint8_t id = (uint8_t)(ldr >> 24);

	if (mda == 0xFF)
		return true;
	if ((dfr >> 28) == APIC_DFR_FLAT)
		return (id & mda) != 0;
	/* Cluster model: high nibble cluster, low nibble member mask. */
	return (id >> 4) == (mda >> 4) && (id & mda & 0xF) != 0;
}

bool icr_targets(uint32_t lo, uint32_t hi, bool self, uint32_t apic_id,
		 uint32_t ldr, uint32_t dfr)
{
	uint8_t dest = (uint8_t)(hi >> 24);

	switch (ICR_SHORTHAND(lo)) {
	case 1: return self;
	case 2: return true;
	case 3: return !self;
	default: break;
	}
	if (lo & ICR_DEST_LOGICAL)
		return logical_match(dest, ldr, dfr);
	return dest == 0xFF || apic_id == dest;
}

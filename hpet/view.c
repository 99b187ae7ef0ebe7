/*
 * hpet/view.c - the guest's view of an HPET one of whose timers the
 * hypervisor keeps (hpet.h). Pure logic over the hpet_hw callbacks, so
 * the host tests drive it over a simulated register file.
 *
 * IA-PC HPET 1.0a, 2.3 (register set). What differs from the hardware:
 *  - GCAP: NUM_TIM_CAP (bits 12:8, the last timer's number) one lower, so
 *    the kept timer, always the last, does not exist for the guest; its
 *    registers read 0 and ignore writes, its GINTR_STA bit reads 0.
 *  - GEN_CONF.ENABLE_CNF: the guest's value is shadowed, the hardware's
 *    stays 1 (a stopped main counter would stop the tick). While the
 *    guest has it clear, the main counter it reads stands still at the
 *    value it had when disabled (or the value the guest wrote: 2.3.4
 *    allows writes only while halted); a write to the running counter is
 *    ignored, so after enabling the guest reads the hardware's count. The
 *    guest's timers keep firing while its counter is "halted": Linux and
 *    our guest stop the counter only to reset it, with interrupts off.
 *  - Tn_FSB_INT_ROUTE: an FSB interrupt is a 32-bit write by the HPET to
 *    any physical address, outside the IOMMU's and the nested page
 *    table's reach; so a route is kept only when hpet_route_allowed, and
 *    Tn_CONF.FSB_EN_CNF only while the timer's route is allowed.
 *  - Writes to reserved registers are dropped (vendors put private
 *    registers there); reads of them pass.
 * Without a kept timer (hpet_view_init_guard: the guest's HPET whose
 * timers can deliver through the FSB) only the route rules apply, and
 * reserved writes are dropped; everything else is the hardware's.
 * Callers serialise (svm/: one lock for the page).
 */
#include "hpet/hpet.h"

#define GEN_ENABLE      BIT(0)
#define NUM_TIM_SHIFT   8
#define NUM_TIM_MASK    (0x1Fu << NUM_TIM_SHIFT)
#define DELIVERY(d)     (((d) >> 8) & 7)

void hpet_view_init(struct hpet_view *v, const struct hpet_hw *hw,
		    unsigned ntimers, bool guest_enabled, uint64_t frozen)
{
	*v = (struct hpet_view){
		.hw = *hw, .ntimers = ntimers, .keep = true, .ours = ntimers - 1,
		.guest_enabled = guest_enabled, .frozen = frozen,
	};
}

void hpet_view_init_guard(struct hpet_view *v, const struct hpet_hw *hw,
			  unsigned ntimers)
{
	*v = (struct hpet_view){
		.hw = *hw, .ntimers = ntimers, .keep = false,
		.ours = HPET_MAX_TIMERS,         /* no timer is */
	};
}

bool hpet_route_allowed(uint32_t addr, uint32_t data)
{
	unsigned mode = DELIVERY(data);

	if ((addr & HPET_MSI_MASK) != HPET_MSI_BASE)
		return false;
	return mode == 0 || mode == 1 || mode == 4;   /* fixed, lowest, NMI */
}

static uint32_t hw_rd(struct hpet_view *v, uint32_t off)
{
	return v->hw.rd(v->hw.ctx, off);
}

static void hw_wr(struct hpet_view *v, uint32_t off, uint32_t val)
{
	v->hw.wr(v->hw.ctx, off, val);
}

/* The timer whose block holds @off, or -1. */
static int timer_of(const struct hpet_view *v, uint32_t off)
{
	if (off < HPET_TIMER(0) || off >= HPET_TIMER(v->ntimers))
		return -1;
	return (int)((off - HPET_TIMER(0)) / 0x20);
}

/* The hardware counter, untorn (read high, low, high: 1.0a, 2.4.7). */
static uint64_t hw_counter(struct hpet_view *v)
{
	uint32_t hi, lo;

	do {
		hi = hw_rd(v, HPET_COUNTER + 4);
		lo = hw_rd(v, HPET_COUNTER);
	} while (hw_rd(v, HPET_COUNTER + 4) != hi);
	return (uint64_t)hi << 32 | lo;
}

/* One dword as the guest sees it. */
static uint32_t view_rd(struct hpet_view *v, uint32_t off)
{
	int t = timer_of(v, off);

	if (off >= HPET_REGS_SIZE)
		return 0;            /* past the register set: nothing */
	if (t == (int)v->ours)
		return 0;
	if (!v->keep)
		return hw_rd(v, off);
	switch (off) {
	case HPET_GCAP:
		return (hw_rd(v, off) & ~NUM_TIM_MASK) |
		       ((v->ntimers - 2) << NUM_TIM_SHIFT);
	case HPET_GEN_CONF:
		return (hw_rd(v, off) & ~GEN_ENABLE) |
		       (v->guest_enabled ? GEN_ENABLE : 0);
	case HPET_GINTR_STA:
		return hw_rd(v, off) & ~BIT(v->ours);
	case HPET_COUNTER:
		return v->guest_enabled ? (uint32_t)hw_counter(v)
					: (uint32_t)v->frozen;
	case HPET_COUNTER + 4:
		return v->guest_enabled ? (uint32_t)(hw_counter(v) >> 32)
					: (uint32_t)(v->frozen >> 32);
	}
	return hw_rd(v, off);
}

static void ignore(struct hpet_view *v)
{
	v->ignored_writes++;
}

static void refuse(struct hpet_view *v, const char *why)
{
	v->refused_routes++;
	v->last_refusal = why;
}

static void write_timer(struct hpet_view *v, unsigned t, uint32_t reg,
			uint32_t val)
{
	uint32_t base = HPET_TIMER(t);
	uint32_t addr = hw_rd(v, base + HPET_TN_FSB + 4);
	uint32_t data = hw_rd(v, base + HPET_TN_FSB);

	switch (reg) {
	case HPET_TN_CONF:
		if ((val & HPET_TN_FSB_EN) && !hpet_route_allowed(addr, data)) {
			refuse(v, "FSB delivery enabled with a refused route");
			val &= ~HPET_TN_FSB_EN;
		}
		break;
	case HPET_TN_FSB:
	case HPET_TN_FSB + 4:
		if (reg == HPET_TN_FSB)
			data = val;
		else
			addr = val;
		/* A route being written while FSB delivery is off need only
		 * be allowed once it is complete (the enable is checked);
		 * with delivery on, every half written must keep it allowed. */
		if ((hw_rd(v, base + HPET_TN_CONF) & HPET_TN_FSB_EN) &&
		    !hpet_route_allowed(addr, data)) {
			refuse(v, "FSB route outside the MSI window or with "
				  "SMI, INIT, ExtINT or reserved delivery");
			return;
		}
		break;
	case HPET_TN_CONF + 4:       /* INT_ROUTE_CAP: read-only */
	case HPET_TN_CMP:
	case HPET_TN_CMP + 4:
		break;
	default:                     /* 0x18-0x1F: reserved */
		ignore(v);
		return;
	}
	hw_wr(v, base + reg, val);
}

static void view_wr(struct hpet_view *v, uint32_t off, uint32_t val)
{
	int t = timer_of(v, off);

	if (t == (int)v->ours || off >= HPET_REGS_SIZE) {
		ignore(v);
		return;
	}
	if (t >= 0) {
		write_timer(v, (unsigned)t, (off - HPET_TIMER(0)) % 0x20, val);
		return;
	}
	if (!v->keep &&
	    (off == HPET_GEN_CONF || off == HPET_GEN_CONF + 4 ||
	     off == HPET_GINTR_STA || off == HPET_GINTR_STA + 4 ||
	     off == HPET_COUNTER || off == HPET_COUNTER + 4)) {
		hw_wr(v, off, val);          /* the guest's HPET: as it is */
		return;
	}
	switch (off) {
	case HPET_GEN_CONF: {
		bool enable = val & GEN_ENABLE;

		if (v->guest_enabled && !enable)
			v->frozen = hw_counter(v);
		v->guest_enabled = enable;
		hw_wr(v, off, val | GEN_ENABLE);
		return;
	}
	case HPET_GEN_CONF + 4:
		hw_wr(v, off, val);
		return;
	case HPET_GINTR_STA:
		hw_wr(v, off, val & ~BIT(v->ours));
		return;
	case HPET_GINTR_STA + 4:
		hw_wr(v, off, val);
		return;
	case HPET_COUNTER:
	case HPET_COUNTER + 4:
		if (v->guest_enabled) {
			ignore(v);    /* 2.3.4: undefined while running */
			return;
		}
		if (off == HPET_COUNTER)
			v->frozen = (v->frozen & ~0xFFFFFFFFull) | val;
		else
			v->frozen = (v->frozen & 0xFFFFFFFFull) |
				    (uint64_t)val << 32;
		return;
	}
	ignore(v);                   /* GCAP (read-only) and reserved */
}

static bool access_ok(struct hpet_view *v, uint32_t off, unsigned size)
{
	if ((size != 4 && size != 8) || (off & (size - 1)) || off >= 4096) {
		v->bad_accesses++;
		return false;
	}
	return true;
}

int hpet_view_read(struct hpet_view *v, uint32_t off, unsigned size,
		   uint64_t *val)
{
	if (!access_ok(v, off, size)) {
		*val = size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
		return -1;
	}
	if (size == 4) {
		*val = view_rd(v, off);
		return 0;
	}
	if (off == HPET_COUNTER && v->keep) { /* one untorn 64-bit count */
		*val = v->guest_enabled ? hw_counter(v) : v->frozen;
		return 0;
	}
	*val = view_rd(v, off) | (uint64_t)view_rd(v, off + 4) << 32;
	return 0;
}

int hpet_view_write(struct hpet_view *v, uint32_t off, unsigned size,
		    uint64_t val)
{
	if (!access_ok(v, off, size))
		return -1;
	if (size == 8 && (off % 0x20) == HPET_TN_FSB && timer_of(v, off) >= 0 &&
	    timer_of(v, off) != (int)v->ours) {
		/* A whole route at once is judged whole (its halves alone
		 * could be refused while the pair is fine). */
		unsigned t = (unsigned)timer_of(v, off);
		uint32_t base = HPET_TIMER(t);

		if ((hw_rd(v, base + HPET_TN_CONF) & HPET_TN_FSB_EN) &&
		    !hpet_route_allowed((uint32_t)(val >> 32), (uint32_t)val)) {
			refuse(v, "FSB route outside the MSI window or with "
				  "SMI, INIT, ExtINT or reserved delivery");
			return 0;
		}
		hw_wr(v, base + HPET_TN_FSB + 4, (uint32_t)(val >> 32));
		hw_wr(v, base + HPET_TN_FSB, (uint32_t)val);
		return 0;
	}
	view_wr(v, off, (uint32_t)val);
	if (size == 8)
		view_wr(v, off + 4, (uint32_t)(val >> 32));
	return 0;
}

/*
 * guest/pcichecks.c - the hypervisor's own NIC must be absent for us
 * (option hvnic=BB:DD.F, the function given to the hypervisor's net=):
 * through configuration mechanism #1 and through ECAM it reads as an empty
 * slot (all ones), a write to its command register changes nothing we
 * can see, and every other NIC (ours) is still there.
 */
#include "guest/guest.h"

#define CONF_ADDR   0xcf8
#define CONF_DATA   0xcfc
#define MCH_BDF     0u                    /* 00:00.0 */
#define PCIEXBAR    0x60
#define CLASS_NET   0x02

static uint32_t cf8_read(uint32_t bdf, uint8_t reg)
{
	outl(CONF_ADDR, BIT(31) | bdf << 8 | reg);
	return inl(CONF_DATA);
}

static void cf8_write(uint32_t bdf, uint8_t reg, uint32_t v)
{
	outl(CONF_ADDR, BIT(31) | bdf << 8 | reg);
	outl(CONF_DATA, v);
}

/* The Q35 ECAM window (PCIEXBAR), 0 when off. */
static uint64_t ecam_base(void)
{
	uint32_t bar = cf8_read(MCH_BDF, PCIEXBAR);
	unsigned len = (bar >> 1) & 3;

	if (!(bar & 1) || (cf8_read(MCH_BDF, 0) & 0xFFFF) != 0x8086)
		return 0;
	return bar & (0xf0000000u | (len >= 1 ? 0x08000000u : 0) |
		      (len == 2 ? 0x04000000u : 0));
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ?
	       c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* "BB:DD.F" in hex (the option ends at a blank): 0 and *bdf, or -1. */
static int parse_bdf(const char *s, uint32_t *bdf)
{
	int v[5];
	const int at[5] = { 0, 1, 3, 4, 6 };

	if (s[2] != ':' || s[5] != '.' || (s[7] && s[7] != ' '))
		return -1;
	for (int i = 0; i < 5; i++)
		if ((v[i] = hexval(s[at[i]])) < 0)
			return -1;
	if (v[2] * 16 + v[3] > 31 || v[4] > 7)
		return -1;
	*bdf = (uint32_t)((v[0] * 16 + v[1]) << 8 | (v[2] * 16 + v[3]) << 3 | v[4]);
	return 0;
}

void check_hvnic_hidden(const char *opt)
{
	uint32_t bdf, id, cmd_after, ecam_id = 0xFFFFFFFFu;
	unsigned ours = 0;
	uint64_t ecam;

	if (parse_bdf(opt, &bdf)) {
		check_report("hvnic_hidden", false, "bad hvnic= value");
		return;
	}
	id = cf8_read(bdf, 0);
	/* Try to switch on its memory decoding and bus mastering. */
	cf8_write(bdf, 4, 0x0006);
	cmd_after = cf8_read(bdf, 4);
	ecam = ecam_base();
	if (ecam) {
		volatile uint32_t *p = (volatile uint32_t *)(uintptr_t)
			(ecam + ((uint64_t)bdf << 12));
		p[1] = 0x0006;
		ecam_id = p[0] & p[1];
	}
	/* Our own NICs: every function on buses 0-3 with class 02. */
	for (uint32_t b = 0; b < 4 * 256; b++) {
		if (b == bdf || (cf8_read(b, 0) & 0xFFFF) == 0xFFFF)
			continue;
		if ((cf8_read(b, 8) >> 24) == CLASS_NET) {
			printk("NIC at %02x:%02x.%x, %08x\n", b >> 8,
			       (b >> 3) & 31, b & 7, cf8_read(b, 0));
			ours++;
		}
	}
	check_report("hvnic_hidden", id == 0xFFFFFFFFu &&
		     cmd_after == 0xFFFFFFFFu && ecam_id == 0xFFFFFFFFu && ours,
		     "%02x:%02x.%x: id %#x, command after a write %#x, ECAM "
		     "%#x; %u NICs of ours", bdf >> 8, (bdf >> 3) & 31, bdf & 7, id, cmd_after, ecam_id, ours);
}

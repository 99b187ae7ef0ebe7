/*
 * acpi/sleep.c - the sleep types (SLP_TYPa/SLP_TYPb values) of \_S1 ..
 * \_S5 from the DSDT's AML, so the hypervisor can tell a power-off (S5)
 * from a sleep that would resume the guest without it.
 *
 * Only the plain form is understood (ACPI 6.5, 7.4.2 "\_Sx (System
 * States)"; AML encoding, 20.2.5.2 and 20.2.5.4):
 *   NameOp (0x08) ['\'] "_Sx_" PackageOp (0x12) PkgLength NumElements
 *   element element ...
 * where an element is ZeroOp (0x00), OneOp (0x01), BytePrefix (0x0A) b,
 * WordPrefix (0x0B) w or DWordPrefix (0x0C) d; SLP_TYPa is the first
 * element, SLP_TYPb the second (the first when there is only one), each
 * the low 3 bits (PM1 control, 4.8.3.2.1). A \_Sx written as a method, or
 * in any other form, is "unknown"; so is one that is defined twice with
 * different values. Every read is bounded by len.
 */
#include "acpi/internal.h"

#define AML_NAME_OP    0x08
#define AML_ROOT_CHAR  0x5C
#define AML_PACKAGE_OP 0x12
#define AML_ZERO_OP    0x00
#define AML_ONE_OP     0x01
#define AML_BYTE_PFX   0x0A
#define AML_WORD_PFX   0x0B
#define AML_DWORD_PFX  0x0C

/* One integer element at aml[*i]; false when it is not a plain one. */
static bool element(const uint8_t *aml, size_t len, size_t *i, uint32_t *v)
{
	size_t n;

	if (*i >= len)
		return false;
	switch (aml[*i]) {
	case AML_ZERO_OP:
		*v = 0;
		*i += 1;
		return true;
	case AML_ONE_OP:
		*v = 1;
		*i += 1;
		return true;
	case AML_BYTE_PFX:
		n = 1;
		break;
	case AML_WORD_PFX:
		n = 2;
		break;
	case AML_DWORD_PFX:
		n = 4;
		break;
	default:
		return false;
	}
	if (len - *i < 1 + n)
		return false;
	*v = 0;
	for (size_t k = 0; k < n; k++)
		*v |= (uint32_t)aml[*i + 1 + k] << (8 * k);
	*i += 1 + n;
	return true;
}

/* The package after "_Sx_" at aml[i]: its first two values, read from
 * inside the package (PkgLength, 20.2.4: the lead byte's bits 7:6 count
 * the bytes that follow; with none, bits 5:0 are the length; otherwise
 * bits 5:4 are reserved, bits 3:0 the low nibble; the length counts from
 * the PkgLength's own first byte). */
static bool package(const uint8_t *aml, size_t len, size_t i, uint8_t *a,
		    uint8_t *b)
{
	size_t follow, count, start, end, pkglen;
	uint32_t va, vb;

	if (i >= len || aml[i] != AML_PACKAGE_OP)
		return false;
	start = ++i;
	if (i >= len)
		return false;
	follow = aml[i] >> 6;
	if (len - i < 1 + follow + 1)
		return false;
	if (follow) {
		if (aml[i] & 0x30)
			return false;
		pkglen = aml[i] & 0x0F;
		for (size_t k = 0; k < follow; k++)
			pkglen |= (size_t)aml[i + 1 + k] << (4 + 8 * k);
	} else {
		pkglen = aml[i] & 0x3F;
	}
	if (pkglen > len - start)
		return false;
	end = start + pkglen;            /* elements stay before this */
	i += 1 + follow;
	if (i >= end)
		return false;
	count = aml[i++];                /* NumElements */
	if (count == 0 || !element(aml, end, &i, &va))
		return false;
	vb = va;
	if (count > 1 && i < end && !element(aml, end, &i, &vb))
		return false;
	*a = va & 7;
	*b = vb & 7;
	return true;
}

unsigned acpi_parse_sleep_types(const uint8_t *aml, size_t len,
				struct acpi_sleep *out)
{
	bool twice_bad[ACPI_SLEEP_STATES] = { false };
	unsigned found = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; len >= 5 && i <= len - 5; i++) {
		uint8_t a, b;
		unsigned s;

		if (aml[i] != '_' || aml[i + 1] != 'S' || aml[i + 3] != '_' ||
		    aml[i + 2] < '1' || aml[i + 2] > '5')
			continue;
		/* Preceded by NameOp, directly or through the root prefix. */
		if (!(i >= 1 && aml[i - 1] == AML_NAME_OP) &&
		    !(i >= 2 && aml[i - 1] == AML_ROOT_CHAR &&
		      aml[i - 2] == AML_NAME_OP))
			continue;
		s = aml[i + 2] - '0';
		if (!package(aml, len, i + 4, &a, &b))
			continue;
		if (out->known[s] && (out->typ_a[s] != a || out->typ_b[s] != b))
			twice_bad[s] = true;
		out->known[s] = true;
		out->typ_a[s] = a;
		out->typ_b[s] = b;
	}
	for (unsigned s = 1; s < ACPI_SLEEP_STATES; s++) {
		if (twice_bad[s])
			out->known[s] = false;
		found += out->known[s];
	}
	return found;
}

void acpi_find_sleep_types(struct acpi_info *info, acpi_map_fn map, void *ctx)
{
	struct acpi_sdt_header hdr;
	const char *why = NULL;
	const uint8_t *t;

	if (!info->fadt.present || !info->fadt.dsdt)
		return;
	t = acpi_map_table(map, ctx, info->fadt.dsdt, ACPI_SIG_DSDT, &hdr,
			   &why);
	if (!t) {
		printk("acpi: DSDT at 0x%llx unusable: %s (sleep types "
		       "unknown)\n", (unsigned long long)info->fadt.dsdt, why);
		return;
	}
	acpi_parse_sleep_types(t + sizeof(hdr), hdr.length - sizeof(hdr),
			       &info->sleep);
}

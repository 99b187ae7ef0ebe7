/*
 * kernel/paging.c - the hypervisor's own address space (APM Vol. 2, 5.3).
 *
 * boot/entry.S built: identity + direct map of 0..4 GiB (2 MiB pages) and
 * the image at KERNEL_VMA. Here: extend the direct map over RAM above
 * 4 GiB, map MMIO uncached in the ioremap window, and drop the identity
 * map once nothing needs it. Table pages come from the frame domain with
 * tag FRAME_TAG_PAGETABLE. Callers serialize (bring-up is single-threaded;
 * later changes take paging_lock).
 */
#include "kernel/kernel.h"
#include "arch/x86.h"
#include "kernel/private.h"
#include "lib/lib.h"
#include "mm/mm.h"

#define IOREMAP_BASE  0xFFFFFF0000000000ULL  /* PML4 slot 510 */
#define IOREMAP_SIZE  (1 * GiB)
#define TABLE_FLAGS   (PTE_P | PTE_RW)
/* NX only when EFER.NXE is on (boot/entry.S sets it when offered). */
#define PTE_NX_IF_ON  (nx_enabled() ? PTE_NX : 0)

static bool nx_enabled(void)
{
	return (rdmsr(MSR_EFER) & EFER_NXE) != 0;
}

extern uint64_t boot_pml4[512];
static struct spinlock paging_lock = SPINLOCK_INIT;
static uint64_t ioremap_next = IOREMAP_BASE;

static uint64_t *table_of(uint64_t entry)
{
	return phys_to_virt(PADDR(entry & PTE_ADDR_MASK));
}

/* The next-level table under *entry, created (zeroed) when absent.
 * Returns NULL when the frame domain is exhausted. */
static uint64_t *next_table(uint64_t *entry)
{
	struct paddr pa;

	if (*entry & PTE_P) {
		assert(!(*entry & PTE_PS));
		return table_of(*entry);
	}
	if (frame_alloc(0, FRAME_TAG_PAGETABLE, FRAME_ZERO, &pa) != MM_OK)
		return NULL;
	*entry = pa.pa | TABLE_FLAGS;
	return phys_to_virt(pa);
}

/* Map [pa, pa + len) at va with 2 MiB pages; all three 2 MiB aligned. */
static int map_2m(uint64_t va, uint64_t pa, uint64_t len, uint64_t flags)
{
	for (uint64_t off = 0; off < len; off += 2 * MiB) {
		uint64_t v = va + off;
		uint64_t *pdpt, *pd;

		pdpt = next_table(&boot_pml4[(v >> 39) & 511]);
		pd = pdpt ? next_table(&pdpt[(v >> 30) & 511]) : NULL;
		if (!pd)
			return MM_ENOMEM;
		pd[(v >> 21) & 511] = (pa + off) | flags | PTE_P | PTE_PS;
	}
	return MM_OK;
}

/* RAM as the firmware map says (every type but reserved, MMIO and bad),
 * merged: what phys_to_virt may be used on for memory the guest names. */
static struct { uint64_t base, end; } ram_spans[BOOT_MAX_RANGES];
static size_t nram_spans;

static bool ram_like(uint32_t type)
{
	return type != MEM_RESERVED && type != MEM_MMIO && type != MEM_BAD;
}

static void record_ram(const struct mem_range *map, size_t n)
{
	nram_spans = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t b = map[i].base, e = map[i].base + map[i].len;
		size_t j;

		if (!ram_like(map[i].type) || e <= b)
			continue;
		/* Merge with an overlapping or adjacent span (maps are
		 * sorted in practice; unsorted input only splits spans). */
		for (j = 0; j < nram_spans; j++) {
			if (b <= ram_spans[j].end && ram_spans[j].base <= e) {
				ram_spans[j].base = MIN(ram_spans[j].base, b);
				ram_spans[j].end = MAX(ram_spans[j].end, e);
				break;
			}
		}
		if (j == nram_spans && nram_spans < ARRAY_SIZE(ram_spans)) {
			ram_spans[nram_spans].base = b;
			ram_spans[nram_spans++].end = e;
		}
	}
}

bool paging_is_ram(uint64_t pa, uint64_t len)
{
	uint64_t end = pa + len;

	if (end < pa)
		return false;
	for (size_t i = 0; i < nram_spans; i++)
		if (pa >= ram_spans[i].base && end <= ram_spans[i].end)
			return true;
	return false;
}

/* paging_extend_direct_map: make every RAM-like range of @map (usable,
 * ACPI, NVS, persistent, EFI runtime) above 4 GiB reachable through
 * phys_to_virt, and remember the RAM for paging_is_ram(). Returns the new
 * direct-map size (highest mapped address + 1; gaps above 4 GiB stay
 * unmapped: check paging_is_ram), or 0 when page tables ran out. */
uint64_t paging_extend_direct_map(const struct mem_range *map, size_t n)
{
	uint64_t top = 4 * GiB;

	record_ram(map, n);
	for (size_t i = 0; i < n; i++) {
		uint64_t base = ALIGN_DOWN(map[i].base, 2 * MiB);
		uint64_t end = ALIGN_UP(map[i].base + map[i].len, 2 * MiB);

		if (!ram_like(map[i].type) || end <= 4 * GiB)
			continue;
		base = MAX(base, 4 * GiB);
		if (end > 64 * 1024 * GiB)
			continue; /* beyond the direct map's 64 TiB window */
		if (map_2m(DIRECT_MAP_BASE + base, base, end - base,
			   PTE_RW | PTE_NX_IF_ON) != MM_OK)
			return 0;
		top = MAX(top, end);
	}
	write_cr3(read_cr3());
	return top;
}

/* Map @len bytes of MMIO at @pa with the cache bits @cache in a window
 * of its own, 4 KiB pages. Never unmapped. Returns the virtual address,
 * or NULL when tables or window run out. */
static void *ioremap_cache(uint64_t pa, uint64_t len, uint64_t cache)
{
	uint64_t off = pa & 0xFFF, va, start;

	pa -= off;
	len = ALIGN_UP(len + off, 4096);
	spin_lock(&paging_lock);
	if (ioremap_next + len > IOREMAP_BASE + IOREMAP_SIZE) {
		spin_unlock(&paging_lock);
		return NULL;
	}
	start = va = ioremap_next;
	for (uint64_t i = 0; i < len; i += 4096, va += 4096) {
		uint64_t *pdpt = next_table(&boot_pml4[(va >> 39) & 511]);
		uint64_t *pd = pdpt ? next_table(&pdpt[(va >> 30) & 511]) : NULL;
		uint64_t *pt = pd ? next_table(&pd[(va >> 21) & 511]) : NULL;

		if (!pt) {
			spin_unlock(&paging_lock);
			return NULL; /* tables made so far stay: harmless */
		}
		pt[(va >> 12) & 511] = (pa + i) | PTE_P | PTE_RW | cache |
				       PTE_NX_IF_ON;
	}
	ioremap_next = va;
	spin_unlock(&paging_lock);
	return (void *)(start + off);
}

/* ioremap: MMIO uncached (PCD|PWT: PAT entry 3, UC in the power-on PAT,
 * which the hypervisor never changes; APM Vol. 2, 7.8, "Page-Attribute
 * Table Mechanism"). */
void *ioremap(uint64_t pa, uint64_t len)
{
	return ioremap_cache(pa, len, PTE_PCD | PTE_PWT);
}

/* ioremap_uc_minus: PCD alone (PAT entry 2, UC-): uncached, except where
 * the MTRRs say write-combining, which then wins (APM Vol. 2, 7.8: the
 * table of combined PAT and MTRR types); for framebuffers, which
 * firmware often marks WC. */
void *ioremap_uc_minus(uint64_t pa, uint64_t len)
{
	return ioremap_cache(pa, len, PTE_PCD);
}

/* Remove the identity map of low memory (PML4 slot 0): after this a NULL
 * or low pointer dereference faults instead of reading physical memory.
 * The AP trampoline needs the identity map, so call it once every CPU is
 * up. (Slot 256, the direct map, shares the PDPT and stays.) */
void paging_drop_identity(void)
{
	boot_pml4[0] = 0;
	write_cr3(read_cr3());
}

/* Flush this CPU's TLB (smp_call_all after a change to the tables). */
void paging_flush_tlb(void *unused)
{
	write_cr3(read_cr3());
}

/*
 * boot/header.S - the Multiboot2 header (Multiboot2 spec 3.1).
 *
 * It must lie 8-byte aligned within the first 32768 bytes of the image;
 * linker.ld puts .multiboot first and asserts it. Tags (3.1.3 - 3.1.13):
 *  - entry address (3): the 32-bit entry, as a link-time physical address
 *    that GRUB shifts by the relocation delta;
 *  - module alignment (6): modules page aligned;
 *  - relocatable (10): place the image 2 MiB aligned, as high as possible
 *    below 4 GiB and above 16 MiB: low memory stays free for the guest;
 *  - framebuffer (5, 3.1.10), optional, no preferred mode: a linear
 *    framebuffer for the log on the screen (fb/, docs/screen.md) when the
 *    boot loader has one; without it (or with gfxpayload=text) the boot
 *    goes on in text mode.
 */
#include "arch/x86.h"
#include "boot/multiboot2.h"

	.section .multiboot, "a"
	.balign 8
	.globl mb2_header
mb2_header:
	.long MB2_HEADER_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))

	.balign 8
	.short MB2_HTAG_ENTRY, 0
	.long 12
	.long _start32 - KERNEL_VMA

	.balign 8
	.short MB2_HTAG_MODULE_ALIGN, 0
	.long 8

	.balign 8
	.short MB2_HTAG_RELOCATABLE, 0
	.long 24
	.long 0x01000000         /* min_addr: keep the first 16 MiB free */
	.long 0xFFFFFFFF         /* max_addr */
	.long 0x00200000         /* align: 2 MiB, the early mapping's page */
	.long MB2_RELOC_HIGHEST  /* preference */

	.balign 8
	.short MB2_HTAG_FRAMEBUFFER, MB2_HTAG_OPTIONAL
	.long 20
	.long 0                  /* width: no preference */
	.long 0                  /* height */
	.long 0                  /* depth */

	.balign 8
	.short MB2_HTAG_END, 0
	.long 8
mb2_header_end:

#!/bin/sh
# tools/mkiso.sh OUT.iso GRUB_CFG_TEMPLATE HV_ELF [GUEST_ELF]
# Builds one hybrid ISO (BIOS + UEFI) with grub-mkrescue.
# Environment: CMDLINE (hypervisor command line), GUEST_ARGS (guest command
# line), TIMEOUT (GRUB menu seconds, default 1), EXTRA_MODULES (lines of
# "path string" for further module2 entries, for tests), GUEST_KIND
# (own: a Multiboot2 ELF, the default; linux: a bzImage, booted without the
# hypervisor by GRUB's `linux` command), INITRD (a Linux initramfs: module
# `initrd`), DEFAULT (GRUB menu entry: 0 with the hypervisor, 1 the guest
# alone), KEY_FILE (the UDP console's key: /boot/console.key, module
# `console_key`, docs/console-protocol.md), GFXPAYLOAD (the first entry's
# video mode for the hypervisor, e.g. `1024x768x32`: the log is drawn on
# that framebuffer; default: BIOS text mode, UEFI GRUB's choice;
# docs/screen.md).
set -eu
out=$1 cfg=$2 hv=$3 guest=${4:-}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/boot/grub"
cp "$hv" "$dir/boot/hv.elf"
modules=""
if [ -n "$guest" ]; then
	cp "$guest" "$dir/boot/guest.elf"
	modules="	module2 /boot/guest.elf guest ${GUEST_ARGS:-}"
fi
alone="	multiboot2 /boot/guest.elf ${GUEST_ARGS:-}"
if [ "${GUEST_KIND:-own}" = linux ]; then
	alone="	linux /boot/guest.elf ${GUEST_ARGS:-}"
fi
if [ -n "${INITRD:-}" ]; then
	cp "$INITRD" "$dir/boot/initrd"
	modules="$modules
	module2 /boot/initrd initrd"
	alone="$alone
	initrd /boot/initrd"
fi
if [ -n "${KEY_FILE:-}" ]; then
	cp "$KEY_FILE" "$dir/boot/console.key"
	modules="$modules
	module2 /boot/console.key console_key"
fi
if [ -n "${EXTRA_MODULES:-}" ]; then
	n=0
	printf '%s\n' "$EXTRA_MODULES" | while read -r path str; do
		[ -n "$path" ] || continue
		cp "$path" "$dir/boot/extra$n"
		n=$((n + 1))
	done
	n=0
	for path in $(printf '%s\n' "$EXTRA_MODULES" | awk '{print $1}'); do
		str=$(printf '%s\n' "$EXTRA_MODULES" | awk -v p="$path" '$1==p {$1=""; sub(/^ /,""); print; exit}')
		modules="$modules
	module2 /boot/extra$n $str"
		n=$((n + 1))
	done
fi
awk -v t="${TIMEOUT:-1}" -v c="${CMDLINE:-}" -v m="$modules" -v a="$alone" \
    -v d="${DEFAULT:-0}" -v g="${GFXPAYLOAD:-}" '
	{ gsub(/@TIMEOUT@/, t); gsub(/@CMDLINE@/, c); gsub(/@DEFAULT@/, d);
	  if ($0 == "@GFXPAYLOAD@") {
		if (g == "") print "\tif [ \"$grub_platform\" = pc ]; then set gfxpayload=text; fi"
		else print "\tset gfxpayload=" g
		next }
	  if ($0 == "@MODULES@") { if (m != "") print m; next }
	  if ($0 == "@ALONE@") { print a; next } print }' \
	"$cfg" > "$dir/boot/grub/grub.cfg"
grub-mkrescue -o "$out.tmp" "$dir" >/dev/null 2>&1 || {
	echo "grub-mkrescue failed:"; grub-mkrescue -o "$out.tmp" "$dir"; exit 1; }
mv "$out.tmp" "$out"

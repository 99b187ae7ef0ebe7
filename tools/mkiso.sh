#!/bin/sh
# tools/mkiso.sh OUT.iso GRUB_CFG_TEMPLATE HV_ELF [GUEST_ELF]
# Builds one hybrid ISO (BIOS + UEFI) with grub-mkrescue.
# Environment: CMDLINE (hypervisor command line), GUEST_ARGS (guest command
# line), TIMEOUT (GRUB menu seconds, default 1), EXTRA_MODULES (lines of
# "path string" for further module2 entries, for tests).
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
awk -v t="${TIMEOUT:-1}" -v c="${CMDLINE:-}" -v m="$modules" -v g="${GUEST_ARGS:-}" '
	{ gsub(/@TIMEOUT@/, t); gsub(/@CMDLINE@/, c); gsub(/@GUEST_ARGS@/, g);
	  if ($0 == "@MODULES@") { if (m != "") print m; next } print }' \
	"$cfg" > "$dir/boot/grub/grub.cfg"
grub-mkrescue -o "$out.tmp" "$dir" >/dev/null 2>&1 || {
	echo "grub-mkrescue failed:"; grub-mkrescue -o "$out.tmp" "$dir"; exit 1; }
mv "$out.tmp" "$out"

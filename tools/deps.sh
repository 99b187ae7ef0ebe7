#!/bin/sh
# tools/deps.sh - install, only when missing, every Debian package that
# building, running, testing and benchmarking need (dpkg-dev and xz-utils:
# tools/fetch-src.sh, which fetches the pinned third-party sources). Idempotent; quiet when
# everything is there. Needs root (or sudo) only when something is missing.
set -eu
PKGS="make gcc binutils libc6-dev clang libclang-rt-14-dev
grub-common grub-pc-bin grub-efi-amd64-bin xorriso mtools
qemu-system-x86 ovmf python3 python3-pytest python3-pexpect python3-cryptography
dpkg-dev xz-utils cpio libjemalloc-dev libmimalloc-dev libgoogle-perftools-dev"

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

echo "deps: installing:$missing"
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "deps: done"

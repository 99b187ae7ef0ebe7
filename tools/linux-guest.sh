#!/bin/sh
# tools/linux-guest.sh OUTDIR - a Linux guest for `make run GUEST=linux`:
#   OUTDIR/vmlinuz          the kernel of Debian's linux-image-amd64
#                           (apt-get download, dpkg-deb -x; unmodified)
#   OUTDIR/initrd.cpio.gz   a busybox-static initramfs (tools/linux-init.sh
#                           as /init)
#   OUTDIR/modules/         the NIC drivers the initramfs carries (e1000e,
#                           virtio-net) and their load order
#   OUTDIR/version.txt      the package versions used
# Idempotent: downloads only when OUTDIR/vmlinuz is missing.
set -eu
out=$1
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
cd "$out"
if [ ! -s vmlinuz ]; then
	# linux-image-amd64 is a metapackage: its dependency is the image.
	image_pkg() {
		apt-cache depends linux-image-amd64 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ {print $2; exit}'
	}
	meta=$(image_pkg)
	if [ -z "$meta" ]; then
		SUDO=
		[ "$(id -u)" -eq 0 ] || SUDO=sudo
		$SUDO apt-get update -qq
		meta=$(image_pkg)
	fi
	[ -n "$meta" ] || { echo "linux-guest: linux-image-amd64 is not known to apt"; exit 1; }
	rm -f linux-image-*.deb
	apt-get download "$meta" >/dev/null
	rm -rf kpkg && mkdir kpkg
	dpkg-deb -x linux-image-*.deb kpkg
	cp kpkg/boot/vmlinuz-* vmlinuz.tmp && mv vmlinuz.tmp vmlinuz
	echo "kernel: $(dpkg-deb -f linux-image-*.deb Package) $(dpkg-deb -f linux-image-*.deb Version)" > version.txt
	rm -rf kpkg
fi
if [ ! -x busybox ]; then
	rm -f busybox-static_*.deb
	apt-get download busybox-static >/dev/null
	rm -rf bpkg && mkdir bpkg
	dpkg-deb -x busybox-static_*.deb bpkg
	cp bpkg/bin/busybox busybox
	echo "busybox: $(dpkg-deb -f busybox-static_*.deb Version)" >> version.txt
	rm -rf bpkg
fi
# Linux's NIC drivers for a guest given its own NIC: e1000e (PTP and PPS,
# its dependencies, are built in) and virtio-net with what it needs, in
# the order insmod must load them (each one's "depends=" lists only
# modules before it). Modules of Debian's kernel, copied unmodified.
NIC_MODULES="e1000e virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci failover net_failover virtio_net"
have_modules() {
	for m in $NIC_MODULES; do [ -s "modules/$m.ko" ] || return 1; done
}
if ! have_modules; then
	if ! ls linux-image-*.deb >/dev/null 2>&1; then
		# The package of the kernel we have (version.txt's first line).
		pkg=$(sed -n '1s/^kernel: \([^ ]*\) .*/\1/p' version.txt)
		ver=$(sed -n '1s/^kernel: [^ ]* //p' version.txt)
		apt-get download "$pkg=$ver" >/dev/null
	fi
	rm -rf kpkg modules.tmp && mkdir kpkg modules.tmp
	dpkg-deb -x linux-image-*.deb kpkg
	for m in $NIC_MODULES; do
		f=$(find kpkg/lib/modules -name "$m.ko" | head -n 1)
		[ -n "$f" ] || { echo "linux-guest: $m.ko is not in $(ls linux-image-*.deb)"; exit 1; }
		cp "$f" modules.tmp/
	done
	echo "$NIC_MODULES" > modules.tmp/order
	rm -rf modules && mv modules.tmp modules
	rm -rf kpkg e1000e.ko
fi
if [ ! -s initrd.cpio.gz ] || [ "$here/linux-init.sh" -nt initrd.cpio.gz ] ||
   [ "$here/linux-guest.sh" -nt initrd.cpio.gz ] ||
   [ modules/order -nt initrd.cpio.gz ]; then
	rm -rf root && mkdir -p root/bin root/proc root/sys root/dev root/lib
	cp busybox root/bin/busybox
	cp modules/*.ko modules/order root/lib/
	# udhcpc's event script: configure the address it leased.
	cat > root/bin/dhcp-event <<'SCRIPT'
#!/bin/sh
[ "$1" = bound ] || [ "$1" = renew ] || exit 0
ip addr add "$ip/${mask:-24}" dev "$interface"
[ -n "$router" ] && ip route add default via "${router%% *}" dev "$interface"
exit 0
SCRIPT
	chmod 755 root/bin/dhcp-event
	cp "$here/linux-init.sh" root/init
	chmod 755 root/init root/bin/busybox
	ln -s busybox root/bin/sh
	(cd root && find . | cpio -o -H newc --quiet) | gzip -9 > initrd.tmp
	mv initrd.tmp initrd.cpio.gz
	rm -rf root
fi

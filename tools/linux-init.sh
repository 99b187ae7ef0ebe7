#!/bin/sh
# /init of the Linux guest's initramfs (tools/linux-guest.sh): markers the
# tests wait for (tests/qemu/test_linux.py), then a shell on the console.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs dev /dev 2>/dev/null
echo "linux-init: reached"
echo "linux-init: cpus online $(cat /sys/devices/system/cpu/online) count $(grep -c ^processor /proc/cpuinfo)"
echo "linux-init: flags $(grep -m1 ^flags /proc/cpuinfo | cut -d: -f2)"
echo "linux-init: hypervisor $(dmesg | grep -m1 'Hypervisor detected' | sed 's/.*detected: *//')"
echo "linux-init: memtotal $(grep MemTotal /proc/meminfo | tr -s ' ' | cut -d' ' -f2) kB"
echo "linux-init: uptime $(cut -d' ' -f1 /proc/uptime)"
for w in $(cat /proc/cmdline); do
	case $w in
	linux_test=poweroff) echo "linux-init: powering off"; poweroff -f ;;
	linux_test=reboot) echo "linux-init: rebooting"; reboot -f ;;
	esac
done
echo "linux-init: shell"
exec setsid sh -c 'exec sh </dev/ttyS0 >/dev/ttyS0 2>&1'

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
echo "linux-init: memtotal $(grep MemTotal /proc/meminfo | tr -s ' ' | cut -d' ' -f2) kB"
echo "linux-init: uptime $(cut -d' ' -f1 /proc/uptime)"
# linux_test=WORD[,WORD...] on the kernel command line, in order:
#   hotplug   CPU 1 offline and back online through sysfs
#   poweroff  ACPI S5 (the hypervisor reports it and powers off)
#   reboot    the kernel's reboot (the hypervisor reports and resets)
#   net       Linux's NIC drivers (e1000e, virtio-net: /lib/order) on the
#             NICs it is given: the PCI functions, interfaces and the
#             driver eth0 got, a DHCP lease, a ping of the gateway
tests=$(sed -n 's/.*linux_test=\([^ ]*\).*/\1/p' /proc/cmdline | tr , ' ')
for t in $tests; do
	case $t in
	hotplug)
		c=/sys/devices/system/cpu/cpu1/online
		echo 0 > $c && echo "linux-init: cpu1 offline, online now $(cat /sys/devices/system/cpu/online)"
		echo 1 > $c && echo "linux-init: cpu1 online, online now $(cat /sys/devices/system/cpu/online)"
		;;
	net)
		echo "linux-init: pci $(ls /sys/bus/pci/devices | tr '\n' ' ')"
		loaded=
		for d in $(cat /lib/order); do
			insmod /lib/$d.ko && loaded="$loaded $d"
		done
		echo "linux-init: drivers loaded$loaded"
		i=0
		while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i+1)); done
		echo "linux-init: interfaces $(ls /sys/class/net | tr '\n' ' ')"
		echo "linux-init: eth0 driver $(basename "$(readlink /sys/class/net/eth0/device/driver)")"
		ip link set eth0 up
		if udhcpc -i eth0 -f -q -n -t 10 -T 2 -s /bin/dhcp-event >/dev/null 2>&1; then
			echo "linux-init: eth0 $(ip addr show eth0 | sed -n 's/.*inet \([0-9./]*\).*/\1/p')"
			ping -c 1 -W 5 10.0.2.2 >/dev/null 2>&1 && echo "linux-init: ping 10.0.2.2 ok"
		else
			echo "linux-init: no DHCP lease on eth0"
		fi
		;;
	poweroff) echo "linux-init: powering off"; poweroff -f ;;
	reboot) echo "linux-init: rebooting"; reboot -f ;;
	esac
done
echo "linux-init: shell"
# A session of its own with the console as controlling terminal (Ctrl-C).
exec setsid cttyhack sh

"""An unmodified Linux kernel (Debian's linux-image-amd64) with a busybox
initramfs as the guest (GUEST=linux, docs/linux.md).

The initramfs's init (tools/linux-init.sh) prints markers: the CPUs
online, the CPU flags, MemTotal; then runs the linux_test= steps
(hotplug: CPU 1 offline and online through sysfs; poweroff; reboot).

make test runs the -smp 4 SeaBIOS boot, which combines every check; the
rest of the matrix (-smp 1 with reboot, the EPYC CPU model, OVMF, Linux's
own NIC, the HPET tick) costs a Linux boot each and
runs with `make test-linux` (HV_TEST_LINUX_MATRIX=1).
"""
import os
import re

import pytest

import hvtest
from test_console import Console, console_path, serial2  # noqa: F401

matrix = pytest.mark.skipif(os.environ.get("HV_TEST_LINUX_MATRIX") != "1",
                            reason="the Linux matrix: make test-linux")

ARGS = "console=ttyS0,115200 linux_test="
BOOT_TIMEOUT = 400   # TCG on a shared 2-core machine: 1-3 minutes


def need_linux():
    if not (os.path.exists(hvtest.LINUX_KERNEL) and
            os.path.exists(hvtest.LINUX_INITRD)):
        pytest.fail("no Linux guest: make linux-guest (tools/linux-guest.sh)")


def hv_holes(out):
    """The hypervisor's memory, from its mm line: pool and image, [(base, end)]."""
    m = re.search(r"hv: mm: pool ([0-9a-f]+)-([0-9a-f]+) .*image ([0-9a-f]+)-([0-9a-f]+)", out)
    assert m, "no 'hv: mm: pool' line"
    v = [int(x, 16) for x in m.groups()]
    return [(v[0], v[1] + 1), (v[2], v[3] + 1)]


def e820(out):
    """Linux's view of the map: [(base, end, kind)]. Once each: when a
    console registers late Linux replays its log on it, the map again."""
    return sorted(set((int(a, 16), int(b, 16) + 1, k) for a, b, k in re.findall(
        r"BIOS-e820: \[mem 0x([0-9a-f]+)-0x([0-9a-f]+)\] (\w+)", out)))


def check_inside(m, ncpus, online):
    """The markers every boot must show; returns the Linux log so far."""
    m.expect(r"linux-init: reached", timeout=BOOT_TIMEOUT)
    m.expect(r"linux-init: cpus online %s count %d[\r\n]" % (online, ncpus), timeout=30)
    flags = m.expect(r"linux-init: flags ([^\r\n]*)[\r\n]", timeout=30).group(1).decode().split()
    assert "hypervisor" in flags, flags
    assert "svm" not in flags and "npt" not in flags, flags
    mem_kb = int(m.expect(r"linux-init: memtotal (\d+) kB", timeout=30).group(1))
    out = m.output()
    # Every BAR Linux sizes answers, the guarded ICH9 SMBus one too
    # (svm/cfgfilter.c: its sizing is answered, the BAR never moves).
    assert "can't size" not in out, "a BAR Linux could not size"
    assert re.search(r"pci 0000:00:1f\.3: BAR 4 \[io ", out), \
        "ICH9 SMBus BAR 4 not sized"
    # The memory map without the hypervisor: each hole lies in a reserved
    # entry and overlaps no usable one.
    mp = e820(out)
    assert mp, "no BIOS-e820 lines"
    usable = 0
    for b, e, k in mp:
        if k == "usable":
            usable += e - b
            for hb, he in hv_holes(out):
                assert e <= hb or he <= b, "usable %x-%x over the hole" % (b, e)
    for hb, he in hv_holes(out):
        assert any(b <= hb and he <= e and k == "reserved" for b, e, k in mp), \
            "hypervisor %x-%x not reserved in Linux's map" % (hb, he)
    # MemTotal: the usable RAM less what the kernel keeps (its image,
    # memmap, reserved firmware pages): within 64 MiB below the map's sum.
    assert mem_kb * 1024 <= usable, (mem_kb, usable)
    assert mem_kb * 1024 >= usable - 64 * 2**20, (mem_kb, usable)
    return out


def test_linux_smp4_console_hotplug_poweroff(boot, console_path):
    need_linux()
    m = boot(cmdline="", guest_args=ARGS + "hotplug", linux=True,
             smp=4, mem="1G", extra_args=serial2(console_path))
    m.expect(r"hv: guest: Linux boot protocol 2\.\d+, kernel at", timeout=120)
    m.expect(r"Linux version \d", timeout=60)
    con = Console(console_path)
    try:
        assert "ThinAMDvisor hypervisor" in con.cmd("version", timeout=60)
        out = check_inside(m, 4, "0-3")
        # GRUB's text mode handed on: Linux's console on the VGA screen.
        assert "hv: guest: Linux screen_info: VGA text 80x25" in out
        assert "Console: colour VGA+ 80x25" in out
        m.expect(r"linux-init: cpu1 offline, online now 0,2-3[\r\n]", timeout=120)
        m.expect(r"hv: vcpu 1: SIPI vector", timeout=60)
        m.expect(r"linux-init: cpu1 online, online now 0-3[\r\n]", timeout=120)
        m.expect(r"linux-init: shell", timeout=60)
        assert "ThinAMDvisor hypervisor" in con.cmd("version", timeout=60)
    finally:
        con.close()
    # The shell on the serial console answers; its poweroff ends the run.
    m.send("echo shell$((6*7))\r")
    m.expect(r"shell42", timeout=60)
    m.send("poweroff -f\r")
    m.expect(r"hv: vcpu \d: guest powers the machine off \(S5", timeout=120)
    m.expect_exit(status=0, timeout=60)


@matrix
def test_linux_smp1_entry64_reboot(boot):
    """The 64-bit entry (linux_entry=64: long mode, identity page tables)."""
    need_linux()
    m = boot(cmdline="linux_entry=64", guest_args=ARGS + "reboot", linux=True,
             smp=1, mem="512M")
    m.expect(r"hv: guest: Linux boot protocol .*64-bit entry", timeout=120)
    check_inside(m, 1, "0")
    m.expect(r"hv: vcpu 0: guest reset the machine", timeout=120)
    m.expect(r"hv: resetting the machine", timeout=30)
    m.expect_exit(status=0, timeout=60)


@matrix
def test_linux_epyc_smp2_poweroff(boot):
    """The EPYC CPU model (family 17h, what make bench-linux also measures):
    every CPU up, no svm flag; no AGP aperture scan (a family-0Fh probe)."""
    need_linux()
    m = boot(cmdline="", guest_args=ARGS + "poweroff", linux=True, smp=2,
             mem="1G", cpu="EPYC,+svm,+npt")
    check_inside(m, 2, "0-1")
    out = m.output()
    assert "family: 0x17" in out, "not a family 17h CPU"
    assert "AGP: Checking aperture" not in out
    m.expect(r"hv: vcpu \d: guest powers the machine off \(S5", timeout=120)
    m.expect_exit(status=0, timeout=60)


@matrix
def test_linux_uefi_smp4_poweroff(boot):
    need_linux()
    m = boot(cmdline="", guest_args=ARGS + "poweroff", linux=True, smp=4,
             mem="1G", uefi=True)
    out = check_inside(m, 4, "0-3")
    # GOP's framebuffer handed on: efifb, Linux's console on it.
    assert re.search(r"hv: guest: Linux screen_info: EFI framebuffer "
                     r"\d+x\d+x(24|32) at 0x", out)
    assert "fb0: EFI VGA frame buffer device" in out
    assert "Console: switching to colour frame buffer device" in out
    m.expect(r"hv: vcpu \d: guest powers the machine off \(S5", timeout=120)
    m.expect_exit(status=0, timeout=60)


@matrix
def test_linux_bios_framebuffer_vesafb(boot):
    """GRUB's graphics mode under SeaBIOS (the log on a framebuffer):
    Linux gets it as a VESA framebuffer and puts its console on it."""
    need_linux()
    m = boot(cmdline="", guest_args=ARGS + "poweroff", linux=True, smp=1,
             mem="512M", gfxpayload="1024x768x32")
    out = check_inside(m, 1, "0")
    assert "hv: guest: Linux screen_info: VESA framebuffer 1024x768x32 at " \
        "0x" in out
    assert re.search(r"vesafb: framebuffer at 0x[0-9a-f]+, mapped to", out)
    assert "fb0: VESA VGA frame buffer device" in out
    assert "Console: switching to colour frame buffer device 128x48" in out
    m.expect(r"hv: vcpu \d: guest powers the machine off \(S5", timeout=120)
    m.expect_exit(status=0, timeout=60)


@matrix
@pytest.mark.parametrize("model,driver", [("e1000e", "e1000e"),
                                          ("virtio-net-pci", "virtio_net")])
def test_linux_own_nic_dhcp_while_hypervisor_holds_one(boot, model, driver):
    """Two NICs of one model: the guest's at 00:02.0 and the hypervisor's
    at 00:05.0 (net=00:05.0). Linux's driver for that model finds only its
    own, gets a DHCP lease from QEMU and pings the gateway, while the
    hypervisor's UDP console answers on the other NIC."""
    need_linux()
    import test_net
    port = test_net.free_udp_port()
    m = boot(cmdline="net=00:05.0 console_key=none",
             guest_args=ARGS + "net,poweroff", linux=True, smp=2, mem="1G",
             extra_args=["-nic", "user,model=%s" % model] +
             test_net.hv_nic(port, model=model))
    m.expect(r"hv: net: address 10\.0\.2\.15/24 gateway 10\.0\.2\.2 \(DHCP\)",
             timeout=120)
    m.expect(r"hv: svm: PCI 00:05\.0 is the hypervisor's: absent for the "
             r"guest", timeout=60)
    check_inside(m, 2, "0-1")
    pci = m.expect(r"linux-init: pci ([^\r\n]*)[\r\n]", timeout=60).group(1)
    pci = pci.decode().split()
    assert "0000:00:02.0" in pci and "0000:00:05.0" not in pci, pci
    loaded = m.expect(r"linux-init: drivers loaded([^\r\n]*)[\r\n]",
                      timeout=60).group(1).decode().split()
    assert driver in loaded, loaded
    ifs = m.expect(r"linux-init: interfaces ([^\r\n]*)[\r\n]",
                   timeout=60).group(1).decode().split()
    assert sorted(ifs) == ["eth0", "lo"], ifs
    m.expect(r"linux-init: eth0 driver %s[\r\n]" % driver, timeout=30)
    m.expect(r"linux-init: eth0 10\.0\.2\.15/24[\r\n]", timeout=120)
    m.expect(r"linux-init: ping 10\.0\.2\.2 ok", timeout=60)
    out = test_net.ask(port, "version")
    assert out and "ThinAMDvisor" in out, out
    m.expect(r"hv: vcpu \d: guest powers the machine off \(S5", timeout=120)
    m.expect_exit(status=0, timeout=60)


@matrix
def test_linux_with_hpet_tick(boot, console_path):
    """The console on an unrouted UART (0x2e0, IRQ 5) and an HPET with FSB
    delivery: the hypervisor keeps the HPET's last timer for its tick and
    traps the HPET's page. Linux sees two timers, uses the HPET through
    the trapped page (its FSB-capable channels included) and reaches
    init; the console answers."""
    need_linux()
    m = boot(cmdline="console=0x2e0", guest_args=ARGS + "poweroff",
             linux=True, smp=2, mem="1G",
             extra_args=["-global", "hpet.msi=on",
                         "-chardev", "socket,id=con2e0,path=%s,server=on,"
                         "wait=off" % console_path,
                         "-device", "isa-serial,chardev=con2e0,"
                         "iobase=0x2e0,irq=5"])
    m.expect(r"hv: hpet: tick on timer 2 of 3", timeout=120)
    m.expect(r"hpet0: 2 comparators, 64-bit", timeout=120)
    check_inside(m, 2, "0-1")
    con = Console(console_path)
    try:
        out = con.cmd("cpus", timeout=60)
        assert re.search(r"^tick: HPET timer 2, every 10000 us, \d+ NMIs",
                         out, re.M), out
    finally:
        con.close()
    m.expect(r"hv: vcpu \d: guest powers the machine off \(S5", timeout=120)
    m.expect_exit(status=0, timeout=60)

"""AMD-Vi under QEMU's amd-iommu: device DMA into the hypervisor is
blocked; into guest RAM it works; the guest sees
neither the IOMMU's PCI function nor IVRS. Without an IOMMU the boot line
says DMA is not protected, and iommu=required refuses to boot.

amd-iommu must come before every other PCI device (QEMU puts only later
devices behind it); edu's dma_mask is widened to 64 bits. The memory the
guest's device aimed at is read from outside, through QEMU's monitor,
before the guest starts and after it is done: it must not change.
"""
import os
import re
import socket
import tempfile
import time

import pytest

import hvtest
from test_console import Console, serial2

IOMMU = ["-device", "amd-iommu",
         "-device", "edu,dma_mask=0xffffffffffffffff"]


class Monitor:
    """QEMU's human monitor on a Unix socket: physical memory reads."""

    def __init__(self, path, timeout=20):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock.connect(path)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                assert time.monotonic() < deadline, "no monitor socket"
                time.sleep(0.1)
        self._until(b"(qemu) ")

    def _until(self, marker, timeout=20):
        buf = b""
        deadline = time.monotonic() + timeout
        while marker not in buf:
            left = deadline - time.monotonic()
            assert left > 0, "monitor: no %r; got %r" % (marker, buf[-500:])
            self.sock.settimeout(left)
            data = self.sock.recv(65536)
            assert data, "monitor closed"
            buf += data
        return buf.decode("latin-1")

    def read_phys(self, pa, qwords=8):
        self.sock.sendall(b"xp /%dgx 0x%x\n" % (qwords, pa))
        out = self._until(b"(qemu) ")
        vals = re.findall(r"^[0-9a-f]{16}: (0x[0-9a-f]{16}) (0x[0-9a-f]{16})",
                          out.replace("\r", ""), re.M)
        assert len(vals) == qwords // 2, out
        return [int(v, 16) for pair in vals for v in pair]

    def close(self):
        self.sock.close()


@pytest.fixture
def sockdir():
    d = tempfile.mkdtemp(prefix="hviommu")
    yield d
    for f in os.listdir(d):
        os.unlink(os.path.join(d, f))
    os.rmdir(d)


@pytest.mark.parametrize("uefi", [False, True], ids=["bios", "uefi"])
def test_iommu_blocks_dma_into_hypervisor(boot, sockdir, uefi):
    con_path = os.path.join(sockdir, "com2")
    mon_path = os.path.join(sockdir, "mon")
    m = boot(cmdline="", guest_args="dma", smp=2, mem="2G", uefi=uefi,
             extra_args=IOMMU + serial2(con_path) +
             ["-monitor", "unix:%s,server=on,wait=off" % mon_path])
    m.expect(r"hv: iommu: IVRS rev \d+, IVHD type 10h, 1 IOMMU", timeout=90)
    m.expect(r"hv: iommu: 1 IOMMU\(s\) translating: \d+ device IDs reach "
             r"guest RAM", timeout=30)
    m.expect(r"hv: iommu: IVRS removed from the guest's ACPI tables", timeout=10)
    hole = m.expect(r'command line "dma hv_hole=0x([0-9a-f]+):0x([0-9a-f]+)"',
                    timeout=60)
    base, size = int(hole.group(1), 16), int(hole.group(2), 16)
    target = (base + size // 2) & ~0xFFF        # as guest/dma.c picks it
    mon = Monitor(mon_path)
    try:
        before = mon.read_phys(target)
        m.expect(r"guest: dma: device writes then reads hypervisor memory "
                 r"at 0x%x" % target, timeout=240)
        m.expect(r"guest: check dma_hv_blocked ok", timeout=60)
        m.expect(r"guest: boot cpu ok", timeout=60)
        con = Console(con_path)
        try:
            con.cmd("")
            out = con.cmd("iommu")     # drains the event log first
        finally:
            con.close()
        after = mon.read_phys(target)
    finally:
        mon.close()
    text = m.output()
    for check in ("iommu_hidden", "dma_guest_ram", "dma_hv_blocked"):
        assert "guest: check %s ok" % check in text, check
    # The hypervisor's memory there did not change.
    assert before == after, (before, after)
    # The console reports the unit translating. QEMU 7.2 never writes its
    # event log (docs/iommu.md, "Under QEMU"), so the blocked accesses
    # are not in it: the event path is covered by the host tests.
    assert re.search(r"IOMMU 0: 00:03\.0 at fed80000, EFR [0-9a-f]+, "
                     r"control 100d", out), out     # EventIntEn (bit 3) set
    assert "event interrupt: MSI as NMI to the boot CPU" in out, out
    assert re.search(r"device table at [0-9a-f]+: \d+ IDs translated to "
                     r"guest RAM, the rest blocked", out), out
    assert "stopped" not in text and "panic" not in text


def test_no_iommu_says_dma_unprotected(boot):
    m = boot(cmdline="shutdown", with_guest=False, smp=1, mem="512M")
    m.expect(r"hv: iommu: no IVRS table, no IOMMU: DMA is not protected",
             timeout=90)
    m.expect(r"hv: ready", timeout=60)


def test_iommu_required_refuses_to_boot(boot):
    m = boot(cmdline="shutdown iommu=required", with_guest=False, smp=1,
             mem="512M")
    m.expect(r"iommu=required but DMA is not protected .*refusing to boot",
             timeout=90, allow_fatal=True)


def test_iommu_hypervisor_nic_dma_works(boot):
    """The hypervisor's e1000e behind amd-iommu: its ID gets an entry of
    its own mapping only its DMA blocks (docs/iommu.md, "The hypervisor's
    own DMA"), so DHCP and the UDP console work; its NMI-mode MSI passes
    (NMIPass) and is counted."""
    from test_net import free_udp_port, hv_nic, ask
    port = free_udp_port()
    m = boot(cmdline="net=00:05.0 console_key=none", smp=1, mem="1G",
             guest_args="spin",
             extra_args=["-device", "amd-iommu"] + hv_nic(port))
    m.expect(r"hv: net: e1000e at 0000:00:05\.0", timeout=90)
    hv = m.expect(r"hv: iommu: 00:05\.0 \(the hypervisor's NIC\) reaches "
                  r"only its (\d+) DMA block\(s\), (\d+) KiB", timeout=60)
    print("NIC DMA blocks:", hv.group(1), "KiB:", hv.group(2))
    assert int(hv.group(1)) >= 4
    m.expect(r"hv: iommu: 1 IOMMU\(s\) translating", timeout=30)
    m.expect(r"guest: spinning with interrupts off", timeout=120)
    out = None
    for _ in range(10):
        out = ask(port, "version", timeout=3)
        if out:
            break
        time.sleep(1)
    assert out is not None and "ThinAMDvisor" in out, out
    net = ask(port, "net", timeout=5)
    assert net is not None and "10.0.2.15" in net, net
    irqs = int(re.search(r"interrupts: (\d+) NMIs claimed", net).group(1))
    print("NIC NMIs claimed through amd-iommu:", irqs)
    rep = ask(port, "iommu", timeout=5)
    print(rep)
    assert "panic" not in m.output()


def test_iommu_msi_init_resets_no_cpu(boot):
    """The guest programs edu's MSI with INIT delivery for APIC 1 (the
    hypervisor's CPU 1) and for its own CPU and raises it: the device
    table entry (no InitPass, 48882 2.2.5) target-aborts it. The boot CPU
    keeps running (msi_init_refused), and CPU 1 then comes up and counts
    its timer (all 2 cpus ok): no CPU was reset."""
    m = boot(cmdline="", guest_args="dma smp exit", smp=2, mem="1G",
             extra_args=IOMMU)
    m.expect(r"hv: iommu: 1 IOMMU\(s\) translating", timeout=90)
    m.expect(r"guest: dma: edu MSI with INIT delivery to APIC 1", timeout=180)
    m.expect(r"guest: check msi_init_refused ok", timeout=60)
    m.expect(r"guest: all 2 cpus ok", timeout=180)
    m.expect_exit(hvtest.EXIT_OK, timeout=30)
    assert "panic" not in m.output()

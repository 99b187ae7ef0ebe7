"""The debug console on COM2: answers while the guest runs (idle in HLT),
refuses bad input with a message, stays up.

QEMU's second -serial is COM2; here it is a Unix socket the test connects
to. The console's UART raises IRQ 3, which the hypervisor routes through
the I/O APIC as an NMI to the boot CPU, so the guest need not exit for the
console to answer.
"""
import os
import re
import socket
import tempfile
import time

import pytest

import hvtest

PROMPT = b"hv> "


class Console:
    def __init__(self, path, timeout=20):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock.connect(path)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self.buf = b""

    def read_until(self, marker, timeout=30):
        deadline = time.monotonic() + timeout
        while marker not in self.buf:
            left = deadline - time.monotonic()
            assert left > 0, "console: no %r within %ss; got %r" % (
                marker, timeout, self.buf[-2000:])
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            assert data, "console: connection closed; got %r" % self.buf[-2000:]
            self.buf += data
        i = self.buf.index(marker) + len(marker)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out.decode("ascii", "replace").replace("\r", "")

    def cmd(self, line, timeout=30):
        """Send one line, return the answer up to the next prompt."""
        self.sock.sendall(line.encode("latin-1") + b"\r")
        return self.read_until(PROMPT, timeout)

    def close(self):
        self.sock.close()


@pytest.fixture
def console_path():
    d = tempfile.mkdtemp(prefix="hvcon")
    yield os.path.join(d, "com2")
    try:
        os.unlink(os.path.join(d, "com2"))
    except FileNotFoundError:
        pass
    os.rmdir(d)


def serial2(path):
    return ["-serial", "unix:%s,server=on,wait=off" % path]


def test_console_answers_while_guest_idles(boot, console_path):
    m = boot(cmdline="", guest_args="smp", smp=4, mem="1G",
             extra_args=serial2(console_path))
    m.expect(r"hv: console: IRQ 3 = GSI 3 -> I/O APIC \d+ pin 3, NMI to cpu 0",
             timeout=90)
    m.expect(r"hv: console: on port 0x2f8[\r\n]", timeout=10)
    m.expect(r"guest: all 4 cpus ok", timeout=180)
    m.expect(r"guest: idle", timeout=30)
    con = Console(console_path)
    try:
        con.cmd("")                                  # a fresh prompt
        out = con.cmd("version")
        assert "ThinAMDvisor hypervisor" in out and "4 of 4 CPUs online" in out, out
        out = con.cmd("cpus")
        for i in range(4):
            assert re.search(r"^cpu %d: APIC ID \d+, in guest" % i, out, re.M), out
            assert re.search(r"^vcpu %d: running, \d+ exits" % i, out, re.M), out
        out = con.cmd("mem")
        assert re.search(r"^mm: frame pool 0x[0-9a-f]+-0x[0-9a-f]+: \d+ KiB", out, re.M), out
        assert re.search(r"^mm:\s+vmcb\s+4\s+4\s", out, re.M), out
        assert "mm: heap poisoning:" in out, out
        out = con.cmd("exits")
        assert re.search(r"^0x072\s+cpuid\s+\d+$", out, re.M), out
        assert re.search(r"^\s+total\s+\d+$", out, re.M), out
        # Where they came from: the guest's trapped APIC writes (its
        # INIT/SIPI through the ICR) and intercepted ports (0xCF8).
        assert re.search(r"^APIC writes trapped, by register:.* ICR [1-9]\d*( |$)",
                         out, re.M), out
        assert re.search(r"^I/O exits by port:.* 0xcf8 [1-9]\d*( |$)", out,
                         re.M), out
        out = con.cmd("exits 2")
        assert re.search(r"^\s+total\s+\d+$", out, re.M), out
        out = con.cmd("regs 0")
        assert re.search(r"^rip [0-9a-f]{16} rsp [0-9a-f]{16}", out, re.M), out
        assert re.search(r"^cr0 [0-9a-f]{16} cr2", out, re.M), out
        # The log's last 4 KiB: what the hypervisor said of the guest's
        # checks (the last of them, the MSR denials, are in it) and not
        # more than was asked.
        out = con.cmd("log 4096")
        assert "hv: vcpu 0: write 0 to MSR" in out, out
        assert len(out) <= 4096 + 200, len(out)
        out = con.cmd("peek 0x1000 32")
        assert re.search(r"^0000000000001000  ([0-9a-f]{2} ){16}", out, re.M), out
        assert re.search(r"^0000000000001010  ", out, re.M), out
        out = con.cmd("npt")
        assert re.search(r"^tables \d+ pages .* leaves 1G \d+ 2M \d+ 4K \d+$", out, re.M), out
        assert re.search(r"^hole 0x[0-9a-f]+-0x[0-9a-f]+: the hypervisor's", out, re.M), out
        assert "I/O APIC page 0xfec00000 (holds the console's NMI route)" in out, out
        out = con.cmd("help")
        for word in ("cpus", "mem", "exits", "regs", "log", "peek", "version",
                     "npt", "pause", "resume", "reboot"):
            assert re.search(r"^  %s " % word, out, re.M), out
    finally:
        con.close()
    # The guest kept running: nothing stopped, nothing panicked.
    text = m.output()
    assert "stopped" not in text and "panic" not in text


def test_console_pause_resume_reboot(boot, console_path):
    """pause parks every vCPU (the guest's LAPIC timers stop making
    exits), resume lets them run, reboot resets the machine."""
    m = boot(cmdline="", guest_args="smp", smp=4, mem="1G",
             extra_args=serial2(console_path))
    m.expect(r"guest: all 4 cpus ok", timeout=180)
    m.expect(r"guest: idle", timeout=30)
    con = Console(console_path)
    try:
        con.cmd("")
        assert "error: not paused" in con.cmd("resume")
        out = con.cmd("pause")
        assert "paused: 4 of 4 vCPUs out of the guest" in out, out
        assert "error: already paused" in con.cmd("pause")
        out = con.cmd("cpus")
        for i in range(4):
            assert re.search(r"^vcpu %d: running \(paused\)" % i, out, re.M), out
        totals = []
        for _ in range(2):
            out = con.cmd("exits")
            totals.append(int(re.search(r"^\s+total\s+(\d+)$", out, re.M).group(1)))
            time.sleep(0.5)
        # Paused: nothing but the console's own NMI exits on vCPU 0.
        assert totals[1] - totals[0] <= 2, totals
        out = con.cmd("regs 2")
        assert re.search(r"^vcpu 2 \(running, paused\)", out, re.M), out
        assert "resumed" in con.cmd("resume")
        out = con.cmd("cpus")
        assert "(paused)" not in out, out
        assert "say 'reboot now'" in con.cmd("reboot")
        con.sock.sendall(b"reboot now\r")
        con.read_until(b"rebooting")
    finally:
        con.close()
    m.expect(r"hv: resetting the machine: asked on the debug console", timeout=30)
    m.expect_exit(0, timeout=30)       # -no-reboot: a reset ends QEMU


def test_console_refuses_bad_input(boot, console_path):
    m = boot(cmdline="", guest_args="", smp=2, mem="512M",
             extra_args=serial2(console_path))
    m.expect(r"hv: console: on port 0x2f8", timeout=90)
    m.expect(r"guest: idle", timeout=120)
    out = m.output()
    pool = re.search(r"hv: mm: pool ([0-9a-f]+)-", out)
    assert pool, "no pool line"
    con = Console(console_path)
    try:
        con.cmd("")
        assert "unknown command 'bogus'" in con.cmd("bogus")
        assert "usage: regs <cpu>" in con.cmd("regs")
        assert "usage: peek" in con.cmd("peek 1 2 3")
        assert "bad cpu 'x'" in con.cmd("regs x")
        # CPU numbers run to the last CPU the MADT lists (issue 16).
        assert "bad cpu '7' (0..1)" in con.cmd("regs 7")
        # The guest never started its AP: no registers to show (its CPU
        # could be rewriting them for a SIPI).
        assert "vcpu 1 waits for SIPI: no registers to show" in con.cmd("regs 1")
        assert "bad cpu '64'" in con.cmd("exits 64")
        assert "bad length '257'" in con.cmd("peek 0 257")
        assert "bad address" in con.cmd("peek 0xffffffffffffffff")
        assert "is not all guest RAM" in con.cmd("peek 0x%s 16" % pool.group(1))
        assert "is not all guest RAM" in con.cmd("peek 0xfee00000 4")
        assert "more than 8 words" in con.cmd("a b c d e f g h i")
        assert "line longer than 120 characters" in con.cmd("x" * 300)
        # Control bytes and bytes >= 0x80 are dropped, backspace edits.
        out = con.cmd("\x01\x1b\xffver\x7fXsion\x08\x08\x08\x08\x08\x08sion")
        assert "unknown command 'versio" not in out
        out = con.cmd("vers\x7fsion")
        assert "ThinAMDvisor hypervisor" in out, out
        # A burst much larger than the UART's FIFO, then a command.
        con.sock.sendall(b"\r" * 5000 + b"version\r")
        con.read_until(b"ThinAMDvisor hypervisor", timeout=60)
        con.read_until(PROMPT)
        assert "ThinAMDvisor hypervisor" in con.cmd("version")
    finally:
        con.close()
    assert "panic" not in m.output()


def test_guest_cannot_reach_the_console(boot, console_path):
    """From inside the guest: COM2 reads as absent, writes to the I/O APIC
    entry of the console's NMI route are dropped, other entries work."""
    m = boot(cmdline="", guest_args="console exit", smp=1, mem="512M",
             extra_args=serial2(console_path))
    m.expect(r"guest: check console_com2_hidden ok", timeout=120)
    m.expect(r"hv: vcpu 0: guest write to I/O APIC pin 3 \(the console's NMI "
             r"route\) dropped", timeout=10)
    m.expect(r"guest: check console_pin_kept ok", timeout=10)
    m.expect(r"guest: check console_other_pin_ours ok", timeout=10)
    m.expect(r"guest: boot cpu ok", timeout=60)
    m.expect_exit(hvtest.EXIT_OK, timeout=30)


def test_console_under_uefi(boot, console_path):
    m = boot(cmdline="", guest_args="", smp=2, mem="1G", uefi=True,
             extra_args=serial2(console_path))
    m.expect(r"hv: console: IRQ 3 = GSI 3 -> I/O APIC \d+ pin 3", timeout=120)
    m.expect(r"guest: idle", timeout=120)
    con = Console(console_path)
    try:
        con.cmd("")
        out = con.cmd("cpus")
        assert re.search(r"^vcpu 0: running", out, re.M), out
        assert re.search(r"^vcpu 1: wait-for-SIPI", out, re.M), out
    finally:
        con.close()


def test_console_off(boot):
    m = boot(cmdline="shutdown console=off", smp=1, mem="256M")
    m.expect(r"hv: console: off", timeout=90)
    m.expect(r"hv: ready", timeout=60)
    m.expect_exit(hvtest.EXIT_OK, timeout=20)


def test_console_without_uart(boot):
    """The default COM2 missing (QEMU gives one -serial only): said, and
    the hypervisor carries on."""
    m = boot(cmdline="shutdown", smp=1, mem="256M")
    m.expect(r"hv: console: no UART at port 0x2f8; console off", timeout=90)
    m.expect(r"hv: ready", timeout=60)
    m.expect_exit(hvtest.EXIT_OK, timeout=20)

"""NMIs from a hostile guest and an unroutable console (issue: the guest
must not be able to silence the console or wedge a CPU).

- A storm of guest NMI IPIs (guest `nmistorm`): the console answers during
  and after it; the guest counts, per CPU, at least one and at most as
  many NMIs as were sent to it, and every NMI sent after the previous one
  was taken arrives (hardware's rule: one pending, one in service).
- Then an NMI handler that never returns on CPU 0 (guest `nmihold`): the
  console still answers `cpus`.
- A console on a UART whose IRQ the hypervisor cannot route (0x2E0, IRQ 5):
  polled on the boot CPU's exits, it answers `version` and `cpus`.
- A panic on the console's CPU with console input arriving and an NMI
  during the report: the report is complete.
"""
import re
import threading
import time

import pexpect
import pytest

from test_console import Console, console_path, serial2  # noqa: F401


def vcpu0_nmis_asked(out):
    m = re.search(r"^vcpu 0: .*NMIs asked (\d+) injected (\d+)", out, re.M)
    assert m, out
    return int(m.group(1)), int(m.group(2))


def test_console_through_nmi_storm_and_held_nmi(boot, console_path):
    m = boot(cmdline="", guest_args="smp nmistorm nmihold", smp=4, mem="1G",
             extra_args=serial2(console_path))
    m.expect(r"hv: console: on port 0x2f8[\r\n]", timeout=90)
    m.expect(r"guest: nmistorm: start", timeout=180)
    con = Console(console_path)
    try:
        # During the storm.
        t0 = time.monotonic()
        con.cmd("", timeout=15)
        out = con.cmd("version", timeout=15)
        assert "ThinAMDvisor hypervisor" in out, out
        out = con.cmd("cpus", timeout=15)
        during, _ = vcpu0_nmis_asked(out)
        print("answered in %.1f s during the storm; vcpu 0 asked %d NMIs"
              % (time.monotonic() - t0, during))
        m.expect(r"guest: check nmistorm_bounds ok", timeout=120)
        m.expect(r"guest: check nmistorm_ping ok", timeout=60)
        m.expect(r"guest: all 4 cpus ok", timeout=60)
        # After the storm.
        out = con.cmd("cpus", timeout=15)
        after, injected = vcpu0_nmis_asked(out)
        assert 0 < during < after, (during, after)
        assert 0 < injected <= after, (injected, after)
        # An NMI handler on CPU 0 that never returns, spinning with
        # interrupts off: the console's CPU still answers.
        m.expect(r"guest: nmihold: in the NMI handler for good", timeout=30)
        out = con.cmd("cpus", timeout=20)
        assert re.search(r"^cpu 0: APIC ID \d+, in guest", out, re.M), out
        assert re.search(r"^vcpu 0: running, .* blocked", out, re.M), out
        out = con.cmd("version", timeout=20)
        assert "4 of 4 CPUs online" in out, out
    finally:
        con.close()
    text = m.output()
    assert "stopped" not in text and "panic" not in text


def test_console_on_unrouted_uart(boot, console_path):
    """console=0x2e0: a UART on IRQ 5, which no ISA COM port uses, so the
    hypervisor routes nothing. The guest idles in HLT on a PIC timer,
    which costs no exit: without the HLT intercept on the boot CPU
    nothing would ever poll the console."""
    m = boot(cmdline="console=0x2e0", guest_args="", smp=2, mem="512M",
             extra_args=["-chardev", "socket,id=con2e0,path=%s,server=on,"
                         "wait=off" % console_path,
                         "-device", "isa-serial,chardev=con2e0,"
                         "iobase=0x2e0,irq=5"])
    m.expect(r"hv: console: no ISA IRQ known for port 0x2e0", timeout=90)
    m.expect(r"hv: console: on port 0x2e0 \(not routed: polled on the boot "
             r"CPU's exits", timeout=10)
    m.expect(r"guest: check hlt_wakes ok", timeout=120)
    m.expect(r"guest: boot cpu ok", timeout=60)
    m.expect(r"guest: idle", timeout=30)
    time.sleep(1)                      # idle for a while
    con = Console(console_path)
    try:
        t0 = time.monotonic()
        con.cmd("", timeout=20)
        out = con.cmd("version", timeout=20)
        assert "ThinAMDvisor hypervisor" in out and "2 of 2 CPUs online" in out, out
        out = con.cmd("cpus", timeout=20)
        assert re.search(r"^vcpu 0: running", out, re.M), out
        assert re.search(r"^vcpu 1: wait-for-SIPI", out, re.M), out
        print("unrouted console: three answers in %.2f s"
              % (time.monotonic() - t0))
        out = con.cmd("exits 0", timeout=20)
        hlt = re.search(r"^0x078\s+hlt\s+(\d+)$", out, re.M)
        assert hlt and int(hlt.group(1)) > 0, out
    finally:
        con.close()
    assert "panic" not in m.output()


PANIC_TAIL = re.compile(r"^hv: ?$|^hv: caller |^hv: backtrace:$|^hv:   #\d+ |"
                        r"^hv: system halted$")


def test_panic_report_complete_with_console_input(boot, console_path):
    """CPU 0, the console's, panics; console input keeps arriving and the
    panic sends itself an NMI in the middle of its report: the report is
    complete and nothing else is printed after it."""
    m = boot(cmdline="panic_on_cpu=0", smp=2, mem="512M",
             extra_args=serial2(console_path))
    m.expect(r"hv: console: on port 0x2f8", timeout=90, allow_fatal=True)
    con = Console(console_path)
    stop = threading.Event()

    def type_keys():
        # Nobody reads the console once CPU 0 has stopped: a full socket
        # buffer must not block this thread for good.
        con.sock.settimeout(0.2)
        while not stop.is_set():
            try:
                con.sock.sendall(b"cpus\r")
            except OSError:        # timeouts included
                return
            time.sleep(0.002)

    typist = threading.Thread(target=type_keys)
    typist.start()
    try:
        m.expect(r"hv: panic on cpu 0: ", timeout=60, allow_fatal=True)
        m.expect(r"hv: system halted", timeout=15, allow_fatal=True)
        try:
            m.child.expect(pexpect.EOF, timeout=2)
        except pexpect.TIMEOUT:
            pass
    finally:
        stop.set()
        typist.join()
        con.close()
    out = m.output().replace("\r", "")
    tail = [l for l in out[out.index("hv: panic on cpu 0: "):].splitlines()[1:]
            if l.strip()]
    strays = [l for l in tail if not PANIC_TAIL.match(l)]
    assert not strays, strays
    assert tail[-1] == "hv: system halted", tail[-1]


def _unrouted_spin(boot, console_path, hpet_msi, guest_args):
    return boot(cmdline="console=0x2e0", guest_args=guest_args, smp=2,
                mem="512M",
                extra_args=["-global", "hpet.msi=%s" % hpet_msi,
                            "-chardev", "socket,id=con2e0,path=%s,server=on,"
                            "wait=off" % console_path,
                            "-device", "isa-serial,chardev=con2e0,"
                            "iobase=0x2e0,irq=5"])


def test_unrouted_console_answers_guest_spinning(boot, console_path):
    """console=0x2e0 is not routed, and the guest spins with interrupts
    off on the boot CPU: no exit there, ever. The HPET's last timer,
    kept by the hypervisor (FSB delivery: hpet.msi=on), sends the boot
    CPU an NMI every 10 ms, and that exit polls the console. The guest
    first checks its view of the HPET (one timer fewer, the kept timer
    unreachable, its counter never stopped, refused FSB routes) and
    tries to stop the tick; the console still answers."""
    m = _unrouted_spin(boot, console_path, "on", "hpetview=2k spin")
    m.expect(r"hv: console: on port 0x2e0 \(not routed", timeout=90)
    m.expect(r"hv: hpet: tick on timer 2 of 3 \(at 0xfed00000, \d+ fs a "
             r"tick\): NMI to APIC ID 0 every 10000 us; the guest sees 2 "
             r"timers", timeout=10)
    m.expect(r"guest: check hpet_view ok", timeout=120)
    m.expect(r"guest: boot cpu ok", timeout=60)
    m.expect(r"guest: spinning with interrupts off", timeout=30)
    time.sleep(1)
    con = Console(console_path)
    try:
        t0 = time.monotonic()
        con.cmd("", timeout=20)
        out = con.cmd("version", timeout=20)
        assert "2 of 2 CPUs online" in out, out
        out = con.cmd("cpus", timeout=20)
        assert re.search(r"^vcpu 0: running", out, re.M), out
        tick = re.search(r"^tick: HPET timer 2, every 10000 us, (\d+) NMIs; "
                         r"guest: (\d+) routes refused", out, re.M)
        assert tick and int(tick.group(1)) > 10, out
        assert int(tick.group(2)) >= 2, out
        print("spinning guest, unrouted console: answers in %.2f s, %s ticks"
              % (time.monotonic() - t0, tick.group(1)))
    finally:
        con.close()
    text = m.output()
    assert "panic" not in text and "stopped" not in text
    assert ("hv: hpet: guest write at +0x100 refused: FSB delivery enabled "
            "with a refused route") in text


def test_unrouted_console_without_tick_is_deaf_while_guest_spins(
        boot, console_path):
    """The control for the test above: without FSB delivery (QEMU's
    default HPET) there is no tick, the boot line says so, and a guest
    spinning with interrupts off leaves the unrouted console unanswered."""
    m = _unrouted_spin(boot, console_path, "off", "spin")
    m.expect(r"hv: hpet: 3 timers, the last without FSB delivery and with "
             r"periodic mode: no tick", timeout=90)
    m.expect(r"guest: spinning with interrupts off", timeout=120)
    con = Console(console_path)
    try:
        with pytest.raises(AssertionError):
            con.cmd("version", timeout=4)
    finally:
        con.close()
    assert "panic" not in m.output()


def test_hpet_fsb_routes_checked_without_tick(boot, console_path):
    """The console is routed (COM2), so there is no tick, but the HPET's
    timers can deliver through the FSB (hpet.msi=on): an FSB message is a
    write to any physical address, so the guest's HPET page is trapped
    anyway and a route outside the MSI window or with INIT delivery is
    refused; the guest keeps all three timers and a normal counter."""
    m = boot(cmdline="", guest_args="hpetview=3g", smp=1, mem="512M",
             extra_args=["-global", "hpet.msi=on"])
    m.expect(r"hv: hpet: 3 of 3 timers can deliver through the FSB: the "
             r"guest's HPET page is trapped, its FSB routes checked",
             timeout=90)
    m.expect(r"guest: check hpet_view ok", timeout=120)
    m.expect(r"guest: boot cpu ok", timeout=60)
    text = m.output()
    assert "hv: tick" not in text and "panic" not in text
    assert ("hv: hpet: guest write at +0x100 refused: FSB delivery enabled "
            "with a refused route") in text

"""Issue 5: every CPU comes up, absent ones are skipped, a panic stops all.

Reads the bring-up lines the kernel prints on the serial console:
  hv: acpi: N CPUs (E enabled, D disabled), ...
  hv: lapic: xAPIC mode, boot CPU APIC ID B, ...
  hv: cpu I (APIC ID A) online          one per application processor
  hv: cpus: N online                    the summary, before 'hv: ready'
"""
import re

import pexpect
import pytest

import hvtest

ONLINE = re.compile(r"^hv: cpu (\d+) \(APIC ID (\d+)\) online$", re.M)
SUMMARY = re.compile(r"^hv: cpus: (\d+) online\b", re.M)
BSP = re.compile(r"^hv: lapic: \S+ mode, boot CPU APIC ID (\d+)", re.M)
MADT = re.compile(r"^hv: acpi: (\d+) CPUs \((\d+) enabled, (\d+) disabled\)", re.M)


def serial_text(m):
    """The console output with the pty's carriage returns removed."""
    return m.output().replace("\r", "")


def boot_to_ready(m, timeout=90):
    """Wait for 'hv: ready' and the isa-debug-exit of `shutdown`."""
    m.expect(r"hv: cpus: \d+ online", timeout=timeout)
    m.expect(r"hv: ready", timeout=60)
    m.expect_exit(hvtest.EXIT_OK, timeout=20)
    return serial_text(m)


def check_cpus(out, n):
    """Exactly n CPUs online: n-1 AP lines, distinct indices and APIC IDs."""
    summaries = SUMMARY.findall(out)
    assert summaries == [str(n)], "summary lines %r, expected one 'cpus: %d online'" % (summaries, n)
    aps = [(int(i), int(a)) for i, a in ONLINE.findall(out)]
    assert len(aps) == n - 1, "%d AP online lines for %d CPUs: %r" % (len(aps), n, aps)
    assert sorted(i for i, _ in aps) == list(range(1, n)), "CPU indices %r" % aps
    bsp = BSP.search(out)
    assert bsp, "no 'lapic: ... boot CPU APIC ID' line"
    ids = [int(bsp.group(1))] + [a for _, a in aps]
    assert len(set(ids)) == n, "APIC IDs not distinct: %r" % ids
    # Every CPU is up before the summary, and the summary before 'ready'.
    summary_at = SUMMARY.search(out).start()
    assert all(mo.start() < summary_at for mo in ONLINE.finditer(out))
    assert out.index("hv: ready") > summary_at


@pytest.mark.parametrize("smp", [1, 2, 4, 8])
def test_smp_bios(boot, smp):
    m = boot(cmdline="shutdown", smp=smp, mem="1G")
    out = boot_to_ready(m)
    check_cpus(out, smp)
    madt = MADT.search(out)
    assert madt and int(madt.group(2)) == smp, "MADT line: %r" % (madt and madt.group(0))


def test_smp_uefi(boot):
    m = boot(cmdline="shutdown", smp=4, mem="1G", uefi=True)
    m.expect(r"firmware: UEFI", timeout=120)
    out = boot_to_ready(m)
    check_cpus(out, 4)


def test_absent_hotplug_cpus_are_skipped(boot):
    """-smp 4,maxcpus=8: the MADT lists 4 disabled slots; boot neither
    starts nor waits for them."""
    m = boot(cmdline="shutdown", smp="4,maxcpus=8", mem="1G")
    # The same budget as a plain boot: a CPU waited for would blow it.
    out = boot_to_ready(m, timeout=60)
    check_cpus(out, 4)
    madt = MADT.search(out)
    assert madt, "no 'acpi: N CPUs' line"
    assert (int(madt.group(2)), int(madt.group(3))) == (4, 4), madt.group(0)
    assert "did not answer" not in out and "timed out" not in out


# After the panic report only its own lines may follow.
PANIC_TAIL = re.compile(r"^hv: ?$|^hv: caller |^hv: backtrace:$|^hv:   #\d+ |^hv: system halted$")


def test_panic_on_one_cpu_stops_all(boot):
    m = boot(cmdline="shutdown panic_on_cpu=2", smp=4, mem="1G")
    # allow_fatal: the command line itself, echoed, contains "panic".
    m.expect(r"hv: cpus: 4 online", timeout=90, allow_fatal=True)
    m.expect(r"hv: panic on cpu 2: ", timeout=30, allow_fatal=True)
    m.expect(r"hv: system halted", timeout=10, allow_fatal=True)
    # Give any CPU that was not stopped time to say something.
    try:
        m.child.expect(pexpect.EOF, timeout=3)
        pytest.fail("QEMU exited after the panic (log %s)" % m.logpath)
    except pexpect.TIMEOUT:
        pass
    out = serial_text(m)
    assert len(re.findall(r"panic on cpu", out)) == 1, "more than one panic report"
    assert "hv: ready" not in out
    tail = [l for l in out[out.index("hv: panic on cpu 2: "):].splitlines()[1:]
            if l.strip()]
    strays = [l for l in tail if not PANIC_TAIL.match(l)]
    assert not strays, "output after the panic (log %s): %r" % (m.logpath, strays)
    assert tail[-1] == "hv: system halted", "last line %r" % tail[-1]


def test_skipped_cpu_hidden_from_guest(boot):
    """Issue 16: a CPU the hypervisor leaves out (cpu_skip=2 stands for one
    that did not answer) is disabled in the guest's MADT: the guest sees 3
    CPUs, starts and checks them, and never waits for the fourth."""
    m = boot(cmdline="cpu_skip=2", guest_args="smp exit", smp=4, mem="1G")
    m.expect(r"hv: cpu with APIC ID 2: skipped \(cpu_skip=\)", timeout=90)
    m.expect(r"hv: cpus: 3 online \(some skipped", timeout=60)
    m.expect(r"hv: acpi: 1 CPU entries without a vCPU disabled in the "
             r"guest's MADT", timeout=60)
    m.expect(r"guest: 3 cpus in the MADT", timeout=60)
    m.expect(r"guest: all 3 cpus ok", timeout=120)
    m.expect_exit(hvtest.EXIT_OK, timeout=30)
    out = serial_text(m)
    assert "APIC ID 2) online" not in out

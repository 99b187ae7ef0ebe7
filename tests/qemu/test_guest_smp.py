"""Issue 7: the guest starts its own APs (emulated INIT/SIPI), runs LAPIC
timers on every CPU, exchanges IPIs and NMIs, and re-onlines one CPU."""
import re

import pytest

import hvtest

FIRMWARES = [pytest.param(False, id="bios"), pytest.param(True, id="uefi")]
THREADING = [pytest.param((), id="mttcg"),
             pytest.param(("-accel", "tcg,thread=single"), id="single")]


def run_smp_guest(boot, smp, uefi=False, extra=()):
    m = boot(cmdline="", guest_args="smp exit", smp=smp, mem="1G",
             uefi=uefi, extra_args=extra)
    m.expect(r"guest: boot cpu ok", timeout=180)
    m.expect(r"guest: all %d cpus ok" % smp, timeout=180)
    m.expect_exit(hvtest.EXIT_OK, timeout=30)
    out = m.output()
    assert "FAIL" not in out
    # Every CPU took timer ticks; every AP was started by a SIPI we emulated.
    cpus = re.findall(r"guest: cpu (\d+): APIC ID \d+, started (\d+) times, "
                      r"(\d+) timer ticks, (\d+) IPIs, (\d+) NMIs, 0 failed",
                      out)
    assert len(cpus) == smp, cpus
    for cpu, started, ticks, ipis, nmis in cpus:
        assert int(ticks) > 0, "cpu %s had no LAPIC timer ticks" % cpu
    for i in range(1, smp):
        assert re.search(r"hv: vcpu %d: SIPI vector 0x[0-9a-f]+: starts in "
                         r"real mode" % i, out)
    if smp > 1:
        assert "guest: check reonline ok" in out
        assert "guest: check ipi_nmi ok" in out
        last = smp - 1
        assert len(re.findall(r"hv: vcpu %d: SIPI" % last, out)) == 2
    return out


@pytest.mark.parametrize("uefi", FIRMWARES)
@pytest.mark.parametrize("smp", [1, 2, 4])
def test_guest_smp(boot, smp, uefi):
    run_smp_guest(boot, smp, uefi)


@pytest.mark.parametrize("threading", THREADING)
def test_guest_smp_threading(boot, threading):
    run_smp_guest(boot, 4, extra=threading)


def test_guest_smp_ten_boots_in_a_row(boot):
    for _ in range(10):
        run_smp_guest(boot, 4)

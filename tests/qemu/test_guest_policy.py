"""Issue 6: machine policies seen from our guest OS: an SMI does not break
the vCPU (SVME restored), A20 stays on, and every legacy reset path reaches
the hypervisor, which reports it and resets the machine (QEMU runs with
-no-reboot, so a reset ends QEMU with status 0)."""
import pytest

import hvtest

QEMU_RESET_EXIT = 0      # -no-reboot: a machine reset ends QEMU normally

RESETS = [
    ("92", r"port 0x92 bit 0"),
    ("cf9", r"port 0xCF9"),
    ("kbc", r"keyboard controller pulse"),
    ("kbcout", r"keyboard controller output port"),
    ("cf9w", r"port 0xCF9"),
    ("kbcf0", r"keyboard controller pulse"),
]


@pytest.mark.parametrize("method,how", RESETS, ids=[r[0] for r in RESETS])
def test_guest_reset_is_reported(boot, method, how):
    m = boot(cmdline="", guest_args="reset=" + method, smp=1, mem="512M")
    m.expect(r"guest: boot cpu ok", timeout=120)
    m.expect(r"guest: resetting via %s\b" % method, timeout=30)
    m.expect(r"hv: vcpu 0: guest reset the machine \(%s\); resetting" % how,
             timeout=30)
    m.expect_exit(QEMU_RESET_EXIT, timeout=30)
    assert "guest: reset did not happen" not in m.output()


@pytest.mark.parametrize("uefi", [pytest.param(False, id="bios"),
                                  pytest.param(True, id="uefi")])
def test_guest_smi_and_a20(boot, uefi):
    m = boot(cmdline="", guest_args="exit", smp=2, mem="512M", uefi=uefi)
    m.expect(r"guest: check smi_svme ok", timeout=120)
    m.expect(r"hv: vcpu 0: guest tried to disable A20: kept on", timeout=30)
    m.expect(r"hv: vcpu 0: guest keyboard controller command 0xdd dropped "
             r"\(1 so far\)", timeout=30)
    m.expect(r"guest: check a20_kept ok", timeout=30)
    m.expect(r"guest: boot cpu ok", timeout=30)
    m.expect_exit(hvtest.EXIT_OK, timeout=30)
    out = m.output()
    assert "FAIL" not in out
    if not uefi:
        # SeaBIOS enables APMC SMIs on q35: the check really took one.
        assert "raises an SMI (APMC_EN set)" in out

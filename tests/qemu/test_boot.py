"""Issue 3: the hypervisor boots from the ISO under SeaBIOS and OVMF."""
import re

import pytest

import hvtest

FIRMWARES = [pytest.param(False, id="bios"), pytest.param(True, id="uefi")]


@pytest.mark.parametrize("uefi", FIRMWARES)
@pytest.mark.parametrize("smp", [1, 4])
def test_boot_ready(boot, uefi, smp):
    m = boot(cmdline="shutdown", smp=smp, mem="1G", uefi=uefi)
    m.expect(r"hv: boot loader: GRUB[^\n]*firmware: %s" % ("UEFI" if uefi else "BIOS"),
             timeout=90)
    m.expect(r"hv: memory map", timeout=10)
    m.expect(r"hv: ready", timeout=60)
    m.expect_exit(hvtest.EXIT_OK, timeout=20)


@pytest.mark.parametrize("mem,low,high", [("512M", 0x10000000, 0x20000000),
                                          ("4G", 0x40000000, 0x100000000)])
def test_relocated_high(boot, mem, low, high):
    """The image lands high below 4 GiB wherever RAM ends, low memory free."""
    m = boot(cmdline="shutdown", smp=1, mem=mem)
    match = m.expect(rb"hv: image: ([0-9a-f]+)-([0-9a-f]+)", timeout=90)
    base = int(match.group(1), 16)
    assert low <= base < high, "image at %#x for -m %s" % (base, mem)
    assert base % 0x200000 == 0
    m.expect(r"hv: ready", timeout=60)
    m.expect_exit(hvtest.EXIT_OK)


def test_bad_command_line_is_refused(boot):
    m = boot(cmdline="shutdown hv_mem=banana", smp=1, mem="512M")
    m.expect(r"panic on cpu 0: bad command line \"shutdown hv_mem=banana\": "
             r"bad value in 'hv_mem=banana'", timeout=90, allow_fatal=True)
    m.expect(r"system halted", timeout=10, allow_fatal=True)
    assert "hv: ready" not in m.output()

"""Issue 6: our guest OS under the hypervisor (SVM + NPT), BIOS and UEFI."""
import os
import re

import pytest

import hvtest

FIRMWARES = [pytest.param(False, id="bios"), pytest.param(True, id="uefi")]


@pytest.mark.parametrize("uefi", FIRMWARES)
@pytest.mark.parametrize("smp", [1, 4])
def test_guest_boot_cpu_checks(boot, uefi, smp):
    m = boot(cmdline="", guest_args="exit", smp=smp, mem="1G", uefi=uefi)
    m.expect(r"hv: svm: %d of %d CPUs ready" % (smp, smp), timeout=120)
    m.expect(r"hv: guest: loaded", timeout=30)
    m.expect(r"hv: svm: vcpu 0 enters the guest", timeout=30)
    m.expect(r"guest: boot cpu ok", timeout=120)
    m.expect_exit(hvtest.EXIT_OK, timeout=30)
    out = m.output()
    assert "FAIL" not in out
    hvtest.assert_checks(out, hvtest.BOOT_CPU_CHECKS)
    # Moving the PM block, RCBA, SMRAM or the ECAM window was refused.
    assert re.search(r"hv: svm: config 00:1f.0 \(ICH9 LPC\): 4 register "
                     r"range\(s\) read-only to the guest", out)
    assert re.search(r"hv: svm: config 00:00.0 \(Q35 MCH\): 6 register", out)
    for bdf, reg in (("1f.0", "0x40"), ("1f.0", "0xf0"), ("00.0", "0x60"),
                     ("00.0", "0x9c")):
        assert re.search(r"hv: vcpu 0: guest write to config 00:%s offset "
                         r"%s dropped" % (bdf, reg), out), (bdf, reg)
    # QEMU's DSDT sleep types were read; the S3 request was refused.
    assert re.search(r"hv: acpi: sleep types \(SLP_TYPa/b\):.* S3=1/1 .*S5=0/0", out)
    assert re.search(r"hv: vcpu 0: guest asked to sleep \(SLP_TYP 1, not S5\): "
                     r"refused, it wakes at once", out)
    # The I/O APIC writes with INIT and SMI delivery were seen and dropped.
    for mode in ("INIT", "SMI"):
        assert re.search(r"hv: vcpu 0: guest write of 0x1[0-9a-f]{4} to I/O APIC "
                         r"0xfec00000 pin 23 dropped: %s delivery" % mode, out), mode
    # The LVT writes with SMI and INIT delivery were seen and dropped.
    for reg, val in (("0x340", "0x10200"), ("0x360", "0x10500"),
                     ("0x360", "0x10200")):
        assert ("hv: vcpu 0: guest LVT %s write %s (SMI, INIT or reserved "
                "delivery) dropped" % (reg, val)) in out, reg
    # The hole probe was seen and contained by the hypervisor.
    assert re.search(r"hv: vcpu 0: write of hypervisor memory at gpa", out)
    # No exit per PIT tick: the guest counted 50 ticks with few exits.
    stats = dict((int(c, 16), int(n)) for c, n in
                 re.findall(r"guest:   exit (0x[0-9a-f]+): (\d+)", out))
    assert sum(stats.values()) < 200, stats


def test_guest_checks_i440fx(boot):
    """-M pc (i440FX, PIIX3/PIIX4): the PM1 block, SMRAM and PAM are kept
    too; the sleep and reset policies work on PIIX4's PM block."""
    m = boot(cmdline="", guest_args="exit", smp=2, mem="512M", machine="pc")
    m.expect(r"guest: boot cpu ok", timeout=120)
    m.expect_exit(hvtest.EXIT_OK, timeout=30)
    out = m.output()
    assert "FAIL" not in out
    for check in ("sleep_refused", "pmbase_kept", "chipset_guard", "a20_kept",
                  "ioapic_init_smi_refused"):
        assert "guest: check %s ok" % check in out, check
    assert re.search(r"hv: svm: config 00:01.3 \(PIIX4 PM\): 5 register", out)
    for bdf, reg in (("01.3", "0x40"), ("00.0", "0x58")):
        assert re.search(r"hv: vcpu 0: guest write to config 00:%s offset "
                         r"%s dropped" % (bdf, reg), out), (bdf, reg)


def test_guest_iommu_base_kept(boot):
    """QEMU's AMD IOMMU (-device amd-iommu): the configuration filter keeps
    its capability block (base address) and BARs read-only (defence in
    depth, for a machine whose IOMMU the hypervisor could not take), and
    with the IOMMU taken the guest does not see the function at all: the
    `iommu_kept` check then finds nothing to report, `iommu_hidden`
    (docs/iommu.md) passes."""
    m = boot(cmdline="", guest_args="exit dma", smp=1, mem="512M",
             extra_args=["-device", "amd-iommu", "-device",
                         "edu,dma_mask=0xffffffffffffffff"])
    m.expect(r"hv: svm: config 00:[0-9a-f]{2}\.0 \(AMD IOMMU\): 2 register",
             timeout=120)
    m.expect(r"guest: check iommu_hidden ok", timeout=120)
    m.expect(r"guest: boot cpu ok", timeout=30)
    m.expect_exit(hvtest.EXIT_OK, timeout=30)
    assert "FAIL" not in m.output()
    assert "check iommu_kept" not in m.output()


def test_guest_pci_function_hidden(boot):
    """pci_hide=1f.3: the ICH9 SMBus function is gone for the guest, through
    0xCF8/0xCFC and ECAM (its page unmapped), its neighbour is not; Linux's
    configuration read sequences take one exit each and read the same."""
    m = boot(cmdline="pci_hide=1f.3", guest_args="exit pcihidden", smp=1,
             mem="512M")
    m.expect(r"hv: svm: config 00:1f.3 hidden from the guest", timeout=120)
    m.expect(r"guest: check pci_hidden ok", timeout=120)
    m.expect(r"guest: check cfg_joined ok", timeout=60)
    m.expect(r"guest: boot cpu ok", timeout=30)
    m.expect_exit(hvtest.EXIT_OK, timeout=30)
    assert "FAIL" not in m.output()


def test_guest_power_off_is_performed(boot):
    """S5 through PM1 control is the guest's right: the machine goes off."""
    m = boot(cmdline="", guest_args="poweroff", smp=2, mem="512M")
    m.expect(r"guest: powering off \(S5\)", timeout=120)
    m.expect(r"hv: vcpu 0: guest powers the machine off \(S5, SLP_TYP 0\)",
             timeout=10)
    m.expect_exit(0, timeout=30)         # QEMU ends on ACPI power-off


def test_guest_triple_fault_is_contained(boot):
    m = boot(cmdline="", guest_args="triplefault", smp=2, mem="512M")
    m.expect(r"guest: boot cpu ok", timeout=120)
    m.expect(r"hv: vcpu 0: guest triple fault \(SHUTDOWN\)", timeout=30)
    m.expect(r"hv: vcpu 0 stopped: guest triple fault", timeout=10)
    # The hypervisor stays up: no panic, no reset, QEMU keeps running.
    with pytest.raises(hvtest.BootFailure, match="timeout"):
        m.expect(r"this marker never appears", timeout=5)
    assert "panic" not in m.output()


def test_broken_guest_module_is_refused(boot, tmp_path):
    bad = tmp_path / "bad-guest.elf"
    with open(hvtest.GUEST_ELF, "rb") as f:
        data = bytearray(f.read())
    # Break the Multiboot2 header checksum and cut the image short.
    i = data.find(b"\xd6\x50\x52\xe8")
    assert i >= 0
    data[i + 12] ^= 0xFF
    data = data[:i + 4096]
    bad.write_bytes(bytes(data))
    m = boot(cmdline="shutdown", with_guest=False,
             extra_modules=[(str(bad), "guest exit")], smp=1, mem="512M")
    m.expect(r"hv: guest: refused \(status -\d+\): [^\r\n]*checksum", timeout=120)
    m.expect(r"hv: ready", timeout=10)
    m.expect_exit(hvtest.EXIT_FAIL, timeout=20)


def test_guest_without_module_is_reported(boot):
    m = boot(cmdline="shutdown", with_guest=False, smp=1, mem="512M")
    m.expect(r"hv: guest: refused \(status -\d+\): no module named 'guest'",
             timeout=120)
    m.expect_exit(hvtest.EXIT_FAIL, timeout=20)

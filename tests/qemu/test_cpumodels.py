"""Issue 16: CPU models. The hypervisor's boot line names every SVM
feature of CPUID Fn8000_000A (revision, ASIDs, NRIPS, decode assists,
flush by ASID, VMCB clean bits, AVIC, vNMI, pause filter, VGIF) as used,
present but unused, or absent; our guest's checks pass on QEMU's EPYC
models as they do on qemu64.

Under TCG, QEMU 7.2 offers only what it emulates whatever the model asks
for: nested paging (and VGIF when asked with +vgif); the models' NRIPS is
dropped with a warning (docs/qemu-svm.md, "CPU models").
"""
import re

import pytest

import hvtest

FEATURES = ("NPT", "NRIPS", "decode-assists", "flush-by-ASID", "VMCB-clean",
            "AVIC", "vNMI", "pause-filter", "VGIF")
USED_WHEN_PRESENT = ("NPT", "NRIPS", "decode-assists", "flush-by-ASID")
RE_LINE = re.compile(r"hv: svm: CPUID 8000000A: revision (\d+), (\d+) ASIDs "
                     r"\(1 used\);([^;\r\n]*); Page1GB (used|absent)")


def feature_states(m):
    """The boot line, as {feature: state}, plus ASIDs and Page1GB."""
    line = m.expect(RE_LINE.pattern, timeout=120)
    text = line.group(3).decode()
    states = {}
    for part in text.split(","):
        name, _, state = part.strip().partition(" ")
        states[name] = state
    assert tuple(states) == FEATURES, text
    for name, state in states.items():
        assert state in ("used", "absent", "present (unused)"), (name, state)
        # What the hypervisor can use, it uses.
        if name in USED_WHEN_PRESENT:
            assert state != "present (unused)", (name, text)
    return states, int(line.group(2)), line.group(4).decode()


@pytest.mark.parametrize("model", ["EPYC", "EPYC-Rome", "EPYC-Milan"])
def test_cpu_model_guest_checks(boot, model):
    m = boot(cmdline="", guest_args="smp exit", smp=2, mem="1G",
             cpu=model + ",+svm,+npt")
    states, asids, page1gb = feature_states(m)
    print(model, states, "ASIDs", asids, "Page1GB", page1gb)
    assert states["NPT"] == "used"
    assert asids >= 2
    assert page1gb == "used"             # every EPYC model has pdpe1gb
    m.expect(r"hv: svm: 2 of 2 CPUs ready", timeout=60)
    m.expect(r"guest: boot cpu ok", timeout=120)
    m.expect(r"guest: all 2 cpus ok", timeout=180)
    m.expect_exit(hvtest.EXIT_OK, timeout=30)
    out = m.output()
    assert "FAIL" not in out
    for check in ("cpuid_hv", "svm_hidden", "efer_svme", "vmmcall_version",
                  "vmrun_ud", "svm_insns_ud", "memmap", "hv_hole",
                  "pit_ticks", "hlt_wakes", "msr_efer", "msr_svm",
                  "msr_tsc", "apic_odd_access"):
        assert "guest: check %s ok" % check in out, check


def test_cpu_feature_present_but_unused(boot):
    """+vgif: VGIF is offered under TCG and reported as present, unused
    (the guest cannot use SVM); the rest of qemu64's line: NPT only."""
    m = boot(cmdline="shutdown", with_guest=False, smp=1, mem="512M",
             cpu="qemu64,+svm,+npt,+vgif")
    states, asids, page1gb = feature_states(m)
    assert states["VGIF"] == "present (unused)", states
    assert states["NPT"] == "used", states
    assert all(states[f] == "absent" for f in FEATURES
               if f not in ("NPT", "VGIF")), states
    assert asids == 16 and page1gb == "absent", (asids, page1gb)
    m.expect(r"hv: ready", timeout=60)

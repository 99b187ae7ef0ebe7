#!/usr/bin/python3
"""tools/bench-scale.py - `make bench-scale`: the hypervisor's set-up time
and the pool it needs per CPU, at -smp 1, 16, 64 and 255 (QEMU TCG, q35).

  tools/bench-scale.py --bound-kib 80 ISO

ISO boots the hypervisor with our guest (`exit`: the guest checks its boot
CPU and ends QEMU). Read from the serial log, per boot:
  hv: mm: frame pool ...: used N KiB     the pool in use at `hv: ready`
  hv: setup: C TSC cycles, U us ...      first instruction to the guest's
Results:
  - pool per CPU = (used(N) - used(1)) / (N - 1) for every N: counts, so
    deterministic; FAIL when above --bound-kib (SMP_POOL_PER_CPU).
  - set-up time: wall clock under TCG on a shared machine, reported as
    min / median / max over the runs, never failed.
Ends with `bench-scale: N passed, N failed, N flagged`.
"""
import argparse
import os
import re
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "qemu"))
import hvtest  # noqa: E402

SMPS = (1, 16, 64, 255)
RUNS = {1: 3, 16: 3, 64: 3, 255: 2}
RE_USED = re.compile(r"hv: mm: frame pool .*?used (\d+) KiB")
RE_SETUP = re.compile(r"hv: setup: (\d+) TSC cycles, (\d+) us from the first "
                      r"instruction to the guest's, (\d+) CPUs")


def boot(iso, smp, run):
    m = hvtest.Machine("bench-scale-%d-%d" % (smp, run), iso, smp=smp, mem="512M")
    try:
        m.expect(r"hv: cpus: %d online" % smp, timeout=300)
        m.expect(r"hv: mm: frame pool .*?used \d+ KiB", timeout=120)
        used = int(RE_USED.search(m.output()).group(1))
        m.expect(RE_SETUP.pattern, timeout=120)
        g = m.child.match
        us, cpus = int(g.group(2)), int(g.group(3))
        m.expect_exit(hvtest.EXIT_OK, timeout=120)
    finally:
        m.close()
    if cpus != smp:
        raise AssertionError("-smp %d: the set-up line says %d CPUs" % (smp, cpus))
    return used, us


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bound-kib", type=int, required=True)
    ap.add_argument("iso")
    a = ap.parse_args()
    results = []

    def judge(what, verdict, detail):
        results.append((what, verdict))
        print("  %-46s %-7s %s" % (what, verdict, detail))

    used, setup = {}, {}
    print("Hypervisor set-up, first instruction to the guest's (QEMU TCG, "
          "q35, -m 512M, default hv_mem=30M)")
    for smp in SMPS:
        for r in range(RUNS[smp]):
            t0 = time.monotonic()
            try:
                u, us = boot(a.iso, smp, r)
            except (AssertionError, hvtest.BootFailure) as e:
                print("  -smp %d run %d failed: %s" % (smp, r, str(e).splitlines()[0]))
                judge("-smp %d boots" % smp, "FAIL", "")
                break
            used.setdefault(smp, set()).add(u)
            setup.setdefault(smp, []).append(us / 1000.0)
            print("  -smp %-3d run %d: set-up %8.1f ms, pool in use %6d KiB "
                  "(boot %.1f s wall)" % (smp, r, us / 1000.0, u,
                                          time.monotonic() - t0))
    print()
    print("  %-8s %10s %10s %10s %12s" % ("cpus", "min ms", "median ms",
                                            "max ms", "ms per CPU"))
    for smp in SMPS:
        if smp not in setup:
            continue
        s = setup[smp]
        per = (statistics.median(s) - statistics.median(setup[1])) / (smp - 1) \
            if smp > 1 and 1 in setup else 0.0
        print("  %-8d %10.1f %10.1f %10.1f %12s" % (
            smp, min(s), statistics.median(s), max(s),
            "%.2f" % per if smp > 1 else "-"))
    print()
    judge("pool in use is the same in every run", "PASS" if used and all(
        len(v) == 1 for v in used.values()) else "FAIL",
        ", ".join("-smp %d: %s KiB" % (k, "/".join(map(str, sorted(v))))
                  for k, v in sorted(used.items())))
    if 1 not in used:
        judge("pool per CPU", "FAIL", "no -smp 1 boot")
    for smp in SMPS[1:]:
        if smp not in used or 1 not in used:
            continue
        per = (min(used[smp]) - min(used[1])) / (smp - 1)
        judge("pool per CPU at -smp %d <= %d KiB" % (smp, a.bound_kib),
              "PASS" if per <= a.bound_kib else "FAIL", "%.1f KiB" % per)
    for smp in SMPS:
        if smp in setup:
            judge("set-up time at -smp %d (reported)" % smp, "PASS",
                  "median %.1f ms, spread %.1f-%.1f ms over %d runs"
                  % (statistics.median(setup[smp]), min(setup[smp]),
                     max(setup[smp]), len(setup[smp])))
    passed = sum(1 for _, v in results if v == "PASS")
    failed = sum(1 for _, v in results if v == "FAIL")
    flagged = sum(1 for _, v in results if v == "FLAGGED")
    print("bench-scale: %d passed, %d failed, %d flagged" % (passed, failed, flagged))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""tools/bench-fb.py - `make bench-fb`: what the log on the screen costs
(docs/screen.md, "Cost").

  tools/bench-fb.py BENCH_FB_BINARY

1. BENCH_FB_BINARY (bench/bench_fb.c, fb/render.c at -O2): a boot-like
   log of 400 lines drawn on 1024x768x32, 1920x1080x32 and 1024x768x16
   host buffers. Deterministic (fail): the cells drawn stay within a
   budget of what a full redraw on every scroll would draw (62% at
   1024x768, 35% at 1920x1080: only cells that change are redrawn).
   Reported: ns per character on this host (min / median / max).
2. The hypervisor's boot under QEMU TCG (-smp 2, SeaBIOS, -vga std),
   from its first line to `hv: ready`, ROUNDS times each with a
   1024x768x32 framebuffer and with the VGA text screen: the ratio of the
   medians with its spread over rounds (wall clock: reported, never
   failed).
Ends with `bench-fb: N passed, N failed, N flagged`.
"""
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "qemu"))
import hvtest  # noqa: E402

ROUNDS = 3
# Cells drawn / cells of a full redraw per scroll: the budget per mode.
BUDGET = {"1024x768x32": 0.62, "1920x1080x32": 0.35, "1024x768x16": 0.62}
results = []


def judge(name, verdict, text):
    results.append(verdict)
    print("%-44s %s  %s" % (name, text, verdict))


def host(binary):
    out = subprocess.run([binary], check=True, capture_output=True,
                         text=True).stdout
    vals = {}
    for line in out.splitlines():
        k, *v = line.split()
        vals[k] = [float(x) for x in v]
    print("host: %d lines, %d bytes of log" % (vals["log.lines"][0],
                                               vals["log.bytes"][0]))
    for mode, budget in BUDGET.items():
        drawn, full = vals[mode + ".drawn"][0], vals[mode + ".full_redraw"][0]
        ratio = drawn / full
        judge("%s cells drawn / full redraws" % mode,
              "PASS" if ratio <= budget else "FAIL",
              "%.0f / %.0f = %.3f (budget %.2f, %d scrolls)" % (
                  drawn, full, ratio, budget, vals[mode + ".scrolls"][0]))
        lo, med, hi = vals[mode + ".ns_per_char"]
        print("%-44s %.0f ns (min %.0f, max %.0f)" % (
            "%s ns per character (host)" % mode, med, lo, hi))


def boot_time(iso, name):
    m = hvtest.Machine(name, iso, smp=2, mem="1G", extra_args=["-vga", "std"])
    try:
        m.expect(r"hv: thin AMD hypervisor", timeout=120)
        t0 = time.monotonic()
        m.expect(r"hv: ready", timeout=300)
        return time.monotonic() - t0
    finally:
        m.close()


def qemu():
    isos = {"framebuffer": hvtest.make_iso("shutdown", gfxpayload="1024x768x32"),
            "text": hvtest.make_iso("shutdown")}
    times = {k: [] for k in isos}
    ratios = []
    for r in range(ROUNDS):
        for k, iso in isos.items():
            times[k].append(boot_time(iso, "bench-fb-%s-%d" % (k, r)))
        ratios.append(times["framebuffer"][-1] / times["text"][-1])
    for k, v in times.items():
        print("%-44s %.2f s (min %.2f, max %.2f)" % (
            "boot to ready, %s" % k, statistics.median(v), min(v), max(v)))
    print("%-44s %.2f (per round %.2f .. %.2f)" % (
        "framebuffer / text", statistics.median(ratios), min(ratios),
        max(ratios)))


def main():
    host(sys.argv[1])
    qemu()
    failed = results.count("FAIL")
    print("bench-fb: %d passed, %d failed, %d flagged" % (
        results.count("PASS"), failed, results.count("FLAGGED")))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""tools/bench-svm.py - the table of `make bench-svm` (docs/bench-svm.md).

Reads the serial logs of the hypervisor booted with a guest running
`bench exit` (guest/bench.c) and prints exit round trips, idle exits and
the NPT size against their targets, each row PASS, FAIL or INFO.

  tools/bench-svm.py --icount LOG [--icount LOG ...] --realtime LOG
                     [--smp LOG ...]

--icount: runs under `-icount shift=0,sleep=off -smp 1`; the round trips
come from the first, and every further one must give the same numbers
(the measurement is deterministic; a difference is reported as an error).
--realtime: a run without icount (its idle exits are per second of real
time) with -m 4G; its `hv: svm: NPT maps ...` line gives the NPT size.
--smp: runs of `smp bench exit` with -smp 4 in real time (issue 7): every
CPU's idle exits per LAPIC and PIT tick, and the SIPI latency samples
(median and max over all runs).

Every judged row here is deterministic (instruction counts under
-icount, exit counts, sizes): a missed target is FAIL. The round trips
also have a budget (BUDGET: the last accepted count plus a small margin),
so that growth shows when it happens rather than when the target is
crossed: raise a budget only in the commit that explains the growth.
Wall-clock figures (SIPI latency, idle exits per second, real-time round
trips) are INFO, with their spread.

Exit status: 0 when every value was found and every judged row passed;
1 when a row failed, a log lacks a line or runs disagree. The last line
is the summary `bench-svm: N passed, N failed, N flagged`.
Standard library only.
"""
import argparse
import re
import sys

ROUND_TRIPS = [  # (guest name, row label, target, budget in instructions)
    ("cpuid", "CPUID leaf 0 round trip", 100, 66),
    ("vmmcall", "VMMCALL HC_VERSION round trip", 100, 55),
    ("apic_write", "APIC write (TPR, trapped)", 250, 250),
    ("cfg_read", "config read (0xCF8 + 0xCFC, joined)", 2500, 2200),
]
NPT_TARGET_KIB = 64
LAPIC_TICK_MAX = 1.05  # one exit per LAPIC tick (the EOI write), 5% slack

RE_TRIP = re.compile(r"^guest: bench (\w+) min (\d+) median (\d+) max (\d+)\s*$")
RE_EPS = re.compile(r"^guest: bench idle_exits_per_sec (\d+)\s*$")
RE_EPT = re.compile(r"^guest: bench exits_per_pit_tick (\d+)\.(\d{3})\s*$")
RE_PERIOD = re.compile(r"^guest: bench idle period (\d+) ms \(TSC\), (\d+) PIT "
                       r"ticks, (\d+) exits")
RE_IDLE_EXIT = re.compile(r"^guest: bench idle exit (0x[0-9a-f]+): (\d+)\s*$")
RE_SMP_CPU = re.compile(r"^guest: bench smp cpu (\d+): window (\d+) us, (\d+) "
                        r"LAPIC ticks, (\d+) PIT ticks, (\d+) exits, (\d+) NPF")
RE_SMP_EXIT = re.compile(r"^guest: bench smp cpu (\d+) exit (0x[0-9a-f]+): (\d+)")
RE_SIPI = re.compile(r"^guest: bench smp sipi cpu (\d+): (\d+) TSC counts, "
                     r"(\d+) ns")
RE_SMP_DONE = re.compile(r"^guest: bench smp done: (\d+) SIPI samples; (\d+) "
                         r"APs started before the SIPI, (\d+) without")
RE_NPT = re.compile(r"^hv: svm: NPT maps \[0, ([0-9a-fA-F]+)\) minus "
                    r".*: (\d+) table pages \((\d+) KiB\)")


class LogError(Exception):
    pass


def parse(path):
    """Return a dict of what one serial log says; raise LogError if the
    bench did not run to its end."""
    try:
        with open(path, "rb") as f:
            text = f.read().decode("ascii", "replace")
    except OSError as e:
        raise LogError(f"{path}: {e.strerror}")
    r = {"path": path, "trips": {}, "idle_exits": {}}
    for line in text.replace("\r", "").split("\n"):
        m = RE_TRIP.match(line)
        if m:
            r["trips"][m.group(1)] = tuple(int(x) for x in m.group(2, 3, 4))
        elif RE_EPS.match(line):
            r["eps"] = int(RE_EPS.match(line).group(1))
        elif RE_EPT.match(line):
            m = RE_EPT.match(line)
            r["ept_milli"] = int(m.group(1)) * 1000 + int(m.group(2))
        elif RE_PERIOD.match(line):
            m = RE_PERIOD.match(line)
            r["period_ms"], r["ticks"], r["exits"] = (int(x) for x in m.groups())
        elif RE_IDLE_EXIT.match(line):
            m = RE_IDLE_EXIT.match(line)
            r["idle_exits"][m.group(1)] = int(m.group(2))
        elif RE_NPT.match(line):
            m = RE_NPT.match(line)
            r["npt_top"] = int(m.group(1), 16)
            r["npt_pages"], r["npt_kib"] = int(m.group(2)), int(m.group(3))
        elif "bench done" in line:
            r["done"] = True
        elif "boot cpu FAILED" in line:
            r["checks_failed"] = line.strip()
    if not r.get("done"):
        tail = " | ".join(text.strip().split("\n")[-3:])
        raise LogError(f"{path}: no 'guest: bench done' (last lines: {tail!r})")
    return r


def parse_smp(path):
    """Return what one `smp bench` log says: per-CPU idle windows, SIPI
    latencies in ns; raise LogError if its bench did not finish."""
    try:
        with open(path, "rb") as f:
            text = f.read().decode("ascii", "replace")
    except OSError as e:
        raise LogError(f"{path}: {e.strerror}")
    r = {"path": path, "cpus": {}, "codes": {}, "sipi_ns": []}
    for line in text.replace("\r", "").split("\n"):
        m = RE_SMP_CPU.match(line)
        if m:
            cpu, us, lapic, pit, exits, npf = (int(x) for x in m.groups())
            r["cpus"][cpu] = dict(us=us, lapic=lapic, pit=pit, exits=exits,
                                  npf=npf)
        elif RE_SMP_EXIT.match(line):
            m = RE_SMP_EXIT.match(line)
            r["codes"].setdefault(int(m.group(1)), {})[m.group(2)] = \
                int(m.group(3))
        elif RE_SIPI.match(line):
            r["sipi_ns"].append(int(RE_SIPI.match(line).group(3)))
        elif RE_SMP_DONE.match(line):
            m = RE_SMP_DONE.match(line)
            r["early"], r["lost"] = int(m.group(2)), int(m.group(3))
        elif re.match(r"^guest: all \d+ cpus ok", line):
            r["all_ok"] = True
        elif "smp FAILED" in line:
            r["checks_failed"] = line.strip()
    if "early" not in r:
        tail = " | ".join(text.strip().split("\n")[-3:])
        raise LogError(f"{path}: no 'guest: bench smp done' (last lines: "
                       f"{tail!r})")
    if 0 not in r["cpus"] or len(r["cpus"]) < 2:
        raise LogError(f"{path}: idle windows of {sorted(r['cpus'])} only")
    return r


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def smp_rows(runs):
    """Rows for the -smp 4 runs: judged on the worst CPU of any run."""
    per_lapic, per_sec, guest_sec, per_pit, sipi = [], [], [], [], []
    for r in runs:
        total = 0.0
        for cpu, c in sorted(r["cpus"].items()):
            if c["lapic"] == 0:
                raise LogError(f"{r['path']}: cpu {cpu} had no LAPIC ticks")
            # The boot CPU also takes the PIT: its LAPIC figure counts
            # APIC-write exits (NPF) only, its PIT figure the rest; every
            # exit lands in one of the two, so any excess shows.
            own = c["npf"] if cpu == 0 else c["exits"]
            per_lapic.append(own / c["lapic"])
            eps = c["exits"] * 1e6 / c["us"]
            per_sec.append(eps)
            total += eps
        guest_sec.append(total)
        bsp = r["cpus"][0]
        per_pit.append((bsp["exits"] - bsp["npf"]) / bsp["pit"])
        sipi += [ns / 1000 for ns in r["sipi_ns"]]
    if not sipi:
        raise LogError("no SIPI latency sample in any -smp 4 run")
    n, ncpu = len(runs), len(runs[0]["cpus"])
    where = f"-smp {ncpu}, {n} run{'s' if n > 1 else ''}"
    return [
        (f"idle exits/s per CPU ({where})", f"{min(per_sec):.0f}",
         f"{median(per_sec):.0f}", f"{max(per_sec):.0f}", "none", "INFO"),
        (f"idle exits/s whole guest ({ncpu} CPUs)", f"{min(guest_sec):.0f}",
         f"{median(guest_sec):.0f}", f"{max(guest_sec):.0f}", "none", "INFO"),
        (f"exits per LAPIC tick (every CPU)", f"{min(per_lapic):.3f}",
         f"{median(per_lapic):.3f}", f"{max(per_lapic):.3f}",
         f"<= {LAPIC_TICK_MAX}", verdict(max(per_lapic) <= LAPIC_TICK_MAX)),
        (f"exits per PIT tick (-smp {ncpu}, boot CPU)", "",
         f"{max(per_pit):.3f}", "", "0", verdict(max(per_pit) == 0)),
        (f"SIPI to AP's first insn, us ({len(sipi)} samples)",
         f"{min(sipi):.0f}", f"{median(sipi):.0f}", f"{max(sipi):.0f}",
         "none", "INFO"),
    ]


def need(r, key):
    if key not in r:
        raise LogError(f"{r['path']}: no value for {key}")
    return r[key]


def verdict(ok):
    return "PASS" if ok else "FAIL"


def fmt_milli(m):
    return f"{m // 1000}.{m % 1000:03d}"


def table(icount, realtime, smp):
    first = icount[0]
    rows = []  # (label, min, median, max, target, result)
    for name, label, target, budget in ROUND_TRIPS:
        if name not in first["trips"]:
            raise LogError(f"{first['path']}: no 'bench {name}' line")
        lo, med, hi = first["trips"][name]
        rows.append((label, lo, med, hi, f"<= {target} (budget {budget})",
                     verdict(hi <= min(target, budget))))
    lo, med, hi = first["trips"].get("baseline", ("?", "?", "?"))
    rows.append(("(RDTSC pair, subtracted above)", lo, med, hi, "", "INFO"))
    for r, mode in ((first, "icount"), (realtime, "real time")):
        rows.append((f"idle exits/s ({mode})", "", need(r, "eps"), "", "none",
                     "INFO"))
    for r, mode in ((first, "icount"), (realtime, "real time")):
        m = need(r, "ept_milli")
        rows.append((f"exits per PIT tick ({mode})", "", fmt_milli(m), "",
                     "0", verdict(need(r, "exits") == 0)))
    kib = need(realtime, "npt_kib")
    gib = need(realtime, "npt_top") / (1 << 30)
    rows.append((f"NPT KiB, -m 4G (maps [0, {gib:g} GiB), "
                 f"{need(realtime, 'npt_pages')} pages)", "", kib, "",
                 f"<= {NPT_TARGET_KIB}", verdict(kib <= NPT_TARGET_KIB)))
    if smp:
        rows += smp_rows(smp)

    heads = ("metric", "min", "median", "max", "target", "result")
    cols = list(zip(heads, *rows))
    widths = [max(len(str(x)) for x in col) for col in cols]
    out = []
    for row in [heads] + rows:
        cells = [str(x) for x in row]
        out.append("  ".join([cells[0].ljust(widths[0])] +
                             [c.rjust(w) for c, w in zip(cells[1:], widths[1:])]))
    out.insert(1, "-" * len(out[0]))
    return "\n".join(out), rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--icount", action="append", required=True,
                    help="serial log of a run with -icount shift=0,sleep=off")
    ap.add_argument("--realtime", required=True,
                    help="serial log of a run without icount, -m 4G")
    ap.add_argument("--smp", action="append", default=[],
                    help="serial log of a `smp bench` run with -smp 4, "
                         "real time")
    args = ap.parse_args()
    try:
        icount = [parse(p) for p in args.icount]
        realtime = parse(args.realtime)
        smp = [parse_smp(p) for p in args.smp]
        for r in icount[1:]:
            if r["trips"] != icount[0]["trips"]:
                raise LogError(f"not deterministic: {icount[0]['path']} has "
                               f"{icount[0]['trips']}, {r['path']} has "
                               f"{r['trips']}")
        print("SVM exit costs as the guest sees them (-smp 1, TCG); round "
              "trips in instructions\n(-icount shift=0: the TSC counts "
              "instructions; identical in "
              f"{len(icount)} run{'s' if len(icount) > 1 else ''}), "
              "1000 samples each, PASS judged on max")
        text, rows = table(icount, realtime, smp)
        print(text)
    except LogError as e:
        print(f"bench-svm: {e}")
        print("bench-svm: 0 passed, 1 failed, 0 flagged")
        return 1
    for r, mode in [(icount[0], "icount"), (realtime, "real time")]:
        idle = ", ".join(f"{c}: {n}" for c, n in sorted(r["idle_exits"].items()))
        print(f"idle ({mode}): {r['ticks']} PIT ticks at 1 kHz (the TSC "
              f"says {r['period_ms']} ms), {r['exits']} exits"
              + (f" ({idle})" if idle else ""))
        if "checks_failed" in r:
            print(f"note: {r['path']}: {r['checks_failed']}")
    for r in smp:
        cpus = "; ".join(
            f"cpu {n}: {c['lapic']} LAPIC ticks, {c['pit']} PIT ticks, "
            f"{c['exits']} exits ("
            + ", ".join(f"{k}: {v}" for k, v in
                        sorted(r["codes"].get(n, {}).items())) + ")"
            for n, c in sorted(r["cpus"].items()))
        print(f"{r['path']}: {cpus}; SIPI us: "
              + " ".join(f"{ns / 1000:.0f}" for ns in r["sipi_ns"])
              + (f"; {r['early']} AP start(s) before the SIPI, not timed"
                 if r["early"] else ""))
        if "checks_failed" in r or "all_ok" not in r:
            print(f"note: {r['path']}: "
                  f"{r.get('checks_failed', 'no all-cpus-ok line')}")
    trips = realtime["trips"]
    if all(n in trips for n, *_ in ROUND_TRIPS):
        print("real time (no icount; host TSC counts min/median/max, noisy, "
              "not judged): " +
              ", ".join(f"{n} {trips[n][0]}/{trips[n][1]}/{trips[n][2]}"
                        for n, *_ in ROUND_TRIPS))
    print("logs: " + " ".join([r["path"] for r in icount] + [realtime["path"]]
                              + [r["path"] for r in smp]))
    passed = sum(1 for r in rows if r[5] == "PASS")
    failed = sum(1 for r in rows if r[5] == "FAIL")
    print(f"bench-svm: {passed} passed, {failed} failed, 0 flagged")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

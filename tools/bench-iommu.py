#!/usr/bin/python3
"""tools/bench-iommu.py - `make bench-iommu` (docs/iommu.md, "Benchmark").

  tools/bench-iommu.py [--pairs P] ISO

ISO: the hypervisor with our guest running `dmabench=N` (guest/dmabench.c:
3 rounds of N round trips RAM -> edu -> RAM of 4088 bytes each). It is
booted P times without and P times with `-device amd-iommu`, alternating,
under QEMU TCG (-M q35 -smp 1 -m 1G, edu with a 64-bit dma_mask in both,
amd-iommu first when present). Each boot is bounded (90 s to the guest's
result, `timeout` kills QEMU after 150 s) and ends by being killed once
the hypervisor's debug console (COM2) has answered `iommu`.

Reported (wall-clock, never failing):
  - guest DMA throughput to the device and to RAM, MB/s, per configuration
    (median over every round of every boot, min..max);
  - the ratio with/without per pair of rounds (round r of boot pair b):
    median and min..max; FLAGGED when the median is below 0.95;
  - the hypervisor's set-up time, kmain to `ready` ("hv: set up in N us"),
    both ways, and its own measurement of the IOMMU step ("iommu: ... set
    up in N us"); FLAGGED when that step's median exceeds 50 ms.
Deterministic (fail):
  - the same two set-up times under -icount shift=0,sleep=off (2 boots
    each way, ended at `hv: ready`), where the TSC counts instructions:
    they repeat (within 0.1%), the IOMMU step stays within 4000 us (4
    million instructions) and amd-iommu adds at most 8000 us to kmain to
    ready;
  - every round trip completed with intact data, both configurations
    (the guest's "dmabench round" lines and its check `dmabench`);
  - with amd-iommu: QEMU translated every one of the guest's transfers
    (trace event amdvi_translation_result, one per transfer) and faulted
    none (amdvi_page_fault: 0); the hypervisor counts zero blocked DMAs
    ("events: 0 (IO_PAGE_FAULT 0: ...)" from `iommu`) and says it is
    translating; without: the hypervisor says DMA is not protected and
    QEMU translated nothing.
QEMU 7.2 never writes its event log (docs/iommu.md, "Under QEMU"), so the
hypervisor's count is zero there whatever happens: QEMU's own trace is the
check that counts. Ends with `bench-iommu: N passed, N failed, N flagged`.
Standard library only.
"""
import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

RATIO_BOUND = 0.95       # with/without throughput, median over round pairs
IOMMU_SETUP_BOUND_US = 50000  # wall-clock, flagged
ICOUNT_STEP_BUDGET_US = 4000  # under -icount: measured 2959
ICOUNT_ADDED_BUDGET_US = 8000  # under -icount: measured 4080
BOOT_WAIT = 90           # seconds to the guest's result
QEMU_LIMIT = "150"       # seconds, then `timeout` kills QEMU
TRACES = ["amdvi_translation_result", "amdvi_iotlb_hit", "amdvi_page_fault"]
RE_ROUND = re.compile(r"guest: dmabench round (\d+): (\d+) of (\d+) round trips, "
                      r"(\d+) intact, (\d+) bytes each way, to-device (\d+) "
                      r"cycles, to-RAM (\d+) cycles, (\d+) cycles/ms")
RE_HV_SETUP = re.compile(r"hv: set up in (\d+) us \(kmain to ready\)")
RE_IOMMU_SETUP = re.compile(r"hv: iommu: \d+ IOMMU\(s\) translating: .*set up in "
                            r"(\d+) us")
RE_TSC = re.compile(r"hv: tsc: (\d+\.\d+) MHz")
RE_EVENTS = re.compile(r"events: (\d+) \(IO_PAGE_FAULT (\d+): (\d+) reads, "
                       r"(\d+) writes blocked\)")
results = []                     # (name, verdict)


def judge(name, verdict, text):
    results.append((name, verdict))
    print("%-52s %s  %s" % (name, text, verdict))


def console_cmd(path, cmd, timeout=20):
    """One command on the debug console (COM2, a Unix socket); its answer."""
    deadline = time.monotonic() + timeout
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    while True:
        try:
            s.connect(path)
            break
        except (FileNotFoundError, ConnectionRefusedError):
            if time.monotonic() > deadline:
                return None
            time.sleep(0.1)
    try:
        buf = b""
        for line in (b"\r", cmd.encode() + b"\r"):
            s.sendall(line)
            buf = b""
            while not buf.endswith(b"hv> "):
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                s.settimeout(left)
                try:
                    data = s.recv(65536)
                except socket.timeout:
                    return None
                if not data:
                    return None
                buf += data
        return buf.decode("ascii", "replace").replace("\r", "")
    finally:
        s.close()


def stop(q):
    """End `timeout` and QEMU under it: both are in the process group
    that timeout leads (a SIGKILL to timeout alone would leave QEMU)."""
    for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
        try:
            os.killpg(q.pid, sig)
        except ProcessLookupError:
            break
        try:
            q.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            pass


def boot(iso, with_iommu, tmp, tag, icount=False):
    """One boot; returns a dict of what it showed, or None with a reason.
    With icount: -icount shift=0,sleep=off (the TSC counts instructions),
    ended at `hv: ready`, no guest result and no console."""
    log = os.path.join(tmp, tag + ".log")
    qlog = os.path.join(tmp, tag + ".qlog")
    sock = os.path.join(tmp, tag + ".com2")
    devs = (["-device", "amd-iommu"] if with_iommu else []) + \
        ["-device", "edu,dma_mask=0xffffffffffffffff"]
    trace = [a for t in TRACES for a in ("-trace", t)]
    until = "hv: ready" if icount else "guest: check dmabench"
    q = subprocess.Popen(
        ["timeout", QEMU_LIMIT, "qemu-system-x86_64", "-M", "q35", "-accel",
         "tcg", "-cpu", "qemu64,+svm,+npt", "-smp", "1", "-m", "1G",
         *(["-icount", "shift=0,sleep=off"] if icount else []),
         "-display", "none", "-no-reboot", "-monitor", "none",
         "-serial", "file:" + log,
         "-serial", "unix:%s,server=on,wait=off" % sock,
         *devs, *trace, "-D", qlog, "-cdrom", iso],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    t0 = time.monotonic()
    text, why, report = "", None, ""
    try:
        while until not in text:
            if time.monotonic() - t0 > BOOT_WAIT:
                why = "no %r within %d s" % (until, BOOT_WAIT)
                break
            if q.poll() is not None:
                why = "QEMU exited (status %s)" % q.returncode
                break
            if "panic" in text:
                why = "panic"
                break
            time.sleep(0.3)
            text = open(log, errors="replace").read() if os.path.exists(log) else ""
        if why is None and not icount:
            report = console_cmd(sock, "iommu")
            if report is None:
                why = "the debug console did not answer `iommu`"
    finally:
        stop(q)
    text = open(log, errors="replace").read() if os.path.exists(log) else ""
    qtext = open(qlog, errors="replace").read() if os.path.exists(qlog) else ""
    if why:
        print("  %s: %s (log %s)" % (tag, why, log))
        return None
    return {
        "rounds": [tuple(int(x) for x in m.groups()) for m in RE_ROUND.finditer(text)],
        "check_ok": "guest: check dmabench ok" in text,
        "hv_us": int(RE_HV_SETUP.search(text).group(1)) if RE_HV_SETUP.search(text) else None,
        "iommu_us": int(RE_IOMMU_SETUP.search(text).group(1))
        if RE_IOMMU_SETUP.search(text) else None,
        "unprotected": "DMA is not protected" in text,
        "tsc_mhz": float(RE_TSC.search(text).group(1)) if RE_TSC.search(text) else 0.0,
        "translations": qtext.count("amdvi_translation_result"),
        "iotlb_hits": qtext.count("amdvi_iotlb_hit"),
        "faults": qtext.count("amdvi_page_fault"),
        "report": report,
        "log": log,
    }


def mbps(nbytes, cycles, mhz):
    """Bytes over TSC cycles at MHZ million cycles per second, in MB/s
    (bytes per microsecond)."""
    return nbytes / (cycles / mhz) if cycles and mhz else 0.0


def spread(v, fmt="%.4f"):
    return (fmt + " (" + fmt + ".." + fmt + ")") % (statistics.median(v), min(v), max(v))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=3)
    ap.add_argument("iso")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="bench-iommu")
    print("edu DMA with and without amd-iommu (QEMU TCG, -smp 1 -m 1G; %d boots "
          "each, alternating; logs in %s)" % (a.pairs, tmp))
    runs = {False: [], True: []}
    for p in range(a.pairs):
        for w in (False, True):
            r = boot(a.iso, w, tmp, "%s%d" % ("iommu" if w else "plain", p))
            if r is None:
                judge("every boot reached the guest's result", "FAIL",
                      "%s boot %d" % ("with" if w else "without", p))
                return finish()
            runs[w].append(r)
    judge("every boot reached the guest's result", "PASS",
          "%d boots" % (2 * a.pairs))

    # Deterministic: every transfer done and intact.
    bad, total = [], 0
    for w in (False, True):
        for i, r in enumerate(runs[w]):
            ok = r["check_ok"] and len(r["rounds"]) == 3
            for (_, done, n, intact, *_rest) in r["rounds"]:
                total += n
                ok &= done == n and intact == n
            if not ok:
                bad.append("%s boot %d" % ("with" if w else "without", i))
    judge("every round trip completed with intact data",
          "FAIL" if bad else "PASS",
          ", ".join(bad) if bad else "%d round trips of 4088 bytes" % total)

    # Deterministic: translated by QEMU's IOMMU, none faulted or blocked.
    xfers = [2 * sum(x[1] for x in r["rounds"]) for r in runs[True]]
    trans = [r["translations"] for r in runs[True]]
    faults = [r["faults"] for r in runs[True]]
    judge("with amd-iommu: every transfer translated, none faulted (QEMU trace)",
          "PASS" if trans == xfers and not any(faults) else "FAIL",
          "translations %s for %s transfers (IOTLB hits %s), page faults %s"
          % (trans, xfers, [r["iotlb_hits"] for r in runs[True]], faults))
    ev = [RE_EVENTS.search(r["report"] or "") for r in runs[True]]
    counted = [tuple(int(x) for x in m.groups()) if m else None for m in ev]
    translating = all("IDs translated to guest RAM" in (r["report"] or "")
                      for r in runs[True])
    judge("with amd-iommu: the hypervisor counts 0 blocked DMAs",
          "PASS" if translating and all(c == (0, 0, 0, 0) for c in counted)
          else "FAIL", "events, faults, reads, writes: %s" % counted)
    judge("without: DMA not protected, nothing translated",
          "PASS" if all(r["unprotected"] and r["translations"] == 0 and
                        "DMA is not protected" in (r["report"] or "")
                        for r in runs[False]) else "FAIL",
          "translations %s" % [r["translations"] for r in runs[False]])

    # Throughput (wall-clock).
    print("throughput (MB/s, median (min..max) over %d rounds; TSC cycles at "
          "the hypervisor's calibrated rate; each transfer waits for edu's "
          "100 ms timer)" % (3 * a.pairs))
    per = {}
    for w in (False, True):
        dev = [mbps(x[4], x[5], r["tsc_mhz"]) for r in runs[w] for x in r["rounds"]]
        ram = [mbps(x[4], x[6], r["tsc_mhz"]) for r in runs[w] for x in r["rounds"]]
        per[w] = (dev, ram)
        print("  %-16s RAM->device %s  device->RAM %s" %
              ("with amd-iommu" if w else "without", spread(dev), spread(ram)))
    ratios = []
    for k in (0, 1):
        for a_, b_ in zip(per[True][k], per[False][k]):
            ratios.append(a_ / b_ if b_ else 0.0)
    med = statistics.median(ratios)
    judge("throughput with/without >= %.2f (median)" % RATIO_BOUND,
          "PASS" if med >= RATIO_BOUND else "FLAGGED",
          "%s over %d round pairs, both directions (wall-clock)"
          % (spread(ratios, "%.3f"), len(ratios)))

    # Boot time (wall-clock).
    hv = {w: [r["hv_us"] for r in runs[w] if r["hv_us"] is not None] for w in runs}
    iu = [r["iommu_us"] for r in runs[True] if r["iommu_us"] is not None]
    if len(hv[False]) == a.pairs and len(hv[True]) == a.pairs and len(iu) == a.pairs:
        print("hypervisor set-up, kmain to ready (us, median (min..max)): "
              "without %s, with amd-iommu %s, difference of medians %d"
              % (spread(hv[False], "%d"), spread(hv[True], "%d"),
                 statistics.median(hv[True]) - statistics.median(hv[False])))
        judge("IOMMU set-up step <= %d us (median)" % IOMMU_SETUP_BOUND_US,
              "PASS" if statistics.median(iu) <= IOMMU_SETUP_BOUND_US else "FLAGGED",
              "%s us, the hypervisor's own TSC measurement (wall-clock)"
              % spread(iu, "%d"))
    else:
        judge("set-up times printed", "FAIL", "kmain to ready %s, iommu %s" % (hv, iu))

    # Boot time in instructions: under -icount shift=0 the TSC counts
    # instructions (about 1 GHz as the hypervisor calibrates it), so its
    # "us" are thousands of instructions and repeat exactly.
    ic = {False: [], True: []}
    for p in range(2):
        for w in (False, True):
            r = boot(a.iso, w, tmp, "icount-%s%d" % ("iommu" if w else "plain", p),
                     icount=True)
            if r is None or r["hv_us"] is None or (w and r["iommu_us"] is None):
                judge("icount boots printed their set-up times", "FAIL",
                      "%s boot %d" % ("with" if w else "without", p))
                return finish()
            ic[w].append(r)
    tot = {w: [r["hv_us"] for r in ic[w]] for w in ic}
    step = [r["iommu_us"] for r in ic[True]]
    same = all(max(v) - min(v) <= max(v) // 1000 for v in (tot[False], tot[True], step))
    judge("icount: set-up times repeat (2 runs each, within 0.1%)",
          "PASS" if same else "FAIL", "without %s, with %s, IOMMU step %s"
          % (tot[False], tot[True], step))
    added = max(tot[True]) - min(tot[False])
    judge("icount: IOMMU step <= %d us (k-instructions)" % ICOUNT_STEP_BUDGET_US,
          "PASS" if max(step) <= ICOUNT_STEP_BUDGET_US else "FAIL",
          "%d us" % max(step))
    judge("icount: amd-iommu adds <= %d us to kmain..ready" % ICOUNT_ADDED_BUDGET_US,
          "PASS" if added <= ICOUNT_ADDED_BUDGET_US else "FAIL",
          "%d us (%d without, %d with)" % (added, max(tot[False]), max(tot[True])))
    return finish()


def finish():
    passed = sum(1 for _, v in results if v == "PASS")
    failed = sum(1 for _, v in results if v == "FAIL")
    flagged = sum(1 for _, v in results if v == "FLAGGED")
    print("bench-iommu: %d passed, %d failed, %d flagged" % (passed, failed, flagged))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

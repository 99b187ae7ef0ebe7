#!/usr/bin/python3
"""tools/bench-net.py - `make bench-net`: round trips of `version` over the
plaintext UDP console (docs/net.md), with the guest idle in HLT and with it
spinning with interrupts off (guest option `spin`), and requests per second
sustained, against the targets of the network issue (median <= 10 ms,
p99 <= 50 ms with the guest busy, under TCG).

  tools/bench-net.py ISO_IDLE ISO_SPIN ISO_WORK [--requests N]

ISO_WORK's guest runs `work` (guest/main.c): it counts fixed units of work
per half second with interrupts off; the guest's rate without a flood is
compared with its rate while this script floods the hypervisor's NIC
(random datagrams, at most 6 s and 300000 datagrams; target: the flood
costs the guest at most 10%).

Each ISO is booted under QEMU TCG (-smp 2) with the hypervisor's e1000e at
00:05.0, its port forwarded to a free port on 127.0.0.1. Standard library
plus tools/udpcon.py. Exit status 1 when a boot or the requests fail.
"""
import argparse
import os
import re
import socket
import statistics
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import udpcon  # noqa: E402



def kill_group(q):
    """QEMU and the `timeout` wrapping it (a kill of `timeout` alone would
    leave QEMU running): its own session, killed whole."""
    try:
        os.killpg(q.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass

def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def boot(iso, marker):
    """Start QEMU; return (process, port, log path) once marker is seen."""
    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix="bench-net", suffix=".log",
                                      delete=False).name
    q = subprocess.Popen(
        ["timeout", "600", "qemu-system-x86_64", "-M", "q35", "-accel", "tcg",
         "-cpu", "qemu64,+svm,+npt", "-smp", "2", "-m", "1G", "-display",
         "none", "-no-reboot", "-monitor", "none", "-serial", "file:" + log,
         "-nic", "user,model=e1000e", "-netdev",
         "user,id=hvnet,hostfwd=udp:127.0.0.1:%d-:4444" % port,
         "-device", "e1000e,netdev=hvnet,addr=5", "-cdrom", iso],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
    deadline = time.monotonic() + 180
    while marker not in open(log, errors="replace").read():
        if time.monotonic() > deadline or q.poll() is not None:
            kill_group(q)
            sys.exit("bench-net: no %r in %s" % (marker, log))
        time.sleep(0.5)
    return q, port, log


def work_rates(log):
    return [int(m.group(1)) for m in
            re.finditer(r"guest: work (\d+) units/s", open(log, errors="replace").read())]


def run_work(iso):
    q, port, log = boot(iso, "guest: working")
    try:
        time.sleep(3)                        # let the rate settle
        n0 = len(work_rates(log))
        time.sleep(6)
        quiet = work_rates(log)[n0:]
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        n1 = len(work_rates(log))
        t0, sent = time.monotonic(), 0
        while time.monotonic() - t0 < 6 and sent < 300000:
            s.sendto(os.urandom(64), ("127.0.0.1", port))
            sent += 1
        flood = work_rates(log)[n1 + 1:]     # skip the half-second straddling
        rate = sent / (time.monotonic() - t0)
        alive = udpcon.query(s, ("127.0.0.1", port), "version", 2.0, 3)
        return quiet, flood, rate, alive is not None
    finally:
        kill_group(q)
        q.wait()


def run(iso, marker, n):
    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix="bench-net", suffix=".log",
                                      delete=False).name
    q = subprocess.Popen(
        ["timeout", "600", "qemu-system-x86_64", "-M", "q35", "-accel", "tcg",
         "-cpu", "qemu64,+svm,+npt", "-smp", "2", "-m", "1G", "-display",
         "none", "-no-reboot", "-monitor", "none", "-serial", "file:" + log,
         "-nic", "user,model=e1000e", "-netdev",
         "user,id=hvnet,hostfwd=udp:127.0.0.1:%d-:4444" % port,
         "-device", "e1000e,netdev=hvnet,addr=5", "-cdrom", iso],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while marker not in open(log, errors="replace").read():
            if time.monotonic() > deadline or q.poll() is not None:
                sys.exit("bench-net: no %r in %s" % (marker, log))
            time.sleep(0.5)
        time.sleep(1)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        addr = ("127.0.0.1", port)
        rtts, lost = [], 0
        t0 = time.monotonic()
        for _ in range(n):
            t = time.monotonic()
            out = udpcon.query(s, addr, "version", timeout=1.0, retries=0)
            if out is None:
                lost += 1
                continue
            rtts.append((time.monotonic() - t) * 1000)
        elapsed = time.monotonic() - t0
        return rtts, lost, n / elapsed
    finally:
        kill_group(q)
        q.wait()


def row(name, rtts, lost, rate, target_med=None, target_p99=None):
    rtts.sort()
    med = statistics.median(rtts)
    p99 = rtts[min(len(rtts) - 1, int(len(rtts) * 0.99))]
    verdict = ""
    if target_med is not None:
        ok = med <= target_med and p99 <= target_p99
        verdict = "PASS" if ok else "MISS"
    print("%-34s median %6.2f ms  p99 %6.2f ms  max %6.2f ms  lost %d  "
          "%5.0f req/s  %s" % (name, med, p99, rtts[-1], lost, rate, verdict))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("iso_idle")
    ap.add_argument("iso_spin")
    ap.add_argument("iso_work")
    ap.add_argument("--requests", type=int, default=1000)
    a = ap.parse_args()
    print("UDP console round trips of `version` (%d requests each, one at a "
          "time; targets: median <= 10 ms, p99 <= 50 ms with the guest busy)"
          % a.requests)
    rtts, lost, rate = run(a.iso_idle, "guest: boot cpu ok", a.requests)
    row("guest idle in HLT", rtts, lost, rate, 10, 50)
    rtts, lost, rate = run(a.iso_spin, "guest: spinning with interrupts off",
                           a.requests)
    row("guest spinning, interrupts off", rtts, lost, rate, 10, 50)
    quiet, flood, rate, alive = run_work(a.iso_work)
    if len(quiet) < 4 or len(flood) < 4:
        sys.exit("bench-net: too few work samples (%d quiet, %d flood)"
                 % (len(quiet), len(flood)))
    q, f = statistics.median(quiet), statistics.median(flood)
    cost = (q - f) / q * 100
    print("guest work rate (median units/s)   quiet %d  during a flood of %.0f "
          "datagrams/s %d  cost %.1f%%  console %s  %s"
          % (q, rate, f, cost, "answers" if alive else "SILENT",
             "PASS" if cost <= 10 and alive else "MISS"))


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""tools/bench-ucon.py - `make bench-ucon` (docs/console-protocol.md,
"Benchmark").

  tools/bench-ucon.py --key KEY --tagcost BIN ISO_PLAIN ISO_KEYED ISO_WORK

1. Round trips of `version`, one at a time, ROUNDS rounds of N requests on
   the plaintext console (ISO_PLAIN: console_key=none) and on the
   authenticated one (ISO_KEYED: the key module), both with the guest
   spinning with interrupts off, booted one after the other under QEMU
   TCG (-smp 2). Median and p99 per console, and the ratio of the medians
   per round: its median and spread (min..max). Target: authentication
   adds at most 10% (wall-clock: reported, flagged when missed).
2. The cost of one forged datagram: BIN times the failing tag check on
   this host's CPU (natively, -O2); the hypervisor's own account under
   TCG (`net`: "udp console forged: ... ns each").
3. ISO_WORK's guest counts units of work per half second; its rate quiet
   and during a forged flood (valid header, random tag, from 64 source
   ports; at most 8 s and 40000 datagrams, 127.0.0.1 only).
Deterministic targets (fail): every request answered; the sealed
datagram is exactly the plaintext's payload + 64 bytes; the console
answers during and after the flood; every forged datagram that reached
the hypervisor is counted as rejected.
Ends with `bench-ucon: N passed, N failed, N flagged`.
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
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hvconlib as H  # noqa: E402
import udpcon  # noqa: E402

ROUNDS, N = 3, 200
results = []                     # (name, verdict)


def judge(name, verdict, text):
    results.append((name, verdict))
    print("%-46s %s  %s" % (name, text, verdict))


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p



def kill_group(q):
    """QEMU and the `timeout` wrapping it (a kill of `timeout` alone would
    leave QEMU running): its own session, killed whole."""
    try:
        os.killpg(q.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass

class Qemu:
    def __init__(self, iso, marker):
        self.port = free_port()
        self.log = tempfile.NamedTemporaryFile(prefix="bench-ucon", suffix=".log",
                                               delete=False).name
        self.q = subprocess.Popen(
            ["timeout", "900", "qemu-system-x86_64", "-M", "q35", "-accel", "tcg",
             "-cpu", "qemu64,+svm,+npt", "-smp", "2", "-m", "1G", "-display",
             "none", "-no-reboot", "-monitor", "none", "-serial", "file:" + self.log,
             "-netdev", "user,id=hvnet,hostfwd=udp:127.0.0.1:%d-:4444" % self.port,
             "-device", "e1000e,netdev=hvnet,addr=5", "-cdrom", iso],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        deadline = time.monotonic() + 240
        while marker not in self.text():
            if time.monotonic() > deadline or self.q.poll() is not None:
                self.close()
                print("bench-ucon: no %r in %s" % (marker, self.log))
                print("bench-ucon: 0 passed, 1 failed, 0 flagged")
                sys.exit(1)
            time.sleep(0.5)
        time.sleep(1)

    def text(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def close(self):
        kill_group(self.q)
        self.q.wait()


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p))]


def round_trips(iso, keyed, key):
    m = Qemu(iso, "guest: spinning with interrupts off")
    rounds, lost = [], 0
    try:
        addr = ("127.0.0.1", m.port)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        con = H.Console("127.0.0.1", m.port, key, timeout=1.0, retries=3) if keyed else None
        if con:
            con.hello()
        for _ in range(ROUNDS):
            rtts = []
            for _ in range(N):
                t = time.monotonic()
                if keyed:
                    ok, out = con.command("version")
                else:
                    out = udpcon.query(s, addr, "version", timeout=1.0, retries=3)
                if out is None or "ThinAMDvisor" not in out:
                    lost += 1
                    continue
                rtts.append((time.monotonic() - t) * 1000)
            rounds.append(rtts)
    finally:
        m.close()
    return rounds, lost


def forged_flood(iso, key, tagcost):
    m = Qemu(iso, "guest: working")
    try:
        con = H.Console("127.0.0.1", m.port, key, timeout=1.0, retries=4)
        con.hello()
        rates = lambda: [int(x) for x in re.findall(r"guest: work (\d+) units/s", m.text())]
        time.sleep(3)
        n0 = len(rates())
        time.sleep(6)
        quiet = rates()[n0:]
        n1 = len(rates())
        stop = time.monotonic() + 8
        sent = [0]

        def flood():
            socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(64)]
            for i in range(40000):
                if time.monotonic() > stop:
                    break
                h = H.Header(kind=H.KIND_CMD, session=con.session, client=1 + i,
                             seq=1 + i, ticket=5)
                socks[i % 64].sendto(h.encode() + os.urandom(36 + H.TAG),
                                     ("127.0.0.1", m.port))
                sent[0] += 1
                if i % 100 == 99:
                    time.sleep(0.02)         # about 5000 datagrams/s
            for x in socks:
                x.close()

        t = threading.Thread(target=flood)
        t.start()
        during_ok = True
        while t.is_alive():
            try:
                ok, out = con.command("version")
                during_ok &= ok
            except H.ConsoleError:
                during_ok = False
            time.sleep(0.5)
        t.join()
        flood_rates = rates()[n1 + 1:]
        ok, net = con.command("net")
        return quiet, flood_rates, sent[0], during_ok and ok, net
    finally:
        m.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--key", required=True)
    ap.add_argument("--tagcost", required=True)
    ap.add_argument("iso_plain")
    ap.add_argument("iso_keyed")
    ap.add_argument("iso_work")
    a = ap.parse_args()
    key = H.read_key_file(a.key)

    print("UDP console round trips of `version` (%d rounds of %d, guest "
          "spinning with interrupts off, QEMU TCG)" % (ROUNDS, N))
    plain, lost_p = round_trips(a.iso_plain, False, key)
    keyed, lost_k = round_trips(a.iso_keyed, True, key)
    for name, rounds in (("plaintext", plain), ("authenticated", keyed)):
        allr = [x for r in rounds for x in r]
        print("  %-14s median %6.2f ms  p99 %6.2f ms  (%d answers)"
              % (name, statistics.median(allr), pct(allr, 0.99), len(allr)))
    judge("every request answered", "PASS" if lost_p == lost_k == 0 else "FAIL",
          "lost %d plaintext, %d authenticated" % (lost_p, lost_k))
    ratios = [statistics.median(k) / statistics.median(p) for p, k in zip(plain, keyed)]
    med = statistics.median(ratios)
    judge("authenticated / plaintext round trip <= 1.10",
          "PASS" if med <= 1.10 else "FLAGGED",
          "%.3f (rounds %.3f..%.3f, wall-clock)" % (med, min(ratios), max(ratios)))

    # The sealing overhead is a constant: header and tag.
    h = H.Header(kind=H.KIND_CMD | H.KIND_REPLY, parts=1, session=1, client=1, seq=1)
    sizes = {n: len(H.seal(key, h, b"x" * n)) - n for n in (0, 1, 100, H.PAYLOAD_MAX)}
    judge("sealing adds exactly 64 bytes per datagram",
          "PASS" if set(sizes.values()) == {64} else "FAIL", str(sorted(set(sizes.values()))))

    native = int(subprocess.run([a.tagcost, "bench", "1000000"], check=True,
                                capture_output=True, text=True).stdout)
    print("  one forged datagram, tag check on this host's CPU natively: %d ns" % native)
    quiet, flood, sent, alive, net = forged_flood(a.iso_work, key, a.tagcost)
    m = re.search(r"forged: (\d+) tag checks failed, (\d+) ns each", net)
    r = re.search(r"rejected: (\d+) bad tag, (\d+) replay, (\d+) malformed, (\d+) rate limit", net)
    rx = re.search(r"rx: (\d+) packets", net)
    if m:
        print("  one forged datagram under TCG, the hypervisor's account: %s ns "
              "(%s checked)" % (m.group(2), m.group(1)))
    judge("console answers during and after the flood", "PASS" if alive else "FAIL",
          "%d forged datagrams sent" % sent)
    rejected = sum(int(x) for x in r.groups()) if r else -1
    rxn = int(rx.group(1)) if rx else -1
    # Every datagram that reached the NIC is ours (a few hundred) or
    # rejected.
    judge("every forged datagram that arrived is rejected and counted",
          "PASS" if r and rejected >= min(sent, max(0, rxn - 200)) - 200 else "FAIL",
          "%d rejected (%s), %d packets received" %
          (rejected, r.group(0) if r else "no counters", rxn))
    if len(quiet) >= 4 and len(flood) >= 4:
        q, f = statistics.median(quiet), statistics.median(flood)
        print("  guest work rate: quiet %d units/s, during the forged flood of "
              "%.0f datagrams/s %d (%.1f%% less; samples %d..%d quiet, %d..%d "
              "flood)" % (q, sent / 8, f, (q - f) / q * 100, min(quiet),
                          max(quiet), min(flood), max(flood)))
    else:
        judge("guest work samples", "FAIL", "%d quiet, %d flood" % (len(quiet), len(flood)))
    passed = sum(1 for _, v in results if v == "PASS")
    failed = sum(1 for _, v in results if v == "FAIL")
    flagged = sum(1 for _, v in results if v == "FLAGGED")
    print("bench-ucon: %d passed, %d failed, %d flagged" % (passed, failed, flagged))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""tools/benchlib.py - what the benchmark runners (tools/bench-*.py) share:
verdicts with their closing summary line, a free UDP port on 127.0.0.1,
and stopping QEMU together with the `timeout` that bounds it."""
import os
import signal
import socket
import subprocess


class Verdicts:
    """PASS and FAIL for deterministic targets, FLAGGED for wall-clock
    figures outside their bound (reported, never failing)."""

    def __init__(self, width=46):
        self.width = width
        self.results = []                  # (name, verdict)

    def judge(self, name, verdict, text):
        self.results.append((name, verdict))
        print("%-*s %s  %s" % (self.width, name, text, verdict))

    def summary(self, prog):
        """Print 'PROG: N passed, N failed, N flagged'; the exit status."""
        count = lambda v: sum(1 for _, r in self.results if r == v)
        print("%s: %d passed, %d failed, %d flagged"
              % (prog, count("PASS"), count("FAIL"), count("FLAGGED")))
        return 1 if count("FAIL") else 0


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def stop(q):
    """End QEMU and the `timeout` wrapping it, both in the session the
    runner gave them (start_new_session=True): a signal to `timeout` alone
    would leave QEMU running. SIGTERM, then SIGKILL."""
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


def qemu_threads(q):
    """{thread id: name} of the QEMU under `timeout` process q (QEMU run
    with -name ...,debug-threads=on names its vCPU threads 'CPU N/TCG')."""
    out = {}
    for pid in _descendants(q.pid):
        for tid in os.listdir("/proc/%d/task" % pid):
            try:
                with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
                    out[int(tid)] = f.read().strip()
            except OSError:
                pass
    return out


def _descendants(pid):
    kids = []
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            kids = [int(k) for k in f.read().split()]
    except OSError:
        pass
    return kids + [d for k in kids for d in _descendants(k)]


def pin_vcpu0(q):
    """Give QEMU's first vCPU thread host core 0 alone: every other QEMU
    thread and this process go to the other cores. What a load on the
    host (a sender, QEMU's network model) then costs the guest is what
    reaches it through the machine, not a share of a core it lost. False
    when the host has one core or the thread is not found."""
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        return False
    threads = qemu_threads(q)
    vcpu0 = [t for t, n in threads.items() if n == "CPU 0/TCG"]
    if len(vcpu0) != 1:
        return False
    rest = set(cores[1:])
    for t in threads:
        try:
            os.sched_setaffinity(t, {cores[0]} if t == vcpu0[0] else rest)
        except OSError:
            pass
    os.sched_setaffinity(0, rest)
    return True

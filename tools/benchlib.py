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

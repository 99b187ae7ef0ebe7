#!/usr/bin/python3
"""The debug console over UDP (plaintext, read-only; docs/net.md).

`make console-udp` while `make run` is up, or
`tools/udpcon.py [HOST:PORT] [--cmd LINE]...`: each line is one request
datagram; the reply comes in datagrams headed "hv I/N\\n", reassembled here
(lost pieces: the whole request is sent again, up to --retries times).
Without --cmd, reads lines from the terminal.
"""
import argparse
import re
import socket
import sys
import time

HDR = re.compile(rb"hv (\d+)/(\d+)\n")


def query(sock, addr, line, timeout=2.0, retries=3):
    """Send one command line, return the reassembled reply (str), or None."""
    for _ in range(retries + 1):
        sock.sendto(line.encode("ascii"), addr)
        parts, total = {}, None
        deadline = time.monotonic() + timeout
        while total is None or len(parts) < total:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            sock.settimeout(left)
            try:
                data, src = sock.recvfrom(65536)
            except socket.timeout:
                break
            m = HDR.match(data)
            if src != addr or not m:
                continue            # not a reply of this console
            i, n = int(m.group(1)), int(m.group(2))
            if not 1 <= i <= n or (total is not None and n != total):
                continue
            total = n
            parts[i] = data[m.end():]
        if total is not None and len(parts) == total:
            return b"".join(parts[i] for i in range(1, total + 1)).decode(
                "ascii", "replace")
    return None


def parse_addr(s):
    host, _, port = s.rpartition(":")
    return (socket.gethostbyname(host or "127.0.0.1"), int(port))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("addr", nargs="?", default="127.0.0.1:4444",
                    help="HOST:PORT (default 127.0.0.1:4444)")
    ap.add_argument("--cmd", action="append", help="run this line and exit")
    ap.add_argument("--timeout", type=float, default=2.0,
                    help="seconds per attempt")
    ap.add_argument("--retries", type=int, default=3)
    a = ap.parse_args()
    addr = parse_addr(a.addr)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    lines = a.cmd if a.cmd else None
    status = 0
    while True:
        if lines is not None:
            if not lines:
                break
            line = lines.pop(0)
        else:
            try:
                line = input("hv(udp)> ")
            except EOFError:
                break
            if not line.strip():
                continue
        out = query(sock, addr, line, a.timeout, a.retries)
        if out is None:
            print("udpcon: no complete answer from %s:%d" % addr,
                  file=sys.stderr)
            status = 1
            continue
        sys.stdout.write(out)
        sys.stdout.flush()
        if out.startswith("error:"):
            status = 1
    sys.exit(status)


if __name__ == "__main__":
    main()

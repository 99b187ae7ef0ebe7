#!/usr/bin/python3
"""Talk to the hypervisor's debug console (COM2) through QEMU's Unix
socket: `make console` while `make run` is up in another terminal.

Keys go to the console as typed (raw terminal); Enter sends CR. Ctrl-]
quits. With --cmd, sends the given lines one by one, prints each answer
and exits (for scripts).
"""
import argparse
import os
import select
import socket
import sys
import termios
import time
import tty

PROMPT = b"hv> "


def connect(path, wait):
    deadline = time.monotonic() + wait
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            return s
        except (FileNotFoundError, ConnectionRefusedError):
            s.close()
            if time.monotonic() > deadline:
                sys.exit("console: nothing listens on %s (is `make run` up?)" % path)
            time.sleep(0.2)


def read_prompt(s, timeout):
    buf = b""
    deadline = time.monotonic() + timeout
    while not buf.endswith(PROMPT):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([s], [], [], left)[0]:
            sys.exit("console: no answer within %ss" % timeout)
        data = s.recv(65536)
        if not data:
            sys.exit("console: connection closed")
        buf += data
    return buf


def batch(s, lines, timeout):
    s.sendall(b"\r")
    read_prompt(s, timeout)
    for line in lines:
        s.sendall(line.encode() + b"\r")
        out = read_prompt(s, timeout)
        sys.stdout.write(out.decode("ascii", "replace").replace("\r", ""))
    sys.stdout.write("\n")


def interactive(s):
    fd = sys.stdin.fileno()
    old = termios.tcgetattr(fd)
    print("console: connected; Ctrl-] quits\r")
    try:
        tty.setraw(fd)
        s.sendall(b"\r")
        while True:
            r, _, _ = select.select([s, fd], [], [])
            if s in r:
                data = s.recv(65536)
                if not data:
                    break
                os.write(sys.stdout.fileno(), data)
            if fd in r:
                data = os.read(fd, 1024)
                if b"\x1d" in data:
                    break
                s.sendall(data)
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, old)
        print("\nconsole: closed")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("socket", nargs="?", default="build/console.sock")
    ap.add_argument("--cmd", action="append", help="run this line and exit")
    ap.add_argument("--wait", type=float, default=10, help="seconds to wait for the socket")
    ap.add_argument("--timeout", type=float, default=30)
    a = ap.parse_args()
    s = connect(a.socket, a.wait)
    if a.cmd:
        batch(s, a.cmd, a.timeout)
    else:
        interactive(s)


if __name__ == "__main__":
    main()

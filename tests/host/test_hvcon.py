"""Host tier of the authenticated console (docs/console-protocol.md):

- interoperability: the hypervisor's C code (net/ucon_wire.c, BearSSL)
  against tools/hvconlib.py (Python's cryptography), in both directions;
- the client: reassembly with loss, reordering, duplicates and forged
  datagrams; retries; its messages and exit statuses; fleet mode; keygen.
A fake hypervisor on 127.0.0.1 (Python, this file) stands in for the real
one, which tests/qemu/test_ucon.py drives.
"""
import os
import random
import socket
import stat
import subprocess
import sys
import threading

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import hvconlib as H  # noqa: E402

INTEROP = os.path.join(ROOT, os.environ.get("BUILD", "build"), "unit", "ucon_interop")
HVCON = os.path.join(ROOT, "tools", "hvcon")


def c_seal(key, hdr, payload):
    out = subprocess.run(
        [INTEROP, "seal", key.hex(), str(hdr.kind), str(hdr.status),
         str(hdr.part), str(hdr.parts), str(hdr.aux), str(hdr.session),
         str(hdr.client), str(hdr.seq), str(hdr.ticket), payload.hex()],
        check=True, capture_output=True, text=True).stdout.strip()
    return bytes.fromhex(out)


def c_open(key, data):
    out = subprocess.run([INTEROP, "open", key.hex(), data.hex()], check=True,
                         capture_output=True, text=True).stdout.split()
    if out[0] != "ok":
        return None
    f = [int(x) for x in out[1:10]]
    return H.Header(*f), bytes.fromhex(out[10]) if len(out) > 10 else b""


def test_python_requests_open_in_c():
    rnd = random.Random(1)
    for i in range(40):
        key = bytes(rnd.randrange(256) for _ in range(32))
        payload = bytes(rnd.randrange(0x20, 0x7f) for _ in range(rnd.randrange(1, 121)))
        h = H.Header(kind=H.KIND_CMD, session=rnd.randrange(1, H.ID_LIMIT),
                     client=rnd.randrange(1, H.ID_LIMIT),
                     seq=rnd.randrange(1, H.SEQ_LIMIT),
                     ticket=rnd.randrange(1, 1 << 64))
        d = H.seal(key, h, payload)
        got = c_open(key, d)
        assert got is not None, i
        gh, plain = got
        assert plain == payload
        assert (gh.client, gh.seq, gh.ticket, gh.session) == \
            (h.client, h.seq, h.ticket, h.session)
        # One flipped bit anywhere: C refuses it.
        j = rnd.randrange(len(d) * 8)
        bad = bytearray(d)
        bad[j // 8] ^= 1 << (j % 8)
        assert c_open(key, bytes(bad)) is None
        # Another key: refused.
        assert c_open(bytes(32), d) is None


def test_c_replies_open_in_python():
    rnd = random.Random(2)
    for i in range(40):
        key = bytes(rnd.randrange(256) for _ in range(32))
        payload = bytes(rnd.randrange(256) for _ in range(rnd.randrange(0, H.PAYLOAD_MAX + 1)))
        parts = rnd.randrange(1, H.MAX_PARTS + 1)
        h = H.Header(kind=H.KIND_CMD | H.KIND_REPLY, status=rnd.randrange(5),
                     part=rnd.randrange(parts), parts=parts,
                     aux=rnd.randrange(1 << 32),
                     session=rnd.randrange(1, H.ID_LIMIT),
                     client=rnd.randrange(1, H.ID_LIMIT),
                     seq=rnd.randrange(1, H.SEQ_LIMIT), ticket=rnd.randrange(1 << 64))
        d = c_seal(key, h, payload)
        assert d == H.seal(key, h, payload)       # byte for byte
        got = H.open_datagram(key, d)
        assert got is not None
        assert got[1] == payload and got[0].aux == h.aux
        bad = bytearray(d)
        bad[rnd.randrange(len(d))] ^= 0x40
        assert H.open_datagram(key, bytes(bad)) is None


class FakeHv(threading.Thread):
    """Enough of the hypervisor's side for the client: hello, commands with
    a scripted answer, delivery faults on the first sending of each reply."""

    def __init__(self, key, answer="", parts_faults=None, forge=False,
                 silent=False):
        super().__init__(daemon=True)
        self.key, self.answer = key, answer
        self.faults = parts_faults      # {"drop": {...}, "reverse": bool, "dup": bool}
        self.forge, self.silent = forge, silent
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.session, self.ticket, self.ctr = 0x1234567, 0xBEEF, 0
        self.stop = False
        self.masks = []                  # aux of every command request
        self.runs = 0
        self.seen = set()

    def reply(self, req, status, text, addr, want=0, first=True):
        data = text.encode()
        n = max(1, -(-len(data) // H.PAYLOAD_MAX))
        order = list(range(n))
        if first and self.faults and self.faults.get("reverse"):
            order.reverse()
        for i in order:
            if want and not want & (1 << i):
                continue
            if first and self.faults and i in self.faults.get("drop", ()):
                continue
            self.ctr += 1
            h = H.Header(kind=req.kind | H.KIND_REPLY, status=status, part=i,
                         parts=n, aux=self.ctr, session=self.session,
                         client=req.client, seq=req.seq,
                         ticket=self.ticket)
            d = H.seal(self.key, h, data[i * H.PAYLOAD_MAX:(i + 1) * H.PAYLOAD_MAX])
            if self.forge:
                self.sock.sendto(d[:-1] + bytes([d[-1] ^ 1]), addr)
                continue
            self.sock.sendto(d, addr)
            if first and self.faults and self.faults.get("dup"):
                self.sock.sendto(d, addr)

    def run(self):
        while not self.stop:
            try:
                data, addr = self.sock.recvfrom(65536)
            except socket.timeout:
                continue
            got = H.open_datagram(self.key, data)
            if self.silent or got is None:
                continue
            req, plain = got
            if req.kind == H.KIND_HELLO:
                self.reply(req, H.ST_OK, "hello: fake\n", addr)
                continue
            self.masks.append(req.aux)
            first = (req.client, req.seq) not in self.seen
            if first:
                self.seen.add((req.client, req.seq))
                self.runs += 1
            self.reply(req, H.ST_ERROR if plain.startswith(b"bad") else H.ST_OK,
                       self.answer, addr, want=req.aux, first=first)

    def close(self):
        self.stop = True
        self.join()
        self.sock.close()


@pytest.fixture
def key():
    return os.urandom(32)


def test_reassembly_with_loss_reordering_duplicates(key):
    text = "".join("line %05d of a long answer\n" % i for i in range(700))
    hv = FakeHv(key, text, {"drop": {1, 3, 7}, "reverse": True, "dup": True})
    hv.start()
    try:
        con = H.Console("127.0.0.1", hv.port, key, timeout=0.3, retries=4)
        ok, got = con.command("log 20000")
        assert ok and got == text
        # The retransmission asked for exactly the missing parts; the
        # command ran once.
        assert hv.masks[0] == 0 and hv.masks[1] == (1 << 1 | 1 << 3 | 1 << 7)
        assert hv.runs == 1
    finally:
        hv.close()


def test_forged_replies_are_refused_and_said(key):
    hv = FakeHv(key, "x\n", forge=True)
    hv.start()
    try:
        con = H.Console("127.0.0.1", hv.port, key, timeout=0.1, retries=2)
        with pytest.raises(H.ConsoleError) as e:
            con.command("version")
        assert e.value.code == H.AUTH_FAILED
        assert "failed authentication" in str(e.value)
    finally:
        hv.close()


def write_key(tmp_path, key):
    p = tmp_path / "k"
    p.write_text(key.hex() + "\n")
    return str(p)


def hvcon(*args, env=None, timeout=30):
    e = dict(os.environ)
    e.pop("HVCON_KEY_FILE", None)
    e.update(env or {})
    return subprocess.run([sys.executable, HVCON] + list(args), env=e,
                          capture_output=True, text=True, timeout=timeout)


def test_hvcon_one_command_statuses(tmp_path, key):
    hv = FakeHv(key, "ThinAMDvisor hypervisor\n")
    hv.start()
    try:
        kf = write_key(tmp_path, key)
        r = hvcon("--key-file", kf, "127.0.0.1:%d" % hv.port, "version")
        assert r.returncode == 0 and "ThinAMDvisor" in r.stdout
        r = hvcon("127.0.0.1:%d" % hv.port, "bad", env={"HVCON_KEY_FILE": kf})
        assert r.returncode == 1
        # A wrong key: the hypervisor is silent; the message says so.
        other = tmp_path / "other"
        other.write_text(os.urandom(32).hex())
        r = hvcon("--key-file", str(other), "--timeout", "0.1", "--retries", "1",
                  "127.0.0.1:%d" % hv.port, "version")
        assert r.returncode == 2 and "wrong key" in r.stderr
    finally:
        hv.close()
    # No key file, a bad key file: usage errors, nothing sent.
    r = hvcon("127.0.0.1:1", "version")
    assert r.returncode == 5 and "no key" in r.stderr
    bad = tmp_path / "bad"
    bad.write_text("1234")
    r = hvcon("--key-file", str(bad), "127.0.0.1:1", "version")
    assert r.returncode == 5 and "64 hex digits" in r.stderr


def test_hvcon_fleet(tmp_path, key):
    a, b = FakeHv(key, "cpu 0\ncpu 1\n"), FakeHv(key, "cpu 0\n")
    dead = FakeHv(key, silent=True)
    for hv in (a, b, dead):
        hv.start()
    try:
        kf = write_key(tmp_path, key)
        hosts = tmp_path / "hosts.txt"
        hosts.write_text("# the rack\n127.0.0.1:%d\n127.0.0.1:%d\n" % (a.port, b.port))
        r = hvcon("--key-file", kf, "-H", str(hosts), "cpus")
        assert r.returncode == 0, r.stderr
        lines = r.stdout.splitlines()
        assert "127.0.0.1:%d: cpu 1" % a.port in lines
        assert "127.0.0.1:%d: cpu 0" % b.port in lines
        assert "2 of 2 hosts answered" in r.stderr
        r = hvcon("--key-file", kf, "--timeout", "0.1", "--retries", "1",
                  "127.0.0.1:%d,127.0.0.1:%d" % (a.port, dead.port), "cpus")
        assert r.returncode == 2
        assert "1 of 2 hosts answered; no answer from: 127.0.0.1:%d" % dead.port in r.stderr
    finally:
        for hv in (a, b, dead):
            hv.close()


def test_keygen(tmp_path):
    p = tmp_path / "console.key"
    r = hvcon("keygen", str(p))
    assert r.returncode == 0
    assert "module2 /boot/console.key console_key" in r.stdout
    text = p.read_text()
    assert len(text) == 65 and text.endswith("\n")
    assert len(H.read_key_file(str(p))) == 32
    assert stat.S_IMODE(os.stat(p).st_mode) == 0o600
    r = hvcon("keygen", str(p))                   # never overwritten
    assert r.returncode == 5 and p.read_text() == text

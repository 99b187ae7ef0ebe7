"""The authenticated UDP console's protocol, client side (docs/console-protocol.md).

An independent implementation of what net/ucon_wire.c and net/ucon_state.c
do on the hypervisor: ChaCha20-Poly1305 from Python's `cryptography`
package (Debian's python3-cryptography), the 48-byte header as additional
data. Used by tools/hvcon and by the tests.
"""
import os
import socket
import struct
import time

from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

MAGIC = 0x31435648          # "HVC1"
HDR = 48
TAG = 16
KIND_HELLO, KIND_CMD, KIND_REPLY = 0x01, 0x02, 0x80
ST_OK, ST_ERROR, ST_STALE, ST_SESSION, ST_BADREQ = range(5)
STATUS_NAMES = {ST_OK: "ok", ST_ERROR: "error", ST_STALE: "stale ticket",
                ST_SESSION: "other session", ST_BADREQ: "bad request"}
PAYLOAD_MAX = 1152
MAX_PARTS = 32
ID_LIMIT = 1 << 56
SEQ_LIMIT = 1 << 32
HDR_FMT = "<IBBHHHIQQQQ"     # magic kind status part parts rsvd aux session client seq ticket
assert struct.calcsize(HDR_FMT) == HDR


class Header:
    __slots__ = ("kind", "status", "part", "parts", "aux", "session",
                 "client", "seq", "ticket")

    def __init__(self, kind=0, status=0, part=0, parts=0, aux=0, session=0,
                 client=0, seq=0, ticket=0):
        self.kind, self.status, self.part, self.parts = kind, status, part, parts
        self.aux, self.session, self.client = aux, session, client
        self.seq, self.ticket = seq, ticket

    def encode(self):
        return struct.pack(HDR_FMT, MAGIC, self.kind, self.status, self.part,
                           self.parts, 0, self.aux, self.session, self.client,
                           self.seq, self.ticket)

    @classmethod
    def decode(cls, data):
        if len(data) < HDR + TAG:
            return None
        (magic, kind, status, part, parts, rsvd, aux, session, client, seq,
         ticket) = struct.unpack_from(HDR_FMT, data)
        if magic != MAGIC or rsvd:
            return None
        return cls(kind, status, part, parts, aux, session, client, seq, ticket)

    def nonce(self):
        """Requests 0x01 | client (7 bytes) | seq (4); replies 0x02 | session | counter."""
        if self.kind & KIND_REPLY:
            return b"\x02" + self.session.to_bytes(8, "little")[:7] + \
                (self.aux & 0xFFFFFFFF).to_bytes(4, "little")
        return b"\x01" + self.client.to_bytes(8, "little")[:7] + \
            (self.seq & 0xFFFFFFFF).to_bytes(4, "little")


def seal(key, hdr, payload):
    """The datagram of hdr and payload (bytes)."""
    h = hdr.encode()
    return h + ChaCha20Poly1305(key).encrypt(hdr.nonce(), bytes(payload), h)


def open_datagram(key, data):
    """(Header, plaintext) of an authentic datagram, or None."""
    hdr = Header.decode(data)
    if hdr is None:
        return None
    try:
        plain = ChaCha20Poly1305(key).decrypt(hdr.nonce(), bytes(data[HDR:]),
                                              bytes(data[:HDR]))
    except Exception:          # cryptography.exceptions.InvalidTag
        return None
    return hdr, plain


def read_key_file(path):
    """32 bytes from a key file: 64 hex digits, blanks around allowed."""
    with open(path, "rb") as f:
        text = f.read(4097)
    text = text.strip()
    if len(text) != 64:
        raise ValueError(f"{path}: a key file holds 64 hex digits")
    try:
        return bytes.fromhex(text.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        raise ValueError(f"{path}: a key file holds 64 hex digits") from None


def write_key_file(path):
    """A new random key, written as 64 hex digits and a line end (mode 0600)."""
    key = os.urandom(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key.hex() + "\n")
    return key


class ConsoleError(Exception):
    """A failure with a message for the user and an exit status."""

    def __init__(self, msg, code):
        super().__init__(msg)
        self.code = code


NO_ANSWER, AUTH_FAILED, REBOOTED = 2, 3, 4


class Console:
    """One conversation with one hypervisor (not thread-safe: one per thread)."""

    def __init__(self, host, port=4444, key=None, timeout=0.5, retries=6,
                 sock=None):
        self.addr = (socket.gethostbyname(host), port)
        self.key = key
        self.timeout, self.retries = timeout, retries
        self.sock = sock or socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.client = int.from_bytes(os.urandom(7), "little") or 1
        self.seq = 0
        self.session = 0
        self.ticket = 0
        self.forged_replies = 0     # datagrams that failed authentication
        self.sent = 0

    def close(self):
        self.sock.close()

    def _next_seq(self):
        self.seq += 1
        if self.seq >= SEQ_LIMIT:           # never reuse a nonce: a new id
            self.client = int.from_bytes(os.urandom(7), "little") or 1
            self.seq = 1
            self.ticket = 0
        return self.seq

    def _send(self, hdr, payload):
        self.sock.sendto(seal(self.key, hdr, payload), self.addr)
        self.sent += 1

    def _collect(self, req, deadline, parts):
        """Wait for reply datagrams of req until deadline; fill parts
        {index: (hdr, plain)}. Returns the part count once known (or None)."""
        total = None
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or (total is not None and len(parts) == total):
                return total
            self.sock.settimeout(left)
            try:
                data, src = self.sock.recvfrom(65536)
            except socket.timeout:
                return total
            if src != self.addr:
                continue
            got = open_datagram(self.key, data)
            if got is None:
                self.forged_replies += 1
                continue
            hdr, plain = got
            # Bound to the request: kind, client, sequence number (and the
            # ticket we sent, except in the hello's own answer).
            if hdr.kind != req.kind | KIND_REPLY or hdr.client != req.client \
               or hdr.seq != req.seq or not 0 < hdr.parts <= MAX_PARTS \
               or hdr.part >= hdr.parts:
                continue
            if req.kind == KIND_CMD and hdr.ticket != req.ticket:
                continue
            if total is not None and hdr.parts != total:
                continue
            total = hdr.parts
            parts.setdefault(hdr.part, (hdr, plain))

    def _exchange(self, req, payload, tries):
        """Send req until a whole reply arrives: (status, text, header), or
        None after tries sends. Missing parts are asked for again."""
        parts = {}
        total = None
        wait = self.timeout
        for _ in range(tries):
            if total is not None:
                req.aux = sum(1 << i for i in range(total) if i not in parts)
            self._send(req, payload)
            total = self._collect(req, time.monotonic() + wait, parts) or total
            if total is not None and len(parts) == total:
                first = parts[0][0]
                text = b"".join(parts[i][1] for i in range(total))
                return first.status, text.decode("ascii", "replace"), first
            wait = min(wait * 1.5, 3.0)
        return None

    def _fail(self, what):
        where = f"{self.addr[0]}:{self.addr[1]}"
        if self.forged_replies:
            raise ConsoleError(f"{where}: {self.forged_replies} replies to "
                               f"{what} failed authentication (another key, "
                               "or forged)", AUTH_FAILED)
        raise ConsoleError(f"{where}: no answer to {what} after "
                           f"{self.retries + 1} tries (a wrong key gets no "
                           "answer either: the hypervisor is silent to what "
                           "it cannot authenticate)", NO_ANSWER)

    def hello(self):
        """A new conversation: learns the session and a ticket. Every try
        is a new hello with a new sequence number (a hello is never run
        twice either)."""
        for _ in range(self.retries + 1):
            req = Header(kind=KIND_HELLO, client=self.client,
                         seq=self._next_seq())
            got = self._exchange(req, b"hello", 1)
            if got:
                _, text, hdr = got
                self.session, self.ticket = hdr.session, hdr.ticket
                return text
        self._fail("hello")

    def command(self, line):
        """Run one command line: (ok, text). A command runs at most once per
        sequence number: retransmissions get the cached answer."""
        data = line.encode("ascii")
        for _ in range(3):
            if not self.ticket:
                self.hello()
            req = Header(kind=KIND_CMD, session=self.session,
                         client=self.client, seq=self._next_seq(),
                         ticket=self.ticket)
            got = self._exchange(req, data, self.retries + 1)
            if got is None:
                self._fail(f"'{line}'")
            status, text, hdr = got
            if status == ST_STALE:
                self.ticket = 0             # it did not run: hello, again
                continue
            if status == ST_SESSION:
                # Our session is gone: the machine rebooted. The request
                # did not run in this boot.
                self.ticket = 0
                raise ConsoleError(f"{self.addr[0]}:{self.addr[1]}: the "
                                   "hypervisor rebooted (new session); "
                                   f"'{line}' was not run in this boot",
                                   REBOOTED)
            return status == ST_OK, text
        raise ConsoleError(f"{self.addr[0]}:{self.addr[1]}: the hypervisor "
                           "keeps dropping our conversation", NO_ANSWER)

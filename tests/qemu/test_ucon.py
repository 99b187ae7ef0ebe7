"""The authenticated UDP console (docs/console-protocol.md) on the real
hypervisor, driven by tools/hvcon and tools/hvconlib.py: every command;
a wrong key, a bit flip at every byte of a request, every truncation,
replays in the boot and after a reboot, all rejected and counted; a forged
flood from many source ports while a legitimate client is answered; the
key wiped from all guest memory (our guest searches for it); the command
line key; fleet mode against two hypervisors at once. Traffic goes to
127.0.0.1 only, every flood is bounded in count and time.
"""
import os
import re
import socket
import subprocess
import sys
import threading
import time

import hvtest

sys.path.insert(0, os.path.join(hvtest.ROOT, "tools"))
import hvconlib as H  # noqa: E402

HVCON = os.path.join(hvtest.ROOT, "tools", "hvcon")
KEY = bytes.fromhex("6b1f0e83a5d27c4490e13f5a8b7c6d2e1f0a9b8c7d6e5f40312c3b4a59687786")
INV = bytes(b ^ 0xFF for b in KEY).hex()
COMMANDS = ["help", "version", "cpus", "mem", "exits", "exits 1", "regs 0",
            "log", "log 6000", "peek 0x100000 64", "npt", "net", "iommu",
            "pause", "regs 1", "resume"]


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def hv_nic(port):
    return ["-netdev", "user,id=hvnet,hostfwd=udp:127.0.0.1:%d-:4444" % port,
            "-device", "e1000e,netdev=hvnet,addr=5"]


def key_file(tmp_path, key=KEY, name="console.key"):
    p = tmp_path / name
    p.write_text(key.hex() + "\n")
    return str(p)


def hvcon(kf, target, *cmd, timeout=60, retries=6):
    return subprocess.run([sys.executable, HVCON, "--key-file", kf,
                           "--retries", str(retries), target] + list(cmd),
                          capture_output=True, text=True, timeout=timeout)


def counters(con):
    ok, text = con.command("net")
    assert ok, text
    m = re.search(r"rejected: (\d+) bad tag, (\d+) replay, (\d+) malformed, "
                  r"(\d+) rate limit", text)
    assert m, text
    return dict(zip(("tag", "replay", "malformed", "rate"), map(int, m.groups())))


def no_answer(sock, data, addr, wait=0.3):
    sock.sendto(data, addr)
    sock.settimeout(wait)
    try:
        sock.recvfrom(65536)
        return False
    except socket.timeout:
        return True


def boot_keyed(boot, tmp_path, port, smp=2, cmdline="net=auto", module=True,
               reboot=False, extra_guest=""):
    mods = [(key_file(tmp_path), "console_key")] if module else None
    m = boot(cmdline=cmdline, guest_args="spin keysearch=%s %s" % (INV, extra_guest),
             extra_modules=mods, smp=smp, mem="1G", extra_args=hv_nic(port),
             reboot=reboot)
    return m


def expect_keyed_boot(m, source):
    m.expect(r"hv: console: key from %s" % source, timeout=120)
    m.expect(r"hv: net: UDP console on port 4444: authenticated", timeout=120)
    m.expect(r"hv: console: key: \d+ more copies wiped in guest memory", timeout=120)
    m.expect(r"guest: key search: \d+ MiB", timeout=240)
    m.expect(r"guest: check key_wiped ok", timeout=60)
    m.expect(r"guest: spinning with interrupts off", timeout=240)


def test_ucon_commands_attacks_flood_reboot(boot, tmp_path):
    port = free_udp_port()
    addr = ("127.0.0.1", port)
    kf = key_file(tmp_path)
    m = boot_keyed(boot, tmp_path, port, reboot=True)
    expect_keyed_boot(m, "the module 'console_key'")
    for form in (KEY.hex(), KEY.hex().upper()):
        assert form not in m.output()
    target = "127.0.0.1:%d" % port

    # Every command through hvcon, while the guest spins with IF=0.
    for cmd in COMMANDS:
        r = hvcon(kf, target, *cmd.split())
        assert r.returncode == 0, (cmd, r.stdout, r.stderr)
        assert not r.stdout.startswith("error"), (cmd, r.stdout)
    r = hvcon(kf, target, "bogus")
    assert r.returncode == 1 and "unknown command" in r.stdout
    r = hvcon(kf, target, "log", "16384")          # 15 datagrams
    assert r.returncode == 0 and len(r.stdout) > 5000   # several datagrams

    con = H.Console("127.0.0.1", port, KEY, timeout=1.0)
    con.hello()
    c0 = counters(con)

    # A wrong key: silence, counted as bad tags.
    other = key_file(tmp_path, bytes(range(1, 33)), "other.key")
    r = hvcon(other, target, "version", retries=1)
    assert r.returncode == 2 and "wrong key" in r.stderr
    c1 = counters(con)
    assert c1["tag"] >= c0["tag"] + 2

    # One authentic request for 'pause', never sent as it is: a bit flip
    # at every byte position, then every truncation: all silent.
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    con2 = H.Console("127.0.0.1", port, KEY, timeout=1.0)
    con2.hello()
    req = H.Header(kind=H.KIND_CMD, session=con2.session, client=con2.client,
                   seq=con2._next_seq(), ticket=con2.ticket)
    good = H.seal(KEY, req, b"pause")
    for i in range(len(good)):
        bad = bytearray(good)
        bad[i] ^= 1 << (i % 8)
        assert no_answer(s, bytes(bad), addr, 0.05), i
    for n in range(len(good)):
        assert no_answer(s, good[:n], addr, 0.02), n
    time.sleep(0.5)
    c2 = counters(con)
    rejected = sum(c2[k] - c1[k] for k in ("tag", "malformed", "rate"))
    assert rejected >= 2 * len(good) - 1, (c1, c2)
    r = hvcon(kf, target, "resume")
    assert "not paused" in r.stdout                 # nothing ran

    # The request itself (from a new source: the forger's bucket may still
    # be empty) runs once; sent again it gets the cached answer; after a
    # later command it is an old number: silence.
    s.close()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(good, addr)
    s.settimeout(5)
    first = H.open_datagram(KEY, s.recvfrom(65536)[0])
    assert first and b"paused" in first[1]
    s.sendto(good, addr)
    again = H.open_datagram(KEY, s.recvfrom(65536)[0])
    assert again and again[1] == first[1] and again[0].aux != first[0].aux
    ok, text = con2.command("resume")              # a later number
    assert ok and "resumed" in text
    assert no_answer(s, good, addr, 0.5)
    ok, text = con.command("resume")
    assert not ok and "not paused" in text          # the replay did not run
    c3 = counters(con)
    assert c3["replay"] >= c2["replay"] + 1

    # A forged flood from 64 source ports (bounded: 4000 datagrams, at most
    # 8 s) that reach the tag check; the legitimate client keeps getting
    # answers, the rate limit drops the excess unchecked.
    stop = time.monotonic() + 8
    sent = [0]

    def flood():
        socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(64)]
        try:
            for i in range(4000):
                if time.monotonic() > stop:
                    break
                h = H.Header(kind=H.KIND_CMD, session=con.session,
                             client=1 + i, seq=1 + i, ticket=7)
                d = h.encode() + os.urandom(8 + H.TAG)
                socks[i % 64].sendto(d, addr)
                sent[0] += 1
                if i % 200 == 199:
                    time.sleep(0.05)
        finally:
            for x in socks:
                x.close()

    t = threading.Thread(target=flood)
    t.start()
    answered = 0
    while t.is_alive():
        ok, text = con.command("version")
        assert ok and "ThinAMDvisor" in text
        answered += 1
    t.join()
    assert answered >= 2
    c4 = counters(con)
    assert c4["tag"] + c4["rate"] - c3["tag"] - c3["rate"] >= sent[0] // 2
    assert c4["rate"] > c3["rate"], (c3, c4, sent)

    # Reboot: answered first, then the machine starts again with a new
    # session; the captured request is another boot's: rejected, counted.
    r = hvcon(kf, target, "reboot", "now")
    assert r.returncode == 0 and "rebooting" in r.stdout
    m.expect(r"hv: net: UDP console on port 4444: authenticated", timeout=240)
    m.expect(r"guest: check key_wiped ok", timeout=240)
    time.sleep(1)
    s.sendto(good, addr)
    s.settimeout(5)
    reply = H.open_datagram(KEY, s.recvfrom(65536)[0])
    assert reply and reply[0].status == H.ST_SESSION
    assert reply[0].session != con.session
    with_old = H.Console("127.0.0.1", port, KEY)
    c5 = counters(with_old)
    assert c5["replay"] == 1 and c5["tag"] == 0
    r = hvcon(kf, target, "resume")
    assert "not paused" in r.stdout                 # and nothing ran
    s.close()


def test_ucon_cmdline_key_fleet_and_no_key(boot, tmp_path):
    p1, p2, p3 = free_udp_port(), free_udp_port(), free_udp_port()
    kf = key_file(tmp_path)
    a = boot_keyed(boot, tmp_path, p1, smp=1)
    b = boot(cmdline="net=auto console_key=%s" % KEY.hex(),
             guest_args="spin keysearch=%s" % INV, smp=1, mem="1G",
             extra_args=hv_nic(p2))
    expect_keyed_boot(a, "the module 'console_key'")
    expect_keyed_boot(b, r"the command line \(a key module is preferred\)")
    out = b.output()
    assert KEY.hex() not in out
    assert re.search(r'command line: "net=auto console_key=\*{64}"', out)

    # Fleet mode: both at once, prefixed lines, a summary; a dead host is named.
    hosts = tmp_path / "hosts.txt"
    hosts.write_text("127.0.0.1:%d\n127.0.0.1:%d\n" % (p1, p2))
    r = subprocess.run([sys.executable, HVCON, "--key-file", kf, "-H",
                        str(hosts), "cpus"], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    for p in (p1, p2):
        assert re.search(r"^127\.0\.0\.1:%d: cpu 0: APIC ID" % p, r.stdout, re.M)
    assert "2 of 2 hosts answered" in r.stderr
    r = subprocess.run([sys.executable, HVCON, "--key-file", kf, "--retries",
                        "1", "--timeout", "0.2", "127.0.0.1:%d,127.0.0.1:%d" %
                        (p1, p3), "version"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 2
    assert "no answer from: 127.0.0.1:%d" % p3 in r.stderr

    # Another boot's conversation is not this one's: a ticket from a is
    # stale on b (both have the key).
    ca = H.Console("127.0.0.1", p1, KEY)
    ca.hello()
    req = H.Header(kind=H.KIND_CMD, session=ca.session, client=ca.client,
                   seq=ca._next_seq(), ticket=ca.ticket)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5)
    s.sendto(H.seal(KEY, req, b"pause"), ("127.0.0.1", p2))
    rep = H.open_datagram(KEY, s.recvfrom(65536)[0])
    assert rep and rep[0].status == H.ST_SESSION
    s.close()


def test_ucon_off_without_key_and_plain_is_read_only(boot):
    port = free_udp_port()
    m = boot(cmdline="net=auto", guest_args="spin", smp=1, mem="512M",
             extra_args=hv_nic(port))
    m.expect(r"hv: net: UDP console off \(no console_key", timeout=120)
    m.expect(r"guest: spinning with interrupts off", timeout=240)
    con = H.Console("127.0.0.1", port, KEY, timeout=0.3, retries=1)
    try:
        con.command("version")
        assert False, "answered without a key"
    except H.ConsoleError as e:
        assert e.code == H.NO_ANSWER

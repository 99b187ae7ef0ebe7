"""The hypervisor's own network (docs/net.md): the NIC it takes is absent
for the guest, DHCP and static addressing, the read-only console over UDP
(every command, numbered multi-datagram replies, refusals), answers while
the guest spins with interrupts off, and a bounded flood that changes
nothing. Each boot gets UDP ports chosen free on 127.0.0.1; everything is
sent to 127.0.0.1 only.
"""
import os
import re
import socket
import sys
import time

import hvtest

sys.path.insert(0, os.path.join(hvtest.ROOT, "tools"))
import udpcon  # noqa: E402

READ_ONLY = ["help", "version", "cpus", "mem", "exits", "net", "npt", "log"]


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def hv_nic(port, addr="5", model="e1000e"):
    """A user-mode NIC for the hypervisor, its console port forwarded."""
    return ["-netdev", "user,id=hvnet,hostfwd=udp:127.0.0.1:%d-:4444" % port,
            "-device", "%s,netdev=hvnet,addr=%s" % (model, addr)]


def ask(port, line, timeout=3.0, retries=4):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        return udpcon.query(s, ("127.0.0.1", port), line, timeout, retries)
    finally:
        s.close()


def test_net_e1000e_dhcp_console_hidden_spin_flood(boot):
    port = free_udp_port()
    m = boot(cmdline="net=auto console_key=none",
             guest_args="hvnic=00:05.0 spin", smp=2, mem="1G",
             extra_args=["-nic", "user,model=e1000e"] + hv_nic(port))
    m.expect(r"hv: net: e1000e at 0000:00:05\.0, MAC ([0-9a-f:]{17}), link up")
    m.expect(r"hv: net: address 10\.0\.2\.15/24 gateway 10\.0\.2\.2 \(DHCP\)")
    m.expect(r"hv: net: WARNING: console_key=none")
    m.expect(r"hv: svm: PCI 00:05\.0 is the hypervisor's: absent for the guest")
    # The guest finds its own NIC (00:02.0) but not ours.
    m.expect(r"guest: NIC at 00:02\.0")
    m.expect(r"guest: check hvnic_hidden ok")
    m.expect(r"guest: check hvnic_ports ok")
    m.expect(r"guest: boot cpu ok")
    m.expect(r"guest: spinning with interrupts off")
    time.sleep(1)

    # Every read-only command answers over UDP while the guest spins
    # with interrupts off (only the NIC's NMI brings the CPU back).
    replies = {}
    for cmd in READ_ONLY:
        out = ask(port, cmd)
        assert out is not None, "no answer to %r" % cmd
        assert not out.startswith("error"), (cmd, out)
        replies[cmd] = out
    assert "ThinAMDvisor" in replies["version"]
    assert re.search(r"nic: e1000e at 0000:00:05\.0", replies["net"])
    assert "10.0.2.15/24" in replies["net"]
    assert "lwip" in replies["mem"]            # lwIP's heap account
    assert re.search(r"nic\s+\d+", replies["mem"])   # the rings' frame tag
    for c in ["version", "cpus", "mem", "exits", "net", "npt", "log"]:
        assert c in replies["help"]

    # A reply longer than one datagram arrives numbered and complete.
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5)
    s.sendto(b"log 8000", ("127.0.0.1", port))
    heads = []
    while True:
        data, _ = s.recvfrom(65536)
        mm = re.match(rb"hv (\d+)/(\d+)\n", data)
        assert mm, data[:40]
        heads.append((int(mm.group(1)), int(mm.group(2))))
        if len(heads) == heads[0][1]:
            break
    assert heads[0][1] >= 2 and sorted(h[0] for h in heads) == \
        list(range(1, heads[0][1] + 1)), heads

    # Commands that change state or read guest memory are refused.
    for cmd in ["peek 0", "regs 0", "pause", "reboot now"]:
        out = ask(port, cmd)
        assert out is not None and out.startswith("error:") and \
            "not available" in out, (cmd, out)
    # Malformed requests get no answer at all.
    s.settimeout(1)
    for junk in [b"\x00\x01\x02", b"ver\xffsion", b"x" * 400, b"\n"]:
        s.sendto(junk, ("127.0.0.1", port))
    try:
        data, _ = s.recvfrom(65536)
        assert False, "answer to a malformed request: %r" % data[:60]
    except socket.timeout:
        pass

    # A bounded flood: at most 20000 datagrams or 10 s, garbage and
    # requests mixed; then the console still answers and has counted.
    before = time.monotonic()
    sent = 0
    while sent < 20000 and time.monotonic() - before < 10:
        s.sendto(os.urandom(64) if sent % 10 else b"version",
                 ("127.0.0.1", port))
        sent += 1
    s.close()
    time.sleep(2)
    out = ask(port, "net", timeout=5)
    assert out is not None, "no answer after the flood"
    mal = int(re.search(r"refused: (\d+) malformed", out).group(1))
    assert mal > 0, out
    assert "0 bad descriptors" in out, out
    assert ask(port, "version") is not None
    # Memory stayed bounded: lwIP's heap account never passed its limit.
    out = ask(port, "mem", timeout=5)
    acct = re.search(r"lwip\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", out)
    assert acct, out
    assert int(acct.group(3)) <= int(acct.group(4)), acct.group(0)

    # A flood of garbage from a source in no standing (bounded: 4 s or
    # 2000000 datagrams; long enough for the client's retries whatever
    # the send rate), fast enough to fill the ring between polls: flood
    # mode starts (net/nic.h), the console still answers a client that
    # retries, and the mode ends once the flood does.
    stop = [False]
    answered = []

    def client():
        while not stop[0]:
            if ask(port, "version", timeout=1.0, retries=6) is not None:
                answered.append(time.monotonic())

    import threading
    t = threading.Thread(target=client)
    t.start()
    f = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    t0, sent = time.monotonic(), 0
    while sent < 2000000 and time.monotonic() - t0 < 4:
        f.sendto(os.urandom(64), ("127.0.0.1", port))
        sent += 1
    t_end = time.monotonic()
    f.close()
    stop[0] = True
    t.join(30)
    m.expect(r"hv: net: flood mode on \((\d+) frames in a poll, (\d+) shed; "
             r"net_flood=4 ms", timeout=10)
    assert any(x < t_end for x in answered), (sent, answered, t0, t_end)
    # The mode ends at the first poll that finds the ring nearly empty:
    # with the guest making no exits, that is the next frame's.
    assert ask(port, "version", timeout=5) is not None
    m.expect(r"hv: net: flood mode off", timeout=30)
    out = ask(port, "net", timeout=5)
    assert out is not None, "no answer after the second flood"
    fm = re.search(r"flood mode (\w+), entered (\d+) times", out)
    assert fm and fm.group(1) == "off" and int(fm.group(2)) >= 1, out
    assert "panic" not in m.output()


def test_net_virtio_static_address_and_port(boot):
    # virtio-net (modern), a static address, another port; the guest
    # spins with interrupts off, so answers come through the NIC's MSI-X.
    port = free_udp_port()
    m = boot(cmdline="net=00:05.0 ip=10.0.2.15/24 gw=10.0.2.2 "
             "console_key=none console_port=5555",
             guest_args="hvnic=00:05.0 spin", smp=1, mem="512M",
             extra_args=["-nic", "user,model=e1000e",
                         "-netdev", "user,id=hvnet,hostfwd=udp:127.0.0.1:%d-:5555"
                         % port, "-device",
                         "virtio-net-pci,netdev=hvnet,addr=5,disable-legacy=on"])
    m.expect(r"hv: net: virtio-net at 0000:00:05\.0, MAC [0-9a-f:]{17}, link up")
    m.expect(r"hv: net: address 10\.0\.2\.15/24 gateway 10\.0\.2\.2 \(static\)")
    m.expect(r"hv: net: WARNING: console_key=none: the UDP console on port 5555")
    m.expect(r"guest: check hvnic_hidden ok")
    m.expect(r"guest: check hvnic_ports ok")
    m.expect(r"guest: spinning with interrupts off")
    time.sleep(1)
    for cmd in READ_ONLY:
        out = ask(port, cmd)
        assert out is not None and not out.startswith("error"), (cmd, out)
    out = ask(port, "net")
    assert "(static)" in out and "virtio-net" in out, out
    assert int(re.search(r"interrupts: (\d+) NMIs", out).group(1)) > 0, out
    assert "0 bad descriptors" in out, out


def test_net_behind_a_root_port_the_bridge_is_kept(boot):
    # As on hardware, the hypervisor's NIC sits behind a PCIe root port:
    # the guest tries to cut it off through the port (decode off, a
    # secondary bus reset, its window closed); the port takes none of it
    # and the UDP console still answers.
    port = free_udp_port()
    m = boot(cmdline="net=01:00.0 ip=10.0.2.15/24 gw=10.0.2.2 "
             "console_key=none",
             guest_args="hvnic=01:00.0 spin", smp=1, mem="512M",
             extra_args=["-nic", "user,model=e1000e",
                         "-device", "pcie-root-port,id=rp1,bus=pcie.0,"
                         "chassis=1,addr=6",
                         "-netdev", "user,id=hvnet,hostfwd=udp:127.0.0.1:%d-:4444"
                         % port, "-device", "e1000e,netdev=hvnet,bus=rp1"])
    m.expect(r"hv: net: e1000e at 0000:01:00\.0, MAC [0-9a-f:]{17}, link up")
    m.expect(r"hv: svm: config 00:06\.0 \(bridge to the hypervisor's NIC\): "
             r"1 register range\(s\) read-only")
    m.expect(r"guest: check hvnic_hidden ok")
    m.expect(r"guest: check hvnic_ports ok")
    m.expect(r"hv: vcpu 0: guest write to config 00:06\.0 offset 0x4 dropped: "
             r"a bridge on the way to the hypervisor's NIC")
    m.expect(r"guest: check hvnic_path ok")
    m.expect(r"guest: spinning with interrupts off")
    time.sleep(1)
    for cmd in ("version", "net"):
        out = ask(port, cmd)
        assert out is not None and not out.startswith("error"), (cmd, out)
    assert "0 bad descriptors" in out, out


def test_net_off_without_option(boot):
    # Without net= no NIC is taken; without console_key=none no UDP console.
    m = boot(cmdline="shutdown", extra_args=["-nic", "user,model=e1000e"])
    m.expect(r"hv: net: off")
    m.expect_exit()
    m2 = boot(cmdline="net=auto shutdown", smp=1,
              extra_args=["-nic", "user,model=e1000e"])
    m2.expect(r"hv: net: UDP console off")
    m2.expect_exit()

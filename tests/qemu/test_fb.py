"""The log on the screen (docs/screen.md). Booted with QEMU's std VGA and
a framebuffer requested in grub.cfg, the screenshot (QEMU monitor
`screendump`, read back with the font of fb/font.c: screen.py) must show
the hypervisor's log: the boot summary while it boots, the last lines
once the guest owns the screen, a panic's report from a cleared screen's
top, an early panic (before the memory setup) too. The default BIOS boot
stays in VGA text mode: its text screen (0xB8000, read through the
monitor's `xp`) shows the log."""
import os
import re

import pytest

import hvtest
from screen import Monitor

FB_LINE = r"hv: fb: (\d+)x(\d+) (\d+) bpp at 0x[0-9a-f]+, (\d+)x(\d+) characters"


def shot_path(name):
    os.makedirs(os.path.join(hvtest.BUILD, "test-logs"), exist_ok=True)
    return os.path.join(hvtest.BUILD, "test-logs", name)


def screen_args(sock):
    if os.path.exists(sock):
        os.unlink(sock)
    return ["-vga", "std", "-monitor", "unix:%s,server=on,wait=off" % sock]


def expect_on_screen(scr, texts):
    missing = [t for t in texts if scr.find(t) is None]
    assert not missing, "not on the screen: %r\n--- screen ---\n%s" % (
        missing, "\n".join(l for l in scr.text() if l))


@pytest.mark.parametrize("uefi", [False, True], ids=["bios", "uefi"])
def test_screen_shows_the_log(boot, uefi):
    """BIOS: 1600x1200x32 (75 lines); UEFI: 1280x1024 (the GOP's format).
    While the hypervisor boots, the boot summary is on the screen; after
    `hv: ready` its last lines stay there for the guest. (The machine is
    stopped right after the mm: line, about 25 lines into the log: the
    tall screens leave room for what it prints before the stop lands.)"""
    name = "uefi" if uefi else "bios"
    sock = shot_path("fb-%s.sock" % name)
    m = boot(cmdline="", guest_args="", smp=2, mem="1G", uefi=uefi,
             gfxpayload="1280x1024,auto" if uefi else "1600x1200x32",
             extra_args=screen_args(sock))
    mon = Monitor(sock)
    try:
        # The screen starts right after the boot information is parsed,
        # before the summary; the line after the summary is mm:'s.
        g = m.expect(FB_LINE, timeout=120)
        m.expect(r"hv: mm: pool ", timeout=60)
        # Freeze the machine while the summary is still in view.
        mon.command("stop")
        w, h, bpp, cols, rows = (int(x) for x in g.groups())
        if not uefi:
            assert (w, h, bpp, cols, rows) == (1600, 1200, 32, 200, 75)
        assert cols == w // 8 and rows == h // 16
        scr = mon.screendump(shot_path("fb-%s-boot.ppm" % name))
        assert (scr.width, scr.height) == (w, h)
        expect_on_screen(scr, [
            "hv: thin AMD hypervisor ",
            "hv: boot loader: GRUB",
            "hv: command line: \"\"",
            "hv: fb: %dx%d %d bpp at 0x" % (w, h, bpp),
            "hv: mm: pool ",
        ])
        mon.command("cont")
        m.expect(r"hv: fb: framebuffer mapped UC- at 0x", timeout=60)
        m.expect(r"hv: fb: the screen is the guest's now", timeout=180)
        m.expect(r"guest: idle", timeout=120)
        scr = mon.screendump(shot_path("fb-%s-guest.ppm" % name))
        expect_on_screen(scr, ["hv: ready", "hv: fb: the screen is the guest's now"])
        # Nothing after the hand-over: the guest's own lines (serial
        # only) are not drawn, the hand-over line is the last one.
        lines = [l for l in scr.text() if l]
        assert lines[-1] == "hv: fb: the screen is the guest's now", lines[-3:]
    finally:
        mon.close()
    assert "panic" not in m.output()


def test_screen_shows_a_panic(boot):
    """panic_on_cpu=1: the report starts at the top of a cleared screen
    and is readable there, backtrace and last line included."""
    sock = shot_path("fb-panic.sock")
    m = boot(cmdline="panic_on_cpu=1", guest_args="", smp=2, mem="1G",
             gfxpayload="1024x768x32", extra_args=screen_args(sock))
    # (allow_fatal: the command line in the summary says "panic")
    m.expect(FB_LINE, timeout=120, allow_fatal=True)
    m.expect(r"hv: panic on cpu 1: panic_on_cpu=1 requested", timeout=180,
             allow_fatal=True)
    m.expect(r"hv: system halted", timeout=30, allow_fatal=True)
    mon = Monitor(sock)
    try:
        scr = mon.screendump(shot_path("fb-panic.ppm"))
    finally:
        mon.close()
    expect_on_screen(scr, ["hv: backtrace:", "hv:   #0 ", "hv: system halted"])
    at = scr.find("hv: panic on cpu 1: panic_on_cpu=1 requested on the command line")
    assert at is not None and at[1] <= 1, (at, scr.text()[:4])
    # The screen was cleared: nothing of the boot log is left above or
    # below the report.
    lines = [l for l in scr.text() if l]
    assert all(re.match(r"hv:( |$)", l) for l in lines), lines
    assert not any("svm:" in l or "acpi:" in l for l in lines), lines
    assert lines[-1] == "hv: system halted", lines[-3:]


def test_text_mode_shows_the_log(boot):
    """The default BIOS boot stays in VGA text mode (GRUB's EGA text tag):
    the log goes into the text screen at 0xB8000 (read back through the
    monitor's xp), light grey on black, and stays there for the guest."""
    sock = shot_path("fb-text.sock")
    m = boot(cmdline="", guest_args="", smp=2, mem="1G",
             extra_args=screen_args(sock))
    mon = Monitor(sock)
    try:
        m.expect(r"hv: fb: 80x25 text mode at 0xb8000: the log is on the "
                 r"screen until the guest starts", timeout=120)
        m.expect(r"guest: idle", timeout=180)
        lines, attrs = mon.text_mode()
    finally:
        mon.close()
    shown = [l for l in lines if l]
    assert shown[-1] == "hv: fb: the screen is the guest's now", lines
    assert "hv: ready" in shown, lines
    # Every line is the log's (or the wrapped rest of a full one).
    assert all(l.startswith("hv:") or i == 0 or len(lines[i - 1]) == 80
               for i, l in enumerate(lines) if l), lines
    assert attrs == {0x07}, attrs


def test_screen_shows_an_early_panic(boot):
    """A panic before the memory setup (a bad command line) is on the
    screen too: it is drawn through the boot page tables."""
    sock = shot_path("fb-early.sock")
    m = boot(cmdline="hv_mem=banana", guest_args="", smp=1, mem="512M",
             gfxpayload="1024x768x32", extra_args=screen_args(sock))
    mon = Monitor(sock)
    try:
        m.expect(FB_LINE, timeout=120, allow_fatal=True)
        m.expect(r"hv: system halted", timeout=60, allow_fatal=True)
        scr = mon.screendump(shot_path("fb-early.ppm"))
    finally:
        mon.close()
    at = scr.find('hv: panic on cpu 0: bad command line "hv_mem=banana"')
    assert at is not None and at[1] <= 1, (at, scr.text()[:4])
    expect_on_screen(scr, ["hv: backtrace:", "hv: system halted"])

"""QEMU boot harness for the hypervisor's tests.

Builds ISO variants (command line, guest arguments, extra modules) with
tools/mkiso.sh, boots them under QEMU TCG with SVM+NPT, and reads the serial
console through pexpect. A wait fails on timeout, on a panic, and on QEMU
exiting early; every session's serial output is kept in build/test-logs/.
"""
import hashlib
import os
import re
import subprocess
import time

import pexpect

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.join(ROOT, "build")
OVMF = "/usr/share/ovmf/OVMF.fd"
HV_ELF = os.path.join(BUILD, "hv.elf")
GUEST_ELF = os.path.join(BUILD, "guest", "guest.elf")
# GUEST=linux (tools/linux-guest.sh): Debian's kernel, a busybox initramfs.
LINUX_KERNEL = os.path.join(BUILD, "linux", "vmlinuz")
LINUX_INITRD = os.path.join(BUILD, "linux", "initrd.cpio.gz")

# isa-debug-exit: QEMU exits with (code << 1) | 1.
EXIT_OK = 1          # hypervisor wrote 0
EXIT_FAIL = 3        # hypervisor wrote 1

FATAL = re.compile(rb"panic|unhandled exception|Failed to boot|error: (?!no suitable video mode)[^\r\n]*[\r\n]")


def make_iso(cmdline="shutdown", guest_args=None, with_guest=True,
             extra_modules=None, linux=False, default=0, gfxpayload=None):
    """Return the path of an ISO for this configuration (cached by hash).
    linux: the guest is the Linux kernel and initramfs of GUEST=linux;
    default: the GRUB entry (1: the guest alone, without the hypervisor);
    gfxpayload: the video mode GRUB sets under BIOS (default text; e.g.
    "1024x768x32": the log on a framebuffer, docs/screen.md)."""
    guest = LINUX_KERNEL if linux else GUEST_ELF
    key = repr((cmdline, guest_args, with_guest, extra_modules, linux,
                default, gfxpayload, os.path.getmtime(HV_ELF),
                os.path.getmtime(os.path.join(ROOT, "iso", "grub.cfg")),
                os.path.getmtime(os.path.join(ROOT, "tools", "mkiso.sh")),
                os.path.getmtime(guest) if with_guest and os.path.exists(guest) else 0,
                os.path.getmtime(LINUX_INITRD) if linux else 0))
    h = hashlib.sha1(key.encode()).hexdigest()[:12]
    out = os.path.join(BUILD, "test-iso", h + ".iso")
    if os.path.exists(out):
        return out
    os.makedirs(os.path.dirname(out), exist_ok=True)
    env = dict(os.environ, CMDLINE=cmdline, TIMEOUT="0",
               GUEST_ARGS=guest_args or "", DEFAULT=str(default))
    if linux:
        env.update(GUEST_KIND="linux", INITRD=LINUX_INITRD)
    if gfxpayload:
        env["GFXPAYLOAD"] = gfxpayload
    if extra_modules:
        env["EXTRA_MODULES"] = "\n".join("%s %s" % m for m in extra_modules)
    args = [os.path.join(ROOT, "tools", "mkiso.sh"), out,
            os.path.join(ROOT, "iso", "grub.cfg"), HV_ELF]
    if with_guest and os.path.exists(guest):
        args.append(guest)
    subprocess.run(args, check=True, env=env)
    return out


class BootFailure(AssertionError):
    pass


class Machine:
    """One QEMU run. Use as a context manager; it is killed on exit."""

    def __init__(self, name, iso, smp=4, mem="2G", uefi=False,
                 extra_args=(), accel="tcg", machine="q35", reboot=False,
                 cpu="qemu64,+svm,+npt"):
        self.name = name
        args = ["-M", machine, "-smp", str(smp), "-m", mem,
                "-display", "none", "-serial", "stdio",
                *([] if reboot else ["-no-reboot"]),
                "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
                "-cdrom", iso]
        if accel == "tcg":
            args += ["-accel", "tcg", "-cpu", cpu]
        else:
            args += ["-accel", accel]
        if uefi:
            args += ["-bios", OVMF]
        args += list(extra_args)
        os.makedirs(os.path.join(BUILD, "test-logs"), exist_ok=True)
        self.logpath = os.path.join(BUILD, "test-logs", name + ".log")
        self.log = open(self.logpath, "wb")
        self.start = time.monotonic()
        self.child = pexpect.spawn("qemu-system-x86_64", args, timeout=None,
                                   logfile=self.log)
        self.fatal_ok = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self.child.isalive():
            self.child.terminate(force=True)
        self.log.close()

    def output(self):
        self.log.flush()
        with open(self.logpath, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def _fail(self, why):
        tail = "\n".join(self.output().splitlines()[-40:])
        raise BootFailure("%s: %s (log %s)\n--- last lines ---\n%s"
                          % (self.name, why, self.logpath, tail))

    def expect(self, marker, timeout=60, allow_fatal=False):
        """Wait for a regex; fail on timeout, QEMU exit, or a fatal line."""
        pats = [marker, pexpect.EOF, pexpect.TIMEOUT]
        if not allow_fatal:
            pats.append(FATAL)
        i = self.child.expect(pats, timeout=timeout)
        if i == 0:
            return self.child.match
        if i == 1:
            self._fail("QEMU exited before %r" % marker)
        if i == 2:
            self._fail("timeout (%ss) waiting for %r" % (timeout, marker))
        # A fatal line: give the report a moment to finish, then fail.
        try:
            self.child.expect(pexpect.EOF, timeout=2)
        except pexpect.TIMEOUT:
            pass
        self._fail("fatal output while waiting for %r" % marker)

    def expect_exit(self, status=EXIT_OK, timeout=60):
        """Wait for QEMU to end through isa-debug-exit with @status."""
        i = self.child.expect([pexpect.EOF, pexpect.TIMEOUT, FATAL],
                              timeout=timeout)
        if i == 1:
            self._fail("timeout (%ss) waiting for QEMU to exit" % timeout)
        if i == 2:
            self._fail("fatal output before exit")
        self.child.wait()
        code = self.child.exitstatus
        if code != status:
            self._fail("QEMU exit status %s, expected %s" % (code, status))

    def send(self, text):
        self.child.send(text)


# The checks our guest's boot CPU runs with guest_args "exit" (guest/
# checks.c, bootchecks.c, msrchecks.c, chipset.c) on q35.
BOOT_CPU_CHECKS = ("cpuid_hv", "svm_hidden", "efer_svme", "vmmcall_version",
                   "vmrun_ud", "svm_insns_ud", "memmap", "hv_hole", "hc_log",
                   "hc_exit_stats", "pit_ticks", "hlt_wakes", "msr_efer",
                   "msr_svm", "msr_mtrr", "msr_top_mem", "msr_gp", "msr_deny", "msr_tsc",
                   "ioapic_init_smi_refused", "lvt_init_smi_refused",
                   "sleep_refused", "pmbase_kept",
                   "chipset_guard", "bar_sizing", "bar_placement", "rcba_attack",
                   "esmramc_attack", "apic_odd_access", "rcrb_kept")


def assert_checks(out, checks):
    """Every check named reported ok in the log, none failed."""
    assert "FAIL" not in out
    for check in checks:
        assert "guest: check %s ok" % check in out, check

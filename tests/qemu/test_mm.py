"""Issue 4: the pool's placement, the allocator self-test and the statistics.

Reads what the kernel prints on the serial console:
  hv:   BASE-LAST TYPE                     memory map, one line per range
  hv:   BASE-LAST "name"                   modules
  hv: mm: pool BASE-LAST (N MiB), image BASE-LAST, direct map up to ...
  hv: mm: self-test ok (...)               with `mm_selftest`
  hv: mm: frame pool ..., hv: mm:   tag ..., hv: mm: heap ..., size classes
"""
import re

import pytest

import hvtest

MiB = 1 << 20
GiB = 1 << 30
DEFAULT_HV_MEM = 30 * MiB

MAP = re.compile(r"^hv:   ([0-9a-f]{16})-([0-9a-f]{16}) ([A-Za-z][A-Za-z ]*)$", re.M)
MODULE = re.compile(r'^hv:   ([0-9a-f]{16})-([0-9a-f]{16}) "', re.M)
POOL = re.compile(r"^hv: mm: pool ([0-9a-f]+)-([0-9a-f]+) \((\d+) MiB\), "
                  r"image ([0-9a-f]+)-([0-9a-f]+)", re.M)
FRAME_STATS = re.compile(r"^hv: mm: frame pool 0x([0-9a-f]+)-0x([0-9a-f]+): (\d+) KiB", re.M)
TAG_HEADER = re.compile(r"^hv: mm:\s+tag\s+blocks\s+pinned\s+KiB\s+peak KiB\s+allocs\s+failed$",
                        re.M)
TAG_ROW = re.compile(r"^hv: mm:\s+([a-z][a-z0-9-]*)\s+(\d+)\s+(\d+)\s+\d+\s+\d+\s+\d+\s+\d+$", re.M)
HEAP_STATS = re.compile(r"^hv: mm: heap \d+ objects, \d+ KiB live", re.M)
POISONING = re.compile(r"^hv: mm: heap poisoning: (every byte|the first (\d+) bytes "
                       r"and the redzone) of a freed object", re.M)
SIZE_HEADER = re.compile(r"^hv: mm:\s+size\s+arenas\s+live\s+peak\s+allocs\s+failed$", re.M)
SIZE_ROW = re.compile(r"^hv: mm:\s+(\d+)\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+$", re.M)


def serial_text(m):
    """The console output with the pty's carriage returns removed."""
    return m.output().replace("\r", "")


def overlaps(a0, a1, b0, b1):
    """Half-open ranges [a0, a1) and [b0, b1) share a byte."""
    return a0 < b1 and b0 < a1


def check_pool(out, size=DEFAULT_HV_MEM):
    """The pool is plain usable RAM below 4 GiB and above 16 MiB, 2 MiB
    aligned, @size bytes, clear of the image and of every module.
    Returns (base, end) with end exclusive."""
    pool = POOL.search(out)
    assert pool, "no 'mm: pool' line"
    base, end = int(pool.group(1), 16), int(pool.group(2), 16) + 1
    img0, img1 = int(pool.group(4), 16), int(pool.group(5), 16) + 1
    where = "pool [%#x, %#x)" % (base, end)
    assert end - base == int(pool.group(3)) * MiB, where + " disagrees with its MiB count"
    assert end - base == size, where + " is not %d MiB" % (size // MiB)
    assert end - base >= 16 * MiB, where + " smaller than 16 MiB"
    assert base % (2 * MiB) == 0 and end % (2 * MiB) == 0, where + " not 2 MiB aligned"
    assert base >= 16 * MiB, where + " takes memory below 16 MiB"
    assert end <= 4 * GiB, where + " not below 4 GiB"
    usable = [(int(a, 16), int(b, 16) + 1) for a, b, kind in MAP.findall(out)
              if kind == "usable"]
    assert usable, "no usable ranges in the printed memory map"
    assert any(a <= base and end <= b for a, b in usable), \
        where + " not inside one usable range %r" % [(hex(a), hex(b)) for a, b in usable]
    assert not overlaps(base, end, img0, img1), where + " overlaps the image"
    for a, b in MODULE.findall(out):
        assert not overlaps(base, end, int(a, 16), int(b, 16) + 1), \
            where + " overlaps module %s-%s" % (a, b)
    return base, end


def check_stats(out, base, end):
    """Both domains' statistics: frame pool and tag table, heap and size classes."""
    frames = FRAME_STATS.search(out)
    assert frames, "no 'mm: frame pool' statistics line"
    assert (int(frames.group(1), 16), int(frames.group(2), 16)) == (base, end), frames.group(0)
    assert int(frames.group(3)) * 1024 == end - base, frames.group(0)
    assert TAG_HEADER.search(out), "no per-tag table header"
    tags = [t for t, _, _ in TAG_ROW.findall(out)]
    assert "heap-arena" in tags and "stack" in tags, "per-tag rows: %r" % tags
    assert HEAP_STATS.search(out), "no 'mm: heap' statistics line"
    assert POISONING.search(out), "no 'mm: heap poisoning' line"
    assert SIZE_HEADER.search(out), "no per-size-class table header"
    sizes = [int(s) for s in SIZE_ROW.findall(out)]
    # Only the classes used so far are listed.
    assert sizes and sizes == sorted(sizes), "size classes %r" % sizes
    return sizes


def pinned_blocks(out):
    """{tag: (blocks, pinned)} from the last per-tag table printed."""
    return {t: (int(b), int(p)) for t, b, p in TAG_ROW.findall(out)}


@pytest.mark.parametrize("smp", [1, 4])
def test_hardware_frames_are_pinned(boot, smp):
    """What the CPU holds by physical address is pinned (a frame_free of it
    would panic as a premature free): per vCPU its VMCB, host save area and
    host state page, the shared NPT root, MSRPM and IOPM, and every CPU's
    stacks except the boot CPU's main stack (in the image)."""
    m = boot(cmdline="shutdown", smp=smp, mem="512M")
    out = boot_ready(m)
    rows = pinned_blocks(out)
    for tag in ("vmcb", "hsave", "host-state"):
        assert rows.get(tag) == (smp, smp), "%s: %r" % (tag, rows.get(tag))
    assert rows["npt"][1] == 1 and rows["npt"][0] >= 1, rows["npt"]
    assert rows["msrpm"] == (1, 1) and rows["iopm"] == (1, 1), rows
    assert rows["stack"] == (4 * smp - 1, 4 * smp - 1), rows["stack"]
    for tag, (blocks, pinned) in rows.items():
        assert pinned <= blocks, tag


def boot_ready(m):
    m.expect(r"hv: ready", timeout=120)
    m.expect_exit(hvtest.EXIT_OK, timeout=20)
    return serial_text(m)


@pytest.mark.parametrize("mem", ["128M", "4G"])
def test_selftest_and_stats(boot, mem):
    m = boot(cmdline="shutdown mm_selftest", smp=1, mem=mem)
    m.expect(r"hv: mm: pool ", timeout=90)
    m.expect(r"hv: mm: self-test ok", timeout=60)
    out = boot_ready(m)
    base, end = check_pool(out)
    sizes = check_stats(out, base, end)
    # The self-test uses every class, 16 B to 2 KiB at least.
    assert sizes[0] == 16 and sizes[-1] >= 2048, "size classes %r" % sizes
    # The self-test's statistics come after it, not before.
    assert out.index("mm: self-test ok") < FRAME_STATS.search(out).start()
    assert POISONING.search(out).group(2) == "64", "default poisoning"


def test_selftest_full_poisoning(boot):
    """heap_poison=full: every freed byte poisoned, the self-test (which
    runs heap_verify) agrees."""
    m = boot(cmdline="shutdown mm_selftest heap_poison=full", smp=1, mem="128M")
    m.expect(r"hv: mm: self-test ok", timeout=90)
    out = boot_ready(m)
    base, end = check_pool(out)
    check_stats(out, base, end)
    assert POISONING.search(out).group(1) == "every byte", POISONING.search(out).group(0)


def test_pool_placement_uefi(boot):
    """The EFI memory map (ACPI NVS, runtime ranges) is respected."""
    m = boot(cmdline="shutdown mm_selftest", smp=1, mem="4G", uefi=True)
    m.expect(r"hv: memory map \(EFI\)", timeout=120)
    m.expect(r"hv: mm: self-test ok", timeout=60)
    out = boot_ready(m)
    base, end = check_pool(out)
    check_stats(out, base, end)


def test_hv_mem_sets_pool_size(boot):
    m = boot(cmdline="shutdown hv_mem=64M", smp=1, mem="512M")
    out = boot_ready(m)
    base, end = check_pool(out, size=64 * MiB)
    check_stats(out, base, end)


def test_hv_mem_too_large_panics(boot):
    m = boot(cmdline="shutdown hv_mem=1G", smp=1, mem="512M")
    m.expect(r"hv: panic on cpu 0: no room for the hypervisor pool of 1024 MiB",
             timeout=90, allow_fatal=True)
    m.expect(r"hv: system halted", timeout=10, allow_fatal=True)
    out = serial_text(m)
    assert "hv: ready" not in out and "hv: mm: pool " not in out


def test_hv_mem_beyond_what_can_fit_is_a_bad_value(boot):
    """A pool must fit between 16 MiB and 4 GiB: 4G is refused outright."""
    m = boot(cmdline="shutdown hv_mem=4G", smp=1, mem="512M")
    m.expect(r"hv: panic on cpu 0: bad command line \"shutdown hv_mem=4G\": "
             r"bad value in 'hv_mem=4G'", timeout=90, allow_fatal=True)

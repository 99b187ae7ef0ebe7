"""Reading the hypervisor's screen log from a QEMU screenshot.

QEMU's monitor command `screendump FILE` writes the display as a binary
PPM (P6). The hypervisor draws its log with the 8x16 font of fb/font.c
in cells aligned to the screen's top left corner (fb/render.c), so the
expected text is rendered with that same font, parsed from the C file,
and compared cell by cell with the screenshot, binarized: a pixel is lit
when it is brighter than half the foreground's grey.
"""
import os
import re
import socket
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FONT_C = os.path.join(ROOT, "fb", "font.c")
W, H = 8, 16


def load_font(path=FONT_C):
    """{character: (16 row bytes)} from fb/font.c's table."""
    font = {}
    with open(path) as f:
        for line in f:
            m = re.match(r"\s*/\* 0x([0-9a-f]{2}) .*\*/ \{ (.*) \},", line)
            if m:
                rows = tuple(int(b, 16) for b in m.group(2).split(", "))
                assert len(rows) == H, line
                font[chr(int(m.group(1), 16))] = rows
    assert len(font) == 95, "fb/font.c: %d glyphs" % len(font)
    return font


FONT = load_font()
GLYPH_TO_CHAR = {rows: ch for ch, rows in FONT.items()}


def read_ppm(path):
    """(width, height, pixels) of a binary PPM; pixels: bytes, RGB."""
    with open(path, "rb") as f:
        data = f.read()
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    pos += 1                       # the single whitespace after maxval
    magic, w, h, maxval = fields[0], int(fields[1]), int(fields[2]), int(fields[3])
    assert magic == b"P6" and maxval == 255, (magic, maxval)
    pixels = data[pos:pos + w * h * 3]
    assert len(pixels) == w * h * 3, "truncated PPM %s" % path
    return w, h, pixels


class Screen:
    """A screenshot as lit / unlit pixels, read as cells of the font."""

    def __init__(self, path):
        self.width, self.height, px = read_ppm(path)
        self.lit = bytearray(self.width * self.height)
        for i in range(self.width * self.height):
            r, g, b = px[3 * i], px[3 * i + 1], px[3 * i + 2]
            self.lit[i] = (r + g + b) > 3 * 0x60
        self.cols = self.width // W
        self.rows = self.height // H
        self.cells = [[self._cell(c, r) for c in range(self.cols)]
                      for r in range(self.rows)]

    def cell_rows(self, col, row):
        return self.cells[row][col]

    def _cell(self, col, row):
        out = []
        for y in range(H):
            base = (row * H + y) * self.width + col * W
            b = 0
            for x in range(W):
                if self.lit[base + x]:
                    b |= 0x80 >> x
            out.append(b)
        return tuple(out)

    def find(self, text):
        """(col, row) of the first cell where the screenshot shows @text
        rendered with the font, or None."""
        want = [FONT[c] for c in text]
        for row in range(self.rows):
            for col in range(self.cols - len(text) + 1):
                if all(self.cell_rows(col + i, row) == g
                       for i, g in enumerate(want)):
                    return col, row
        return None

    def text(self):
        """The whole screen as lines ('?' for a cell that shows no glyph),
        for messages."""
        lines = []
        for row in range(self.rows):
            line = "".join(GLYPH_TO_CHAR.get(self.cell_rows(c, row), "?")
                           for c in range(self.cols))
            lines.append(line.rstrip())
        return lines


class Monitor:
    """QEMU's human monitor on a Unix socket (-monitor unix:PATH,...)."""

    def __init__(self, path, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        self.sock.settimeout(10)
        self._read_until(b"(qemu) ")

    def _read_until(self, marker):
        buf = b""
        while marker not in buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise EOFError("QEMU monitor closed")
            buf += chunk
        return buf

    def command(self, line):
        self.sock.sendall(line.encode() + b"\n")
        return self._read_until(b"(qemu) ")

    def screendump(self, path):
        """Write the screen to @path and wait until it is complete."""
        if os.path.exists(path):
            os.unlink(path)
        self.command("screendump " + path)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                read_ppm(path)
                return Screen(path)
            except (OSError, AssertionError, IndexError, ValueError):
                time.sleep(0.1)
        raise AssertionError("screendump %s never completed" % path)

    def text_mode(self, addr=0xB8000, cols=80, rows=25):
        """The EGA text screen's characters (from guest-physical memory,
        2 bytes a cell: code point, attribute) as lines, trailing blanks
        dropped; with the attribute of every non-blank cell."""
        out = self.command("xp /%dxh 0x%x" % (cols * rows, addr)).decode()
        words = []
        for line in out.splitlines():
            m = re.match(r"\s*[0-9a-f]+:((?:\s+0x[0-9a-f]{4})+)\s*$", line)
            if m:
                words += [int(v, 16) for v in m.group(1).split()]
        assert len(words) == cols * rows, "xp gave %d cells" % len(words)
        lines = ["".join(chr(w & 0xFF) if 32 <= (w & 0xFF) < 127 else "?"
                         for w in words[r * cols:(r + 1) * cols]).rstrip()
                 for r in range(rows)]
        attrs = {w >> 8 for w in words if w & 0xFF != 0x20}
        return lines, attrs

    def close(self):
        self.sock.close()

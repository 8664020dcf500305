#!/usr/bin/env python3
"""png.py - facts about a screenshot of `tlsrpt serve`, read with Python's
zlib alone (8-bit RGB or RGBA, not interlaced), as the digest's render
test reads its picture. One fact a line.

  png.py facts FILE   size, share of drawn pixels, dark (text) pixels
  png.py chart FILE   the chart found by its colours (light mode: ok
                      #2e7d32, fail #c62828, rate #1565c0): its bars
                      left to right, each 'bar X: ok H fail H' in pixels
                      at a quarter of the bar's width (the rate line
                      starts at the middle of a slot), and the rate
                      line's pixels above the bars' base
"""
import struct
import sys
import zlib

OK, FAIL, RATE = (0x2E, 0x7D, 0x32), (0xC6, 0x28, 0x28), (0x15, 0x65, 0xC0)


def read(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    assert depth == 8 and ctype in (2, 6) and interlace == 0, (depth, ctype)
    bpp = 3 if ctype == 2 else 4
    raw, stride, rows, prev = zlib.decompress(idat), w * bpp, [], bytearray(w * bpp)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x * bpp:x * bpp + 3]) for x in range(w)])
        prev = line
    return w, h, rows


def near(p, rgb, tol=6):
    return all(abs(p[i] - rgb[i]) <= tol for i in range(3))


def components(w, h, rows, rgb):
    """The 4-connected regions of pixels of colour rgb: (x0, y0, x1, y1)."""
    seen, out = set(), []
    for y in range(h):
        for x in range(w):
            if (x, y) in seen or not near(rows[y][x], rgb):
                continue
            stack, box = [(x, y)], [x, y, x, y]
            seen.add((x, y))
            while stack:
                cx, cy = stack.pop()
                box = [min(box[0], cx), min(box[1], cy), max(box[2], cx), max(box[3], cy)]
                for nx, ny in ((cx + 1, cy), (cx - 1, cy), (cx, cy + 1), (cx, cy - 1)):
                    if 0 <= nx < w and 0 <= ny < h and (nx, ny) not in seen and near(rows[ny][nx], rgb):
                        seen.add((nx, ny))
                        stack.append((nx, ny))
            out.append(tuple(box))
    return out


def run_up(rows, x, y, rgb):
    """How many pixels of colour rgb go up from (x, y)."""
    n = 0
    while y - n >= 0 and near(rows[y - n][x], rgb):
        n += 1
    return n


def chart(w, h, rows):
    greens = components(w, h, rows, OK)
    # The bars stand on one base, the tallest one's bottom (the legend's
    # green square is short, and lies below the chart).
    if not greens:
        print("bars: none")
        return
    base = max(greens, key=lambda b: b[3] - b[1])[3]
    bars = sorted(b for b in greens if abs(b[3] - base) <= 1 and b[2] - b[0] >= 3)
    print("bars:", len(bars))
    print("bar width:", bars[0][2] - bars[0][0] + 1)
    for i, (x0, y0, x1, y1) in enumerate(bars):
        x = x0 + (x1 - x0) // 4
        ok = run_up(rows, x, y1, OK)
        # the failed part on top: red from the first row above the green,
        # or the one above it (an edge blended of both)
        top = y1 - ok
        fail = run_up(rows, x, top, FAIL) or run_up(rows, x, top - 1, FAIL)
        print("bar %d: x %d ok %d fail %d" % (i + 1, x0, ok, fail))
    print("base y:", base)
    blue = [(x, y) for y in range(base) for x in range(w) if near(rows[y][x], RATE, 10)]
    print("rate pixels:", len(blue))
    if blue:
        print("rate y range:", min(y for _, y in blue), max(y for _, y in blue))
        print("rate x range:", min(x for x, _ in blue), max(x for x, _ in blue))


def main(argv):
    w, h, rows = read(argv[2])
    if argv[1] == "facts":
        print("size:", w, h)
        px = [p for r in rows for p in r]
        print("non-white permille:", sum(1 for p in px if min(p) < 235) * 1000 // len(px))
        print("dark pixels over 2000:", sum(1 for p in px if max(p) < 100) > 2000)
    elif argv[1] == "chart":
        chart(w, h, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

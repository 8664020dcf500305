#!/usr/bin/env bash
# test_digest_render.sh - the HTML part of the golden digest, drawn by
# headless Chromium, then the picture checked: not blank, and the chart's
# bars drawn at the widths the digest gave them.
#
# Usage: test_digest_render.sh TLSRPT [PNG]
#   PNG  also keep the picture there (contrib/digest-example.png is made so)
#
# Skips (exit 77) without chromium; `contrib/setup-debian.sh --test`
# installs it with the fonts it draws Arial with (fonts-liberation).
#
# The week of 2026-03-09 of digest_data.sh, worked out by hand: a.example
# failed 1.00% on 03-10 and 4.00% on 03-11, the highest rate, so its bar
# is the full 240 px and 03-10's is 240 * 1/4 = 60 px, each 12 px high, in
# #c0392b. b.example's 03-10 has reports and no failure: a 1 px sliver in
# #27ae60. The other 11 days of the two domains have no reports: a 1 px
# sliver in #bdc3c7.
set -u
. "$(dirname "$0")/lib.sh"
TLSRPT=$1
keep=${2:-}

chromium=$(command -v chromium || command -v chromium-browser)
if [ -z "$chromium" ]; then
	echo "SKIP: chromium is not installed (contrib/setup-debian.sh --test)"
	exit 77
fi

db="$work/t.db"
mkdir -p "$work/in"
. "$(dirname "$0")/digest_data.sh"
digest_dataset "$work/in"
"$TLSRPT" --db "$db" import -q "$work/in" >/dev/null 2>&1
"$TLSRPT" --db "$db" digest --period week --at 2026-03-16 \
	--from tlsrpt@example.org --to admin@example.org >"$work/week.eml"
check "digest: exit 0" 0 "$?"
python3 - "$work/week.eml" "$work/week.html" <<'EOF'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
open(sys.argv[2], "w", encoding="utf-8").write(m.get_body(("html",)).get_content())
EOF
check "the HTML part extracted" 0 "$?"

# No network here, and none wanted: every background service off, a
# throwaway profile, no sandbox (root in CI), no GPU, device scale 1 so a
# CSS pixel is a pixel of the picture.
HOME="$work" timeout 120 "$chromium" --headless --no-sandbox --disable-gpu \
	--disable-dev-shm-usage --no-first-run --no-default-browser-check \
	--disable-background-networking --disable-component-update \
	--disable-default-apps --disable-extensions --disable-sync \
	--disable-domain-reliability --no-pings --mute-audio \
	--proxy-server='127.0.0.1:9' --proxy-bypass-list='<-loopback>' \
	--user-data-dir="$work/profile" --hide-scrollbars \
	--force-device-scale-factor=1 --window-size=800,1200 \
	--screenshot="$work/week.png" "file://$work/week.html" \
	>"$work/chromium.log" 2>&1
check "chromium: exit 0" 0 "$?"
[ -s "$work/week.png" ] || sed 's/^/#   /' "$work/chromium.log"

# The picture, read with Python's zlib alone (8-bit RGB or RGBA PNG): one
# fact a line.
python3 - "$work/week.png" >"$work/facts" <<'EOF'
import collections, struct, sys, zlib
data = open(sys.argv[1], "rb").read()
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
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(bytes(line)); prev = line
print("size:", w, h)
px = [tuple(r[i:i + 3]) for r in rows for i in range(0, stride, bpp)]
print("non-white permille:", sum(1 for p in px if min(p) < 235) * 1000 // len(px))
print("dark pixels over 2000:", sum(1 for p in px if max(p) < 100) > 2000)
def runs(rgb):
    n = collections.Counter()
    for r in rows:
        x = 0
        while x < w:
            if tuple(r[x * bpp:x * bpp + 3]) == rgb:
                s = x
                while x < w and tuple(r[x * bpp:x * bpp + 3]) == rgb: x += 1
                n[x - s] += 1
            else:
                x += 1
    return " ".join("%dpx x %d" % kv for kv in sorted(n.items()))
print("red runs:", runs((0xc0, 0x39, 0x2b)))
print("green runs:", runs((0x27, 0xae, 0x60)))
print("grey runs:", runs((0xbd, 0xc3, 0xc7)))
EOF
check "the picture decodes" 0 "$?"
facts="$work/facts"
contains "size: the window" "$facts" "size: 800 1200"
check "not blank: over 2% of it drawn" 1 \
	"$(awk '/^non-white permille:/ {print ($3 > 20)}' "$facts")"
contains "not blank: text drawn" "$facts" "dark pixels over 2000: True"
contains "the two red bars: 60 and 240 px, 12 rows each" "$facts" \
	"red runs: 60px x 12 240px x 12"
contains "one green sliver: 1 px, 12 rows" "$facts" "green runs: 1px x 12"
contains "11 grey slivers: 1 px, 12 rows each" "$facts" "grey runs: 1px x 132"
[ -n "$keep" ] && cp "$work/week.png" "$keep"
finish

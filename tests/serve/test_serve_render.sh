#!/usr/bin/env bash
# test_serve_render.sh - pages of `tlsrpt serve` on the golden dataset
# drawn by headless Chromium, as a browser gets them from the real server:
# the overview, a.example's page and the failures page, at a desktop's
# 1280x900 and a phone's 390x844. Each picture is not blank (its size,
# over 2% drawn, text drawn); in the overview's, the chart's bars are
# found by their colours (successful #2e7d32, failed #c62828: the
# stylesheet applied, else SVG fills them black) and their heights,
# order and spacing checked against the data, and the failure rate's
# line (#1565c0) where its points are; Chromium's console (its log on
# stderr) shows no Content Security Policy violation, on any page, where
# a page made to violate it shows one.
#
# Usage: test_serve_render.sh TLSRPT [PNG]
#   PNG  also keep the overview's desktop picture there (contrib/
#        dashboard.png is made so)
#
# Skips (exit 77) without chromium; `contrib/setup-debian.sh --test`
# installs it.
#
# The overview of 2026-01-05..03-07 (test_serve.sh works out its chart in
# the SVG's units: 31 bars of 2 days, a slot 19.613 wide, the plot 200
# high): at 1280 px the chart is 960 px wide (its max-width), 4/3 px a
# unit. R1's bar (1010 sessions, the tallest) is 198.0 ok + 2.0 failed
# units = 264.0 + 2.7 px, reaching the plot's top; R2's (505) 99.0 + 1.0
# = 132.0 + 1.3 px; 03-05's (352) 69.3 + 0.4 = 92.4 + 0.5 px; R5's (201)
# 39.6 + 0.2 = 52.8 + 0.3 px (a failed part under 2 px is an edge of
# blended colour, not counted). The bars are in slots 2, 27, 29 and 30,
# so 25, 27 and 28 slots of 26.15 px right of R1's: 653.8, 706.1 and
# 732.2 px. The rate line runs from the middle of R1's slot (105.0 units,
# 9.1 px right of its bar's left edge) at the plot's top (the highest
# rate, 266.7 px above the base) to R5's (654.2 units, 741.4 px right of
# it) at 1/201 / (10/1010) = 0.5025 of the height: 134.0 px above the
# base. At 390 px the chart is 390 - 2 x 9.6 (main's padding) = 370.8 px
# wide, 0.515 px a unit: ok parts of 102.0, 51.0, 35.7 and 20.4 px.
set -u
. "$(dirname "$0")/lib.sh"
keep=${2:-}

chromium=$(command -v chromium || command -v chromium-browser)
if [ -z "$chromium" ]; then
	echo "SKIP: chromium is not installed (contrib/setup-debian.sh --test)"
	exit 77
fi

db="$work/t.db"
in="$work/in"
mkdir -p "$in"
golden_dataset
"$TLSRPT" --db "$db" import -q "$in" >/dev/null 2>&1
check "import" 0 "$?"
serve_start "$db"
check "started" 0 "$?"
P="since=2026-01-05&until=2026-03-07"

# shot NAME WIDTH,HEIGHT URL: the picture in $work/NAME.png, Chromium's
# log in $work/NAME.log. As the digest's render test: no network (every
# background service off, a proxy that goes nowhere; loopback, where the
# server is, bypasses it), a throwaway profile, no sandbox (root in CI),
# no GPU, device scale 1 so a CSS pixel is a pixel of the picture; and
# the console on stderr.
shot() {
	HOME="$work" timeout 120 "$chromium" --headless --no-sandbox --disable-gpu \
		--disable-dev-shm-usage --no-first-run --no-default-browser-check \
		--disable-background-networking --disable-component-update \
		--disable-default-apps --disable-extensions --disable-sync \
		--disable-domain-reliability --no-pings --mute-audio \
		--proxy-server='127.0.0.1:9' \
		--user-data-dir="$work/profile" --hide-scrollbars \
		--force-device-scale-factor=1 --window-size="$2" \
		--enable-logging=stderr --v=0 \
		--screenshot="$work/$1.png" "$3" >"$work/$1.log" 2>&1
	check "$1: chromium exit 0" 0 "$?"
	[ -s "$work/$1.png" ] || sed 's/^/#   /' "$work/$1.log" | tail -n 20
}

# within NAME EXPECTED TOLERANCE ACTUAL: |ACTUAL - EXPECTED| <= TOLERANCE.
within() {
	if awk -v e="$2" -v t="$3" -v a="$4" 'BEGIN { d = a - e; exit !(a != "" && d <= t && -d <= t) }'; then
		ok "$1: $4"
	else
		not_ok "$1: expected $2 +- $3, got '$4'"
	fi
}
# fact FILE NAME: the value of the line "NAME: ..." of a facts file.
fact() { sed -n "s/^$2: //p" "$1"; }

# The positive control: a page against its own policy, and the log
# says so (else an empty log would prove nothing).
printf '<!doctype html><meta http-equiv="Content-Security-Policy" content="default-src %s"><style>p{color:red}</style><p>x</p>\n' "'none'" >"$work/csp.html"
shot control 400,300 "file://$work/csp.html"
contains "the log shows a CSP violation when there is one" "$work/control.log" "Content Security Policy"

for size in desktop:1280,900 phone:390,844; do
	name=${size%%:*} wh=${size#*:}
	for pg in "overview:/?$P" "domain:/domain/a.example?$P" "failures:/failures?$P"; do
		shot "$name-${pg%%:*}" "$wh" "$base${pg#*:}"
	done
done

for f in "$work"/desktop-*.png "$work"/phone-*.png; do
	n=$(basename "$f" .png)
	python3 "$here/png.py" facts "$f" >"$work/$n.facts"
	check "$n: the picture decodes" 0 "$?"
	case $n in desktop-*) want="1280 900" ;; *) want="390 844" ;; esac
	check "$n: size" "$want" "$(fact "$work/$n.facts" size)"
	check "$n: not blank, over 2% drawn" 1 "$(fact "$work/$n.facts" 'non-white permille' | awk '{ print ($1 > 20) }')"
	check "$n: text drawn" True "$(fact "$work/$n.facts" 'dark pixels over 2000')"
	l="$work/$n.log"
	if grep -qi "Content.Security.Policy" "$l"; then
		not_ok "$n: a CSP violation"
		grep -i "Content.Security.Policy" "$l" | head -n 3 | sed 's/^/#   /'
	else
		ok "$n: no CSP violation"
	fi
	if grep -qE "Page load failed|Failed to load resource" "$l"; then
		not_ok "$n: something did not load"
		grep -E "Page load failed|Failed to load resource" "$l" | head -n 3 | sed 's/^/#   /'
	else
		ok "$n: everything loaded"
	fi
done

# The overview's chart at 1280 px.
c="$work/desktop-overview.chart"
python3 "$here/png.py" chart "$work/desktop-overview.png" >"$c"
check "desktop: four bars, by their green" 4 "$(fact "$c" bars)"
bar() { fact "$c" "bar $1" | awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'; }
within "desktop: R1's bar, 264.0 px ok" 264 2 "$(bar 1 ok)"
within "desktop: R1's bar, 2.7 px failed on top (red)" 2.7 1.5 "$(bar 1 fail)"
within "desktop: R2's bar, 132.0 px" 132 2 "$(bar 2 ok)"
within "desktop: 03-05's bar, 92.4 px" 92.4 2 "$(bar 3 ok)"
within "desktop: R5's bar, 52.8 px" 52.8 2 "$(bar 4 ok)"
x1=$(bar 1 x)
within "desktop: R2's bar 25 slots right" 653.8 1.5 "$(($(bar 2 x) - x1))"
within "desktop: 03-05's bar 27 slots right" 706.1 1.5 "$(($(bar 3 x) - x1))"
within "desktop: R5's bar 28 slots right" 732.2 1.5 "$(($(bar 4 x) - x1))"
b=$(fact "$c" 'base y')
# The tallest bar reaches the plot's top, 266.7 px above the base: its
# green and red make 264.0 + 2.7.
within "desktop: R1's bar reaches the top" 266.7 2.5 "$(($(bar 1 ok) + $(bar 1 fail)))"
check "desktop: the rate line drawn (blue pixels above the base)" 1 \
	"$(fact "$c" 'rate pixels' | awk '{ print ($1 > 500) }')"
read -r ytop ybot <<<"$(fact "$c" 'rate y range')"
read -r xl xr <<<"$(fact "$c" 'rate x range')"
within "desktop: the rate line's top, at the plot's top" 266.7 2.5 "$((b - ytop))"
within "desktop: its lowest point, R5's rate" 134 2.5 "$((b - ybot))"
within "desktop: it starts mid R1's slot" 9.1 2.5 "$((xl - x1))"
within "desktop: it ends mid R5's slot" 741.4 2.5 "$((xr - x1))"

# At 390 px, the same four bars, smaller.
c="$work/phone-overview.chart"
python3 "$here/png.py" chart "$work/phone-overview.png" >"$c"
check "phone: four bars" 4 "$(fact "$c" bars)"
within "phone: R1's bar, 102.0 px" 102 2 "$(bar 1 ok)"
within "phone: R2's bar, 51.0 px" 51 2 "$(bar 2 ok)"
within "phone: 03-05's bar, 35.7 px" 35.7 2 "$(bar 3 ok)"
within "phone: R5's bar, 20.4 px" 20.4 2 "$(bar 4 ok)"

# a.example's own chart: R1, R2 and R5 (03-05 was b.example's and
# c.example's): three bars, the same heights as on the overview.
c="$work/desktop-domain.chart"
python3 "$here/png.py" chart "$work/desktop-domain.png" >"$c"
check "domain: three bars" 3 "$(fact "$c" bars)"
within "domain: R1's bar, 264.0 px" 264 2 "$(bar 1 ok)"
within "domain: R5's bar, 52.8 px" 52.8 2 "$(bar 3 ok)"

[ -n "$keep" ] && cp "$work/desktop-overview.png" "$keep"
serve_stop
check "SIGTERM: exit 0" 0 "$stop_rc"
finish

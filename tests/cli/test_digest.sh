#!/usr/bin/env bash
# test_digest.sh - `tlsrpt digest` on a dataset over two weeks, every
# expected figure worked out by hand below; the message parsed back with
# Python's email module (headers, both parts, well-formed HTML).
#
# Usage: test_digest.sh TLSRPT
#
# The dataset is digest_data.sh's (its description is there).
#
# The week of 03-09: a.example 1950 ok, 50 failed: 2.50% (before:
# 10/1510 = 0.66%: rose); b.example 300 ok, 0.00%. In all 50 of 2300:
# 2.17%. New: the result type certificate-host-mismatch on mx2.a.example,
# the MX mx2.a.example, the MTA 192.0.2.99, the IP 198.51.100.2, 40
# failed sessions each. Microsoft fell silent. Readiness over the 30 days
# to 03-16 (02-14 on; g0 is older): a.example has reports on 3 days
# (03-03, 03-10, 03-11), short of 7, but 1000 + 500 + 990 + 960 = 3450
# ok and 10 + 10 + 40 = 60 failed, 60/3510 = 1.71% > 0.1%, and
# mx2.a.example is outside "mx: mx1.a.example": a blocker outweighs the
# thresholds, so not-ready, acting first on the MX outside the policy;
# b.example is enforced, nothing failed.
# Daily rates of a.example: 03-10 10/1000 = 1.00%, 03-11 40/1000 = 4.00%
# (the full bar: 40 '#'; 03-10 gets 10).
set -u
. "$(dirname "$0")/lib.sh"
TLSRPT=$1
db=$(newdb t)
in="$work/in"
mkdir -p "$in"

. "$(dirname "$0")/digest_data.sh"
digest_dataset "$in"
"$TLSRPT" --db "$db" import -q "$in" >/dev/null 2>&1
check "import: 9 reports" 9 "$(dbq "$db" 'SELECT count(*) FROM report')"

d() { "$TLSRPT" --db "$db" digest "$@"; }

d --period week --at 2026-03-16 --from tlsrpt@example.org \
	--to admin@example.org --to ops@example.org >"$work/week.eml"
check "week: exit 0" 0 "$?"

# The message, read back by Python's email module: prints one fact a line.
python3 - "$work/week.eml" >"$work/week.facts" <<'EOF'
import email, email.policy, html.parser, re, sys
raw = open(sys.argv[1], "rb").read()
m = email.message_from_bytes(raw, policy=email.policy.strict)
print("subject:", m["Subject"])
print("from:", m["From"])
print("to:", ", ".join(a.addr_spec for a in m["To"].addresses))
print("date ok:", m["Date"].datetime is not None)
print("message-id ok:", bool(re.fullmatch(r"<[^<>@\s]+@[^<>@\s]+>", m["Message-ID"])))
print("mime:", m["MIME-Version"], m.get_content_type())
print("parts:", " ".join(p.get_content_type() + "/" + p["Content-Transfer-Encoding"] + "/" + p.get_content_charset() for p in m.iter_parts()))
print("longest line:", max(len(l) for l in raw.split(b"\n")))
text = m.get_body(("plain",)).get_content()
page = m.get_body(("html",)).get_content()
open(sys.argv[1] + ".txt", "w").write(text)
open(sys.argv[1] + ".html", "w").write(page)
class P(html.parser.HTMLParser):
    void = {"meta", "br", "img", "hr"}
    def __init__(s):
        super().__init__(); s.stack = []; s.bad = 0; s.tags = set()
    def handle_starttag(s, t, a):
        s.tags.add(t)
        if t not in s.void: s.stack.append(t)
    def handle_endtag(s, t):
        if not s.stack or s.stack.pop() != t: s.bad += 1
p = P(); p.feed(page); p.close()
print("html well-formed:", p.bad == 0 and not p.stack)
print("html no script/svg/img:", not ({"script", "svg", "img", "style", "link"} & p.tags))
EOF
check "parsed by Python's email module" 0 "$?"
facts="$work/week.facts"
contains "subject: the headline" "$facts" \
	"subject: [tlsrpt] a.example: add mx2.a.example to the policy's mx: lines; 2 domains, 2.17% failed, new: certificate-host-mismatch on mx2.a.example"
contains "from" "$facts" "from: tlsrpt@example.org"
contains "to: both" "$facts" "to: admin@example.org, ops@example.org"
contains "date" "$facts" "date ok: True"
contains "message-id" "$facts" "message-id ok: True"
contains "multipart/alternative" "$facts" "mime: 1.0 multipart/alternative"
contains "parts: text and html, QP, UTF-8" "$facts" \
	"parts: text/plain/quoted-printable/utf-8 text/html/quoted-printable/utf-8"
check "no line over 76 octets" 1 "$(awk '/^longest line:/ {print ($3 <= 76)}' "$facts")"
contains "HTML well-formed" "$facts" "html well-formed: True"
contains "HTML: no script, SVG, image or style sheet" "$facts" "html no script/svg/img: True"

txt="$work/week.eml.txt"
contains "text: the period" "$txt" "TLS reports for the week 2026-03-09 to 2026-03-15 (UTC)"
contains "text: totals" "$txt" "2300 sessions, 50 failed (2.17%)"
contains "new result type" "$txt" \
	"new result type: certificate-host-mismatch on mx2.a.example (40 failed sessions)"
contains "new MX" "$txt" "new receiving MX: mx2.a.example (40 failed sessions)"
contains "new MTA, with the organization that reported it" "$txt" "new sending MTA: 192.0.2.99 from Google (40 failed sessions)"
contains "new IP" "$txt" "new receiving IP: 198.51.100.2 (40 failed sessions)"
check "the old failure is not new" 0 \
	"$(grep -c '^  new .*\(192\.0\.2\.1 \|mx1\.a\.example\|198\.51\.100\.1 \|certificate-expired\)' "$txt")"
contains "rising rate" "$txt" "failure rate rose: a.example 0.66% -> 2.50%"
check "b.example did not rise" 0 "$(grep -c 'rose: b.example' "$txt")"
contains "a.example line, its period said" "$txt" "a.example: 2000 sessions, 50 failed (2.50%) in the week, mode testing"
contains "a.example readiness, its window said" "$txt" "    readiness over the last 30 days: not-ready, add mx2.a.example to the policy's mx: lines"
contains "b.example line" "$txt" "b.example: 300 sessions, 0 failed (0.00%) in the week, mode enforce"
contains "b.example readiness, the verdict once" "$txt" "  b.example: 300 sessions, 0 failed (0.00%) in the week, mode enforce
    readiness over the last 30 days: enforced, no failures: nothing to do"
check "no readiness line names its verdict twice" 0 \
	"$(grep -c 'readiness over the last 30 days: \([a-z-]*\)[,:] .*\b\1\b' "$txt")"
contains "top failure 1" "$txt" "      40  192.0.2.99       certificate-host-mismatch     testing"
contains "top failure 2" "$txt" "      10  192.0.2.1        certificate-expired           testing"
contains "silent organization" "$txt" "ORGANIZATIONS THAT FELL SILENT
  Microsoft Corporation"
check "silent: only Microsoft" 1 "$(sed -n '/FELL SILENT/,/^$/p' "$txt" | grep -c '^  [A-Z]')"
contains "chart scale" "$txt" "DAILY FAILURE RATE (a full bar is 4.00%)"
contains "chart 03-10: 10 of 40" "$txt" "2026-03-10 |##########                              | 1.00%"
contains "chart 03-11: full" "$txt" "2026-03-11 |########################################| 4.00%"
contains "chart: a day without reports" "$txt" "2026-03-09 |                                        | no reports"
html="$work/week.eml.html"
contains "html: the headline numbers" "$html" "2300 sessions, 50 failed (2.17%)"
contains "html: a full bar of 240 px" "$html" 'width:240px;height:12px;background:#c0392b'
contains "html: the 03-10 bar, 60 px" "$html" 'width:60px;height:12px;background:#c0392b'
contains "html: next step" "$html" "<b>not-ready</b>, add mx2.a.example to the policy's mx: lines"
contains "html: enforced, once" "$html" "<b>enforced</b>, no failures: nothing to do"

# --alert-rate: the news alone alerts, whatever the rate.
d --period week --at 2026-03-16 --alert-rate 0.5 >/dev/null
check "alert: something new -> exit 3" 3 "$?"

# The week after, a.example only: 95 ok, 5 failed = 5.00%, rising from
# 2.50%, nothing new (the old failure), Google reported in both weeks.
d --period week --at 2026-03-23 --domain a.example >"$work/after.eml"
python3 -c 'import email,email.policy,sys; print(email.message_from_binary_file(open(sys.argv[1],"rb"),policy=email.policy.default)["Subject"])' \
	"$work/after.eml" >"$work/after.subject"
check "rising only: the headline" \
	"[tlsrpt] a.example: add mx2.a.example to the policy's mx: lines; 1 domain, 5.00% failed, rising: a.example 2.50% -> 5.00%" \
	"$(cat "$work/after.subject")"
d --period week --at 2026-03-23 --domain a.example --alert-rate 0.1 >/dev/null
check "alert: 5% under 10%, nothing new -> exit 0" 0 "$?"
d --period week --at 2026-03-23 --domain a.example --alert-rate 0.04 >/dev/null
check "alert: 5% over 4% -> exit 3" 3 "$?"

# b.example alone that week: 100 ok, nothing failed, Mail.ru in both.
d --period week --at 2026-03-23 --domain b.example --subject-prefix "" >"$work/clean.eml"
python3 -c 'import email,sys; print(email.message_from_binary_file(open(sys.argv[1],"rb"))["Subject"])' \
	"$work/clean.eml" >"$work/clean.subject"
check "clean: the subject says so" \
	"1 domain, 0.00% failed, no failures, nothing changed" "$(cat "$work/clean.subject")"
check "--only-on-change on a clean period: nothing" "" \
	"$(d --period week --at 2026-03-23 --domain b.example --only-on-change)"
d --period week --at 2026-03-23 --domain b.example --only-on-change --alert-rate 0.001 >/dev/null
check "clean: no alert" 0 "$?"
check "--only-on-change on an eventful period: the message" 1 \
	"$(d --period week --at 2026-03-16 --only-on-change | grep -c '^Subject:')"

# Period bounds: a day, a month.
d --period day --at 2026-03-11 >"$work/day.eml"
contains "day: the day before --at" "$work/day.eml" "TLS reports for the day 2026-03-10 (UTC)"
d --period month --at 2026-03-16 >"$work/month.eml"
contains "month: February" "$work/month.eml" "TLS reports for the month 2026-02-01 to 2026-02-28 (UTC)"
contains "month: g0 alone" "$work/month.eml" "105 sessions, 5 failed (4.76%)"

# contrib/cron/tlsrpt: each line's command, as cron runs it ('\%' is '%')
# under /bin/sh, with sendmail a stub that keeps what it is given. Now
# (not 2026-03) nothing is in the database's last day or week: no report
# at all is what a broken intake looks like, news for both lines (issue
# 16 §11): the daily line (--only-on-change) and the weekly one each send
# a message whose subject says "no reports received".
cron="$(dirname "$0")/../../contrib/cron/tlsrpt"
mkdir -p "$work/bin"
printf '#!/bin/sh\nexec "%s" --db "%s" "$@"\n' "$TLSRPT" "$db" >"$work/bin/tlsrpt"
printf '#!/bin/sh\ncat >>"%s/sent.$(date +%%s%%N)"\n' "$work" >"$work/bin/sendmail"
chmod +x "$work/bin/tlsrpt" "$work/bin/sendmail"
grep -E '^[0-9*]' "$cron" | while read -r _ _ _ _ dow _ cmd; do
	cmd=$(printf '%s' "$cmd" | sed -e 's/\\%/%/g' -e "s|/usr/sbin/sendmail|$work/bin/sendmail|")
	PATH="$work/bin:$PATH" sh -c "$cmd" || echo "failed: $cmd"
done >"$work/cron.out"
check "cron: each line exits 0" "" "$(cat "$work/cron.out")"
check "cron: two messages sent (daily and weekly)" 2 "$(ls "$work" | grep -c '^sent\.')"
check "cron: both say no reports were received" 2 \
	"$(cat "$work"/sent.* 2>/dev/null | grep -c '^Subject: \[tlsrpt\] no reports received$')"
check "cron: each From: the --from of the cron line" 2 \
	"$(cat "$work"/sent.* 2>/dev/null | grep -c '^From: tlsrpt@example.com$')"

# Many domains: every list stops at 20 lines (DIGEST_LIST_MAX) and sums up
# the rest, the chart at 10 domains (DIGEST_CHART_MAX). dNN.example for NN
# 01..23: "Old NN" reported it on 03-03 (100 ok); on 03-10 "Reporter"
# reported 1000 sessions, 2*NN failed, certificate-expired from MTA
# 192.0.2.NN to mx.dNN.example at 198.51.100.NN, all new. Worked out: the
# domains by failures are d23 (46) .. d04 (8), then d03, d02, d01 are
# summed: 3000 sessions, 6+4+2 = 12 failed, 0.40%. Each kind of news but
# the one result type (2*276 = 552 failed sessions, on mx.d23.example)
# has 23 entries: 20 shown, "3 more" with 12 failed sessions. All 23
# rates rose (0 -> 0.2% and more): 3 more. All 23 "Old" organizations
# fell silent: Old 01..Old 20 shown, 3 more. The chart: d23..d14, the
# full bar 4.60%, "13 more not charted".
many="$work/many"
mkdir -p "$many"
dir=$many
for n in $(seq -w 1 23); do
	rep "Old $n" o$n 2026-03-03 d$n.example testing mx.d$n.example 100 0
	rep Reporter n$n 2026-03-10 d$n.example testing mx.d$n.example \
		$((1000 - 2 * 10#$n)) $((2 * 10#$n)) certificate-expired \
		192.0.2.$((10#$n)) mx.d$n.example 198.51.100.$((10#$n))
done
mdb=$(newdb many)
"$TLSRPT" --db "$mdb" import -q "$many" >/dev/null 2>&1
"$TLSRPT" --db "$mdb" digest --period week --at 2026-03-16 >"$work/many.eml"
python3 -c 'import email,email.policy,sys; m=email.message_from_binary_file(open(sys.argv[1],"rb"),policy=email.policy.default); print(m.get_body(("plain",)).get_content())' \
	"$work/many.eml" >"$work/many.txt"
mt="$work/many.txt"
contains "many: the one new result type" "$mt" \
	"  new result type: certificate-expired on mx.d23.example (552 failed sessions)"
contains "many: 20 MXs, largest first, then the rest" "$mt" \
	"  new receiving MX: mx.d04.example (8 failed sessions)
  and 3 more new receiving MXs (12 failed sessions)
  new sending MTA: 192.0.2.23 from Reporter (46 failed sessions)"
contains "many: MTAs summed up" "$mt" "  and 3 more new sending MTAs (12 failed sessions)"
contains "many: IPs summed up" "$mt" "  and 3 more new receiving IPs (12 failed sessions)"
check "many: 20 news lines of each kind but the type" 60 \
	"$(grep -c '^  new \(receiving MX\|sending MTA\|receiving IP\): ' "$mt")"
contains "many: 20 rising, then the rest" "$mt" \
	"  failure rate rose: d04.example 0.00% -> 0.80%
  and 3 more domains whose failure rate rose"
contains "many: domains, most failures first" "$mt" \
	"DOMAINS
  d23.example: 1000 sessions, 46 failed (4.60%), mode testing"
contains "many: the domains summed up" "$mt" \
	"  and 3 more domains: 3000 sessions, 12 failed (0.40%)"
check "many: 20 domain lines" 20 "$(grep -c '^  d[0-9][0-9]\.example: ' "$mt")"
contains "many: silent, 20 then the rest" "$mt" "  Old 20
  and 3 more organizations"
contains "many: the chart's scale and cut" "$mt" \
	"DAILY FAILURE RATE (a full bar is 4.60%)
  the 10 domains with the most failures; 13 more not charted
  d23.example"
check "many: 10 domains charted" 10 "$(grep -c '^  d[0-9][0-9]\.example$' "$mt")"
check "many: the last charted is d14" "  d14.example" "$(grep '^  d[0-9][0-9]\.example$' "$mt" | tail -1)"

# Enforced with failures (the line that once read "readiness: enforced:
# enforced, 5 sessions stopped: ..."): e.example, mode enforce, mx:
# mx.e.example; on 03-10 Google saw 95 ok and 5 certificate-expired at
# mx.e.example. The verdict once, then the mail enforce stopped and what
# to do about it.
enf="$work/enf"
mkdir -p "$enf"
dir=$enf
rep Google e1 2026-03-10 e.example enforce mx.e.example 95 5 \
	certificate-expired 192.0.2.1 mx.e.example 198.51.100.1
edb=$(newdb enf)
"$TLSRPT" --db "$edb" import -q "$enf" >/dev/null 2>&1
"$TLSRPT" --db "$edb" digest --period week --at 2026-03-16 >"$work/enf.eml"
python3 -c 'import email,email.policy,sys; m=email.message_from_binary_file(open(sys.argv[1],"rb"),policy=email.policy.default); print(m.get_body(("plain",)).get_content()); print(m.get_body(("html",)).get_content())' \
	"$work/enf.eml" >"$work/enf.txt"
check "enforced with failures: the text line" \
	"    readiness over the last 30 days: enforced, 5 sessions stopped: renew the certificate on mx.e.example" \
	"$(grep '^    readiness over the last 30 days: ' "$work/enf.txt")"
contains "enforced with failures: the HTML cell" "$work/enf.txt" \
	"<b>enforced</b>, 5 sessions stopped: renew the certificate on mx.e.example"

# Usage errors.
d >/dev/null 2>&1
check "no --period: 64" 64 "$?"
d --period fortnight >/dev/null 2>&1
check "bad --period: 64" 64 "$?"
d --period week --since 7d >/dev/null 2>&1
check "--since: 64" 64 "$?"
d --period week --to $'a@b\nBcc: x@y' >/dev/null 2>&1
check "a header smuggled in --to: 64" 64 "$?"

# Issue 15 §7: 60 bytes of 0x80 in --subject-prefix made the subject
# encoder loop for ever (728 MB of Subject in 5 s). Refused, naming the
# option, at once; timeout turns a hang into a failure.
timeout 10 "$TLSRPT" --db "$db" digest --period week --at 2026-03-16 \
	--subject-prefix "$(head -c 60 /dev/zero | tr '\0' '\200')" >"$work/bad8.eml" 2>"$work/bad8.err"
check "a prefix that is not UTF-8: 64, not a hang" 64 "$?"
contains "a prefix that is not UTF-8: the option named" "$work/bad8.err" "--subject-prefix: not UTF-8 text"
check "a prefix that is not UTF-8: no message" 0 "$(wc -c <"$work/bad8.eml")"
# A long prefix of one unbroken word of 3-byte characters, and one of
# ASCII: every line of the message ASCII and at most 76 octets, and the
# subject comes back as written.
long=$(python3 -c 'print("\u20ac" * 90 + " " + "x" * 100)')
timeout 10 "$TLSRPT" --db "$db" digest --period week --at 2026-03-16 --subject-prefix "$long" >"$work/long.eml"
check "a long prefix: written" 0 "$?"
check "a long prefix: every line ASCII, at most 76 octets" 0 \
	"$(LC_ALL=C grep -c -e '[^ -~]' -e '^.\{77,\}' "$work/long.eml")"
check "a long prefix: the subject as written" "$long" \
	"$(python3 -c 'import email,email.policy,sys; print(email.message_from_binary_file(open(sys.argv[1],"rb"),policy=email.policy.default)["Subject"])' "$work/long.eml" | cut -d' ' -f1-2)"

# A new sending IP alone is not news (issue 16 §10). n.example, enforce:
# Google on 03-10 100 ok, 2 certificate-expired from 192.0.2.1 at
# mx.n.example (2/102 = 1.96%); on 03-11 100 ok, 1 failed, the same type,
# MX and receiving IP, from 192.0.2.2, and Acme (new) 100 ok, 1 failed
# from 192.0.2.3: 2/202 = 0.99%, lower, not rising. The day 03-11 against
# 03-10: nothing new but the two sending MTAs, no rate rose, Google
# reported both days. --only-on-change prints nothing; the message lists
# the new MTAs in its body, grouped by organization (Acme before Google),
# "1 failed session" each, and its subject leads with the next step
# readiness gives n.example (30 days to 03-12: 2 + 1 + 1 = 4 sessions
# stopped), never naming either address.
ip="$work/ip"
mkdir -p "$ip"
dir=$ip
rep Google n1 2026-03-10 n.example enforce mx.n.example 100 2 \
	certificate-expired 192.0.2.1 mx.n.example 198.51.100.1
rep Google n2 2026-03-11 n.example enforce mx.n.example 100 1 \
	certificate-expired 192.0.2.2 mx.n.example 198.51.100.1
rep Acme a1 2026-03-11 n.example enforce mx.n.example 100 1 \
	certificate-expired 192.0.2.3 mx.n.example 198.51.100.1
idb=$(newdb ip)
"$TLSRPT" --db "$idb" import -q "$ip" >/dev/null 2>&1
check "new MTA alone: --only-on-change prints nothing" "" \
	"$("$TLSRPT" --db "$idb" digest --period day --at 2026-03-12 --only-on-change --from t@example.org)"
"$TLSRPT" --db "$idb" digest --period day --at 2026-03-12 --from t@example.org >"$work/ip.eml"
python3 -c 'import email,email.policy,sys; m=email.message_from_binary_file(open(sys.argv[1],"rb"),policy=email.policy.default); print("Subject:", m["Subject"]); print(m.get_body(("plain",)).get_content())' \
	"$work/ip.eml" >"$work/ip.txt"
check "new MTA alone: the subject leads with the next step, no IP" \
	"Subject: [tlsrpt] n.example: 4 sessions stopped: renew the certificate on mx.n.example; 1 domain, 0.99% failed, nothing changed" \
	"$(grep '^Subject:' "$work/ip.txt")"
contains "new MTA alone: in the body, by organization, one failed session" "$work/ip.txt" \
	"  new sending MTA: 192.0.2.3 from Acme (1 failed session)
  new sending MTA: 192.0.2.2 from Google (1 failed session)"
contains "new MTA alone: the body says nothing changed" "$work/ip.txt" \
	"Nothing changed: the failures below go on as before."

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]

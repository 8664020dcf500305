#!/usr/bin/env bash
# test_tables.sh - the table format at 80 and 120 columns ($COLUMNS) with
# long domain names (issue 16, item 13): no domain, date or first column
# is ever cut (no '~'); columns are left out by their priority, named in
# a line under the table, and long text (NEXT STEP, REASON, a list of
# domains) wraps onto continuation lines. Every line below is worked out
# by hand from the widths in the comments (two spaces between columns,
# numbers right-aligned, titles left-aligned, no blank at a line's end).
#
# Usage: test_tables.sh TLSRPT
set -u
TLSRPT=$(realpath "$1")
. "$(dirname "$0")/lib.sh"
db="$work/t.db" in="$work/in"
mkdir -p "$in"
q() { "$TLSRPT" --db "$db" "$@"; }
# table WIDTH COMMAND...: the table at WIDTH columns.
table() { local w=$1; shift; COLUMNS=$w q "$@" --format table; }

# The dataset (lib.sh: rep FILE ORG ID DAY POLICIES; pol TYPE MODE DOMAIN
# OK FAILED DETAILS, mx: *.DOMAIN; det TYPE MTA MX COUNT):
#   r1 (key 1) Google Inc. g-1 2026-03-01: shop.example.org testing
#      900/100, 100 certificate-expired from 192.0.2.1 at
#      mx2.shop.example.org.
#   r2 (key 2) Microsoft Corporation 133549344000394822+mail-archive
#      2026-03-02: mail-archive.subsidiary.example.com (35 characters)
#      enforce 200/5, 5 starttls-not-supported from 2001:db8::25 at
#      mx9.example.net (outside its mx: pattern); and
#      mx-reports.subsidiary.example.com (33) testing 300/0.
#   r3 (key 3) Google Inc. g-2 2026-03-03: shop.example.org testing
#      400/20, 15 certificate-expired from 192.0.2.1 and 5
#      starttls-not-supported from 2001:db8::25, both at
#      mx2.shop.example.org.
rep r1.json "Google Inc." g-1 2026-03-01 \
	"$(pol sts testing shop.example.org 900 100 "$(det certificate-expired 192.0.2.1 mx2.shop.example.org 100)")"
rep r2.json "Microsoft Corporation" 133549344000394822+mail-archive 2026-03-02 \
	"$(pol sts enforce mail-archive.subsidiary.example.com 200 5 "$(det starttls-not-supported 2001:db8::25 mx9.example.net 5)"),$(pol sts testing mx-reports.subsidiary.example.com 300 0 "")"
rep r3.json "Google Inc." g-2 2026-03-03 \
	"$(pol sts testing shop.example.org 400 20 "$(det certificate-expired 192.0.2.1 mx2.shop.example.org 15),$(det starttls-not-supported 2001:db8::25 mx2.shop.example.org 5)")"
# The quarantine: a file with a long name imported twice (count 2), then
# r1 again with other content ("duplicate, different content").
echo junk >"$in/report-for-mx-reports.subsidiary.example.com.txt"
rep b.json "Google Inc." g-1 2026-03-01 "$(pol sts testing shop.example.org 901 100 "")"
for f in r1.json r2.json r3.json report-for-mx-reports.subsidiary.example.com.txt \
	report-for-mx-reports.subsidiary.example.com.txt b.json; do
	(cd "$in" && "$TLSRPT" --db "$db" import -q "$f" >/dev/null 2>&1)
done
check "keys of r1, r2, r3" "1 2 3" \
	"$(q reports --format csv | tr -d '\r' | tail -n +2 | cut -d, -f1 | sort | paste -sd' ')"

# summary. Widths: DOMAIN 35, REPORTS 7, ORGS 4, SUCCESSFUL 10, FAILED 6,
# FAIL-RATE 9, TYPES 5, MODES 7, FIRST 10, LAST 10: 103 + 9 * 2 = 121.
#   shop.example.org: 2 reports, 1300/120, 120/1420 = 8.45%;
#   mail-archive: 200/5, 5/205 = 2.44%; mx-reports: 300/0.
# 120: TYPES (dropped first) goes: 114.
check "summary at 120: TYPES left out" \
"DOMAIN                               REPORTS  ORGS  SUCCESSFUL  FAILED  FAIL-RATE  MODES    FIRST       LAST
mail-archive.subsidiary.example.com        1     1         200       5      2.44%  enforce  2026-03-02  2026-03-02
mx-reports.subsidiary.example.com          1     1         300       0      0.00%  testing  2026-03-02  2026-03-02
shop.example.org                           2     1        1300     120      8.45%  testing  2026-03-01  2026-03-03
(columns TYPES not shown at 120 columns: widen the terminal or use --format csv)" \
	"$(table 120 summary)"
# 80: TYPES (114), MODES (105), FIRST (93), LAST (81, still > 80), ORGS
# (75). The note wraps at its last space within 80, after "the".
check "summary at 80: domains and dates whole, five columns left out" \
"DOMAIN                               REPORTS  SUCCESSFUL  FAILED  FAIL-RATE
mail-archive.subsidiary.example.com        1         200       5      2.44%
mx-reports.subsidiary.example.com          1         300       0      0.00%
shop.example.org                           2        1300     120      8.45%
(columns ORGS, TYPES, MODES, FIRST, LAST not shown at 80 columns: widen the
terminal or use --format csv)" \
	"$(table 80 summary)"
# Not a terminal and no $COLUMNS: no limit, all ten columns, no note.
check "summary without a width: every column, no note" \
"DOMAIN                               REPORTS  ORGS  SUCCESSFUL  FAILED  FAIL-RATE  TYPES  MODES    FIRST       LAST
mail-archive.subsidiary.example.com        1     1         200       5      2.44%  sts    enforce  2026-03-02  2026-03-02
mx-reports.subsidiary.example.com          1     1         300       0      0.00%  sts    testing  2026-03-02  2026-03-02
shop.example.org                           2     1        1300     120      8.45%  sts    testing  2026-03-01  2026-03-03" \
	"$(env -u COLUMNS "$TLSRPT" --db "$db" summary --format table | cat)"

# failures, mta,type,mode (each policy as sent): 192.0.2.1
# certificate-expired testing 100 + 15 = 115 in 2 reports; 2001:db8::25
# starttls-not-supported enforce 5 (r2) and testing 5 (r3), the tie in
# key order. Widths 12, 22, 7, 6, 7: 54 + 8 = 62, within 80.
failures_default="SENDING-MTA   RESULT-TYPE             MODE     FAILED  REPORTS
192.0.2.1     certificate-expired     testing     115        2
2001:db8::25  starttls-not-supported  enforce       5        1
2001:db8::25  starttls-not-supported  testing       5        1"
check "failures at 80" "$failures_default" "$(table 80 failures)"
check "failures at 120" "$failures_default" "$(table 120 failures)"
# --by domain,mx,type (the policies that count): shop certificate-expired
# 115 (2 reports), then the two 5s, mail-archive before shop. Widths 35,
# 20, 22, 6, 7: 90 + 8 = 98, within 120.
check "failures by domain,mx,type at 120" \
"DOMAIN                               RECEIVING-MX          RESULT-TYPE             FAILED  REPORTS
shop.example.org                     mx2.shop.example.org  certificate-expired        115        2
mail-archive.subsidiary.example.com  mx9.example.net       starttls-not-supported       5        1
shop.example.org                     mx2.shop.example.org  starttls-not-supported       5        1" \
	"$(table 120 failures --by domain,mx,type)"
# At 80 only REPORTS may go (a key column never does: its rows would look
# alike): 89 columns, wider than asked, every key whole. The note's "csv)"
# would end at 81: it wraps.
check "failures by domain,mx,type at 80: keys whole, REPORTS left out" \
"DOMAIN                               RECEIVING-MX          RESULT-TYPE             FAILED
shop.example.org                     mx2.shop.example.org  certificate-expired        115
mail-archive.subsidiary.example.com  mx9.example.net       starttls-not-supported       5
shop.example.org                     mx2.shop.example.org  starttls-not-supported       5
(columns REPORTS not shown at 80 columns: widen the terminal or use --format
csv)" \
	"$(table 80 failures --by domain,mx,type)"

# reports, newest first. Widths: KEY 3, START 20, ORGANIZATION 21
# (wraps, wants 12), REPORT-ID 31, DOMAINS 69 for r2's two (wraps after
# a comma, never below its longest, "mail-archive...com," 36),
# SUCCESSFUL 10, FAILED 6, CHANNEL 7, RECEIVED 20, WARNINGS 8 (empty).
# Wanted: 3+20+12+31+36+10+6+7+20+8 + 18 = 171.
# 120: RECEIVED (149), CHANNEL (140), WARNINGS (130), REPORT-ID (97) go;
# the rest unwrapped is 139, so DOMAINS, the widest that wraps, narrows
# to 50 (120 = 3+20+21+50+10+6 + 10): r2's domains on two lines.
check "reports at 120" \
"KEY  START                 ORGANIZATION           DOMAINS                                             SUCCESSFUL  FAILED
  3  2026-03-03T00:00:00Z  Google Inc.            shop.example.org                                           400      20
  2  2026-03-02T00:00:00Z  Microsoft Corporation  mail-archive.subsidiary.example.com,                       500       5
                                                  mx-reports.subsidiary.example.com
  1  2026-03-01T00:00:00Z  Google Inc.            shop.example.org                                           900     100
(columns REPORT-ID, CHANNEL, RECEIVED, WARNINGS not shown at 120 columns: widen the terminal or use --format csv)" \
	"$(table 120 reports)"
# 80: then SUCCESSFUL (85) and ORGANIZATION (71); DOMAINS narrows to 45
# (80 = 3+20+45+6 + 6).
check "reports at 80" \
"KEY  START                 DOMAINS                                        FAILED
  3  2026-03-03T00:00:00Z  shop.example.org                                   20
  2  2026-03-02T00:00:00Z  mail-archive.subsidiary.example.com,                5
                           mx-reports.subsidiary.example.com
  1  2026-03-01T00:00:00Z  shop.example.org                                  100
(columns ORGANIZATION, REPORT-ID, SUCCESSFUL, CHANNEL, RECEIVED, WARNINGS not
shown at 80 columns: widen the terminal or use --format csv)" \
	"$(table 80 reports)"

# quarantine, first seen first: key 1 the .txt (count 2, 5 bytes,
# "not gzip, JSON or a mail message"), key 2 b.json ("duplicate,
# different content: organization Google Inc. report-id g-1 (stored as
# report 1)", 89 characters, longest word "organization" 12). Widths: KEY
# 3, FIRST SEEN 20, LAST SEEN 20, COUNT 5, CHANNEL 7, SOURCE 48,
# SUBMITTER 9, BYTES 5, REASON 89 (wraps, wants 20).
# Wanted: 3+20+20+5+7+48+9+5+20 + 16 = 153. 120: BYTES (146), SUBMITTER
# (135), CHANNEL (126), FIRST SEEN (104) go; REASON narrows to 36
# (120 = 3+20+5+48+36 + 8).
l1=$(q quarantine --format csv | tr -d '\r' | awk -F, 'NR == 2 { print $3 }')
l2=$(q quarantine --format csv | tr -d '\r' | awk -F, 'NR == 3 { print $3 }')
check "quarantine at 120" \
"KEY  LAST SEEN             COUNT  SOURCE                                            REASON
  1  $l1      2  report-for-mx-reports.subsidiary.example.com.txt  not gzip, JSON or a mail message
  2  $l2      1  b.json                                            duplicate, different content:
                                                                                    organization Google Inc. report-id
                                                                                    g-1 (stored as report 1)
(columns FIRST SEEN, CHANNEL, SUBMITTER, BYTES not shown at 120 columns: widen the terminal or use --format csv)" \
	"$(table 120 quarantine)"
# 80: SOURCE goes too (54); REASON narrows to 46 (80 = 3+20+5+46 + 6).
check "quarantine at 80" \
"KEY  LAST SEEN             COUNT  REASON
  1  $l1      2  not gzip, JSON or a mail message
  2  $l2      1  duplicate, different content: organization
                                  Google Inc. report-id g-1 (stored as report 1)
(columns FIRST SEEN, CHANNEL, SOURCE, SUBMITTER, BYTES not shown at 80 columns:
widen the terminal or use --format csv)" \
	"$(table 80 quarantine)"

# readiness (March): mail-archive enforced, 5 failed (2.44%), its blocker
# at mx9.example.net outside the policy: "5 sessions stopped: add
# mx9.example.net to the policy's mx: lines" (62); mx-reports 1 day:
# insufficient-data, "wait: 1 of 7 days"; shop 120/1420 = 8.45%:
# not-ready, "renew the certificate on mx2.shop.example.org" (45).
# Widths: DOMAIN 35, MODE 7, VERDICT 17, DAYS 4, ORGS 4, SUCCESSFUL 10,
# FAILED 6, FAIL-RATE 9, NEXT STEP 62 (wraps, wants 40).
# Wanted: 35+7+17+4+4+10+6+9+40 + 16 = 148. 120: ORGS (142), DAYS (136),
# SUCCESSFUL (124), MODE (115) go; NEXT STEP narrows to 45 (120 =
# 35+17+6+9+45 + 8): the first step breaks after "to".
check "readiness at 120" \
"DOMAIN                               VERDICT            FAILED  FAIL-RATE  NEXT STEP
mail-archive.subsidiary.example.com  enforced                5      2.44%  5 sessions stopped: add mx9.example.net to
                                                                           the policy's mx: lines
mx-reports.subsidiary.example.com    insufficient-data       0      0.00%  wait: 1 of 7 days
shop.example.org                     not-ready             120      8.45%  renew the certificate on mx2.shop.example.org
(columns MODE, DAYS, ORGS, SUCCESSFUL not shown at 120 columns: widen the terminal or use --format csv)" \
	"$(table 120 readiness --since 2026-03-01 --until 2026-03-31)"
# 80: FAILED (107) and FAIL-RATE (96) go, nothing else may; NEXT STEP
# narrows to 24 (80 = 35+17+24 + 4), never below its longest word
# (mx2.shop.example.org, 20).
check "readiness at 80: NEXT STEP wraps" \
"DOMAIN                               VERDICT            NEXT STEP
mail-archive.subsidiary.example.com  enforced           5 sessions stopped: add
                                                        mx9.example.net to the
                                                        policy's mx: lines
mx-reports.subsidiary.example.com    insufficient-data  wait: 1 of 7 days
shop.example.org                     not-ready          renew the certificate on
                                                        mx2.shop.example.org
(columns MODE, DAYS, ORGS, SUCCESSFUL, FAILED, FAIL-RATE not shown at 80
columns: widen the terminal or use --format csv)" \
	"$(table 80 readiness --since 2026-03-01 --until 2026-03-31)"

# Nowhere a cut, nor a blank at a line's end.
for w in 80 120; do
	for c in summary failures reports quarantine "readiness --since 2026-03-01"; do
		# shellcheck disable=SC2086
		table "$w" $c >>"$work/all"
	done
done
check "no '~' in any table" 0 "$(grep -c '~' "$work/all")"
check "no line ends in a blank" 0 "$(grep -c ' $' "$work/all")"

finish

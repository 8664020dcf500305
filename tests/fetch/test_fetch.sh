#!/usr/bin/env bash
# test_fetch.sh - tlsrpt fetch against a real Dovecot (tests/fetch/dovecot.sh
# runs a private one, unprivileged, on loopback ports, in the test's
# directory): what it stores equals import's, a second run takes nothing,
# \Seen and the other flags are as before, --move-to and --invalid-to,
# the database locked, the server killed mid-run, a rebuilt mailbox
# (UIDVALIDITY), wrong credentials and tokens, TLS and STARTTLS, --limit,
# --since and --max-message.
#
# Usage: test_fetch.sh TLSRPT [TLSRPT-GEN]   (exits 77, skipped, without Dovecot)
set -u
TLSRPT=$1
GEN=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
corpus=${TLSRPT_CORPUS:-$here/../../../shared/corpus}
if ! command -v dovecot >/dev/null && ! [ -x /usr/sbin/dovecot ]; then
	echo "# dovecot not installed (apt-get install dovecot-imapd): skipped"
	exit 77
fi
. "$here/../cli/lib.sh"
. "$here/dovecot.sh"
trap 'dc_stop; [ -n "${TLSRPT_KEEP:-}" ] || rm -rf "$work"' EXIT

db=$work/fetch.db
dc_start "$work/dc" tls || { echo "not ok - dovecot did not start"; exit 1; }
U="imaps://reports@localhost:$DC_IMAPS_PORT/INBOX"
fetch() { "$TLSRPT" --db "$db" fetch --ca-file "$DC_CA_FILE" "$@"; }
pfetch() { fetch --password-file "$DC_PASSWORD_FILE" "$@"; }
totals() { tail -n 1 "$1"; }
# The last session's "body_count=N" in Dovecot's log: messages it sent.
bodies() { grep -o 'body_count=[0-9]*' "$(dc_log)" | tail -n 1 | cut -d= -f2; }

# 1. The corpus's messages and three built ones, fetched, equal import.
# Built: a message with two reports (Two a.example 10 ok + 1 failed,
# Two b.example 5 + 0), a message without a report, and one report.
mkdir -p "$work/in"
two() {
	printf 'From: noreply@two.example\nTo: tls@a.example\nSubject: Report Domain: a.example\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=tlsrpt; boundary="XX"\n\n--XX\nContent-Type: text/plain\n\ntwo reports\n'
	for r in "two-1 a.example 10 1" "two-2 b.example 5 0"; do
		set -- $r
		printf '\n--XX\nContent-Type: application/tlsrpt+gzip\nContent-Transfer-Encoding: base64\n\n'
		report "Two" "$1" "$2" "$3" "$4" | gzip -c | base64
	done
	printf '\n--XX--\n'
}
two >"$work/in/b1-two.eml"
printf 'From: a@b.example\nTo: tls@a.example\nSubject: hello\n\nno report here\n' >"$work/in/b2-none.eml"
message one-1 c.example 7 2 >"$work/in/b3-one.eml"
files=()
if [ -d "$corpus" ]; then
	while IFS= read -r f; do files+=("$f"); done < <(find "$corpus" -name '*.eml' | sort)
else
	echo "# corpus not found at $corpus: only the built messages"
fi
files+=("$work/in/b1-two.eml" "$work/in/b2-none.eml" "$work/in/b3-one.eml")
for f in "${files[@]}"; do dc_deliver "$f"; done
n=${#files[@]}
# One message is \Seen before the run: it stays so, the others stay not.
curl -s --cacert "$DC_CA_FILE" -u "reports:$(cat "$DC_PASSWORD_FILE")" \
	"imaps://localhost:$DC_IMAPS_PORT/INBOX" -X 'UID STORE 2 +FLAGS (\Seen)' >/dev/null
flags_before=$(dc_flags INBOX)
check "one message seen before" 1 "$(echo "$flags_before" | grep -c S)"

"$TLSRPT" --db "$work/import.db" import "${files[@]}" >"$work/import.out" 2>"$work/import.err"
pfetch "$U" >"$work/f1.out" 2>"$work/f1.err"
check "first run: exit 1 (the message without a report)" 1 "$?"
check "first run: the totals of import" "$(totals "$work/import.out")" "$(totals "$work/f1.out")"
check "first run: the summary of import" \
	"$("$TLSRPT" --db "$work/import.db" summary --format json)" \
	"$("$TLSRPT" --db "$db" summary --format json)"
check "first run: the failures of import" \
	"$("$TLSRPT" --db "$work/import.db" failures --by domain,org,type --format csv)" \
	"$("$TLSRPT" --db "$db" failures --by domain,org,type --format csv)"
contains "two reports of one message, by its UID" "$work/f1.out" \
	"$(printf 'stored\t%s;UID=%d\tTwo\ttwo-2' "imaps://reports@localhost:$DC_IMAPS_PORT/INBOX" $((n - 2)))"
contains "the message without a report, rejected with its UID" "$work/f1.err" \
	"$(printf 'rejected\t%s;UID=%d\tno report in the message' "imaps://reports@localhost:$DC_IMAPS_PORT/INBOX" $((n - 1)))"
check "provenance: channel imap, source URL;UID" \
	"imap|imaps://reports@localhost:$DC_IMAPS_PORT/INBOX;UID=$n" \
	"$(sqlite3 "$db" "SELECT channel, source FROM report WHERE report_id = 'one-1'")"
check "the mailbox and its flags as before" "$flags_before" "$(dc_flags INBOX)"
check "the mark: the highest UID" "$n" "$(sqlite3 "$db" 'SELECT last_uid FROM fetch_state')"

# 2. A second run takes nothing, and asks the server for no message.
pfetch "$U" >"$work/f2.out" 2>"$work/f2.err"
check "second run: exit 0" 0 "$?"
check "second run: nothing" "0 stored, 0 duplicate, 0 rejected" "$(totals "$work/f2.out")"
check "second run: no message sent by the server" 0 "$(bodies)"

# 3. New mail between runs: the third run takes it alone (7 + 2 by hand).
message new-1 d.example 4 3 >"$work/in/c1.eml"
dc_deliver "$work/in/c1.eml"
pfetch "$U" >"$work/f3.out" 2>&1
check "third run: the new message alone" "1 stored, 0 duplicate, 0 rejected" "$(totals "$work/f3.out")"
check "third run: one message sent" 1 "$(bodies)"
check "third run: d.example 4 ok, 3 failed" "d.example,1,1,4,3" \
	"$("$TLSRPT" --db "$db" summary --domain d.example --format csv | tail -n 1 | cut -d, -f1-5)"
n=$((n + 1))

# 4. --limit N: two new messages, --limit 1 takes one, the next run the other.
message lim-1 e.example 1 0 >"$work/in/l1.eml"
message lim-2 e.example 1 0 >"$work/in/l2.eml"
dc_deliver "$work/in/l1.eml"
dc_deliver "$work/in/l2.eml"
pfetch --limit 1 -q "$U" >"$work/f4.out" 2>&1
check "--limit 1: one" "1 stored, 0 duplicate, 0 rejected" "$(totals "$work/f4.out")"
pfetch -q "$U" >"$work/f4.out" 2>&1
check "after --limit: the other" "1 stored, 0 duplicate, 0 rejected" "$(totals "$work/f4.out")"
n=$((n + 2))

# 5. The database locked past --busy-timeout: exit 75, nothing stored,
# moved or marked, \Seen put back.
message lock-1 f.example 1 0 >"$work/in/k1.eml"
message lock-2 f.example 1 0 >"$work/in/k2.eml"
dc_deliver "$work/in/k1.eml"
dc_deliver "$work/in/k2.eml"
mark=$(sqlite3 "$db" 'SELECT last_uid FROM fetch_state')
inbox=$(dc_count INBOX)
(echo 'BEGIN IMMEDIATE;'; sleep 6; echo 'COMMIT;') | sqlite3 "$db" &
lockpid=$!
sleep 1
pfetch --busy-timeout 500 --move-to Processed "$U" >"$work/f5.out" 2>"$work/f5.err"
check "locked: exit 75" 75 "$?"
contains "locked: says what was not kept" "$work/f5.err" "nothing of the batch in progress was kept or moved"
wait "$lockpid"
check "locked: nothing moved" "$inbox" "$(dc_count INBOX)"
check "locked: the mark unchanged" "$mark" "$(sqlite3 "$db" 'SELECT last_uid FROM fetch_state')"
check "locked: no move recorded" 0 "$(sqlite3 "$db" 'SELECT count(*) FROM fetch_move')"
check "locked: \\Seen put back (only the one seen before)" 1 "$(dc_flags INBOX | grep -c S)"

# 6. --move-to and --invalid-to: the next run stores the two (once) and
# moves them to Processed, and a new message without a report to Invalid;
# the messages taken before stay where they are.
printf 'From: c@d.example\nTo: tls@a.example\nSubject: not a report either\n\nhello\n' >"$work/in/junk2.eml"
dc_deliver "$work/in/junk2.eml"
pfetch --move-to Processed --invalid-to Invalid -q "$U" >"$work/f6.out" 2>"$work/f6.err"
check "move: exit 1 (a new rejection)" 1 "$?"
check "move: the two stored once, the junk rejected" "2 stored, 0 duplicate, 1 rejected" "$(totals "$work/f6.out")"
# inbox counted k1 and k2, now moved; the junk came after.
check "move: INBOX keeps the messages taken before" $((inbox - 2)) "$(dc_count INBOX)"
check "move: Processed" 2 "$(dc_count Processed)"
check "move: Invalid" 1 "$(dc_count Invalid)"
check "move: nothing left to move" 0 "$(sqlite3 "$db" 'SELECT count(*) FROM fetch_move')"
n=$((n + 3))

# 6b. A move the server refuses (Processed made read-only for it) after
# the commit: exit 69, the report stored, the move recorded; the next run
# makes it before anything else.
message move-1 f.example 1 0 >"$work/in/m1.eml"
dc_deliver "$work/in/m1.eml"
pm=$(dc_maildir Processed)
chmod 0555 "$pm/new" "$pm/cur" "$pm/tmp"
pfetch --move-to Processed "$U" >"$work/f6.out" 2>"$work/f6.err"
check "refused move: exit 69" 69 "$?"
contains "refused move: said, and when it is made" "$work/f6.err" "moving 1 messages to Processed (moved on the next run)"
check "refused move: the report stored" "1 stored, 0 duplicate, 0 rejected" "$(totals "$work/f6.out")"
check "refused move: recorded" "$((n + 1))|Processed" "$(sqlite3 "$db" 'SELECT uid, target FROM fetch_move')"
check "refused move: still in INBOX" $((inbox - 1)) "$(dc_count INBOX)"
chmod 0700 "$pm/new" "$pm/cur" "$pm/tmp"
pfetch --move-to Processed "$U" >"$work/f6.out" 2>"$work/f6.err"
check "next run: exit 0" 0 "$?"
check "next run: nothing new" "0 stored, 0 duplicate, 0 rejected" "$(totals "$work/f6.out")"
check "next run: moved" 3 "$(dc_count Processed)"
check "next run: out of INBOX" $((inbox - 2)) "$(dc_count INBOX)"
check "next run: nothing left to move" 0 "$(sqlite3 "$db" 'SELECT count(*) FROM fetch_move')"
n=$((n + 1))

# 7. --max-message: a message over it is not downloaded, rejected as too
# large with its size.
{
	message big-1 g.example 1 0
	head -c 70000 /dev/zero | tr '\0' 'x' | fold -w 76
} >"$work/in/big.eml"
dc_deliver "$work/in/big.eml"
pfetch --max-message 65536 "$U" >"$work/f7.out" 2>"$work/f7.err"
check "too large: exit 1" 1 "$?"
# Its size as the server counts it: lines end in CRLF there.
size=$(($(wc -c <"$work/in/big.eml") + $(wc -l <"$work/in/big.eml")))
contains "too large: its size" "$work/f7.err" "message too large: $size bytes, over --max-message 65536 (not downloaded)"
check "too large: not downloaded" 0 "$(bodies)"

# 8. A rebuilt mailbox (a new UIDVALIDITY): read from the start, every
# report a duplicate, nothing stored twice.
dc_deliver "$work/in/b3-one.eml" Rebuilt
RB="imaps://reports@localhost:$DC_IMAPS_PORT/Rebuilt"
pfetch -q "$RB" >"$work/f8.out" 2>&1
check "Rebuilt: one duplicate" "0 stored, 1 duplicate, 0 rejected" "$(totals "$work/f8.out")"
dc_recreate Rebuilt
pfetch "$RB" >"$work/f8.out" 2>"$work/f8.err"
check "rebuilt: exit 0" 0 "$?"
contains "rebuilt: says so" "$work/f8.err" "the mailbox was rebuilt (UIDVALIDITY"
check "rebuilt: read again, a duplicate" "0 stored, 1 duplicate, 0 rejected" "$(totals "$work/f8.out")"
check "rebuilt: stored once" 1 "$(sqlite3 "$db" "SELECT count(*) FROM report WHERE report_id = 'one-1'")"

# 9. Credentials: a wrong password and bad tokens are refused, exit 77
# with the server's words; good tokens log in by XOAUTH2 and OAUTHBEARER;
# no secret reaches the output or the server's log.
printf 'wrong\n' >"$work/wrong"
chmod 600 "$work/wrong"
fetch --password-file "$work/wrong" "$U" >"$work/f9.out" 2>"$work/f9.err"
check "wrong password: exit 77" 77 "$?"
contains "wrong password: the server's words" "$work/f9.err" "[AUTHENTICATIONFAILED]"
dc_token >"$work/token"
dc_token reports -60 >"$work/expired"
chmod 600 "$work/token" "$work/expired"
# The server offers both mechanisms: its log names the one used.
logins() { grep -c "Login: user=<reports>, method=$1," "$(dc_log)"; }
before=$(logins XOAUTH2)
fetch --oauth2-token-file "$work/token" -q "$RB" >"$work/f9.out" 2>&1
check "XOAUTH2 token: logged in" "0 stored, 0 duplicate, 0 rejected" "$(totals "$work/f9.out")"
check "XOAUTH2 token: by XOAUTH2 (the default)" "$((before + 1))" "$(logins XOAUTH2)"
before=$(logins OAUTHBEARER)
fetch --oauth2-token-file "$work/token" --sasl OAUTHBEARER -q "$RB" >"$work/f9.out" 2>&1
check "OAUTHBEARER token: logged in" "0 stored, 0 duplicate, 0 rejected" "$(totals "$work/f9.out")"
check "OAUTHBEARER token: by OAUTHBEARER" "$((before + 1))" "$(logins OAUTHBEARER)"
fetch --oauth2-token-command "cat $work/token" -q "$RB" >"$work/f9.out" 2>&1
check "token command: logged in" "0 stored, 0 duplicate, 0 rejected" "$(totals "$work/f9.out")"
fetch --oauth2-token-file "$work/expired" "$RB" >"$work/f9.out" 2>"$work/f9.err"
check "expired token: exit 77" 77 "$?"
# The server's SASL error (XOAUTH2's JSON), sent before its NO, where
# libcurl stops reading.
contains "expired token: the server's words" "$work/f9.err" 'token refused: {"status":"401"'
fetch --oauth2-token-command "exit 3" "$RB" >"$work/f9.out" 2>"$work/f9.err"
check "failing token command: exit 75" 75 "$?"
contains "failing token command: says so" "$work/f9.err" "--oauth2-token-command exited 3"
password=$(cat "$DC_PASSWORD_FILE")
token=$(cat "$work/token")
leaks=$(cat "$work"/f*.out "$work"/f*.err "$(dc_log)" | grep -cF -e "$password" -e "$token")
check "no password or token in the output or the server's log" 0 "$leaks"
"$TLSRPT" --db "$db" fetch --password-file /nonexistent "$U" >/dev/null 2>"$work/f9.err"
check "unreadable password file: exit 66" 66 "$?"
contains "unreadable password file: named" "$work/f9.err" "cannot read /nonexistent"
"$TLSRPT" --db "$db" fetch --password-file "$DC_PASSWORD_FILE" "imaps://reports:pw@localhost/INBOX" >/dev/null 2>"$work/f9.err"
check "password in the URL: exit 64" 64 "$?"

# 10. TLS: without the test's CA the certificate is not trusted (76);
# imap:// takes STARTTLS; a server without STARTTLS is refused unless
# --no-tls.
"$TLSRPT" --db "$db" fetch --password-file "$DC_PASSWORD_FILE" "$RB" >/dev/null 2>"$work/f10.err"
check "no CA: exit 76" 76 "$?"
# Another URL is another mark (the mailbox is named by its URL): read
# from the start, its report a duplicate.
pfetch -q "imap://reports@localhost:$DC_IMAP_PORT/Rebuilt" >"$work/f10.out" 2>&1
check "STARTTLS: logged in" "0 stored, 1 duplicate, 0 rejected" "$(totals "$work/f10.out")"
dc_stop
dc_start "$work/dc-plain" plain || { echo "not ok - plain dovecot did not start"; exit 1; }
dc_deliver "$work/in/b3-one.eml"
P="imap://reports@127.0.0.1:$DC_IMAP_PORT/INBOX"
pfetch "$P" >/dev/null 2>"$work/f10.err"
check "no STARTTLS: exit 76" 76 "$?"
check "no STARTTLS: asked for nothing" 0 "$(grep -c 'Login: user=<reports>' "$(dc_log)")"
pfetch --no-tls -q "$P" >"$work/f10.out" 2>&1
check "--no-tls: logged in" "0 stored, 1 duplicate, 0 rejected" "$(totals "$work/f10.out")"

# 11. The server killed mid-run: exit 75 after committing what was read;
# the next run takes the rest; every report stored once. 5,600 messages:
# more than one SEARCH window (5,000 UIDs), and an answer line over the
# 16 KB libcurl 7.88 kept by default (it lost the middle of a longer one,
# and with it 3,483 of 4,949 messages).
if [ -n "$GEN" ]; then
	"$GEN" --out "$work/many" --count 5600 --domains 2000 --days 400 \
		--format maildir --quiet --seed 7
	dc_deliver_dir "$work/many/new" Many
	dc_deliver_dir "$work/many/cur" Many
	total=$(dc_count Many)
	check "5,600 messages, each a distinct report" 5600 "$total"
	M="imap://reports@127.0.0.1:$DC_IMAP_PORT/Many"
	kdb=$work/kill.db
	"$TLSRPT" --db "$kdb" fetch --no-tls --password-file "$DC_PASSWORD_FILE" -q "$M" \
		>"$work/f11.out" 2>"$work/f11.err" &
	fpid=$!
	# Killed once the first batch (100) is committed: the rest takes the
	# run seconds.
	for _ in $(seq 1 300); do
		[ "$(sqlite3 "$kdb" 'SELECT count(*) FROM fetch_state' 2>/dev/null)" = 1 ] && break
		sleep 0.05
	done
	ps -eo args >"$work/ps"
	dc_kill
	wait "$fpid"
	check "killed: exit 75" 75 "$?"
	contains "killed: says the rest comes next run" "$work/f11.err" "the rest comes next run"
	check "no password in the process list" 0 "$(grep -cF "$password" "$work/ps")"
	first=$(sqlite3 "$kdb" 'SELECT count(*) FROM report')
	dc_start "$work/dc-plain" plain || { echo "not ok - dovecot did not restart"; exit 1; }
	"$TLSRPT" --db "$kdb" fetch --no-tls --password-file "$DC_PASSWORD_FILE" -q "$M" >"$work/f11.out" 2>&1
	rc=$?
	check "after the kill: exit 0" 0 "$rc"
	[ "$rc" = 0 ] || { sed 's/^/#   /' "$work/f11.out"; tail -n 20 "$(dc_log)" | sed 's/^/#   log: /'; }
	check "after the kill: the rest stored, none twice" \
		"$((total - first)) stored, 0 duplicate, 0 rejected" "$(totals "$work/f11.out")"
	check "after the kill: each report once" "$total" "$(sqlite3 "$kdb" 'SELECT count(*) FROM report')"
else
	echo "# no tlsrpt-gen given: the killed server's part skipped"
fi
finish

#!/usr/bin/env bash
# test_httpd_poison.sh - issue 15 §1 in tlsrpt-httpd's group commit: a
# report the store refuses for a reason of its own is answered 400 and
# quarantined alone; the legitimate reports committed in the same batch
# are answered 201 and stored. Before, the refusal failed the batch (or
# the request) with 503, and a sender retrying kept it failing for ever.
#
# How the two share a batch: another process holds the database's write
# lock (BEGIN IMMEDIATE kept open); a first report makes the committer
# wait on that lock, so the legitimate report and the poison one, posted
# meanwhile, queue behind it and are taken together when the lock goes.
# The poison: a trigger raises SQLite's "integer overflow" (as the rollups
# did before the 2^40 bound) when a policy of trap.example is inserted.
#
# Usage: test_httpd_poison.sh TLSRPT TLSRPT_HTTPD
set -u
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "sqlite3 needed: skipped"; exit 0; }
cd "$work" || exit 1
mkcert server
db="$work/t.db"

report Legit legit-0 legit.example 10 1 >first.json
report Legit legit-1 legit.example 10 1 >legit.json
report Trap trap-1 trap.example 10 1 >trap.json
report Legit legit-2 legit.example 10 1 >after.json

port=$((20000 + RANDOM % 20000))
"$HTTPD" -f --listen "127.0.0.1:$port" --cert "$work/server.pem" \
	--key "$work/server.key" --db "$db" --path /v1/report \
	--busy-timeout 30000 2>"$work/httpd.log" &
pid=$!
url="https://localhost:$port/v1/report"
for _ in $(seq 1 50); do
	curl -s -o /dev/null --cacert server.pem "https://localhost:$port/healthz" && break
	sleep 0.1
done
# The daemon made the schema; the trap is set beside it.
sqlite3 "$db" "CREATE TRIGGER trap BEFORE INSERT ON policy WHEN NEW.policy_domain = 'trap.example'
BEGIN SELECT abs(-9223372036854775807 - 1); END;"

# post FILE OUT: the reply's body and status on one line into OUT, in
# the background; code OUT: the status.
post() {
	{ curl -s --cacert server.pem -H "Content-Type: application/tlsrpt+json" \
		--data-binary "@$1" -w ' %{http_code}' "$url" | tr '\n' ' '; } >"$2" 2>&1 &
}
code() { awk '{ print $NF }' "$1"; }

# The lock, held until "COMMIT;" is written to the fifo.
mkfifo hold
sqlite3 "$db" <hold >holder.out 2>&1 &
holder=$!
exec 3>hold
echo "PRAGMA busy_timeout = 5000; BEGIN IMMEDIATE; SELECT 'held';" >&3
for _ in $(seq 1 50); do grep -q held holder.out && break; sleep 0.1; done
contains "the write lock is held" holder.out held

post first.json first.out
sleep 1 # the committer takes it and waits on the lock
post legit.json legit.out
post trap.json trap.out
sleep 1.5 # both parsed and queued behind the first
check "nothing answered while the lock is held" "" "$(cat first.out legit.out trap.out)"
echo "COMMIT;" >&3
exec 3>&-
wait "$holder"
for _ in $(seq 1 100); do
	[ -s legit.out ] && [ -s trap.out ] && [ -s first.out ] && break
	sleep 0.1
done

check "the first report: 201" 201 "$(code first.out)"
check "legit report in the poisoned batch: 201" 201 "$(code legit.out)"
check "poison report: 400" 400 "$(code trap.out)"
contains "poison: the reason says the store refused it" trap.out "cannot be stored"
# The reply goes to an anonymous sender: no path of the server's in it.
check "poison: the reply names no server path" 0 "$(grep -c "$work" trap.out)"

# The database agrees with the replies.
check "legit reports stored" "legit-0 legit-1" \
	"$(sqlite3 "$db" "SELECT group_concat(report_id, ' ') FROM (SELECT report_id FROM report ORDER BY report_id)")"
check "no row of the poison report" 0 \
	"$(sqlite3 "$db" "SELECT (SELECT count(*) FROM report WHERE organization = 'Trap') + (SELECT count(*) FROM policy WHERE policy_domain = 'trap.example')")"
check "poison quarantined once, with its reason" 1 \
	"$(sqlite3 "$db" "SELECT count(*) FROM quarantine WHERE reason LIKE 'cannot be stored%'")"
check "rollups hold the two legit reports" 2 "$(sqlite3 "$db" "SELECT sum(reports) FROM rollup_policy")"
check "integrity" ok "$(sqlite3 "$db" "PRAGMA integrity_check")"

# The sender retries the poison: 400 again, not stuck on 503; the
# quarantine counts it; the next legitimate report is stored.
check "poison retried: 400" 400 "$(post trap.json retry.out; wait $!; code retry.out)"
check "legit after it: 201" 201 "$(post after.json after.out; wait $!; code after.out)"
check "the retry counted on its quarantine row" 2 \
	"$(sqlite3 "$db" "SELECT count FROM quarantine WHERE reason LIKE 'cannot be stored%'")"
finish

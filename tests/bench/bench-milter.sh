#!/usr/bin/env bash
# bench-milter.sh - what tlsrpt-milter costs Postfix: N distinct report
# mails (default 1,000, made by tlsrpt-gen --format eml) sent over SMTP by
# 4 parallel clients to a private Postfix instance (tests/milter/postfix.sh),
# timed until all are delivered, once without the milter and once with it;
# prints messages/s for both, the cost in percent, and the milter's peak
# RSS. A benchmark, not a test: it asserts no timings. Needs root.
#
# Usage: tests/bench/bench-milter.sh [BUILD_DIR]    (default ./build)
set -u
BUILD_DIR=$(cd "${1:-./build}" && pwd)
COUNT=${COUNT:-1000}
CLIENTS=${CLIENTS:-4}
here=$(cd "$(dirname "$0")/../milter" && pwd)
. "$here/../cli/lib.sh"
. "$here/postfix.sh"
pf_init 2526

"$BUILD_DIR/tlsrpt-gen" --out "$work/msgs" --format eml --count "$COUNT" \
	--domains 200 --quiet || exit 1
ls "$work/msgs"/*.eml >"$work/list"

# One SMTP transaction per file over bash's /dev/tcp.
cat >"$work/smtp-send" <<'EOF'
#!/usr/bin/env bash
port=$1
shift
expect() { # reads a (multi-line) reply; fails unless it starts with $1
	local line
	while IFS= read -r line <&3; do
		case "$line" in "$1"-*) continue ;; "$1"*) return 0 ;; *) echo "$line" >&2; return 1 ;; esac
	done
	return 1
}
for f in "$@"; do
	exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
	expect 220 && printf 'EHLO bench.example\r\n' >&3 && expect 250 &&
	printf 'MAIL FROM:<noreply@reporter.example>\r\n' >&3 && expect 250 &&
	printf 'RCPT TO:<tls-reports@example.com>\r\n' >&3 && expect 250 &&
	printf 'DATA\r\n' >&3 && expect 354 &&
	{ sed -e 's/^\./../' -e 's/\r*$/\r/' "$f"; printf '.\r\n'; } >&3 && expect 250 ||
		echo "failed: $f" >&2
	printf 'QUIT\r\n' >&3
	exec 3>&-
done
EOF
chmod +x "$work/smtp-send"

# run LABEL: sends every message, waits until all are delivered; prints s.
run() {
	rm -rf "$mail/tls-reports"
	local t0 t1
	t0=$(date +%s.%N)
	xargs -P "$CLIENTS" -n 25 "$work/smtp-send" "$port" <"$work/list" 2>>"$work/send.err"
	for _ in $(seq 1 1200); do
		[ "$(find "$mail/tls-reports/new" -type f 2>/dev/null | wc -l)" -ge "$COUNT" ] && break
		sleep 0.05
	done
	t1=$(date +%s.%N)
	echo "$t0 $t1" | awk '{ printf "%.2f", $2 - $1 }'
}

# Without the milter.
postconf -c "$etc" -e 'smtpd_milters =' 'non_smtpd_milters ='
postfix -c "$etc" start >/dev/null 2>&1 || { echo "postfix did not start"; exit 1; }
sleep 1
plain=$(run plain)

# With it (synchronous=FULL: each report committed before the reply).
postconf -c "$etc" -e "smtpd_milters = unix:tlsrpt/milter.sock"
"$BUILD_DIR/tlsrpt-milter" -f -u postfix -p "unix:$msock" \
	--db "$work/db/t.db" --rcpt tls-reports@example.com 2>"$work/milter.log" &
mpid=$!
for _ in $(seq 1 50); do [ -S "$msock" ] && break; sleep 0.1; done
postfix -c "$etc" reload >/dev/null 2>&1
sleep 1
withm=$(run milter)
rss=$(awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$mpid/status")
stored=$(sqlite3 "$work/db/t.db" 'SELECT count(*) FROM report' 2>/dev/null || echo "?")

awk -v n="$COUNT" -v a="$plain" -v b="$withm" -v rss="$rss" -v st="$stored" \
	-v cpus="$(nproc)" -v cpu="$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)" 'BEGIN {
	printf "machine               %d CPUs, %s\n", cpus, cpu
	printf "messages              %d distinct report mails, %d clients\n", n, '"$CLIENTS"'
	printf "Postfix alone         %.0f messages/s (%.2f s)\n", n / a, a
	printf "Postfix + milter      %.0f messages/s (%.2f s)\n", n / b, b
	printf "milter cost           %.1f%% of throughput\n", (1 - a / b) * 100
	printf "milter peak RSS       %s MiB\n", rss
	printf "reports stored        %s\n", st
}'
[ -s "$work/send.err" ] && { echo "send errors:"; head -5 "$work/send.err"; }
exit 0

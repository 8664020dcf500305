#!/usr/bin/env bash
# run.sh - builds the libFuzzer targets with clang (AddressSanitizer and
# UBSan), seeds them, runs each for SECONDS and prints what each did.
#
# Usage: tests/fuzz/run.sh [SECONDS] [TARGET...]
#   SECONDS  per target (default 60: the test command's smoke run; the
#            long runs of tests/fuzz/README.md use 900 or more)
#   TARGET   inflate, report, mime, ingest, digest_header, authres
#            (default all)
# Environment: FUZZ_DIR (default build-fuzz/fuzz: corpora, findings, logs),
#   FUZZ_JOBS targets at once (default: the number of cores).
#
# Seeds: every file under 1 MiB of ../shared/corpus that suits the target
# (gzip files for inflate; JSON, and the JSON inside gzip files, for
# report; mail for mime; all of them for ingest), and the inputs of the
# hostile unit tests
# (test_hostile --write-inputs). The corpus each target grows is kept in
# FUZZ_DIR/corpus/TARGET and reused by the next run.
#
# Exit 0 when no target found anything; else 1, with the findings
# (crash-*, leak-*, timeout-*, oom-*) in FUZZ_DIR/findings/TARGET.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-60}
shift || true
targets=${*:-inflate report mime ingest digest_header authres}
build="$top/build-fuzz"
dir=${FUZZ_DIR:-$build/fuzz}
jobs=${FUZZ_JOBS:-$(nproc)}
corpus_src=${TLSRPT_CORPUS:-$top/../shared/corpus}

command -v clang >/dev/null || { echo "run.sh: clang missing (contrib/setup-debian.sh --test)" >&2; exit 1; }
CC=clang cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DTLSRPT_FUZZ=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target test_hostile \
	$(for t in $targets; do printf 'fuzz_%s ' "$t"; done) >/dev/null

# The seeds, made afresh each run (the grown corpora are kept apart).
seeds="$dir/seeds"
rm -rf "$seeds"
mkdir -p "$seeds"/{inflate,report,mime,ingest,hostile}
"$build/tests/test_hostile" --write-inputs "$seeds/hostile" >/dev/null
if [ -d "$corpus_src" ]; then
	n=0
	while IFS= read -r -d '' f; do
		n=$((n + 1))
		name="c$n-$(basename "$f")"
		cp "$f" "$seeds/ingest/$name"
		if gzip -t "$f" 2>/dev/null; then
			cp "$f" "$seeds/inflate/$name"
			gzip -dc "$f" >"$seeds/report/$name.json" 2>/dev/null || true
		elif head -c 200 "$f" | grep -q '^[A-Za-z-]*:'; then
			cp "$f" "$seeds/mime/$name"
		else
			cp "$f" "$seeds/report/$name"
		fi
	done < <(find "$corpus_src" -type f ! -name '*.md' -size -1024k -print0)
else
	echo "run.sh: $corpus_src absent: seeding from the hostile inputs alone" >&2
fi
for t in inflate report mime ingest; do
	cp "$seeds"/hostile/* "$seeds/$t/"
	echo "# $t: $(ls "$seeds/$t" | wc -l) seeds" >&2
done
# The digest's subject: the default, UTF-8, bytes that are not UTF-8 (the
# old encoder's hang), control characters, one long word.
mkdir -p "$seeds/digest_header"
printf '[tlsrpt] 2 domains, 2.17%% failed, new: certificate-expired on mx2.a.example' >"$seeds/digest_header/ascii"
printf '[TLS-RPT f\303\274r c.example] \320\237\320\276\321\207\321\202\320\260' >"$seeds/digest_header/utf8"
head -c 60 /dev/zero | tr '\0' '\200' >"$seeds/digest_header/bad-utf8"
printf 'a\r\nBcc: x@y\033[2J\302\233' >"$seeds/digest_header/controls"
head -c 300 /dev/zero | tr '\0' x >"$seeds/digest_header/long-word"
# Authentication-Results as OpenDKIM, OpenDMARC and big providers write
# them, and the issue 15 bypasses (a pass borrowing another result's d=).
mkdir -p "$seeds/authres"
printf 'mx.example.com; dkim=pass (2048-bit key; unprotected) header.d=google.com header.i=@google.com header.a=rsa-sha256 header.s=20230601 header.b=AbC/dE+f' >"$seeds/authres/opendkim"
printf 'mx.example.com 1; spf=pass smtp.mailfrom=reporter.example; dkim=pass header.i=@attacker; dkim=fail reason="bad sig" header.d=reporter.example; dmarc=pass (p=none dis=none) header.from=reporter.example' >"$seeds/authres/several"
printf 'mx.example.com; none' >"$seeds/authres/none"
printf '"quoted\\"id" (c (nested \\) c)); dkim/1 = pass policy.dkim-rules="x;y" header.d=a.example' >"$seeds/authres/quoted"

run_one() { # TARGET: one libFuzzer run; its log in $dir/TARGET.log
	local t=$1
	rm -rf "$dir/findings/$t"
	mkdir -p "$dir/corpus/$t" "$dir/findings/$t"
	"$build/tests/fuzz/fuzz_$t" "$dir/corpus/$t" "$seeds/$t" \
		-max_total_time="$seconds" -max_len=65536 -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$dir/findings/$t/" >"$dir/$t.log" 2>&1 || true
}

pids=()
for t in $targets; do
	run_one "$t" &
	pids+=($!)
	if [ ${#pids[@]} -ge "$jobs" ]; then
		wait "${pids[0]}"
		pids=("${pids[@]:1}")
	fi
done
wait

# One line a target: from libFuzzer's last status line and final stats.
status=0
printf '| target | seconds | executions | exec/s | coverage (edges) | features | corpus | findings |\n'
printf '|---|---|---|---|---|---|---|---|\n'
for t in $targets; do
	log="$dir/$t.log"
	last=$(grep -E '^#[0-9]+' "$log" | tail -1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(printf '%s' "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(printf '%s' "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	corp=$(printf '%s' "$last" | sed -n 's/.* corp: \([^ ]*\).*/\1/p')
	found=$(find "$dir/findings/$t" -type f | wc -l)
	printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$t" "$seconds" \
		"${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$found"
	if [ "$found" -gt 0 ] || [ -z "$execs" ]; then
		status=1
		echo "# $t: see $log and $dir/findings/$t" >&2
		grep -E 'ERROR|SUMMARY|runtime error' "$log" | head -5 >&2 || true
	fi
done
exit $status

#!/usr/bin/env bash
# demo.sh - the main job on the embedded default: installs what is missing,
# builds, imports the project's sample reports (contrib/samples, made by
# contrib/gen/tlsrpt-gen --demo) into SQLite in the current directory, and
# prints the summary per domain and the failures per sending MTA and
# policy mode.
#
# Usage: contrib/demo.sh   (from anywhere; the database is ./tlsrpt-demo.db)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/contrib/setup-debian.sh"
cmake -S "$top" -B "$top/build-demo" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$top/build-demo" -j"$(nproc)" --target tlsrpt >/dev/null
tlsrpt="$top/build-demo/tlsrpt"
db="$PWD/tlsrpt-demo.db"
rm -f "$db" "$db-wal" "$db-shm"

echo "== tlsrpt import $top/contrib/samples"
"$tlsrpt" --db "$db" import --quiet "$top/contrib/samples" || [ $? -eq 1 ]
echo
echo "== tlsrpt summary"
"$tlsrpt" --db "$db" summary --format table
echo
echo "== tlsrpt failures (per sending MTA, result type and policy mode)"
"$tlsrpt" --db "$db" failures --format table --limit 10
echo
echo "== tlsrpt failures --by domain,mx,type (which receiving MX hosts fail, and why)"
"$tlsrpt" --db "$db" failures --by domain,mx,type --format table
echo
echo "The database is $db; try: $tlsrpt --db $db failures --by org,day"
# The samples' days, for the dashboard's period (its default is the last
# 30 days, which hold none of them).
days=$("$tlsrpt" --db "$db" summary --format csv | awk -F, 'NR > 1 {
	if (first == "" || $9 < first) first = $9
	if ($10 > last) last = $10 } END { print first, last }')
echo
echo "The dashboard: $tlsrpt --db $db serve"
echo "  then open http://127.0.0.1:8080/?since=${days% *}&until=${days#* }"

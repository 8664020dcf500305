# lib.sh - what the fault tests share: their arguments (TLSRPT HTTPD
# MILTER GEN), tests/cli/lib.sh with the store under test (an SQLite
# file, or with TLSRPT_TEST_STORE=pg a database on a PostgreSQL server of
# the script's own), a work directory of its own name (large, and not to
# be taken for the CLI tests' by anyone cleaning those up), and the
# consistency checks both stores answer. Sourced, not run.
TLSRPT=$1
HTTPD=$2
MILTER_BIN=$3
GEN=${4:-}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../cli/lib.sh"
rmdir "$work"
work=$(mktemp -d /tmp/tlsrpt-fault-XXXXXX)

# What the rollups must add up to, from the detail rows (detail_sums)
# and from the rollups themselves (rollup_sums): reports per group,
# successful and failed sessions, failed sessions per failure group.
# SQL both stores speak (PostgreSQL 15 wants a name on each subquery).
detail_sums="SELECT
  (SELECT count(*) FROM (SELECT DISTINCT report, policy_domain, policy_type,
    policy_mode, counts_for_domain FROM policy) AS g),
  (SELECT coalesce(sum(successful_sessions), 0) FROM policy),
  (SELECT coalesce(sum(failed_sessions), 0) FROM policy),
  (SELECT count(*) FROM (SELECT DISTINCT p.report, coalesce(f.sending_mta_ip, ''),
    f.result_type, p.policy_mode FROM policy p JOIN failure f ON f.policy = p.id) AS g),
  (SELECT coalesce(sum(failed_sessions), 0) FROM failure),
  (SELECT count(*) FROM (SELECT DISTINCT p.report, p.policy_domain, p.policy_type,
    p.counts_for_domain, f.result_type, coalesce(f.receiving_mx_hostname, '')
    FROM policy p JOIN failure f ON f.policy = p.id) AS g),
  (SELECT coalesce(sum(failed_sessions), 0) FROM failure)"
rollup_sums="SELECT
  (SELECT coalesce(sum(reports), 0) FROM rollup_policy),
  (SELECT coalesce(sum(successful_sessions), 0) FROM rollup_policy),
  (SELECT coalesce(sum(failed_sessions), 0) FROM rollup_policy),
  (SELECT coalesce(sum(reports), 0) FROM rollup_failure),
  (SELECT coalesce(sum(failed_sessions), 0) FROM rollup_failure),
  (SELECT coalesce(sum(reports), 0) FROM rollup_mx WHERE policy_type != ''),
  (SELECT coalesce(sum(failed_sessions), 0) FROM rollup_mx
    WHERE policy_type != '')"

# PostgreSQL only: each rollup rebuilt from the detail rows, row by row,
# with the arithmetic of schema/postgresql/001-init.sql's functions (the
# SQL of the store's own rebuild after a prune, pgsql_rollup.c): a path
# apart from the upserts that keep the rollups as reports arrive. The
# SQLite shell has not the store's C functions (the buckets, the day
# bits), so there the sums above stand for it.
rebuild_policy="SELECT p.policy_domain, tlsrpt_bucket(p.start_time),
  r.organization, p.policy_type, p.policy_mode, p.counts_for_domain,
  count(DISTINCT p.report), tlsrpt_sum(p.successful_sessions),
  tlsrpt_sum(p.failed_sessions), min(p.start_time), max(p.start_time),
  tlsrpt_bitor(tlsrpt_daybit(p.start_time))
  FROM policy p JOIN report r ON r.id = p.report GROUP BY 1, 2, 3, 4, 5, 6"
rebuild_failure="SELECT coalesce(f.sending_mta_ip, ''), f.result_type,
  p.policy_mode, tlsrpt_bucket(p.start_time), r.organization,
  tlsrpt_sum(f.failed_sessions), count(DISTINCT p.report)
  FROM policy p JOIN failure f ON f.policy = p.id AND f.start_time = p.start_time
  JOIN report r ON r.id = p.report GROUP BY 1, 2, 3, 4, 5"
# rollup_mx: per policy, and pooled over the policies that count for
# the domain (policy_type '').
rebuild_mx="SELECT p.policy_domain, p.policy_type, p.counts_for_domain,
  tlsrpt_bucket(p.start_time), f.result_type,
  coalesce(f.receiving_mx_hostname, ''), tlsrpt_sum(f.failed_sessions),
  count(DISTINCT p.report)
  FROM policy p JOIN failure f ON f.policy = p.id AND f.start_time = p.start_time
  GROUP BY 1, 2, 3, 4, 5, 6
  UNION ALL
  SELECT p.policy_domain, '', 1, tlsrpt_bucket(p.start_time), f.result_type,
  coalesce(f.receiving_mx_hostname, ''), tlsrpt_sum(f.failed_sessions),
  count(DISTINCT p.report)
  FROM policy p JOIN failure f ON f.policy = p.id AND f.start_time = p.start_time
  WHERE p.counts_for_domain > 0 GROUP BY 1, 2, 3, 4, 5, 6"

# rebuild_diff DB: on PostgreSQL, the rows of rollup_policy,
# rollup_failure and rollup_mx that differ from their rebuild, either
# way: "0 0 0" when each equals it.
rebuild_diff() {
	local t q out=""
	for t in policy failure mx; do
		q="rebuild_$t"
		out="$out $(dbq "$1" "SELECT count(*) FROM
		  (((${!q}) EXCEPT ALL SELECT * FROM rollup_$t)
		   UNION ALL (SELECT * FROM rollup_$t EXCEPT ALL (${!q}))) AS d")"
	done
	echo "${out# }"
}

# check_rollups WHAT DB: the rollups hold exactly the detail rows: the
# sums on both stores, row by row on PostgreSQL.
check_rollups() {
	check "$1: rollups = sums of the detail rows" \
		"$(dbq "$2" "$detail_sums")" "$(dbq "$2" "$rollup_sums")"
	on_sqlite ||
		check "$1: rollups = their rebuild from the detail rows, row by row" \
			"0 0 0" "$(rebuild_diff "$2")"
}

# free_port: a port for a daemon of the test, 56000 to 56999, that
# nothing listens on now (a race with another process stays possible:
# the callers see their daemon fail to start).
free_port() {
	local p i
	for i in $(seq 1 50); do
		p=$((56000 + RANDOM % 1000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	echo $((56000 + RANDOM % 1000))
}

# mkcert: a self-signed certificate for localhost and 127.0.0.1,
# $work/server.pem and $work/server.key.
mkcert() {
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/server.key" \
		-out "$work/server.pem" -days 2 -subj "/CN=localhost" \
		-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
}

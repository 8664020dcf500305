-- 002-rollups.sql: indexes for listing reports, and rollups that answer
-- the analyzer's whole-range questions without reading every detail row.
--
-- Times are cut into buckets of 32 days from the epoch (bucket =
-- floor(start_time / 2764800), tlsrpt_bucket() in SQL). A query takes the
-- buckets that lie wholly inside its range from the rollups and the rest,
-- at most 32 days at each edge, from the detail tables, so any range is
-- answered exactly. Daily rollups would not help: a domain gets about one
-- report per organization and day, so a daily rollup is as large as the
-- policy table itself.
--
-- The primary keys follow the grouping of the question each rollup
-- answers, so that over many buckets SQLite groups as it reads; over a few
-- buckets the bucket index finds them.
--
-- The store adds each report to the rollups in the transaction that
-- stores it (store_rollup.c); prune removes what it deletes. The tables
-- are filled from the detail rows when this schema step is applied.

-- `tlsrpt reports`: newest first, and a report's policies.
CREATE INDEX report_start ON report (start_time);
CREATE INDEX policy_report ON policy (report);

-- Per-domain totals (summary, readiness). days: bit i set when a report
-- starts on day i of the bucket.
CREATE TABLE rollup_policy (
    policy_domain       TEXT    NOT NULL,
    bucket              INTEGER NOT NULL,
    organization        TEXT    NOT NULL,
    policy_type         TEXT    NOT NULL,
    policy_mode         TEXT    NOT NULL,
    counts_for_domain   INTEGER NOT NULL,
    reports             INTEGER NOT NULL,
    successful_sessions INTEGER NOT NULL,
    failed_sessions     INTEGER NOT NULL,
    first_start         INTEGER NOT NULL,
    last_start          INTEGER NOT NULL,
    days                INTEGER NOT NULL,
    PRIMARY KEY (policy_domain, bucket, organization, policy_type,
                 policy_mode, counts_for_domain)
) WITHOUT ROWID;
CREATE INDEX rollup_policy_bucket ON rollup_policy (bucket);

-- `tlsrpt failures` in its default grouping (mta, type, mode), with or
-- without org. reports: the reports of the bucket with such a failure.
CREATE TABLE rollup_failure (
    sending_mta_ip  TEXT    NOT NULL,
    result_type     TEXT    NOT NULL,
    policy_mode     TEXT    NOT NULL,
    bucket          INTEGER NOT NULL,
    organization    TEXT    NOT NULL,
    failed_sessions INTEGER NOT NULL,
    reports         INTEGER NOT NULL,
    PRIMARY KEY (policy_mode, result_type, sending_mta_ip, bucket,
                 organization)
) WITHOUT ROWID;
CREATE INDEX rollup_failure_bucket ON rollup_failure (bucket);

-- Failures per domain, result type and receiving MX: readiness blockers.
CREATE TABLE rollup_mx (
    policy_domain         TEXT    NOT NULL,
    policy_type           TEXT    NOT NULL,
    counts_for_domain     INTEGER NOT NULL,
    bucket                INTEGER NOT NULL,
    result_type           TEXT    NOT NULL,
    receiving_mx_hostname TEXT    NOT NULL,
    failed_sessions       INTEGER NOT NULL,
    reports               INTEGER NOT NULL,
    PRIMARY KEY (policy_domain, policy_type, counts_for_domain, bucket,
                 result_type, receiving_mx_hostname)
) WITHOUT ROWID;

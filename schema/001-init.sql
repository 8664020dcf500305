-- 001-init.sql: reports, their policies and failure details, the bytes as
-- received, and the quarantine of rejected inputs.
-- Times are Unix seconds, UTC. Text is as normalized by collector/report.c.

-- One row per (organization-name, report-id): the identity of a report
-- (DESIGN.md "Identity"); a second arrival is a duplicate.
CREATE TABLE report (
    id             INTEGER PRIMARY KEY,
    organization   TEXT    NOT NULL,
    report_id      TEXT    NOT NULL,
    contact_info   TEXT,
    start_time     INTEGER NOT NULL,
    end_time       INTEGER NOT NULL,
    received_time  INTEGER NOT NULL,
    channel        TEXT    NOT NULL,
    source         TEXT,
    submitter      TEXT,
    dkim           TEXT,
    warnings       TEXT,            -- one warning per line, NULL when none
    UNIQUE (organization, report_id)
);

-- The bytes as received (gzip or JSON, not recompressed), apart from the
-- report row so that scans of reports do not read them.
CREATE TABLE report_raw (
    report INTEGER PRIMARY KEY REFERENCES report (id) ON DELETE CASCADE,
    bytes  BLOB    NOT NULL
);

-- One row per policy of a report. start_time is the report's, repeated here
-- so that the (domain, time) index answers queries without a join.
-- The policy strings themselves are not repeated here: they are in the
-- bytes as received. mx_host holds what queries need of them, the MX
-- patterns (from mx-host, else from the policy's "mx:" lines).
-- counts_for_domain: 1 for the policy that stands for its domain in
-- per-domain totals (the one with the most sessions among the report's
-- policies naming the same domain).
CREATE TABLE policy (
    id                  INTEGER PRIMARY KEY,
    report              INTEGER NOT NULL REFERENCES report (id) ON DELETE CASCADE,
    start_time          INTEGER NOT NULL,
    policy_type         TEXT    NOT NULL,
    policy_domain       TEXT    NOT NULL,
    policy_mode         TEXT    NOT NULL,
    mx_host             TEXT,           -- the policy's MX patterns, one per line
    successful_sessions INTEGER NOT NULL,
    failed_sessions     INTEGER NOT NULL,
    counts_for_domain   INTEGER NOT NULL
);
CREATE INDEX policy_domain_start ON policy (policy_domain, start_time);
CREATE INDEX policy_start ON policy (start_time);

-- The failure details of a policy, stored together under it (clustered by
-- the primary key): reaching a policy's failures needs no second index.
CREATE TABLE failure (
    policy                 INTEGER NOT NULL REFERENCES policy (id) ON DELETE CASCADE,
    seq                    INTEGER NOT NULL,  -- position in failure-details
    result_type            TEXT    NOT NULL,
    sending_mta_ip         TEXT,
    receiving_mx_hostname  TEXT,
    receiving_mx_helo      TEXT,
    receiving_ip           TEXT,
    additional_information TEXT,
    failure_reason_code    TEXT,
    failed_sessions        INTEGER NOT NULL,
    PRIMARY KEY (policy, seq)
) WITHOUT ROWID;

-- Inputs that were rejected, kept with the reason so that nothing is lost
-- and they can be retried after an upgrade. 004-quarantine.sql remakes it
-- with one row per distinct input (a digest, a count, first/last seen).
CREATE TABLE quarantine (
    id            INTEGER PRIMARY KEY,
    received_time INTEGER NOT NULL,
    channel       TEXT    NOT NULL,
    source        TEXT,
    submitter     TEXT,
    reason        TEXT    NOT NULL,
    bytes         BLOB    NOT NULL
);
CREATE INDEX quarantine_received ON quarantine (received_time);

-- 004-quarantine.sql: one quarantine row per distinct rejected input, and
-- the content digest of each report.
--
-- Until now every rejection added a row: an hourly import of a Maildir
-- holding a few messages that are not reports stored their bytes again
-- each hour, and `quarantine retry` counted each copy. Now an input is
-- known by the SHA-256 of its bytes (digest, unique): the same bytes again
-- (a re-import, a sender retrying a POST) add one to count and move
-- last_seen; received_time stays the first time they were seen. The
-- store computes the digest in SQL, tlsrpt_sha256() (registered on each
-- connection by store.c), so this step can fill it for the rows already
-- there. Rows with the same bytes are merged into the oldest (lowest id):
-- count is how many there were, last_seen the latest, the reason the
-- latest one's (as when the same bytes are rejected again).
--
-- The table is made anew rather than altered: ALTER TABLE cannot add a
-- NOT NULL column without a default, nor drop the merged rows' duplicates
-- before the unique index exists.

ALTER TABLE quarantine ADD COLUMN digest BLOB;
UPDATE quarantine SET digest = tlsrpt_sha256(bytes);
CREATE INDEX quarantine_merge ON quarantine (digest, received_time, id);

CREATE TABLE quarantine_new (
    id            INTEGER PRIMARY KEY,
    received_time INTEGER NOT NULL,  -- first seen
    last_seen     INTEGER NOT NULL,
    count         INTEGER NOT NULL,  -- how many times these bytes came
    channel       TEXT    NOT NULL,  -- of the first arrival, as are
    source        TEXT,              -- source and submitter
    submitter     TEXT,
    reason        TEXT    NOT NULL,  -- the latest rejection's
    bytes         BLOB    NOT NULL,
    digest        BLOB    NOT NULL   -- SHA-256 of bytes
);
INSERT INTO quarantine_new (id, received_time, last_seen, count, channel,
                            source, submitter, reason, bytes, digest)
SELECT q.id, g.first_seen, g.last_seen, g.n, q.channel, q.source,
       q.submitter,
       (SELECT l.reason FROM quarantine l WHERE l.digest = q.digest
        ORDER BY l.received_time DESC, l.id DESC LIMIT 1),
       q.bytes, q.digest
FROM (SELECT digest, min(id) AS id, min(received_time) AS first_seen,
             max(received_time) AS last_seen, count(*) AS n
      FROM quarantine GROUP BY digest) g
JOIN quarantine q ON q.id = g.id;
DROP TABLE quarantine;
ALTER TABLE quarantine_new RENAME TO quarantine;

-- The digest finds the row of bytes seen before (put_quarantine's ON
-- CONFLICT); last_seen is what `quarantine list --since` and prune go by.
CREATE UNIQUE INDEX quarantine_digest ON quarantine (digest);
CREATE INDEX quarantine_last_seen ON quarantine (last_seen);

-- The SHA-256 of a report's JSON as inflated (not of the bytes as
-- received: a .json and a .json.gz of one report are the same content).
-- A second arrival of the same (organization, report-id) whose digest
-- differs is a "duplicate, different content": still a duplicate, but its
-- bytes go to the quarantine for a person to look at. NULL for reports
-- stored before this step: unknown, taken as the same content (computing
-- it would inflate every stored report during the upgrade).
ALTER TABLE report ADD COLUMN digest BLOB;

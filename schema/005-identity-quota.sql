-- 005-identity-quota.sql: a report's identity on its organization name as
-- folded, and the quarantine's size kept up to date (issue 15).
--
-- Identity: "Google Inc." and "Google Inc. " (a trailing space, or a
-- non-breaking one, U+00A0) named one sender and made two identities for
-- the same report-id. The store now compares a key: the name with
-- surrounding whitespace trimmed and each inner run folded to one space
-- (report.c, organization_key). org_key holds it only where it differs
-- from the name as sent (NULL otherwise), so the reports already stored
-- need no update, and the name as sent stays for display. Reports stored
-- before this step keep their own name as their key: two that now fold
-- together stay two (the unique index could not be built otherwise).
ALTER TABLE report ADD COLUMN org_key TEXT;
CREATE UNIQUE INDEX report_identity
    ON report (coalesce(org_key, organization), report_id);

-- The quarantine's bytes in all, which LIMIT_QUARANTINE_BYTES bounds
-- (store.c, put_quarantine): kept by triggers so that the check reads one
-- row rather than every quarantined input.
CREATE TABLE quarantine_usage (bytes INTEGER NOT NULL);
INSERT INTO quarantine_usage SELECT coalesce(sum(length(bytes)), 0)
    FROM quarantine;
CREATE TRIGGER quarantine_usage_insert AFTER INSERT ON quarantine BEGIN
    UPDATE quarantine_usage SET bytes = bytes + length(NEW.bytes);
END;
CREATE TRIGGER quarantine_usage_delete AFTER DELETE ON quarantine BEGIN
    UPDATE quarantine_usage SET bytes = bytes - length(OLD.bytes);
END;

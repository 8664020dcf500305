-- 006-fetch.sql: where `tlsrpt fetch` is in each mailbox it reads
-- (issue 17).
--
-- One row per mailbox, named by its URL without credentials
-- ("imaps://reports@imap.example.net/INBOX"). IMAP numbers a mailbox's
-- messages with UIDs that only grow, valid while the mailbox keeps its
-- UIDVALIDITY: every message up to last_uid has been taken (its reports
-- stored or found duplicate, or it was rejected and quarantined), so the
-- next run asks for the UIDs above it. The row is written in the same
-- transaction as the reports it covers, so that a run stopped anywhere
-- leaves either both or neither. A changed UIDVALIDITY means the mailbox
-- was rebuilt: the run starts over at UID 1 (deduplication makes the
-- reports read again duplicates).
CREATE TABLE fetch_state (
    mailbox TEXT PRIMARY KEY,
    uidvalidity INTEGER NOT NULL,
    last_uid INTEGER NOT NULL,
    updated INTEGER NOT NULL -- Unix seconds of the run that wrote it
) WITHOUT ROWID;

-- The moves still to make: with --move-to or --invalid-to, each message
-- taken gets a row here in the transaction that stores its reports, and
-- loses it once the server has moved the message. A move that failed (the
-- connection lost after the commit) is made by the next run, before
-- anything else; the rows of a UIDVALIDITY that is gone are dropped.
CREATE TABLE fetch_move (
    mailbox TEXT NOT NULL,
    uidvalidity INTEGER NOT NULL,
    uid INTEGER NOT NULL,
    target TEXT NOT NULL, -- the mailbox it goes to
    PRIMARY KEY (mailbox, uidvalidity, uid)
) WITHOUT ROWID;

/*
 * limits.h - every size an outsider controls, and every bound an option
 * may set (sizes, counts, timeouts, threads), in one place.
 *
 * Each limit has a default, the bounds an option may set it within, and the
 * option that changes it (DESIGN.md "Limits and safety"). Modules take the
 * limits as parameters (struct ingest_limits); nothing here is read at run
 * time except as a default.
 */
#ifndef TLSRPT_LIMITS_H
#define TLSRPT_LIMITS_H

#define MIB ((size_t)1024 * 1024)

/* Decompressed report size; --max-report-size (1 MiB .. 512 MiB; import
 * also takes its old name, --max-report). */
#define LIMIT_REPORT_SIZE     (20 * MIB)
#define LIMIT_REPORT_SIZE_MIN (1 * MIB)
#define LIMIT_REPORT_SIZE_MAX (512 * MIB)

/* Decompression ratio (output / input) above which the input is a bomb;
 * --max-ratio (10 .. 100000). Real reports compress 3:1 to 30:1. */
#define LIMIT_INFLATE_RATIO     1000
#define LIMIT_INFLATE_RATIO_MIN 10
#define LIMIT_INFLATE_RATIO_MAX 100000
/* Outputs below this size are never judged by ratio. */
#define LIMIT_INFLATE_RATIO_FLOOR (1 * MIB)

/* One input as received: a report file, a message, a request body;
 * --max-input (64 KiB .. 1 GiB). */
#define LIMIT_INPUT_SIZE     (10 * MIB)
#define LIMIT_INPUT_SIZE_MIN ((size_t)64 * 1024)
#define LIMIT_INPUT_SIZE_MAX (1024 * MIB)

/* One mail message, as the milter and tlsrpt fetch take it:
 * --max-message (64 KiB .. 512 MiB). A larger message is not read: it is
 * rejected as too large (the milter) or not downloaded (fetch). */
#define LIMIT_MESSAGE_SIZE     (10 * MIB)
#define LIMIT_MESSAGE_SIZE_MIN ((size_t)64 * 1024)
#define LIMIT_MESSAGE_SIZE_MAX (512 * MIB)

/* JSON structure (fixed: DESIGN.md "Normalization rules"). */
#define LIMIT_JSON_DEPTH      64
#define LIMIT_POLICIES        10000
#define LIMIT_FAILURE_DETAILS 100000
#define LIMIT_STRING_BYTES    4096
/* Session counts are integers up to 2^53 (exact in a double). */
#define LIMIT_SESSION_COUNT 9007199254740992LL
/* What one report may claim in all (fixed): the sessions of all its
 * policies (successful plus failed), and apart from them the failed
 * sessions of all its failure details, each at most 2^40 (1.1 * 10^12).
 * The largest real report seen counts about 10^6 sessions; a whole day of
 * the largest mail provider's outbound mail is about 10^11. Bounding the
 * sum, not only each count, keeps every sum over reports far from 2^63
 * (SECURITY.md "Counts and sums"): 8.4 million reports at this bound
 * still fit in a 64-bit sum. */
#define LIMIT_REPORT_SESSIONS 1099511627776LL
/* Dates (fixed): a report's range may start at most a day (clock skew)
 * after the time it is read, and lies within 1970 .. 9999. */
#define LIMIT_FUTURE_SECONDS 86400
#define LIMIT_TIME_MAX       253402300799LL /* 9999-12-31T23:59:59Z */
/* What one report may cost in the database (fixed): its normalized rows
 * (their text plus a fixed charge a row, report_stored_size()) plus the
 * bytes as received. The largest of the 35 real reports in the corpus
 * costs 2,565 bytes so (1,720 received, 3 failure details); a large
 * provider's report with a thousand failure details would cost about
 * 250 KB. 4 MiB leaves a wide margin over both (about 35,000 short
 * failure details) and stops the 20.8 MB that became 45 MB of rows. */
#define LIMIT_REPORT_STORED (4 * MIB)
#define LIMIT_STORED_ROW    64 /* the charge for one row beyond its text */

/* The decompressed reports of one message in all, beside each report's
 * own bound: 64 report parts of 20 MiB each took the milter to 1.46 GB
 * (issue 15 §2). A message past it is rejected whole, "decompressed total
 * over N bytes". --max-decompressed for the milter (1 MiB .. 1 GiB). */
#define LIMIT_MESSAGE_INFLATED     (40 * MIB)
#define LIMIT_MESSAGE_INFLATED_MIN (1 * MIB)
#define LIMIT_MESSAGE_INFLATED_MAX (1024 * MIB)

/* MIME (fixed). */
#define LIMIT_MIME_DEPTH          16
#define LIMIT_MIME_PARTS          256
#define LIMIT_REPORTS_PER_MESSAGE 64
/* Bounds on the raw message, checked before GMime builds its tree (which
 * costs far more than the input: 7 MB of empty parts took 1.3 GB). A report
 * message has a few KiB of header fields (Sendmail's MaxHeadersLength is
 * 32 KiB) and a handful of parts. */
#define LIMIT_MIME_DASH_LINES   (16 * LIMIT_MIME_PARTS)
#define LIMIT_MIME_HEADER_BYTES (1 * MIB)

/* Authentication-Results, as the milter reads it (fixed; authres.h). A
 * real header holds a handful of results (spf, dkim per signature, dmarc,
 * arc) with a few properties each; a value is at most an address (64 +
 * 1 + 253 bytes, RFC 5321 §4.5.3.1). Past a bound the header is unreadable
 * and nothing in it passes. */
#define LIMIT_AUTHRES_RESULTS       32
#define LIMIT_AUTHRES_PROPS         16
#define LIMIT_AUTHRES_VALUE         320
#define LIMIT_AUTHRES_COMMENT_DEPTH 8

/* The quarantine's bytes in all (fixed): a rejected input that would
 * take it past this is rejected and not kept (the oldest evidence stays;
 * SECURITY.md "The quarantine's quota"). The same bytes again still add
 * to their row's count. */
#define LIMIT_QUARANTINE_BYTES (256 * MIB)

/* The write-ahead log kept after a checkpoint, and the WAL size after
 * which a commit is followed by a checkpoint that truncates it (fixed). */
#define LIMIT_WAL_BYTES (64 * MIB)

/* Storage: --busy-timeout in milliseconds (0 .. 600000). */
#define LIMIT_BUSY_TIMEOUT_MS     10000
#define LIMIT_BUSY_TIMEOUT_MS_MAX 600000

/* tlsrpt-httpd: rejected inputs (400 or 415) one client address may send
 * in a window of LIMIT_HTTPD_REJECT_WINDOW seconds, then 429 until the
 * window ends; --max-rejects (1 .. 1000000). An IPv6 client counts by its
 * /64, which one host usually holds whole; an IPv4-mapped one as IPv4.
 * A junk flood made 239,632 quarantine rows in 15 s (issue 15 §2). The
 * window table has LIMIT_HTTPD_REJECT_SLOTS slots (fixed), so memory does
 * not grow with the number of clients. */
#define LIMIT_HTTPD_REJECTS       60
#define LIMIT_HTTPD_REJECTS_MIN   1
#define LIMIT_HTTPD_REJECTS_MAX   1000000
#define LIMIT_HTTPD_REJECT_WINDOW 60
#define LIMIT_HTTPD_REJECT_SLOTS  4096

/* tlsrpt-httpd (each with its option; the option's bounds beside it). */
#define LIMIT_HTTPD_PATHS    16         /* --path, repeated at most so often */
#define LIMIT_HTTPD_BODY     (10 * MIB) /* --max-body (1 KiB .. 512 MiB) */
#define LIMIT_HTTPD_BODY_MIN ((size_t)1024)
#define LIMIT_HTTPD_BODY_MAX (512 * MIB)
/* --connections in all, --per-ip from one client address (1 .. 65536). */
#define LIMIT_HTTPD_CONNECTIONS     256
#define LIMIT_HTTPD_CONNECTIONS_MAX 65536
#define LIMIT_HTTPD_PER_IP          16
/* Connections to the --admin-listen listener, in all (fixed: a monitoring
 * agent or two on this host). */
#define LIMIT_HTTPD_ADMIN_CONNECTIONS 8
/* --timeout: seconds a connection may stay idle (1 .. 3600). */
#define LIMIT_HTTPD_TIMEOUT     30
#define LIMIT_HTTPD_TIMEOUT_MAX 3600
/* --threads: worker threads (1 .. 256). */
#define LIMIT_HTTPD_THREADS     4
#define LIMIT_HTTPD_THREADS_MAX 256
/* --request-timeout: seconds from a request line's first byte to its
 * body's last (1 .. 3600); slow clients are cut off. */
#define LIMIT_HTTPD_REQUEST_TIMEOUT     60
#define LIMIT_HTTPD_REQUEST_TIMEOUT_MAX 3600
/* --commit-batch: reports per transaction (1 .. 4096; 1 commits each
 * alone, as without grouping). */
#define LIMIT_HTTPD_COMMIT_BATCH     64
#define LIMIT_HTTPD_COMMIT_BATCH_MAX 4096

/* tlsrpt-milter: --rcpt, repeated at most so often. */
#define LIMIT_MILTER_RCPT 64
/* tlsrpt-milter (fixed): after a message that held more than this (as
 * received plus its reports inflated, ingest_input_held), freed memory
 * goes back to the system (malloc_trim); after a smaller one it is kept
 * for the next message. Trimming after every message took 8% of the
 * milter's CPU time, and the page faults it caused about as much again.
 * A report mail is a few KiB, its JSON rarely 100 KiB; issue 15 §2's 64
 * parts held 1.46 GB. */
#define LIMIT_MILTER_TRIM (1 * MIB)

/* tlsrpt import --jobs: parser threads (1 .. 256; default the CPUs). */
#define LIMIT_JOBS_MAX 256

/* tlsrpt fetch: --timeout, seconds for the whole run (1 .. 86400);
 * messages per transaction (fixed: a commit per batch, a NOOP between);
 * a credential file's first line, at most (fixed). */
#define LIMIT_FETCH_TIMEOUT_MAX 86400
#define LIMIT_FETCH_BATCH       100
#define LIMIT_SECRET_LINE       16384

/* Warnings kept per report; more are summarized as "and N more". */
#define LIMIT_WARNINGS 32

/* tlsrpt import (fixed). Directories below a named path: a Maildir is 2
 * deep, a tree of them a few more. One mbox line held at a time: a longer
 * line is read in pieces of this size, so that memory stays bounded by
 * --max-input however long the line (issue 15: a 300 MB line took 324 MB). */
#define LIMIT_WALK_DEPTH 32
#define LIMIT_MBOX_LINE  ((size_t)64 * 1024)

/* tlsrpt serve: --connections (1 .. 65536) and per client address (fixed),
 * --timeout seconds idle (1 .. 3600), --threads (1 .. 64). A request's
 * query: parameters and a value's bytes at most (fixed; more is 400).
 * Rows of a page of a long table (fixed); a table sorted by another
 * column than its own order is sorted among its first LIMIT_SERVE_SORT
 * rows (its largest groups; the page says so when there are more). The
 * quarantine's preview of an input's bytes. Users of an --auth-file. */
#define LIMIT_SERVE_CONNECTIONS     64
#define LIMIT_SERVE_CONNECTIONS_MAX 65536
#define LIMIT_SERVE_PER_IP          16
#define LIMIT_SERVE_TIMEOUT         30
#define LIMIT_SERVE_TIMEOUT_MAX     3600
#define LIMIT_SERVE_THREADS         2
#define LIMIT_SERVE_THREADS_MAX     64
#define LIMIT_SERVE_PARAMS          32
#define LIMIT_SERVE_VALUE           256
#define LIMIT_SERVE_PAGE            50
#define LIMIT_SERVE_SORT            100000
#define LIMIT_SERVE_PREVIEW         96
#define LIMIT_SERVE_USERS           64
/* tlsrpt serve reads no request body: one sent (to a GET, or with a
 * refused method before its 405) is dropped up to this many bytes
 * (fixed), and a longer one closes the connection. */
#define LIMIT_SERVE_BODY (64 * 1024)
/* tlsrpt serve's answers kept while the database does not change
 * (fixed): how many, and their bytes together. */
#define LIMIT_SERVE_CACHE       32
#define LIMIT_SERVE_CACHE_BYTES ((size_t)64 * 1024 * 1024)
/* tlsrpt serve draws its default overview ahead, at most this often
 * (seconds, fixed), when the database has changed. */
#define LIMIT_SERVE_WARM 60

#endif

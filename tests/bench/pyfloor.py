#!/usr/bin/env python3
"""pyfloor.py - the floor for `tlsrpt import`: what a user would write
instead, in plain Python (gzip + json + sqlite3), on the same files.

Usage: pyfloor.py DIR DB

Every file under DIR (.json or .json.gz, gzip told by its magic bytes) is
read, inflated, parsed and stored into three tables (report, policy,
failure) of a fresh SQLite database, in one transaction, without indexes
and without any check beyond what json.loads does. Prints the count and
the rate on one line. A benchmark helper: it asserts nothing.
"""
import gzip
import json
import os
import sqlite3
import sys
import time


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: pyfloor.py DIR DB")
    top, path = sys.argv[1], sys.argv[2]
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            os.remove(path + suffix)
        except FileNotFoundError:
            pass
    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(top) for f in fs)
    t0 = time.monotonic()
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE report (id INTEGER PRIMARY KEY, organization TEXT,
            report_id TEXT, start_time TEXT, end_time TEXT, contact TEXT);
        CREATE TABLE policy (id INTEGER PRIMARY KEY, report INTEGER,
            policy_type TEXT, policy_domain TEXT, successful INTEGER,
            failed INTEGER);
        CREATE TABLE failure (policy INTEGER, result_type TEXT,
            sending_mta_ip TEXT, receiving_mx_hostname TEXT,
            receiving_ip TEXT, failed INTEGER, reason TEXT);
    """)
    cur = db.cursor()
    stored = bad = 0
    cur.execute("BEGIN")
    for name in files:
        with open(name, "rb") as f:
            data = f.read()
        try:
            if data[:2] == b"\x1f\x8b":
                data = gzip.decompress(data)
            r = json.loads(data)
            rng = r["date-range"]
            cur.execute("INSERT INTO report VALUES (NULL, ?, ?, ?, ?, ?)",
                        (r["organization-name"], r["report-id"],
                         rng["start-datetime"], rng["end-datetime"],
                         r.get("contact-info")))
            rid = cur.lastrowid
            for p in r["policies"]:
                pol, s = p["policy"], p["summary"]
                cur.execute("INSERT INTO policy VALUES (NULL, ?, ?, ?, ?, ?)",
                            (rid, pol["policy-type"], pol["policy-domain"],
                             s["total-successful-session-count"],
                             s["total-failure-session-count"]))
                pid = cur.lastrowid
                for d in p.get("failure-details", []):
                    cur.execute(
                        "INSERT INTO failure VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (pid, d["result-type"], d.get("sending-mta-ip"),
                         d.get("receiving-mx-hostname"),
                         d.get("receiving-ip"),
                         d["failed-session-count"],
                         d.get("failure-reason-code")))
            stored += 1
        except (OSError, ValueError, KeyError, TypeError, EOFError):
            bad += 1
    db.commit()
    db.close()
    secs = time.monotonic() - t0
    print(f"pyfloor: {stored} stored, {bad} failed, {secs:.2f} s, "
          f"{stored / secs:.0f} reports/s")


if __name__ == "__main__":
    main()

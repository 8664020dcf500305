# golden_data.sh - the golden dataset of test_golden.sh (which works out
# every query's numbers from it), shared with tests/serve, whose pages and
# API must show the same numbers. Sourced after lib.sh, not run:
# golden_dataset writes its five reports into $in (rep's folder), R2
# gzipped.
#
# R1 Google g-1 2026-01-10, a.example sts testing (mx: *.a.example):
#    1000 ok, 10 failed; the details add up to 9, not 10:
#    certificate-expired 192.0.2.1 at mx1.a.example 6,
#    starttls-not-supported 2001:db8::1 at mx3.other.example 3 (outside).
# R2 Microsoft m-1 2026-02-28 (a bucket boundary), a.example as tlsa
#    (enforce) 500 ok + 5 failed = 505 sessions, and as sts (testing)
#    498 + 6 = 504: the tlsa policy stands for the domain.
#    tlsa: tlsa-invalid 198.51.100.9 at mx1.a.example 5;
#    sts: certificate-expired 198.51.100.9 at mx1.a.example 6. Gzipped.
# R3 Mail.ru g-2 (the same report-id as R4) 2026-03-05, b.example
#    no-policy-found (mode none) 300 ok, 2 failed: starttls-not-supported
#    203.0.113.5 at mx.b.example 2, receiving IP 192.0.2.200.
# R4 Google g-2 2026-03-05, c.example sts none: 50 ok.
# R5 Google g-3 2026-03-06, a.example sts enforce 200 ok, 1 failed:
#    certificate-host-mismatch 2001:db8::1 at mx2.a.example 1, receiving
#    IP 2001:db8:a::25.
golden_dataset() {
	rep r1.json Google g-1 2026-01-10 "$(pol sts testing a.example 1000 10 \
		"$(det certificate-expired 192.0.2.1 mx1.a.example 6),$(det starttls-not-supported 2001:db8::1 mx3.other.example 3)")"
	rep r2.json Microsoft m-1 2026-02-28 "$(pol tlsa - a.example 500 5 \
		"$(det tlsa-invalid 198.51.100.9 mx1.a.example 5)"),$(pol sts testing a.example 498 6 \
		"$(det certificate-expired 198.51.100.9 mx1.a.example 6)")"
	gzip -n "$in/r2.json"
	rep r3.json Mail.ru g-2 2026-03-05 "$(pol no-policy-found - b.example 300 2 \
		"$(det starttls-not-supported 203.0.113.5 mx.b.example 2 192.0.2.200)")"
	rep r4.json Google g-2 2026-03-05 "$(pol sts none c.example 50 0 "")"
	rep r5.json Google g-3 2026-03-06 "$(pol sts enforce a.example 200 1 \
		"$(det certificate-host-mismatch 2001:db8::1 mx2.a.example 1 2001:db8:a::25)")"
}

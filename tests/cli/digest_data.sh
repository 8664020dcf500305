# digest_data.sh - the golden dataset of the digest tests (test_digest.sh
# checks the figures worked out from it; test_digest_render.sh draws it).
# Sourced, not run: digest_dataset DIR writes its nine reports into DIR.
#
# The dataset (all sts; a.example "mode: testing, mx: mx1.a.example",
# b.example "mode: enforce, mx: mx.b.example"):
#   2026-02-10 Google    a.example ok 100 failed 5: certificate-expired,
#                        MTA 192.0.2.1, mx1.a.example, IP 198.51.100.1
#   previous week, 2026-03-02..08:
#   2026-03-03 Google    a.example ok 1000 failed 10 (the same failure)
#   2026-03-03 Microsoft a.example ok 500
#   2026-03-04 Mail.ru   b.example ok 200
#   the week, 2026-03-09..15 (digest --period week --at 2026-03-16):
#   2026-03-10 Google    a.example ok 990 failed 10 (the same failure)
#   2026-03-11 Google    a.example ok 960 failed 40: certificate-host-
#                        mismatch, MTA 192.0.2.99, mx2.a.example, IP
#                        198.51.100.2 (each never seen before)
#   2026-03-10 Mail.ru   b.example ok 300
#   the week after, 2026-03-16..22:
#   2026-03-18 Google    a.example ok 95 failed 5 (the old failure)
#   2026-03-17 Mail.ru   b.example ok 100

# rep ORG ID DAY DOMAIN MODE MX OK FAILED [TYPE MTA FMX IP], into $dir
rep() {
	local det=""
	[ "$8" -gt 0 ] && det=",\"failure-details\":[{\"result-type\":\"$9\",\"sending-mta-ip\":\"${10}\",\"receiving-mx-hostname\":\"${11}\",\"receiving-ip\":\"${12}\",\"failed-session-count\":$8}]"
	printf '{"organization-name":"%s","date-range":{"start-datetime":"%sT00:00:00Z","end-datetime":"%sT23:59:59Z"},"contact-info":"x@y","report-id":"%s","policies":[{"policy":{"policy-type":"sts","policy-string":["version: STSv1","mode: %s","mx: %s","max_age: 86400"],"policy-domain":"%s"},"summary":{"total-successful-session-count":%s,"total-failure-session-count":%s}%s}]}\n' \
		"$1" "$3" "$3" "$2" "$5" "$6" "$4" "$7" "$8" "$det" >"$dir/$2.json"
}

digest_dataset() {
	local dir=$1
	local OLD="certificate-expired 192.0.2.1 mx1.a.example 198.51.100.1"
	# shellcheck disable=SC2086
	rep Google g0 2026-02-10 a.example testing mx1.a.example 100 5 $OLD
	rep Google g1 2026-03-03 a.example testing mx1.a.example 1000 10 $OLD
	rep "Microsoft Corporation" m1 2026-03-03 a.example testing mx1.a.example 500 0
	rep Mail.ru r1 2026-03-04 b.example enforce mx.b.example 200 0
	rep Google g2 2026-03-10 a.example testing mx1.a.example 990 10 $OLD
	rep Google g3 2026-03-11 a.example testing mx1.a.example 960 40 \
		certificate-host-mismatch 192.0.2.99 mx2.a.example 198.51.100.2
	rep Mail.ru r2 2026-03-10 b.example enforce mx.b.example 300 0
	rep Google g4 2026-03-18 a.example testing mx1.a.example 95 5 $OLD
	rep Mail.ru r3 2026-03-17 b.example enforce mx.b.example 100 0
}

#!/usr/bin/env bash
# test_serve_auth.sh - `tlsrpt serve` behind HTTP Basic auth over TLS,
# with a self-signed certificate made here by openssl: --hash-password
# prints a yescrypt hash ($y$, a new salt each time) and refuses an empty
# password; the auth file holds that hash, never the password, and a file
# with a password in it is refused at start; --auth-file without --cert
# is a usage error; over https (curl --cacert) no credentials, a wrong
# password and an unknown user are 401 with a WWW-Authenticate challenge,
# the right ones 200 on a page and the API (the command's bytes); plain
# HTTP to the TLS port gets no answer.
#
# Usage: test_serve_auth.sh TLSRPT
set -u
. "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null || { echo "SKIP: openssl needed"; exit 77; }
db="$work/t.db"
in="$work/in"
mkdir -p "$in"
golden_dataset
"$TLSRPT" --db "$db" import -q "$in" >/dev/null 2>&1
check "import" 0 "$?"

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/server.key" \
	-out "$work/server.pem" -days 2 -subj "/CN=localhost" \
	-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
check "a self-signed certificate" 0 "$?"

# A password with a space and a colon: Basic auth splits user from
# password at the first colon only.
pw='correct horse: battery staple'
printf '%s\n' "$pw" | "$TLSRPT" serve --hash-password >"$work/hash" 2>"$work/hash.err"
check "--hash-password: exit 0" 0 "$?"
check "--hash-password: one line" 1 "$(wc -l <"$work/hash")"
hash=$(cat "$work/hash")
case "$hash" in
'$y$'?*'$'?*'$'?*) ok "--hash-password: a yescrypt hash" ;;
*) not_ok "--hash-password: not \$y\$...: $hash" ;;
esac
printf '%s\n' "$pw" | "$TLSRPT" serve --hash-password >"$work/hash2" 2>/dev/null
[ "$(cat "$work/hash2")" != "$hash" ] && ok "--hash-password: a new salt each time" ||
	not_ok "--hash-password: the same hash twice"
"$TLSRPT" serve --hash-password </dev/null >"$work/empty" 2>"$work/empty.err"
check "--hash-password of no password: exit 1, nothing printed" "1 0" "$? $(wc -c <"$work/empty")"

printf '# the dashboard'"'"'s users\nadmin:%s\n' "$hash" >"$work/users"
grep -qF -- "$pw" "$work/users" && not_ok "the auth file holds the password" ||
	ok "the auth file holds the hash, not the password"

# A file with the password itself where the hash goes is refused.
printf 'admin:%s\n' "$pw" >"$work/plain"
timeout 20 "$TLSRPT" --db "$db" serve --listen 127.0.0.1:1 --cert "$work/server.pem" \
	--key "$work/server.key" --auth-file "$work/plain" >/dev/null 2>"$work/plain.err"
rc=$?
[ "$rc" -ne 0 ] && ok "a password in the auth file: refused (exit $rc)" || not_ok "a password in the auth file: started"
contains "the refusal names the file and line" "$work/plain.err" "$work/plain:1:"
timeout 20 "$TLSRPT" --db "$db" serve --listen 127.0.0.1:1 --auth-file "$work/users" >/dev/null 2>"$work/nocert.err"
rc=$?
[ "$rc" -ne 0 ] && ok "--auth-file without --cert: refused (exit $rc)" || not_ok "--auth-file without --cert: started"
contains "the refusal says why" "$work/nocert.err" "--auth-file needs --cert"

serve_start "$db" --cert "$work/server.pem" --key "$work/server.key" --auth-file "$work/users"
check "started" 0 "$?"
contains "the ready line says https" "$work/serve.log" "listening on https://127.0.0.1:$port/"
tls=(--cacert "$work/server.pem")

check "no credentials: 401" 401 "$(get / none "${tls[@]}")"
case "$(header WWW-Authenticate none)" in
Basic*realm=*) ok "401: a Basic challenge" ;;
*) not_ok "401: WWW-Authenticate '$(header WWW-Authenticate none)'" ;;
esac
secure "401" none
grep -q 'data-key\|<table' "$work/none" && not_ok "401: the page leaked" || ok "401: no page in the body"
check "no credentials, the API: 401" 401 "$(get /api/v1/summary none "${tls[@]}")"
check "no credentials, the stylesheet: 401" 401 "$(get /style.css none "${tls[@]}")"
check "a wrong password: 401" 401 "$(get / wrong "${tls[@]}" -u "admin:correct horse: battery")"
check "the password of another case: 401" 401 "$(get / wrong "${tls[@]}" -u "admin:Correct horse: battery staple")"
check "an unknown user: 401" 401 "$(get / wrong "${tls[@]}" -u "root:$pw")"
check "the hash as the password: 401" 401 "$(get / wrong "${tls[@]}" -u "admin:$hash")"
check "the right ones: 200" 200 "$(get "/?since=2026-01-05&until=2026-03-07" right "${tls[@]}" -u "admin:$pw")"
# 2068 sessions, as test_serve.sh works them out.
check "the right ones: the overview" 2068 "$(page dd sessions "$work/right")"
secure "200 over TLS" right
check "the right ones, the API: 200" 200 "$(get /api/v1/summary api "${tls[@]}" -u "admin:$pw")"
"$TLSRPT" --db "$db" summary --format json >"$work/expect"
same "the API over TLS: the command's bytes" api "$work/expect"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -u "admin:$pw" "http://127.0.0.1:$port/")
case $code in 000 | 400) ok "plain HTTP to the TLS port: no page ($code)" ;; *) not_ok "plain HTTP: $code" ;; esac
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "https://localhost:$port/")
check "https without trusting the certificate: refused by curl" 000 "$code"

serve_stop
check "SIGTERM: exit 0" 0 "$stop_rc"
finish

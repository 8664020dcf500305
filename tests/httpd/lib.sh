# lib.sh - what the HTTPS tests share, on top of tests/cli/lib.sh: the
# binaries from the arguments, the skip without openssl or curl, the
# daemon stopped on exit, and mkcert. Sourced, not run.
TLSRPT=$1
HTTPD=$2
. "$(dirname "${BASH_SOURCE[0]}")/../cli/lib.sh"

if ! command -v openssl >/dev/null || ! command -v curl >/dev/null; then
	echo "openssl and curl needed: HTTPS test skipped"
	exit 0
fi
pid=""
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT

# mkcert NAME: a self-signed certificate for localhost, NAME.pem and NAME.key.
mkcert() {
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/$1.key" \
		-out "$work/$1.pem" -days 2 -subj "/CN=localhost" \
		-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
}

# dovecot.sh - a private Dovecot for the IMAP tests and the benchmark,
# sourced: every path under one directory, loopback ports picked at run
# time, users from a passwd-file, Maildir storage, never the system's
# instance. As root it runs as nobody (setpriv), as anyone else as that
# user. One instance at a time per shell.
#
#   dc_start DIR MODE   MODE tls: imap with STARTTLS and imaps, a
#                       certificate for localhost and 127.0.0.1 from a CA
#                       made here ($DC_CA_FILE); MODE plain: no TLS at all
#                       (for a client that must refuse it). Both take the
#                       password of user "reports" ($DC_PASSWORD_FILE) by
#                       PLAIN/LOGIN, and an OAuth2 JWT (HS256, validated
#                       locally by Dovecot's oauth2 passdb) by XOAUTH2 and
#                       OAUTHBEARER. Sets DC_IMAP_PORT, DC_IMAPS_PORT (0 in
#                       plain). A DIR started before keeps its ports, its
#                       password and its key: a restart after dc_kill is
#                       the same server to a client.
#   dc_token [SUB] [EXP]   a JWT for SUB (reports), expiring EXP seconds
#                       from now (3600; negative: expired already)
#   dc_deliver FILE [MAILBOX]     one message into MAILBOX (INBOX)
#   dc_deliver_dir DIR [MAILBOX]  every file of DIR, unseen, under its
#                       own (unique) name
#   dc_count MAILBOX    how many messages it holds
#   dc_flags MAILBOX    each message's Maildir flag letters (S: \Seen), a
#                       line each, in delivery order
#   dc_recreate MAILBOX gives MAILBOX a new UIDVALIDITY, its messages kept
#                       (its UID list and index removed: rebuilt)
#   dc_log              the server's log file
#   dc_kill             SIGKILL to every process of the server
#   dc_stop             stops it; safe to call twice (for a trap)

DC_DIR="" DC_PGID="" DC_IMAP_PORT=0 DC_IMAPS_PORT=0 DC_CA_FILE="" DC_PASSWORD_FILE=""
DC_SEQ=0

dc_dovecot() { command -v dovecot || echo /usr/sbin/dovecot; }

# The user the server runs as, and how to run a command as it.
dc_as() {
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
	else
		"$@"
	fi
}
dc_owner() { if [ "$(id -u)" = 0 ]; then echo nobody:nogroup; else echo "$(id -un):$(id -gn)"; fi; }

# A free loopback port (nothing answers on it now).
dc_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 30000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
}

# The test CA and a certificate for localhost and 127.0.0.1, signed by it.
dc_certs() {
	local d=$1
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=tlsrpt test CA" \
		-keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null &&
		openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
			-keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null &&
		printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$d/san.ext" &&
		openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
			-CAcreateserial -days 2 -extfile "$d/san.ext" -out "$d/server.pem" 2>/dev/null
}

dc_config() { # DIR MODE RUNUSER RUNGROUP
	local d=$1 mode=$2 u=$3 g=$4 ssl
	if [ "$mode" = tls ]; then
		ssl="ssl = yes
ssl_cert = <$d/server.pem
ssl_key = <$d/server.key
# A password only after STARTTLS or on imaps.
disable_plaintext_auth = yes"
	else
		ssl="ssl = no
disable_plaintext_auth = no"
	fi
	cat >"$d/dovecot.conf" <<EOF
# Written by tests/fetch/dovecot.sh: a throw-away server.
protocols = imap
listen = 127.0.0.1
base_dir = $d/run
state_dir = $d/state
log_path = $d/dovecot.log
# Whoever starts it: no user switch, no chroot.
default_internal_user = $u
default_internal_group = $g
default_login_user = $u
mail_location = maildir:$d/mail/%u
$ssl
auth_mechanisms = plain login xoauth2 oauthbearer
# Bearer tokens: a JWT signed with the key in $d/keys, checked here
# (introspection_mode = local), its "sub" the user.
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = $d/oauth2.conf
}
passdb {
  driver = passwd-file
  mechanisms = plain login
  args = $d/passwd
}
userdb {
  driver = passwd-file
  args = $d/passwd
}
service imap-login {
  chroot =
  inet_listener imap {
    port = $DC_IMAP_PORT
  }
  inet_listener imaps {
    port = $DC_IMAPS_PORT
    ssl = yes
  }
}
service anvil {
  chroot =
  # No growing delay after a failed login: the tests fail some on purpose.
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
EOF
	cat >"$d/oauth2.conf" <<EOF
introspection_mode = local
# Keys are looked up as <azp>/<alg>/<kid>: default/HS256/default.
local_validation_key_dict = fs:posix:prefix=$d/keys/
username_attribute = sub
EOF
}

dc_start() {
	local d=$1 mode=$2 owner p i
	DC_DIR=$d
	mkdir -p "$d/run" "$d/state" "$d/mail" "$d/keys/default/HS256"
	owner=$(dc_owner)
	# Nobody must reach DIR: the parents (a mktemp -d is 0700) get o+x,
	# which lets others through, not read them.
	if [ "$(id -u)" = 0 ]; then
		p=$(dirname "$d")
		while [ "$p" != / ]; do chmod o+x "$p"; p=$(dirname "$p"); done
	fi
	if [ -f "$d/ports" ]; then
		read -r DC_IMAP_PORT DC_IMAPS_PORT <"$d/ports"
	else
		DC_IMAP_PORT=$(dc_port)
		DC_IMAPS_PORT=0
		[ "$mode" = tls ] && DC_IMAPS_PORT=$(dc_port)
		echo "$DC_IMAP_PORT $DC_IMAPS_PORT" >"$d/ports"
		head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$d/password"
		echo >>"$d/password"
		chmod 600 "$d/password"
		head -c 32 /dev/urandom | base64 -w0 >"$d/keys/default/HS256/default"
		[ "$mode" = tls ] && { dc_certs "$d" || return 1; }
	fi
	DC_PASSWORD_FILE=$d/password
	DC_CA_FILE=""
	[ "$mode" = tls ] && DC_CA_FILE=$d/ca.pem
	printf 'reports:{PLAIN}%s:%s:%s::%s\n' "$(head -n 1 "$d/password")" \
		"$(dc_as id -u)" "$(dc_as id -g)" "$d/mail/reports" >"$d/passwd"
	dc_config "$d" "$mode" "${owner%%:*}" "${owner##*:}"
	chown -R "$owner" "$d/run" "$d/state" "$d/mail" "$d/keys"
	chown "$owner" "$d" "$d/passwd" "$d/oauth2.conf" "$d/dovecot.conf"
	[ "$mode" = tls ] && chown "$owner" "$d/server.key" "$d/server.pem"
	touch "$d/dovecot.log" && chown "$owner" "$d/dovecot.log"
	rm -f "$d/run/master.pid"
	# Its own process group, so that dc_kill and dc_stop reach every child.
	# In a subshell: no job of this shell, no "Killed" line at dc_kill.
	(setsid bash -c 'echo $$ >"$1/pgid"; shift; exec "$@"' _ "$d" \
		$( [ "$(id -u)" = 0 ] && echo setpriv --reuid=nobody --regid=nogroup --clear-groups ) \
		"$(dc_dovecot)" -F -c "$d/dovecot.conf" >>"$d/stderr" 2>&1 &)
	for i in $(seq 1 100); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$DC_IMAP_PORT") 2>/dev/null &&
			{ [ "$DC_IMAPS_PORT" = 0 ] || (exec 3<>"/dev/tcp/127.0.0.1/$DC_IMAPS_PORT") 2>/dev/null; }; then
			DC_PGID=$(cat "$d/pgid")
			return 0
		fi
		sleep 0.1
	done
	echo "# dovecot did not start:" >&2
	tail -n 20 "$d/stderr" "$d/dovecot.log" | sed 's/^/#   /' >&2
	return 1
}

dc_b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }

dc_token() {
	local sub=${1:-reports} exp=${2:-3600} now hdr body key sig
	now=$(date +%s)
	hdr=$(printf '{"alg":"HS256","typ":"JWT"}' | dc_b64url)
	body=$(printf '{"sub":"%s","iat":%d,"exp":%d}' "$sub" "$((now - 10))" "$((now + exp))" | dc_b64url)
	key=$(base64 -d <"$DC_DIR/keys/default/HS256/default" | od -An -tx1 | tr -d ' \n')
	sig=$(printf '%s.%s' "$hdr" "$body" |
		openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key" -binary | dc_b64url)
	printf '%s.%s.%s\n' "$hdr" "$body" "$sig"
}

# The Maildir of MAILBOX (Maildir++: INBOX at the root, others .NAME).
dc_maildir() {
	local m=$DC_DIR/mail/reports
	[ "${1:-INBOX}" = INBOX ] || m=$m/.$1
	if [ ! -d "$m/new" ]; then
		mkdir -p "$m/new" "$m/cur" "$m/tmp"
		[ "${1:-INBOX}" = INBOX ] || touch "$m/maildirfolder"
		chown -R "$(dc_owner)" "$DC_DIR/mail"
	fi
	echo "$m"
}

dc_deliver() {
	local m
	m=$(dc_maildir "${2:-INBOX}")
	DC_SEQ=$((DC_SEQ + 1))
	# Maildir names sort as delivered: seconds, then a sequence number.
	cp "$1" "$m/tmp/msg" &&
		chown "$(dc_owner)" "$m/tmp/msg" &&
		mv "$m/tmp/msg" "$m/new/$(date +%s).$(printf '%08d' "$DC_SEQ")_$$.test"
}

dc_deliver_dir() {
	local m f
	m=$(dc_maildir "${2:-INBOX}")
	# One copy: the files keep their names (unique Maildir names, as
	# tlsrpt-gen writes them, flags after ":2," dropped as in new/).
	find "$1" -maxdepth 1 -type f -exec cp -t "$m/new" {} + || return 1
	for f in "$m/new"/*:2,*; do [ -e "$f" ] && mv "$f" "${f%%:2,*}"; done
	chown -R "$(dc_owner)" "$m/new"
}

dc_count() {
	local m
	m=$(dc_maildir "${1:-INBOX}")
	find "$m/cur" "$m/new" -type f | wc -l
}

dc_flags() {
	local m
	m=$(dc_maildir "${1:-INBOX}")
	find "$m/cur" "$m/new" -type f -printf '%f\n' | sort |
		sed -n 's/^[^:]*$//p; s/^[^:]*:2,\(.*\)$/\1/p'
}

dc_recreate() {
	local m
	m=$(dc_maildir "$1")
	rm -f "$m/dovecot-uidlist" "$m"/dovecot.index*
}

dc_log() { echo "$DC_DIR/dovecot.log"; }

dc_kill() {
	[ -n "$DC_PGID" ] && kill -KILL -- "-$DC_PGID" 2>/dev/null
	DC_PGID=""
	sleep 0.2
}

dc_stop() {
	local i
	[ -n "$DC_PGID" ] || return 0
	kill -TERM -- "-$DC_PGID" 2>/dev/null
	for i in $(seq 1 50); do
		kill -0 -- "-$DC_PGID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL -- "-$DC_PGID" 2>/dev/null
	DC_PGID=""
}

# postfix.sh - a private Postfix instance for tests and benchmarks: its own
# config_directory, queue and Maildirs under $work, smtpd on 127.0.0.1:$port
# with smtpd_milters and non_smtpd_milters at unix:tlsrpt/milter.sock,
# virtual delivery of example.com to $mail/<user>/. Sourced after
# tests/cli/lib.sh (which makes $work); needs root.
#
# The services run as Debian's default master.cf says, chrooted in the
# queue directory (smtpd and cleanup among them; the smtpd on the test's
# port is a copy of the smtp/inet line), the chroot prepared by Debian's
# own /usr/lib/postfix/configure-instance.sh as postfix.service does. So
# the milter's socket is where a Debian admin puts it: $msock, that is
# $queue/tlsrpt/milter.sock, the directory owned by the milter's user with
# group postfix, mode 2750 (setgid).
#
# Postfix refuses `-c DIR` unless DIR is listed in alternate_config_directories
# of /etc/postfix/main.cf: pf_init adds it there and the EXIT trap puts the
# file back as it was.

# pf_init PORT [MILTER_USER]: writes the instance's configuration; the
# socket's directory is MILTER_USER's (default postfix).
pf_init() {
	port=$1
	chmod 755 "$work"
	etc="$work/etc" queue="$work/queue" data="$work/data" mail="$work/mail"
	mkdir -p "$etc" "$queue" "$data" "$mail" "$work/db"
	chown postfix: "$data" "$work/db"
	chown nobody: "$mail"
	main=/etc/postfix/main.cf
	had_main=0
	[ -e "$main" ] && had_main=1 && cp "$main" "$work/main.cf.saved"
	mpid=""
	cleanup() {
		postfix -c "$etc" stop >/dev/null 2>&1
		if [ -n "$mpid" ]; then kill "$mpid" 2>/dev/null; wait "$mpid" 2>/dev/null; fi
		if [ "$had_main" -eq 1 ]; then cp "$work/main.cf.saved" "$main"; else rm -f "$main"; fi
		rm -rf "$work"
	}
	trap cleanup EXIT
	echo "alternate_config_directories = $etc" >>"$main"

	cp /etc/postfix/master.cf "$etc/master.cf"
	cat >"$etc/main.cf" <<-EOF
	compatibility_level = 3.6
	queue_directory = $queue
	data_directory = $data
	mail_owner = postfix
	inet_interfaces = 127.0.0.1
	inet_protocols = ipv4
	myhostname = mx.test.example
	mydestination =
	mynetworks = 127.0.0.0/8
	maillog_file = $work/maillog
	maillog_file_prefixes = $work
	virtual_mailbox_domains = example.com
	virtual_mailbox_base = $mail
	virtual_mailbox_maps = texthash:$etc/vmailbox
	virtual_uid_maps = static:$(id -u nobody)
	virtual_gid_maps = static:$(id -g nobody)
	smtpd_milters = unix:tlsrpt/milter.sock
	milter_protocol = 6
	milter_default_action = tempfail
	milter_end_of_data_macros = i
	non_smtpd_milters = \$smtpd_milters
	EOF
	printf 'tls-reports@example.com tls-reports/\nadmin@example.com admin/\n' >"$etc/vmailbox"
	# smtpd on a loopback port instead of 25, with smtp/inet's columns
	# (Debian: chroot y).
	smtpd_line=$(postconf -c "$etc" -M smtp/inet | awk -v s="127.0.0.1:$port" '{ $1 = s; print }')
	postconf -c "$etc" -MX smtp/inet
	postconf -c "$etc" -M "127.0.0.1:$port/inet=$smtpd_line"
	# The chroot's /etc files and libraries, as Debian's service makes them.
	MAIL_CONFIG=$etc /usr/lib/postfix/configure-instance.sh - >/dev/null
	msock="$queue/tlsrpt/milter.sock"
	mkdir -p "$queue/tlsrpt"
	chown "${2:-postfix}:postfix" "$queue/tlsrpt"
	chmod 2750 "$queue/tlsrpt"
}

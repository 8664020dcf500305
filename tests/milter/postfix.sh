# postfix.sh - a private Postfix instance for tests and benchmarks: its own
# config_directory, queue and Maildirs under $work, smtpd on 127.0.0.1:$port
# with smtpd_milters and non_smtpd_milters at unix:$work/milter.sock,
# virtual delivery of example.com to $mail/<user>/. Sourced after
# tests/cli/lib.sh (which makes $work); needs root.
#
# Postfix refuses `-c DIR` unless DIR is listed in alternate_config_directories
# of /etc/postfix/main.cf: pf_init adds it there and the EXIT trap puts the
# file back as it was.

# pf_init PORT: writes the instance's configuration.
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
	smtpd_milters = unix:$work/milter.sock
	milter_protocol = 6
	milter_default_action = tempfail
	milter_end_of_data_macros = i
	non_smtpd_milters = \$smtpd_milters
	EOF
	printf 'tls-reports@example.com tls-reports/\nadmin@example.com admin/\n' >"$etc/vmailbox"
	# No chroot (the socket and files are outside the queue directory), and
	# smtpd on a loopback port instead of 25.
	postconf -c "$etc" -F '*/*/chroot = n'
	postconf -c "$etc" -MX smtp/inet
	postconf -c "$etc" -M "127.0.0.1:$port/inet=127.0.0.1:$port inet n - n - - smtpd"
}

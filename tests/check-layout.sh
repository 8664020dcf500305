#!/usr/bin/env bash
# check-layout.sh - the walls between the parts of collector/ (README
# "Layout"): the core library that every binary links keeps to itself.
#
# Usage: check-layout.sh SOURCE_DIR
#
# Fails, naming the file and the line, when a file of collector/core/
#   - includes a header of the project that is not in collector/core/
#     (the milter's, the receiver's, the daemons' or the fetch's);
#   - calls a logging function (log_*, syslog, vsyslog, perror, warn*,
#     err*) or writes to stderr (stderr, STDERR_FILENO, fd 2): the core
#     reports through its return values and struct errbuf;
#   - ends the process (exit, _exit, abort);
# and when a source file sits directly in collector/ instead of one of
# its parts.
set -u
src=${1:?usage: check-layout.sh SOURCE_DIR}
core="$src/collector/core"
fail=0
n=0

bad() { # FILE:LINE: TEXT, WHY
	echo "not ok - $1: $2"
	fail=1
}

[ -d "$core" ] || { echo "not ok - no $core"; exit 1; }
# The store's implementations sit in folders of their own under core/store/
# (sqlite/, pgsql/); their headers are found beside them, in store/ or in
# core/.
while IFS= read -r f; do
	n=$((n + 1))
	name=${f#"$src/"}
	# Project headers: "name.h" (system headers come in <>). schema.h
	# is core's; the build writes its schema_sql.c, not a header.
	while IFS=: read -r line inc; do
		h=$(sed -E 's/.*#[[:space:]]*include[[:space:]]*"([^"]+)".*/\1/' <<<"$inc")
		[ -f "$core/$h" ] || [ -f "$(dirname "$f")/$h" ] || [ -f "$core/store/$h" ] ||
			bad "$name:$line" "includes \"$h\", which is not in collector/core/"
	done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f")
	# Comments aside (a line that starts as one), the calls and names.
	while IFS=: read -r line text; do
		bad "$name:$line" "logs, writes to stderr or exits: ${text#"${text%%[![:space:]]*}"}"
	done < <(grep -nE '\b(log_[a-z_]+|v?syslog|perror|warnx?|errx?|vwarnx?|verrx?|exit|_exit|abort)[[:space:]]*\(|\bstderr\b|\bSTDERR_FILENO\b|\b(write|dprintf)[[:space:]]*\([[:space:]]*2[[:space:]]*,' "$f" |
		grep -vE '^[0-9]+:[[:space:]]*(/?\*|//)')
done < <(find "$core" -name '*.[ch]' | sort)
for f in "$src"/collector/*.[ch]; do
	[ -e "$f" ] && bad "${f#"$src/"}" "a file directly in collector/: it belongs to core/, milter/, httpd/, daemon/ or fetch/"
done
[ "$fail" -eq 0 ] && echo "ok - collector/core: $n files include only core headers, neither log nor write to stderr nor exit"
exit "$fail"

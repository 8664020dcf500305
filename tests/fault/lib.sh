# lib.sh - what the kill and writers fault tests share: their arguments
# (TLSRPT HTTPD MILTER GEN), tests/cli/lib.sh, and a work directory of its
# own name: large, and not to be taken for the CLI tests' by anyone
# cleaning those up. Sourced, not run.
TLSRPT=$1
HTTPD=$2
MILTER_BIN=$3
GEN=$4
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../cli/lib.sh"
rmdir "$work"
work=$(mktemp -d /tmp/tlsrpt-fault-XXXXXX)

# tests/lib.sh: what the shell suites share. A suite sets SUITE (its name,
# used for its temporary directory) and sources this file, which makes $TMP
# (removed on exit unless KEEP is set, for looking into a failure), and the
# ok/fail counters it reports with.
TMP=$(mktemp -d "${TMPDIR:-/tmp}/gongbao-$SUITE.XXXXXX") || exit 1
trap '[ -n "${KEEP:-}" ] || rm -rf "$TMP"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
PASSED=0
FAILED=0

ok() {
	PASSED=$((PASSED + 1))
	printf 'ok   %s\n' "$1"
}

fail() {
	FAILED=$((FAILED + 1))
	printf 'FAIL %s: %s\n' "$1" "$2"
}

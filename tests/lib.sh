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

# programs VAR...: makes the path in each named variable absolute (suites cd
# into $TMP) and exits unless it names an executable.
programs() {
	for _v in "$@"; do
		eval "_p=\$$_v"
		case $_p in
		/*) ;;
		*) _p=$(pwd)/$_p ;;
		esac
		eval "$_v=\$_p"
		if [ ! -x "$_p" ]; then
			echo "$SUITE: no program at '$_p'" >&2
			exit 1
		fi
	done
}

# needs COMMAND...: exits unless each command is on the PATH.
needs() {
	for _c in "$@"; do
		command -v "$_c" >/dev/null 2>&1 || { echo "$SUITE: needs $_c" >&2; exit 1; }
	done
}

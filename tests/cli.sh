#!/bin/sh
# tests/cli.sh: integration tests of the gongbao program, run by 'make check-cli'.
#
#   sh tests/cli.sh [build/gongbao]
#
# Drives the program as a user would: keys, a ledger, posts, raw appends of
# good and hand-damaged entries, damaged ledger files, a full LMDB map,
# checkpoints and proofs. Every rejection must exit 1 with 'gongbao: GB_NAME: '
# on stderr, print nothing on stdout, and leave the ledger as it was (same
# number of log lines, same checkpoint root). Bad usage must exit 2.
# POSIX sh (dash); needs od, awk, dd, head, tail, cmp, grep, sha256sum and
# base64; jq is used when present. Everything happens in a temporary directory.
# Prints one line per check and ends with 'cli: N passed, M failed'.
set -u
# The ledger clock the fixed times in these tests are near (2026-01-01).
GONGBAO_CLOCK=1767225600
export GONGBAO_CLOCK

GB=${1:-build/gongbao}
case $GB in
/*) ;;
*) GB=$(pwd)/$GB ;;
esac
if [ ! -x "$GB" ]; then
	echo "cli: no program at '$GB'" >&2
	exit 1
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/gongbao-cli.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
# Files the tests make live in $TMP/w; the outputs of the last command in $TMP.
mkdir "$TMP/w" && cd "$TMP/w" || exit 1

# The environment the commands run in: no terminal prompts, the default map size.
GONGBAO_PASSPHRASE=cli-test-passphrase
GONGBAO_LEDGER=$TMP/ledger
export GONGBAO_PASSPHRASE GONGBAO_LEDGER
unset GONGBAO_MAP_SIZE
PASSPHRASE=$GONGBAO_PASSPHRASE

# jq checks JSON when it is installed (GONGBAO_TEST_NO_JQ=1 tests the fallback).
JQ=$(command -v jq 2>/dev/null || true)
[ "${GONGBAO_TEST_NO_JQ:-0}" = 1 ] && JQ=

OUT=$TMP/stdout
ERR=$TMP/stderr
PASSED=0
FAILED=0
TN=unnamed

# ---- reporting ---------------------------------------------------------------

ok() {
	PASSED=$((PASSED + 1))
	printf 'ok   %s\n' "$1"
}

fail() {
	FAILED=$((FAILED + 1))
	printf 'FAIL %s: %s\n' "$1" "$2"
}

# Names the checks that follow.
t() {
	TN=$1
}

# The first line of the last command's stderr, for failure reports.
errline() {
	head -n 1 "$ERR" 2>/dev/null | cut -c 1-200
}

# check COND_CMD... : one check named $TN that passes when the command succeeds.
check() {
	if "$@"; then
		ok "$TN"
	else
		fail "$TN" "'$*' is false; last stderr: $(errline)"
	fi
}

# nopass CMD...: runs CMD without GONGBAO_PASSPHRASE and GONGBAO_LEDGER.
nopass() {
	(
		unset GONGBAO_PASSPHRASE GONGBAO_LEDGER
		exec "$@"
	)
}

# run CMD...: runs with stdin from $IN (default /dev/null); keeps stdout,
# stderr and the exit status.
IN=
run() {
	"$@" <"${IN:-/dev/null}" >"$OUT" 2>"$ERR"
	RC=$?
}

# expect_ok CMD...: the command must exit 0.
expect_ok() {
	run "$@"
	if [ "$RC" -eq 0 ]; then
		ok "$TN"
	else
		fail "$TN" "exit $RC: $(errline)"
	fi
}

# expect_out WANT CMD...: the command must exit 0 and print exactly WANT.
expect_out() {
	_want=$1
	shift
	run "$@"
	if [ -z "$_want" ]; then
		fail "$TN" "nothing to compare with (an earlier step failed)"
	elif [ "$RC" -ne 0 ]; then
		fail "$TN" "exit $RC: $(errline)"
	elif [ "$(cat "$OUT")" != "$_want" ]; then
		fail "$TN" "printed '$(head -c 200 "$OUT")', want '$_want'"
	else
		ok "$TN"
	fi
}

# expect_fail GB_NAME CMD...: exit 1, 'gongbao: GB_NAME: ' on stderr, nothing
# on stdout. GB_EUSAGE means exit 2. When WATCH names a ledger, a second check
# requires that it did not change.
expect_fail() {
	_code=$1
	shift
	_want=1
	[ "$_code" = GB_EUSAGE ] && _want=2
	run "$@"
	if [ "$RC" -ne "$_want" ]; then
		fail "$TN" "exit $RC, want $_want ($_code): $(errline)"
	elif ! grep -q "^gongbao: $_code: " "$ERR"; then
		fail "$TN" "stderr lacks 'gongbao: $_code: ': $(errline)"
	elif [ -s "$OUT" ]; then
		fail "$TN" "printed on stdout although it failed: $(head -c 100 "$OUT")"
	else
		ok "$TN"
	fi
	[ -n "$WATCH" ] && unchanged
}

# says TEXT: one check that the last command's stderr quotes TEXT.
says() {
	if grep -q -F -e "$1" "$ERR"; then
		ok "$TN: the message quotes '$1'"
	else
		fail "$TN: the message quotes '$1'" "$(errline)"
	fi
}

# expect_error CMD...: exit 1 with some 'gongbao: GB_...: ' message.
expect_error() {
	run "$@"
	if [ "$RC" -ne 1 ]; then
		fail "$TN" "exit $RC, want 1: $(errline)"
	elif ! grep -q '^gongbao: GB_[A-Z]*: ' "$ERR"; then
		fail "$TN" "stderr lacks 'gongbao: GB_...: ': $(errline)"
	elif [ -s "$OUT" ]; then
		fail "$TN" "printed on stdout although it failed: $(head -c 100 "$OUT")"
	else
		ok "$TN"
	fi
	[ -n "$WATCH" ] && unchanged
}

# expect_usage CMD...: exit 2 with a message that points at --help or Usage.
expect_usage() {
	run "$@"
	if [ "$RC" -ne 2 ]; then
		fail "$TN" "exit $RC, want 2: $(errline)"
	elif ! grep -q -e 'Usage' -e '--help' "$ERR"; then
		fail "$TN" "stderr says neither Usage nor --help: $(errline)"
	else
		ok "$TN"
	fi
	[ -n "$WATCH" ] && unchanged
}

# ---- the ledger under watch -------------------------------------------------

WATCH=

# Prints "LOG_LINES ROOT" of the ledger $WATCH, or ERROR.
ledger_state() {
	if "$GB" log --ledger "$WATCH" >"$TMP/state-log" 2>/dev/null &&
		"$GB" checkpoint --ledger "$WATCH" >"$TMP/state-cp" 2>/dev/null; then
		_r=$(sed -n 3p "$TMP/state-cp")
		[ -n "$_r" ] && echo "$(lines "$TMP/state-log") $_r" && return
		echo ERROR
	else
		echo ERROR
	fi
}

# Records the watched ledger's state after an intended change.
snap() {
	STATE=$(ledger_state)
	[ "$STATE" = ERROR ] && fail "snapshot of $WATCH" "log or checkpoint failed"
}

# One check: the watched ledger is as the last snap left it.
unchanged() {
	_now=$(ledger_state)
	if [ "$_now" = "$STATE" ] && [ "$_now" != ERROR ]; then
		ok "$TN: ledger unchanged"
	else
		fail "$TN: ledger unchanged" "was '$STATE', now '$_now'"
	fi
}

# ---- bytes -------------------------------------------------------------------

# tohex FILE: the file as one line of lowercase hex.
tohex() {
	od -A n -v -t x1 "$1" | tr -d ' \n'
}

# unhex: hex on stdin to bytes on stdout (printf with octal escapes, for dash).
unhex() {
	awk '{
		for (i = 1; i < length($0); i += 2) {
			h = index("0123456789abcdef", substr($0, i, 1)) - 1
			l = index("0123456789abcdef", substr($0, i + 1, 1)) - 1
			s = s sprintf("\\%03o", h * 16 + l)
			if (++n == 64) { print s; s = ""; n = 0 }
		}
	}
	END { if (n > 0) print s }' | while IFS= read -r _line; do
		printf "$_line"
	done
}

# hexfind HEX PATTERN [FROM]: byte offset of PATTERN at or after byte FROM, or -1.
hexfind() {
	awk -v h="$1" -v p="$2" -v from="${3:-0}" 'BEGIN {
		s = from * 2 + 1
		while ((i = index(substr(h, s), p)) > 0) {
			pos = s + i - 1
			if (pos % 2 == 1) { print (pos - 1) / 2; exit }
			s = pos + 1
		}
		print -1
	}'
}

# hexsplice HEX OFFSET DEL_BYTES INS_HEX: deletes and inserts bytes at OFFSET.
hexsplice() {
	awk -v h="$1" -v o="$2" -v d="$3" -v ins="$4" 'BEGIN {
		print substr(h, 1, 2 * o) ins substr(h, 2 * o + 2 * d + 1)
	}'
}

# hexbyte HEX OFFSET: the two hex digits of one byte.
hexbyte() {
	awk -v h="$1" -v o="$2" 'BEGIN { print substr(h, 2 * o + 1, 2) }'
}

# prng_hex SEED COUNT: COUNT reproducible pseudo-random bytes (Park-Miller).
prng_hex() {
	awk -v x="$1" -v n="$2" 'BEGIN {
		for (i = 0; i < n; i++) {
			x = (x * 16807) % 2147483647
			printf "%02x", int(x / 8388608) % 256
		}
		print ""
	}'
}

# flip_byte FILE OFFSET: XORs one byte of FILE with 0x01 in place.
flip_byte() {
	_b=$(od -A n -j "$2" -N 1 -t u1 "$1" 2>/dev/null | tr -d ' ')
	[ -n "$_b" ] || return 1
	_o=$(printf '%03o' $((_b ^ 1)))
	printf "\\$_o" | dd of="$1" bs=1 seek="$2" count=1 conv=notrunc 2>/dev/null
}

# is_json FILE: the file parses as JSON (jq); without jq, it is one '{...}'.
is_json() {
	if [ -n "$JQ" ]; then
		"$JQ" -e . "$1" >/dev/null 2>&1
	else
		[ "$(tr -d ' \t\n' <"$1" | grep -c '^{.*}$')" -eq 1 ]
	fi
}

# lines FILE: the number of lines.
lines() {
	_c=$(wc -l <"$1")
	echo $((_c))
}

# ---- usage and help ----------------------------------------------------------

COMMANDS="keygen vkey init post append get log checkpoint prove verify"

t "gongbao --help exits 0 with a Usage line"
run "$GB" --help
check eval '[ "$RC" -eq 0 ] && grep -q "^Usage: gongbao" "$OUT"'
for c in $COMMANDS; do
	t "gongbao $c --help exits 0 with a Usage line"
	run "$GB" "$c" --help
	check eval '[ "$RC" -eq 0 ] && grep -q "^Usage: gongbao $c" "$OUT"'
done
t "gongbao with no arguments exits 2"
run "$GB"
check eval '[ "$RC" -eq 2 ] && [ -s "$ERR" ]'
t "an unknown command exits 2"
expect_usage "$GB" frobnicate
t "an unknown option exits 2"
expect_usage "$GB" log --frobnicate
t "keygen without --out exits 2"
expect_usage "$GB" keygen --name x
t "keygen without --name exits 2"
expect_usage "$GB" keygen --out x.sec
t "init without --charter exits 2"
expect_usage "$GB" init --ledger nowhere --origin o --log-key k.sec --key a.sec
t "init without --origin exits 2"
expect_usage "$GB" init --ledger nowhere --log-key k.sec --charter c.json --key a.sec
t "post without --key exits 2"
expect_usage "$GB" post -
t "post without a body argument exits 2"
expect_usage "$GB" post --key k.sec
t "append without an entry argument exits 2"
expect_usage "$GB" append
t "get without an index exits 2"
expect_usage "$GB" get
t "get with a non-numeric index exits 2"
expect_usage "$GB" get one
t "prove without a kind exits 2"
expect_usage "$GB" prove
t "prove consistency with one size exits 2 (before looking for the ledger)"
expect_usage "$GB" prove consistency 1
t "prove inclusion without an index exits 2 (before looking for the ledger)"
expect_usage "$GB" prove inclusion
t "verify with an unknown kind exits 2"
expect_usage "$GB" verify everything x
t "verify checkpoint without --vkey exits 2"
expect_usage "$GB" verify checkpoint cp.txt
t "no usage error left a file behind"
check eval '[ -z "$(ls -A)" ]'

# ---- keygen ------------------------------------------------------------------

mkdir keys
ORIGIN=test.gongbao/cli
VKEY_RE='[A-Za-z0-9+/]\{44\}$'

# keygen NAME FILE: makes a key (one check) and sets V to its verifier key.
keygen() {
	t "keygen $1 ($2.sec) prints NAME+8hex+base64"
	run "$GB" keygen --name "$1" --out "keys/$2.sec"
	V=$(cat "$OUT")
	_name_re=$(printf '%s' "$1" | sed 's/[.]/[.]/g')
	if [ "$RC" -eq 0 ] && [ "$(lines "$OUT")" -eq 1 ] &&
		grep -q "^$_name_re+[0-9a-f]\{8\}+$VKEY_RE" "$OUT"; then
		ok "$TN"
	else
		fail "$TN" "exit $RC, printed '$V': $(errline)"
	fi
}

keygen zs-assoc assoc
V_ASSOC=$V
keygen picc-zs picc
V_PICC=$V
keygen zs-eb zseb
V_ZSEB=$V
keygen cpic-zs outsider
V_OUT=$V
keygen zs-assoc assoc-twin
V_TWIN=$V
keygen "$ORIGIN" log
V_LOG=$V
keygen "$ORIGIN" log-twin
V_LOG_TWIN=$V

t "two keys of the same name differ"
check eval '[ "$V_ASSOC" != "$V_TWIN" ] && [ "$V_LOG" != "$V_LOG_TWIN" ]'
t "vkey --key prints the key file's verifier key"
expect_out "$V_PICC" "$GB" vkey --key keys/picc.sec
t "vkey --key needs no passphrase"
expect_out "$V_PICC" nopass "$GB" vkey --key keys/picc.sec
t "key files are created with mode 0600"
check eval '[ "$(ls -l keys/picc.sec | cut -c 1-10)" = "-rw-------" ]'
t "keygen --json prints name, keyid, vkey and file"
run "$GB" keygen --name json-key --out keys/json.sec --json
check eval '[ "$RC" -eq 0 ] && is_json "$OUT" && grep -q "\"vkey\": *\"json-key+" "$OUT" &&
	grep -q "\"keyid\"" "$OUT" && grep -q "\"file\"" "$OUT"'
cp keys/picc.sec picc.copy
t "keygen refuses to overwrite a key file"
expect_fail GB_EEXIST "$GB" keygen --name picc-zs --out keys/picc.sec
t "the refused keygen left the key file as it was"
check cmp -s keys/picc.sec picc.copy
t "keygen rejects a name with a space"
expect_fail GB_EINVAL "$GB" keygen --name "picc zs" --out keys/space.sec
t "keygen rejects a name with a space: no key file made"
check eval '[ ! -e keys/space.sec ]'
t "keygen rejects a name with a plus"
expect_fail GB_EINVAL "$GB" keygen --name "picc+zs" --out keys/plus.sec
t "keygen rejects a name with a plus: no key file made"
check eval '[ ! -e keys/plus.sec ]'
t "keygen with an empty passphrase"
expect_fail GB_EINVAL env GONGBAO_PASSPHRASE= "$GB" keygen --name empty-pass --out keys/nopass.sec
t "keygen with an empty passphrase: no key file made"
check eval '[ ! -e keys/nopass.sec ]'
t "keygen does not follow a symlink at --out"
ln -s link-target.sec keys/link.sec
expect_fail GB_EEXIST "$GB" keygen --name linked --out keys/link.sec
t "keygen does not follow a symlink at --out: nothing written through it"
check eval '[ ! -e keys/link-target.sec ]'
rm -f keys/link.sec
t "keygen rejects an empty name"
expect_fail GB_EINVAL "$GB" keygen --name "" --out keys/empty.sec
t "vkey --key of a file that is not a key"
printf 'not a key\n' >notakey.sec
expect_fail GB_EKEYFILE "$GB" vkey --key notakey.sec

# ---- init ----------------------------------------------------------------------

# charter FILE ASSOC_VKEY PICC_ID PICC_VKEY: writes a charter with a fixed time.
charter() {
	cat >"$1" <<JSON
{"consortium": "zs-2026", "name": "CLI test consortium", "time": 1767225600,
 "participants": [
  {"id": "zs-assoc", "role": "association", "vkey": "$2"},
  {"id": "$3", "role": "member", "vkey": "$4"},
  {"id": "zs-eb", "role": "regulator", "vkey": "$V_ZSEB"}]}
JSON
}
charter charter.json "$V_ASSOC" picc-zs "$V_PICC"
charter charter-misnamed.json "$V_ASSOC" picc-x "$V_PICC"
printf '{"consortium": "zs-2026", "name": "broken", "participants": [' >charter-broken.json

L=$TMP/ledger
t "init with a good charter prints 0"
expect_out 0 "$GB" init --ledger "$L" --origin "$ORIGIN" --log-key keys/log.sec \
	--charter charter.json --key keys/assoc.sec
t "init made data.mdb and kept the log key"
check eval '[ -s "$L/data.mdb" ] && [ -s "$L/log.sec" ]'
t "a new ledger lists one entry, the charter"
run "$GB" log
check eval '[ "$RC" -eq 0 ] && [ "$(lines "$OUT")" -eq 1 ] &&
	[ "$(cut -f 1,3,4 "$OUT")" = "$(printf "0\tcharter\tzs-assoc")" ]'
t "vkey of the ledger is the log key's verifier key"
expect_out "$V_LOG" "$GB" vkey

WATCH=$L
snap
t "init again in the same directory"
expect_fail GB_EEXIST "$GB" init --ledger "$L" --origin "$ORIGIN" --log-key keys/log.sec \
	--charter charter.json --key keys/assoc.sec
t "init over an existing ledger with GONGBAO_LEDGER"
expect_fail GB_EEXIST "$GB" init --origin "$ORIGIN" --log-key keys/log.sec \
	--charter charter.json --key keys/assoc.sec
WATCH=

# init_fails NAME GB_CODE DIR CHARTER KEY [PASSPHRASE]: a refused init leaves no ledger.
init_fails() {
	t "init: $1"
	_dir=$3
	expect_fail "$2" env GONGBAO_PASSPHRASE="${6:-$PASSPHRASE}" "$GB" init --ledger "$_dir" \
		--origin "$ORIGIN" --log-key keys/log.sec --charter "$4" --key "$5"
	t "init: $1: no data.mdb and no log.sec left behind"
	check eval '[ ! -e "$_dir/data.mdb" ] && [ ! -e "$_dir/log.sec" ]'
	t "init: $1"
}
init_fails "charter signed by a member's key" GB_ECHARTER bad1 charter.json keys/picc.sec
init_fails "charter signed by the regulator's key" GB_ECHARTER bad2 charter.json keys/zseb.sec
init_fails "malformed charter JSON" GB_EJSON bad3 charter-broken.json keys/assoc.sec
init_fails "a vkey whose name differs from its id" GB_ECHARTER bad4 charter-misnamed.json \
	keys/assoc.sec
says picc-x
init_fails "wrong passphrase" GB_EPASSPHRASE bad5 charter.json keys/assoc.sec wrong-passphrase
init_fails "signed by another key of the association's name" GB_EUNKNOWNKEY bad6 charter.json \
	keys/assoc-twin.sec
printf '{"consortium": "zs-2026", "name": "x", "participants": [{"id": "zs-assoc", "role": "king", "vkey": "%s"}]}' \
	"$V_ASSOC" >charter-role.json
init_fails "an unknown role" GB_ECHARTER bad7 charter-role.json keys/assoc.sec
printf '{"consortium": "zs-2026", "name": "x", "participants": [{"id": "zs-assoc", "role": "association", "vkey": "%s"}, {"id": "zs-assoc", "role": "member", "vkey": "%s"}]}' \
	"$V_ASSOC" "$V_ASSOC" >charter-dup.json
init_fails "a participant twice" GB_ECHARTER bad8 charter-dup.json keys/assoc.sec
printf '{"consortium": "zs-2026", "name": "x", "participants": []}' >charter-empty.json
init_fails "no participants" GB_ECHARTER bad9 charter-empty.json keys/assoc.sec
t "refused inits left no directory behind ('On failure nothing is left behind')"
_left=$(for d in bad1 bad2 bad3 bad4 bad5 bad6 bad7 bad8 bad9; do [ -e "$d" ] && printf '%s ' "$d"; done)
if [ -z "$_left" ]; then ok "$TN"; else fail "$TN" "left behind: $_left"; fi
t "init: a missing charter file"
expect_fail GB_EIO "$GB" init --ledger bad10 --origin "$ORIGIN" --log-key keys/log.sec \
	--charter no-such.json --key keys/assoc.sec

# ---- post ------------------------------------------------------------------------

WATCH=$L
NEXT=1

# post_ok NAME KEY BODY: the body is accepted with index $NEXT.
post_ok() {
	t "post: $1 gets index $NEXT"
	printf '%s' "$3" >body.json
	expect_out "$NEXT" "$GB" post --key "keys/$2.sec" body.json
	NEXT=$((NEXT + 1))
	snap
}

# post_fails NAME GB_CODE KEY BODY: the body is refused.
post_fails() {
	t "post: $1"
	printf '%s' "$4" >body.json
	expect_fail "$2" "$GB" post --key "keys/$3.sec" body.json
}

post_ok "a member's memo" picc '{"type":"memo","id":"picc-001","text":"Lead insurer: plan filed"}'
post_ok "a second memo" picc '{"type":"memo","id":"picc-002","text":"Second memo"}'
post_ok "the regulator's memo" zseb '{"type":"memo","id":"zseb-001","text":"Register published"}'

t "post: a body on stdin gets index $NEXT"
printf '{"type":"memo","id":"assoc-001","text":"Association memo from stdin"}' >stdin.json
IN=stdin.json
expect_out "$NEXT" "$GB" post --key keys/assoc.sec -
IN=
NEXT=$((NEXT + 1))
snap

FIXED='{"type":"memo","id":"fixed-001","time":1767225600,"text":"Retry me byte for byte"}'
FIXED_INDEX=$NEXT
post_ok "a memo with an explicit time" picc "$FIXED"
t "post: the same body again returns the same index"
printf '%s' "$FIXED" >body.json
expect_out "$FIXED_INDEX" "$GB" post --key keys/picc.sec body.json
t "post: the repeat says 'already' on stderr"
check grep -q already "$ERR"
unchanged

t "post --json prints valid JSON with the index"
printf '{"type":"memo","id":"json-001","time":1767225601,"text":"JSON output"}' >body.json
run "$GB" post --json --key keys/picc.sec body.json
check eval '[ "$RC" -eq 0 ] && [ "$(lines "$OUT")" -le 1 ] && is_json "$OUT" &&
	grep -q "\"index\": *$NEXT[,}]" "$OUT" && grep -q "\"duplicate\": *false" "$OUT"'
NEXT=$((NEXT + 1))
snap
t "post --json of a duplicate says duplicate true"
run "$GB" post --json --key keys/picc.sec body.json
check eval '[ "$RC" -eq 0 ] && is_json "$OUT" && grep -q "\"index\": *$((NEXT - 1))[,}]" "$OUT" &&
	grep -q "\"duplicate\": *true" "$OUT"'
unchanged

post_fails "the same id with other text" GB_EIDREUSE picc \
	'{"type":"memo","id":"fixed-001","time":1767225600,"text":"Other text"}'
says fixed-001
post_fails "the same id with another time" GB_EIDREUSE picc \
	'{"type":"memo","id":"fixed-001","time":1767225601,"text":"Retry me byte for byte"}'
post_fails "a float" GB_EJSON picc '{"type":"memo","id":"float-001","text":"x","amount":1.5}'
post_fails "malformed JSON" GB_EJSON picc '{"type":"memo","id":"bad-json",'
post_fails "a JSON array instead of an object" GB_EJSON picc '["memo"]'
post_fails "an unknown field" GB_EFIELD picc '{"type":"memo","id":"field-001","text":"x","colour":"red"}'
says colour
post_fails "no text" GB_EFIELD picc '{"type":"memo","id":"field-002"}'
post_fails "text that is a number" GB_EFIELD picc '{"type":"memo","id":"field-003","text":7}'
post_fails "no id" GB_EFIELD picc '{"type":"memo","text":"x"}'
post_fails "an empty text" GB_EVALUE picc '{"type":"memo","id":"value-001","text":""}'
TEXT_4096=$(head -c 4096 /dev/zero | tr '\0' t)
post_fails "text of 4097 bytes" GB_EVALUE picc \
	"{\"type\":\"memo\",\"id\":\"value-002\",\"text\":\"${TEXT_4096}x\"}"
says text
post_fails "doc_sha256 in upper case" GB_EVALUE picc \
	"{\"type\":\"memo\",\"id\":\"value-003\",\"text\":\"x\",\"doc_sha256\":\"$(prng_hex 5 32 | tr a-f A-F)\"}"
post_ok "text of exactly 4096 bytes" picc \
	"{\"type\":\"memo\",\"id\":\"value-004\",\"text\":\"$TEXT_4096\"}"
post_ok "a memo with doc_sha256" picc \
	"{\"type\":\"memo\",\"id\":\"value-005\",\"text\":\"x\",\"doc_sha256\":\"$(prng_hex 5 32)\"}"
CHUNK=$(head -c 15000 /dev/zero | tr '\0' c)
post_fails "a body over 64 KiB" GB_ETOOBIG picc \
	"{\"type\":\"memo\",\"id\":\"big-001\",\"text\":\"x\",\"pad\":[\"$CHUNK\",\"$CHUNK\",\"$CHUNK\",\"$CHUNK\",\"$CHUNK\"]}"
post_fails "the key of someone not in the charter" GB_EUNKNOWNKEY outsider \
	'{"type":"memo","id":"out-001","text":"I am not a member"}'
says cpic-zs
post_fails "another key with a participant's name" GB_EUNKNOWNKEY assoc-twin \
	'{"type":"memo","id":"twin-001","text":"I am not the association"}'
t "post: wrong passphrase"
printf '{"type":"memo","id":"pass-001","text":"x"}' >body.json
expect_fail GB_EPASSPHRASE env GONGBAO_PASSPHRASE=wrong-passphrase "$GB" post --key keys/picc.sec body.json
post_fails "an unknown type" GB_ETYPE picc '{"type":"memox","id":"type-001","text":"x"}'
says memox
post_fails "a second charter" GB_ECHARTER assoc \
	'{"type":"charter","id":"charter-2","name":"again","participants":[]}'
post_fails "another consortium" GB_ECONSORTIUM picc \
	'{"type":"memo","id":"cons-001","consortium":"other-2026","text":"x"}'
says other-2026
post_fails "a version other than 1" GB_EVERSION picc '{"type":"memo","id":"v-001","v":2,"text":"x"}'
post_fails "a signer other than the key's" GB_EFIELD picc \
	'{"type":"memo","id":"signer-001","signer":"zs-eb","text":"x"}'
t "post: a missing body file"
expect_fail GB_EIO "$GB" post --key keys/picc.sec no-such-body.json
t "post: the refused bodies did not use up their ids"
printf '{"type":"memo","id":"cons-001","text":"now in the right consortium"}' >body.json
expect_out "$NEXT" "$GB" post --key keys/picc.sec body.json
NEXT=$((NEXT + 1))
snap

# A memo whose text the ledger-damage checks look for in data.mdb.
MARK=unique-text-9f3c2a71e5
MARK_INDEX=$NEXT
post_ok "the memo to be damaged later" zseb "{\"type\":\"memo\",\"id\":\"mark-001\",\"text\":\"$MARK\"}"

# ---- append ------------------------------------------------------------------------

t "get --raw of entry 1"
run "$GB" get 1 --raw
cp "$OUT" e1.bin
check eval '[ "$RC" -eq 0 ] && [ -s e1.bin ]'

# A second ledger with the same charter (fixed time, deterministic signatures)
# signs entries that the first ledger has not seen yet.
L2=$TMP/ledger2
t "a second ledger from the same charter"
expect_out 0 "$GB" init --ledger "$L2" --origin "$ORIGIN" --log-key keys/log.sec \
	--charter charter.json --key keys/assoc.sec
"$GB" get 0 --raw >charter-1.bin 2>/dev/null
"$GB" get --ledger "$L2" 0 --raw >charter-2.bin 2>/dev/null
t "both ledgers hold byte-identical charters"
check eval '[ -s charter-1.bin ] && cmp -s charter-1.bin charter-2.bin'
t "post into the second ledger: an entry the first has not seen"
printf '{"type":"memo","id":"fresh-001","text":"Lead insurer: plan filed"}' >body.json
expect_out 1 "$GB" post --ledger "$L2" --key keys/picc.sec body.json
"$GB" get --ledger "$L2" 1 --raw >fresh.bin 2>/dev/null
t "append of entry 1's bytes returns index 1"
expect_out 1 "$GB" append e1.bin
unchanged
t "append --json of a duplicate says duplicate true"
IN=e1.bin
run "$GB" append --json -
IN=
check eval '[ "$RC" -eq 0 ] && is_json "$OUT" && grep -q "\"index\": *1[,}]" "$OUT" &&
	grep -q "\"duplicate\": *true" "$OUT"'

# The layout of fresh.bin (entry.h: {"body": bin(body), "sigs": [{"keyid", "sig",
# "signer"}]}); every damaged entry below is made from it.
H=$(tohex fresh.bin)
E1_LEN=$(wc -c <fresh.bin)
E1_LEN=$((E1_LEN))
t "the fresh entry starts with map(2) 'body' bin8"
check eval '[ "$(hexbyte "$H" 0)$(hexbyte "$H" 1)" = 82a4 ] && [ "$(hexbyte "$H" 6)" = c4 ]'
case $(hexbyte "$H" 7) in
[0-9a-f][0-9a-f]) BODY_LEN=$((0x$(hexbyte "$H" 7))) ;;
*) BODY_LEN=0 ;;
esac
BODY_OFF=8
SIGS_OFF=$((BODY_OFF + BODY_LEN))
t "the body is followed by 'sigs' array(1)"
check eval '[ "$(hexfind "$H" a47369677391 "$SIGS_OFF")" -eq "$SIGS_OFF" ]'
SIG_OFF=$(hexfind "$H" a3736967c440 "$SIGS_OFF")
SIG_OFF=$((SIG_OFF + 6))
V_OFF=$(hexfind "$H" a17601 "$BODY_OFF")
TEXT_OFF=$(hexfind "$H" "a474657874b8$(printf 'Lead insurer: plan filed' | od -A n -v -t x1 | tr -d ' \n')" "$BODY_OFF")
t "the signature, 'v': 1 and the text are where expected"
check eval '[ "$SIG_OFF" -gt "$SIGS_OFF" ] && [ $((SIG_OFF + 64)) -lt "$E1_LEN" ] &&
	[ "$V_OFF" -gt "$BODY_OFF" ] && [ "$V_OFF" -lt "$SIGS_OFF" ] &&
	[ "$TEXT_OFF" -gt "$BODY_OFF" ] && [ "$TEXT_OFF" -lt "$SIGS_OFF" ]'

# bad HEX FILE: writes the bytes.
bad() {
	printf '%s\n' "$1" | unhex >"$2"
}

t "the hex tools round-trip the fresh entry"
bad "$H" fresh-again.bin
check eval '[ -s fresh.bin ] && cmp -s fresh.bin fresh-again.bin'

t "append: a flipped byte in the signature"
cp fresh.bin bad-sig.bin
flip_byte bad-sig.bin $((SIG_OFF + 10))
expect_fail GB_ESIG "$GB" append bad-sig.bin
t "append: entry 1 with a flipped signature byte reuses its id (idempotency comes first)"
cp e1.bin bad-sig1.bin
flip_byte bad-sig1.bin "$SIG_OFF"
expect_fail GB_EIDREUSE "$GB" append bad-sig1.bin
t "append: a changed byte in the signed text"
bad "$(hexsplice "$H" $((TEXT_OFF + 6)) 1 "$(printf 'M' | od -A n -t x1 | tr -d ' ')")" bad-text.bin
expect_fail GB_ESIG "$GB" append bad-text.bin
t "append: truncated by one byte"
head -c $((E1_LEN - 1)) fresh.bin >trunc1.bin
expect_fail GB_EMSGPACK "$GB" append trunc1.bin
t "append: truncated inside the body"
head -c 40 fresh.bin >trunc40.bin
expect_fail GB_EMSGPACK "$GB" append trunc40.bin
t "append: a trailing byte"
{ cat fresh.bin; printf '\000'; } >trailing.bin
expect_fail GB_ETRAILING "$GB" append trailing.bin
t "append: the entry twice in one file"
cat fresh.bin fresh.bin >twice.bin
expect_fail GB_ETRAILING "$GB" append twice.bin
t "append: an empty file"
: >empty.bin
expect_error "$GB" append empty.bin
t "append: a file over 64 KiB"
head -c 70000 /dev/zero >zeros.bin
expect_fail GB_ETOOBIG "$GB" append zeros.bin
for seed in 1 2 3 4 5 6 7 8; do
	t "append: pseudo-random bytes (seed $seed)"
	bad "$(prng_hex "$seed" $((seed * 37)))" "random$seed.bin"
	expect_error "$GB" append "random$seed.bin"
done
t "append: random bytes behind a valid map header"
bad "82a4626f6479c440$(prng_hex 99 64)a47369677391$(prng_hex 98 40)" random-map.bin
expect_error "$GB" append random-map.bin

# Non-canonical: 'v': 1 as uint8 (cc 01) instead of a positive fixint, the
# bin8 length of the body one larger. The signature is irrelevant: decoding fails first.
t "append: 'v': 1 encoded as 0xcc 0x01"
NC=$(hexsplice "$H" "$V_OFF" 3 a176cc01)
NC=$(hexsplice "$NC" 7 1 "$(printf '%02x' $((BODY_LEN + 1)))")
bad "$NC" noncanon-int.bin
expect_fail GB_ENONCANON "$GB" append noncanon-int.bin
t "append: a short text encoded as str8"
NC=$(hexsplice "$H" $((TEXT_OFF + 5)) 1 d918)
NC=$(hexsplice "$NC" 7 1 "$(printf '%02x' $((BODY_LEN + 1)))")
bad "$NC" noncanon-str.bin
expect_fail GB_ENONCANON "$GB" append noncanon-str.bin
t "append: the body as bin16"
NC=$(hexsplice "$H" 6 2 "c500$(printf '%02x' "$BODY_LEN")")
bad "$NC" noncanon-bin.bin
expect_fail GB_ENONCANON "$GB" append noncanon-bin.bin
t "append: 'sigs' before 'body'"
SIGS_HEX=$(awk -v h="$H" -v o="$SIGS_OFF" 'BEGIN { print substr(h, 2 * o + 1) }')
BODY_HEX=$(awk -v h="$H" -v e="$SIGS_OFF" 'BEGIN { print substr(h, 3, 2 * e - 2) }')
bad "82$SIGS_HEX$BODY_HEX" noncanon-order.bin
expect_fail GB_ENONCANON "$GB" append noncanon-order.bin
t "append: no signatures (sigs: [])"
bad "$(awk -v h="$H" -v e="$SIGS_OFF" 'BEGIN { print substr(h, 1, 2 * e + 10) }')90" nosig.bin
expect_fail GB_ENOSIG "$GB" append nosig.bin
t "append: a missing file"
expect_fail GB_EIO "$GB" append no-such.bin
FRESH_INDEX=$NEXT
t "append: the fresh entry, signed elsewhere, gets index $NEXT"
expect_out "$NEXT" "$GB" append fresh.bin
NEXT=$((NEXT + 1))
snap
t "append: the fresh entry again is a duplicate"
expect_out "$FRESH_INDEX" "$GB" append fresh.bin
unchanged
t "get --raw of the appended entry round-trips byte-exactly"
"$GB" get "$FRESH_INDEX" --raw >fresh-back.bin 2>/dev/null
check eval '[ -s fresh.bin ] && cmp -s fresh.bin fresh-back.bin'

# ---- get and log ---------------------------------------------------------------------

t "get --json prints one line of JSON"
run "$GB" get 1 --json
check eval '[ "$RC" -eq 0 ] && [ "$(lines "$OUT")" -eq 1 ] && is_json "$OUT" &&
	grep -q "^{\"index\":1," "$OUT"'
t "get --json holds the body as posted"
check eval 'grep -q "\"text\":\"Lead insurer: plan filed\"" "$OUT" && grep -q "\"signer\":\"picc-zs\"" "$OUT"'
cp "$OUT" e1.json
t "get prints indented JSON by default"
run "$GB" get 1
check eval '[ "$RC" -eq 0 ] && [ "$(lines "$OUT")" -gt 5 ] && is_json "$OUT"'
t "leaf_hash is SHA-256(0x00 || get --raw)"
LEAF=$({ printf '\000'; cat e1.bin; } | sha256sum | cut -c 1-64 | unhex | base64)
check grep -q "\"leaf_hash\":\"$LEAF\"" e1.json

# Entry 1 copied into the second ledger: same bytes, same view but the index.
t "append of entry 1 into the second ledger gets index 2"
expect_out 2 "$GB" append --ledger "$L2" e1.bin
t "get --raw from the second ledger round-trips byte-exactly"
"$GB" get --ledger "$L2" 2 --raw >e1-from-2.bin 2>/dev/null
check eval '[ -s e1.bin ] && cmp -s e1.bin e1-from-2.bin'
t "get --json of the copy equals the original's but for the index"
"$GB" get --ledger "$L2" 2 --json >e1-2.json 2>/dev/null
check eval '[ "$(sed "s/^{\"index\":2,//" e1-2.json)" = "$(sed "s/^{\"index\":1,//" e1.json)" ] &&
	grep -q "^{\"index\":2," e1-2.json'

t "get of the index one past the end"
expect_fail GB_ERANGE "$GB" get "$NEXT"
says "$NEXT"
t "get of a huge index"
expect_fail GB_ERANGE "$GB" get 18446744073709551615
t "log lists every entry"
run "$GB" log
check eval '[ "$RC" -eq 0 ] && [ "$(lines "$OUT")" -eq "$NEXT" ] &&
	[ "$(tail -n 1 "$OUT" | cut -f 1)" = $((NEXT - 1)) ]'
t "log columns: index, time, type, signer, id"
check eval '[ "$(sed -n "$((FIXED_INDEX + 1))p" "$OUT")" = "$(printf "%s\t2026-01-01T00:00:00Z\tmemo\tpicc-zs\tfixed-001" "$FIXED_INDEX")" ]'
t "log --json: one JSON object per line"
run "$GB" log --json
cp "$OUT" log.json
_badlines=0
while IFS= read -r _l; do
	printf '%s\n' "$_l" >line.json
	if ! is_json line.json || ! grep -q '^{"index":' line.json; then
		_badlines=$((_badlines + 1))
	fi
done <log.json
check eval '[ "$RC" -eq 0 ] && [ "$(lines log.json)" -eq "$NEXT" ] && [ "$_badlines" -eq 0 ]'
t "log --json line 2 is get 1 --json"
check eval '[ -s e1.json ] && [ "$(sed -n 2p log.json)" = "$(cat e1.json)" ]'
t "log --start 2 --limit 3"
run "$GB" log --start 2 --limit 3
check eval '[ "$RC" -eq 0 ] && [ "$(cut -f 1 "$OUT" | tr "\n" " ")" = "2 3 4 " ]'

# ---- ledger errors -------------------------------------------------------------------

WATCH=
t "log of a missing directory"
expect_fail GB_ENOLEDGER "$GB" log --ledger "$TMP/no-such-dir"
t "get of a missing directory"
expect_fail GB_ENOLEDGER "$GB" get --ledger "$TMP/no-such-dir" 0
t "no ledger commands create the missing directory"
check eval '[ ! -e "$TMP/no-such-dir" ]'
mkdir emptydir
t "log of an empty directory"
expect_fail GB_ENOLEDGER "$GB" log --ledger emptydir
t "checkpoint of an empty directory"
expect_fail GB_ENOLEDGER "$GB" checkpoint --ledger emptydir --log-key keys/log.sec
t "post to an empty directory"
printf '{"type":"memo","id":"nowhere","text":"x"}' >body.json
expect_fail GB_ENOLEDGER "$GB" post --ledger emptydir --key keys/picc.sec body.json
t "append to an empty directory"
expect_fail GB_ENOLEDGER "$GB" append --ledger emptydir e1.bin
t "the empty directory is still empty"
check eval '[ -z "$(ls -A emptydir)" ]'
t "no ledger without GONGBAO_LEDGER or --ledger is bad usage or GB_ENOLEDGER"
run nopass "$GB" log
check eval '[ "$RC" -eq 2 ] || { [ "$RC" -eq 1 ] && grep -q "^gongbao: GB_ENOLEDGER: " "$ERR"; }'

mkdir garbage
bad "$(prng_hex 4242 8192)" garbage/data.mdb
cp garbage/data.mdb garbage.copy
t "log of a data.mdb of garbage"
expect_fail GB_ECORRUPT "$GB" log --ledger garbage
t "get of a data.mdb of garbage"
expect_fail GB_ECORRUPT "$GB" get --ledger garbage 0
t "post to a data.mdb of garbage"
expect_fail GB_ECORRUPT "$GB" post --ledger garbage --key keys/picc.sec body.json
t "the garbage data.mdb was not written to"
check cmp -s garbage/data.mdb garbage.copy
mkdir zero
: >zero/data.mdb
t "log of an empty data.mdb: GB_ECORRUPT or GB_ENOLEDGER"
run "$GB" log --ledger zero
check eval '[ "$RC" -eq 1 ] && grep -q -e "^gongbao: GB_ECORRUPT: " -e "^gongbao: GB_ENOLEDGER: " "$ERR"'
t "post to an empty data.mdb"
expect_error "$GB" post --ledger zero --key keys/picc.sec body.json
t "the refused post left the empty data.mdb empty"
check eval '[ ! -s zero/data.mdb ]'

# A copy of the ledger with the marked memo's text damaged in data.mdb.
mkdir damaged
cp "$L/data.mdb" "$L/log.sec" damaged/
OFFSETS=$(grep -a -b -o "$MARK" damaged/data.mdb | cut -d : -f 1)
t "the marked text is in data.mdb"
check eval '[ -n "$OFFSETS" ]'
for off in $OFFSETS; do
	flip_byte damaged/data.mdb $((off + 7))
done
t "the marked text is gone from the damaged copy"
check eval '[ -n "$OFFSETS" ] && ! grep -a -q "$MARK" damaged/data.mdb'
t "get of the damaged entry"
expect_fail GB_ECORRUPT "$GB" get --ledger damaged "$MARK_INDEX"
t "get --raw of the damaged entry prints nothing"
expect_fail GB_ECORRUPT "$GB" get --ledger damaged "$MARK_INDEX" --raw
t "log over the damaged entry fails and does not print it"
run "$GB" log --ledger damaged
check eval '[ "$RC" -eq 1 ] && grep -q "^gongbao: GB_ECORRUPT: " "$ERR" &&
	! grep -q "^$MARK_INDEX	" "$OUT" && ! grep -q mark-001 "$OUT"'
t "the other entries still read, byte-identical to the original's"
_readable=0
_i=0
while [ "$_i" -lt "$NEXT" ]; do
	if [ "$_i" -eq "$MARK_INDEX" ]; then
		_i=$((_i + 1))
		continue
	fi
	"$GB" get --ledger damaged "$_i" --raw >damaged-entry.bin 2>/dev/null &&
		"$GB" get "$_i" --raw >good-entry.bin 2>/dev/null &&
		[ -s good-entry.bin ] && cmp -s damaged-entry.bin good-entry.bin &&
		_readable=$((_readable + 1))
	_i=$((_i + 1))
done
check eval '[ "$_readable" -eq $((NEXT - 1)) ]'
t "the original ledger still reads the marked entry"
run "$GB" get "$MARK_INDEX"
check eval '[ "$RC" -eq 0 ] && grep -q "$MARK" "$OUT"'

# ---- a full map ------------------------------------------------------------------------

# Posts of 4000-byte memos into a 128 KiB map until it is full.
S=$TMP/small
MAP=131072
t "init with GONGBAO_MAP_SIZE=$MAP"
expect_out 0 env GONGBAO_MAP_SIZE=$MAP "$GB" init --ledger "$S" --origin "$ORIGIN" \
	--log-key keys/log.sec --charter charter.json --key keys/assoc.sec
TEXT_4000=$(head -c 4000 /dev/zero | tr '\0' f)
_i=1
_full=0
while [ "$_i" -le 60 ]; do
	printf '{"type":"memo","id":"fill-%s","text":"%s"}' "$_i" "$TEXT_4000" >body.json
	GONGBAO_MAP_SIZE=$MAP "$GB" post --ledger "$S" --key keys/picc.sec body.json >"$OUT" 2>"$ERR"
	RC=$?
	if [ "$RC" -ne 0 ]; then
		_full=$_i
		break
	fi
	[ "$(cat "$OUT")" = "$_i" ] || fail "post $_i into the small map" "printed $(cat "$OUT")"
	GONGBAO_MAP_SIZE=$MAP "$GB" log --ledger "$S" >small-log.txt 2>/dev/null
	GONGBAO_MAP_SIZE=$MAP "$GB" checkpoint --ledger "$S" >small-cp.txt 2>/dev/null
	_i=$((_i + 1))
done
t "posts into a $MAP-byte map end with GB_EMAPFULL"
check eval '[ "$_full" -gt 1 ] && [ "$RC" -eq 1 ] && grep -q "^gongbao: GB_EMAPFULL: " "$ERR" && [ ! -s "$OUT" ]'
t "after GB_EMAPFULL the log is as before the failed post"
run env GONGBAO_MAP_SIZE=$MAP "$GB" log --ledger "$S"
check eval '[ "$_full" -gt 1 ] && [ "$RC" -eq 0 ] && cmp -s "$OUT" small-log.txt &&
	[ "$(lines "$OUT")" -eq "$_full" ]'
t "after GB_EMAPFULL the checkpoint root is as before"
run env GONGBAO_MAP_SIZE=$MAP "$GB" checkpoint --ledger "$S"
cp "$OUT" small-cp-after.txt
check eval '[ "$RC" -eq 0 ] && [ "$(sed -n 2p small-cp-after.txt)" = "$_full" ] &&
	[ "$(sed -n 2,3p small-cp-after.txt)" = "$(sed -n 2,3p small-cp.txt)" ]'
t "after GB_EMAPFULL the checkpoint verifies"
expect_ok "$GB" verify checkpoint --vkey "$V_LOG" small-cp-after.txt
t "after GB_EMAPFULL every entry reads and checks against the tree"
_readable=0
_i=0
while [ "$_i" -lt "$_full" ]; do
	GONGBAO_MAP_SIZE=$MAP "$GB" get --ledger "$S" "$_i" --json >/dev/null 2>&1 &&
		_readable=$((_readable + 1))
	_i=$((_i + 1))
done
check eval '[ "$_full" -gt 1 ] && [ "$_readable" -eq "$_full" ]'
t "after GB_EMAPFULL an inclusion proof of the last entry verifies"
GONGBAO_MAP_SIZE=$MAP "$GB" get --ledger "$S" $((_full - 1)) --raw >small-last.bin 2>/dev/null
GONGBAO_MAP_SIZE=$MAP "$GB" prove inclusion --ledger "$S" $((_full - 1)) >small-incl.json 2>/dev/null
expect_ok "$GB" verify inclusion --entry small-last.bin --checkpoint small-cp-after.txt \
	--vkey "$V_LOG" small-incl.json
t "with a larger map the failed post goes through as the next index"
expect_out "$_full" "$GB" post --ledger "$S" --key keys/picc.sec body.json

# ---- checkpoints and proofs ------------------------------------------------------------------

WATCH=$L
SIZE=$NEXT
t "checkpoint prints origin, size, root, a blank line and a signature"
run "$GB" checkpoint
cp "$OUT" cp.txt
check eval '[ "$RC" -eq 0 ] && [ "$(sed -n 1p cp.txt)" = "$ORIGIN" ] && [ "$(sed -n 2p cp.txt)" = "$SIZE" ] &&
	sed -n 3p cp.txt | grep -q "^[A-Za-z0-9+/]\{43\}=$" && [ -z "$(sed -n 4p cp.txt)" ] &&
	sed -n 5p cp.txt | grep -q "^— $ORIGIN [A-Za-z0-9+/=]*$"'
t "the root in the checkpoint is the root in an inclusion proof"
"$GB" prove inclusion 1 >incl.json 2>/dev/null
check grep -q "\"root\": *\"$(sed -n 3p cp.txt)\"" incl.json
t "verify checkpoint with the log's vkey"
expect_ok "$GB" verify checkpoint --vkey "$("$GB" vkey 2>/dev/null)" cp.txt
t "verify checkpoint prints origin, size and root"
check eval 'grep -q "$ORIGIN" "$OUT" && grep -q "$SIZE" "$OUT" && grep -q "$(sed -n 3p cp.txt)" "$OUT"'
t "verify checkpoint from stdin"
IN=cp.txt
expect_ok "$GB" verify checkpoint --vkey "$V_LOG" -
IN=
t "verify checkpoint with another log key of the same name"
expect_fail GB_ENOTESIG "$GB" verify checkpoint --vkey "$V_LOG_TWIN" cp.txt
t "verify checkpoint with a member's vkey"
expect_fail GB_ENOTESIG "$GB" verify checkpoint --vkey "$V_PICC" cp.txt
t "verify checkpoint with a malformed vkey"
expect_fail GB_EVKEY "$GB" verify checkpoint --vkey "not-a-vkey" cp.txt

# swap_first_char LINE_NO FILE: changes the first character of a line (A<->B).
swap_first_char() {
	sed "$1"'{
		s/^A/#/
		s/^[^#]/A/
		s/^#/B/
	}' "$2"
}
swap_first_char 3 cp.txt >cp-root.txt
t "a root line with one character changed"
check eval '! cmp -s cp.txt cp-root.txt && [ "$(sed -n 3p cp-root.txt | wc -c)" -eq "$(sed -n 3p cp.txt | wc -c)" ]'
t "verify checkpoint of the changed root"
expect_fail GB_ENOTESIG "$GB" verify checkpoint --vkey "$V_LOG" cp-root.txt
sed 2s/.*/$((SIZE + 1))/ cp.txt >cp-size.txt
t "verify checkpoint of a changed size"
expect_fail GB_ENOTESIG "$GB" verify checkpoint --vkey "$V_LOG" cp-size.txt
head -n 3 cp.txt >cp-unsigned.txt
t "verify checkpoint without a signature line"
expect_fail GB_ENOTE "$GB" verify checkpoint --vkey "$V_LOG" cp-unsigned.txt

# Inclusion of entry 2 in the whole log.
"$GB" get 2 --raw >e2.bin 2>/dev/null
"$GB" prove inclusion 2 >incl2.json 2>/dev/null
t "prove inclusion prints JSON with index, size, hashes"
check eval 'is_json incl2.json && grep -q "\"index\": *2[,}]" incl2.json &&
	grep -q "\"size\": *$SIZE[,}]" incl2.json && grep -q "\"hashes\"" incl2.json'
t "verify inclusion --entry --checkpoint --vkey"
expect_ok "$GB" verify inclusion --entry e2.bin --checkpoint cp.txt --vkey "$V_LOG" incl2.json
t "verify inclusion from stdin without options"
IN=incl2.json
expect_ok "$GB" verify inclusion -
IN=
t "verify inclusion with the wrong entry"
expect_fail GB_EPROOF "$GB" verify inclusion --entry e1.bin --checkpoint cp.txt --vkey "$V_LOG" incl2.json
# Proofs with one hash changed: the first character of the first hash.
tr -d ' \n\t' <incl2.json >incl2-compact.json
sed 's/"hashes":\["A/"hashes":["#/; s/"hashes":\["[^#]/"hashes":["A/; s/"hashes":\["#/"hashes":["B/' \
	incl2-compact.json >incl2-edited.json
t "the edited inclusion proof differs and is still JSON"
check eval '! cmp -s incl2-compact.json incl2-edited.json && is_json incl2-edited.json'
t "verify inclusion of a proof with an edited hash"
expect_fail GB_EPROOF "$GB" verify inclusion --entry e2.bin --checkpoint cp.txt --vkey "$V_LOG" incl2-edited.json
t "verify inclusion of a proof with an edited hash, without a checkpoint"
expect_fail GB_EPROOF "$GB" verify inclusion --entry e2.bin incl2-edited.json
t "verify inclusion against another checkpoint's key"
expect_fail GB_ENOTESIG "$GB" verify inclusion --entry e2.bin --checkpoint cp.txt --vkey "$V_LOG_TWIN" incl2.json
t "prove inclusion of the index one past the end"
expect_fail GB_ERANGE "$GB" prove inclusion "$SIZE"
t "prove inclusion in a size beyond the log"
expect_fail GB_ERANGE "$GB" prove inclusion 1 --size $((SIZE + 1))
t "prove inclusion of an index not below --size"
expect_fail GB_ERANGE "$GB" prove inclusion 3 --size 3
t "prove inclusion in an older tree"
"$GB" prove inclusion 1 --size 3 >incl-old.json 2>/dev/null
expect_ok "$GB" verify inclusion --entry e1.bin incl-old.json
t "an inclusion proof for an older tree does not verify against the current checkpoint"
expect_fail GB_EPROOF "$GB" verify inclusion --entry e1.bin --checkpoint cp.txt --vkey "$V_LOG" incl-old.json

# Consistency: a checkpoint at OLD, two more entries, a checkpoint at NEW.
OLD=$SIZE
cp cp.txt cp-old.txt
for n in 1 2; do
	post_ok "a memo after the old checkpoint ($n)" zseb "{\"type\":\"memo\",\"id\":\"late-$n\",\"text\":\"late $n\"}"
done
NEW=$NEXT
"$GB" checkpoint >cp-new.txt 2>/dev/null
t "the new checkpoint has the new size"
check eval '[ "$(sed -n 2p cp-new.txt)" = "$NEW" ]'
"$GB" prove consistency "$OLD" "$NEW" >cons.json 2>/dev/null
t "prove consistency prints JSON with size1 and size2"
check eval 'is_json cons.json && grep -q "\"size1\": *$OLD[,}]" cons.json && grep -q "\"size2\": *$NEW[,}]" cons.json'
t "verify consistency --old-checkpoint --checkpoint --vkey"
expect_ok "$GB" verify consistency --old-checkpoint cp-old.txt --checkpoint cp-new.txt \
	--vkey "$V_LOG" cons.json
t "verify consistency without checkpoints"
expect_ok "$GB" verify consistency cons.json
t "verify consistency with the checkpoints swapped"
expect_fail GB_EPROOF "$GB" verify consistency --old-checkpoint cp-new.txt --checkpoint cp-old.txt \
	--vkey "$V_LOG" cons.json
t "verify consistency with the old checkpoint in both places"
expect_fail GB_EPROOF "$GB" verify consistency --old-checkpoint cp-old.txt --checkpoint cp-old.txt \
	--vkey "$V_LOG" cons.json
t "prove consistency with the sizes swapped"
expect_fail GB_ERANGE "$GB" prove consistency "$NEW" "$OLD"
t "prove consistency from 0"
expect_fail GB_ERANGE "$GB" prove consistency 0 "$NEW"
t "prove consistency beyond the log"
expect_fail GB_ERANGE "$GB" prove consistency "$OLD" $((NEW + 1))
tr -d ' \n\t' <cons.json >cons-compact.json
sed 's/"hashes":\["A/"hashes":["#/; s/"hashes":\["[^#]/"hashes":["A/; s/"hashes":\["#/"hashes":["B/' \
	cons-compact.json >cons-edited.json
t "the edited consistency proof differs and is still JSON"
check eval '! cmp -s cons-compact.json cons-edited.json && is_json cons-edited.json'
t "verify consistency of a proof with an edited hash"
expect_fail GB_EPROOF "$GB" verify consistency --old-checkpoint cp-old.txt --checkpoint cp-new.txt \
	--vkey "$V_LOG" cons-edited.json
t "verify consistency of a proof with an edited hash, without checkpoints"
expect_fail GB_EPROOF "$GB" verify consistency cons-edited.json
sed "s/\"size1\": *$OLD/\"size1\": $((OLD - 1))/" cons.json >cons-size.json
t "verify consistency of a proof with an edited size"
expect_fail GB_EPROOF "$GB" verify consistency cons-size.json
t "verify inclusion of malformed JSON"
printf '{"index": 1,' >broken.json
expect_fail GB_EJSON "$GB" verify inclusion broken.json

# ---- show: members, policies, claims, the fund and accounts ------------------
# On a simulated year (build/tools/sim next to the program): its --json totals
# name a policy and a claim and give the fund's balance to compare with.

WATCH=
SIM=$(dirname "$GB")/tools/sim
SL=$TMP/sim-ledger
# jfield FILE KEY: the first value of "KEY": in an indented JSON file.
jfield() {
	sed -n "s/^ *\"$2\": *\"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}$/\1/p" "$1" | head -n 1
}
t "sim: a small year for show"
expect_ok "$SIM" --seed 7 --enterprises 100 --quiet --json --ledger "$SL"
cp "$OUT" sim.json
POL=$(jfield sim.json policy)
CLM=$(jfield sim.json claim)
FUND=$(jfield sim.json balance_fen)
LAST=$(($(jfield sim.json entries) - 1))
t "show --help explains every kind"
expect_ok "$GB" show --help
check eval 'grep -q "member ID" "$OUT" && grep -q "policy NO" "$OUT" && grep -q "claim ID" "$OUT" &&
	grep -q "fund" "$OUT" && grep -q "account NAME" "$OUT" && grep -q -- "--as-of" "$OUT"'
t "show member: role, status, key, balances in CNY that total 0.00"
expect_ok "$GB" show --ledger "$SL" member picc-zs
check eval 'grep -q "^member .picc-zs. as of entry $LAST$" "$OUT" && grep -q "status  active" "$OUT" &&
	grep -q "vkey    picc-zs+" "$OUT" && grep -q "^ *total  *0\.00$" "$OUT" && grep -q "^ *premium  *-[0-9,]*\.[0-9][0-9]$" "$OUT"'
t "show member: what it owes and is owed by each other member"
check eval '[ "$(grep -c "^ *\(chinalife\|cpic\|pingan\|taiping\)-zs  *-\{0,1\}[0-9,]*\.[0-9][0-9]  *-\{0,1\}[0-9,]*\.[0-9][0-9]  *-\{0,1\}[0-9,]*\.[0-9][0-9]$" "$OUT")" -eq 4 ]'
t "show member --json: amounts in fen, total_fen 0"
expect_ok "$GB" show --ledger "$SL" member taiping-zs --json
cp "$OUT" member.json
check eval 'is_json member.json && [ "$(jfield member.json total_fen)" = 0 ] && [ "$(jfield member.json role)" = member ] &&
	[ "$(jfield member.json status)" = active ] && grep -q "\"premium\": -[0-9]*,$" member.json && grep -q "\"owes_fen\": " member.json'
t "show member: a regulator has a role and a key, no balances"
expect_ok "$GB" show --ledger "$SL" member zs-eb --json
check eval '[ "$(jfield "$OUT" role)" = regulator ] && ! grep -q balances "$OUT"'
t "show member: the rotated key (pingan-zs rotates on 20 July)"
"$GB" show --ledger "$SL" member pingan-zs --json --as-of 2026-06-30 >old-key.json 2>/dev/null
expect_ok "$GB" show --ledger "$SL" member pingan-zs --json
check eval '[ -n "$(jfield old-key.json vkey)" ] && [ "$(jfield old-key.json vkey)" != "$(jfield "$OUT" vkey)" ]'
t "show fund --json: the simulator's balance, and the parts add up to it"
expect_ok "$GB" show --ledger "$SL" fund --json
check eval '[ -n "$FUND" ] && [ "$(jfield "$OUT" total_fen)" = "$FUND" ] &&
	[ "$(sed -n "s/^ *\"part_fen\": \([0-9]*\).*/\1/p" "$OUT" | awk "{s += \$1} END {print s}")" = "$FUND" ]'
t "show fund: CNY with two decimals"
expect_ok "$GB" show --ledger "$SL" fund
check eval 'grep -q "^prevention fund as of entry $LAST: [0-9,]*\.[0-9][0-9] CNY$" "$OUT"'
t "show policy: the record, its lead and premium"
expect_ok "$GB" show --ledger "$SL" policy "$POL"
check eval '[ -n "$POL" ] && grep -q "^policy .$POL. as of entry" "$OUT" && grep -q "^  premium_fen  *[0-9,]*\.[0-9][0-9] CNY$" "$OUT" &&
	grep -q "^  usci  *[0-9A-Y]\{18\}$" "$OUT"'
t "show policy --json"
expect_ok "$GB" show --ledger "$SL" policy "$POL" --json
check eval 'is_json "$OUT" && [ "$(jfield "$OUT" no)" = "$POL" ] && grep -q "\"premium_fen\": [0-9]*,$" "$OUT"'
t "show claim --json"
expect_ok "$GB" show --ledger "$SL" claim "$CLM" --json
check eval '[ -n "$CLM" ] && is_json "$OUT" && [ "$(jfield "$OUT" policy)" != "" ] && grep -q "\"status\": \"" "$OUT"'
t "show claim: as of the entry before any claim it does not exist"
expect_fail GB_ENOTFOUND "$GB" show --ledger "$SL" claim "$CLM" --as-of 1
t "show account: an index and a date give the balance then"
expect_out "m/picc-zs/cash  0.00 CNY  (as of entry 0)" "$GB" show --ledger "$SL" account m/picc-zs/cash --as-of 0
expect_ok "$GB" show --ledger "$SL" account m/picc-zs/premium --as-of 2026-12-31
check eval 'grep -q "^m/picc-zs/premium  -[0-9,]*\.[0-9][0-9] CNY  (as of entry $LAST)$" "$OUT"'
t "show account --json"
expect_ok "$GB" show --ledger "$SL" account m/cpic-zs/due_to/picc-zs --json
check eval 'is_json "$OUT" && grep -q "\"balance_fen\": -\{0,1\}[0-9]*" "$OUT"'
t "show --as-of: the fund grows from 0 at entry 0"
expect_out "prevention fund as of entry 0: 0.00 CNY" sh -c "'$GB' show --ledger '$SL' fund --as-of 0 | head -n 1"
t "show: an unknown member, policy, claim or account owner is GB_ENOTFOUND"
expect_fail GB_ENOTFOUND "$GB" show --ledger "$SL" member nobody
says "nobody"
expect_fail GB_ENOTFOUND "$GB" show --ledger "$SL" policy ZS2026-999999
says "ZS2026-999999"
expect_fail GB_ENOTFOUND "$GB" show --ledger "$SL" claim CL-none
expect_fail GB_ENOTFOUND "$GB" show --ledger "$SL" account m/nobody/cash
t "show: a malformed account name is GB_EVALUE"
expect_fail GB_EVALUE "$GB" show --ledger "$SL" account m/picc-zs/wallet
t "show --as-of past the log is GB_ERANGE, before the first day GB_ENOTFOUND"
expect_fail GB_ERANGE "$GB" show --ledger "$SL" fund --as-of 99999999
expect_fail GB_ENOTFOUND "$GB" show --ledger "$SL" fund --as-of 2025-12-31
t "show: bad usage exits 2"
expect_usage "$GB" show --ledger "$SL" fund --as-of 30/06/2026
expect_usage "$GB" show --ledger "$SL" ledgers
expect_usage "$GB" show --ledger "$SL" member
expect_usage "$GB" show --ledger "$SL" fund extra

echo "cli: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]

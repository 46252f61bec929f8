#!/bin/sh
# Interoperability with Go's golang.org/x/mod/sumdb/note and .../tlog:
#   sh tests/interop/run.sh build/gongbao
# Builds a ledger (a charter and 19 memos, posted a few at a time) and takes a
# signed checkpoint at sizes 1 2 3 4 7 8 9 16 20. Then tests/interop/interop.go,
# using only the Go packages, checks that note.Open accepts every checkpoint
# under 'gongbao vkey' and rejects it with any one byte changed; that the root
# is tlog.TreeHash (and RFC 6962 MTH) of the raw entries; that tlog.RecordHash
# and tlog.CheckRecord accept every entry's inclusion proof at every one of
# those sizes, and tlog.CheckTree every consistency proof between two of them
# (size1 == size2 and powers of two included), and that they reject every
# proof with a hash altered, dropped, added or swapped, at a wrong index,
# with another leaf or root. The other way round, checkpoints signed by Go's
# note.Sign (alone, with an extension line, or as a second signature on
# gongbao's) must pass 'gongbao verify' with the Go key and fail it (exit 1)
# with any other key or one byte changed.
#
# What x/mod v0.7.0 (Debian's golang-golang-x-mod-dev) does not do, read in
# sumdb/note/note.go and sumdb/tlog/{tlog,note}.go:
# - note knows one key algorithm, algEd25519 = 1: NewVerifier returns
#   "unknown verifier algorithm" for any other. So witness keys of
#   c2sp.org/tlog-cosignature (cosignature/v1, alg 0x04, timestamped
#   signatures) cannot be checked with it, and are not tested here; a
#   cosignature line on a note is at best an unverified signature to Go.
# - note.Open decodes signatures with base64.StdEncoding, not .Strict(): a
#   signature whose last character differs only in its unused padding bits
#   still verifies. gongbao (libsodium's decoder) rejects that note
#   (GB_ENOTE), so Go accepts a few malleated notes that gongbao does not.
#   interop.go alters characters so that data bits change.
# - tlog.ParseTree only takes the "go.sum database tree" header, so the C2SP
#   checkpoint body (origin, size, root, extension lines) is parsed by
#   interop.go itself, strictly.
# - tlog sizes and indexes are int64 (gongbao's are uint64), and
#   tlog.TreeHash(0) is 32 zero bytes where RFC 9162 says SHA-256("");
#   a ledger always holds its charter, so size 0 never occurs here.
# Needs Go (GOPATH mode, no network) and /usr/share/gocode/src/golang.org/x/mod.
set -eu
# The ledger clock the fixed times in these tests are near (2026-01-01).
GONGBAO_CLOCK=1767225600
export GONGBAO_CLOCK

GB=${1:?usage: sh tests/interop/run.sh PATH/TO/gongbao}
case $GB in
*/*)
	if [ ! -f "$GB" ] || [ ! -x "$GB" ]; then
		echo "interop: '$GB' is not an executable file" >&2
		exit 2
	fi
	GB=$(cd "$(dirname "$GB")" && pwd)/$(basename "$GB") ;;
esac
HERE=$(cd "$(dirname "$0")" && pwd)
ORIGIN=gongbao.interop/test-2026
SIZES="1 2 3 4 7 8 9 16 20"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gongbao-interop.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
tmp=$(cd "$tmp" && pwd)
trap 'exit 130' INT TERM HUP

passed=0
failed=0

# die MSG: the setup failed; stop (also from within $(...), via set -e).
die() {
	printf 'interop: %s\n' "$*" >&2
	exit 1
}

# gb ARGS: run gongbao for the setup; any failure stops the run with its
# message.
gb() {
	"$GB" "$@" 2> "$tmp/gb.err" || {
		gb_rc=$?
		cat "$tmp/gb.err" >&2
		die "setup failed (exit $gb_rc): gongbao $*"
	}
}

# pass DESC / flunk DESC: count one check and print its line.
pass() {
	passed=$((passed + 1))
	printf 'ok   %3d %s\n' "$((passed + failed))" "$*"
}
flunk() {
	failed=$((failed + 1))
	printf 'FAIL %3d %s\n' "$((passed + failed))" "$*"
	sed 's/^/         | /' "$tmp/out"
}

# check DESC CMD...: CMD must exit 0; its last output line is shown.
check() {
	desc=$1
	shift
	if "$@" > "$tmp/out" 2>&1; then
		pass "$desc: $(tail -n 1 "$tmp/out" | sed 's/^ok: //')"
	else
		flunk "$desc (exit $?)"
	fi
}

# check_rc RC DESC CMD...: CMD must exit with status RC exactly.
check_rc() {
	want=$1
	desc=$2
	shift 2
	rc=0
	"$@" > "$tmp/out" 2>&1 || rc=$?
	if [ "$rc" -eq "$want" ]; then
		pass "$desc: exit $rc"
	else
		flunk "$desc: exit $rc, want $want"
	fi
}

# check_verified NOTE SIZE ROOT DESC GONGBAO-ARGS...: 'gongbao verify
# checkpoint' exits 0 and prints the size and root the note carries.
check_verified() {
	size=$1
	root=$2
	desc=$3
	shift 3
	rc=0
	"$GB" verify checkpoint "$@" > "$tmp/out" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ]; then
		flunk "$desc: exit $rc, want 0"
	elif ! grep -qx "size $size" "$tmp/out" || ! grep -qxF "root $root" "$tmp/out"; then
		flunk "$desc: output lacks 'size $size' / 'root $root'"
	else
		pass "$desc: exit 0, size $size, root $root"
	fi
}

# alter_line FILE LINE BACK: FILE with the byte BACK bytes before the end of
# line LINE (both 1-based) replaced by another base64 character.
alter_line() {
	LC_ALL=C awk -v l="$2" -v b="$3" 'NR == l {
		c = length($0) - b + 1
		ch = substr($0, c, 1)
		$0 = substr($0, 1, c - 1) (ch == "Q" ? "w" : "Q") substr($0, c + 1)
	} { print }' "$1"
}

# ---- the Go program ----
mkdir "$tmp/home" "$tmp/gocache"
GO=${GO:-go}
if ! HOME=$tmp/home GOCACHE=$tmp/gocache GO111MODULE=off GOFLAGS='' \
	GOPATH=/usr/share/gocode "$GO" build -o "$tmp/interop" "$HERE/interop.go" \
	> "$tmp/out" 2>&1; then
	cat "$tmp/out" >&2
	die "cannot build tests/interop/interop.go (needs golang-go and golang-golang-x-mod-dev)"
fi
IO=$tmp/interop
# From here on, paths are relative to the temporary directory, to keep the
# lines short.
cd "$tmp"

# ---- the ledger ----
GONGBAO_PASSPHRASE=interop-test-passphrase
GONGBAO_LEDGER=$tmp/ledger
export GONGBAO_PASSPHRASE GONGBAO_LEDGER
mkdir "$tmp/keys" "$tmp/p"
for who in zs-assoc picc-zs cpic-zs zs-eb; do
	gb keygen --name "$who" --out "$tmp/keys/$who.sec" > "$tmp/keys/$who.vkey"
done
gb keygen --name "$ORIGIN" --out "$tmp/keys/log.sec" > /dev/null
cat > "$tmp/charter.json" <<JSON
{"consortium": "zs-interop",
 "name": "interop test consortium",
 "participants": [
  {"id": "zs-assoc", "role": "association", "vkey": "$(cat "$tmp/keys/zs-assoc.vkey")"},
  {"id": "picc-zs", "role": "member", "vkey": "$(cat "$tmp/keys/picc-zs.vkey")"},
  {"id": "cpic-zs", "role": "member", "vkey": "$(cat "$tmp/keys/cpic-zs.vkey")"},
  {"id": "zs-eb", "role": "regulator", "vkey": "$(cat "$tmp/keys/zs-eb.vkey")"}]}
JSON
gb init --origin "$ORIGIN" --log-key "$tmp/keys/log.sec" \
	--charter "$tmp/charter.json" --key "$tmp/keys/zs-assoc.sec" > /dev/null

size=1
# grow_to N: post memos, by turns from the four participants, up to size N;
# then keep the signed checkpoint and the newest entry's proof as of then.
grow_to() {
	while [ "$size" -lt "$1" ]; do
		case $((size % 4)) in
		0) who=zs-assoc ;;
		1) who=picc-zs ;;
		2) who=cpic-zs ;;
		*) who=zs-eb ;;
		esac
		printf '{"type":"memo","id":"memo-%03d","time":%d,"text":"interop memo %d by %s"}' \
			"$size" $((1767225600 + size * 60)) "$size" "$who" > "$tmp/body.json"
		index=$(gb post --key "$tmp/keys/$who.sec" "$tmp/body.json")
		[ "$index" = "$size" ] || die "post by $who returned index '$index', want $size"
		size=$((size + 1))
	done
	gb checkpoint > "$tmp/p/cp-$size.txt"
	gb prove inclusion $((size - 1)) > "$tmp/p/live-$size.json"
}
for N in $SIZES; do
	grow_to "$N"
done
VKEY=$(gb vkey)
i=0
while [ "$i" -lt "$size" ]; do
	gb get "$i" --raw > "$tmp/p/e-$i.bin"
	i=$((i + 1))
done
# Proofs for the old sizes, asked for now that the log is bigger.
for N in $SIZES; do
	i=0
	while [ "$i" -lt "$N" ]; do
		gb prove inclusion "$i" --size "$N" > "$tmp/p/incl-$N-$i.json"
		i=$((i + 1))
	done
	for M in $SIZES; do
		[ "$M" -le "$N" ] || continue
		gb prove consistency "$M" "$N" > "$tmp/p/cons-$M-$N.json"
	done
done

# ---- gongbao -> Go ----
P=p
for N in $SIZES; do
	check "checkpoint $N" "$IO" checkpoint "$VKEY" "$ORIGIN" "$N" "$P/cp-$N.txt"
	set --
	i=0
	while [ "$i" -lt "$N" ]; do
		set -- "$@" "$P/e-$i.bin"
		i=$((i + 1))
	done
	check "tree hash $N" "$IO" treehash "$VKEY" "$P/cp-$N.txt" "$@"
	set --
	i=0
	while [ "$i" -lt "$N" ]; do
		set -- "$@" "$i" "$P/e-$i.bin" "$P/incl-$N-$i.json"
		i=$((i + 1))
	done
	check "inclusion $N" "$IO" inclusion "$VKEY" "$P/cp-$N.txt" "$@" \
		$((N - 1)) "$P/e-$((N - 1)).bin" "$P/live-$N.json"
	check "inclusion $N tampered" "$IO" inclusion-tamper "$VKEY" "$P/cp-$N.txt" "$@"
	for M in $SIZES; do
		[ "$M" -le "$N" ] || continue
		check "consistency $M $N" "$IO" consistency "$VKEY" \
			"$P/cp-$M.txt" "$P/cp-$N.txt" "$P/cons-$M-$N.json"
		check "consistency $M $N tampered" "$IO" consistency-tamper "$VKEY" \
			"$P/cp-$M.txt" "$P/cp-$N.txt" "$P/cons-$M-$N.json"
	done
done
check "checkpoint 1 tampered" "$IO" checkpoint-tamper "$VKEY" "$P/cp-1.txt"
check "checkpoint 20 tampered" "$IO" checkpoint-tamper "$VKEY" "$P/cp-20.txt"

# ---- Go -> gongbao ----
G=go
mkdir "$G"
GOVKEY=$("$IO" genkey "$ORIGIN" "$G/log.skey") || die "interop genkey failed"
OTHERVKEY=$("$IO" genkey "$ORIGIN" "$G/other.skey") || die "interop genkey failed"
WVKEY=$("$IO" genkey witness.interop.example "$G/witness.skey") || die "interop genkey failed"
ROOT20=$(sed -n 3p "$P/cp-20.txt")
for N in 9 20; do
	sed '/^$/,$d' "$P/cp-$N.txt" > "$G/body-$N.txt"
	"$IO" sign "$G/log.skey" "$G/body-$N.txt" > "$G/cp-$N.txt" || die "interop sign failed"
done
check_verified 20 "$ROOT20" "gongbao verify checkpoint signed by Go note.Sign" \
	--vkey "$GOVKEY" "$G/cp-20.txt"
check_rc 1 "gongbao verify rejects the Go checkpoint under another key of the same name" \
	"$GB" verify checkpoint --vkey "$OTHERVKEY" "$G/cp-20.txt"
check_rc 1 "gongbao verify rejects the Go checkpoint under the log's key" \
	"$GB" verify checkpoint --vkey "$VKEY" "$G/cp-20.txt"
alter_line "$G/cp-20.txt" 3 30 > "$G/cp-20-root.txt"
check_rc 1 "gongbao verify rejects the Go checkpoint with its root altered" \
	"$GB" verify checkpoint --vkey "$GOVKEY" "$G/cp-20-root.txt"
alter_line "$G/cp-20.txt" 5 30 > "$G/cp-20-sig.txt"
check_rc 1 "gongbao verify rejects the Go checkpoint with its signature altered" \
	"$GB" verify checkpoint --vkey "$GOVKEY" "$G/cp-20-sig.txt"
check "gongbao verify inclusion against the Go checkpoint" \
	"$GB" verify inclusion --entry "$P/e-13.bin" --checkpoint "$G/cp-20.txt" \
	--vkey "$GOVKEY" "$P/incl-20-13.json"
check "gongbao verify consistency between two Go checkpoints" \
	"$GB" verify consistency --old-checkpoint "$G/cp-9.txt" --checkpoint "$G/cp-20.txt" \
	--vkey "$GOVKEY" "$P/cons-9-20.json"
{ cat "$G/body-20.txt"; echo "interop-extension-line"; } > "$G/body-ext.txt"
"$IO" sign "$G/log.skey" "$G/body-ext.txt" > "$G/cp-ext.txt" || die "interop sign failed"
check_verified 20 "$ROOT20" "gongbao verify a Go checkpoint with an extension line" \
	--vkey "$GOVKEY" "$G/cp-ext.txt"
"$IO" cosign "$G/witness.skey" "$VKEY" "$P/cp-20.txt" > "$G/cp-20-cosigned.txt" ||
	die "interop cosign failed"
check "Go note.Open of gongbao's checkpoint with a Go second signature" \
	"$IO" open "$G/cp-20-cosigned.txt" "$VKEY" "$WVKEY"
check_verified 20 "$ROOT20" "gongbao verify the second signature by Go" \
	--vkey "$WVKEY" "$G/cp-20-cosigned.txt"
check_verified 20 "$ROOT20" "gongbao verify both signatures" \
	--vkey "$VKEY" --vkey "$WVKEY" "$G/cp-20-cosigned.txt"
alter_line "$G/cp-20-cosigned.txt" 6 30 > "$G/cp-20-cosigned-bad.txt"
check_rc 1 "gongbao verify rejects the note when Go's second signature is altered" \
	"$GB" verify checkpoint --vkey "$VKEY" --vkey "$WVKEY" "$G/cp-20-cosigned-bad.txt"

printf 'interop: %d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]

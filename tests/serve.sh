#!/bin/sh
# tests/serve.sh: 'gongbao serve' end to end on loopback, run by 'make check-serve'.
#
#   sh tests/serve.sh [build/gongbao]
#
# Makes ledger A (keygen, init), copies it to B and posts memos into B with
# 'gongbao post'; the raw bytes of B's entries ('get --raw') are then new
# signed entries for A, which they are POSTed to through the server. Checks
# health, the signed checkpoint, single and batch posts, duplicates, bad
# entries, limits, ranges, proofs, 404/405/415, concurrent clients, and that
# SIGTERM exits 0 with every acknowledged entry in the ledger.
# POSIX sh; needs curl, cmp, dd and grep -b. Every curl is bounded by --max-time; the
# server runs in the background and is killed in the exit trap.
# Prints one line per check and ends with 'serve: N passed, M failed'.
set -u
SUITE=serve
GB=${1:-build/gongbao}
case $GB in
/*) ;;
*) GB=$(pwd)/$GB ;;
esac
if [ ! -x "$GB" ]; then
	echo "serve: no program at '$GB'" >&2
	exit 1
fi
command -v curl >/dev/null 2>&1 || { echo "serve: needs curl" >&2; exit 1; }
. tests/lib.sh
SPID=
trap '[ -n "$SPID" ] && kill -9 "$SPID" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$TMP"' EXIT
cd "$TMP" || exit 1

GONGBAO_CLOCK=1767225600
GONGBAO_PASSPHRASE=serve-test-passphrase
export GONGBAO_CLOCK GONGBAO_PASSPHRASE
unset GONGBAO_LEDGER GONGBAO_MAP_SIZE
ORIGIN=test.gongbao/serve

# quiet COMMAND...: runs it with its output discarded.
quiet() {
	"$@" >/dev/null 2>&1
}

# check NAME COMMAND...: ok if the command succeeds.
check() {
	_n=$1
	shift
	if "$@"; then ok "$_n"; else fail "$_n" "$(head -c 300 body 2>/dev/null)"; fi
}

# ---- a ledger A and signed entries for it (posted into a copy B) ---------------

mkdir keys
for k in assoc:zs-assoc picc:picc-zs zseb:zs-eb log:$ORIGIN; do
	"$GB" keygen --name "${k#*:}" --out "keys/${k%%:*}.sec" >"keys/${k%%:*}.vkey" || exit 1
done
cat >charter.json <<JSON
{"consortium": "zs-2026", "name": "serve test consortium", "time": 1767225600,
 "participants": [
  {"id": "zs-assoc", "role": "association", "vkey": "$(cat keys/assoc.vkey)"},
  {"id": "picc-zs", "role": "member", "vkey": "$(cat keys/picc.vkey)"},
  {"id": "zs-eb", "role": "regulator", "vkey": "$(cat keys/zseb.vkey)"}]}
JSON
"$GB" init --ledger A --origin "$ORIGIN" --log-key keys/log.sec --charter charter.json \
	--key keys/assoc.sec >/dev/null 2>&1 || exit 1
cp -r A B
N_ENTRIES=10
i=1
while [ "$i" -le "$N_ENTRIES" ]; do
	printf '{"type":"memo","id":"memo-%03d","time":1767225600,"text":"served memo %d"}' "$i" "$i" >body.json
	"$GB" post --ledger B --key keys/picc.sec body.json >/dev/null || exit 1
	"$GB" get --ledger B --raw "$i" >"e$i.bin" || exit 1
	i=$((i + 1))
done
# badN.bin: eN with one byte of its signed text changed ("served memo N" -> "...memo X")
corrupt() {
	cp "e$1.bin" "bad$1.bin"
	_off=$(LC_ALL=C grep -aboF "served memo $1" "e$1.bin" | head -n 1 | cut -d: -f1)
	[ -n "$_off" ] || { echo "serve: no memo text in e$1.bin" >&2; exit 1; }
	printf X | dd of="bad$1.bin" bs=1 seek=$((_off + 12)) conv=notrunc 2>/dev/null
	cmp -s "e$1.bin" "bad$1.bin" && { echo "serve: bad$1.bin was not changed" >&2; exit 1; }
}
corrupt 2
corrupt 3

# bin FILE: the MessagePack bin header and bytes of FILE (< 65536 bytes).
bin() {
	_len=$(wc -c <"$1")
	if [ "$_len" -lt 256 ]; then
		printf "\\304\\$(printf %o "$_len")"
	else
		printf "\\305\\$(printf %o $((_len / 256)))\\$(printf %o $((_len % 256)))"
	fi
	cat "$1"
}

# ---- the server ------------------------------------------------------------

PORT=$((20000 + $$ % 30000))
URL=http://127.0.0.1:$PORT
"$GB" serve --ledger A --listen "127.0.0.1:$PORT" 2>server.log &
SPID=$!
tries=0
until curl -s --max-time 2 -o /dev/null "$URL/v1/health"; do
	tries=$((tries + 1))
	if [ "$tries" -gt 50 ] || ! kill -0 "$SPID" 2>/dev/null; then
		echo "serve: the server did not start:" >&2
		cat server.log >&2
		exit 1
	fi
	sleep 0.1
done

# req METHOD PATH [curl args...]: body in ./body, status in $CODE.
req() {
	_m=$1 _p=$2
	shift 2
	CODE=$(curl -s --max-time 10 -o body -w '%{http_code}' -X "$_m" "$@" "$URL$_p")
}
# post FILE: POSTs the file as application/msgpack.
post() {
	req POST /v1/entries -H 'Content-Type: application/msgpack' --data-binary "@$1"
}

req GET /v1/health
check "health: 200 {\"size\": 1}" [ "$CODE:$(cat body)" = '200:{"size":1}' ]

req GET /v1/checkpoint
cp body cp1.txt
check "checkpoint: 200 and verifies with the log's vkey" \
	quiet "$GB" verify checkpoint --vkey "$(cat keys/log.vkey)" cp1.txt
check "checkpoint: the signed size is 1" [ "$(sed -n 2p cp1.txt)" = 1 ]

post e1.bin
check "POST one entry: 200" [ "$CODE" = 200 ]
check "POST one entry: index 1, not a duplicate" [ "$(cat body)" = '{"index":1,"duplicate":false}' ]
post e1.bin
check "POST it again: 200, index 1, duplicate" [ "$CODE:$(cat body)" = '200:{"index":1,"duplicate":true}' ]

post bad2.bin
check "a flipped byte: 400" [ "$CODE" = 400 ]
check "a flipped byte: GB_ESIG" grep -q '^{"code":"GB_ESIG","message":"' body
req GET /v1/health
check "a flipped byte: the log is unchanged" [ "$(cat body)" = '{"size":2}' ]

{ printf '\223'; bin e2.bin; bin bad3.bin; bin e3.bin; } >batch.bin
post batch.bin
check "batch of good, bad, good: 200" [ "$CODE" = 200 ]
check "batch: the good ones get 2 and 3, the bad one its error" \
	grep -q '^\[{"index":2,"duplicate":false},{"code":"GB_ESIG","message":"[^"]*"},{"index":3,"duplicate":false}\]$' body
req GET /v1/health
check "batch: the log holds 4 entries" [ "$(cat body)" = '{"size":4}' ]

post bad2.bin
check "e2's id with other bytes: 409 GB_EIDREUSE" [ "$CODE" = 409 ]
check "e2's id with other bytes: GB_EIDREUSE" grep -q '^{"code":"GB_EIDREUSE",' body

printf '\223\304\001x' >badbatch.bin
post badbatch.bin
check "a truncated batch: 400" [ "$CODE" = 400 ]
check "a truncated batch: GB_EMSGPACK" grep -q '"code":"GB_EMSGPACK"' body
head -c 1100000 /dev/zero >big.bin
post big.bin
check "a body over 1 MiB: 413 GB_ETOOBIG" [ "$CODE" = 413 ]
check "a body over 1 MiB: GB_ETOOBIG" grep -q '"code":"GB_ETOOBIG"' body
req POST /v1/entries -H 'Content-Type: application/json' --data-binary @e4.bin
check "another Content-Type: 415" [ "$CODE" = 415 ]

req GET '/v1/entries?start=0&end=4'
{ printf '\224'; i=0; while [ $i -lt 4 ]; do "$GB" get --ledger B --raw $i >r.bin; bin r.bin; i=$((i + 1)); done; } >want.bin
check "entries 0..4: 200" [ "$CODE" = 200 ]
check "entries 0..4: exactly the entries' bytes in a MessagePack array of bin" cmp -s body want.bin
req GET '/v1/entries?start=2&end=5'
check "entries past the end: 400 GB_ERANGE" [ "$CODE" = 400 ]
check "entries past the end: GB_ERANGE" grep -q '"code":"GB_ERANGE"' body
req GET '/v1/entries?start=0&end=1001'
check "more than 1000 entries: 400" [ "$CODE" = 400 ]
req GET '/v1/entries?start=x&end=1'
check "a non-numeric start: 400" [ "$CODE" = 400 ]

req GET /v1/checkpoint
cp body cp4.txt
req GET '/v1/proof/inclusion?index=1&size=4'
cp body incl.json
check "inclusion proof: 200" [ "$CODE" = 200 ]
check "inclusion proof verifies for e1 against the signed checkpoint" \
	quiet "$GB" verify inclusion --entry e1.bin --checkpoint cp4.txt --vkey "$(cat keys/log.vkey)" incl.json
check "inclusion proof does not verify for another entry" \
	sh -c '! "$1" verify inclusion --entry e2.bin incl.json >/dev/null 2>&1' sh "$GB"
req GET '/v1/proof/consistency?size1=1&size2=4'
cp body cons.json
check "consistency proof: 200" [ "$CODE" = 200 ]
check "consistency proof links the two signed checkpoints" \
	quiet "$GB" verify consistency --old-checkpoint cp1.txt --checkpoint cp4.txt --vkey "$(cat keys/log.vkey)" cons.json
req GET '/v1/proof/inclusion?index=9&size=4'
check "inclusion of an entry past the size: 400" [ "$CODE" = 400 ]
req GET '/v1/proof/consistency?size1=3'
check "consistency without size2: 400" [ "$CODE" = 400 ]

req GET /v1/nothing
check "unknown path: 404" [ "$CODE" = 404 ]
req DELETE /v1/health
check "DELETE /v1/health: 405" [ "$CODE" = 405 ]
req PUT /v1/entries --data-binary @e4.bin
check "PUT /v1/entries: 405" [ "$CODE" = 405 ]

# 5 concurrent clients, e4..e8 (plus e1 again in one of them is a duplicate)
i=4
while [ "$i" -le 8 ]; do
	curl -s --max-time 10 -o "c$i.out" -w '%{http_code}' -H 'Content-Type: application/msgpack' \
		--data-binary "@e$i.bin" "$URL/v1/entries" >"c$i.code" &
	i=$((i + 1))
done
wait_clients() {
	_t=0
	while [ "$_t" -lt 100 ]; do
		_done=0
		for f in c4 c5 c6 c7 c8; do [ -s "$f.code" ] && _done=$((_done + 1)); done
		[ "$_done" -eq 5 ] && return 0
		sleep 0.1
		_t=$((_t + 1))
	done
	return 1
}
check "5 concurrent clients all answered" wait_clients
IDX=$(for i in 4 5 6 7 8; do sed -n 's/^{"index":\([0-9]*\),"duplicate":false}$/\1/p' "c$i.out"; done | sort -n | tr '\n' ' ')
check "5 concurrent clients: all 200" [ "$(cat c4.code c5.code c6.code c7.code c8.code)" = 200200200200200 ]
check "5 concurrent clients: distinct indexes 4..8 (got $IDX)" [ "$IDX" = "4 5 6 7 8 " ]

# one more acknowledged just before the stop
post e9.bin
check "POST e9 before the stop: index 9" [ "$(cat body)" = '{"index":9,"duplicate":false}' ]

check "access log: one line per request (method path status bytes ms)" \
	grep -q '^POST /v1/entries 200 [0-9]* [0-9]*$' server.log

kill -TERM "$SPID"
tries=0
while kill -0 "$SPID" 2>/dev/null && [ "$tries" -lt 100 ]; do sleep 0.1; tries=$((tries + 1)); done
wait "$SPID"
SRC=$?
SPID=
check "SIGTERM: the server exits 0" [ "$SRC" = 0 ]
all_there() {
	# every acknowledged index holds exactly the bytes that were posted
	for i in 4 5 6 7 8; do
		_idx=$(sed -n 's/^{"index":\([0-9]*\),.*/\1/p' "c$i.out")
		"$GB" get --ledger A --raw "$_idx" >got.bin && cmp -s got.bin "e$i.bin" || return 1
	done
	for i in 1 2 3 9; do
		"$GB" get --ledger A --raw "$i" >got.bin && cmp -s got.bin "e$i.bin" || return 1
	done
	[ "$("$GB" log --ledger A | wc -l)" -eq 10 ]
}
check "after SIGTERM every acknowledged entry is in the ledger, byte for byte" all_there

check "serve refuses a non-loopback address without --public" \
	sh -c '"$1" serve --ledger A --listen 10.1.2.3:8080 2>/dev/null; [ $? -eq 2 ]' sh "$GB"

echo "serve: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]

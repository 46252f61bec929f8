#!/bin/sh
# tests/serve.sh: 'gongbao serve' end to end on loopback, run by 'make check-serve'.
#
#   sh tests/serve.sh [build/gongbao] [build/tests/memos] [build/tools/sim]
#
# Makes ledger A (keygen, init), copies it to B and posts memos into B with
# 'gongbao post'; the raw bytes of B's entries ('get --raw') are then new
# signed entries for A, which they are POSTed to through the server. Checks
# health, the signed checkpoint, single and batch posts, JSON-wrapped posts,
# duplicates, bad entries, limits, ranges, proofs, 404/405/415, concurrent
# clients, and that SIGTERM exits 0 with every acknowledged entry in the
# ledger. Then, on a simulated year served over IPv6 ([::1]): every report
# endpoint answers exactly the bytes of the CLI's --json, and its errors.
# Then the crash test: four clients posting memos (signed by memos) when
# the server is killed with SIGKILL; after a restart on the same ledger
# every acknowledged entry is at its index, byte for byte, and the audit is
# clean. Last, the listen address checks ([::] dual stack with --public).
# POSIX sh; needs curl, cmp, dd, base64 and grep -b. Every curl is bounded by
# --max-time; the servers run in the background and are killed in the exit
# trap. Prints one line per check and ends with 'serve: N passed, M failed'.
set -u
SUITE=serve
GB=${1:-build/gongbao}
MEMOS=${2:-build/tests/memos}
SIM=${3:-build/tools/sim}
. tests/lib.sh
programs GB MEMOS SIM
needs curl
SPID= SPID2=
trap '[ -n "$SPID" ] && kill -9 "$SPID" 2>/dev/null; [ -n "$SPID2" ] && kill -9 "$SPID2" 2>/dev/null
[ -n "${KEEP:-}" ] || rm -rf "$TMP"' EXIT
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
cp -r A K
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

# Ports below the ephemeral range (32768-60999 on Linux), where a client socket could hold one.
PORT=$((20000 + $$ % 3000))
URL=http://127.0.0.1:$PORT

# up PID URL LOG: waits until the server at URL answers /v1/health; exits the suite if it does not.
up() {
	_tries=0
	until curl -g -s --max-time 2 -o /dev/null "$2/v1/health"; do
		_tries=$((_tries + 1))
		if [ "$_tries" -gt 50 ] || ! kill -0 "$1" 2>/dev/null; then
			echo "serve: the server at $2 did not start:" >&2
			cat "$3" >&2
			exit 1
		fi
		sleep 0.1
	done
}

# down PID: SIGTERM, then waits (bounded) for the exit; its status in $SRC.
down() {
	kill -TERM "$1"
	_tries=0
	while kill -0 "$1" 2>/dev/null && [ "$_tries" -lt 100 ]; do sleep 0.1; _tries=$((_tries + 1)); done
	wait "$1"
	SRC=$?
}

"$GB" serve --ledger A --listen "127.0.0.1:$PORT" 2>server.log &
SPID=$!
up "$SPID" "$URL" server.log

# req METHOD PATH [curl args...]: body in ./body, status in $CODE.
req() {
	_m=$1 _p=$2
	shift 2
	CODE=$(curl -g -s --max-time 10 -o body -w '%{http_code}' -X "$_m" "$@" "$URL$_p")
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
req POST /v1/entries -H 'Content-Type: text/plain' --data-binary @e4.bin
check "another Content-Type: 415 GB_EINVAL" [ "$CODE:$(cat body)" = \
	'415:{"code":"GB_EINVAL","message":"want Content-Type application/msgpack or application/json"}' ]

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

# ---- JSON-wrapped posts: {"entry": "<standard base64>"} ----------------------

"$MEMOS" keys/picc.sec zs-2026 1767225600 3 json . || exit 1
# badjson.bin: json-3 with one byte of its signed text changed ("load memo" -> "load memX")
cp json-3.bin badjson.bin
_off=$(LC_ALL=C grep -aboF "load memo" json-3.bin | head -n 1 | cut -d: -f1)
[ -n "$_off" ] || { echo "serve: no memo text in json-3.bin" >&2; exit 1; }
printf X | dd of=badjson.bin bs=1 seek=$((_off + 8)) conv=notrunc 2>/dev/null
cmp -s json-3.bin badjson.bin && { echo "serve: badjson.bin was not changed" >&2; exit 1; }
# jpost BODY [CONTENT-TYPE]: POSTs the text BODY (application/json by default).
jpost() {
	req POST /v1/entries -H "Content-Type: ${2:-application/json}" --data-binary "$1"
}
# code_is NAME STATUS GB_CODE: the last answer had that status and error code.
code_is() {
	check "$1: $2 $3" sh -c '[ "$1" = "$2" ] && grep -q "^{\"code\":\"$3\",\"message\":\"" body' sh "$CODE" "$2" "$3"
}
jpost "{\"entry\":\"$(base64 -w0 json-1.bin)\"}"
check "JSON post: 200, index 10, as a MessagePack post answers" [ "$CODE:$(cat body)" = '200:{"index":10,"duplicate":false}' ]
jpost "{\"entry\":\"$(base64 -w0 json-1.bin)\"}"
check "JSON post again: 200, index 10, duplicate" [ "$CODE:$(cat body)" = '200:{"index":10,"duplicate":true}' ]
post json-1.bin
check "the same entry as MessagePack: the same answer" [ "$CODE:$(cat body)" = '200:{"index":10,"duplicate":true}' ]
jpost "{ \"entry\" : \"$(base64 -w0 json-2.bin)\" }" 'application/json; charset=utf-8'
check "JSON post with a charset parameter and spaces: index 11" [ "$CODE:$(cat body)" = '200:{"index":11,"duplicate":false}' ]
jpost "{\"entry\":\"$(base64 -w0 e9.bin)\",\"x\":1}"
code_is "JSON post with another key" 400 GB_EJSON
check "JSON post with another key: the message names it" grep -q "unknown key 'x'" body
jpost "{\"entry\":\"$(base64 -w0 e9.bin)\",\"entry\":\"$(base64 -w0 e9.bin)\"}"
code_is "JSON post with \"entry\" twice" 400 GB_EJSON
jpost '{"entry":"QUI"}'
code_is "JSON post, base64 without its padding" 400 GB_EJSON
jpost '{"entry":"QU!D"}'
code_is "JSON post, not base64" 400 GB_EJSON
jpost '{"entry":"QUJD"}'
code_is "JSON post of the 3 bytes 'ABC': not one entry" 400 GB_ETRAILING
jpost '{"entry":""}'
code_is "JSON post of an empty entry" 400 GB_EJSON
jpost '{"entry":1}'
code_is "JSON post, entry not a string" 400 GB_EJSON
jpost '{}'
code_is "JSON post of {}" 400 GB_EJSON
jpost "[\"$(base64 -w0 e9.bin)\"]"
code_is "JSON post of an array" 400 GB_EJSON
jpost '{"entry":"QUJD"'
code_is "JSON post, truncated JSON" 400 GB_EJSON
req POST /v1/entries -H 'Content-Type: application/json' --data-binary @e4.bin
code_is "MessagePack bytes sent as application/json" 400 GB_EJSON
{ printf '{"entry":"'; head -c 87388 /dev/zero | tr '\0' A; printf '"}'; } >bigjson.txt
req POST /v1/entries -H 'Content-Type: application/json' --data-binary @bigjson.txt
code_is "JSON post of an entry over 65536 bytes" 413 GB_ETOOBIG
jpost "{\"entry\":\"$(base64 -w0 badjson.bin)\"}"
code_is "JSON post of a badly signed entry" 400 GB_ESIG
req GET /v1/health
check "JSON posts: the log holds 12 entries" [ "$(cat body)" = '{"size":12}' ]

down "$SPID"
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
	"$GB" get --ledger A --raw 10 >got.bin && cmp -s got.bin json-1.bin || return 1
	"$GB" get --ledger A --raw 11 >got.bin && cmp -s got.bin json-2.bin || return 1
	[ "$("$GB" log --ledger A | wc -l)" -eq 12 ]
}
check "after SIGTERM every acknowledged entry is in the ledger, byte for byte" all_there

# ---- the reports, over IPv6, on a simulated year ------------------------------

"$SIM" --seed 3 --enterprises 100 --ledger S --quiet >sim.out || exit 1
POL=$(sed -n 's/.*samples: policy \([^,]*\), claim \(.*\)$/\1/p' sim.out)
CLM=$(sed -n 's/.*samples: policy \([^,]*\), claim \(.*\)$/\2/p' sim.out)
[ -n "$POL" ] && [ -n "$CLM" ] || { echo "serve: no sample policy and claim in the simulator's output" >&2; exit 1; }
PORT2=$((PORT + 1))
URL=http://[::1]:$PORT2
"$GB" serve --ledger S --listen "[::1]:$PORT2" 2>server2.log &
SPID2=$!
up "$SPID2" "$URL" server2.log

# same PATH CLI-ARGS...: GET PATH is 200 with exactly what 'gongbao CLI-ARGS --ledger S --json' prints.
same() {
	_p=$1
	shift
	req GET "$_p"
	"$GB" "$@" --ledger S --json >want.json 2>&1
	check "GET $_p: 200, the bytes of 'gongbao $* --json'" \
		sh -c '[ "$1" = 200 ] && [ -s want.json ] && cmp -s body want.json' sh "$CODE"
}
same "/v1/member?id=picc-zs" show member picc-zs
same "/v1/member?id=taiping-zs&as_of=120" show member taiping-zs --as-of 120
same "/v1/member?id=zs-assoc" show member zs-assoc
same "/v1/member?id=zs-eb&as_of=2026-03-31" show member zs-eb --as-of 2026-03-31
same "/v1/policy?id=$POL" show policy "$POL"
same "/v1/claim?id=$CLM" show claim "$CLM"
same "/v1/fund" show fund
same "/v1/fund?as_of=2026-06-30" show fund --as-of 2026-06-30
same "/v1/account?id=m/picc-zs/cash" show account m/picc-zs/cash
same "/v1/account?id=m%2Fpicc-zs%2Fdue_from%2Fcpic-zs" show account m/picc-zs/due_from/cpic-zs
same "/v1/members" show members
same "/v1/members?as_of=0" show members --as-of 0
same "/v1/reconcile" reconcile
same "/v1/reconcile?as_of=150" reconcile --as-of 150
same "/v1/undercut" undercut
same "/v1/undercut?as_of=2026-09-30&loss_ratio_bps=5000&expense_bps=500&credibility_k=10&member_bps=100" \
	undercut --as-of 2026-09-30 --loss-ratio-bps 5000 --expense-bps 500 --credibility-k 10 --member-bps 100
req GET "/v1/member?id=picc-zs"
check "GET /v1/member: a member's report holds its balances" grep -q '^  "balances": {$' body
req GET "/v1/claim?id=$CLM&as_of=0"
code_is "a claim as of entry 0, before it was reported" 404 GB_ENOTFOUND
req GET "/v1/member?id=nobody"
code_is "an unknown participant" 404 GB_ENOTFOUND
req GET "/v1/policy?id=ZS2026-999999"
code_is "an unknown policy" 404 GB_ENOTFOUND
req GET "/v1/account?id=m/nobody/cash"
code_is "an account of an unknown participant" 404 GB_ENOTFOUND
req GET "/v1/account?id=cash"
code_is "a malformed account name" 400 GB_EVALUE
req GET "/v1/member?id=%FF"
code_is "an id that is not UTF-8" 400 GB_EVALUE
req GET "/v1/member"
code_is "a member without id" 400 GB_EINVAL
req GET "/v1/fund?id=x"
code_is "the fund with an id" 400 GB_EINVAL
req GET "/v1/members?as_of=1&as_of=2"
code_is "as_of twice" 400 GB_EINVAL
req GET "/v1/reconcile?asof=1"
code_is "a misspelt argument" 400 GB_EINVAL
req GET "/v1/reconcile?as_of=abc"
code_is "as_of neither index nor date" 400 GB_EINVAL
req GET "/v1/reconcile?as_of=2026-13-01"
code_is "as_of not a date" 400 GB_EINVAL
req GET "/v1/reconcile?as_of=2026-02-30"
code_is "as_of a day February does not have" 400 GB_EINVAL
req GET "/v1/reconcile?as_of=99999"
code_is "as_of past the log" 400 GB_ERANGE
req GET "/v1/reconcile?as_of=2025-12-31"
code_is "as_of a date before the first entry" 404 GB_ENOTFOUND
req GET "/v1/undercut?member_bps=0"
code_is "undercut with member_bps 0" 400 GB_EVALUE
req GET "/v1/undercut?credibility_k=x"
code_is "undercut with credibility_k x" 400 GB_EINVAL
# alike CLI-ARGS...: 'gongbao CLI-ARGS --server URL' prints on stdout exactly what
# '--ledger S' prints, and exits with the same status and GB_ code.
alike() {
	"$GB" "$@" --ledger S >want.out 2>want.err
	_w=$?
	"$GB" "$@" --server "$URL" >got.out 2>got.err
	_g=$?
	_wc=$(sed -n 's/^gongbao: \(GB_[A-Z]*\):.*/\1/p' want.err)
	_gc=$(sed -n 's/^gongbao: \(GB_[A-Z]*\):.*/\1/p' got.err)
	check "--server: 'gongbao $*' prints and exits as with --ledger (exit $_w${_wc:+ $_wc})" \
		sh -c '[ "$1:$3" = "$2:$4" ] && cmp -s want.out got.out && { [ "$1" != 0 ] || [ -s want.out ]; }' \
		sh "$_w" "$_g" "$_wc" "$_gc"
}
alike reconcile
alike reconcile --json
alike reconcile --csv --as-of 150
alike reconcile --as-of 2026-06-30
alike undercut
alike undercut --json
alike undercut --csv
alike undercut --limit 3 --member-bps 100 --credibility-k 10 --as-of 2026-09-30
alike undercut --json --loss-ratio-bps 5000 --expense-bps 500
alike show member picc-zs
alike show member taiping-zs --json --as-of 120
alike show member zs-assoc
alike show member zs-eb --json
alike show policy "$POL"
alike show policy "$POL" --json
alike show claim "$CLM"
alike show fund
alike show fund --json --as-of 2026-06-30
alike show account m/picc-zs/due_from/cpic-zs
alike show account m/picc-zs/cash --json
alike show members
alike show members --json --as-of 0
alike show member nobody
alike show account cash
alike reconcile --as-of 99999
alike reconcile --as-of 2025-12-31
alike undercut --as-of abc
check "--server and --ledger together: usage, exit 2" \
	sh -c '"$1" reconcile --ledger S --server "$2" >/dev/null 2>&1; [ $? -eq 2 ]' sh "$GB" "$URL"
check "--server with no server there: exit 1, GB_ENET" \
	sh -c '"$1" reconcile --server "http://127.0.0.1:$2" >/dev/null 2>err.txt; [ $? -eq 1 ] && grep -q "^gongbao: GB_ENET: " err.txt' \
	sh "$GB" "$((PORT + 9))"
req POST /v1/fund --data-binary x
check "POST /v1/fund: 405 GB_EINVAL" sh -c '[ "$1" = 405 ] && grep -q "^{\"code\":\"GB_EINVAL\"" body' sh "$CODE"
down "$SPID2"
SPID2=
check "the IPv6 server exits 0 on SIGTERM" [ "$SRC" = 0 ]

# ---- kill -9 in the middle of a load -----------------------------------------

# Four clients, each posting its own 100 memos one request at a time; the
# server is killed with SIGKILL once 40 answers are in.
mkdir load
for k in 1 2 3 4; do
	"$MEMOS" keys/picc.sec zs-2026 1767225600 100 "k$k" load || exit 1
done
PORT3=$((PORT + 2))
URL=http://127.0.0.1:$PORT3
"$GB" serve --ledger K --listen "127.0.0.1:$PORT3" 2>server3.log &
SPID=$!
up "$SPID" "$URL" server3.log
# client K: for each of its memos, a line "N STATUS BODY" in load/kK.log.
client() {
	_i=1
	while [ "$_i" -le 100 ]; do
		_code=$(curl -s --max-time 5 -o "load/k$1-$_i.out" -w '%{http_code}' -H 'Content-Type: application/msgpack' \
			--data-binary "@load/k$1-$_i.bin" "$URL/v1/entries")
		echo "$_i $_code $(cat "load/k$1-$_i.out" 2>/dev/null)" >>"load/k$1.log"
		_i=$((_i + 1))
	done
}
CPIDS=
for k in 1 2 3 4; do
	client "$k" &
	CPIDS="$CPIDS $!"
done
acked() {
	cat load/k1.log load/k2.log load/k3.log load/k4.log 2>/dev/null | grep -c '^[0-9]* 200 {"index":'
}
_t=0
while [ "$(acked)" -lt 40 ] && [ "$_t" -lt 300 ]; do sleep 0.02; _t=$((_t + 1)); done
kill -9 "$SPID"
wait "$SPID" 2>/dev/null
SPID=
for p in $CPIDS; do wait "$p"; done
ACKED=$(acked)
check "kill -9 came mid-load: $ACKED of 400 acknowledged, some not" [ "$ACKED" -ge 40 ] && [ "$ACKED" -lt 400 ]
"$GB" serve --ledger K --listen "127.0.0.1:$PORT3" 2>server4.log &
SPID=$!
up "$SPID" "$URL" server4.log
# every line "N 200 {"index":I,...}" of client K: entry I is load/kK-N.bin, byte for byte.
acked_present() {
	for k in 1 2 3 4; do
		sed -n 's/^\([0-9]*\) 200 {"index":\([0-9]*\),.*/\1 \2/p' "load/k$k.log" >acks.txt
		while read -r _n _idx; do
			curl -s --max-time 5 -o got.bin "$URL/v1/entries?start=$_idx&end=$((_idx + 1))" || return 1
			{ printf '\221'; bin "load/k$k-$_n.bin"; } >want.bin
			cmp -s got.bin want.bin || { echo "k$k-$_n at $_idx differs" >&2; return 1; }
		done <acks.txt
	done
}
check "after kill -9 and a restart, every acknowledged entry is at its index, byte for byte" acked_present
# Everything again: the acknowledged ones are duplicates, the rest go in.
repost_all() {
	for k in 1 2 3 4; do
		_i=1
		while [ "$_i" -le 100 ]; do
			post "load/k$k-$_i.bin"
			[ "$CODE" = 200 ] || return 1
			_i=$((_i + 1))
		done
	done
}
check "after the restart every memo posts again with 200" repost_all
req GET /v1/health
check "the log then holds the charter and the 400 memos" [ "$(cat body)" = '{"size":401}' ]
down "$SPID"
SPID=
check "the restarted server exits 0 on SIGTERM" [ "$SRC" = 0 ]
check "gongbao audit of the killed ledger is clean" quiet "$GB" audit --ledger K

# ---- listen addresses --------------------------------------------------------

# refused LISTEN...: 'serve --listen LISTEN' (with any further options) exits 2.
refused() {
	_l=$1
	shift
	"$GB" serve --ledger A --listen "$_l" "$@" 2>/dev/null
	[ $? -eq 2 ]
}
check "serve refuses a non-loopback address without --public" refused 10.1.2.3:8080
check "serve refuses [::] without --public" refused "[::]:8080"
check "serve refuses [2001:db8::1] without --public" refused "[2001:db8::1]:8080"
check "serve refuses an IPv6 address without brackets" refused "::1:8080"
check "serve refuses an unclosed bracket" refused "[::1:8080"
check "serve refuses port 0" refused "127.0.0.1:0"
PORT4=$((PORT + 3))
"$GB" serve --ledger A --listen "[::]:$PORT4" --public 2>server5.log &
SPID=$!
up "$SPID" "http://127.0.0.1:$PORT4" server5.log
URL=http://127.0.0.1:$PORT4
req GET /v1/health
check "[::] with --public: 200 over IPv4" [ "$CODE:$(cat body)" = '200:{"size":12}' ]
URL=http://[::1]:$PORT4
req GET /v1/health
check "[::] with --public: 200 over IPv6" [ "$CODE:$(cat body)" = '200:{"size":12}' ]
down "$SPID"
SPID=
check "the dual-stack server exits 0 on SIGTERM" [ "$SRC" = 0 ]

echo "serve: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]

#!/bin/sh
# tests/witness.sh: 'gongbao witness' and 'gongbao serve --witness' end to end
# on loopback, run by 'make check-witness'.
#
#   sh tests/witness.sh [build/gongbao]
#
# keygen --witness; a charter whose witness has that alg 0x04 key; a witness W1
# (in the charter), W2 (not in it) and a dead URL given to a server of ledger
# A. A's served checkpoint must carry W1's cosignature, which 'gongbao verify
# checkpoint' accepts with W1's vkey, and nothing from W2. Then a diverging
# copy B of A (same origin and log key, other entries) is refused by W1 both
# by hand and through a server of B; a rolled-back checkpoint gets 409 with
# W1's size as text/x.tlog.size; bad requests of every kind get their 4xx;
# W1 restarted keeps its sizes and refuses a rollback; a damaged state file
# stops it, naming the file; two witnesses cannot share a state directory.
# POSIX sh; needs curl. Every curl is bounded by --max-time; the background
# processes are killed in the exit trap.
# Prints one line per check and ends with 'witness: N passed, M failed'.
set -u
SUITE=witness
GB=${1:-build/gongbao}
. tests/lib.sh
programs GB
needs curl
PIDS=
trap 'for p in $PIDS; do kill -9 "$p" 2>/dev/null; done; [ -n "${KEEP:-}" ] || rm -rf "$TMP"' EXIT
cd "$TMP" || exit 1

GONGBAO_CLOCK=1767225600
GONGBAO_PASSPHRASE=witness-test-passphrase
export GONGBAO_CLOCK GONGBAO_PASSPHRASE
unset GONGBAO_LEDGER GONGBAO_MAP_SIZE
ORIGIN=test.gongbao/witness
EM=$(printf '\342\200\224')

# check NAME COMMAND...: ok if the command succeeds.
check() {
	_n=$1
	shift
	if "$@"; then ok "$_n"; else fail "$_n" "$(head -c 300 out 2>/dev/null) $(head -c 300 err 2>/dev/null)"; fi
}
quiet() {
	"$@" >/dev/null 2>&1
}
# run COMMAND...: runs it with stdout in ./out, stderr in ./err, status in $RC.
run() {
	"$@" >out 2>err
	RC=$?
}
# up URL LOG: waits until something answers at URL (any status), at most 10 s.
up() {
	_t=0
	until curl -s --max-time 2 -o /dev/null "$1"; do
		_t=$((_t + 1))
		if [ "$_t" -gt 100 ]; then
			echo "witness: nothing answers at $1:" >&2
			cat "$2" >&2
			exit 1
		fi
		sleep 0.1
	done
}
# start_witness NAME KEY PORT: runs a witness of A's log with state NAME.state.
start_witness() {
	"$GB" witness --key "keys/$2.sec" --state "$1.state" --log "$LOGV" \
		--listen "127.0.0.1:$3" 2>>"$1.log" &
	eval "PID_$1=\$!"
	PIDS="$PIDS $!"
	up "http://127.0.0.1:$3/" "$1.log"
}
# add BODYFILE [PORT]: POSTs it to a witness's add-checkpoint (W1 by default);
# sets CODE and CTYPE, the answer in ./body.
add() {
	_r=$(curl -s --max-time 10 -o body -w '%{http_code} %{content_type}' \
		--data-binary "@$1" "http://127.0.0.1:${2:-$PW1}/add-checkpoint")
	CODE=${_r%% *}
	CTYPE=${_r#* }
}
# request FILE OLD NOTE [PROOFFILE]: writes an add-checkpoint body.
request() {
	{ printf 'old %s\n' "$2"; [ -n "${4:-}" ] && cat "$4"; printf '\n'; cat "$3"; } >"$1"
}
# proof_lines LEDGER M N: the base64 hashes of the consistency proof, one a line.
proof_lines() {
	"$GB" prove --ledger "$1" consistency "$2" "$3" |
		sed -n '/"hashes"/,/]/s/^ *"\([A-Za-z0-9+\/=]*\)",\{0,1\}$/\1/p'
}
memo() { # LEDGER_OPTION VALUE ID TEXT
	printf '{"type":"memo","id":"%s","time":1767225600,"text":"%s"}' "$3" "$4" >memo.json
	"$GB" post "$1" "$2" --key keys/picc.sec memo.json >/dev/null
}
# sigs NOTE: the number of signature lines of a note.
sigs() {
	grep -c "^$EM " "$1"
}
size_of_note() {
	sed -n 2p "$1"
}

# ---- keygen --witness ------------------------------------------------------

mkdir keys
for k in assoc:zs-assoc picc:picc-zs log:$ORIGIN; do
	"$GB" keygen --name "${k#*:}" --out "keys/${k%%:*}.sec" >"keys/${k%%:*}.vkey" || exit 1
done
run "$GB" keygen --witness --name zs-w1 --out keys/w1.sec
cp out keys/w1.vkey
check "keygen --witness: exit 0, a vkey of alg 0x04 (base64 'B...')" \
	sh -c "[ $RC = 0 ] && grep -q '^zs-w1+[0-9a-f]\{8\}+B[A-Za-z0-9+/]\{43\}\$' out"
run "$GB" vkey --key keys/w1.sec
check "vkey --key of a witness key: the same vkey" cmp -s out keys/w1.vkey
run "$GB" keygen --witness --name zs-w2 --out keys/w2.sec --json
check "keygen --witness --json: alg 4" grep -q '"alg": *4' out
sed -n 's/.*"vkey": *"\([^"]*\)".*/\1/p' out >keys/w2.vkey
run "$GB" keygen --name plain --out keys/plain.sec --json
check "keygen --json without --witness: alg 1" grep -q '"alg": *1' out
run "$GB" keygen --witness --name 'bad name' --out keys/bad.sec
check "keygen --witness with a bad name: exit 1, GB_EINVAL, no file" \
	sh -c "[ $RC = 1 ] && grep -q GB_EINVAL err && [ ! -e keys/bad.sec ]"
LOGV=$(cat keys/log.vkey)
W1V=$(cat keys/w1.vkey)
W2V=$(cat keys/w2.vkey)

charter() { # MEMBER_VKEY WITNESS_ROLE WITNESS_VKEY
	cat <<JSON
{"consortium": "zs-2026", "name": "witness test consortium", "time": 1767225600,
 "participants": [
  {"id": "zs-assoc", "role": "association", "vkey": "$(cat keys/assoc.vkey)"},
  {"id": "picc-zs", "role": "member", "vkey": "$1"},
  {"id": "zs-w1", "role": "$2", "vkey": "$3"}]}
JSON
}
charter "$(cat keys/picc.vkey)" member "$W1V" >bad-charter.json
run "$GB" init --ledger X --origin "$ORIGIN" --log-key keys/log.sec --charter bad-charter.json --key keys/assoc.sec
check "a charter giving a member an alg 0x04 key: exit 1, GB_ECHARTER" \
	sh -c "[ $RC = 1 ] && grep -q GB_ECHARTER err && grep -q 'only a witness may have an alg 0x04 key' err"
charter "$(cat keys/picc.vkey)" witness "$W1V" >charter.json
run "$GB" init --ledger A --origin "$ORIGIN" --log-key keys/log.sec --charter charter.json --key keys/assoc.sec
check "a charter with the witness's alg 0x04 key: exit 0" [ "$RC" = 0 ]
printf '{"type":"memo","id":"w-1","time":1767225600,"text":"x"}' >wmemo.json
run "$GB" post --ledger A --key keys/w1.sec wmemo.json
check "the witness key signs no entry: exit 1" sh -c "[ $RC = 1 ] && grep -q 'GB_' err"
"$GB" checkpoint --ledger A --log-key keys/log.sec >cp-1.txt   # size 1: a rollback later
cp -r A B     # B will diverge from entry 1 on
cp -r A A2    # A2 will hold A's entries (the same bytes) and one more
"$GB" init --ledger O --origin test.gongbao/other --log-key keys/plain.sec --charter charter.json \
	--key keys/assoc.sec >/dev/null 2>&1 || exit 1
"$GB" keygen --name "$ORIGIN" --out keys/log2.sec >/dev/null || exit 1
"$GB" init --ledger D --origin "$ORIGIN" --log-key keys/log2.sec --charter charter.json \
	--key keys/assoc.sec >/dev/null 2>&1 || exit 1

# ---- gongbao witness: usage ------------------------------------------------

run "$GB" witness
check "witness without options: exit 2" [ "$RC" = 2 ]
run "$GB" witness --key keys/w1.sec --state S0 --log "$W2V"
check "witness --log with a witness key (alg 0x04): exit 2" sh -c "[ $RC = 2 ] && grep -q 'alg 0x01' err"
run "$GB" witness --key keys/w1.sec --state S0 --log junk
check "witness --log junk: exit 2, names the vkey" sh -c "[ $RC = 2 ] && grep -q \"'junk'\" err"
run "$GB" witness --key keys/w1.sec --state S0 --log "$LOGV" --listen 10.1.2.3:8421
check "witness --listen off loopback without --public: exit 2" [ "$RC" = 2 ]
run "$GB" witness --key keys/w1.sec --state S0 --log "$LOGV" --listen nowhere
check "witness --listen nowhere: exit 2" [ "$RC" = 2 ]
run "$GB" witness --key keys/plain.sec --state S0 --log "$LOGV" --listen 127.0.0.1:1
check "witness with a key that is not alg 0x04: exit 1, GB_EINVAL" \
	sh -c "[ $RC = 1 ] && grep -q GB_EINVAL err && grep -q 'keygen --witness' err"
run "$GB" witness --help
check "witness --help: exit 0, the statuses explained" sh -c "[ $RC = 0 ] && grep -q 'text/x.tlog.size' out"

# ---- a server with witnesses -----------------------------------------------

# Ports below the ephemeral range (32768-60999 on Linux), where a client socket could hold one.
PW1=$((26200 + ($$ * 5) % 3000))
PW2=$((PW1 + 1))
PA=$((PW1 + 2))
PB=$((PW1 + 3))
PDEAD=$((PW1 + 4))
URL=http://127.0.0.1:$PA
start_witness W1 w1 "$PW1"
start_witness W2 w2 "$PW2"
"$GB" serve --ledger A --log-key keys/log.sec --listen "127.0.0.1:$PA" \
	--witness "http://127.0.0.1:$PW1" --witness "http://127.0.0.1:$PW2" \
	--witness "http://127.0.0.1:$PDEAD" 2>A.log &
PID_A=$!
PIDS="$PIDS $PID_A"
up "$URL/v1/health" A.log
for i in 1 2 3 4 5; do
	memo --server "$URL" "a-$i" "a memo $i" || fail "post a-$i" "exit $?"
done
# cosigned N: waits (at most 10 s) for the served checkpoint of size N with 2 signatures.
cosigned() {
	_t=0
	while [ "$_t" -lt 100 ]; do
		curl -s --max-time 5 -o served.txt "$URL/v1/checkpoint"
		[ "$(size_of_note served.txt)" = "$1" ] && [ "$(sigs served.txt)" = 2 ] && return 0
		sleep 0.1
		_t=$((_t + 1))
	done
	return 1
}
check "the served checkpoint reaches size 6 with 2 signatures" cosigned 6
run "$GB" verify checkpoint --vkey "$LOGV" --vkey "$W1V" served.txt
check "verify checkpoint with the log's and W1's vkeys: both verify" \
	sh -c "[ $RC = 0 ] && grep -q 'verified by 2 of 2 signatures' out"
run "$GB" verify checkpoint --vkey "$W1V" --json served.txt
check "verify checkpoint --json: W1's cosignature verified" \
	sh -c "[ $RC = 0 ] && grep -q '\"name\": *\"zs-w1\"' out && grep -q '\"verified\": *true' out"
check "the second line is W1's, none is W2's" \
	sh -c "grep -q '^$EM zs-w1 ' served.txt && ! grep -q 'zs-w2' served.txt"
check "the served size is the log's size" \
	[ "$(curl -s --max-time 5 "$URL/v1/health")" = '{"size":6}' ]
check "the server logs W2's lines as refused (not a charter witness)" \
	grep -q "cosign: http://127.0.0.1:$PW2: GB_ENOTESIG: answer has 1 line, none a cosignature by a charter witness key" A.log
check "the server logs the dead witness, and goes on" \
	grep -q "cosign: http://127.0.0.1:$PDEAD: GB_ENET" A.log
check "a round line: cosigned by 1 of 3 witnesses" grep -q 'cosign: checkpoint of size 6 cosigned by 1 of 3 witnesses' A.log
STATE1=$(ls W1.state | grep -v -e lock -e '\.')
check "W1 keeps one state file, named by the origin's SHA-256, at size 6" \
	sh -c "[ \$(printf %s '$STATE1' | wc -c) = 64 ] && grep -q '^size 6\$' 'W1.state/$STATE1'"
cp served.txt cp-6.txt
"$GB" checkpoint --ledger A --log-key keys/log.sec >cp-6.note

# ---- add-checkpoint by hand: every refusal -----------------------------------

request req-ok.txt 6 cp-6.note
add req-ok.txt
check "the same checkpoint again: 200, one cosignature line by zs-w1" \
	sh -c "[ '$CODE' = 200 ] && [ \$(wc -l <body) = 1 ] && grep -q '^$EM zs-w1 ' body"
request req.txt 0 cp-1.txt
add req.txt
check "a rolled-back checkpoint (size 1 after 6): 409" [ "$CODE" = 409 ]
check "... with Content-Type text/x.tlog.size" [ "$CTYPE" = text/x.tlog.size ]
check "... and the body '6\\n'" [ "$(od -An -c body | tr -d ' ')" = '6\n' ]
request req.txt 1 cp-6.note
add req.txt
check "an old size that is not the size cosigned: 409 '6'" sh -c "[ '$CODE' = 409 ] && [ \"\$(cat body)\" = 6 ]"
request req.txt 7 cp-6.note
add req.txt
check "old size over the checkpoint's: 400 GB_ERANGE" sh -c "[ '$CODE' = 400 ] && grep -q '^GB_ERANGE: ' body"
printf '' >req.txt
add req.txt
check "an empty body: 400 GB_EINVAL" sh -c "[ '$CODE' = 400 ] && grep -q '^GB_EINVAL: line 1' body"
printf 'old 6\nnot-base64\n\n' >req.txt
cat cp-6.note >>req.txt
add req.txt
check "a proof line that is not base64: 400 GB_EINVAL" sh -c "[ '$CODE' = 400 ] && grep -q 'not base64 of a 32-byte hash' body"
{ printf 'old 6\n'; i=0; while [ $i -lt 64 ]; do printf 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n'; i=$((i + 1)); done
  printf '\n'; cat cp-6.note; } >req.txt
add req.txt
check "64 proof lines: 400" sh -c "[ '$CODE' = 400 ] && grep -q 'more than 63' body"
printf 'old 0\n\nnot a note\n' >req.txt
add req.txt
check "a body whose note is malformed: 400 GB_ENOTE" sh -c "[ '$CODE' = 400 ] && grep -q '^GB_ENOTE: ' body"
"$GB" checkpoint --ledger O --log-key keys/plain.sec >cp-other.txt
request req.txt 0 cp-other.txt
add req.txt
check "a log this witness does not witness: 404 GB_ENOTFOUND" sh -c "[ '$CODE' = 404 ] && grep -q '^GB_ENOTFOUND: ' body"
"$GB" checkpoint --ledger D --log-key keys/log2.sec >cp-d.txt
request req.txt 0 cp-d.txt
add req.txt
check "the origin signed by another key: 403 GB_ENOTESIG" sh -c "[ '$CODE' = 403 ] && grep -q '^GB_ENOTESIG: ' body"
sed 's/^6$/7/' cp-6.note >cp-6-altered.txt
request req.txt 6 cp-6-altered.txt
add req.txt
check "the log's checkpoint with its size changed: 403" [ "$CODE" = 403 ]
head -c 20000 /dev/zero | tr '\0' 'A' >req.txt
add req.txt
check "a body of 20000 bytes: 413 GB_ETOOBIG" sh -c "[ '$CODE' = 413 ] && grep -q '^GB_ETOOBIG: ' body"
CODE=$(curl -s --max-time 10 -o body -w '%{http_code}' "http://127.0.0.1:$PW1/add-checkpoint")
check "GET /add-checkpoint: 405" [ "$CODE" = 405 ]
CODE=$(curl -s --max-time 10 -o body -w '%{http_code}' --data-binary @req-ok.txt "http://127.0.0.1:$PW1/other")
check "POST /other: 404" [ "$CODE" = 404 ]
check "W1's access log has a line per request" grep -q '^POST /add-checkpoint 413 ' W1.log

# ---- a diverging copy of the log ---------------------------------------------

# B: A's charter, then memos of its own (same origin, same log key): at 6
# entries the size W1 cosigned, with another root; at 9 past it.
for i in 1 2 3 4 5; do
	memo --ledger B "b-$i" "b memo $i" || fail "post b-$i" "exit $?"
done
"$GB" checkpoint --ledger B --log-key keys/log.sec >cp-b6.txt
for i in 6 7 8; do
	memo --ledger B "b-$i" "b memo $i" || fail "post b-$i" "exit $?"
done
"$GB" checkpoint --ledger B --log-key keys/log.sec >cp-b9.txt
check "B diverges: at 6 entries it has another root than A" 	sh -c "[ \"\$(sed -n 3p cp-b6.txt)\" != \"\$(sed -n 3p cp-6.note)\" ]"
proof_lines B 6 9 >proof-b.txt
check "B's proof from 6 to 9 has lines" [ -s proof-b.txt ]
request req-b9.txt 6 cp-b9.txt proof-b.txt
add req-b9.txt
check "B's checkpoint (9) with B's proof from 6: 422 GB_EPROOF" sh -c "[ '$CODE' = 422 ] && grep -q '^GB_EPROOF: ' body"
# A2: A's 5 memos, byte for byte (same keys, ids, times), then one of its own.
for i in 1 2 3 4 5; do
	memo --ledger A2 "a-$i" "a memo $i" || fail "post a-$i to A2" "exit $?"
done
memo --ledger A2 a2-7 "a2 memo 7" || fail "post a2-7" "exit $?"
"$GB" checkpoint --ledger A2 --log-key keys/log.sec >cp-a2.txt
proof_lines A2 6 7 >proof-a2.txt
ROOT6_A2=$("$GB" prove --ledger A2 consistency 6 7 | sed -n 's/.*"root1": *"\(.*\)".*/\1/p')
check "A2 extends A: the same root at 6" [ "$ROOT6_A2" = "$(sed -n 3p cp-6.note)" ]
{ printf 'old 6\n'; sed 's/^\(.\{10\}\)./\1A/' proof-a2.txt; printf '\n'; cat cp-a2.txt; } >req.txt
check "the altered proof differs from A2's" sh -c "! printf 'old 6\n%s\n\n' \"\$(cat proof-a2.txt)\" | cat - cp-a2.txt | cmp -s - req.txt"
add req.txt
check "an extension of A with a proof hash altered: 422 GB_EPROOF" sh -c "[ '$CODE' = 422 ] && grep -q '^GB_EPROOF: ' body"
check "no split-view evidence yet" [ "$(ls W1.state | grep -c splitview)" = 0 ]
request req-split.txt 6 cp-b6.txt
add req-split.txt
check "B's checkpoint at 6, W1's size, another root: 409 GB_ESPLITVIEW" \
	sh -c "[ '$CODE' = 409 ] && [ '$CTYPE' = 'text/plain; charset=utf-8' ] && grep -q '^GB_ESPLITVIEW: SPLIT VIEW' body"
EVIDENCE=$(ls W1.state | grep splitview)
check "the split view is kept in W1's state directory, with the request" \
	sh -c "[ -n '$EVIDENCE' ] && grep -q 'gongbao-witness-evidence v1' 'W1.state/$EVIDENCE' && grep -qF \"\$(sed -n 3p cp-b6.txt)\" 'W1.state/$EVIDENCE'"
check "... and logged loudly" grep -q '^witness: GB_ESPLITVIEW: SPLIT VIEW' W1.log
request req.txt 0 cp-6.note
add req.txt
check "W1 still has 6 after all that" sh -c "[ '$CODE' = 409 ] && [ \"\$(cat body)\" = 6 ]"

# A server of B asks W1 too: W1 refuses; B serves its checkpoint uncosigned.
"$GB" serve --ledger B --log-key keys/log.sec --listen "127.0.0.1:$PB" \
	--witness "http://127.0.0.1:$PW1" 2>B.log &
PIDS="$PIDS $!"
up "http://127.0.0.1:$PB/v1/health" B.log
_t=0
until grep -q 'cosign: checkpoint of size 9' B.log || [ "$_t" -gt 100 ]; do sleep 0.1; _t=$((_t + 1)); done
check "a server of B: its round is cosigned by 0 of 1 witnesses" grep -q 'cosign: checkpoint of size 9 cosigned by 0 of 1 witnesses' B.log
check "... W1 refused B's proof (422)" grep -q "cosign: http://127.0.0.1:$PW1: GB_ENET: HTTP 422: GB_EPROOF" B.log
curl -s --max-time 5 -o served-b.txt "http://127.0.0.1:$PB/v1/checkpoint"
check "... and B serves its checkpoint with the log's signature only" \
	sh -c "[ \"\$(sed -n 2p served-b.txt)\" = 9 ] && [ \"\$(grep -c '^$EM ' served-b.txt)\" = 1 ]"

# ---- W1 restarted: it keeps its sizes ------------------------------------------

kill -TERM "$PID_W1"
wait "$PID_W1"
check "W1 exits 0 on SIGTERM" [ "$?" = 0 ]
start_witness W1 w1 "$PW1"
request req.txt 0 cp-6.note
add req.txt
check "W1 restarted: its size for A is still 6" sh -c "[ '$CODE' = 409 ] && [ \"\$(cat body)\" = 6 ]"
request req.txt 0 cp-1.txt
add req.txt
check "W1 restarted: the rolled-back checkpoint is refused, 409 '6'" \
	sh -c "[ '$CODE' = 409 ] && [ '$CTYPE' = text/x.tlog.size ] && [ \"\$(cat body)\" = 6 ]"
request req.txt 6 cp-b6.txt
add req.txt
check "W1 restarted: B's split view still refused" [ "$CODE" = 409 ]
memo --server "$URL" a-6 "a memo 6" || fail "post a-6" "exit $?"
check "A goes on: the served checkpoint reaches 7, cosigned by W1" cosigned 7
run "$GB" verify checkpoint --vkey "$W1V" served.txt
check "... which verify checkpoint accepts with W1's vkey" [ "$RC" = 0 ]

# bounded RESULT CMD...: runs CMD in the background, at most 10 s; RC its status (or 124).
bounded() {
	"$@" >out 2>err &
	_p=$!
	_t=0
	while kill -0 "$_p" 2>/dev/null && [ "$_t" -lt 100 ]; do sleep 0.1; _t=$((_t + 1)); done
	if kill -0 "$_p" 2>/dev/null; then
		kill -9 "$_p"
		wait "$_p" 2>/dev/null
		RC=124
	else
		wait "$_p"
		RC=$?
	fi
}
bounded "$GB" witness --key keys/w1.sec --state W1.state --log "$LOGV" --listen "127.0.0.1:$((PW1 + 5))"
check "a second witness on W1's state directory: exit 1, GB_EIO, in use" \
	sh -c "[ $RC = 1 ] && grep -q 'GB_EIO' err && grep -q 'in use by another witness' err"

kill -TERM "$PID_W1"
wait "$PID_W1"
cp "W1.state/$STATE1" state.good
printf 'X' | dd of="W1.state/$STATE1" bs=1 seek=60 conv=notrunc 2>/dev/null
bounded "$GB" witness --key keys/w1.sec --state W1.state --log "$LOGV" --listen "127.0.0.1:$PW1"
check "a damaged state file: exit 1, GB_ECORRUPT naming the file" \
	sh -c "[ $RC = 1 ] && grep -q 'GB_ECORRUPT' err && grep -q '$STATE1' err && grep -q 'never reset' err"
check "... and the file is left as it was found" sh -c "! cmp -s state.good 'W1.state/$STATE1'"
cp state.good "W1.state/$STATE1"
start_witness W1 w1 "$PW1"
request req.txt 0 cp-6.note
add req.txt
check "restored, W1 starts with its size 7" sh -c "[ '$CODE' = 409 ] && [ \"\$(cat body)\" = 7 ]"

kill -TERM "$PID_A"
wait "$PID_A"
check "the server with witnesses exits 0 on SIGTERM" [ "$?" = 0 ]

echo "witness: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]

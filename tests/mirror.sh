#!/bin/sh
# tests/mirror.sh: the CLI's --server clients and 'gongbao mirror' end to end
# on loopback, run by 'make check-mirror'.
#
#   sh tests/mirror.sh [build/gongbao]
#
# A ledger A is served; entries are posted with 'post --server'; get, prove and
# checkpoint --server must print what --ledger prints. A mirror M is made,
# catches up, follows, and must equal A ('log', 'reconcile', a clean audit).
# Then servers of a diverging copy of A (same log key, other entries), an
# older copy (a rollback) and another log are each refused with GB_ESPLITVIEW
# or a signature error, and M is left unchanged.
# POSIX sh; needs curl. Servers run in the background and are killed on exit.
# Prints one line per check and ends with 'mirror: N passed, M failed'.
set -u
SUITE=mirror
GB=${1:-build/gongbao}
. tests/lib.sh
programs GB
needs curl
PIDS=
trap 'for p in $PIDS; do kill -9 "$p" 2>/dev/null; done; [ -n "${KEEP:-}" ] || rm -rf "$TMP"' EXIT
cd "$TMP" || exit 1

GONGBAO_CLOCK=1767225600
GONGBAO_PASSPHRASE=mirror-test-passphrase
export GONGBAO_CLOCK GONGBAO_PASSPHRASE
unset GONGBAO_LEDGER GONGBAO_MAP_SIZE
ORIGIN=test.gongbao/mirror

# check NAME COMMAND...: ok if the command succeeds.
check() {
	_n=$1
	shift
	if "$@"; then ok "$_n"; else fail "$_n" "$(head -c 300 out 2>/dev/null) $(head -c 300 err 2>/dev/null)"; fi
}
# quiet COMMAND...: runs it with its output discarded.
quiet() {
	"$@" >/dev/null 2>&1
}
# run COMMAND...: runs it with stdout in ./out, stderr in ./err, status in $RC.
run() {
	"$@" >out 2>err
	RC=$?
}
# serve DIR PORT: starts a server in the background and waits for it.
serve() {
	"$GB" serve --ledger "$1" --listen "127.0.0.1:$2" 2>"server-$2.log" &
	PIDS="$PIDS $!"
	_t=0
	until curl -s --max-time 2 -o /dev/null "http://127.0.0.1:$2/v1/health"; do
		_t=$((_t + 1))
		if [ "$_t" -gt 50 ]; then
			echo "mirror: the server on $2 did not start:" >&2
			cat "server-$2.log" >&2
			exit 1
		fi
		sleep 0.1
	done
}
# memo LEDGER_OR_SERVER_OPTION VALUE N: posts memo N through that option.
memo() {
	printf '{"type":"memo","id":"memo-%03d","time":1767225600,"text":"memo %d"}' "$3" "$3" >body.json
	"$GB" post "$1" "$2" --key keys/picc.sec body.json
}
size_of() {
	"$GB" log --ledger "$1" --json | wc -l | tr -d ' '
}

mkdir keys
for k in assoc:zs-assoc picc:picc-zs zseb:zs-eb log:$ORIGIN other:$ORIGIN; do
	"$GB" keygen --name "${k#*:}" --out "keys/${k%%:*}.sec" >"keys/${k%%:*}.vkey" || exit 1
done
"$GB" keygen --witness --name zs-w1 --out keys/w1.sec >keys/w1.vkey || exit 1
"$GB" keygen --witness --name zs-w2 --out keys/w2.sec >keys/w2.vkey || exit 1
cat >charter.json <<JSON
{"consortium": "zs-2026", "name": "mirror test consortium", "time": 1767225600,
 "participants": [
  {"id": "zs-assoc", "role": "association", "vkey": "$(cat keys/assoc.vkey)"},
  {"id": "picc-zs", "role": "member", "vkey": "$(cat keys/picc.vkey)"},
  {"id": "zs-eb", "role": "regulator", "vkey": "$(cat keys/zseb.vkey)"},
  {"id": "zs-w1", "role": "witness", "vkey": "$(cat keys/w1.vkey)"}]}
JSON
"$GB" init --ledger A --origin "$ORIGIN" --log-key keys/log.sec --charter charter.json \
	--key keys/assoc.sec >/dev/null 2>&1 || exit 1
"$GB" init --ledger C --origin "$ORIGIN" --log-key keys/other.sec --charter charter.json \
	--key keys/assoc.sec >/dev/null 2>&1 || exit 1
LOGV=$(cat keys/log.vkey)

# Ports below the ephemeral range (32768-60999 on Linux), where a client socket could hold one.
P1=$((23100 + $$ % 3000))
P2=$((P1 + 1))
P3=$((P1 + 2))
P4=$((P1 + 3))
P5=$((P1 + 4))
URL=http://127.0.0.1:$P1
serve A "$P1"

# ---- the --server clients -----------------------------------------------------

run memo --server "$URL" 1
check "post --server: exit 0, index 1" [ "$RC:$(cat out)" = "0:1" ]
run memo --server "$URL" 1
check "post --server the same body again: index 1, said to be a duplicate" \
	[ "$RC:$(cat out)" = "0:1" ] && grep -q 'already in the log as entry 1' err
i=2
while [ "$i" -le 12 ]; do
	memo --server "$URL" "$i" >/dev/null || fail "post memo $i" "exit $?"
	i=$((i + 1))
done
run "$GB" post --server "$URL" --key keys/picc.sec --json body.json
check "post --server --json: the duplicate's index" [ "$RC:$(cat out)" = '0:{"index":12,"duplicate":true}' ]
printf '{"type":"memo","id":"memo-012","time":1767225600,"text":"other text"}' >reuse.json
run "$GB" post --server "$URL" --key keys/picc.sec reuse.json
check "post --server an id reused with other bytes: exit 1, GB_EIDREUSE" \
	[ "$RC" = 1 ] && grep -q 'GB_EIDREUSE' err
run "$GB" post --server "$URL" --key keys/other.sec body.json
check "post --server by a key not in the charter: exit 1, GB_EUNKNOWNKEY" \
	[ "$RC" = 1 ] && grep -q 'GB_EUNKNOWNKEY' err
run "$GB" post --server "$URL" --ledger A --key keys/picc.sec body.json
check "post with both --server and --ledger: exit 2" [ "$RC" = 2 ]
run "$GB" post --server "ftp://127.0.0.1:$P1" --key keys/picc.sec body.json
check "post --server with a URL that is not http: exit 2" [ "$RC" = 2 ]
run "$GB" post --server "http://127.0.0.1:$P4" --key keys/picc.sec body.json
check "post --server to nobody: exit 1, GB_ENET" [ "$RC" = 1 ] && grep -q 'GB_ENET' err
check "A has 13 entries after the posts" [ "$(size_of A)" = 13 ]

"$GB" get --ledger A --raw 5 >e5-ledger.bin
run "$GB" get --server "$URL" --raw 5
check "get --server --raw: the bytes of get --ledger --raw" cmp -s out e5-ledger.bin
"$GB" get --ledger A 7 >g-ledger.txt
run "$GB" get --server "$URL" 7
check "get --server: the JSON view of get --ledger" cmp -s out g-ledger.txt
run "$GB" get --server "$URL" 13
check "get --server past the end: exit 1, GB_ERANGE" [ "$RC" = 1 ] && grep -q 'GB_ERANGE' err

run "$GB" checkpoint --server "$URL"
cp out cp-server.txt
check "checkpoint --server: verifies with the log's vkey" \
	quiet "$GB" verify checkpoint --vkey "$LOGV" cp-server.txt
check "checkpoint --server: size 13" [ "$(sed -n 2p cp-server.txt)" = 13 ]
run "$GB" checkpoint --server "$URL" --log-key keys/log.sec
check "checkpoint --server with --log-key: exit 2" [ "$RC" = 2 ]

"$GB" prove --ledger A inclusion 4 >pi-ledger.json
run "$GB" prove --server "$URL" inclusion 4
check "prove --server inclusion: what --ledger prints" cmp -s out pi-ledger.json
"$GB" prove --ledger A consistency 3 11 >pc-ledger.json
run "$GB" prove --server "$URL" consistency 3 11
check "prove --server consistency: what --ledger prints" cmp -s out pc-ledger.json
cp out pc-server.json
check "the served consistency proof verifies against a served checkpoint" \
	quiet "$GB" verify consistency --vkey "$LOGV" pc-server.json
run "$GB" prove --server "$URL" consistency 11 3
check "prove --server consistency backwards: exit 1, GB_ERANGE" [ "$RC" = 1 ] && grep -q 'GB_ERANGE' err

# ---- the mirror ---------------------------------------------------------------

cp -r A OLD    # 13 entries: served later as a rollback

run "$GB" mirror --from "$URL" --ledger M
check "mirror without --vkey for a new mirror: exit 2" [ "$RC" = 2 ] && [ ! -e M/data.mdb ]
run "$GB" mirror --from "$URL" --ledger M --vkey "$(cat keys/other.vkey)"
check "mirror with another key than the log's: exit 1, GB_ENOTESIG, nothing made" \
	[ "$RC" = 1 ] && grep -q 'GB_ENOTESIG' err && [ ! -e M/data.mdb ]
run "$GB" mirror --from "$URL" --ledger M --vkey "$LOGV" --json
check "mirror: made, 13 entries fetched and verified" \
	[ "$RC:$(cat out)" = "0:{\"size\":13,\"fetched\":13,\"trusted_size\":13,\"root\":\"$(sed -n 3p cp-server.txt)\",\"created\":true,\"cosignatures\":0}" ]
check "mirror: its log equals A's" sh -c "'$GB' log --ledger M >m.log && '$GB' log --ledger A >a.log && cmp -s m.log a.log"
check "mirror: the trusted checkpoint is the served one" cmp -s M/mirror-checkpoint cp-server.txt
run "$GB" mirror --from "$URL" --ledger M
check "mirror again with nothing new: 0 fetched" [ "$RC" = 0 ] && grep -q '(0 new)' out
i=13
while [ "$i" -le 20 ]; do
	memo --server "$URL" "$i" >/dev/null || fail "post memo $i" "exit $?"
	i=$((i + 1))
done
run "$GB" mirror --from "$URL" --ledger M --json
check "mirror catches up: 8 new, size 21" grep -q '"size":21,"fetched":8,"trusted_size":21' out
run "$GB" mirror --from "$URL" --ledger M --vkey "$(cat keys/other.vkey)"
check "mirror with a --vkey other than the mirror's: exit 1, GB_EVKEY" [ "$RC" = 1 ] && grep -q 'GB_EVKEY' err
run "$GB" audit --ledger M
check "audit of the mirror: clean" [ "$RC" = 0 ]
"$GB" reconcile --ledger A --json >rec-a.json
run "$GB" reconcile --ledger M --json
check "reconcile of the mirror equals A's" cmp -s out rec-a.json

# --follow: posts while it runs are mirrored; SIGTERM stops it with exit 0.
"$GB" mirror --from "$URL" --ledger M --follow --interval 1 >follow.out 2>follow.err &
FPID=$!
PIDS="$PIDS $FPID"
i=21
while [ "$i" -le 25 ]; do
	memo --server "$URL" "$i" >/dev/null || fail "post memo $i" "exit $?"
	i=$((i + 1))
done
t=0
while [ "$(size_of M)" != 26 ] && [ "$t" -lt 100 ]; do
	sleep 0.1
	t=$((t + 1))
done
check "mirror --follow: reaches the log's 26 entries" [ "$(size_of M)" = 26 ]
kill -TERM "$FPID"
wait "$FPID"
check "mirror --follow: exits 0 on SIGTERM" [ "$?" = 0 ]

# Two mirror processes on one directory take turns (flock on M/mirror.lock).
if command -v flock >/dev/null 2>&1; then
	flock M/mirror.lock sleep 3 &
	LPID=$!
	sleep 0.5
	run "$GB" mirror --from "$URL" --ledger M
	check "mirror while another process holds M/mirror.lock: exit 1, GB_ESTATE" \
		[ "$RC" = 1 ] && grep -q 'GB_ESTATE' err && grep -q 'another mirror process' err
	wait "$LPID"
	run "$GB" mirror --from "$URL" --ledger M
	check "mirror once the lock is free: exit 0" [ "$RC" = 0 ]
else
	fail "mirror lock" "no flock(1) on this machine"
fi

# ---- witnesses: the mirror can require the checkpoint's cosignatures -----------

run "$GB" mirror --from "$URL" --ledger M --witness "$(cat keys/w1.vkey)"
check "mirror --witness W1 of a log with no witness: exit 1, GB_ENOTESIG, 0 of 1" \
	[ "$RC" = 1 ] && grep -q 'GB_ENOTESIG' err && grep -q '0 valid witness cosignatures, 1 required' err
run "$GB" mirror --from "$URL" --ledger M --witness "$LOGV"
check "mirror --witness with a log key (not alg 0x04): exit 2" [ "$RC" = 2 ]
run "$GB" mirror --from "$URL" --ledger M --witness "$(cat keys/w1.vkey)" --quorum 2
check "mirror --quorum above the witnesses named: exit 2" [ "$RC" = 2 ]
# W1's key under another name (the key id recomputed for it): one witness, refused.
W1V=$(cat keys/w1.vkey)
W1B64=${W1V##*+}
W1ID=$( { printf 'zs-w1-again\n'; printf '%s' "$W1B64" | base64 -d; } | sha256sum | cut -c1-8)
run "$GB" mirror --from "$URL" --ledger M --witness "$W1V" --witness "zs-w1-again+$W1ID+$W1B64" --quorum 2
check "mirror --witness W1 twice under two names: exit 2, one witness" \
	[ "$RC" = 2 ] && grep -q "the key of 'zs-w1' under another name" err
"$GB" witness --key keys/w1.sec --state W1 --log "$LOGV" --listen "127.0.0.1:$P5" 2>witness.log &
PIDS="$PIDS $!"
t=0
until curl -s --max-time 2 -o /dev/null "http://127.0.0.1:$P5/"; do
	t=$((t + 1))
	[ "$t" -gt 50 ] && { echo "mirror: the witness did not start" >&2; cat witness.log >&2; exit 1; }
	sleep 0.1
done
kill -TERM "$(echo $PIDS | cut -d' ' -f1)"
wait "$(echo $PIDS | cut -d' ' -f1)" 2>/dev/null
"$GB" serve --ledger A --listen "127.0.0.1:$P1" --witness "http://127.0.0.1:$P5" 2>"server-$P1.log" &
PIDS="$PIDS $!"
t=0
until "$GB" checkpoint --server "$URL" 2>/dev/null | grep -q '^— zs-w1 '; do
	t=$((t + 1))
	[ "$t" -gt 100 ] && break
	sleep 0.1
done
run "$GB" mirror --from "$URL" --ledger M --witness "$(cat keys/w1.vkey)" --json
check "mirror --witness W1 of the log W1 cosigns: 1 cosignature" grep -q '"cosignatures":1}' out
run "$GB" mirror --from "$URL" --ledger M --witness "$(cat keys/w1.vkey)" --witness "$(cat keys/w2.vkey)"
check "mirror --witness W1 --witness W2 (all by default): exit 1, 1 of 2" \
	[ "$RC" = 1 ] && grep -q '1 valid witness cosignatures, 2 required' err
run "$GB" mirror --from "$URL" --ledger M --witness "$(cat keys/w1.vkey)" --witness "$(cat keys/w2.vkey)" --quorum 1
check "mirror --witness W1 --witness W2 --quorum 1: exit 0" [ "$RC" = 0 ]
cp M/mirror-checkpoint trusted-26.txt
"$GB" log --ledger M >m26.log

# ---- servers that lie ---------------------------------------------------------

# FORK: A as it was at 13 entries, then other entries, past M's trusted size.
cp -r OLD FORK
i=13
while [ "$i" -le 30 ]; do
	printf '{"type":"memo","id":"fork-%03d","time":1767225600,"text":"fork %d"}' "$i" "$i" >fork.json
	"$GB" post --ledger FORK --key keys/picc.sec fork.json >/dev/null || fail "fork post $i" "exit $?"
	i=$((i + 1))
done
serve FORK "$P2"
run "$GB" mirror --from "http://127.0.0.1:$P2" --ledger M --witness "$(cat keys/w1.vkey)"
check "a fork no witness has cosigned, to a mirror that wants W1: exit 1, GB_ENOTESIG" \
	[ "$RC" = 1 ] && grep -q 'GB_ENOTESIG' err
run "$GB" mirror --from "http://127.0.0.1:$P2" --ledger M
check "a fork of the log (same key, other history): exit 1, GB_ESPLITVIEW" \
	[ "$RC" = 1 ] && grep -q 'GB_ESPLITVIEW' err && grep -q 'not a prefix' err
check "the fork left the mirror as it was" sh -c "'$GB' log --ledger M | cmp -s - m26.log && cmp -s M/mirror-checkpoint trusted-26.txt"

serve OLD "$P3"
run "$GB" mirror --from "http://127.0.0.1:$P3" --ledger M
check "an older copy of the log (13 < 26): exit 1, GB_ESPLITVIEW, rollback" \
	[ "$RC" = 1 ] && grep -q 'GB_ESPLITVIEW' err && grep -q 'rollback' err

# SAME: A's first 13 entries then 13 others: the same size as M, another root.
cp -r OLD SAME
i=13
while [ "$i" -le 25 ]; do
	printf '{"type":"memo","id":"same-%03d","time":1767225600,"text":"same %d"}' "$i" "$i" >same.json
	"$GB" post --ledger SAME --key keys/picc.sec same.json >/dev/null || fail "same post $i" "exit $?"
	i=$((i + 1))
done
serve SAME "$P4"
run "$GB" mirror --from "http://127.0.0.1:$P4" --ledger M
check "the same size with another root: exit 1, GB_ESPLITVIEW" \
	[ "$RC" = 1 ] && grep -q 'GB_ESPLITVIEW' err && grep -q 'another root' err
check "after three lying servers the mirror is unchanged" sh -c "'$GB' log --ledger M | cmp -s - m26.log"

# A fresh mirror of the fork, then the real log: the real log is not an extension.
run "$GB" mirror --from "http://127.0.0.1:$P2" --ledger MF --vkey "$LOGV"
check "a fresh mirror of the fork: 31 entries" [ "$RC" = 0 ] && grep -q '^mirror: 31 entries' out
run "$GB" mirror --from "$URL" --ledger MF
check "then the real log, with fewer entries: rollback refused" [ "$RC" = 1 ] && grep -q 'GB_ESPLITVIEW' err

# A damaged trusted checkpoint is named, never used.
printf 'junk\n' >M/mirror-checkpoint
run "$GB" mirror --from "$URL" --ledger M
check "a damaged mirror-checkpoint: exit 1, GB_ECORRUPT naming the file" \
	[ "$RC" = 1 ] && grep -q 'GB_ECORRUPT' err && grep -q 'mirror-checkpoint' err

# C is another log (another key) under the same origin.
kill -9 $PIDS 2>/dev/null
for p in $PIDS; do wait "$p" 2>/dev/null; done # their ports are free only once they are gone
PIDS=
serve C "$P1"
run "$GB" mirror --from "$URL" --ledger MF
check "a server of another log key: exit 1, GB_ENOTESIG" [ "$RC" = 1 ] && grep -q 'GB_ENOTESIG' err

echo "mirror: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]

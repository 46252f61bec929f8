#!/bin/sh
# make demo: a consortium's ledger from nothing, in ./demo-ledger.
# Makes keys for an association, two members and a regulator, creates the
# ledger with their charter, posts signed memos, prints the log, a signed
# checkpoint, and verifies the checkpoint and proofs as an outsider would:
# with nothing but the log's verifier key. Then serves it over HTTP on
# loopback with a witness cosigning its checkpoints, posts through the server,
# and keeps a regulator's verifying mirror of it. Then simulates a consortium year
# (tools/sim.c) into ./demo-ledger/sim and prints its totals.
set -eu
GB=${1:-build/gongbao}
DIR=${DEMO_DIR:-demo-ledger}
ORIGIN=gongbao.demo/zhoushan-2026
# A demo passphrase for every key; real keys get their own, typed at a prompt.
GONGBAO_PASSPHRASE=demo-only-passphrase
GONGBAO_LEDGER=$DIR/ledger
export GONGBAO_PASSPHRASE GONGBAO_LEDGER

step() { printf '\n== %s\n' "$*"; }

rm -rf "$DIR"
mkdir -p "$DIR/keys"

step "keys: one per participant, and the log's checkpoint key"
for who in zs-assoc picc-zs cpic-zs zs-eb; do
	printf '%-9s ' "$who"
	"$GB" keygen --name "$who" --out "$DIR/keys/$who.sec"
done
"$GB" keygen --name "$ORIGIN" --out "$DIR/keys/log.sec" >/dev/null
printf '%-9s ' zs-eb-w
"$GB" keygen --witness --name zs-eb-w --out "$DIR/keys/zs-eb-w.sec"

step "charter (entry 0): the association, two members, the regulator and its witness key"
cat > "$DIR/charter.json" <<JSON
{"consortium": "zs-2026",
 "name": "Zhoushan work-safety liability insurance consortium 2026",
 "participants": [
  {"id": "zs-assoc", "role": "association", "vkey": "$("$GB" vkey --key "$DIR/keys/zs-assoc.sec")"},
  {"id": "picc-zs", "role": "member", "vkey": "$("$GB" vkey --key "$DIR/keys/picc-zs.sec")"},
  {"id": "cpic-zs", "role": "member", "vkey": "$("$GB" vkey --key "$DIR/keys/cpic-zs.sec")"},
  {"id": "zs-eb", "role": "regulator", "vkey": "$("$GB" vkey --key "$DIR/keys/zs-eb.sec")"},
  {"id": "zs-eb-w", "role": "witness", "vkey": "$("$GB" vkey --key "$DIR/keys/zs-eb-w.sec")"}]}
JSON
"$GB" init --origin "$ORIGIN" --log-key "$DIR/keys/log.sec" \
	--charter "$DIR/charter.json" --key "$DIR/keys/zs-assoc.sec"

step "signed memos from the members and the regulator"
NOW=$(date +%s) # one time for all, so that a repeated post is byte-identical
post() { # KEY ID TEXT
	printf '{"type":"memo","id":"%s","time":%s,"text":"%s"}' "$2" "$NOW" "$3" |
		"$GB" post --key "$DIR/keys/$1.sec" -
}
printf 'entry %s\n' "$(post picc-zs picc-2026-001 'Lead insurer: 2026 underwriting plan filed')"
printf 'entry %s\n' "$(post cpic-zs cpic-2026-001 'Follower: share table acknowledged')"
printf 'entry %s\n' "$(post zs-eb zseb-2026-001 'Regulator: register of high-risk enterprises published')"
printf 'entry %s\n' "$(post zs-assoc assoc-2026-001 'Association: Q1 prevention-fund plan approved')"
echo "posting picc-2026-001 again with the same bytes returns its index:"
printf 'entry %s\n' "$(post picc-zs picc-2026-001 'Lead insurer: 2026 underwriting plan filed' 2>/dev/null)"

step "the log"
"$GB" log

step "entry 1 as JSON"
"$GB" get 1

step "signed checkpoint"
"$GB" checkpoint > "$DIR/checkpoint.txt"
cat "$DIR/checkpoint.txt"

step "verification with nothing but the log's verifier key"
VKEY=$("$GB" vkey)
echo "vkey: $VKEY"
"$GB" verify checkpoint --vkey "$VKEY" "$DIR/checkpoint.txt"
"$GB" get 2 --raw > "$DIR/entry2.bin"
"$GB" prove inclusion 2 > "$DIR/inclusion.json"
"$GB" verify inclusion --entry "$DIR/entry2.bin" --checkpoint "$DIR/checkpoint.txt" \
	--vkey "$VKEY" "$DIR/inclusion.json"
"$GB" prove consistency 2 5 > "$DIR/consistency.json"
"$GB" verify consistency --checkpoint "$DIR/checkpoint.txt" --vkey "$VKEY" "$DIR/consistency.json"

step "the network: the log served on loopback, the regulator's witness cosigning its checkpoints"
PORT=$((29300 + $$ % 3000)) # below the ephemeral ports (32768-60999)
LOG_URL=http://127.0.0.1:$PORT
WIT_URL=http://127.0.0.1:$((PORT + 1))
WVKEY=$("$GB" vkey --key "$DIR/keys/zs-eb-w.sec")
PIDS=
trap 'for p in $PIDS; do kill "$p" 2>/dev/null || :; done' EXIT
# until_up LOG: waits (at most 5 s) until the service logging to LOG listens.
until_up() {
	_t=0
	until grep -q 'listening on' "$1" 2>/dev/null; do
		_t=$((_t + 1))
		[ "$_t" -le 50 ] || { echo "demo: not listening:" >&2; cat "$1" >&2; exit 1; }
		sleep 0.1
	done
}
"$GB" witness --key "$DIR/keys/zs-eb-w.sec" --state "$DIR/witness" --log "$VKEY" \
	--listen "127.0.0.1:$((PORT + 1))" 2>"$DIR/witness.log" &
PIDS="$PIDS $!"
until_up "$DIR/witness.log"
"$GB" serve --listen "127.0.0.1:$PORT" --witness "$WIT_URL" 2>"$DIR/serve.log" &
PIDS="$PIDS $!"
until_up "$DIR/serve.log"
echo "a member posts through the server:"
printf '{"type":"memo","id":"picc-2026-002","time":%s,"text":"Lead insurer: posted over HTTP"}' "$NOW" |
	"$GB" post --server "$LOG_URL" --key "$DIR/keys/picc-zs.sec" -
_t=0
until "$GB" checkpoint --server "$LOG_URL" | grep -q '^— zs-eb-w ' && [ "$("$GB" checkpoint --server "$LOG_URL" | sed -n 2p)" = 6 ]; do
	_t=$((_t + 1))
	[ "$_t" -le 100 ] || { echo "demo: no cosigned checkpoint of size 6" >&2; exit 1; }
	sleep 0.1
done
echo "the served checkpoint, signed by the log and cosigned by the witness:"
"$GB" checkpoint --server "$LOG_URL" | tee "$DIR/cosigned.txt"
"$GB" verify checkpoint --vkey "$VKEY" --vkey "$WVKEY" "$DIR/cosigned.txt"
echo "the regulator's mirror: every signature, rule and proof checked, the witness's cosignature required:"
"$GB" mirror --from "$LOG_URL" --ledger "$DIR/mirror" --vkey "$VKEY" --witness "$WVKEY"
"$GB" audit --ledger "$DIR/mirror" | tail -n 1
for p in $PIDS; do kill "$p"; wait "$p" 2>/dev/null || :; done
PIDS=

step "a simulated consortium year (build/tools/sim, default seed) in $DIR/sim"
SIM=$(dirname "$GB")/tools/sim
"$SIM" --quiet --ledger "$DIR/sim" --register "$DIR/register.csv"
echo "the regulator's register: $(($(wc -l < "$DIR/register.csv") - 1)) enterprises in $DIR/register.csv"

step "the simulated year through 'gongbao show': the lead, and the fund as of 30 June"
"$GB" show --ledger "$DIR/sim" member picc-zs
"$GB" show --ledger "$DIR/sim" fund --as-of 2026-06-30

step "done: the ledger is in $GONGBAO_LEDGER, the simulated year in $DIR/sim"

#!/bin/sh
# make demo: a consortium's ledger from nothing, in ./demo-ledger.
# Makes keys for an association, two members and a regulator, creates the
# ledger with their charter, posts signed memos, prints the log, a signed
# checkpoint, and verifies the checkpoint and proofs as an outsider would:
# with nothing but the log's verifier key. Then simulates a consortium year
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

step "charter (entry 0): the association, two members and the regulator"
cat > "$DIR/charter.json" <<JSON
{"consortium": "zs-2026",
 "name": "Zhoushan work-safety liability insurance consortium 2026",
 "participants": [
  {"id": "zs-assoc", "role": "association", "vkey": "$("$GB" vkey --key "$DIR/keys/zs-assoc.sec")"},
  {"id": "picc-zs", "role": "member", "vkey": "$("$GB" vkey --key "$DIR/keys/picc-zs.sec")"},
  {"id": "cpic-zs", "role": "member", "vkey": "$("$GB" vkey --key "$DIR/keys/cpic-zs.sec")"},
  {"id": "zs-eb", "role": "regulator", "vkey": "$("$GB" vkey --key "$DIR/keys/zs-eb.sec")"}]}
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

step "a simulated consortium year (build/tools/sim, default seed) in $DIR/sim"
SIM=$(dirname "$GB")/tools/sim
"$SIM" --quiet --ledger "$DIR/sim" --register "$DIR/register.csv"
echo "the regulator's register: $(($(wc -l < "$DIR/register.csv") - 1)) enterprises in $DIR/register.csv"

step "the simulated year through 'gongbao show': the lead, and the fund as of 30 June"
"$GB" show --ledger "$DIR/sim" member picc-zs
"$GB" show --ledger "$DIR/sim" fund --as-of 2026-06-30

step "done: the ledger is in $GONGBAO_LEDGER, the simulated year in $DIR/sim"

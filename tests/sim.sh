#!/bin/sh
# tests/sim.sh: the randomized test, run by 'make check-sim'.
#
#   sh tests/sim.sh [build/tools/sim]
#
# Runs the simulator with --check (every invariant of spec/TRANSACTIONS.md
# section 4 over all balances, after every batch) for 8 seeds at a small size,
# and once more for the first seed to check that a seed gives the same year
# (the same Merkle tree root, so the same entry bytes, totals and register).
# A run that exits non-zero (a refused batch, a violated invariant) fails.
# Ends with 'sim: N passed, M failed'.
set -u
SIM=${1:-build/tools/sim}
SEEDS=${GONGBAO_SIM_SEEDS:-"1 2 3 5 8 13 21 34"}
SIZE=${GONGBAO_SIM_ENTERPRISES:-200}
if [ ! -x "$SIM" ]; then
	echo "sim: no simulator at '$SIM'" >&2
	exit 1
fi
SUITE=sim
. "$(dirname "$0")/lib.sh"

for seed in $SEEDS; do
	name="seed $seed, $SIZE enterprises, --check"
	if "$SIM" --seed "$seed" --enterprises "$SIZE" --check --quiet --json \
		--ledger "$TMP/l$seed" --register "$TMP/r$seed.csv" >"$TMP/o$seed.json" 2>"$TMP/e$seed"; then
		# Every batch was checked, and the year holds policies, claims and fund spending.
		if grep -q '"checks": [1-9]' "$TMP/o$seed.json" && grep -q '"withdrawals": [1-9]' "$TMP/o$seed.json" &&
			! grep -q '"policies": 0,' "$TMP/o$seed.json"; then
			ok "$name"
		else
			fail "$name" "the totals lack checks, policies or withdrawals: $(head -c 300 "$TMP/o$seed.json")"
		fi
	else
		fail "$name" "$(tail -n 1 "$TMP/e$seed")"
	fi
done

first=${SEEDS%% *}
name="seed $first again gives the same year and register"
if "$SIM" --seed "$first" --enterprises "$SIZE" --quiet --json --ledger "$TMP/again" \
	--register "$TMP/again.csv" >"$TMP/again.json" 2>"$TMP/again.err" &&
	cmp -s "$TMP/r$first.csv" "$TMP/again.csv" &&
	[ "$(grep -v '"checks"' "$TMP/again.json")" = "$(grep -v '"checks"' "$TMP/o$first.json")" ]; then
	ok "$name"
else
	fail "$name" "$(tail -n 1 "$TMP/again.err")"
fi

name="an existing ledger directory is refused"
if "$SIM" --seed "$first" --enterprises "$SIZE" --quiet --ledger "$TMP/again" >/dev/null 2>"$TMP/exist.err"; then
	fail "$name" "the simulator wrote over a ledger"
else
	grep -q GB_EEXIST "$TMP/exist.err" && ok "$name" || fail "$name" "$(tail -n 1 "$TMP/exist.err")"
fi

name="--check catches a balance a fen off and names the entry (--fault 100)"
if "$SIM" --seed "$first" --enterprises "$SIZE" --quiet --check --fault 100 --ledger "$TMP/fault" \
	>/dev/null 2>"$TMP/fault.err"; then
	fail "$name" "exit 0"
else
	_at=$(sed -n 's/^sim: invariant: entry \([0-9]*\): .*/\1/p' "$TMP/fault.err")
	if [ -n "$_at" ] && [ "$_at" -ge 100 ]; then
		ok "$name"
	else
		fail "$name" "$(tail -n 1 "$TMP/fault.err")"
	fi
fi

echo "sim: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]

#!/bin/sh
# tests/undercut.sh: gongbao undercut on simulated years, run by 'make check-undercut'.
#
#   sh tests/undercut.sh [build/gongbao] [build/tools/sim]
#
# For several seeds (GONGBAO_UNDERCUT_SEEDS, at least 5) the simulator writes a
# year with GONGBAO_UNDERCUT_ENTERPRISES (600) enterprises, in which taiping-zs
# prices 20-40% below the rate floor and the other members 2-15% above it.
# For each: the report flags exactly one member, taiping-zs; every policy below
# the floor is one of its policies; its rate against its peers is below 80%;
# the JSON agrees. Then the options and errors on the first seed, and controls
# that show the checks can fail (a 1 bps threshold or a 100% loss ratio flags
# honest members too). Ends with 'undercut: N passed, M failed'.
set -u
GONGBAO=${1:-build/gongbao}
SIM=${2:-build/tools/sim}
SEEDS=${GONGBAO_UNDERCUT_SEEDS:-"1 2 3 5 8"}
SIZE=${GONGBAO_UNDERCUT_ENTERPRISES:-600}
SUITE=undercut
. "$(dirname "$0")/lib.sh"
programs GONGBAO SIM

# The ids of the flagged members in a --csv report (kind member, flagged 1).
flagged_members() {
	awk -F, '$1 == "member" && $6 == "1" { print $3 }' "$1" | sort | tr '\n' ' '
}

for seed in $SEEDS; do
	L="$TMP/l$seed"
	name="seed $seed, $SIZE enterprises: flags taiping-zs and no honest member"
	if ! "$SIM" --seed "$seed" --enterprises "$SIZE" --quiet --ledger "$L" >/dev/null 2>"$TMP/sim$seed.err"; then
		fail "$name" "sim: $(tail -n 1 "$TMP/sim$seed.err")"
		continue
	fi
	if ! "$GONGBAO" undercut --ledger "$L" --csv >"$TMP/c$seed.csv" 2>"$TMP/c$seed.err"; then
		fail "$name" "$(cat "$TMP/c$seed.err")"
		continue
	fi
	got=$(flagged_members "$TMP/c$seed.csv")
	members=$(awk -F, '$1 == "member"' "$TMP/c$seed.csv" | wc -l)
	if [ "$got" = "taiping-zs " ] && [ "$members" -eq 5 ]; then
		ok "$name"
	else
		fail "$name" "flagged: '$got' of $members members"
	fi

	name="seed $seed: every policy below the floor is taiping-zs's, and there are some"
	n_below=$(awk -F, '$1 == "policy" && $13 > 0' "$TMP/c$seed.csv" | wc -l)
	n_other=$(awk -F, '$1 == "policy" && $13 > 0 && $4 != "taiping-zs"' "$TMP/c$seed.csv" | wc -l)
	n_floor=$(awk -F, '$1 == "member" && $3 == "taiping-zs" { print $8 }' "$TMP/c$seed.csv")
	if [ "$n_below" -gt 20 ] && [ "$n_other" -eq 0 ] && [ "$n_below" -eq "${n_floor:-0}" ]; then
		ok "$name"
	else
		fail "$name" "$n_below policies below the floor, $n_other not taiping-zs's, member row says '$n_floor'"
	fi

	name="seed $seed: taiping-zs is ranked first, rates below 80% of its peers, honest members above 100%"
	first=$(awk -F, '$1 == "member" && $2 == "1" { print $3 }' "$TMP/c$seed.csv")
	low=$(awk -F, '$1 == "member" && $3 == "taiping-zs" { print $17 }' "$TMP/c$seed.csv")
	high=$(awk -F, '$1 == "member" && $3 != "taiping-zs" && $17 <= 10000' "$TMP/c$seed.csv" | wc -l)
	if [ "$first" = "taiping-zs" ] && [ "${low:-99999}" -lt 8000 ] && [ "${low:-0}" -gt 0 ] && [ "$high" -eq 0 ]; then
		ok "$name"
	else
		fail "$name" "first '$first', taiping-zs at '$low' bps, $high honest member(s) at or below 100%"
	fi
done

first=${SEEDS%% *}
L="$TMP/l$first"

name="--json agrees with --csv: one flagged member, the same flagged policies"
if "$GONGBAO" undercut --ledger "$L" --json >"$TMP/j.json" 2>"$TMP/j.err"; then
	n_true=$(grep -c '"flagged": true' "$TMP/j.json")
	n_pol=$(grep -c '"policy": "' "$TMP/j.json")
	n_csv=$(awk -F, '$1 == "policy"' "$TMP/c$first.csv" | wc -l)
	if [ "$n_true" -eq 1 ] && [ "$n_pol" -eq "$n_csv" ] && grep -q '"id": "taiping-zs"' "$TMP/j.json" &&
		grep -q '"reason": "below floor by [0-9,.]*; below cost by' "$TMP/j.json"; then
		ok "$name"
	else
		fail "$name" "$n_true flagged, $n_pol policies in JSON, $n_csv in CSV"
	fi
else
	fail "$name" "$(cat "$TMP/j.err")"
fi

name="text output: the flagged member and a reason in CNY"
if "$GONGBAO" undercut --ledger "$L" --limit 3 >"$TMP/t.txt" 2>"$TMP/t.err" &&
	grep -q '^   1 taiping-zs  *YES' "$TMP/t.txt" && grep -q 'below floor by [0-9,]*\.[0-9][0-9]' "$TMP/t.txt" &&
	[ "$(grep -c 'ZS2026-' "$TMP/t.txt")" -eq 3 ]; then
	ok "$name"
else
	fail "$name" "$(head -n 12 "$TMP/t.txt") $(cat "$TMP/t.err")"
fi

name="control: --member-bps 1 flags honest members too (the check can fail)"
"$GONGBAO" undercut --ledger "$L" --csv --member-bps 1 >"$TMP/m1.csv" 2>&1
got=$(flagged_members "$TMP/m1.csv")
[ "$got" != "taiping-zs " ] && echo "$got" | grep -q taiping-zs && ok "$name" || fail "$name" "flagged: '$got'"

name="control: --loss-ratio-bps 10000 --expense-bps 5000 puts honest policies below cost"
"$GONGBAO" undercut --ledger "$L" --csv --loss-ratio-bps 10000 --expense-bps 5000 >"$TMP/lr.csv" 2>&1
n=$(awk -F, '$1 == "policy" && $4 != "taiping-zs" && $13 == 0 && $14 > 0' "$TMP/lr.csv" | wc -l)
[ "$n" -gt 100 ] && ok "$name" || fail "$name" "$n honest policies below cost"

name="--as-of an early entry: fewer policies, the same single flagged member"
"$GONGBAO" undercut --ledger "$L" --as-of 2026-03-01 --csv >"$TMP/early.csv" 2>&1
n_early=$(awk -F, '$1 == "member" { s += $7 } END { print s + 0 }' "$TMP/early.csv")
n_all=$(awk -F, '$1 == "member" { s += $7 } END { print s + 0 }' "$TMP/c$first.csv")
if [ "$(flagged_members "$TMP/early.csv")" = "taiping-zs " ] && [ "$n_early" -gt 0 ] && [ "$n_early" -lt "$n_all" ]; then
	ok "$name"
else
	fail "$name" "$n_early policies of $n_all: $(head -n 3 "$TMP/early.csv")"
fi

name="--as-of the rate table entry: no policies, nothing flagged"
if "$GONGBAO" undercut --ledger "$L" --as-of 1 --csv >"$TMP/one.csv" 2>"$TMP/one.err" &&
	[ "$(wc -l <"$TMP/one.csv")" -eq 1 ]; then
	ok "$name"
else
	fail "$name" "$(cat "$TMP/one.csv" "$TMP/one.err")"
fi

# Usage errors exit 2, failures exit 1 naming the code.
check_exit() {
	_name=$1 _want=$2 _grep=$3
	shift 3
	"$GONGBAO" undercut --ledger "$L" "$@" >"$TMP/x.out" 2>"$TMP/x.err"
	_rc=$?
	if [ "$_rc" -eq "$_want" ] && grep -q -- "$_grep" "$TMP/x.err"; then
		ok "$_name"
	else
		fail "$_name" "exit $_rc: $(cat "$TMP/x.err")"
	fi
}
check_exit "--json with --csv is a usage error" 2 "exclude each other" --json --csv
check_exit "--expense-bps 10001 is a usage error" 2 "expense-bps" --expense-bps 10001
check_exit "--credibility-k 0 is a usage error" 2 "credibility-k" --credibility-k 0
check_exit "--member-bps x is a usage error" 2 "member-bps" --member-bps x
check_exit "an argument is a usage error" 2 "unexpected argument" policy
check_exit "set-aside + expense above 9,000 bps is GB_EVALUE" 1 "GB_EVALUE" --expense-bps 7501
check_exit "--as-of past the log is GB_ERANGE" 1 "GB_ERANGE" --as-of 99999999
check_exit "--as-of before the first entry is GB_ENOTFOUND" 1 "GB_ENOTFOUND" --as-of 2025-01-01
check_exit "--as-of garbage is a usage error" 2 "as-of" --as-of yesterday

name="--help describes the command"
"$GONGBAO" undercut --help >"$TMP/h.txt" 2>&1 && grep -q -- '--credibility-k' "$TMP/h.txt" && ok "$name" ||
	fail "$name" "$(head -n 2 "$TMP/h.txt")"

echo "undercut: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]

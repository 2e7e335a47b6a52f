#!/usr/bin/env bash
# Our .nps writer against VisualVM's own loader: synthetic profiles from npsgen are
# loaded and walked by NpsCheck (tests/java/NpsCheck.java), and the numbers VisualVM
# shows are compared with what npsgen put in. Files that break one rule each must be
# refused by NpsCheck, so a validator that accepts anything would fail here.
. "$(dirname "$0")/lib.sh"

GEN=$ROOT/$BUILD/tests/npsgen
DUMP=$ROOT/$BUILD/tests/npsdump
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT

# has FILE LINE: the summary holds exactly this line.
has() { grep -Fxq -- "$2" "$1"; }
lacks() { ! grep -Fq -- "$2" "$1"; }
tab=$'\t'

for kind in example mixed nocpu deep recursive empty; do
	check "npsgen $kind" "$GEN" "$kind" "$DIR/$kind.nps"
	nps_check "$DIR/$kind.nps" >"$DIR/$kind.out" 2>&1
	rc=$?
	check "NpsCheck accepts $kind" test "$rc" -eq 0
	check "NpsCheck $kind: OK line" has "$DIR/$kind.out" "NpsCheck: OK $DIR/$kind.nps"
	[ "$rc" -eq 0 ] || sed 's/^/   | /' "$DIR/$kind.out" | tail -n 5
done

out=$DIR/example.out
check "example: one thread" has "$out" "threads 1"
check "example: thread totals 10000/8000 us" has "$out" "thread 0${tab}10000${tab}8000${tab}main"
check "example: hot spot" has "$out" "hot 10000${tab}8000${tab}10000${tab}1${tab}demo.Main.main"
check "example: method table of 2" has "$out" "methods 2"
check "example: parameters formatted" has "$out" "hassig demo.Main.main${tab}demo.Main.main(String[])"

out=$DIR/mixed.out
check "mixed: thread without samples left out" has "$out" "threads 2"
check "mixed: main 47 ms wall, 33 ms CPU" has "$out" "thread 0${tab}47000${tab}33000${tab}main"
check "mixed: UTF-8 thread name" has "$out" "thread 1${tab}7000${tab}7000${tab}Größe-线程-😀"
check "mixed: hottest method" has "$out" "hot 30000${tab}20000${tab}30000${tab}3${tab}demo.App.work"
check "mixed: self vs total" has "$out" "hot 5000${tab}1000${tab}47000${tab}1${tab}demo.App.main"
check "mixed: zero self time still listed" has "$out" "hot 0${tab}0${tab}7000${tab}1${tab}java.lang.Thread.run"
check "mixed: per-thread hot spot" has "$out" "threadhot Größe-线程-😀${tab}7000${tab}demo.Worker\$Inner.loop"
check "mixed: descriptor shown as VisualVM does" \
	has "$out" "hassig demo.Helper.compute${tab}demo.Helper.compute(int, java.util.List, byte[][])"
check "mixed: idle thread absent" lacks "$out" "idle"

out=$DIR/nocpu.out
check "nocpu: wall only" has "$out" "thread 0${tab}47000${tab}0${tab}main"
check "nocpu: hot spot wall only" has "$out" "hot 30000${tab}0${tab}30000${tab}3${tab}demo.App.work"

out=$DIR/deep.out
check "deep: 1500-frame path total" has "$out" "thread 0${tab}1500${tab}1500${tab}deep"
check "deep: 3000 siblings total" has "$out" "thread 1${tab}45015000${tab}0${tab}wide"
check "deep: 4502 methods" has "$out" "methods 4502"
check "deep: leaf of the path" has "$out" "threadhot deep${tab}1500${tab}demo.Deep.f1499"
check "deep: hottest sibling" has "$out" "hot 30000${tab}0${tab}30000${tab}1${tab}demo.W.m2999"
check "deep: 20 hot lines" test "$(grep -c '^hot ' "$out")" -eq 20

out=$DIR/recursive.out
check "recursive: outer total only" has "$out" "hot 15000${tab}15000${tab}17000${tab}2${tab}rec.A.a"
check "recursive: callee" has "$out" "hot 2000${tab}2000${tab}7000${tab}1${tab}rec.B.b"

out=$DIR/empty.out
check "empty: still one thread" has "$out" "threads 1"
check "empty: no hot spots" lacks "$out" "hot "

# A zip the way the agent ships it: NpsCheck reads the *.nps entry inside.
check "npsgen zip" "$GEN" mixed "$DIR/20231114_221320.zip"
nps_check "$DIR/20231114_221320.zip" >"$DIR/zip.out" 2>&1
check "NpsCheck reads the zip entry" \
	has "$DIR/zip.out" "NpsCheck: OK $DIR/20231114_221320.zip!20231114_221320_cpu.nps"
check "zip: same numbers" has "$DIR/zip.out" "thread 0${tab}47000${tab}33000${tab}main"

# Rule breakers: the hand-made base loads; each variant must be refused.
"$GEN" bad-good "$DIR/bad-good.nps"
check "NpsCheck accepts the hand-made base" nps_check "$DIR/bad-good.nps" >/dev/null
for kind in bad-dup bad-zerocalls bad-nodesize bad-total bad-trailing; do
	"$GEN" "$kind" "$DIR/$kind.nps"
	nps_check "$DIR/$kind.nps" >"$DIR/$kind.out" 2>&1
	rc=$?
	check "NpsCheck refuses $kind" test "$rc" -eq 1
	check "NpsCheck $kind: FAIL line" grep -q "^NpsCheck: FAIL $DIR/$kind.nps: " "$DIR/$kind.out"
	grep -h '^NpsCheck: FAIL' "$DIR/$kind.out" | sed 's/^/   | /'
done
check "duplicate siblings named" grep -q "duplicate siblings merged" "$DIR/bad-dup.out"
check "zero hits named" grep -q "no Hot Spots row" "$DIR/bad-zerocalls.out"
check "extra bytes named" grep -q "longer than expected" "$DIR/bad-trailing.out"

# Our own reader agrees with VisualVM on the same files.
"$DUMP" "$DIR/mixed.nps" -n 3 >"$DIR/dump.out" 2>&1
rc=$?
cat "$DIR/dump.out"
check "npsdump exits 0" test "$rc" -eq 0
check "npsdump header" grep -q "threads 2, methods 5, window 250 ms" "$DIR/dump.out"
check "npsdump hottest row" grep -Eq '^ +30\.000 +55\.6% +30\.000 +3  demo\.App\.work\(\)$' "$DIR/dump.out"
check "npsdump parameters" grep -q "demo.Helper.compute(int, java.util.List, byte\[\]\[\])$" "$DIR/dump.out"
check "npsdump -n 3 prints 3 rows" test "$(grep -c '^ *[0-9]' "$DIR/dump.out")" -eq 3
"$DUMP" "$DIR/recursive.nps" >"$DIR/dump2.out" 2>&1
check "npsdump recursion like Hot Spots" grep -Eq '^ +15\.000 +88\.2% +17\.000 +2  rec\.A\.a\(int\)$' "$DIR/dump2.out"
"$DUMP" "$DIR/20231114_221320.zip" >"$DIR/dump3.out" 2>&1
check "npsdump reads the zip" grep -q "20231114_221320.zip!20231114_221320_cpu.nps: threads 2" "$DIR/dump3.out"
# Files VisualVM itself wrote ("Save As" of our snapshots) read back with our reader.
mkdir -p "$DIR/vv"
nps_check --resave "$DIR/vv" "$DIR/mixed.nps" "$DIR/deep.nps" >"$DIR/resave.out" 2>&1
check "VisualVM re-saved both files" test -s "$DIR/vv/1.nps" -a -s "$DIR/vv/2.nps"
"$DUMP" "$DIR/vv/1.nps" -n 5 | tail -n +2 >"$DIR/vv1.out"
"$DUMP" "$DIR/mixed.nps" -n 5 | tail -n +2 >"$DIR/ours1.out"
check "our reader: VisualVM's copy of mixed ranks the same" cmp -s "$DIR/vv1.out" "$DIR/ours1.out"
check "our reader: VisualVM's copy has the rows" test "$(wc -l <"$DIR/vv1.out")" -eq 6
"$DUMP" "$DIR/vv/2.nps" -n 1000 | tail -n +2 >"$DIR/vv2.out"
"$DUMP" "$DIR/deep.nps" -n 1000 | tail -n +2 >"$DIR/ours2.out"
check "our reader: VisualVM's copy of deep ranks the same" cmp -s "$DIR/vv2.out" "$DIR/ours2.out"
check "npsdump refuses a corrupt file" bash -c "! '$DUMP' '$DIR/bad-trailing.nps' 2>/dev/null"

finish

#!/usr/bin/env bash
# The last snapshot at JVM exit when its call tree cannot be written in time (issue 14.2,
# "never end with nothing"): the tree is given up at its deadline, cut hard and written
# again, so the zip is on disk before the JVM's wait ends, with the statistics,
# metadata.json saying what was cut and why, and one line. The slow path is forced by the
# test-only JVMSNAP_TEST_EXIT_WHOLE_MS and JVMSNAP_TEST_EXIT_SMALL_MS (docs/configuration.md),
# which move the whole tree's and the hard-cut tree's deadlines (0: already past when the
# writing starts); the JVM's wait is unchanged.
# No time is asserted: the figures are printed as "measure:" lines (docs/reliability.md).
. "$(dirname "$0")/lib.sh"
S3RVER=$ROOT/tests/s3/node_modules/.bin/s3rver
WORK=$(mktemp -d /tmp/jvmsnap-exitdl.XXXXXX)
SERVER_DIR=$WORK
trap 'stop_servers; [ -n "${KEEP:-}" ] || rm -rf "$WORK"' EXIT

CUT_LINE='^jvmsnap: warning: the snapshot could not be written whole in the [0-9]* ms it may take at exit'
SIZE_LINE='^jvmsnap: warning: the call tree has [0-9]* nodes, too many to write in time: cut at depth'

# run JDK NAME [VAR=VALUE...] -- JAVA_ARGS...: one JVM under the agent in $WORK/NAME; each
# stdout line is stamped with the time it was read (ns), the exit time with the process's end.
run() {
	local jdk=$1 out=$WORK/$2
	shift 2
	local vars=()
	while [ "$1" != -- ]; do vars+=("$1"); shift; done
	shift
	mkdir -p "$out"
	(cd "$out" && env -u JAVA_TOOL_OPTIONS IOPIPE_PROFILER_ENABLED=true IOPIPE_PROFILER_LOCAL_DUMP_PATH="$out/" \
		IOPIPE_PROFILER_ALTERNATIVE_PREFIX=snap "${vars[@]}" \
		timeout -s KILL 120 "$jdk/bin/java" -agentpath:"$AGENT" -cp "$JAVA_TESTS" "$@" 2>"$out/stderr" |
		while IFS= read -r l; do echo "$(date +%s%N) $l"; done >"$out/stdout"
		echo "${PIPESTATUS[0]}" >"$out/rc"
		date +%s%N >"$out/end")
}

meta() { unzip -p "$WORK/$1/snap.zip" metadata.json; }
# tree_cut FIELD of NAME's metadata.json ("reason" gives the string without quotes)
cut_field() { meta "$1" | sed -n 's/.*"tree_cut": {.*"'"$2"'": "\{0,1\}\([^",}]*\).*/\1/p'; }
lines() { grep -c "$2" "$WORK/$1/stderr"; }
exit_ms() { # from "done" on stdout to the process's end
	local done_ns
	done_ns=$(awk '$2 == "done" {print $1}' "$WORK/$1/stdout")
	[ -n "$done_ns" ] && echo $((($(cat "$WORK/$1/end") - done_ns) / 1000000))
}
written_ms() { sed -n 's/^jvmsnap: info: snapshot written to .* in \([0-9.]*\) ms$/\1/p' "$WORK/$1/stderr"; }
zip_bytes() { stat -c %s "$WORK/$1/snap.zip" 2>/dev/null; }

# The checks of a run whose tree was given up at exit.
check_cut() {
	local name=$1 dir=$WORK/$1
	check "$name: the application ran to its end, exit code 0" sh -c "grep -q ' done$' '$dir/stdout' && test \"\$(cat '$dir/rc')\" = 0"
	check "$name: the zip is on disk" test -f "$dir/snap.zip"
	nps_check "$dir/snap.zip" >"$dir/summary" 2>&1
	check "$name: its .nps passes VisualVM's loader" grep -q '^NpsCheck: OK' "$dir/summary"
	check "$name: it holds the statistics CSV, with rows" sh -c "unzip -p '$dir/snap.zip' snap_stat.csv | awk 'END {exit !(NR > 10)}'"
	check "$name: metadata.json says the tree was cut at the exit deadline" test "$(cut_field "$name" reason)" = exit_deadline
	local nodes kept
	nodes=$(cut_field "$name" nodes) kept=$(cut_field "$name" nodes_kept)
	check "$name: metadata.json's nodes_kept ($kept) is fewer than the tree's nodes ($nodes), and at most 20,000" \
		awk -v k="${kept:-x}" -v n="${nodes:-0}" 'BEGIN {exit !(k ~ /^[0-9]+$/ && k + 0 < n + 0 && k + 0 <= 20000)}'
	check "$name: exactly one line says what was cut and why" test "$(lines "$name" "$CUT_LINE")" = 1
	check "$name: no other line about the tree's cut, no error, no 'not finished'" \
		sh -c "! grep -qE 'too many to write in time|^jvmsnap: error|not finished|no snapshot' '$dir/stderr'"
	check "$name: no temporary file left behind" test -z "$(find "$dir" -name '*.tmp')"
	echo "measure: $name: tree $nodes -> $kept nodes (depth $(cut_field "$name" depth)), zip $(zip_bytes "$name") bytes, written in $(written_ms "$name") ms, exit $(exit_ms "$name") ms after 'done'"
}

# ---- every JDK: the deadline already past when the writing starts ----
for jdk in $(all_jdks); do
	tag=$(basename "$jdk")
	run "$jdk" "expired-$tag" JVMSNAP_TEST_EXIT_WHOLE_MS=0 -- ManyPaths 1500 2 14
	check_cut "expired-$tag"
done
check "at least two JDKs were tested (JDK 17 and Temurin 25)" test "$(all_jdks | wc -l)" -ge 2

# ---- both deadlines past (JVMSNAP_TEST_EXIT_SMALL_MS=0 too): the last rung, a zip with
# the statistics and metadata.json only ----
run "$JAVA_HOME" bare JVMSNAP_TEST_EXIT_WHOLE_MS=0 JVMSNAP_TEST_EXIT_SMALL_MS=0 -- ManyPaths 1500 2 14
dir=$WORK/bare
check "bare: the application ran to its end, exit code 0" sh -c "grep -q ' done$' '$dir/stdout' && test \"\$(cat '$dir/rc')\" = 0"
check "bare: the zip is on disk, with the statistics CSV and metadata.json and no .nps" \
	sh -c "unzip -Z1 '$dir/snap.zip' | sort | tr '\n' ' ' | grep -qx 'metadata.json snap_stat.csv '"
check "bare: metadata.json says no tree was kept, for the exit deadline (depth 0, nodes_kept 0)" \
	test "$(cut_field bare reason) $(cut_field bare depth) $(cut_field bare nodes_kept)" = "exit_deadline 0 0"
check "bare: exactly one line says so, and no error line" sh -c \
	"test \"\$(grep -c '^jvmsnap: warning: the snapshot could not be written in the 3000 ms the JVM waits at exit, not even with its call tree cut hard (not finished by its deadline): the zip holds the statistics and metadata only' '$dir/stderr')\" = 1 && ! grep -qE '^jvmsnap: error|too many to write|could not be written whole' '$dir/stderr'"
check "bare: no temporary file left behind" test -z "$(find "$dir" -name '*.tmp')"

# ---- a large real profile (each sample a new 400-frame path, 100 us, the default memory
# cap: the tree stops at 1,000,000 nodes) and a 1 ms exit budget for the whole tree ----
LARGE=(IOPIPE_PROFILER_SAMPLERATE=100 IOPIPE_PROFILER_OVERHEAD=100%)
run "$JAVA_HOME" large "${LARGE[@]}" JVMSNAP_TEST_EXIT_WHOLE_MS=1 -- ManyPaths 6000 2 400
check_cut large
check "large: the tree was large (>= 100,000 nodes: $(cut_field large nodes))" test "$(cut_field large nodes)" -ge 100000

# The same profile with the real deadline: written whole (cut to 200,000) or, on a machine
# too slow for that, cut at the deadline; either way one line, and a valid zip.
run "$JAVA_HOME" large-default "${LARGE[@]}" -- ManyPaths 6000 2 400
dir=$WORK/large-default
check "large-default: the zip is on disk" test -f "$dir/snap.zip"
nps_check "$dir/snap.zip" >"$dir/summary" 2>&1
check "large-default: its .nps passes VisualVM's loader" grep -q '^NpsCheck: OK' "$dir/summary"
check "large-default: exactly one line about the tree's cut" \
	test $(($(lines large-default "$CUT_LINE") + $(lines large-default "$SIZE_LINE"))) = 1
echo "measure: large-default: $(meta large-default | grep -o "\"tree_cut\": [^}]*}"), zip $(zip_bytes large-default) bytes, written in $(written_ms large-default) ms, exit $(exit_ms large-default) ms after 'done'"

# ---- with an upload: the cut zip is the one stored, within the exit upload budget ----
if command -v node >/dev/null && [ -x "$S3RVER" ] && /usr/bin/python3 -c 'import boto3' 2>/dev/null; then
	start_server s3rver "$S3RVER" -d "$WORK/data" -a 127.0.0.1 -p 0 --configure-bucket test-bucket --silent
	S3=http://127.0.0.1:$PORT
	run "$JAVA_HOME" upload JVMSNAP_TEST_EXIT_WHOLE_MS=0 IOPIPE_PROFILER_S3_BUCKET=test-bucket \
		IOPIPE_PROFILER_S3_ENDPOINT="$S3" AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER \
		-- ManyPaths 1500 2 14
	check_cut upload
	key=$(grep -o 's3://test-bucket/[^ ]*\.zip (' "$WORK/upload/stderr" | sed 's|^s3://test-bucket/||; s| ($||')
	check "upload: uploaded at exit (one info line, key $key)" test -n "$key"
	check "upload: the stored object is the cut zip, byte for byte" /usr/bin/python3 - "$S3" "$key" "$WORK/upload/snap.zip" <<'PY'
import sys, boto3
endpoint, key, local = sys.argv[1:]
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                  aws_access_key_id="S3RVER", aws_secret_access_key="S3RVER")
sys.exit(s3.get_object(Bucket="test-bucket", Key=key)["Body"].read() != open(local, "rb").read())
PY
else
	not_ok "upload: s3rver, node and python3-boto3 are needed (bash scripts/deps.sh --test)"
fi

finish

#!/usr/bin/env bash
# A function's fleet in S3 (docs/fleet.md): invocation zips and summaries written by the
# agent under the Lambda emulator into s3rver (3 versions, cold and warm, version 13 with a
# planted slow method), replicated under new request ids to >= 2,000 objects; then
# `jvmsnap ls` lists, filters and ranks them from the summaries alone, and bad input gets
# one clear line.
. "$(dirname "$0")/lib.sh"
S3RVER=$ROOT/tests/s3/node_modules/.bin/s3rver
FAKE=$ROOT/tests/s3/fake_servers.js
JVMSNAP=$ROOT/$BUILD/jvmsnap
WORK=$(mktemp -d /tmp/jvmsnap-fleet.XXXXXX)
SERVER_DIR=$WORK
trap "stop_servers; [ -n \"${KEEP:-}\" ] || rm -rf $WORK" EXIT
for need in "$S3RVER" node curl python3 "$JVMSNAP"; do
	command -v "$need" >/dev/null 2>&1 || { not_ok "prerequisite $need is missing"; finish; exit 1; }
done
/usr/bin/python3 -c 'import boto3' 2>/dev/null || { not_ok "python3-boto3 is missing (bash scripts/deps.sh --test)"; finish; exit 1; }

mkdir -p "$WORK/api" "$WORK/snaps"
start_runtime_api "$WORK/api"
# s3rver's continuation tokens use DES, which OpenSSL 3 keeps in its legacy provider.
NODE_OPTIONS=--openssl-legacy-provider start_server s3rver "$S3RVER" -d "$WORK/data" -a 127.0.0.1 -p 0 --configure-bucket fleet --silent
S3_PORT=$PORT
ENDPOINT=http://127.0.0.1:$S3_PORT
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
# The summary cache lives in the test's folder; the instance metadata is read only from the
# fake IMDS below (never the real address).
export XDG_CACHE_HOME=$WORK/cache AWS_EC2_METADATA_DISABLED=true

# run_version V EVENTS...: one runtime process of version V handling the events (JSON),
# request ids v<V>-<n>; its zips and summaries go to s3rver and $WORK/snaps.
run_version() {
	local v=$1 n=0 deadline=$(($(date +%s%3N) + 120000))
	shift
	for e in "$@"; do
		n=$((n + 1))
		curl -sf -X POST "http://127.0.0.1:$API_PORT/_test/event?id=v$v-$n&deadline=$deadline" -d "$e" >/dev/null
	done
	env JAVA_TOOL_OPTIONS="-agentpath:$AGENT" IOPIPE_PROFILER_ENABLED=true \
		AWS_LAMBDA_RUNTIME_API="127.0.0.1:$API_PORT" _HANDLER=FleetFunction::handleRequest \
		LAMBDA_TASK_ROOT="$WORK" AWS_LAMBDA_FUNCTION_NAME=orders AWS_LAMBDA_FUNCTION_VERSION=$v \
		IOPIPE_PROFILER_LOCAL_DUMP_PATH="$WORK/snaps/" IOPIPE_PROFILER_S3_BUCKET=fleet \
		IOPIPE_PROFILER_S3_ENDPOINT="$ENDPOINT" \
		timeout 120 "$JAVA_HOME/bin/java" -cp "$JAVA_TESTS" FakeLambdaRuntime $n 0 handler \
		>"$WORK/run$v.out" 2>"$WORK/run$v.err"
	check "version $v: the runtime handled $n events (rc $?)" grep -q "^handler v$v-$n " "$WORK/run$v.out"
}
E='{"ms":60}'
run_version 11 "$E" "$E" "$E" "$E" "$E" "$E"
run_version 12 '{"ms":90}' "$E" '{"ms":80}' "$E" "$E" "$E"
# Version 13: three invocations spend 1.5 s in plantedSlowPricing.
run_version 13 "$E" '{"ms":60,"slow":1500}' "$E" '{"ms":60,"slow":1500}' "$E" '{"ms":60,"slow":1500}'
real=$(ls "$WORK"/snaps/*.json | wc -l)
check "the agent wrote 21 summaries (3 init + 18 invocations), one per zip" \
	sh -c "[ $real = 21 ] && [ \$(ls '$WORK'/snaps/*.zip | wc -l) = 21 ]"
check "each summary is one JSON line" sh -c "cat '$WORK'/snaps/*.json | python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]' && [ \$(cat '$WORK'/snaps/*.json | wc -l) = 21 ]"

# Replicas: every zip+summary of versions 11 and 12 copied under new request ids (keys and
# summaries rewritten), to >= 2,000 objects; the planted invocations stay the slowest.
python3 - "$ENDPOINT" >"$WORK/replicate.out" 2>&1 <<'PY'
import boto3, json, sys, concurrent.futures as cf
s3 = boto3.client("s3", endpoint_url=sys.argv[1], aws_access_key_id="S3RVER",
                  aws_secret_access_key="S3RVER", region_name="us-east-1")
keys = []
for page in s3.get_paginator("list_objects_v2").paginate(Bucket="fleet", Prefix="jvmsnap/"):
    keys += [o["Key"] for o in page.get("Contents", [])]
base = []
for k in keys:
    if not k.endswith(".json"):
        continue
    s = json.loads(s3.get_object(Bucket="fleet", Key=k)["Body"].read())
    if s["version"] in ("11", "12") and s["request_id"]:
        base.append((s, s3.get_object(Bucket="fleet", Key=s["zip_key"])["Body"].read()))
def put(i):
    s, z = dict(base[i % len(base)][0]), base[i % len(base)][1]
    rid = "rep%04d-%s" % (i, s["request_id"])
    old = s["request_id"]
    s["request_id"] = rid
    s["kind"] = "warm"
    s["zip_key"] = s["zip_key"].replace("_" + old + ".zip", "_" + rid + ".zip")
    s3.put_object(Bucket="fleet", Key=s["zip_key"], Body=z)
    s3.put_object(Bucket="fleet", Key=s["zip_key"][:-4] + ".json", Body=json.dumps(s, separators=(",", ":")) + "\n")
with cf.ThreadPoolExecutor(8) as ex:
    list(ex.map(put, range(1000)))
print(len(keys) + 2000)
PY
total=$(tail -n 1 "$WORK/replicate.out")
check "the bucket holds >= 2,000 objects ($total)" test "${total:-0}" -ge 2000

LS() { "$JVMSNAP" ls --endpoint "$ENDPOINT" --quiet "$@"; }
LS s3://fleet/jvmsnap/ --json >"$WORK/all.jsonl" 2>"$WORK/all.err"
check "ls lists every summary ($(wc -l <"$WORK/all.jsonl") of $((real + 1000)))" test "$(wc -l <"$WORK/all.jsonl")" = $((real + 1000))
check "ls: nothing unpaired, no warning" test ! -s "$WORK/all.err"
LS s3://fleet/jvmsnap/ --slowest 10 >"$WORK/slowest.txt"
check "ls --slowest 10: the 3 planted invocations first" \
	sh -c "head -n 4 '$WORK/slowest.txt' | tail -n 3 | awk '{print \$NF}' | sort | tr '\n' ' ' | grep -qx 'v13-2 v13-4 v13-6 '"
check "ls --slowest 10: 10 rows and a header" test "$(wc -l <"$WORK/slowest.txt")" = 11
check "ls --slowest 10: the planted method is their top self method" \
	sh -c "head -n 4 '$WORK/slowest.txt' | tail -n 3 | grep -c FleetFunction.plantedSlowPricing | grep -qx 3"
check "ls --version 13 --cold: the one cold start" \
	sh -c "LS() { '$JVMSNAP' ls --endpoint '$ENDPOINT' --quiet \"\$@\"; }; LS s3://fleet/jvmsnap/ --version 13 --cold --csv | tail -n +2 | cut -d, -f5 | grep -qx v13-1"
check "ls --top-method: the planted invocations only" \
	sh -c "'$JVMSNAP' ls --endpoint '$ENDPOINT' --quiet s3://fleet/jvmsnap/ --top-method 'planted.*Pricing' --json | wc -l | grep -qx 3"
rid=$(grep -o '"request_id":"rep0007-[^"]*"' "$WORK/all.jsonl" | head -n 1 | cut -d'"' -f4)
check "ls --request-id $rid: that one" sh -c "[ -n '$rid' ] && '$JVMSNAP' ls --endpoint '$ENDPOINT' --quiet s3://fleet/jvmsnap/ --request-id '$rid' --json | grep -c '\"request_id\":\"$rid\"' | grep -qx 1"
check "ls --since 1h keeps all, --until 1h none" \
	sh -c "[ \$('$JVMSNAP' ls --endpoint '$ENDPOINT' --quiet s3://fleet/jvmsnap/ --since 1h --json | wc -l) = $((real + 1000)) ] && [ \$('$JVMSNAP' ls --endpoint '$ENDPOINT' --quiet s3://fleet/jvmsnap/ --until 1h --json | wc -l) = 0 ]"
check "ls of the local folder = ls of the same summaries in S3" \
	sh -c "'$JVMSNAP' ls '$WORK/snaps' --csv | cut -d, -f1-15 >'$WORK/local.csv' && '$JVMSNAP' ls --endpoint '$ENDPOINT' --quiet s3://fleet/jvmsnap/ --csv | grep -v ',rep[0-9]' | cut -d, -f1-15 >'$WORK/s3.csv' && cmp '$WORK/local.csv' '$WORK/s3.csv'"
check "ls: the region from the option is used (a path-style endpoint accepts any)" \
	sh -c "'$JVMSNAP' ls --endpoint '$ENDPOINT' --region eu-west-1 --quiet s3://fleet/jvmsnap/orders/ --json | wc -l | grep -qx $((real + 1000))"

check "summaries are stored as application/json, zips as application/zip" python3 - "$ENDPOINT" <<'PY'
import boto3, sys
s3 = boto3.client("s3", endpoint_url=sys.argv[1], aws_access_key_id="S3RVER", aws_secret_access_key="S3RVER", region_name="us-east-1")
keys = [o["Key"] for o in s3.list_objects_v2(Bucket="fleet", Prefix="jvmsnap/orders/")["Contents"] if "rep" not in o["Key"]]
types = {k: s3.head_object(Bucket="fleet", Key=k)["ContentType"] for k in keys}
print(sorted(set(types.values())))
sys.exit(not keys or any(t != ("application/json" if k.endswith(".json") else "application/zip") for k, t in types.items()))
PY

# The cache: the runs above filled it; with every summary cached, ls lists but GETs none
# (s3rver's log of this run has one kind of request: the listing), and says the same.
check "the summary cache is one 0600 file under XDG_CACHE_HOME/jvmsnap" \
	sh -c "[ \$(stat -c %a '$WORK/cache/jvmsnap/summaries.v1') = 600 ] && [ \$(grep -c '\"schema\":1' '$WORK/cache/jvmsnap/summaries.v1') -ge $((real + 1000)) ]"
: >"$WORK/proxy.log"
start_server proxy node "$FAKE" flaky "$WORK/proxy.log" "$S3_PORT"
PROXY=http://127.0.0.1:$PORT
curl -sf -X POST "$PROXY/_test/heal" >/dev/null
"$JVMSNAP" ls --endpoint "$PROXY" --quiet s3://fleet/jvmsnap/ --json >"$WORK/cached.jsonl" 2>"$WORK/cached.err"
check "a second ls (cache of this endpoint filled first): same output, and no GetObject at all" \
	sh -c "'$JVMSNAP' ls --endpoint '$PROXY' --quiet s3://fleet/jvmsnap/ --json >'$WORK/cached2.jsonl' && cmp '$WORK/all.jsonl' '$WORK/cached2.jsonl' && : >'$WORK/proxy.log' && '$JVMSNAP' ls --endpoint '$PROXY' --quiet s3://fleet/jvmsnap/ --json | cmp - '$WORK/all.jsonl' && ! grep '\"method\":\"GET\"' '$WORK/proxy.log' | grep -v 'list-type=2' | grep -q . && grep -q 'list-type=2' '$WORK/proxy.log'"
check "--no-cache: GETs every summary again, same output" \
	sh -c ": >'$WORK/proxy.log' && '$JVMSNAP' ls --endpoint '$PROXY' --quiet --no-cache s3://fleet/jvmsnap/ --json | cmp - '$WORK/all.jsonl' && [ \$(grep '\"method\":\"GET\"' '$WORK/proxy.log' | grep -vc 'list-type=2') = $((real + 1000)) ]"
check "a cache file that is garbage is ignored (same output)" \
	sh -c "head -c 5000 /dev/urandom >'$WORK/cache/jvmsnap/summaries.v1' && '$JVMSNAP' ls --endpoint '$ENDPOINT' --quiet s3://fleet/jvmsnap/ --json | cmp - '$WORK/all.jsonl'"
check "--parallel: 1 and 64 give the same list; 0 and 65 are usage errors" \
	sh -c "'$JVMSNAP' ls --endpoint '$ENDPOINT' --quiet --no-cache --parallel 1 s3://fleet/jvmsnap/ --json | cmp - '$WORK/all.jsonl' && '$JVMSNAP' ls --endpoint '$ENDPOINT' --quiet --no-cache --parallel 64 s3://fleet/jvmsnap/ --json | cmp - '$WORK/all.jsonl' && ! '$JVMSNAP' ls --parallel 0 s3://fleet/ 2>/dev/null && ! '$JVMSNAP' ls --parallel 65 s3://fleet/ 2>/dev/null"
# --since/--until: only the day folders that can hold the window are listed (by their own
# prefix, found with start-after: s3rver ignores the delimiter). Today's folder holds every
# object: a window of yesterday lists yesterday's folder and finds nothing; one from today
# lists today's folder and finds them all.
TODAY=$(date -u +%Y-%m-%d)
DAYQ() { date -u -d "$1" +prefix=jvmsnap%%2Forders%%2F%Y%%2F%m%%2F%d%%2F; } # a day folder's listing query
: >"$WORK/proxy.log"
"$JVMSNAP" ls --endpoint "$PROXY" --quiet --no-cache s3://fleet/jvmsnap/ --since "$(date -u -d yesterday +%Y-%m-%d)" --until "$TODAY" --json >"$WORK/yesterday.jsonl"
check "--since yesterday --until today: yesterday's folder listed, not today's; nothing found, no GET" \
	sh -c "[ ! -s '$WORK/yesterday.jsonl' ] && grep -q '$(DAYQ yesterday)' '$WORK/proxy.log' && ! grep -q '$(DAYQ today)' '$WORK/proxy.log' && ! grep '\"method\":\"GET\"' '$WORK/proxy.log' | grep -vq 'list-type=2'"
: >"$WORK/proxy.log"
"$JVMSNAP" ls --endpoint "$PROXY" --quiet s3://fleet/jvmsnap/ --since "$TODAY" --json >"$WORK/today.jsonl"
check "--since today: the same as ls of all; today's folder listed by its own prefix, no listing of the whole prefix" \
	sh -c "cmp '$WORK/today.jsonl' '$WORK/all.jsonl' && grep -q '$(DAYQ today)' '$WORK/proxy.log' && ! grep 'list-type=2' '$WORK/proxy.log' | grep 'prefix=jvmsnap%2F\"' | grep -vq 'max-keys'"

# s3:// inputs: merge --version 13 from the bucket = merge of the same zips downloaded by
# hand (boto3), in the same order (start time); top of one invocation picked by request id.
python3 - "$ENDPOINT" "$WORK/byhand" <<'PY'
import boto3, json, os, sys
s3 = boto3.client("s3", endpoint_url=sys.argv[1], aws_access_key_id="S3RVER", aws_secret_access_key="S3RVER", region_name="us-east-1")
os.makedirs(sys.argv[2])
sel = []
for page in s3.get_paginator("list_objects_v2").paginate(Bucket="fleet", Prefix="jvmsnap/"):
    for o in page.get("Contents", []):
        if o["Key"].endswith(".json"):
            s = json.loads(s3.get_object(Bucket="fleet", Key=o["Key"])["Body"].read())
            if s["version"] == "13":
                sel.append((s["start_ms"], "s3://fleet/" + o["Key"], s["zip_key"]))
for i, (_, _, key) in enumerate(sorted(sel)):
    s3.download_file("fleet", key, os.path.join(sys.argv[2], "%06d.zip" % i))
PY
"$JVMSNAP" merge --endpoint "$ENDPOINT" --quiet s3://fleet/jvmsnap/ --version 13 -o "$WORK/s3merge.nps" 2>"$WORK/s3merge.err"
rc=$?
"$JVMSNAP" merge --quiet -o "$WORK/handmerge.nps" "$WORK"/byhand/*.zip
check "merge --version 13 from s3:// (rc $rc): byte-equal to the merge of the 7 zips downloaded by hand" \
	sh -c "[ $rc = 0 ] && [ \$(ls '$WORK'/byhand | wc -l) = 7 ] && cmp '$WORK/s3merge.nps' '$WORK/handmerge.nps'"
nps_check --has FleetFunction.plantedSlowPricing "$WORK/s3merge.nps" >"$WORK/s3merge.check" 2>&1
check "merge from s3:// loads in VisualVM's loader, with the planted method" \
	sh -c "grep -q '^NpsCheck: OK' '$WORK/s3merge.check' && grep -qP '^has FleetFunction.plantedSlowPricing\tyes' '$WORK/s3merge.check'"

# pprof of the same selection: go tool pprof reads it; its top self functions and total
# equal jvmsnap top's (CPU time, ms).
"$JVMSNAP" pprof --endpoint "$ENDPOINT" --quiet s3://fleet/jvmsnap/ --version 13 -o "$WORK/v13.pb.gz"
rc=$?
(cd "$WORK" && go tool pprof -top -unit=ms -nodefraction=0 -nodecount=8 "$WORK/v13.pb.gz" >"$WORK/pprof.txt" 2>&1)
"$JVMSNAP" top -n 0 "$WORK/s3merge.nps" >"$WORK/top.all"
check "pprof (rc $rc): go tool pprof -top = jvmsnap top (top 5 self functions, their ms, the total)" python3 - "$WORK/pprof.txt" "$WORK/top.all" <<'PY'
import re, sys
pp = open(sys.argv[1]).read()
total = float(re.search(r"Total samples = ([0-9.]+)ms", pp).group(1))
rows = re.findall(r"^\s*([0-9.]+)ms\s+[0-9.]+%\s+[0-9.]+%\s+[0-9.]+ms\s+[0-9.]+%\s+(\S+)$", pp, re.M)
top = [(float(m.group(1)), m.group(2).split("(")[0]) for m in
       re.finditer(r"^\s*([0-9.]+)\s+[0-9.]+%\s+[0-9.]+\s+\d+\s+(.*)$", open(sys.argv[2]).read(), re.M)]
print(total, rows[:5], top[:5])
ok = len(rows) >= 5 and abs(total - sum(t for t, _ in top)) < 0.01 + 0.001 * len(top)
for (ms, name), (tms, tname) in zip(rows[:5], top[:5]):
    ok = ok and name == tname and abs(float(ms) - tms) < 0.006
sys.exit(not ok)
PY
"$JVMSNAP" top --endpoint "$ENDPOINT" --quiet s3://fleet/jvmsnap/ --request-id v13-4 >"$WORK/top.txt" 2>&1
check "top s3://… --request-id v13-4: plantedSlowPricing is the top self method" \
	sh -c "grep -m1 -E '[0-9]' '$WORK/top.txt' | grep -q . && grep -A3 -i 'self' '$WORK/top.txt' | grep -q FleetFunction.plantedSlowPricing"
check "no temporary folder left behind" sh -c "! ls -d /tmp/jvmsnap-s3.* 2>/dev/null | xargs -r -n1 sh -c 'test -O \"\$0\" && echo \$0' | grep -q ."
"$JVMSNAP" top --endpoint "$ENDPOINT" --quiet s3://fleet/jvmsnap/ --request-id no-such-id >/dev/null 2>"$WORK/none.err"
rc=$?
check "a selection that matches nothing: exit 2, one line" \
	sh -c "[ $rc = 2 ] && grep -q 'no invocation matches the selection' '$WORK/none.err'"

# diff: version 12 against version 13 from the same prefix. The folded form (difffolded.pl)
# has the planted method only in B; the page, run in headless Chromium, paints it red and
# parseOrder (a smaller share of B than of A) blue.
"$JVMSNAP" collapsed --diff s3://fleet/jvmsnap/ --version 12 --quiet --endpoint "$ENDPOINT" \
	--vs s3://fleet/jvmsnap/ --version 13 --quiet --endpoint "$ENDPOINT" >"$WORK/diff.folded" 2>"$WORK/diff.err"
check "collapsed --diff: 'stack countA countB' lines, the planted method in B only, B's largest" \
	sh -c "grep -Eq '^[^ ]+ [0-9]+ [0-9]+\$' '$WORK/diff.folded' && ! grep -Ev '^[^ ]+ [0-9]+ [0-9]+\$' '$WORK/diff.folded' | grep -q . && grep 'FleetFunction.plantedSlowPricing ' '$WORK/diff.folded' | awk '\$2 != 0 || \$3 == 0 {bad=1} END {exit bad || NR == 0}' && sort -k3,3nr '$WORK/diff.folded' | head -n 1 | grep -q 'FleetFunction.plantedSlowPricing '"
"$JVMSNAP" diff s3://fleet/jvmsnap/ --version 12 --quiet --endpoint "$ENDPOINT" \
	--vs s3://fleet/jvmsnap/ --version 13 --quiet --endpoint "$ENDPOINT" -o "$WORK/diff.html" --title "12 vs 13" 2>>"$WORK/diff.err"
rc=$?
check "diff -o diff.html (rc $rc)" sh -c "[ $rc = 0 ] && grep -q 'id=\"jf-diff\"' '$WORK/diff.html'"
timeout 60 chromium --headless --no-sandbox --disable-gpu --proxy-server=127.0.0.1:9 --window-size=1600,900 \
	--dump-dom "file://$WORK/diff.html" >"$WORK/diff.dom" 2>/dev/null
check "diff page: plantedSlowPricing is red, parseOrder blue (B's share smaller)" python3 - "$WORK/diff.dom" <<'PY'
import re, sys
dom = open(sys.argv[1]).read()
def rgb(name):
    for style, text in re.findall(r'<div class="f[^"]*"[^>]*style="([^"]*)"[^>]*>([^<]*)</div>', dom):
        if name in text:
            m = re.search(r"background: rgb\((\d+), (\d+), (\d+)\)", style)
            return tuple(map(int, m.groups()))
    sys.exit("no frame " + name)
r, g, b = rgb("plantedSlowPricing")
r2, g2, b2 = rgb("parseOrder")
print(r, g, b, r2, g2, b2)
sys.exit(not (r > b + 60 and b2 > r2 + 20))
PY
check "diff of two zips (A B form) works too" sh -c "'$JVMSNAP' diff '$WORK'/byhand/000001.zip '$WORK'/byhand/000002.zip -o '$WORK/two.html' && test -s '$WORK/two.html'"

# DuckDB over the folder of summaries the agent wrote: the documented query returns the
# same top 10 as ls --slowest 10.
DUCK=${JVMSNAP_CACHE:-/var/cache/jvmsnap}/duckdb-2.0.0/bin/python
if [ -x "$DUCK" ]; then
	"$JVMSNAP" ls "$WORK/snaps" --slowest 10 --csv | tail -n +2 | cut -d, -f16,6 | awk -F, '{print $2 "," $1}' >"$WORK/ls10.txt"
	"$DUCK" - "$WORK/snaps" >"$WORK/duck10.txt" <<'PY'
import duckdb, sys
q = """SELECT zip_key, duration_ms FROM read_json('%s/*.json', format = 'newline_delimited', filename = true)
       ORDER BY duration_ms DESC, start_ms, filename LIMIT 10""" % sys.argv[1]
for key, dur in duckdb.sql(q).fetchall():
    print("%s,%d" % (key, dur))
PY
	check "DuckDB: the same top 10 as ls --slowest 10" sh -c "[ \$(wc -l <'$WORK/ls10.txt') = 10 ] && cmp '$WORK/ls10.txt' '$WORK/duck10.txt'"
else
	not_ok "DuckDB is missing: bash scripts/deps.sh --test (scripts/deps.d/fleet.sh)"
fi

# Credentials from a profile file (no keys in the environment), and their name on a 403.
printf '[fleet]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n[wrong]\naws_access_key_id = NOT-S3RVER\naws_secret_access_key = not-the-secret-9\n' >"$WORK/credentials"
PROFILE_ENV="env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_SHARED_CREDENTIALS_FILE=$WORK/credentials AWS_CONFIG_FILE=/nonexistent"
check "ls with AWS_PROFILE from the credentials file" \
	sh -c "$PROFILE_ENV AWS_PROFILE=fleet '$JVMSNAP' ls --endpoint '$ENDPOINT' --quiet s3://fleet/jvmsnap/ --json | wc -l | grep -qx $((real + 1000))"
$PROFILE_ENV AWS_PROFILE=wrong "$JVMSNAP" ls --endpoint "$ENDPOINT" --quiet s3://fleet/jvmsnap/ >/dev/null 2>"$WORK/denied.err"
rc=$?
check "403: exit 2, one line naming the profile, never the secret" \
	sh -c "[ $rc = 2 ] && [ \$(wc -l <'$WORK/denied.err') = 1 ] && grep -q \"^jvmsnap: error: listing s3://fleet/jvmsnap/ failed: InvalidAccessKeyId.*(HTTP 403): access denied; credentials from profile 'wrong' in $WORK/credentials\" '$WORK/denied.err' && ! grep -q not-the-secret '$WORK/denied.err'"
# EC2 instance metadata (IMDSv2), the last source: a fake IMDS on 127.0.0.1 gives a role's
# credentials; with the wrong key, the 403 names the role's source and never its secret.
IMDS_ENV="env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_EC2_METADATA_DISABLED AWS_SHARED_CREDENTIALS_FILE=/nonexistent AWS_CONFIG_FILE=/nonexistent"
start_server imds node "$ROOT/tests/s3/fake_imds.js" "$WORK/imds.log" fleet-reader S3RVER not-the-secret-7
IMDS=http://127.0.0.1:$PORT/
check "instance metadata: ls with the role's credentials (token PUT with a TTL, then the role, then its keys)" \
	sh -c "$IMDS_ENV AWS_EC2_METADATA_SERVICE_ENDPOINT=$IMDS '$JVMSNAP' ls --endpoint '$ENDPOINT' --quiet --no-cache s3://fleet/jvmsnap/ --json | wc -l | grep -qx $((real + 1000)) && head -n 1 '$WORK/imds.log' | grep -q '\"method\":\"PUT\",\"url\":\"/latest/api/token\".*x-aws-ec2-metadata-token-ttl-seconds' && [ \$(grep -c 'x-aws-ec2-metadata-token\":\"imds-' '$WORK/imds.log') = 2 ]"
start_server imds-wrong node "$ROOT/tests/s3/fake_imds.js" "$WORK/imds-wrong.log" fleet-reader NOT-S3RVER not-the-secret-7
$IMDS_ENV AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:$PORT "$JVMSNAP" ls --endpoint "$ENDPOINT" --quiet s3://fleet/jvmsnap/ >/dev/null 2>"$WORK/imds403.err"
rc=$?
check "instance metadata, 403: exit 2, one line naming the role's source, never the secret" \
	sh -c "[ $rc = 2 ] && [ \$(wc -l <'$WORK/imds403.err') = 1 ] && grep -q \"(HTTP 403): access denied; credentials from the EC2 instance metadata (role 'fleet-reader')\" '$WORK/imds403.err' && ! grep -q not-the-secret '$WORK/imds403.err'"
$IMDS_ENV AWS_EC2_METADATA_DISABLED=true AWS_EC2_METADATA_SERVICE_ENDPOINT=$IMDS "$JVMSNAP" ls --endpoint "$ENDPOINT" --quiet s3://fleet/jvmsnap/ >/dev/null 2>"$WORK/imdsoff.err"
rc=$?
check "AWS_EC2_METADATA_DISABLED=true: the metadata is not asked, no credentials, exit 2" \
	sh -c "[ $rc = 2 ] && grep -q '^jvmsnap: error: no AWS credentials: .*instance metadata disabled' '$WORK/imdsoff.err' && [ \$(wc -l <'$WORK/imds.log') = 3 ]"
$IMDS_ENV AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:1 "$JVMSNAP" ls --endpoint "$ENDPOINT" --quiet s3://fleet/jvmsnap/ >/dev/null 2>"$WORK/imdsnone.err"
rc=$?
check "no metadata service: exit 2, one line saying so" \
	sh -c "[ $rc = 2 ] && [ \$(wc -l <'$WORK/imdsnone.err') = 1 ] && grep -q '^jvmsnap: error: no AWS credentials: .*instance metadata PUT http://127.0.0.1:1/latest/api/token' '$WORK/imdsnone.err'"
"$JVMSNAP" ls --endpoint "$ENDPOINT" --quiet s3://no-such-bucket/x/ >/dev/null 2>"$WORK/nobucket.err"
rc=$?
check "NoSuchBucket: exit 2, one clear line" \
	sh -c "[ $rc = 2 ] && grep -q '^jvmsnap: error: listing s3://no-such-bucket/x/ failed: NoSuchBucket.*the bucket does not exist' '$WORK/nobucket.err'"
start_server expired node "$FAKE" capture "$WORK/expired.log" "400:ExpiredToken"
AWS_SESSION_TOKEN=tok "$JVMSNAP" ls --endpoint "http://127.0.0.1:$PORT" --quiet s3://fleet/jvmsnap/ >/dev/null 2>"$WORK/expired.err"
rc=$?
check "expired token: exit 2, says so, names the credentials source" \
	sh -c "[ $rc = 2 ] && grep -q '^jvmsnap: error: listing .* failed: ExpiredToken.*session token has expired.*credentials from the environment' '$WORK/expired.err'"
check "usage errors: a bad --since, a bad --slowest, no source" \
	sh -c "'$JVMSNAP' ls --since yesterday s3://fleet/ 2>/dev/null; [ \$? = 2 ] && '$JVMSNAP' ls --slowest 0 s3://fleet/ 2>/dev/null; [ \$? = 2 ] && '$JVMSNAP' ls 2>/dev/null; [ \$? = 2 ]"

# A summary without its zip, a zip without its summary, a summary that is not one.
python3 - "$ENDPOINT" <<'PY'
import boto3, json, sys
s3 = boto3.client("s3", endpoint_url=sys.argv[1], aws_access_key_id="S3RVER", aws_secret_access_key="S3RVER", region_name="us-east-1")
keys = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket="fleet", Prefix="jvmsnap/orders/")
        for o in page.get("Contents", [])]
for k in keys:
    if ("rep0001-" in k and k.endswith(".zip")) or ("rep0002-" in k and k.endswith(".json")):
        s3.delete_object(Bucket="fleet", Key=k)
s3.put_object(Bucket="fleet", Key="jvmsnap/orders/garbage.json", Body=b"{not json")
s3.put_object(Bucket="fleet", Key="jvmsnap/orders/garbage.zip", Body=b"PK")
# A truncated zip with its summary, in version 13.
k = [k for k in keys if k.endswith("_v13-3.json")][0]
summ = json.loads(s3.get_object(Bucket="fleet", Key=k)["Body"].read())
z = s3.get_object(Bucket="fleet", Key=summ["zip_key"])["Body"].read()
summ["request_id"] = "trunc-1"
summ["zip_key"] = summ["zip_key"].replace("_v13-3.zip", "_trunc-1.zip")
s3.put_object(Bucket="fleet", Key=summ["zip_key"], Body=z[: len(z) // 2])
s3.put_object(Bucket="fleet", Key=summ["zip_key"][:-4] + ".json", Body=json.dumps(summ) + "\n")
PY
LS s3://fleet/jvmsnap/ --json >"$WORK/after.jsonl" 2>"$WORK/after.err"
rc=$?
check "unpaired objects: the summary without its zip is named" grep -q "^jvmsnap: warning: s3://fleet/jvmsnap/orders/.*rep0001-.*\.json has no zip" "$WORK/after.err"
check "unpaired objects: the zip without its summary is named" grep -q "^jvmsnap: warning: s3://fleet/jvmsnap/orders/.*rep0002-.*\.zip has no summary" "$WORK/after.err"
check "an unreadable summary is named and counted, exit 2, the rest listed" \
	sh -c "[ $rc = 2 ] && grep -q 'garbage.json: not a jvmsnap summary' '$WORK/after.err' && grep -q '^jvmsnap: 1 summaries could not be read' '$WORK/after.err' && [ \$(wc -l <'$WORK/after.jsonl') = $((real + 1000)) ]"
"$JVMSNAP" merge --endpoint "$ENDPOINT" --quiet s3://fleet/jvmsnap/ --version 13 -o "$WORK/partial.nps" 2>"$WORK/partial.err"
rc=$?
check "a truncated zip in the bucket: skipped, named, counted (with the unreadable summary); the rest merged; exit 3" \
	sh -c "[ $rc = 3 ] && grep -q '^jvmsnap: warning: s3://fleet/jvmsnap/orders/.*_trunc-1.zip skipped: not a readable zip' '$WORK/partial.err' && grep -q '^jvmsnap: 2 snapshots or summaries were skipped' '$WORK/partial.err' && cmp '$WORK/partial.nps' '$WORK/s3merge.nps'"
finish

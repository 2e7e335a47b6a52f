#!/usr/bin/env bash
# Benchmark (not a test): `jvmsnap ls` over SUMMARIES (default 10,000) invocation summaries
# and `jvmsnap merge` of ZIPS (default 1,000) zips, both straight from a local S3 server
# (s3rver on 127.0.0.1, as the tests use), against the targets of issue 13 (ls <= 3 s;
# merge <= 5 s and <= 200 MB). Prints wall time and peak RSS; never passes or fails.
#
# The zips are tests/cli/cligen's distinct invocation snapshots (see cli_merge.sh); every
# zip has a summary, and the summaries beyond ZIPS point at copies of them (version "2"),
# so every object is paired and `merge --version 1` selects exactly ZIPS distinct zips.
# The keys spread over 28 day folders (2026/12/01..28), each summary's start in its folder's
# day, as the agent writes them, so `--since/--until` can skip folders.
#
# FLEET_SERVER=static runs the same against bench/fleet_static_s3.js, a server that costs
# next to nothing (in memory, no signature check): what is left is the client's own time.
#
#   BUILD=build bash bench/fleet.sh [SUMMARIES] [ZIPS]
#   FLEET_SERVER=static BUILD=build bash bench/fleet.sh
# FLEET_PARALLEL_RUNS="32" measures the uncached ls with those --parallel values only.
set -eu
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SUMMARIES=${1:-10000}
SERVER=${FLEET_SERVER:-s3rver} # or "static": bench/fleet_static_s3.js, a server that costs nothing
ZIPS=${2:-1000}
JVMSNAP=$ROOT/$BUILD/jvmsnap
CLIGEN=$ROOT/$BUILD/tests/cligen
S3RVER=$ROOT/tests/s3/node_modules/.bin/s3rver
for tool in "$JVMSNAP" "$CLIGEN" "$S3RVER" /usr/bin/time; do
	[ -x "$tool" ] || { echo "fleet bench: $tool is missing (make cli $BUILD/tests/cligen; bash scripts/deps.sh --test)" >&2; exit 2; }
done
WORK=$(mktemp -d /tmp/jvmsnap-bench-fleet.XXXXXX)
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$WORK"' EXIT
mkdir "$WORK/in"
for i in $(seq 1 "$ZIPS"); do "$CLIGEN" invocation "$i" "$WORK/in/$(printf 'inv%05d' "$i").zip"; done
if [ "$SERVER" = static ]; then
	node "$ROOT/bench/fleet_static_s3.js" >"$WORK/server.out" 2>&1 &
else # s3rver's continuation tokens use DES (OpenSSL 3's legacy provider).
	NODE_OPTIONS=--openssl-legacy-provider "$S3RVER" -d "$WORK/data" -a 127.0.0.1 -p 0 --configure-bucket bench >"$WORK/server.out" 2>&1 &
fi
PID=$!
for _ in $(seq 100); do grep -q 'listening on' "$WORK/server.out" && break; sleep 0.1; done
PORT=$(grep -Eo 'listening on [0-9.]+:[0-9]+' "$WORK/server.out" | grep -Eo '[0-9]+$')
ENDPOINT=http://127.0.0.1:$PORT
echo "fleet bench: uploading $SUMMARIES summaries and zips ($ZIPS distinct) to $SERVER..." >&2
python3 - "$ENDPOINT" "$WORK/in" "$SUMMARIES" "$ZIPS" <<'PY'
import boto3, json, os, sys, concurrent.futures as cf
endpoint, folder, n, zips = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="S3RVER", aws_secret_access_key="S3RVER", region_name="us-east-1")
names = sorted(os.listdir(folder))
try:
    s3.create_bucket(Bucket="bench")  # the static server; s3rver made it already
except Exception:
    pass
def put(i):
    day = 1 + i * 28 // n  # contiguous blocks: start times grow with i, and each lies in its key's day
    key = "jvmsnap/orders/2026/12/%02d/inv%05d" % (day, i)
    with open(os.path.join(folder, names[i % zips]), "rb") as f:
        s3.put_object(Bucket="bench", Key=key + ".zip", Body=f.read())
    s = {"schema": 1, "function": "orders", "version": "1" if i < zips else "2", "request_id": "r%05d" % i,
         "kind": "warm", "start": "2026-12-%02dT00:00:00.000Z" % day, "start_ms": 1796083200000 + (day - 1) * 86400000 + i, "duration_ms": i % 997,
         "samples": 10, "interval_us": 10000, "cpu_ms": 1.0, "wall_ms": 2.0, "gc_count": 0, "gc_ms": 0,
         "heap_used_max": 1, "classes_loaded": 1, "top_time": "cpu", "top_methods": [{"method": "a.B.c", "self_ms": 1.0}],
         "zip_key": key + ".zip"}
    s3.put_object(Bucket="bench", Key=key + ".json", Body=json.dumps(s, separators=(",", ":")) + "\n")
with cf.ThreadPoolExecutor(8) as ex:
    list(ex.map(put, range(n)))
PY
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
measure() { # LABEL CMD...: wall seconds and peak RSS of CMD
	local label=$1
	shift
	/usr/bin/time -f '%e %M' -o "$WORK/time" "$@" >"$WORK/out" 2>"$WORK/err" || { echo "$label failed:"; tail -3 "$WORK/err"; }
	read -r secs kb <"$WORK/time"
	echo "| $label | $secs s | $((kb / 1024)) MB |"
}
echo "| jvmsnap, $SERVER on 127.0.0.1, $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg) | wall | peak RSS |"
echo "|---|---|---|"
export XDG_CACHE_HOME=$WORK/cache # the summary cache starts empty
for p in ${FLEET_PARALLEL_RUNS:-16 32 64}; do
	measure "ls over $SUMMARIES summaries, --no-cache --parallel $p (list + $SUMMARIES GETs)" \
		"$JVMSNAP" ls --endpoint "$ENDPOINT" --quiet --no-cache --parallel "$p" s3://bench/jvmsnap/ --json
done
echo "(listed $(wc -l <"$WORK/out") summaries)" >&2
measure "ls over $SUMMARIES summaries, first run (fills the cache)" \
	"$JVMSNAP" ls --endpoint "$ENDPOINT" --quiet s3://bench/jvmsnap/ --json
measure "ls over $SUMMARIES summaries, second run (list, no GET)" \
	"$JVMSNAP" ls --endpoint "$ENDPOINT" --quiet s3://bench/jvmsnap/ --json
measure "ls --since 2026-12-05 --until 2026-12-06 --no-cache (1 of 28 day folders listed, $((SUMMARIES / 28)) summaries)" \
	"$JVMSNAP" ls --endpoint "$ENDPOINT" --quiet --no-cache --since 2026-12-05 --until 2026-12-06 s3://bench/jvmsnap/ --json
echo "(--since/--until listed $(wc -l <"$WORK/out") summaries)" >&2
measure "merge of $ZIPS zips selected by --version 1, --no-cache (list + $SUMMARIES + $ZIPS GETs + merge)" \
	"$JVMSNAP" merge --endpoint "$ENDPOINT" --quiet --no-cache s3://bench/jvmsnap/ --version 1 -o "$WORK/m.nps"
measure "merge of the same, summaries cached (list + $ZIPS GETs + merge)" \
	"$JVMSNAP" merge --endpoint "$ENDPOINT" --quiet s3://bench/jvmsnap/ --version 1 -o "$WORK/m.nps"
measure "merge of the same $ZIPS zips from local disk" "$JVMSNAP" merge --quiet -o "$WORK/m2.nps" "$WORK"/in/*.zip
cmp -s "$WORK/m.nps" "$WORK/m2.nps" && echo "(the two merges are byte-equal)" >&2 || echo "(the two merges differ: input order)" >&2

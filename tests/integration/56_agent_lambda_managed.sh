#!/usr/bin/env bash
# The agent in a Lambda Managed Instances runtime (AWS_LAMBDA_MAX_CONCURRENCY=3): one JVM,
# three threads each looping next/handle/response through the agent's proxy, their handlers
# open at the same time (tests/java/ManagedLambdaRuntime: a barrier per round), each event
# running a marker method no other event runs (markerK, K = 0..5); the first thread's first invocation runs long,
# so one shared window spans both rounds and each handler thread's tree in it holds both its
# invocations: an invocation's own zip holds its own marker only because the copy taken at
# its start is subtracted. Windows are shared (docs/lambda.md): every
# invocation is listed by exactly the windows it overlapped, with the name of the thread
# that handled it (found by the proxy from the connection's socket), none is lost, no two
# zips share a key, each zip loads in VisualVM's loader, holds the markers of the
# invocations it lists, and is in the S3 test server. And each invocation has a zip of its
# own, cut from its shared window, holding only its handler thread and its own marker.
. "$(dirname "$0")/lib.sh"
. "$ROOT/scripts/aws_tools.sh"
S3RVER=$ROOT/tests/s3/node_modules/.bin/s3rver
work_area managed
needs "bash scripts/deps.sh --test" "$S3RVER" node curl python3 mvn

mkdir -p "$WORK/api" "$WORK/snaps" "$WORK/task"
start_runtime_api "$WORK/api"
start_server s3rver "$S3RVER" -d "$WORK/data" -a 127.0.0.1 -p 0 --configure-bucket snaps --silent
S3_PORT=$PORT

THREADS=3
ROUNDS=2
N=$((THREADS * ROUNDS))
deadline=$(($(date +%s%3N) + 120000))
for i in $(seq $N); do
	curl -sf -X POST "http://127.0.0.1:$API_PORT/_test/event?id=m-$i&deadline=$deadline" \
		-d "{\"n\":$i,\"marker\":$((i - 1))}" >/dev/null
done

(cd "$WORK/task" && env -u AWS_SESSION_TOKEN JAVA_TOOL_OPTIONS="-agentpath:$AGENT" IOPIPE_PROFILER_ENABLED=true IOPIPE_PROFILER_DEBUG=true \
	AWS_LAMBDA_RUNTIME_API="127.0.0.1:$API_PORT" _HANDLER=example.Handler::handleRequest \
	LAMBDA_TASK_ROOT="$WORK/task" AWS_LAMBDA_FUNCTION_NAME=orders AWS_LAMBDA_MAX_CONCURRENCY=$THREADS \
	IOPIPE_PROFILER_LOCAL_DUMP_PATH="$WORK/snaps/" IOPIPE_PROFILER_S3_BUCKET=snaps IOPIPE_PROFILER_LAMBDA_BUDGET=10s \
	IOPIPE_PROFILER_S3_ENDPOINT="http://127.0.0.1:$S3_PORT" AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER \
	timeout 120 "$JAVA_HOME/bin/java" -cp "$JAVA_TESTS" ManagedLambdaRuntime $THREADS $ROUNDS 400 1200 \
	>"$WORK/stdout" 2>"$WORK/stderr")
rc=$?
check "runtime exits 0 after $N invocations on $THREADS threads (rc $rc)" test "$rc" = 0
check "all $N responses accepted (202)" test "$(grep -c '^posted m-[0-9]* status 202$' "$WORK/stdout")" = $N
stats=$(curl -sf "http://127.0.0.1:$API_PORT/_test/stats")
check "the invocations overlapped: $THREADS open at once at the Runtime API ($stats)" \
	test "$(echo "$stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["max_outstanding"])')" = $THREADS
check "no warning from the agent" sh -c "! grep -q '^jvmsnap: warning' '$WORK/stderr'"

init_zip=$(ls "$WORK"/snaps/*_init.zip 2>/dev/null | head -n 1)
check "an init snapshot" test -n "$init_zip"

# check_shared SNAPS MARKERS STORED PREFIX N: the zips in SNAPS against MARKERS (lines
# "request-id method thread", thread "-" when the handler did not say), each loaded by
# VisualVM's loader. Shared windows: every invocation PREFIX1..PREFIXN listed once with its
# handler thread, each window named by one it lists, each holding its invocations' methods,
# each method in its handler thread's tree and in no other thread's. Each invocation's own
# zip: exactly one, holding only its handler thread (the one its shared window lists), its
# own method and no other invocation's, naming the shared window it was cut from. With STORED
# (S3 keys, "-" for none) each zip is uploaded under its own key (shared windows
# ..._shared_<id>.zip, invocations ..._<id>.zip) and nothing else but the init zip.
check_shared() {
	local snaps=$1 markers=$2 stored=$3 prefix=$4 n=$5 z has=()
	for m in $(awk '{print $2}' "$markers" | sort -u); do has+=(--has "$m"); done
	for z in "$snaps"/*.zip; do
		unzip -p "$z" metadata.json >"$z.json" 2>/dev/null
		nps_check "${has[@]}" "$z" >"$z.summary" 2>&1
		check "$(basename "$z"): loads in VisualVM's loader" grep -q '^NpsCheck: OK' "$z.summary"
	done
	rm -f "$snaps/check.shared" "$snaps/check.own"
	python3 - "$snaps" "$markers" "$stored" "$prefix" "$n" "$ROOT/$BUILD/jvmsnap" <<'PY'
import glob, json, os, subprocess, sys
snaps, markers_file, stored_file, prefix, n, cli = sys.argv[1:7]
method, thread = {}, {}
for line in open(markers_file):
    inv, m, name = line.split()
    method[inv], thread[inv] = m, (None if name == "-" else name)
stored = None if stored_file == "-" else [os.path.basename(l.strip()) for l in open(stored_file) if l.strip()]
want = sorted(f"{prefix}{i}" for i in range(1, int(n) + 1))
markers = set(method.values())


def tree_methods(z, name):
    tree = subprocess.run([cli, "tree", "-T", name, z], capture_output=True, text=True).stdout
    return {m for m in markers if m + "(" in tree}


def keyed(suffix):
    return [s for s in stored if s.endswith(suffix)] if stored is not None else None


bad, listed, names, lists, own = [], [], [], {}, {}
for j in sorted(glob.glob(snaps + "/*.zip.json")):
    m = json.load(open(j))
    z = j[: -len(".json")]
    if m["window"] == "init":
        continue
    if m["window"] == "invocation":
        own.setdefault(m["request_id"], []).append((z, m))
        continue
    invs = m.get("invocations") or []
    ids = [i["id"] for i in invs]
    if m["window"] != "shared" or m["request_id"] not in ids or m["invocations_not_listed"] != 0:
        bad.append(f"{z}: window {m['window']}, request {m['request_id']}, {invs}")
        continue
    names.append(m["request_id"])
    lists[m["request_id"]] = {i["id"]: i["thread"] for i in invs}
    listed += ids
    for i in invs:
        if i["thread"] is None or (thread[i["id"]] and i["thread"] != thread[i["id"]]):
            bad.append(f"{z}: {i['id']} handled on {thread[i['id']]}, metadata says {i['thread']}")
    if stored is not None and len(keyed("_shared_" + m["request_id"] + ".zip")) != 1:
        bad.append(f"{z}: not in S3 as ..._shared_{m['request_id']}.zip ({stored})")
    summary = open(z + ".summary").read()
    by_thread = {}
    for i in invs:
        if f"has {method[i['id']]}\tyes\t" not in summary:
            bad.append(f"{z}: {method[i['id']]} of {i['id']} missing")
        by_thread.setdefault(i["thread"], set()).add(method[i["id"]])
    for name, mine in by_thread.items():
        if name is not None and tree_methods(z, name) != mine:
            bad.append(f"{z}: thread {name} ran {sorted(mine)}, its tree has {sorted(tree_methods(z, name))}")
if sorted(listed) != want:
    bad.append(f"listed {sorted(listed)} != {want}")
if len(names) != len(set(names)) or not names:
    bad.append(f"window names {names}")

# Each invocation's own zip.
obad = []
if sorted(own) != want or any(len(v) != 1 for v in own.values()):
    obad.append(f"own zips {sorted((k, len(v)) for k, v in own.items())} != one each of {want}")
for inv, [(z, m)] in ((k, v) for k, v in own.items() if len(v) == 1):
    shared = lists.get(m.get("shared_window"))
    if shared is None or inv not in shared:
        obad.append(f"{z}: shared window {m.get('shared_window')} does not list {inv}")
        continue
    if m.get("thread") != shared[inv] or m["threads"] != 1:
        obad.append(f"{z}: thread {m.get('thread')}, {m['threads']} threads; its shared window says {shared[inv]}")
    summary = open(z + ".summary").read()
    got = {mm for mm in markers if f"has {mm}\tyes\t" in summary}
    if got != {method[inv]}:
        obad.append(f"{z}: holds {sorted(got)}, ran {method[inv]}")
    if tree_methods(z, shared[inv]) != {method[inv]}:
        obad.append(f"{z}: its thread's tree holds {sorted(tree_methods(z, shared[inv]))}")
    if stored is not None and len([s for s in keyed("_" + inv + ".zip") if "_shared_" not in s]) != 1:
        obad.append(f"{z}: not in S3 as ..._{inv}.zip ({stored})")
if stored is not None and len(stored) != len(names) + len(own) + 1:
    obad.append(f"stored {stored}, windows {names}, own zips {sorted(own)} and init")
with open(snaps + "/check.shared", "w") as f:
    f.write("\n".join(bad) if bad else f"OK windows {names} list {sorted(listed)}")
with open(snaps + "/check.own", "w") as f:
    f.write("\n".join(obad) if obad else f"OK own zips {sorted(own)}")
PY
	local up=""
	[ "$stored" = - ] || up=', each uploaded'
	check "shared windows: each invocation listed once with its handler thread, none lost, names unique and listed, each zip holding its invocations' methods, each in its handler thread's tree and no other's$up" \
		verdict "$snaps/check.shared"
	check "each invocation's own zip: one per invocation, only its handler thread, its own method and no other invocation's, naming its shared window$up under its own key" \
		verdict "$snaps/check.own"
}

# verdict FILE: prints FILE (a checker's findings); true when it says OK.
verdict() {
	cat "$1" 2>/dev/null && echo
	grep -q '^OK' "$1" 2>/dev/null
}

# Which marker each invocation ran, on which thread, from the handlers' own lines.
grep '^handled ' "$WORK/stdout" | awk '{print $2, "ManagedLambdaRuntime.marker" $4, $6}' >"$WORK/markers"
(cd "$WORK/data/snaps" 2>/dev/null && find . -name '*.zip._S3rver_object' | sed 's/\._S3rver_object$//' | sort) >"$WORK/stored"
check_shared "$WORK/snaps" "$WORK/markers" "$WORK/stored" m- $N

# IOPIPE_PROFILER_INVOCATIONS=cold with several at once: no shared window, and the init zip
# is still written once the first invocation is over (before the second round's events),
# not only at exit.
C=$WORK/cold
mkdir -p "$C/snaps" "$C/task"
start_runtime_api "$C/api"
for i in $(seq $N); do
	curl -sf -X POST "http://127.0.0.1:$API_PORT/_test/event?id=c-$i&deadline=$deadline" \
		-d "{\"marker\":$(((i - 1) % THREADS))}" >/dev/null
done
(cd "$C/task" && env -u AWS_SESSION_TOKEN JAVA_TOOL_OPTIONS="-agentpath:$AGENT" IOPIPE_PROFILER_ENABLED=true \
	IOPIPE_PROFILER_DEBUG=true IOPIPE_PROFILER_INVOCATIONS=cold AWS_LAMBDA_RUNTIME_API="127.0.0.1:$API_PORT" \
	_HANDLER=example.Handler::handleRequest LAMBDA_TASK_ROOT="$C/task" AWS_LAMBDA_FUNCTION_NAME=orders \
	AWS_LAMBDA_MAX_CONCURRENCY=$THREADS IOPIPE_PROFILER_LOCAL_DUMP_PATH="$C/snaps/" \
	timeout 120 "$JAVA_HOME/bin/java" -cp "$JAVA_TESTS" ManagedLambdaRuntime $THREADS $ROUNDS 100 \
	>"$C/stdout" 2>"$C/stderr")
check "cold, several at once: all $N responses accepted, the init zip alone" \
	sh -c "[ \"\$(grep -c '^posted c-[0-9]* status 202\$' '$C/stdout')\" = $N ] && [ \"\$(ls '$C'/snaps/*.zip | wc -l)\" = 1 ] && ls '$C'/snaps/*_init.zip >/dev/null"
written=$(grep -n 'snapshot written' "$C/stderr" | head -n 1 | cut -d: -f1)
second=$(grep -n "Runtime API event c-$((THREADS + 1)):" "$C/stderr" | head -n 1 | cut -d: -f1)
check "cold, several at once: the init zip written after the first round, before event c-$((THREADS + 1)) (lines ${written:-?} < ${second:-?})" \
	test "${written:-999999}" -lt "${second:-0}"

# --- AWS's Runtime Interface Client in its multi-concurrency mode (AWS_LAMBDA_MAX_CONCURRENCY:
# a pool of threads, each with its own loop over the RIC's native HTTP client), on Temurin 25
# (Managed Instances run Java 21+), running the probe function of the RIE tests: event i runs
# probe.Probe.markI. The thread that handled
# each is only known from metadata.json; its tree holding markI and no other thread's
# holding it shows the lookup found the right one. (How far the six overlap depends on the
# machine's load: the count is printed, not checked.)
R=$WORK/ric
JDK25=/usr/lib/jvm/temurin-25-jdk-amd64
mkdir -p "$R/snaps"
check "Temurin 25 is installed ($JDK25)" test -x "$JDK25/bin/java"
RIE_WORK=$R
. "$ROOT/tests/lambda/rie.sh"
rie_probe
start_runtime_api "$R/api"
for i in $(seq $N); do
	printf 'mark %s\n' "$i" | curl -sf -X POST "http://127.0.0.1:$API_PORT/_test/event?id=r-$i&deadline=$deadline" \
		--data-binary @- >/dev/null
done
(cd "$R" && exec env -u AWS_SESSION_TOKEN JAVA_TOOL_OPTIONS="-agentpath:$AGENT" IOPIPE_PROFILER_ENABLED=true \
	AWS_LAMBDA_RUNTIME_API="127.0.0.1:$API_PORT" _HANDLER=probe.Probe::handleRequest LAMBDA_TASK_ROOT="$R" \
	AWS_LAMBDA_FUNCTION_NAME=orders AWS_LAMBDA_MAX_CONCURRENCY=$THREADS IOPIPE_PROFILER_LOCAL_DUMP_PATH="$R/snaps/" \
	"$JDK25/bin/java" -XX:+UseSerialGC $RIC_JNI_OPT -cp "$PROBE_CP" com.amazonaws.services.lambda.runtime.api.client.AWSLambda \
	probe.Probe::handleRequest >"$R/stdout" 2>"$R/stderr") &
pid=$!
serve_until "$pid" api_log_has "$N" # the RIC serves forever: stopped once every response is in
curl -sf "http://127.0.0.1:$API_PORT/_test/log" >"$R/log.json"
stats=$(curl -sf "http://127.0.0.1:$API_PORT/_test/stats")
check "RIC on Java 25: $THREADS handler threads started" grep -q "Starting $THREADS concurrent function handler threads" "$R/stdout" "$R/stderr"
check "RIC: all $N responses accepted (202), each once ($stats)" python3 - "$R/log.json" $N <<'PY'
import json, sys
log, n = json.load(open(sys.argv[1])), int(sys.argv[2])
posts = sorted(r["url"] for r in log if r["url"].endswith("/response") and r.get("status") == 202)
sys.exit(posts != sorted(f"/2018-06-01/runtime/invocation/r-{i}/response" for i in range(1, n + 1)))
PY
check "RIC: no warning from the agent" sh -c "! grep -q '^jvmsnap: warning' '$R/stderr'"
for i in $(seq $N); do echo "r-$i probe.Probe.mark$i -"; done >"$R/markers"
check_shared "$R/snaps" "$R/markers" - r- $N
finish

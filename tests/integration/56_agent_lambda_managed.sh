#!/usr/bin/env bash
# The agent in a Lambda Managed Instances runtime (AWS_LAMBDA_MAX_CONCURRENCY=3): one JVM,
# three threads each looping next/handle/response through the agent's proxy, their handlers
# open at the same time (tests/java/ManagedLambdaRuntime: a barrier per round), each event
# running a marker method no other event runs. Windows are shared (docs/lambda.md): every
# invocation is listed by exactly the windows it overlapped, with the name of the thread
# that handled it (found by the proxy from the connection's socket), none is lost, no two
# zips share a key, each zip loads in VisualVM's loader, holds the markers of the
# invocations it lists, and is in the S3 test server.
. "$(dirname "$0")/lib.sh"
S3RVER=$ROOT/tests/s3/node_modules/.bin/s3rver
WORK=$(mktemp -d /tmp/jvmsnap-managed.XXXXXX)
SERVER_DIR=$WORK
trap 'stop_servers; [ -n "${KEEP:-}" ] || rm -rf "$WORK"' EXIT
for need in "$S3RVER" node curl python3; do
	command -v "$need" >/dev/null 2>&1 || { not_ok "prerequisite $need is missing (bash scripts/deps.sh --test)"; finish; exit 1; }
done

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
		-d "{\"n\":$i,\"marker\":$(((i - 1) % THREADS))}" >/dev/null
done

(cd "$WORK/task" && env -u AWS_SESSION_TOKEN JAVA_TOOL_OPTIONS="-agentpath:$AGENT" IOPIPE_PROFILER_ENABLED=true \
	AWS_LAMBDA_RUNTIME_API="127.0.0.1:$API_PORT" _HANDLER=example.Handler::handleRequest \
	LAMBDA_TASK_ROOT="$WORK/task" AWS_LAMBDA_FUNCTION_NAME=orders AWS_LAMBDA_MAX_CONCURRENCY=$THREADS \
	IOPIPE_PROFILER_LOCAL_DUMP_PATH="$WORK/snaps/" IOPIPE_PROFILER_S3_BUCKET=snaps IOPIPE_PROFILER_LAMBDA_BUDGET=10s \
	IOPIPE_PROFILER_S3_ENDPOINT="http://127.0.0.1:$S3_PORT" AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER \
	timeout 120 "$JAVA_HOME/bin/java" -cp "$JAVA_TESTS" ManagedLambdaRuntime $THREADS $ROUNDS 400 \
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
M=ManagedLambdaRuntime
for z in "$WORK"/snaps/*.zip; do
	unzip -p "$z" metadata.json >"$z.json" 2>/dev/null
	nps_check --has $M.marker0 --has $M.marker1 --has $M.marker2 "$z" >"$z.summary" 2>&1
	check "$(basename "$z"): loads in VisualVM's loader" grep -q '^NpsCheck: OK' "$z.summary"
done

# Which marker each invocation ran, on which thread, from the handlers' own lines.
grep '^handled ' "$WORK/stdout" | awk '{print $2, $4, $6}' >"$WORK/markers"
(cd "$WORK/data/snaps" 2>/dev/null && find . -name '*.zip._S3rver_object' | sed 's/\._S3rver_object$//' | sort) >"$WORK/stored"
check "shared windows: each invocation listed with its handler thread, none lost, each window named by one it lists, no key twice, each uploaded, each holding its invocations' markers, each in its handler thread's tree and no other's" \
	python3 - "$WORK/snaps" "$WORK/markers" "$WORK/stored" $N "$ROOT/$BUILD/jvmsnap" <<'PY'
import glob, json, os, re, subprocess, sys
snaps, markers_file, stored_file, n, cli = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
marker, thread = {}, {}
for line in open(markers_file):
    inv, k, name = line.split()
    marker[inv], thread[inv] = k, name
stored = [os.path.basename(l.strip()) for l in open(stored_file) if l.strip()]
want = {f"m-{i}" for i in range(1, n + 1)}
bad, listed, names = [], set(), []
for j in glob.glob(snaps + "/*.zip.json"):
    m = json.load(open(j))
    if m["window"] == "init":
        continue
    z = j[: -len(".json")]
    ids = [i["id"] for i in m["invocations"]]
    for i in m["invocations"]:
        if i["thread"] != thread[i["id"]]:
            bad.append(f"{z}: {i['id']} handled on {thread[i['id']]}, metadata says {i['thread']}")
    if m["window"] != "shared" or m["request_id"] not in ids:
        bad.append(f"{z}: window {m['window']}, request {m['request_id']}, {m.get('invocations')}")
        continue
    names.append(m["request_id"])
    listed |= set(ids)
    if m["invocations_not_listed"] != 0:
        bad.append(f"{z}: {m['invocations_not_listed']} not listed")
    if not any(s.endswith("_" + m["request_id"] + ".zip") for s in stored):
        bad.append(f"{z}: not in S3 ({stored})")
    summary = open(z + ".summary").read()
    for inv in ids:
        if f"has ManagedLambdaRuntime.marker{marker[inv]}\tyes\t" not in summary:
            bad.append(f"{z}: marker{marker[inv]} of {inv} missing")
    # Each handler thread's own tree: the markers of its invocations there, no other.
    for name in {thread[i] for i in ids}:
        tree = subprocess.run([cli, "tree", "-T", name, z], capture_output=True, text=True).stdout
        got = set(re.findall(r"ManagedLambdaRuntime\.marker(\d)", tree))
        want_k = {marker[i] for i in ids if thread[i] == name}
        if got != want_k:
            bad.append(f"{z}: thread {name} ran markers {sorted(want_k)}, its tree has {sorted(got)}")
if listed != want:
    bad.append(f"listed {sorted(listed)} != {sorted(want)}")
if len(names) != len(set(names)) or not names:
    bad.append(f"window names {names}")
if len(stored) != len(names) + 1:
    bad.append(f"stored {stored}, windows {names} and init")
print("\n".join(bad) or f"windows {sorted(names)} cover {sorted(listed)}")
sys.exit(1 if bad else 0)
PY
finish

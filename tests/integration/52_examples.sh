#!/usr/bin/env bash
# The Lambda examples: the handler builds into the jar the templates point at, and runs
# under the agent through the Runtime API loop a deployed function goes through (the test
# emulator tests/lambda/runtime_api.js, and FakeLambdaRuntime calling `_HANDLER` the way
# Lambda's Java runtime does), one snapshot per invocation; both templates are valid YAML
# that enable the profiler, grant only s3:PutObject, attach the layer to the function, and
# declare the runtimes docs/lambda.md says the layer supports.
. "$(dirname "$0")/lib.sh"
EX=$ROOT/examples/serverless
WORK=$(mktemp -d /tmp/jvmsnap-examples.XXXXXX)
SERVER_DIR=$WORK
trap 'stop_servers; rm -rf "$WORK" "$EX/build"' EXIT
for need in node curl python3; do
	command -v "$need" >/dev/null 2>&1 || { not_ok "prerequisite $need is missing"; finish; exit 1; }
done
JAR=$EX/build/libs/orders.jar
LINES=(200000 300000 400000) # one event each; tens of ms of work, so the sampler sees it

check "build.sh builds build/libs/orders.jar" sh -c "'$EX/build.sh' >/dev/null && test -f '$JAR'"
# The handler called directly: the totals the runs under the agent must answer with.
cat >"$WORK/Run.java" <<'J'
import java.util.Map;
public class Run {
    public static void main(String[] a) {
        for (String lines : a)
            System.out.println(lines + " " + new example.OrderHandler().handleRequest(Map.of("lines", Integer.parseInt(lines))).get("total_cents"));
    }
}
J
"$JAVA_HOME/bin/java" -cp "$JAR" "$WORK/Run.java" "${LINES[@]}" >"$WORK/direct" 2>&1
check "the handler runs (example.OrderHandler::handleRequest)" \
	test "$(grep -cE '^[0-9]+ [0-9]+$' "$WORK/direct")" = ${#LINES[@]}

# --- the handler under the agent, behind the agent's Runtime API proxy
mkdir -p "$WORK/api" "$WORK/snaps" "$WORK/task"
start_runtime_api "$WORK/api"
N=${#LINES[@]}
deadline=$(($(date +%s%3N) + 60000))
for i in $(seq $N); do
	curl -sf -X POST "http://127.0.0.1:$API_PORT/_test/event?id=req-$i&deadline=$deadline" \
		-d "{\"lines\":${LINES[$((i - 1))]}}" >/dev/null
done
(cd "$WORK/task" && env -u IOPIPE_PROFILER_S3_BUCKET JAVA_TOOL_OPTIONS="-agentpath:$AGENT" IOPIPE_PROFILER_ENABLED=true \
	AWS_LAMBDA_RUNTIME_API="127.0.0.1:$API_PORT" _HANDLER=example.OrderHandler::handleRequest \
	LAMBDA_TASK_ROOT="$WORK/task" AWS_LAMBDA_FUNCTION_NAME=orders IOPIPE_PROFILER_LOCAL_DUMP_PATH="$WORK/snaps/" \
	timeout 120 "$JAVA_HOME/bin/java" -cp "$JAVA_TESTS:$JAR" FakeLambdaRuntime $N 50 handler \
	>"$WORK/stdout" 2>"$WORK/stderr")
rc=$?
check "runtime exits 0 after $N invocations of the example handler (rc $rc)" test "$rc" = 0
proxied=$(sed -n 's/^runtime-api //p' "$WORK/stdout")
check "the runtime talks to the agent's proxy ($proxied), not straight to the API" \
	sh -c "echo '$proxied' | grep -Eq '^127\.0\.0\.1:[0-9]+$' && [ '$proxied' != '127.0.0.1:$API_PORT' ]"
curl -sf "http://127.0.0.1:$API_PORT/_test/log" >"$WORK/log.json"
check "the API got each handler's answer (total_cents as called directly) under its request id" \
	python3 - "$WORK/log.json" "$WORK/direct" "${LINES[@]}" <<'PY'
import json, sys
log = json.load(open(sys.argv[1]))
direct = dict(l.split() for l in open(sys.argv[2]) if l.strip())
posts = [r for r in log if r["method"] == "POST" and r["url"].endswith("/response")]
want = [f"/2018-06-01/runtime/invocation/req-{i}/response" for i in range(1, len(sys.argv) - 2)]
ok = [r["url"] for r in posts] == want
for r, lines in zip(posts, sys.argv[3:]):
    ok = ok and str(json.load(open(r["body_file"]))["total_cents"]) == direct[lines]
sys.exit(not ok)
PY

init_zip=$(ls "$WORK"/snaps/*_init.zip 2>/dev/null | head -n 1)
check "an init snapshot, marked _init" test -n "$init_zip"
check "$((N + 1)) zips in all: init + one per invocation" test "$(ls "$WORK"/snaps/*.zip 2>/dev/null | wc -l)" = $((N + 1))
H=example.OrderHandler.handleRequest
for z in "$WORK"/snaps/*.zip; do
	unzip -p "$z" metadata.json >"$z.json" 2>/dev/null
	nps_check --has $H "$z" >"$z.summary" 2>&1
	check "$(basename "$z"): loads in VisualVM's loader" grep -q '^NpsCheck: OK' "$z.summary"
done
check "init snapshot: the handler has not run yet" grep -qP "^has $H\tno\t" "$init_zip.summary"
for i in $(seq $N); do
	j=$(grep -l "\"request_id\": \"req-$i\"" "$WORK"/snaps/*.json 2>/dev/null | head -n 1)
	check "req-$i: its own snapshot, window=invocation, function orders" \
		sh -c "[ -n '$j' ] && grep -q '\"window\": \"invocation\"' '$j' && grep -q '\"function_name\": \"orders\"' '$j'"
	check "req-$i: $H is in its call tree" grep -qP "^has $H\tyes\t" "${j%.json}.summary"
done
check "no warning or error from the agent" sh -c "! grep -Eq 'jvmsnap: (warning|error)' '$WORK/stderr'"

yaml_check() { # yaml_check FILE: parses with unknown CloudFormation tags allowed
	/usr/bin/python3 - "$1" <<'PY'
import sys, yaml
class Loader(yaml.SafeLoader):
    pass
Loader.add_multi_constructor("!", lambda loader, suffix, node: suffix)
doc = yaml.load(open(sys.argv[1]), Loader=Loader)
text = open(sys.argv[1]).read()
def walk(o):
    if isinstance(o, dict):
        for k, v in o.items():
            yield k, v
            yield from walk(v)
    elif isinstance(o, list):
        for v in o:
            yield from walk(v)
pairs = list(walk(doc))
env = [v for k, v in pairs if k in ("environment", "Variables") and isinstance(v, dict)]
actions = [v for k, v in pairs if k in ("Action",)]
flat = [a for v in actions for a in (v if isinstance(v, list) else [v])]
ok = any(str(e.get("IOPIPE_PROFILER_ENABLED")).lower() == "true" for e in env) \
    and any("IOPIPE_PROFILER_S3_BUCKET" in e for e in env) \
    and flat == ["s3:PutObject"] and "jvmsnap/*" in text
sys.exit(not ok)
PY
}
check "serverless.yml: valid, profiler enabled, bucket set, only s3:PutObject on the prefix" yaml_check "$EX/serverless.yml"
check "template.yaml (SAM): valid, profiler enabled, bucket set, only s3:PutObject on the prefix" yaml_check "$EX/template.yaml"

# The runtimes the layer supports, from docs/lambda.md's table (the row marked "yes").
supported=$(awk -F'|' '$4 ~ /yes/ {print $2}' "$ROOT/docs/lambda.md" | grep -o 'java[0-9a-z.]*' | tr '\n' ' ')
check "docs/lambda.md names the supported runtimes (${supported:-none})" test -n "$supported"
check "template.yaml: the layer's CompatibleRuntimes are docs/lambda.md's ($supported), the function's Runtime one of them, and the function uses the layer" \
	/usr/bin/python3 - "$EX/template.yaml" $supported <<'PY'
import sys, yaml
class Loader(yaml.SafeLoader):
    pass
# Keep CloudFormation tags with their value: !Ref JvmsnapLayer -> {"Ref": "JvmsnapLayer"}
Loader.add_multi_constructor("!", lambda loader, suffix, node: {suffix: loader.construct_scalar(node)}
                             if isinstance(node, yaml.ScalarNode) else suffix)
res = yaml.load(open(sys.argv[1]), Loader=Loader)["Resources"]
layers = [k for k, v in res.items() if v["Type"] == "AWS::Serverless::LayerVersion"]
fns = [v["Properties"] for v in res.values() if v["Type"] == "AWS::Serverless::Function"]
runtimes = res[layers[0]]["Properties"]["CompatibleRuntimes"] if len(layers) == 1 else None
ok = runtimes is not None and sorted(runtimes) == sorted(sys.argv[2:]) and len(fns) == 1
ok = ok and fns[0]["Runtime"] in runtimes and {"Ref": layers[0]} in fns[0].get("Layers", [])
ok = ok and fns[0]["Environment"]["Variables"].get("AWS_LAMBDA_EXEC_WRAPPER") == "/opt/bin/jvmsnap-wrapper"
sys.exit(not ok)
PY
check "serverless.yml: the function's runtime is one docs/lambda.md supports, and it uses a jvmsnap layer" \
	/usr/bin/python3 - "$EX/serverless.yml" $supported <<'PY'
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
fns = list(doc["functions"].values())
ok = len(fns) == 1 and fns[0].get("runtime", doc["provider"]["runtime"]) in sys.argv[2:]
ok = ok and any(":layer:jvmsnap" in str(l) for l in fns[0].get("layers", []))
ok = ok and fns[0]["environment"].get("AWS_LAMBDA_EXEC_WRAPPER") == "/opt/bin/jvmsnap-wrapper"
sys.exit(not ok)
PY
finish

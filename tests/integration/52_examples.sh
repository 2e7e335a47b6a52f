#!/usr/bin/env bash
# The Lambda examples, with AWS's own tools: the handler (an HTTP API handler on
# aws-lambda-java-core and -events) builds with Maven into the jar the templates deploy and,
# with the container profile, into a jar holding AWS's Runtime Interface Client too, which
# runs under the agent behind AWS's Runtime Interface Emulator (tests/lambda/rie.sh), one
# snapshot per invocation; the SAM template passes cfn-lint, AWS's
# SAM translator turns it into CloudFormation, `serverless package` (v3) turns
# serverless.yml into CloudFormation, and both generated templates pass cfn-lint and give
# the function the layer, the agent's environment, and s3:PutObject on the snapshot prefix
# of the bucket passed as a parameter, nothing more.
. "$(dirname "$0")/lib.sh"
. "$ROOT/scripts/aws_tools.sh"
WORK=$(mktemp -d /tmp/jvmsnap-examples.XXXXXX)
SERVER_DIR=$WORK
RIE_WORK=$WORK
. "$ROOT/tests/lambda/rie.sh"
trap 'rie_stop; stop_servers; [ -n "${KEEP:-}" ] || rm -rf "$WORK"' EXIT
for need in "$RIE_BIN" "$CFN_LINT_BIN" "$SERVERLESS_BIN" mvn node curl python3 unshare; do
	command -v "$need" >/dev/null 2>&1 || { not_ok "prerequisite $need is missing (make test-deps)"; finish; exit 1; }
done
# A copy of the example, so that nothing is built inside the clone.
EX=$WORK/ex
mkdir -p "$EX"
cp -r "$ROOT/examples/serverless/." "$EX/"
rm -rf "$EX/target" "$EX/.serverless"
JAR=$EX/target/orders.jar
LINES=(200000 300000 400000) # one event each; tens of ms of work, so the sampler sees it

(cd "$EX" && mvn -o -q -B package >"$WORK/mvn.out" 2>&1)
check "mvn -q package (offline) builds target/orders.jar with aws-lambda-java-core and -events inside" \
	sh -c "unzip -l '$JAR' | grep -q 'com/amazonaws/services/lambda/runtime/RequestHandler.class' && unzip -l '$JAR' | grep -q 'events/APIGatewayV2HTTPEvent.class'"
(cd "$EX" && mvn -o -q -B -Pcontainer package >>"$WORK/mvn.out" 2>&1)
CJAR=$EX/target/orders-container.jar
check "mvn -q -Pcontainer package (offline) builds target/orders-container.jar with the RIC $RIC_VERSION inside" \
	sh -c "unzip -l '$CJAR' | grep -q 'runtime/api/client/AWSLambda.class'"

# The HTTP API (payload format 2.0) event for GET /orders?lines=N.
event() {
	printf '{"version":"2.0","routeKey":"GET /orders","rawPath":"/orders","rawQueryString":"lines=%s",' "$1"
	printf '"queryStringParameters":{"lines":"%s"},"headers":{"accept":"application/json"},' "$1"
	printf '"requestContext":{"http":{"method":"GET","path":"/orders","protocol":"HTTP/1.1","sourceIp":"127.0.0.1"},'
	printf '"routeKey":"GET /orders","stage":"$default","requestId":"r"},"isBase64Encoded":false}'
}
# The handler called directly: the totals the runs under the agent must answer with.
cat >"$WORK/Run.java" <<'J'
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import java.util.Map;
public class Run {
    public static void main(String[] a) {
        for (String lines : a) {
            var e = APIGatewayV2HTTPEvent.builder().withQueryStringParameters(Map.of("lines", lines)).build();
            var r = new example.OrderHandler().handleRequest(e, null);
            System.out.println(lines + " " + r.getStatusCode() + " " + r.getBody());
        }
    }
}
J
"$JAVA_HOME/bin/java" -cp "$JAR" "$WORK/Run.java" "${LINES[@]}" abc >"$WORK/direct" 2>&1
check "the handler runs (example.OrderHandler::handleRequest), and answers 400 to lines=abc" \
	sh -c "test \$(grep -c ' 200 {\"total_cents\":[0-9]*,\"signature\":\"[0-9a-f]\{64\}\"}$' '$WORK/direct') = ${#LINES[@]} && grep -q '^abc 400 ' '$WORK/direct'"

# --- the handler under the agent: RIE -> wrapper -> java + RIC -> the agent's proxy -> RIE,
# with the container jar alone on the classpath, as docs/lambda.md's container image runs it
rie_setup "$CJAR"
mkdir -p "$WORK/ev"
i=0
for n in "${LINES[@]}" abc; do
	i=$((i + 1))
	event "$n" >"$WORK/ev/$i"
done
D=$WORK/agent
rie_start "$D" agent _HANDLER=example.OrderHandler::handleRequest AWS_LAMBDA_FUNCTION_NAME=orders
for k in $(seq $i); do rie_invoke "$D" "req-$k" "$WORK/ev/$k"; done
rie_stop
check "the runtime ran with the agent, through the wrapper" grep -q 'Picked up JAVA_TOOL_OPTIONS: -agentpath:/opt/lib/libjvmsnap.so' "$D/rie.log"
check "each HTTP API answer: the handler's status and body, as called directly" \
	python3 - "$WORK/direct" "$D" "${LINES[@]}" abc <<'PY'
import json, sys
direct = {l.split(" ", 2)[0]: l.split(" ", 2)[1:] for l in open(sys.argv[1]) if l.strip()}
ok = True
for k, n in enumerate(sys.argv[3:], 1):
    a = json.load(open(f"{sys.argv[2]}/answer-req-{k}"))
    want = direct[n]
    ok = ok and str(a["statusCode"]) == want[0] and a["body"] == want[1].strip()
    ok = ok and a["headers"] == {"Content-Type": "application/json"}
sys.exit(not ok)
PY
init_zip=$(ls "$D"/snaps/*_init*.zip 2>/dev/null | head -n 1)
check "an init snapshot" test -n "$init_zip"
check "$((i + 1)) zips in all: init + one per invocation" test "$(ls "$D"/snaps/*.zip 2>/dev/null | wc -l)" = $((i + 1))
H=example.OrderHandler.handleRequest
for z in "$D"/snaps/*.zip; do
	nps_check --has $H --has example.OrderHandler.total "$z" >"$z.summary" 2>&1
	check "$(basename "$z"): loads in VisualVM's loader" grep -q '^NpsCheck: OK' "$z.summary"
done
check "init snapshot: the handler has not run yet" grep -qP "^has $H\tno\t" "${init_zip:-/nonexistent}.summary"
for k in 1 2 3; do
	z=$(rie_zip_of "$D/snaps" "req-$k")
	check "req-$k: its own snapshot, function orders, with OrderHandler.total in its call tree" \
		sh -c "[ -n '$z' ] && unzip -p '$z' metadata.json | grep -q '\"function_name\": \"orders\"' && grep -qP '^has example.OrderHandler.total\tyes\t' '$z.summary'"
done
check "no warning or error from the agent" sh -c "! grep -Eq 'jvmsnap: (warning|error)' '$D/rie.log'"

# --- the templates, by AWS's and the Serverless Framework's own tools
BUCKET=snapshots-test-0815 # a parameter value; neither template may carry it
"$CFN_LINT_BIN" "$EX/template.yaml" >"$WORK/lint-sam.out" 2>&1
check "cfn-lint $CFN_LINT_VERSION: template.yaml (SAM transform) has no error and no warning" \
	sh -c "test ! -s '$WORK/lint-sam.out'" || cat "$WORK/lint-sam.out"
# As `sam package` would: local artifacts become S3 locations; then AWS's SAM translator.
AWS_DEFAULT_REGION=us-east-1 "$CFN_LINT_DIR/bin/python" - "$EX/template.yaml" "$BUCKET" >"$WORK/sam.json" 2>"$WORK/sam.err" <<'PY'
import json, sys
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse
t = yaml_parse(open(sys.argv[1]).read())
for r in t["Resources"].values():
    for k in ("CodeUri", "ContentUri"):
        if k in r["Properties"]:
            r["Properties"][k] = "s3://artifacts/" + r["Properties"][k].rsplit("/", 1)[-1]
class NoManagedPolicies:  # the template names no managed policy to look up
    def load(self):
        return {}
out = transform(t, {"SnapshotBucket": sys.argv[2]}, NoManagedPolicies())
out["Parameters"]["SnapshotBucket"]["Default"] = sys.argv[2]  # for the checks below
json.dump(out, sys.stdout, indent=1)
PY
check "AWS's SAM translator $SAM_TRANSLATOR_VERSION turns template.yaml into CloudFormation" \
	sh -c "test -s '$WORK/sam.json'" || cat "$WORK/sam.err"
(cd "$EX" && SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off AWS_EC2_METADATA_DISABLED=true \
	"$SERVERLESS_BIN" package --param="snapshotBucket=$BUCKET" >"$WORK/sls.out" 2>&1)
SLS_CFN=$EX/.serverless/cloudformation-template-update-stack.json
check "serverless $SERVERLESS_VERSION package: serverless.yml packages, offline, with no warning" \
	sh -c "test -s '$SLS_CFN' && grep -q 'Service packaged' '$WORK/sls.out' && ! grep -qi warning '$WORK/sls.out'" || cat "$WORK/sls.out"
check "serverless package deploys target/orders.jar as the function's code" python3 - "$EX" <<'PY'
import json, sys
ex = sys.argv[1]
state = json.load(open(f"{ex}/.serverless/serverless-state.json"))
cfn = json.load(open(f"{ex}/.serverless/cloudformation-template-update-stack.json"))
code = [r["Properties"]["Code"] for r in cfn["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
ok = state["service"]["initialServerlessConfig"]["package"]["artifact"] == "target/orders.jar"
sys.exit(not (ok and len(code) == 1 and code[0]["S3Key"].endswith("/orders.jar")))
PY
# W3005 (a DependsOn that a Ref already implies) is in the HTTP API route the framework
# generates, not in anything serverless.yml says; everything else must pass.
"$CFN_LINT_BIN" --ignore-checks W3005 -- "$WORK/sam.json" "$SLS_CFN" >"$WORK/lint-gen.out" 2>&1
check "cfn-lint: both generated CloudFormation templates, no error and no warning (W3005 of the framework's route aside)" \
	sh -c "test ! -s '$WORK/lint-gen.out'" || cat "$WORK/lint-gen.out"

# gen_check CFN LABEL: one function; it has a jvmsnap layer, the wrapper and the profiler's
# settings in its environment (the bucket the parameter gave), and its role allows one S3
# action, s3:PutObject, on arn:aws:s3:::BUCKET/jvmsnap/* only.
gen_check() {
	python3 - "$1" "$BUCKET" <<'PY'
import json, re, sys
t = json.load(open(sys.argv[1]))
bucket = sys.argv[2]
res = t["Resources"]
params = {k: v.get("Default") for k, v in t.get("Parameters", {}).items()}
def val(v):  # resolves the intrinsics these templates use: Ref to a parameter, Fn::Sub
    if isinstance(v, dict) and "Ref" in v:
        return params.get(v["Ref"], v)
    if isinstance(v, dict) and "Fn::Sub" in v and isinstance(v["Fn::Sub"], str):
        return re.sub(r"\$\{([^}]+)\}", lambda m: str(params.get(m.group(1), m.group(0))), v["Fn::Sub"])
    return v
fns = [r for r in res.values() if r["Type"] == "AWS::Lambda::Function"]
ok = len(fns) == 1
f = fns[0]["Properties"]
env = {k: val(v) for k, v in f["Environment"]["Variables"].items()}
want = {"AWS_LAMBDA_EXEC_WRAPPER": "/opt/bin/jvmsnap-wrapper", "IOPIPE_PROFILER_ENABLED": "true",
        "IOPIPE_PROFILER_S3_BUCKET": bucket, "IOPIPE_PROFILER_S3_PREFIX": "jvmsnap/"}
ok = ok and all(env.get(k) == v for k, v in want.items())
layers = f.get("Layers", [])
layer_ok = any(isinstance(l, str) and ":layer:jvmsnap:" in l for l in layers) or any(
    isinstance(l, dict) and res.get(l.get("Ref"), {}).get("Type") == "AWS::Lambda::LayerVersion" for l in layers)
ok = ok and layer_ok
role = [r for r in res.values() if r["Type"] == "AWS::IAM::Role"]
stmts = [s for r in role for p in r["Properties"].get("Policies", []) for s in p["PolicyDocument"]["Statement"]]
s3 = [s for s in stmts if any(str(a).startswith("s3:") for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]]))]
acts = [a for s in s3 for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])]
resources = [val(x) for s in s3 for x in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])]
ok = ok and acts == ["s3:PutObject"] and resources == [f"arn:aws:s3:::{bucket}/jvmsnap/*"]
if not ok:
    print(env, layers, s3)
sys.exit(not ok)
PY
}
check "SAM's CloudFormation: the layer, the agent's environment with the parameter's bucket, s3:PutObject on BUCKET/jvmsnap/* only" \
	gen_check "$WORK/sam.json"
check "serverless's CloudFormation: the layer, the agent's environment with the parameter's bucket, s3:PutObject on BUCKET/jvmsnap/* only" \
	gen_check "$SLS_CFN"
check "neither template hard-codes the bucket the tests passed, and each names its bucket in one place" \
	sh -c "! grep -q '$BUCKET' '$EX/template.yaml' '$EX/serverless.yml' && test \$(grep -c 'my-snapshots' '$EX/serverless.yml') = 1"

# The runtimes the layer supports, from docs/lambda.md's table (the row marked "yes").
supported=$(awk -F'|' '$4 ~ /yes/ {print $2}' "$ROOT/docs/lambda.md" | grep -o 'java[0-9a-z.]*' | tr '\n' ' ')
check "docs/lambda.md names the supported runtimes (${supported:-none})" test -n "$supported"
check "SAM: the layer's CompatibleRuntimes are docs/lambda.md's ($supported), and the function's Runtime one of them" \
	python3 - "$WORK/sam.json" $supported <<'PY'
import json, sys
res = json.load(open(sys.argv[1]))["Resources"]
layers = [v["Properties"] for v in res.values() if v["Type"] == "AWS::Lambda::LayerVersion"]
fns = [v["Properties"] for v in res.values() if v["Type"] == "AWS::Lambda::Function"]
ok = len(layers) == 1 and sorted(layers[0]["CompatibleRuntimes"]) == sorted(sys.argv[2:])
sys.exit(not (ok and fns[0]["Runtime"] in sys.argv[2:]))
PY
check "serverless: the function's runtime is one docs/lambda.md supports" \
	python3 - "$SLS_CFN" $supported <<'PY'
import json, sys
res = json.load(open(sys.argv[1]))["Resources"]
fns = [v["Properties"] for v in res.values() if v["Type"] == "AWS::Lambda::Function"]
sys.exit(not (len(fns) == 1 and fns[0]["Runtime"] in sys.argv[2:]))
PY
finish

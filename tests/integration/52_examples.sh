#!/usr/bin/env bash
# The Lambda examples: the handler builds into the jar the templates point at, and runs
# under the agent through the same Runtime API loop as a deployed function; both
# templates are valid YAML that enable the profiler and grant only s3:PutObject.
. "$(dirname "$0")/lib.sh"
EX=$ROOT/examples/serverless
WORK=$(mktemp -d /tmp/jvmsnap-examples.XXXXXX)
trap 'rm -rf "$WORK" "$EX/build"' EXIT

check "build.sh builds build/libs/orders.jar" sh -c "'$EX/build.sh' >/dev/null && test -f '$EX/build/libs/orders.jar'"
check "the handler runs (example.OrderHandler::handleRequest)" sh -c "cat >'$WORK/Run.java' <<'J'
import java.util.Map;
public class Run {
    public static void main(String[] a) {
        System.out.println(new example.OrderHandler().handleRequest(Map.of(\"lines\", 50)).get(\"total_cents\"));
    }
}
J
'$JAVA_HOME/bin/java' -cp '$EX/build/libs/orders.jar' '$WORK/Run.java' | grep -Eq '^[0-9]+$'"

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
finish

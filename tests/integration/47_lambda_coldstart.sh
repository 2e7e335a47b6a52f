#!/usr/bin/env bash
# The agent's account of a Lambda cold start (jvmagent/coldstart.h): with debug on, one line
# at the init window's end gives the CPU time the process, the JVM's main thread (the agent's
# load and its VMInit callback within it), the agent thread (sampling within it) and the
# statistics' start had used. bench/lambda_coldstart.sh reads it; this checks it is there
# once, that its parts add up as thread clocks must, and that what it says about the first
# statistics column matches the init snapshot: a stats CSV with its begin and end columns
# when the first column was taken before init ended, at most the end column when it was
# not. No time is asserted: how long each part takes depends on the machine.
. "$(dirname "$0")/lib.sh"
WORK=$(mktemp -d /tmp/jvmsnap-coldstart.XXXXXX)
SERVER_DIR=$WORK
trap "stop_servers; [ -n \"${KEEP:-}\" ] || rm -rf $WORK" EXIT
for need in node curl python3; do
	command -v "$need" >/dev/null 2>&1 || { not_ok "prerequisite $need is missing"; finish; exit 1; }
done
mkdir -p "$WORK/api" "$WORK/snaps" "$WORK/task"
start_runtime_api "$WORK/api"

# run NAME MS [VAR=VALUE...]: an init of MS of work and one invocation of as long, debug on;
# a loaded machine may take longer than the default 250 ms to write the two zips after the
# response (a warning), which is not what this checks.
run() {
	local name=$1 init_ms=$2
	shift 2
	mkdir -p "$WORK/$name"
	curl -sf -X POST "http://127.0.0.1:$API_PORT/_test/event?id=$name&deadline=$(($(date +%s%3N) + 60000))" \
		-d '{"n":1,"kind":"plain"}' >/dev/null
	(cd "$WORK/task" && env -u AWS_SESSION_TOKEN JAVA_TOOL_OPTIONS="-agentpath:$AGENT" IOPIPE_PROFILER_ENABLED=true \
		IOPIPE_PROFILER_DEBUG=true IOPIPE_PROFILER_LAMBDA_BUDGET=10s AWS_LAMBDA_RUNTIME_API="127.0.0.1:$API_PORT" _HANDLER=example.Handler::handleRequest \
		LAMBDA_TASK_ROOT="$WORK/task" AWS_LAMBDA_FUNCTION_NAME=orders IOPIPE_PROFILER_LOCAL_DUMP_PATH="$WORK/$name/" "$@" \
		timeout 120 "$JAVA_HOME/bin/java" -cp "$JAVA_TESTS" FakeLambdaRuntime 1 "$init_ms" \
		>"$WORK/$name.stdout" 2>"$WORK/$name.stderr")
}

# account NAME: the init zip against the agent's line (python exits non-zero on a mismatch).
account() {
	python3 - "$WORK/$1.stderr" "$WORK/$1" <<'PY'
import glob, re, subprocess, sys
lines = [l for l in open(sys.argv[1], errors="replace") if "CPU at init end:" in l]
if len(lines) != 1:
    sys.exit(f"{len(lines)} 'CPU at init end' lines")
x = re.search(r"process ([0-9.]+) ms, JVM main thread ([0-9.]+) ms \(of which agent load ([0-9.]+) ms, "
              r"VMInit ([0-9.]+) ms\); agent thread ([0-9.]+) ms \(sampling ([0-9.]+) ms\); "
              r"statistics start ([0-9.]+) ms \((not done; )?([0-9]+) ms wall\), (.*)$", lines[0])
if not x:
    sys.exit("unparsed: " + lines[0])
proc, main, load, vminit, agent, sampling, stats = (float(x.group(i)) for i in range(1, 8))
done, first = x.group(8) is None, x.group(10)
problems = []
# Thread CPU clocks: the process's is the sum of its threads', each part inside its thread's.
if not proc >= main + agent + stats:
    problems.append(f"process {proc} < main {main} + agent thread {agent} + statistics {stats}")
if not (main >= load + vminit and load > 0 and vminit > 0):
    problems.append(f"main {main}, load {load}, VMInit {vminit}")
if not agent >= sampling > 0:
    problems.append(f"agent thread {agent}, sampling {sampling}")
if done != (stats > 0):
    problems.append(f"statistics start {stats} ms, done {done}")
took = re.match(r"first column ([0-9.]+) ms, taken ([0-9]+) ms after the agent's load$", first)
if not took and first != "no first column yet":
    problems.append("first column: " + first)
if took and not done:
    problems.append("a first column before the statistics started")
zips = glob.glob(sys.argv[2] + "/*_init.zip")
if len(zips) != 1:
    sys.exit(f"{len(zips)} init zips; {problems}")
names = subprocess.run(["unzip", "-Z1", zips[0]], capture_output=True, text=True).stdout.split()
csv = [n for n in names if n.endswith("_stat.csv")]
body = subprocess.run(["unzip", "-p", zips[0], csv[0]], capture_output=True, text=True).stdout if csv else ""
row = [l for l in body.splitlines() if l.startswith("AbsoluteTime (ns),")]
cells = row[0].split(",")[1:] if row else []
if any(int(a) > int(b) for a, b in zip(cells, cells[1:])):
    problems.append(f"init stats CSV columns out of order {cells}")
if took and len(cells) < 2:
    # The begin column (taken when the statistics had started) and the end column.
    problems.append(f"a first column was taken, but the init stats CSV has columns {cells}")
if not took and len(cells) > 1:
    # No begin column: no CSV, or (statistics started just as init ended) the end column alone.
    problems.append(f"no first column was taken, but the init stats CSV has columns {cells}")
print(f"process {proc}, main {main} (load {load}, VMInit {vminit}), agent {agent} (sampling {sampling}), "
      f"statistics {stats}, {first}")
if problems:
    sys.exit("; ".join(problems))
PY
}

# A 1 s init: the statistics start within it on any machine this runs on in practice,
# but the check holds either way (see account).
run long 1000
check "long init: runtime exits 0" grep -q 'status 202' "$WORK/long.stdout"
check "long init: the agent's CPU account matches its init snapshot" account long
# The same with the statistics read through the MXBeans (another start, same account).
run fallback 1000 IOPIPE_PROFILER_STATS_SOURCE=mxbean
check "MXBean statistics: the agent's CPU account matches its init snapshot" account fallback
# A near-empty init: whether the statistics made it or not, the zip says the same as the line.
run short 0
check "empty init: the agent's CPU account matches its init snapshot" account short
check "no warning or error from the agent" sh -c "! grep -Eq 'jvmsnap: (warning|error)' '$WORK'/*.stderr"
finish

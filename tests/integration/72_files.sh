#!/usr/bin/env bash
# The files the agent creates, with real JVMs: owner-only at every moment under umask 000
# (temporary files and created directories included, watched with inotify as they appear);
# 8 JVMs started together into one directory keep 8 snapshots, and with a fixed name the
# replacements are said; nothing under /dev is ever replaced (IOPIPE_PROFILER_LOCAL_DUMP_PATH
# =/dev/stdout, and a directory symlink leading into /dev), tried in a private mount
# namespace whose /dev is a tmpfs copy, so the machine's /dev is never at risk.
. "$(dirname "$0")/lib.sh"
WORK=$(mktemp -d /tmp/jvmsnap-files.XXXXXX)
BG=()
cleanup() {
	local p
	for p in "${BG[@]}"; do kill "$p" 2>/dev/null; done
	rm -rf "$WORK"
}
trap cleanup EXIT
JAVA=$JAVA_HOME/bin/java
WATCH=$ROOT/$BUILD/tests/watchmodes
check "watchmodes is built" test -x "$WATCH"
written_to() { sed -n 's/^jvmsnap: info: snapshot written to \(.*\) ([0-9]* bytes) in [0-9.]* ms$/\1/p' "$1"; }
valid() { nps_check "$1" 2>&1 | grep -q '^NpsCheck: OK'; }

# agent DIR [VAR=VALUE...]: one profiled JVM (StableOutput, exit code 0) working in DIR.
agent() {
	local dir=$1
	shift
	mkdir -p "$dir"
	(cd "$dir" && env -u JAVA_TOOL_OPTIONS IOPIPE_PROFILER_ENABLED=true "$@" timeout 60 "$JAVA" -agentpath:"$AGENT" \
		-cp "$JAVA_TESTS" StableOutput 0 400 >"$dir/stdout" 2>"$dir/stderr")
}

# ---- umask 000: every file and directory owner-only from the moment it appears ----
# Two witnesses: inotify sees entries as they appear (it may miss one that lives for a
# millisecond), and an LD_PRELOAD hook logs the mode of every file at the moment it is
# renamed or linked into place (it misses none).
HOOK=$WORK/renamehook.so
check "the rename hook builds" cc -shared -fPIC -o "$HOOK" "$ROOT/tests/files/renamehook.c" -ldl
# watched DIR LOG: starts a watcher on DIR writing LOG; waits until it watches.
watched() {
	"$WATCH" "$1" >"$2" &
	BG+=($!)
	for _ in $(seq 100); do grep -q ready "$2" 2>/dev/null && return 0; sleep 0.05; done
	return 1
}
OUT=$WORK/umask/out
mkdir -p "$OUT" "$WORK/umask/dirs"
check "umask: watching the dump directory" watched "$OUT" "$WORK/umask/files.log"
check "umask: watching where directories are created" watched "$WORK/umask/dirs" "$WORK/umask/dirs.log"
(umask 000 && agent "$WORK/umask/run1" IOPIPE_PROFILER_LOCAL_DUMP_PATH="$OUT/" LD_PRELOAD="$HOOK" \
	JVMSNAP_RENAME_LOG="$WORK/umask/renames.log")
(umask 000 && agent "$WORK/umask/run2" IOPIPE_PROFILER_LOCAL_DUMP_PATH="$WORK/umask/dirs/new/a/b/" LD_PRELOAD="$HOOK" \
	JVMSNAP_RENAME_LOG="$WORK/umask/renames.log")
sleep 0.3
kill "${BG[@]}" 2>/dev/null
sed 's/^/  files: /' "$WORK/umask/files.log"
sed 's/^/  dirs: /' "$WORK/umask/dirs.log"
sed 's/^/  renames: /' "$WORK/umask/renames.log"
check "umask: the zip was seen appearing" grep -qE '^[0-7]{4} f [^ ]*\.zip$' "$WORK/umask/files.log"
check "umask: the invocation summary beside it was seen appearing, 0600" grep -qE '^0600 f [^ ]*\.json$' "$WORK/umask/files.log"
check "umask: inotify saw no entry readable by others (all 0600)" \
	sh -c "! grep -vE '^(ready|0600 f .*|gone \? .*)$' '$WORK/umask/files.log'"
check "umask: both zips were put in place by a rename or link" \
	test "$(grep -cE " -> ($OUT/|$WORK/umask/dirs/new/a/b/)[^/]*\.zip$" "$WORK/umask/renames.log")" = 2
check "umask: every file put in place was 0600 at that moment" sh -c "! grep -v '^0600 ' '$WORK/umask/renames.log'"
check "umask: the created directory was 0700 from the start" grep -qx '0700 d new' "$WORK/umask/dirs.log"
check "umask: every created directory is 0700" test "$(stat -c %a "$WORK/umask/dirs/new" "$WORK/umask/dirs/new/a" "$WORK/umask/dirs/new/a/b" | sort -u)" = 700
z=$(written_to "$WORK/umask/run2/stderr")
check "umask: snapshot in the created directory is 0600" test "$(stat -c %a "$z")" = 600
check "umask: snapshot in the created directory is valid" valid "$z"

# ---- 8 JVMs at once into one directory ----
# together NAME [VAR=VALUE...]: 8 JVMs started at the same moment, all into $WORK/NAME/out.
together() {
	local name=$1 i pids=()
	shift
	mkdir -p "$WORK/$name/out"
	for i in 1 2 3 4 5 6 7 8; do
		agent "$WORK/$name/$i" IOPIPE_PROFILER_LOCAL_DUMP_PATH="$WORK/$name/out/" "$@" &
		pids+=($!)
	done
	wait "${pids[@]}"
	cat "$WORK/$name"/*/stderr >"$WORK/$name/all.stderr"
}
all_valid() { local z; for z in "$1"/*.zip; do valid "$z" || return 1; done; }
together conc
n=$(ls "$WORK/conc/out" | grep -c '\.zip$')
echo "measure: conc: $n zips from 8 JVMs; names: $(ls "$WORK/conc/out" | tr '\n' ' ')"
check "8 JVMs, timestamp names: 8 zips kept ($n)" test "$n" = 8
check "8 JVMs, timestamp names: 8 different paths written" test "$(written_to "$WORK/conc/all.stderr" | sort -u | wc -l)" = 8
check "8 JVMs, timestamp names: every zip valid" all_valid "$WORK/conc/out"
check "8 JVMs, timestamp names: no temporary file left" sh -c "! ls '$WORK/conc/out' | grep -q tmp"
together fixed IOPIPE_PROFILER_ALTERNATIVE_PREFIX=snap
replaced=$(grep -c '^jvmsnap: info: it replaced the file that was at .*/out/snap.zip' "$WORK/fixed/all.stderr")
echo "measure: fixed: $(ls "$WORK/fixed/out" | tr '\n' ' '); $replaced 'replaced' lines"
check "8 JVMs, fixed prefix: one zip, snap.zip, and its summary" test "$(ls "$WORK/fixed/out" | tr '\n' ' ')" = "snap.json snap.zip "
check "8 JVMs, fixed prefix: snap.zip valid" valid "$WORK/fixed/out/snap.zip"
check "8 JVMs, fixed prefix: 8 'snapshot written' lines, 7 say they replaced one ($replaced)" \
	sh -c "test \$(grep -c '^jvmsnap: info: snapshot written to ' '$WORK/fixed/all.stderr') = 8 && test $replaced = 7"

# ---- /dev is never written: in a private mount namespace with a tmpfs /dev ----
check "a private mount namespace can be made (unshare -m, as root)" unshare -m true
NS=$WORK/ns
mkdir -p "$NS/realdev" "$NS/run" "$NS/run2"
ln -s /dev "$NS/devlink"
cat >"$NS/inside.sh" <<SH
set -e
mount --make-rprivate /
mount --bind /dev "$NS/realdev"
mount -t tmpfs jvmsnap-dev /dev
for d in null zero random urandom full; do touch /dev/\$d; mount --bind "$NS/realdev/\$d" /dev/\$d; done
ln -s /proc/self/fd /dev/fd
ln -s /proc/self/fd/0 /dev/stdin
ln -s /proc/self/fd/1 /dev/stdout
ln -s /proc/self/fd/2 /dev/stderr
readlink /dev/stdout >"$NS/before"
cd "$NS/run"
env -u JAVA_TOOL_OPTIONS IOPIPE_PROFILER_ENABLED=true IOPIPE_PROFILER_ALTERNATIVE_PREFIX=snap \
	IOPIPE_PROFILER_LOCAL_DUMP_PATH=/dev/stdout timeout 60 "$JAVA" -agentpath:"$AGENT" -cp "$JAVA_TESTS" StableOutput 0 300 \
	>"$NS/run/stdout" 2>"$NS/run/stderr" || true
cd "$NS/run2"
env -u JAVA_TOOL_OPTIONS IOPIPE_PROFILER_ENABLED=true IOPIPE_PROFILER_ALTERNATIVE_PREFIX=snap \
	IOPIPE_PROFILER_LOCAL_DUMP_PATH="$NS/devlink/stderr" timeout 60 "$JAVA" -agentpath:"$AGENT" -cp "$JAVA_TESTS" StableOutput 0 300 \
	>"$NS/run2/stdout" 2>"$NS/run2/stderr" || true
{ stat -c '%F' /dev/stdout; readlink /dev/stdout; stat -c '%F' /dev/stderr; readlink /dev/stderr; ls /dev | sort; } >"$NS/after"
SH
check "namespace: the runs completed" unshare -m --propagation private bash "$NS/inside.sh"
sed 's/^/  after: /' "$NS/after" 2>/dev/null
check "/dev/stdout: still the symlink it was" sh -c "head -n 2 '$NS/after' | tr '\n' ' ' | grep -qx 'symbolic link /proc/self/fd/1 '"
check "/dev/stderr (through a directory symlink): still the symlink it was" sh -c "sed -n 3,4p '$NS/after' | tr '\n' ' ' | grep -qx 'symbolic link /proc/self/fd/2 '"
check "/dev: no file added" test "$(tail -n +5 "$NS/after" | tr '\n' ' ')" = "fd full null random stderr stdin stdout urandom zero "
for r in run run2; do
	check "$r: one warning says /dev is never written" test "$(grep -c '^jvmsnap: warning: cannot write .*: is under /dev, /proc or /sys' "$NS/$r/stderr")" = 1
	check "$r: the snapshot fell back to the working directory, valid" valid "$NS/$r/snap.zip"
	check "$r: the application's stdout is its own" test "$(head -n 1 "$NS/$r/stdout")" = "stable output: line 1"
done
finish

#!/usr/bin/env bash
# Bad input never harms the application: for every setting, malformed, empty, huge and
# non-UTF-8 values through the environment and through agent options; dump paths that
# cannot be written (read-only file system, missing directory, full device, /dev/full),
# a symlink to a file that must not be overwritten (kept, never followed), hostile
# prefixes. Each case: the application's stdout and exit code are those of a run without
# the agent, each bad value gets exactly one `jvmsnap: warning:` line, and a valid
# snapshot is still written somewhere sensible (checked with VisualVM's loader).
#
# Limits of the test itself, not of the agent:
# - huge: an environment string cannot exceed 128 KiB on Linux (MAX_ARG_STRLEN, for the
#   name, '=' and value), so env values are 128 KiB - name - 2 bytes; option values are
#   the full 1 MiB, passed through a JVM @argfile.
# - NUL: neither carries one. execve() takes C strings, and the JVM hands the agent its
#   options as a C string, so a value "a<NUL>b" reaches the agent as "a". The fuzz target
#   tests/fuzz/fuzz_config.c covers every other byte.
. "$(dirname "$0")/lib.sh"
WORK=$(mktemp -d /tmp/jvmsnap-badin.XXXXXX)
MOUNTS=()
cleanup() {
	local m
	for m in "${MOUNTS[@]}"; do umount "$m" 2>/dev/null; done
	rm -rf "$WORK"
}
trap cleanup EXIT
JAVA=$JAVA_HOME/bin/java
APP=(-cp "$JAVA_TESTS" StableOutput 7 300)

# Every variable and its option key (docs/configuration.md, plus sampler and overhead).
SETTINGS=(
	IOPIPE_PROFILER_SAMPLERATE:samplerate IOPIPE_PROFILER_LOCAL_DUMP_PATH:file
	IOPIPE_PROFILER_ALTERNATIVE_PREFIX:prefix IOPIPE_PROFILER_DEBUG:debug
	IOPIPE_PROFILER_DEPTH:depth IOPIPE_PROFILER_MEMORY_MB:memory
	IOPIPE_PROFILER_STATS_INTERVAL:statsinterval IOPIPE_PROFILER_THREAD_CONTENTION:contention
	IOPIPE_PROFILER_S3_BUCKET:bucket IOPIPE_PROFILER_S3_PREFIX:s3prefix
	IOPIPE_PROFILER_S3_REGION:region IOPIPE_PROFILER_S3_ENDPOINT:endpoint
	IOPIPE_PROFILER_UPLOAD_BUDGET:uploadbudget IOPIPE_PROFILER_SAMPLER:sampler
	IOPIPE_PROFILER_OVERHEAD:overhead IOPIPE_PROFILER_STATS_SOURCE:statssource
	IOPIPE_PROFILER_STATS_USER_TIME:statsusertime
)
# Malformed values, one per setting (file and prefix: literal names, see below; the
# malformed and non-UTF-8 dump paths have their own cases, as the agent can use them).
declare -A MALFORMED=(
	[samplerate]=abc [debug]=verbose [depth]=deep [memory]=lots [statsinterval]=-1s
	[contention]=maybe [bucket]=$'my\tbucket' [s3prefix]=$'a\tb' [region]=$'eu\x01west'
	[endpoint]=$'http://\x7f' [uploadbudget]=forever [sampler]=sometimes [overhead]=lots%
	[prefix]=../../etc/passwd [statssource]=jmx [statsusertime]=sometimes
)

# Clears every IOPIPE_PROFILER_* variable the caller's environment may hold.
CLEAN=()
for s in "${SETTINGS[@]}" IOPIPE_PROFILER_ENABLED:enabled; do CLEAN+=(-u "${s%%:*}"); done

# run NAME [VAR=VALUE...] -- [JVM ARGS...]: the app in $WORK/NAME (its working directory).
run() {
	local name=$1 dir=$WORK/$1
	shift
	local vars=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do vars+=("$1"); shift; done
	shift
	mkdir -p "$dir"
	(cd "$dir" && env "${CLEAN[@]}" "${vars[@]}" timeout 60 "$JAVA" "$@" "${APP[@]}" \
		>"$dir/stdout" 2>"$dir/stderr")
	echo $? >"$dir/rc"
}

# The reference: no agent.
run baseline --
check "baseline: the app exits 7" test "$(cat "$WORK/baseline/rc")" = 7

same_app() { # same_app NAME: stdout and exit code as without the agent
	cmp -s "$WORK/baseline/stdout" "$WORK/$1/stdout" && cmp -s "$WORK/baseline/rc" "$WORK/$1/rc"
}
valid() { nps_check "$1" 2>&1 | grep -q '^NpsCheck: OK'; }
warnings() { grep -c '^jvmsnap: warning:' "$WORK/$1/stderr"; }
# one_line NAME TEXT: exactly one warning line holds TEXT (fixed string).
one_line() { test "$(grep '^jvmsnap: warning:' "$WORK/$1/stderr" | grep -cF -- "$2")" = 1; }
written_to() { # written_to NAME: the path the agent says it wrote
	sed -n 's/^jvmsnap: info: snapshot written to \(.*\) ([0-9]* bytes) in [0-9.]* ms$/\1/p' "$WORK/$1/stderr" | tail -n 1
}
common_checks() { # common_checks NAME DESC
	check "$2: app stdout and exit code unchanged" same_app "$1"
	check "$2: no error line" sh -c "! grep -q '^jvmsnap: error' '$WORK/$1/stderr'"
	local p
	p=$(written_to "$1")
	case "$p" in /*) ;; *) p=$WORK/$1/$p ;; esac
	check "$2: snapshot written and valid (${p#"$WORK/"})" valid "$p"
	check "$2: snapshot is owner-only (0600)" test "$(stat -c %a "$p" 2>/dev/null)" = 600
}

# ---- every setting at once with a bad value, per kind and per channel ----
huge_env_value() { # 128 KiB minus "NAME=" and the NUL
	head -c $((131072 - ${#1} - 2)) /dev/zero | tr '\0' x
}
HUGE=$(head -c 1048576 /dev/zero | tr '\0' x)
NONUTF8=$'\xff\xfe\xc0\x80\xed\xa0\x80'
for kind in malformed empty huge nonutf8; do
	# Environment: all settings bad at once, except that huge values are split in three
	# runs (the kernel caps argv + environment at a quarter of the stack limit).
	groups=("${SETTINGS[*]}")
	[ $kind = huge ] && groups=("${SETTINGS[*]:0:5}" "${SETTINGS[*]:5:5}" "${SETTINGS[*]:10}")
	g=0
	for group in "${groups[@]}"; do
		g=$((g + 1))
		name=env-$kind-$g
		vars=(IOPIPE_PROFILER_ENABLED=true)
		expect=()
		for s in $group; do
			var=${s%%:*} key=${s#*:}
			case $kind in
			malformed) [ $key = file ] && continue; v=${MALFORMED[$key]} ;;
			empty) v= ;;
			huge) v=$(huge_env_value "$var") ;;
			nonutf8) [ $key = file ] && continue; v=$NONUTF8 ;;
			esac
			vars+=("$var=$v")
			expect+=("$var='")
		done
		run "$name" "${vars[@]}" -- -agentpath:"$AGENT"
		for e in "${expect[@]}"; do
			check "$name: exactly one warning for ${e%=\'}" one_line "$name" "$e"
		done
		check "$name: no other warning (${#expect[@]} expected)" test "$(warnings "$name")" = ${#expect[@]}
		common_checks "$name" "$name"
	done

	# Options: all in one -agentpath string; huge ones through an @argfile (1 MiB each).
	opts=enabled=true
	expect=()
	for s in "${SETTINGS[@]}"; do
		key=${s#*:}
		case $kind in
		malformed) [ $key = file ] && continue; v=${MALFORMED[$key]} ;;
		empty) v= ;;
		huge) v=$HUGE ;;
		nonutf8) [ $key = file ] && continue; v=$NONUTF8 ;;
		esac
		# An option value ends at ',', and tabs would split the argfile: use other bytes.
		v=${v//$'\t'/$'\x02'}
		opts+=",$key=$v"
		expect+=("option $key='")
	done
	name=opt-$kind
	mkdir -p "$WORK/$name"
	if [ $kind = huge ]; then
		printf '%s\n' "-agentpath:$AGENT=$opts" >"$WORK/$name.args"
		run "$name" -- "@$WORK/$name.args"
	else
		run "$name" -- "-agentpath:$AGENT=$opts"
	fi
	for e in "${expect[@]}"; do
		check "$name: exactly one warning for ${e%=\'}" one_line "$name" "$e"
	done
	check "$name: no other warning (${#expect[@]} expected)" test "$(warnings "$name")" = ${#expect[@]}
	common_checks "$name" "$name"
done
# The warnings show a short printable excerpt, never the megabyte.
check "huge values are shown shortened in warnings (longest line < 300 bytes)" \
	test "$(awk '{ if (length($0) > m) m = length($0) } END {print m + 0}' "$WORK/opt-huge/stderr")" -lt 300

# ---- enabled: anything but "true" leaves the agent inert and silent (documented) ----
for v in maybe "" "$NONUTF8" yes; do
	name=enabled-$(printf '%s' "$v" | od -An -tx1 | tr -d ' \n' | head -c 12)
	run "$name" IOPIPE_PROFILER_ENABLED="$v" IOPIPE_PROFILER_LOCAL_DUMP_PATH="$WORK/$name/" -- -agentpath:"$AGENT"
	check "enabled='$(printf '%q' "$v")': inert: app unchanged, no jvmsnap line, no file" sh -c \
		"cmp -s '$WORK/baseline/stdout' '$WORK/$name/stdout' && cmp -s '$WORK/baseline/rc' '$WORK/$name/rc' \
		 && ! grep -q jvmsnap '$WORK/$name/stderr' && test -z \"\$(ls '$WORK/$name' | grep -v -e stdout -e stderr -e rc)\""
done

# ---- debug with profiling off: the loader reads config.c's spellings, else stays silent ----
for v in 1 yes ON true no 0 verbose; do
	name=inert-debug-$v
	run "$name" IOPIPE_PROFILER_DEBUG="$v" IOPIPE_PROFILER_LOCAL_DUMP_PATH="$WORK/$name/" -- -agentpath:"$AGENT"
	case $v in no | 0 | verbose) want=0 ;; *) want=1 ;; esac
	check "debug=$v, profiling off: $want line(s) (the inactive debug line), app unchanged" sh -c \
		"cmp -s '$WORK/baseline/stdout' '$WORK/$name/stdout' && cmp -s '$WORK/baseline/rc' '$WORK/$name/rc' \
		 && test \"\$(grep -c jvmsnap '$WORK/$name/stderr')\" = $want \
		 && test \"\$(grep -c '^jvmsnap: debug: profiler inactive' '$WORK/$name/stderr')\" = $want"
done

# ---- dump paths ----
# path_case NAME PATH DESC: the path cannot be written; one warning names it, the snapshot
# falls back to the working directory (the default location).
path_case() {
	local name=$1 path=$2 desc=$3
	run "$name" IOPIPE_PROFILER_ENABLED=true IOPIPE_PROFILER_ALTERNATIVE_PREFIX=snap \
		IOPIPE_PROFILER_LOCAL_DUMP_PATH="$path" -- -agentpath:"$AGENT"
	check "$desc: one warning" test "$(warnings "$name")" = 1
	check "$desc: the warning says what could not be written" grep -qF "jvmsnap: warning: cannot write" "$WORK/$name/stderr"
	check "$desc: falls back to the working directory" test "$(written_to "$name")" = snap.zip
	common_checks "$name" "$desc"
}

# Root ignores permission bits, so read-only means a read-only file system: a tmpfs we
# mount read-only (or, without mount rights, sysfs, which refuses new files even to root).
RO=$WORK/mnt-ro
mkdir -p "$RO"
if mount -t tmpfs -o ro,size=1m jvmsnap-ro "$RO" 2>/dev/null; then
	MOUNTS+=("$RO")
	ro_path=$RO/
else
	ro_path=/sys/kernel/
fi
path_case ro "$ro_path" "read-only file system ($ro_path)"
check "read-only: the reason is given" grep -qE 'cannot write .*: .*(Read-only|Permission|denied)' "$WORK/ro/stderr"

path_case nodir "$WORK/no/such/dir/out.zip" "missing directory (no trailing /)"
# With a trailing '/' the directory is created (documented).
run mkdirs IOPIPE_PROFILER_ENABLED=true IOPIPE_PROFILER_ALTERNATIVE_PREFIX=snap \
	IOPIPE_PROFILER_LOCAL_DUMP_PATH="$WORK/new/a/b/" -- -agentpath:"$AGENT"
check "missing directory with trailing /: created, no warning" test "$(warnings mkdirs)" = 0
check "missing directory with trailing /: snapshot valid there" valid "$WORK/new/a/b/snap.zip"

FULL=$WORK/mnt-full
mkdir -p "$FULL"
if mount -t tmpfs -o size=64k jvmsnap-full "$FULL" 2>/dev/null; then
	MOUNTS+=("$FULL")
	dd if=/dev/zero of="$FULL/filler" bs=4k 2>/dev/null
	check "full device: the tmpfs is full" test "$(df --output=avail "$FULL" | tail -n 1 | tr -d ' ')" = 0
	path_case full "$FULL/" "full device (64 KiB tmpfs, filled)"
	check "full device: no temporary file left behind" test "$(ls "$FULL")" = filler
else
	not_ok "full device: cannot mount a tmpfs here (needs CAP_SYS_ADMIN)"
fi
path_case devfull /dev/full "/dev/full"
check "/dev/full is still a character device" test -c /dev/full

# A symlink at the target path pointing at a sensitive file: the link stays (it leads out
# of the dump directory), and the file it points at stays byte for byte the same.
SECRET=$WORK/secret/passwd
mkdir -p "$WORK/secret" "$WORK/linkdir"
printf 'root:x:0:0:root:/root:/bin/bash\n' >"$SECRET"
chmod 600 "$SECRET"
sum_before=$(sha256sum "$SECRET")
ln -s "$SECRET" "$WORK/linkdir/snap.zip"
run symlink IOPIPE_PROFILER_ENABLED=true IOPIPE_PROFILER_ALTERNATIVE_PREFIX=snap \
	IOPIPE_PROFILER_LOCAL_DUMP_PATH="$WORK/linkdir/" -- -agentpath:"$AGENT"
check "symlink to a sensitive file: the file is unchanged" test "$(sha256sum "$SECRET")" = "$sum_before"
check "symlink to a sensitive file: its mode is unchanged" test "$(stat -c %a "$SECRET")" = 600
# A link leading out of the dump directory is never replaced (it may be /dev/stdout, or a
# path another user prepared): it stays, the zip goes next to it, and one warning says so.
check "symlink to a sensitive file: the link is left as it was" \
	test "$(readlink "$WORK/linkdir/snap.zip")" = "$SECRET"
check "symlink to a sensitive file: the zip is written next to it (snap-1.zip)" \
	test "$(written_to symlink)" = "$WORK/linkdir/snap-1.zip"
check "symlink to a sensitive file: one warning says the link was kept" \
	test "$(grep -c '^jvmsnap: warning: .*/linkdir/snap.zip is a symlink leading out of its directory: left as it is' "$WORK/symlink/stderr")" = 1
common_checks symlink "symlink to a sensitive file"
# A symlink named as the zip itself (no trailing /, IOpipe's file meaning) is the same case.
ln -s "$SECRET" "$WORK/linkdir/named.zip"
run symlink2 IOPIPE_PROFILER_ENABLED=true IOPIPE_PROFILER_LOCAL_DUMP_PATH="$WORK/linkdir/named.zip" -- -agentpath:"$AGENT"
check "symlink given as the zip path: the file is unchanged" test "$(sha256sum "$SECRET")" = "$sum_before"
check "symlink given as the zip path: the link is left as it was, the zip is named-1.zip" \
	sh -c "test \"\$(readlink '$WORK/linkdir/named.zip')\" = '$SECRET' && test -f '$WORK/linkdir/named-1.zip'"
common_checks symlink2 "symlink given as the zip path"

# A path through a regular file cannot be created: one warning, the default location.
printf 'not a directory\n' >"$WORK/regular.txt"
path_case notdir "$WORK/regular.txt/x.zip" "path through a regular file"

# ---- dump paths: malformed and non-UTF-8 names ----
# Linux names are bytes: a non-UTF-8 directory and a name with control bytes and a newline
# are usable, so the snapshot is written exactly there, without a warning, and the newline
# cannot forge a second log line. Through the variable and through the option.
# path_written NAME FILE DESC: FILE holds the snapshot; stderr is the agent's lines only.
path_written() {
	local name=$1 file=$2 desc=$3
	check "$desc: app stdout and exit code unchanged" same_app "$name"
	check "$desc: no warning, no error" sh -c "! grep -Eq '^jvmsnap: (warning|error)' '$WORK/$name/stderr'"
	check "$desc: one 'snapshot written' line" test "$(grep -c '^jvmsnap: info: snapshot written to ' "$WORK/$name/stderr")" = 1
	check "$desc: every stderr line is one of the agent's" sh -c "! grep -qv '^jvmsnap: ' '$WORK/$name/stderr'"
	# VisualVM's loader is Java, which cannot name a non-UTF-8 file: it reads a copy.
	cp "$file" "$WORK/$name.check.zip" 2>/dev/null
	check "$desc: snapshot written at the given name, and valid" valid "$WORK/$name.check.zip"
	check "$desc: snapshot is owner-only (0600)" test "$(stat -c %a "$file" 2>/dev/null)" = 600
}
BADDIR=d$NONUTF8
BADNAME=$'m\x01a\tb\nc.zip'
run pnonutf8 IOPIPE_PROFILER_ENABLED=true IOPIPE_PROFILER_ALTERNATIVE_PREFIX=snap \
	IOPIPE_PROFILER_LOCAL_DUMP_PATH="$WORK/pnonutf8/$BADDIR/" -- -agentpath:"$AGENT"
path_written pnonutf8 "$WORK/pnonutf8/$BADDIR/snap.zip" "non-UTF-8 dump directory (variable)"
run pnonutf8opt -- "-agentpath:$AGENT=enabled=true,prefix=snap,file=$WORK/pnonutf8opt/$BADDIR/"
path_written pnonutf8opt "$WORK/pnonutf8opt/$BADDIR/snap.zip" "non-UTF-8 dump directory (option)"
run pmalformed IOPIPE_PROFILER_ENABLED=true IOPIPE_PROFILER_LOCAL_DUMP_PATH="$WORK/pmalformed/$BADNAME" -- -agentpath:"$AGENT"
path_written pmalformed "$WORK/pmalformed/$BADNAME" "dump file name with control bytes and a newline (variable)"
run pmalformedopt -- "-agentpath:$AGENT=enabled=true,file=$WORK/pmalformedopt/$BADNAME"
path_written pmalformedopt "$WORK/pmalformedopt/$BADNAME" "dump file name with control bytes and a newline (option)"

# ---- prefixes ----
prefix_case() { # prefix_case NAME VALUE EXPECTED_ZIP DESC [WARNINGS]
	local name=$1 value=$2 zip=$3 desc=$4 nwarn=${5:-1}
	run "$name" IOPIPE_PROFILER_ENABLED=true IOPIPE_PROFILER_LOCAL_DUMP_PATH="$WORK/$name/out/" \
		IOPIPE_PROFILER_ALTERNATIVE_PREFIX="$value" -- -agentpath:"$AGENT"
	check "$desc: $nwarn warning(s)" test "$(warnings "$name")" = "$nwarn"
	if [ -n "$zip" ]; then
		check "$desc: written as out/$zip" test "$(written_to "$name")" = "$WORK/$name/out/$zip"
	else
		check "$desc: timestamp name in out/" sh -c "written_to() { :; }; ls '$WORK/$name/out' | grep -qE '^[0-9]{8}_[0-9]{6}(_[0-9]+)?\.zip$'"
	fi
	check "$desc: nothing written outside out/" test "$(ls "$WORK/$name")" = "$(printf 'out\nrc\nstderr\nstdout')"
	common_checks "$name" "$desc"
}
prefix_case pdotdot ../../../tmp/evil tmpevil.zip "prefix ../../../tmp/evil"
prefix_case pslash / "" "prefix /"
prefix_case pabs /etc/passwd etcpasswd.zip "prefix /etc/passwd"
long=$(printf 'p%.0s' $(seq 300))
prefix_case plong "$long" "$(printf 'p%.0s' $(seq 100)).zip" "prefix of 300 characters (kept: 100)"
prefix_case pdots '...hidden' hidden.zip "prefix ...hidden (no hidden file)"
# Through the option too, for the ../ case.
run popt IOPIPE_PROFILER_ENABLED=true IOPIPE_PROFILER_LOCAL_DUMP_PATH="$WORK/popt/out/" -- \
	"-agentpath:$AGENT=prefix=../x/../y"
check "option prefix=../x/../y: one warning" test "$(warnings popt)" = 1
check "option prefix=../x/../y: written as out/x.y.zip" test "$(written_to popt)" = "$WORK/popt/out/x.y.zip"
common_checks popt "option prefix=../x/../y"
finish

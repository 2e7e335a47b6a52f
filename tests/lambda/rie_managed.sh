# shellcheck shell=bash
# A Java function under AWS's Runtime Interface Emulator in its Lambda Managed Instances mode.
# The RIE (cmd/aws-lambda-rie/main.go) switches to that mode when AWS_LAMBDA_MAX_CONCURRENCY
# is set, and then, as Lambda does for a zip function, does not run a bootstrap named on its
# command line: it runs the first of /var/runtime/bootstrap, /var/task/bootstrap and
# /opt/bootstrap that exists, in /var/task (which must exist), as uid 993 gid 990
# (internal/lambda-managed-instances/rapid/handlers.go, prepareRuntimeBootstrap;
# supervisor/local/process.go, NewProcessSupervisor). So the RIE runs chrooted into a root of
# the test's own: mount points in a mktemp folder, filled by bind mounts in a private mount
# namespace (unshare -m: they vanish with it), the host's /usr and /etc read-only. Nothing is
# written to the host's /opt, /var/task or /var/runtime.
#
#   /var/runtime   bootstrap (a managed Java runtime's: the exec wrapper, when set, runs java
#                  with AWS's Runtime Interface Client), lib/ the RIC's native client
#   /var/task      the function: lib/ holds probe.jar and its libraries (the RIC among them)
#   /opt           this build laid out as the layer (rie_layer)
#   /tmp, /snaps   the run's own folders, writable by uid 993 (/snaps: the local dump path)
#   /rie           the RIE binary's folder
#
# Sourced after tests/lambda/rie.sh (its rie_layer, rie_ric_jni, rie_relay, rie_env,
# rie_wait_up), by tests/integration/48_lambda_rie_managed.sh.

# rie_mi_setup JDK CLASSPATH: the sandbox's files in $RIE_WORK (runtime/, task/, opt/) and the
# root with its mount points ($RIE_WORK/root); java from JDK, the function's CLASSPATH.
rie_mi_setup() {
	local jdk=$1 jar d
	rie_layer
	mkdir -p "$RIE_WORK/runtime/lib" "$RIE_WORK/task/lib"
	for jar in ${2//:/ }; do cp "$jar" "$RIE_WORK/task/lib/"; done
	rie_ric_jni "$2" && mv "$RIE_WORK/libaws-lambda-jni.so" "$RIE_WORK/runtime/lib/"
	# It says who and where it runs as (the test checks the RIE's rules) and leaves its pid
	# (java's, after exec) for rie_mi_stop.
	cat >"$RIE_WORK/runtime/bootstrap" <<EOF
#!/bin/sh
echo "bootstrap: uid \$(id -u) gid \$(id -g) cwd \$(pwd)" >&2
echo \$\$ >/tmp/runtime.pid
[ -n "\${RELAY:-}" ] && export AWS_LAMBDA_RUNTIME_API="\$RELAY"
exec \${AWS_LAMBDA_EXEC_WRAPPER:-} "$jdk/bin/java" -XX:+UseSerialGC \\
	-Dcom.amazonaws.services.lambda.runtime.api.client.runtimeapi.NativeClient.JNI=/var/runtime/lib/libaws-lambda-jni.so \\
	-cp '/var/task/lib/*' com.amazonaws.services.lambda.runtime.api.client.AWSLambda "\$_HANDLER"
EOF
	chmod 755 "$RIE_WORK/runtime/bootstrap"
	for d in usr etc proc dev sys opt var/task var/runtime tmp snaps rie; do mkdir -p "$RIE_WORK/root/$d"; done
	# /bin, /lib, ... as on the host: links into /usr (merged /usr), or bound like /usr.
	for d in bin lib lib32 lib64 sbin; do
		if [ -L "/$d" ]; then
			ln -s "$(readlink "/$d")" "$RIE_WORK/root/$d"
		elif [ -d "/$d" ]; then
			mkdir -p "$RIE_WORK/root/$d" && echo "$d" >>"$RIE_WORK/root.binds"
		fi
	done
	touch "$RIE_WORK/root.binds"
}

# rie_mi_start DIR MODE [VAR=VALUE...]: one function (MODE agent|plain) under a fresh RIE in
# its managed-instances mode (AWS_LAMBDA_MAX_CONCURRENCY=${RIE_MI_CONCURRENCY:-3}), the runtime
# talking to tests/lambda/record_proxy.js in front of the RIE (record in DIR/relay). The RIE's
# and the runtime's output in DIR/rie.log, snapshots in DIR/snaps/. Sets RIE_INVOKE.
rie_mi_start() {
	local dir=$1 mode=$2 rie_port api_port
	shift 2
	mkdir -p "$dir/relay" "$dir/snaps" "$dir/tmp"
	chmod 1777 "$dir/snaps" "$dir/tmp"
	RIE_MI_DIRS+=("$dir")
	read -r rie_port api_port < <(rie_free_ports)
	rie_relay "$dir" "$api_port"
	rie_env "$mode" "$RIE_RELAY_ADDR" /tmp /snaps/ AWS_LAMBDA_MAX_CONCURRENCY="${RIE_MI_CONCURRENCY:-3}" "$@"
	# shellcheck disable=SC2016 # expanded by the inner sh
	unshare -m sh -c '
		r=$1/root w=$1 d=$2 rie=$3
		shift 3
		set -e
		mount --bind -o ro /usr "$r/usr"
		mount --bind -o ro /etc "$r/etc"
		for b in $(cat "$w/root.binds"); do mount --bind -o ro "/$b" "$r/$b"; done
		mount --rbind /proc "$r/proc"
		mount --rbind /dev "$r/dev"
		mount --rbind /sys "$r/sys"
		mount --bind -o ro "$w/opt" "$r/opt"
		mount --bind -o ro "$w/task" "$r/var/task"
		mount --bind -o ro "$w/runtime" "$r/var/runtime"
		mount --bind "$d/tmp" "$r/tmp"
		mount --bind "$d/snaps" "$r/snaps"
		mount --bind -o ro "$rie" "$r/rie"
		exec chroot "$r" "$@"' sh "$RIE_WORK" "$dir" "$(dirname "$RIE_BIN")" \
		/usr/bin/env -i "${RIE_ENV[@]}" /rie/"$(basename "$RIE_BIN")" \
		--runtime-interface-emulator-address "127.0.0.1:$rie_port" \
		--runtime-api-address "127.0.0.1:$api_port" --log-level info >"$dir/rie.log" 2>&1 &
	RIE_PIDS+=($!)
	rie_wait_up "$rie_port"
}

# rie_mi_stop: the RIEs started, then any runtime that outlived its RIE (by the pid its
# bootstrap left).
RIE_MI_DIRS=()
rie_mi_stop() {
	local d pid
	rie_stop
	for d in "${RIE_MI_DIRS[@]}"; do
		pid=$(cat "$d/tmp/runtime.pid" 2>/dev/null)
		[ -n "$pid" ] && grep -qa AWSLambda "/proc/$pid/cmdline" 2>/dev/null && kill -9 "$pid"
	done
	RIE_MI_DIRS=()
}

# rie_mi_waiting DIR: how many GET .../next calls wait at the RIE now (arrived at the relay,
# not answered yet).
rie_mi_waiting() {
	local arrived answered
	arrived=$(cat "$1/relay/arrivals.jsonl" 2>/dev/null | grep -c '/invocation/next"')
	answered=$(cat "$1/relay/requests.jsonl" 2>/dev/null | grep -c '/invocation/next"')
	echo $((arrived - answered))
}

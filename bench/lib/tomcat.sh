# bench/lib/tomcat.sh — a private Tomcat 10 instance on 127.0.0.1 (never the system service):
# create it, start it with a configuration's JVM options, load it with wrk, stop it.
# Sourced by bench/run.sh, which reads the TOMCAT_* and STOP_* results.
# shellcheck disable=SC2034

TOMCAT_HOME=/usr/share/tomcat10
EXAMPLES_DIR=/usr/share/tomcat10-examples/examples

# A loopback port nobody listens on, in 20000-39999.
free_port() {
	local p i
	for ((i = 0; i < 200; i++)); do
		p=$((20000 + RANDOM % 20000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || {
			echo "$p"
			return 0
		}
	done
	die "no free loopback port found"
}

# tomcat_create BASE PORT: CATALINA_BASE with our own server.xml (HTTP on 127.0.0.1:PORT only,
# no shutdown port, no access log) and the examples webapp deployed from Debian's package.
tomcat_create() {
	local base=$1 port=$2 f
	mkdir -p "$base"/{conf/Catalina/localhost,logs,temp,webapps,work}
	for f in web.xml context.xml catalina.properties logging.properties; do
		cp "/etc/tomcat10/$f" "$base/conf/$f"
	done
	# Console logging only (into our per-run log file), no rotating files in CATALINA_BASE/logs.
	cat >"$base/conf/logging.properties" <<-'EOF'
		handlers = java.util.logging.ConsoleHandler
		.handlers = java.util.logging.ConsoleHandler
		.level = INFO
		java.util.logging.ConsoleHandler.level = INFO
		java.util.logging.ConsoleHandler.formatter = org.apache.juli.OneLineFormatter
	EOF
	cat >"$base/conf/server.xml" <<-EOF
		<?xml version="1.0" encoding="UTF-8"?>
		<!-- jvmsnap bench: private instance, loopback only, no shutdown port. -->
		<Server port="-1" shutdown="SHUTDOWN">
		  <Listener className="org.apache.catalina.startup.VersionLoggerListener" />
		  <Service name="Catalina">
		    <Connector port="$port" address="127.0.0.1" protocol="HTTP/1.1"
		               connectionTimeout="20000" />
		    <Engine name="Catalina" defaultHost="localhost">
		      <Host name="localhost" appBase="webapps" unpackWARs="false" autoDeploy="false" />
		    </Engine>
		  </Service>
		</Server>
	EOF
	cat >"$base/conf/Catalina/localhost/examples.xml" <<-EOF
		<Context path="/examples" docBase="$EXAMPLES_DIR">
		  <Resources allowLinking="true"/>
		</Context>
	EOF
	[ -f "$EXAMPLES_DIR/WEB-INF/classes/HelloWorldExample.class" ] ||
		die "HelloWorldExample not found under $EXAMPLES_DIR (package tomcat10-examples)"
}

# tomcat_start BASE LOG "JVM OPTIONS" [VAR=VALUE...]: starts Tomcat in the background with
# the given environment additions; sets TOMCAT_PID (the JVM itself: catalina.sh run execs java)
# and TOMCAT_READY_S (launch to the first HTTP 200 of the servlet). Fails if it is not ready
# within 120 s.
tomcat_start() {
	local base=$1 log=$2 opts=$3
	shift 3
	local t0=${EPOCHREALTIME/./} code
	env -u JAVA_TOOL_OPTIONS -u _JAVA_OPTIONS -u JDK_JAVA_OPTIONS "$@" \
		CATALINA_HOME="$TOMCAT_HOME" CATALINA_BASE="$base" CATALINA_PID="" \
		CATALINA_TMPDIR="$base/temp" JAVA_HOME="$JAVA_HOME" \
		JAVA_OPTS="$BENCH_JVM_OPTS $opts" CATALINA_OPTS="" \
		"$TOMCAT_HOME/bin/catalina.sh" run >"$log" 2>&1 &
	TOMCAT_PID=$!
	own "$TOMCAT_PID"
	while :; do
		if ! kill -0 "$TOMCAT_PID" 2>/dev/null; then
			tail -20 "$log" >&2
			die "Tomcat exited during start-up (log above: $log)"
		fi
		code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$URL" 2>/dev/null) || code=000
		[ "$code" = 200 ] && break
		if [ $((${EPOCHREALTIME/./} - t0)) -gt 120000000 ]; then
			tail -20 "$log" >&2
			die "Tomcat not ready after 120 s (log above: $log)"
		fi
		sleep 0.05
	done
	TOMCAT_READY_S=$(awk -v d=$((${EPOCHREALTIME/./} - t0)) 'BEGIN { printf "%.2f", d / 1e6 }')
	[ "$(cat "/proc/$TOMCAT_PID/comm" 2>/dev/null)" = java ] ||
		say "warning: pid $TOMCAT_PID is $(cat "/proc/$TOMCAT_PID/comm" 2>/dev/null), not java"
}

# tomcat_memory: "VmHWM VmRSS RssAnon" of the running Tomcat JVM, in kB.
tomcat_memory() {
	awk '/^VmHWM:/ { h = $2 } /^VmRSS:/ { r = $2 } /^RssAnon:/ { a = $2 }
		END { printf "%s %s %s\n", h ? h : "-", r ? r : "-", a ? a : "-" }' \
		"/proc/$TOMCAT_PID/status" 2>/dev/null || echo "- - -"
}

# tomcat_cpu_ticks: user + system CPU time of the Tomcat JVM so far, in clock ticks.
tomcat_cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$TOMCAT_PID/stat" 2>/dev/null || echo "-"
}

# tomcat_safepoints: "count total_ms sync_ms" of the JVM's global safepoints so far, from its
# hsperfdata counters (jcmd PerfCounter.print). Handshakes with single threads are not
# safepoints and are not counted.
tomcat_safepoints() {
	"$JAVA_HOME/bin/jcmd" "$TOMCAT_PID" PerfCounter.print 2>/dev/null | awk -F= '
		$1 == "sun.os.hrt.frequency" { f = $2 }
		$1 == "sun.rt.safepoints" { n = $2 }
		$1 == "sun.rt.safepointTime" { t = $2 }
		$1 == "sun.rt.safepointSyncTime" { y = $2 }
		END { if (f > 0 && n != "") printf "%s %.1f %.1f\n", n, t * 1000 / f, y * 1000 / f
			else print "- - -" }'
}

# tomcat_stop: SIGTERM (Tomcat's shutdown hook, then VMDeath: the agent's snapshot), waits for
# the exit. Sets STOP_SENT_US (epoch µs when the signal was sent) and STOP_MS (signal to exit).
tomcat_stop() {
	[ -n "${TOMCAT_PID:-}" ] || return 0
	STOP_SENT_US=${EPOCHREALTIME/./}
	kill -TERM "$TOMCAT_PID" 2>/dev/null
	wait_exit "$TOMCAT_PID" 120 || true
	unown "$TOMCAT_PID"
	STOP_MS=$(awk -v d=$((${EPOCHREALTIME/./} - STOP_SENT_US)) 'BEGIN { printf "%.1f", d / 1e3 }')
	TOMCAT_PID=""
}

# load SECONDS OUT: wrk against the servlet; its output (with --latency) goes to OUT.
load() {
	local secs=$1 out=$2
	wrk -t"$BENCH_THREADS" -c"$BENCH_CONNECTIONS" -d"${secs}s" --latency "$URL" >"$out" 2>&1 &
	local pid=$!
	own "$pid"
	wait "$pid" || say "warning: wrk exited with status $? (see $out)"
	unown "$pid"
}

# bench/lib/parse.sh — numbers out of wrk's report, the agents' exit lines and JFR files.
# Every function prints space-separated fields, "-" for each one it could not find, so a
# changed log line costs a column, never the run. Sourced by bench/run.sh.

# parse_wrk FILE: "req_per_s p50_ms p99_ms errors requests" (errors: non-2xx/3xx answers plus
# socket errors of any kind).
parse_wrk() {
	awk '
	function ms(v) {
		if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
		if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
		if (v ~ /m$/) return substr(v, 1, length(v) - 1) * 60000
		if (v ~ /s$/) return substr(v, 1, length(v) - 1) * 1000
		return "-"
	}
	/^Requests\/sec:/ { rps = $2 }
	/ requests in / { n = $1 }
	$1 == "50%" { p50 = ms($2) }
	$1 == "99%" { p99 = ms($2) }
	/Non-2xx or 3xx responses:/ { err += $NF }
	/Socket errors:/ { gsub(/,/, ""); err += $4 + $6 + $8 + $10 }
	END { printf "%s %s %s %s %s\n", rps != "" ? rps : "-", p50 != "" ? p50 : "-",
		p99 != "" ? p99 : "-", err + 0, n != "" ? n : "-" }' "$1"
}

# The sampler fields shared by jvmsnap and the IOpipe-style agent:
#   "prof_s rounds req_us ach_us cpu_pct round_us call_name call_us missed threads walked gov_us
#    final_ms"
# (walked: stacks actually walked, when the agent says; gov_us: the interval the overhead
# governor stretched to, when it did; final_ms: the agent's own finalisation time when its
# "snapshot written to … in N ms" line gives one; call_name has its spaces turned into "_").
# jvmsnap (jvmagent/output.c):
#   jvmsnap: info: profiled 2.06 s: 442 samples (every 1000 us requested, 4560 us achieved),
#     7 threads, 30 methods; sampling used 79.7 % of one CPU
#   jvmsnap: debug: sampling rounds: 3624.1 us each, of which GetAllStackTraces 3607.6 us; ...
#     1570 deadlines missed
# IOpipe-style (bench/iopipe-style/IopipeStyleSampler.java):
#   iopipe-style: profiled 30.12 s: 12000 rounds (every 1000 us requested, 2510 us achieved),
#     48.0 threads per round, 900 stacks; sampling used 80.5 % of one CPU; getStackTrace
#     2000.0 us per round; 30 deadlines missed
parse_sampler() {
	awk -v tag="$1" '
	# The part of line that matches re (a string: a /regex/ argument would be $0 ~ /regex/).
	function after(line, re) {
		if (!match(line, re)) return ""
		return substr(line, RSTART, RLENGTH)
	}
	function num(s) {
		if (!match(s, /[0-9]+(\.[0-9]+)?/)) return "-"
		return substr(s, RSTART, RLENGTH)
	}
	index($0, tag ": ") == 0 { next }
	/profiled [0-9.]+ s: / {
		secs = num(after($0, "profiled [0-9.]+ s"))
		rounds = num(after($0, "s: [0-9]+ (samples|rounds)"))
		req = num(after($0, "every [0-9]+ us requested"))
		ach = num(after($0, "[0-9.]+ us achieved"))
		cpu = num(after($0, "used [0-9.]+ %"))
		thr = num(after($0, "[0-9.]+ threads"))
	}
	/sampling rounds: [0-9.]+ us each/ { round = num(after($0, "rounds: [0-9.]+ us")) }
	/of which [A-Za-z ]+ [0-9.]+ us/ {
		s = after($0, "of which [A-Za-z ]+ [0-9.]+ us")
		sub(/^of which /, "", s); sub(/ us$/, "", s)
		callus = s; sub(/.* /, "", callus)
		call = s; sub(/ [0-9.]+$/, "", call); gsub(/ /, "_", call)
	}
	/[0-9]+ stacks walked/ { walked = num(after($0, "[0-9]+ stacks walked")) }
	/sampling every [0-9]+ us while/ { gov = num(after($0, "every [0-9]+ us while")) }
	tag == "iopipe-style" && /[A-Za-z]+ [0-9.]+ us per round/ {
		s = after($0, "[A-Za-z]+ [0-9.]+ us per round"); split(s, w, " ")
		call = w[1]; callus = num(w[2])
		# A round of the Java sampler is its whole busy time divided by the rounds.
		if (secs != "-" && rounds + 0 > 0) round = sprintf("%.1f", cpu / 100 * secs * 1e6 / rounds)
	}
	/snapshot written .* in [0-9.]+ ms/ { fin = num(after($0, "in [0-9.]+ ms")) }
	/[0-9]+ deadlines missed/ { missed = num(after($0, "[0-9]+ deadlines missed")) }
	function d(v) { return v == "" ? "-" : v }
	END { printf "%s %s %s %s %s %s %s %s %s %s %s %s %s\n", d(secs), d(rounds), d(req), d(ach),
		d(cpu), d(round), d(call), d(callus), d(missed), d(thr), d(walked), d(gov), d(fin) }' "$2"
}

# nps_size ZIP: bytes of the *_cpu.nps entry ("-" without a zip).
nps_size() {
	[ -f "$1" ] || {
		echo "-"
		return
	}
	unzip -l "$1" 2>/dev/null | awk '$NF ~ /_cpu\.nps$/ { print $1; f = 1 } END { if (!f) print "-" }'
}

# jfr_samples FILE: the number of jdk.ExecutionSample events in a recording.
jfr_samples() {
	[ -f "$1" ] || {
		echo "-"
		return
	}
	"$JAVA_HOME/bin/jfr" summary "$1" 2>/dev/null |
		awk '$1 == "jdk.ExecutionSample" { print $2; f = 1 } END { if (!f) print "-" }'
}

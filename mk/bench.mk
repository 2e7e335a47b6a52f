# bench/: the overhead benchmark (issue 6): Tomcat 10 under wrk, with no agent, jvmsnap, JFR
# and a Java-level sampler, interleaved round by round. bench/run.sh installs tomcat10,
# tomcat10-examples and wrk itself when they are missing; knobs are BENCH_* variables
# (bench/README.md), e.g. `make bench BENCH_QUICK=1` for a smoke run.
# `make bench` also runs bench-cli-merge (issue 8), callable alone: `jvmsnap merge` of 1,000
# distinct invocation zips, time and peak memory against the 5 s / 200 MB targets. It is a
# prerequisite, so it finishes before the overhead benchmark starts and the two never share
# the CPUs. The paths are spelled out: mk/cli.mk, which names them, is read after this file.
# bench-timing: the timing figures the integration tests no longer assert (issue 18: achieved
# interval, wall totals, thread churn, the demo's top ten), printed, never judged.
.PHONY: bench bench-cli-merge bench-timing
bench: $(AGENT) bench-cli-merge bench-timing
	@BENCH_AGENT="$(abspath $(AGENT))" bash bench/run.sh

bench-cli-merge: $(BUILD)/jvmsnap $(BUILD)/tests/cligen
	@BUILD="$(BUILD)" bash bench/cli_merge.sh $(BENCH_MERGE_COUNT)

bench-timing: $(AGENT) bench-cli-merge
	@BUILD="$(BUILD)" bash bench/timing.sh

# bench/: the overhead benchmark (issue 6): Tomcat 10 under wrk, with no agent, jvmsnap, JFR
# and a Java-level sampler, interleaved round by round. bench/run.sh installs tomcat10,
# tomcat10-examples and wrk itself when they are missing; knobs are BENCH_* variables
# (bench/README.md), e.g. `make bench BENCH_QUICK=1` for a smoke run.
.PHONY: bench
bench: $(AGENT)
	@BENCH_AGENT="$(abspath $(AGENT))" bash bench/run.sh

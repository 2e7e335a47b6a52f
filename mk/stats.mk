# stats/: the JNI test probe that tests/java/StatsProbe.java loads (tests/integration/20_stats.sh).
STATS_PROBE := $(BUILD)/tests/libstatsprobe.so

$(STATS_PROBE): tests/stats/statsprobe.c $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fvisibility=default -shared $(LDFLAGS) -o $@ $< $(CORE_LIB) $(LDLIBS) -Wl,--no-undefined

TEST_EXTRA += $(STATS_PROBE)

# A CSV with hostile text cells, for the LibreOffice check.
STATS_SAMPLE := $(BUILD)/tests/stats-csvsample

$(STATS_SAMPLE): tests/stats/csvsample.c $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(CORE_LIB) $(LDLIBS)

TEST_EXTRA += $(STATS_SAMPLE)

# LD_PRELOAD shim: hides the JMM table from the probe (the "unknown JDK" fallback case).
STATS_NOJMM := $(BUILD)/tests/libnojmm.so

$(STATS_NOJMM): tests/stats/nojmm.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -shared $(LDFLAGS) -o $@ $< -ldl

TEST_EXTRA += $(STATS_NOJMM)

# `make java-tests` (the developer's command) builds them too, not only `make test`.
java-tests: $(STATS_PROBE) $(STATS_SAMPLE) $(STATS_NOJMM)

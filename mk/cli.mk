# cli/: the jvmsnap command (build/jvmsnap), its unit tests (tests/cli/test_cli_*.c →
# $(BUILD)/tests/test_cli_*, run by tests/run.sh) and its snapshot generator for the
# golden tests (tests/cli/cligen.c → $(BUILD)/tests/cligen).
CLI        := $(BUILD)/jvmsnap
CLI_SRCS   := $(sort $(wildcard cli/*.c))
CLI_OBJS   := $(CLI_SRCS:%.c=$(BUILD)/obj/%.o)
# config.o: the agent's settings reader, for the IOPIPE_PROFILER_S3_* variables (fleet_s3.c).
CLI_OBJS   += $(BUILD)/obj/jvmagent/config.o
CLI_LIBOBJS:= $(filter-out $(BUILD)/obj/cli/main.o,$(CLI_OBJS))
CLI_ASSETS := $(wildcard cli/assets/*)
CLI_TESTS  := $(patsubst tests/cli/%.c,$(BUILD)/tests/%,$(sort $(wildcard tests/cli/test_cli_*.c)))

# The flame graph's CSS and JS are compiled in (.incbin), so rebuild when they change.
$(BUILD)/obj/cli/assets.o: $(CLI_ASSETS)

$(CLI): $(CLI_OBJS) $(CORE_LIB)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJS) $(CORE_LIB) $(LDLIBS)

$(BUILD)/tests/test_cli_%: tests/cli/test_cli_%.c $(CLI_LIBOBJS) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fvisibility=default -Wno-missing-prototypes $(LDFLAGS) -o $@ $< \
		$(CLI_LIBOBJS) $(CORE_LIB) -lcmocka $(LDLIBS)

$(BUILD)/tests/cligen: tests/cli/cligen.c $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Wno-missing-prototypes $(LDFLAGS) -o $@ $< $(CORE_LIB) $(LDLIBS)

.PHONY: cli
cli: $(CLI)
all: $(CLI)
TEST_EXTRA += $(CLI) $(CLI_TESTS) $(BUILD)/tests/cligen

# jvmsnap — one Makefile for the agent, the tests, the demo and the tools.
# `make` builds build/libjvmsnap.so; `make test` runs every test; `make demo` is the main job.

BUILD     ?= build
SAN       ?=
CC        ?= cc

JAVAC     := $(shell command -v javac 2>/dev/null)
JAVA_HOME ?= $(if $(JAVAC),$(patsubst %/bin/javac,%,$(realpath $(JAVAC))),)
JDK_INC   := -isystem $(JAVA_HOME)/include -isystem $(JAVA_HOME)/include/linux

WARN      := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS    ?= -O2 -g
CFLAGS    += -std=c11 -D_GNU_SOURCE -fPIC -fvisibility=hidden -pthread $(WARN) $(JDK_INC)
LDLIBS    := -lzip -lcurl -lssl -lcrypto -lcsv -lmicrohttpd -lz -lpthread -lm
# The agent proper needs no network library: those are in NET (jvmagent/net.h).
AGENT_LDLIBS := -lzip -lcsv -lz -lpthread -lm -ldl
NET_LDLIBS   := -lcurl -lssl -lcrypto -lmicrohttpd -lpthread
ifneq ($(SAN),)
CFLAGS    += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS   += -fsanitize=address,undefined
endif

CORE_DIRS := common snapshot stats upload visualvm-format
CORE_SRCS := $(sort $(foreach d,$(CORE_DIRS),$(wildcard $(d)/*.c)))
# One folder per library: jvmagent/ is libjvmsnap-agent.so, jvmagent/net/ libjvmsnap-net.so,
# jvmagent/loader/ libjvmsnap.so (with the few agent files it shares, LOADER_OBJS).
NET_SRCS  := $(sort $(wildcard jvmagent/net/*.c))
AGENT_SRCS:= $(sort $(wildcard jvmagent/*.c))
CORE_OBJS := $(CORE_SRCS:%.c=$(BUILD)/obj/%.o)
AGENT_OBJS:= $(AGENT_SRCS:%.c=$(BUILD)/obj/%.o)
NET_OBJS  := $(NET_SRCS:%.c=$(BUILD)/obj/%.o)
CORE_LIB  := $(BUILD)/libjvmsnapcore.a
# The JVM loads AGENT, a loader that needs only libc; it loads AGENT_IMPL (everything else)
# when profiling is on. See jvmagent/loader/loader.c.
AGENT     := $(BUILD)/libjvmsnap.so
AGENT_IMPL:= $(BUILD)/libjvmsnap-agent.so
# ... and the agent loads NET (S3 upload, the Lambda proxy) only when it needs it.
AGENT_NET := $(BUILD)/libjvmsnap-net.so
LOADER_OBJS := $(addprefix $(BUILD)/obj/,$(patsubst %.c,%.o,$(wildcard jvmagent/loader/*.c)) jvmagent/config.o jvmagent/lambda_detect.o common/log.o common/sibling.o)

# The agent's settings (config.c is the one reader of IOPIPE_PROFILER_*), for the tools
# that read them as the agent does.
CONFIG_OBJS := $(addprefix $(BUILD)/obj/jvmagent/,config.o config_s3.o)

UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRCS := $(sort $(wildcard tests/tools/*.c))
TOOL_BINS := $(TOOL_SRCS:tests/tools/%.c=$(BUILD)/tests/%)

# VisualVM's own snapshot loader (Debian package `visualvm`) validates every .nps we write.
VV_MOD    := /usr/share/visualvm/visualvm/modules
VV_CP     := $(VV_MOD)/org-graalvm-visualvm-lib-profiler.jar:$(VV_MOD)/org-graalvm-visualvm-lib-jfluid.jar:$(VV_MOD)/org-graalvm-visualvm-lib-common.jar:/usr/share/java/org-openide-util.jar:/usr/share/java/org-openide-util-lookup.jar
JAVA_TEST_SRCS := $(sort $(wildcard tests/java/*.java))
JAVA_STAMP:= $(BUILD)/tests/java/.stamp
EXAMPLE_STAMP := $(BUILD)/examples/.stamp

export JAVA_HOME VV_CP BUILD

# Module-specific build rules (test probes, npm test servers) live in mk/*.mk; they add
# what `make test` must build first to TEST_EXTRA.
.DEFAULT_GOAL := all
TEST_EXTRA :=
-include $(sort $(wildcard mk/*.mk))

.PHONY: all deps test-deps test unit-tests java-tests demo asan asan-test format lint clean
all: $(AGENT) $(AGENT_IMPL) $(AGENT_NET)

deps:
	@bash scripts/deps.sh

test-deps:
	@bash scripts/deps.sh --test

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(CORE_LIB): $(CORE_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(AGENT_IMPL): $(AGENT_OBJS) $(CORE_LIB)
	$(CC) -shared $(LDFLAGS) -o $@ $(AGENT_OBJS) $(CORE_LIB) $(AGENT_LDLIBS) -Wl,--no-undefined

$(AGENT_NET): $(NET_OBJS) $(CORE_LIB)
	$(CC) -shared $(LDFLAGS) -o $@ $(NET_OBJS) $(CORE_LIB) $(NET_LDLIBS) -Wl,--no-undefined

$(AGENT): $(LOADER_OBJS) $(AGENT_IMPL)
	$(CC) -shared $(LDFLAGS) -o $@ $(LOADER_OBJS) -ldl -Wl,--no-undefined

$(BUILD)/tests/test_%: tests/unit/test_%.c $(CORE_LIB) $(AGENT_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fvisibility=default -Wno-missing-prototypes -Itests/unit $(LDFLAGS) -o $@ $< \
		$(AGENT_OBJS) $(CORE_LIB) -lcmocka $(LDLIBS) -ldl

$(BUILD)/tests/%: tests/tools/%.c $(CONFIG_OBJS) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Wno-missing-prototypes $(LDFLAGS) -o $@ $< $(CONFIG_OBJS) $(CORE_LIB) $(LDLIBS)

$(JAVA_STAMP): $(JAVA_TEST_SRCS)
	@mkdir -p $(dir $@)
	javac -encoding UTF-8 -cp "$(VV_CP)" -d $(dir $@) $(JAVA_TEST_SRCS)
	@touch $@

$(EXAMPLE_STAMP): $(wildcard examples/*.java)
	@mkdir -p $(dir $@)
	javac -encoding UTF-8 -d $(dir $@) $^
	@touch $@

unit-tests: $(UNIT_BINS)
java-tests: $(JAVA_STAMP) $(TOOL_BINS)

test: test-deps
	@$(MAKE) --no-print-directory all unit-tests java-tests $(TEST_EXTRA)
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/asan SAN=1 all unit-tests
	@bash tests/run.sh

demo: deps
	@$(MAKE) --no-print-directory all $(EXAMPLE_STAMP)
	@bash scripts/demo.sh

asan:
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/asan SAN=1 all unit-tests

# The unit tests built with ASan/UBSan, then the JVM cases with the ASan agent (the JVM
# programs and VisualVM's loader come from the normal build). Both run, whatever the first
# one's result; either one failing fails the target.
asan-test: test-deps
	@$(MAKE) --no-print-directory java-tests
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/asan SAN=1 all unit-tests
	@rc=0; \
	bash tests/integration/46_unit_asan.sh || rc=1; \
	bash tests/integration/45_agent_asan.sh || rc=1; \
	exit $$rc

format:
	@bash scripts/deps.sh --lint
	clang-format -i $$(git ls-files '*.c' '*.h')

lint:
	@bash scripts/deps.sh --lint
	clang-tidy --quiet $$(git ls-files '*.c') -- $(filter-out -Werror,$(CFLAGS)) -Wno-unknown-warning-option
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--inline-suppr --suppress=missingIncludeSystem $(JDK_INC) $$(git ls-files '*.c')

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# The Lambda layers (docs/lambda.md): one zip per architecture, built with zig cc against
# glibc 2.26 so that every Java runtime Lambda offers loads it (Amazon Linux 2 and 2023).
# The agent's libraries (libzip, libcsv, zlib; the net half's libcurl, OpenSSL,
# libmicrohttpd) are static PIC archives from scripts/layer/deps.sh, linked in and hidden
# behind a version script. The sources are the host build's own lists; only the compiler,
# the flags and the link differ, in BUILD/layer-ARCH.

LAYER_ARCHS  := x86_64 arm64
LAYER_ZIPS   := $(LAYER_ARCHS:%=dist/jvmsnap-layer-%.zip)
# -g0 and -s: the layer ships no debug information (size); clang's -Werror set is the same.
LAYER_CFLAGS := -std=c11 -D_GNU_SOURCE -fPIC -fvisibility=hidden -pthread $(WARN) $(JDK_INC) \
	-O2 -g0 -ffunction-sections -fdata-sections
LAYER_LDFLAGS := -shared -s -Wl,--no-undefined -Wl,--gc-sections -Wl,-z,noexecstack
LOADER_SRCS  := $(patsubst $(BUILD)/obj/%.o,%.c,$(LOADER_OBJS))
LAYER_TOOLS  := scripts/layer/deps.sh scripts/layer/toolchain.sh

# layer_arch ARCH: the rules for one architecture.
define layer_arch
LB_$(1) := $(BUILD)/layer-$(1)
LCC_$(1) := $(BUILD)/layer-$(1)/deps/bin/cc

# The dependencies, built once per version set into the cache; deps links to them.
$$(LB_$(1))/deps.stamp: $(LAYER_TOOLS)
	@mkdir -p $$(@D)
	@prefix=$$$$(bash scripts/layer/deps.sh $(1)) && ln -sfn "$$$$prefix" $$(LB_$(1))/deps
	@touch $$@

$$(LB_$(1))/obj/%.o: %.c $$(LB_$(1))/deps.stamp
	@mkdir -p $$(@D)
	$$(LCC_$(1)) $(LAYER_CFLAGS) -isystem $$(LB_$(1))/deps/include -MMD -MP -c $$< -o $$@

$$(LB_$(1))/libjvmsnapcore.a: $(CORE_SRCS:%.c=$$(LB_$(1))/obj/%.o)
	@rm -f $$@
	$$(LB_$(1))/deps/bin/ar rcs $$@ $$^

$$(LB_$(1))/libjvmsnap-agent.so: $(AGENT_SRCS:%.c=$$(LB_$(1))/obj/%.o) $$(LB_$(1))/libjvmsnapcore.a scripts/layer/agent.map
	$$(LCC_$(1)) $(LAYER_LDFLAGS) -Wl,--version-script=scripts/layer/agent.map -o $$@ $$(filter %.o %.a,$$^) \
		$$(addprefix $$(LB_$(1))/deps/lib/,libzip.a libcsv.a libz.a) -lpthread -lm -ldl

$$(LB_$(1))/libjvmsnap-net.so: $(NET_SRCS:%.c=$$(LB_$(1))/obj/%.o) $$(LB_$(1))/libjvmsnapcore.a scripts/layer/net.map
	$$(LCC_$(1)) $(LAYER_LDFLAGS) -Wl,--version-script=scripts/layer/net.map -o $$@ $$(filter %.o %.a,$$^) \
		$$(addprefix $$(LB_$(1))/deps/lib/,libcurl.a libmicrohttpd.a libssl.a libcrypto.a) -lpthread -ldl

$$(LB_$(1))/libjvmsnap.so: $(LOADER_SRCS:%.c=$$(LB_$(1))/obj/%.o) scripts/layer/loader.map
	$$(LCC_$(1)) $(LAYER_LDFLAGS) -Wl,--version-script=scripts/layer/loader.map -o $$@ $$(filter %.o,$$^) -ldl

dist/jvmsnap-layer-$(1).zip: $$(addprefix $$(LB_$(1))/,libjvmsnap.so libjvmsnap-agent.so libjvmsnap-net.so) \
		scripts/lambda_layer.sh scripts/lambda_wrapper.sh
	@bash scripts/lambda_layer.sh $(1) $$(LB_$(1))/libjvmsnap.so $$@
endef
$(foreach a,$(LAYER_ARCHS),$(eval $(call layer_arch,$(a))))

.PHONY: layer
layer: $(LAYER_ZIPS)

TEST_EXTRA += layer

-include $(shell find $(BUILD) -path '$(BUILD)/layer-*/obj/*' -name '*.d' 2>/dev/null)

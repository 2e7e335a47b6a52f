# Lambda: the Runtime API proxy (jvmagent/net/) serves with libmicrohttpd, and
# `make layer` packs the agent with the libraries Lambda's Amazon Linux 2023 lacks.


LAMBDA_OBJS  := $(NET_OBJS) $(BUILD)/obj/jvmagent/lambda_detect.o $(CONFIG_OBJS)
LAMBDA_DRIVE := $(BUILD)/tests/lambdaproxy_drive
LAYER_ZIP    := dist/jvmsnap-layer-x86_64.zip

# The proxy's test driver (tests/integration/50_lambda_proxy.sh): the proxy lives in
# jvmagent/net/, so this explicit rule replaces the generic tests/tools one.
$(LAMBDA_DRIVE): tests/tools/lambdaproxy_drive.c $(LAMBDA_OBJS) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LAMBDA_OBJS) $(CORE_LIB) $(LDLIBS)

TEST_EXTRA += $(LAMBDA_DRIVE)

.PHONY: layer
layer: $(AGENT) $(AGENT_IMPL) $(AGENT_NET)
	@bash scripts/lambda_layer.sh $(AGENT) $(LAYER_ZIP)

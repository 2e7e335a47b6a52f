# Lambda: the Runtime API proxy (jvmagent/net/) serves with libmicrohttpd; the layers
# `make layer` builds are in mk/layer.mk.


LAMBDA_OBJS  := $(NET_OBJS) $(BUILD)/obj/jvmagent/lambda_detect.o $(CONFIG_OBJS)
LAMBDA_DRIVE := $(BUILD)/tests/lambdaproxy_drive

# The proxy's test driver (tests/integration/50_lambda_proxy.sh): the proxy lives in
# jvmagent/net/, so this explicit rule replaces the generic tests/tools one.
$(LAMBDA_DRIVE): tests/tools/lambdaproxy_drive.c $(LAMBDA_OBJS) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LAMBDA_OBJS) $(CORE_LIB) $(LDLIBS)

TEST_EXTRA += $(LAMBDA_DRIVE)

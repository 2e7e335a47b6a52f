# Lambda: the Runtime API proxy (jvmagent/lambda_proxy.c) serves with libmicrohttpd; the
# layers `make layer` builds are in mk/layer.mk.


LAMBDA_OBJS  := $(BUILD)/obj/jvmagent/lambda_proxy.o $(BUILD)/obj/jvmagent/lambda_detect.o
LAMBDA_DRIVE := $(BUILD)/tests/lambdaproxy_drive

# The proxy's test driver (tests/integration/50_lambda_proxy.sh): the proxy lives in
# jvmagent/, so this explicit rule replaces the generic tests/tools one; it needs nothing
# of the core but the log.
$(LAMBDA_DRIVE): tests/tools/lambdaproxy_drive.c $(LAMBDA_OBJS) $(BUILD)/obj/common/log.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LAMBDA_OBJS) $(BUILD)/obj/common/log.o $(LDLIBS)

TEST_EXTRA += $(LAMBDA_DRIVE)

# SnapStart (tests/integration/49_lambda_snapstart.sh): an LD_PRELOAD shim that moves the
# process's wall clock as a restore does (tests/lambda/clockshift.c).
CLOCKSHIFT := $(BUILD)/tests/libclockshift.so

$(CLOCKSHIFT): tests/lambda/clockshift.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fvisibility=default -Wno-missing-prototypes -shared $(LDFLAGS) -o $@ $< -ldl

TEST_EXTRA += $(CLOCKSHIFT)

# `make java-tests` (the developer's command) builds it too, not only `make test`.
java-tests: $(CLOCKSHIFT)

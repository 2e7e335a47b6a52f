# valgrind memcheck of the unit tests (tests/integration/81_valgrind.sh). The shim lets a
# test run a subset of a slow binary's cases with CMOCKA_TEST_FILTER / CMOCKA_SKIP_FILTER,
# which Debian 12's cmocka 1.1.5 does not read from the environment itself.
CMOCKA_FILTER := $(BUILD)/tests/libcmocka_filter.so

$(CMOCKA_FILTER): tests/valgrind/cmocka_filter.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fvisibility=default -Wno-missing-prototypes -shared $(LDFLAGS) -o $@ $< -lcmocka -ldl

TEST_EXTRA += $(CMOCKA_FILTER)

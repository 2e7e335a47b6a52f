# Fuzzing (issue 7): libFuzzer targets for every parser of outside input, tests/fuzz/fuzz_*.c.
# Each is built with clang straight from the sources it exercises (CORE_LIB is built by gcc
# without coverage instrumentation, so it cannot be linked in). `make fuzz` runs each target
# for FUZZ_SECONDS on its corpus (tests/fuzz/corpus/<target>/, which new finds extend);
# tests/integration/80_fuzz.sh runs a short pass of each in `make test`.
FUZZ_CC      ?= clang-14
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS  := -std=c11 -D_GNU_SOURCE -g -O1 -pthread -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-Wall -Wextra -Werror -Wno-unused-command-line-argument
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_NAMES   := $(patsubst tests/fuzz/fuzz_%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_BINS    := $(FUZZ_NAMES:%=$(FUZZ_DIR)/fuzz_%)

# The sources (and libraries) each target needs.
FUZZ_SRCS_config   := jvmagent/config.c common/log.c
FUZZ_SRCS_nps      := $(wildcard visualvm-format/*.c) snapshot/profile.c common/arena.c common/buf.c \
	common/log.c common/mutf8.c
FUZZ_LIBS_nps      := -lz
FUZZ_SRCS_s3_error := upload/s3_error.c
FUZZ_SRCS_s3_json  := upload/s3_json.c upload/s3_credentials.c common/buf.c common/log.c
FUZZ_LIBS_s3_json  := -lcurl -lcrypto
FUZZ_SRCS_mutf8    := common/mutf8.c common/buf.c
# The CLI reads s3:// inputs too (cli/fleet_*.c), so it needs upload/ and its libraries.
FUZZ_SRCS_cli_input:= $(filter-out cli/main.c,$(wildcard cli/*.c)) jvmagent/config.c $(CORE_SRCS)
FUZZ_LIBS_cli_input:= -lzip -lcsv -lz -lm -lcurl -lssl -lcrypto
FUZZ_SRCS_lambda_proxy := $(wildcard jvmagent/net/lambda_*.c) common/clock.c common/log.c
FUZZ_LIBS_lambda_proxy := -lmicrohttpd -lcurl

.SECONDEXPANSION:
$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $$(FUZZ_SRCS_$$*) $$(wildcard common/*.h upload/*.h jvmagent/config.h jvmagent/lambda.h jvmagent/net/*.h visualvm-format/*.h snapshot/*.h cli/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(JDK_INC) -o $@ $< $(FUZZ_SRCS_$*) $(FUZZ_LIBS_$*)

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BINS)

# New inputs go to $(FUZZ_DIR)/corpus/<target> (the checked-in seeds stay small; fold
# a good find in with `-merge=1`). -close_fd_mask=2 hides the targets' own warnings (the
# config target logs on most inputs); libFuzzer keeps its own copy of stderr for reports.
fuzz: $(FUZZ_BINS)
	@for t in $(FUZZ_NAMES); do \
		mkdir -p $(FUZZ_DIR)/corpus/$$t $(FUZZ_DIR)/artifacts/$$t; \
		dict=; [ -f tests/fuzz/$$t.dict ] && dict=-dict=tests/fuzz/$$t.dict; \
		echo "== fuzz_$$t ($(FUZZ_SECONDS) s)"; \
		if $(FUZZ_DIR)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -close_fd_mask=2 -print_final_stats=1 \
			-artifact_prefix=$(FUZZ_DIR)/artifacts/$$t/ $$dict \
			$(FUZZ_DIR)/corpus/$$t tests/fuzz/corpus/$$t >$(FUZZ_DIR)/fuzz_$$t.log 2>&1; then \
			grep -E '^stat::(number_of_executed_units|peak_rss_mb)' $(FUZZ_DIR)/fuzz_$$t.log; \
		else \
			tail -n 40 $(FUZZ_DIR)/fuzz_$$t.log; \
			echo "fuzz_$$t failed: the input is in $(FUZZ_DIR)/artifacts/$$t/"; exit 1; \
		fi; \
	done

TEST_EXTRA += $(FUZZ_BINS)

/* libFuzzer target: the CLI's input loading (cli/input.c): the snapshot zip with its
 * .nps, stats CSV and metadata.json entries, a bare .nps or a bare CSV, recognised by
 * content; plus the statistics CSV parser and the metadata.json reader on their own.
 * cli_input_open takes a path, so the bytes are put in a memfd and opened through
 * /proc/self/fd. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../cli/cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	if (fd < 0)
		fd = memfd_create("fuzz_cli_input", 0);
	if (fd < 0 || ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	for (unsigned want = 0; want < 4; want++) {
		cli_input in;
		memset(&in, 0, sizeof in);
		int rc = cli_input_open(path, want, &in);
		if (rc == 0 && (want & CLI_WANT_PROFILE) && !in.profile)
			abort();
		if (rc == 0 && (want & CLI_WANT_STATS) && !in.stats)
			abort();
		cli_input_close(&in);
	}

	char err[256];
	cli_stats *s = NULL;
	if (cli_stats_parse(data, size, &s, err, sizeof err) == 0) {
		for (size_t r = 0; r < s->nrows; r++)
			for (size_t c = 0; c < s->ncols; c++)
				if (!s->rows[r].values[c])
					abort(); /* missing cells are "", never NULL */
		cli_stats_free(s);
	}

	char *json = malloc(size + 1);
	memcpy(json, data, size);
	json[size] = '\0';
	buf out;
	buf_init(&out);
	(void)cli_metadata_lines(json, &out);
	buf_free(&out);
	free(json);
	return 0;
}

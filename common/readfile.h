/* Reading a whole file into memory, bounded: every reader of a whole file (the CLI's inputs,
 * the AWS config files, the summary cache, test fixtures) goes through this one, so none
 * can be made to allocate without limit by a large or endless file (a FIFO, /dev/zero). */
#ifndef JVMSNAP_READFILE_H
#define JVMSNAP_READFILE_H

#include <stddef.h>

#include "buf.h"

enum {
	READFILE_OK = 0,
	READFILE_OPEN = -1,   /* cannot be opened (errno says why) */
	READFILE_IO = -2,     /* a read failed (errno says why) */
	READFILE_LARGE = -3,  /* more than max_bytes */
	READFILE_NOMEM = -4,
};

/* Appends the bytes of `path` ("-": standard input) to `out`, at most `max_bytes`, then one
 * NUL that out->len does not count (so text can be used as a string). READFILE_OK or an
 * error, `out` then holding what was read so far. */
int read_file(const char *path, size_t max_bytes, buf *out);

/* The same as a malloc'ed NUL-terminated string; NULL on any error. */
char *read_file_text(const char *path, size_t max_bytes);

#endif

#include "readfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int read_file(const char *path, size_t max_bytes, buf *out)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f)
		return READFILE_OPEN;
	size_t start = out->len;
	char chunk[65536];
	size_t n;
	int rc = READFILE_OK;
	while (rc == READFILE_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (out->len - start + n > max_bytes)
			rc = READFILE_LARGE;
		else
			buf_append(out, chunk, n);
	}
	int saved = errno;
	if (rc == READFILE_OK && ferror(f))
		rc = READFILE_IO;
	if (f != stdin)
		fclose(f);
	if (buf_reserve(out, 1))
		out->data[out->len] = '\0';
	if (rc == READFILE_OK && out->failed)
		rc = READFILE_NOMEM;
	errno = rc == READFILE_IO ? (saved ? saved : EIO) : errno;
	return rc;
}

char *read_file_text(const char *path, size_t max_bytes)
{
	buf b;
	buf_init(&b);
	if (read_file(path, max_bytes, &b) != READFILE_OK || !b.data) {
		buf_free(&b);
		return NULL;
	}
	return (char *)b.data;
}

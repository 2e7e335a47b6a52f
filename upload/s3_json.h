/* Just enough JSON for the credentials endpoint: the string members of a top-level
 * object. Validates the whole document's syntax; safe on any input. */
#ifndef JVMSNAP_S3_JSON_H
#define JVMSNAP_S3_JSON_H

#include <stddef.h>

#define S3_JSON_MAX_DEPTH 32

/* For each names[i], values[i] receives a malloc'd, unescaped (UTF-8) copy of the
 * member's string value, or NULL when the member is absent or not a string (the last
 * occurrence wins). Returns 0, or -1 on a syntax error, excessive nesting or no memory,
 * with every values[i] NULL. The caller frees the values. */
int s3_json_strings(const char *json, size_t len, const char *const *names, size_t n, char **values);

#endif

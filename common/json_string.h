/* The one writer of JSON string literals (the invocation summary, the snapshot metadata):
 * '"' and '\' escaped, control characters below 0x20 as \u00XX, every other byte as it is
 * (names are UTF-8; DEL is valid in a JSON string). NULL is written as null. */
#ifndef JVMSNAP_JSON_STRING_H
#define JVMSNAP_JSON_STRING_H

#include "buf.h"

void json_string(buf *out, const char *s);

#endif

/* Java's "modified UTF-8" (the form of JVMTI strings and of DataOutput.writeUTF) and
 * standard UTF-8, the form every other part of jvmsnap keeps its strings in.
 *
 * Modified UTF-8 differs in two ways: U+0000 is the two bytes C0 80, and a character
 * outside the BMP is a UTF-16 surrogate pair written as two 3-byte sequences. Every
 * function here accepts arbitrary bytes: anything that does not decode becomes U+FFFD,
 * so a hostile or broken string can never make a caller crash or loop. */
#ifndef JVMSNAP_MUTF8_H
#define JVMSNAP_MUTF8_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define MUTF8_REPLACEMENT 0xFFFDu
/* writeUTF's length prefix is a u16. */
#define MUTF8_JUTF_MAX 65535u

/* Decodes the standard UTF-8 character at s[*pos] (requires *pos < len) and advances
 * *pos past it. Overlong forms, surrogates, code points above U+10FFFF and stray bytes
 * yield U+FFFD and advance by exactly one byte. */
uint32_t mutf8_utf8_next(const uint8_t *s, size_t len, size_t *pos);

/* Number of modified UTF-8 bytes code point `cp` takes: 1, 2, 3 or 6. */
size_t mutf8_cp_len(uint32_t cp);

/* Appends the modified UTF-8 form of the standard UTF-8 text `in` (`len` bytes, may hold
 * NULs) to `out`. Returns the number of bytes appended. */
size_t mutf8_from_utf8(const char *in, size_t len, buf *out);

/* Appends a jutf: a big-endian u16 byte count, then the modified UTF-8 form of `in`,
 * truncated at a character boundary so that the count is at most MUTF8_JUTF_MAX. */
void mutf8_put_jutf(buf *out, const char *in, size_t len);

/* Converts modified UTF-8 `in` (`len` bytes; CESU-style pairs, C0 80, and also standard
 * 4-byte sequences are understood) to standard UTF-8 in `out`, always NUL-terminated
 * when out_size > 0, truncated at a character boundary. Because the result is a C
 * string, U+0000 is written as U+FFFD rather than cutting the text short. Output is
 * never longer than 3 * len bytes. Returns the length written, without the NUL. */
size_t mutf8_to_utf8(const char *in, size_t len, char *out, size_t out_size);

#endif

/* S3 error bodies: <Error><Code>NoSuchBucket</Code><Message>...</Message>...</Error>.
 * Read without an XML library; any byte sequence is safe input. */
#ifndef JVMSNAP_S3_ERROR_H
#define JVMSNAP_S3_ERROR_H

#include <stddef.h>

/* Copies the <Code> and <Message> of the first <Error> element, entity-decoded, control
 * characters replaced by spaces, truncated to fit (always NUL-terminated). `body` need
 * not be NUL-terminated. Returns 0 when a Code was found; -1 otherwise, leaving both
 * outputs empty. Either output may be NULL (with size 0). */
int s3_error_parse(const char *body, size_t len, char *code, size_t code_size, char *message,
                   size_t message_size);

#endif

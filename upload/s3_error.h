/* S3 error bodies: <Error><Code>NoSuchBucket</Code><Message>...</Message>...</Error>.
 * Read without an XML library; any byte sequence is safe input. */
#ifndef JVMSNAP_S3_ERROR_H
#define JVMSNAP_S3_ERROR_H

#include <stddef.h>

/* Copies the <Code> and <Message> of the first <Error> element, entity-decoded, control
 * characters replaced by spaces, truncated to fit (always NUL-terminated), redacted
 * (s3_redact). `body` need
 * not be NUL-terminated. Returns 0 when a Code was found; -1 otherwise, leaving both
 * outputs empty. Either output may be NULL (with size 0). */
int s3_error_parse(const char *body, size_t len, char *code, size_t code_size, char *message,
                   size_t message_size);

/* Redacts, in place, whatever in a text from outside (an error message, a server's echo
 * of the request) looks like a credential: access key ids (AKIA..., ASIA...), values
 * named Signature, Credential, X-Amz-Security-Token (and their X-Amz- and query forms),
 * and any run of 32 or more base64/hex characters (secret keys, session tokens,
 * signatures), or of 16 or more ending a long text that may have been cut. Each (a named
 * value with its name) becomes "[redacted]" (shorter ones asterisks); the text never
 * grows. s3_error_parse applies it
 * to what it returns. */
void s3_redact(char *text);

#endif

/* libFuzzer target: the S3 error-response parser. The first byte picks the sizes of
 * the two output buffers (0 to 15 and 0 to 15, 0 meaning NULL); both outputs must stay
 * inside their buffers, be NUL-terminated and hold no control character. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../upload/s3_error.h"

static void check_out(const char *s, size_t size)
{
	if (!s)
		return;
	size_t n = strnlen(s, size);
	if (n == size)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t code_size = data[0] & 0x0f, msg_size = data[0] >> 4;
	/* Exact-size heap copies, so that ASan sees any overread or overwrite. */
	char *body = malloc(size - 1 ? size - 1 : 1);
	char *code = code_size ? malloc(code_size) : NULL;
	char *msg = msg_size ? malloc(msg_size) : NULL;
	memcpy(body, data + 1, size - 1);
	int rc = s3_error_parse(body, size - 1, code, code_size, msg, msg_size);
	check_out(code, code_size);
	check_out(msg, msg_size);
	if (rc != 0 && ((code && code[0]) || (msg && msg[0])))
		abort();
	/* And with room to spare. */
	char big_code[256], big_msg[1024];
	rc = s3_error_parse(body, size - 1, big_code, sizeof big_code, big_msg, sizeof big_msg);
	check_out(big_code, sizeof big_code);
	check_out(big_msg, sizeof big_msg);
	if ((rc == 0) != (big_code[0] != '\0') && rc != 0)
		abort();
	free(body);
	free(code);
	free(msg);
	return 0;
}

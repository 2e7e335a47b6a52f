/* libFuzzer target: the container-credentials JSON (s3_json_strings and
 * s3_credentials_parse_json) and the Expiration timestamp parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../upload/s3_credentials.h"
#include "../../upload/s3_json.h"

static void check_printable(const char *s)
{
	if (!s)
		return;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *json = malloc(size ? size : 1); /* not NUL-terminated, exact size */
	memcpy(json, data, size);

	static const char *const names[] = {"AccessKeyId", "SecretAccessKey", "Token", "Expiration", ""};
	char *values[5];
	int rc = s3_json_strings(json, size, names, 5, values);
	for (size_t i = 0; i < 5; i++) {
		if (rc != 0 && values[i])
			abort();
		free(values[i]);
	}

	s3_credentials c;
	memset(&c, 0, sizeof c);
	rc = s3_credentials_parse_json(json, size, &c);
	if (rc == 0) {
		if (!c.access_key_id || !c.secret_access_key)
			abort();
		check_printable(c.access_key_id);
		check_printable(c.secret_access_key);
		check_printable(c.session_token);
	} else if (c.access_key_id || c.secret_access_key || c.session_token) {
		abort();
	}
	s3_credentials_clear(&c);

	/* The timestamp parser takes a C string. */
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	int64_t ms;
	(void)s3_parse_iso8601_ms(s, &ms);
	free(s);
	free(json);
	return 0;
}

#include "s3_profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *skip_blank(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

static const char *trim_end(const char *start, const char *end)
{
	while (end > start && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	return end;
}

/* Whether the header line [p, end) ("[ name ]") names `want`. */
static bool section_is(const char *p, const char *end, const char *want)
{
	p = skip_blank(p + 1, end);
	const char *close = memchr(p, ']', (size_t)(end - p));
	if (!close)
		return false;
	const char *e = trim_end(p, close);
	return (size_t)(e - p) == strlen(want) && memcmp(p, want, strlen(want)) == 0;
}

char *s3_profile_value(const char *text, const char *profile, bool config_file, const char *key)
{
	char want[256];
	if (config_file && strcmp(profile, "default") != 0)
		snprintf(want, sizeof want, "profile %s", profile);
	else
		snprintf(want, sizeof want, "%s", profile);
	bool inside = false;
	char *found = NULL;
	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');
		const char *end = nl ? nl : line + strlen(line);
		const char *p = skip_blank(line, end);
		if (p < end && *p == '[') {
			inside = section_is(p, end, want);
		} else if (inside && p < end && *p != '#' && *p != ';') {
			const char *eq = memchr(p, '=', (size_t)(end - p));
			size_t klen = strlen(key);
			if (eq && (size_t)(trim_end(p, eq) - p) == klen && memcmp(p, key, klen) == 0) {
				const char *v = skip_blank(eq + 1, end);
				const char *ve = trim_end(v, end);
				free(found); /* the last one wins */
				found = strndup(v, (size_t)(ve - v));
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	return found;
}

int s3_profile_credentials(const char *text, const char *profile, s3_credentials *out)
{
	memset(out, 0, sizeof *out);
	out->access_key_id = s3_profile_value(text, profile, false, "aws_access_key_id");
	out->secret_access_key = s3_profile_value(text, profile, false, "aws_secret_access_key");
	out->session_token = s3_profile_value(text, profile, false, "aws_session_token");
	if (!out->access_key_id || !*out->access_key_id || !out->secret_access_key || !*out->secret_access_key) {
		s3_credentials_clear(out);
		return -1;
	}
	return 0;
}

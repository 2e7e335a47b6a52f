#include "json_string.h"

void json_string(buf *out, const char *s)
{
	if (!s) {
		buf_append_str(out, "null");
		return;
	}
	buf_u8(out, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_printf(out, "\\%c", *p);
		else if (*p < 0x20)
			buf_printf(out, "\\u%04x", *p);
		else
			buf_u8(out, *p);
	}
	buf_u8(out, '"');
}

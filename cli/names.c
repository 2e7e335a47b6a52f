/* How methods are named on screen, and the escaping every text and HTML writer uses. */
#include <string.h>

#include "cli.h"

void cli_method_short(const snap_method *m, buf *out)
{
	buf_append_str(out, m->class_name);
	if (m->method_name[0]) {
		buf_u8(out, '.');
		buf_append_str(out, m->method_name);
	}
}

void cli_method_display(const snap_method *m, buf *out)
{
	cli_method_short(m, out);
	nps_format_params(m->signature, out);
}

void cli_json_string(buf *out, const char *s)
{
	buf_u8(out, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			buf_append_str(out, "\\\"");
			break;
		case '\\':
			buf_append_str(out, "\\\\");
			break;
		case '<': /* never "</script>" inside an inline script */
			buf_append_str(out, "\\u003c");
			break;
		case '>':
			buf_append_str(out, "\\u003e");
			break;
		case '&':
			buf_append_str(out, "\\u0026");
			break;
		default:
			if (*p < 0x20)
				buf_printf(out, "\\u%04x", *p);
			else
				buf_u8(out, *p);
		}
	}
	buf_u8(out, '"');
}

void cli_html_text(buf *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			buf_append_str(out, "&amp;");
			break;
		case '<':
			buf_append_str(out, "&lt;");
			break;
		case '>':
			buf_append_str(out, "&gt;");
			break;
		case '"':
			buf_append_str(out, "&quot;");
			break;
		case '\'':
			buf_append_str(out, "&#39;");
			break;
		default:
			buf_u8(out, (uint8_t)*s);
		}
	}
}

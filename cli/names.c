/* How methods are named on screen, and the escaping every terminal, JSON and HTML writer
 * uses. */
#include <string.h>

#include "cli.h"

void cli_method_short(const snap_method *m, buf *out)
{
	/* A hidden class (a lambda's "Foo$$Lambda$3/0x...") is shown as VisualVM's formatter
	 * shows it, with '.', so a name found in one can be searched in the other. */
	for (const char *c = m->class_name; *c; c++)
		buf_u8(out, *c == '/' ? '.' : (uint8_t)*c);
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

/* Bytes a UTF-8 lead byte announces after itself; -1 for a byte that cannot lead. */
static int utf8_tail(uint8_t c)
{
	if (c < 0x80)
		return 0;
	if (c >= 0xC2 && c <= 0xDF)
		return 1;
	if (c >= 0xE0 && c <= 0xEF)
		return 2;
	if (c >= 0xF0 && c <= 0xF4)
		return 3;
	return -1;
}

void cli_term_text(buf *out, const char *s, size_t len)
{
	const uint8_t *p = (const uint8_t *)s;
	for (size_t i = 0; i < len;) {
		uint8_t c = p[i];
		int tail = utf8_tail(c);
		bool whole = tail >= 0 && (size_t)tail < len - i;
		for (int k = 1; whole && k <= tail; k++)
			whole = (p[i + (size_t)k] & 0xC0) == 0x80;
		if (c < 0x20 || c == 0x7F || !whole) { /* C0, DEL, or a byte outside UTF-8 */
			buf_printf(out, "\\x%02x", c);
			i++;
		} else if (c == 0xC2 && p[i + 1] < 0xA0) { /* C1: U+0080..U+009F */
			buf_printf(out, "\\u%04x", p[i + 1]);
			i += 2;
		} else {
			buf_append(out, p + i, (size_t)tail + 1);
			i += (size_t)tail + 1;
		}
	}
}

const char *cli_term(buf *scratch, const char *s, size_t len)
{
	buf_reset(scratch);
	cli_term_text(scratch, s, len);
	buf_u8(scratch, 0);
	return scratch->failed ? "?" : (const char *)scratch->data;
}

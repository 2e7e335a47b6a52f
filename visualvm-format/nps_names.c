/* Method names the way VisualVM's default formatter shows them. */
#include <string.h>

#include "nps.h"

/* One descriptor type at *d: "int", "String[]", "java.util.List" (java.lang. dropped). */
static void format_type(const char **d, buf *out)
{
	int dims = 0;
	while (**d == '[')
		dims++, (*d)++;
	static const char prims[] = "ZBCSIJFDV";
	static const char *const names[] = {"boolean", "byte",  "char",   "short", "int",
	                                    "long",    "float", "double", "void"};
	const char *p = **d ? strchr(prims, **d) : NULL;
	if (p) {
		buf_append_str(out, names[p - prims]);
		(*d)++;
	} else if (**d == 'L') {
		const char *end = strchr(*d, ';');
		const char *s = *d + 1, *stop = end ? end : s + strlen(s);
		if ((size_t)(stop - s) > 10 && !strncmp(s, "java/lang/", 10) &&
		    !memchr(s + 10, '/', (size_t)(stop - s - 10)))
			s += 10;
		for (; s < stop; s++)
			buf_u8(out, *s == '/' ? '.' : (uint8_t)*s);
		*d = end ? end + 1 : stop;
	} else {
		buf_append_str(out, "?");
		if (**d)
			(*d)++;
	}
	while (dims--)
		buf_append_str(out, "[]");
}

bool nps_format_params(const char *signature, buf *out)
{
	const char *d = signature;
	if (*d != '(')
		return false;
	buf_u8(out, '(');
	d++;
	for (int i = 0; *d && *d != ')'; i++) {
		if (i)
			buf_append_str(out, ", ");
		format_type(&d, out);
	}
	buf_u8(out, ')');
	return true;
}

/* Row labels, exactly as IOpipe spelled them: "<group>.<item>.<field>". Built with memcpy, not
 * printf: a column has ~10 labels per thread and printf dominated the cost of a column. */
#include <inttypes.h>
#include <string.h>

#include "table.h"

static size_t start(buf *b, const char *group, const char *item)
{
	buf_reset(b);
	buf_append_str(b, group);
	buf_u8(b, '.');
	buf_append_str(b, item ? item : "Unknown");
	buf_u8(b, '.');
	return b->len;
}

size_t stats_label_prefix(buf *b, const char *group, const char *item) { return start(b, group, item); }

size_t stats_label_thread_prefix(buf *b, const char *name, int64_t id)
{
	start(b, "Thread", name);
	char digits[24];
	int n = snprintf(digits, sizeof digits, "%" PRId64 ".", id);
	buf_append(b, digits, n > 0 ? (size_t)n : 0);
	return b->len;
}

const char *stats_label_field(buf *b, size_t prefix, const char *field)
{
	if (b->failed || prefix > b->len)
		return NULL;
	b->len = prefix;
	buf_append(b, field, strlen(field) + 1); /* with the NUL */
	return b->failed ? NULL : (const char *)b->data;
}

const char *stats_label_item(buf *b, const char *group, const char *item, const char *field)
{
	return stats_label_field(b, start(b, group, item), field);
}

const char *stats_label_thread(buf *b, const char *name, int64_t id, const char *field)
{
	return stats_label_field(b, stats_label_thread_prefix(b, name, id), field);
}

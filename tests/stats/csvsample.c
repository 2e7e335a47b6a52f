/* Writes a stats CSV holding hostile text cells (formula-like, quotes, commas, newlines,
 * non-ASCII) and edge numbers to stdout, for the spreadsheet check in 20_stats.sh. */
#include <stdio.h>

#include "../../stats/table.h"

int main(void)
{
	static const char *const texts[] = {
	        "=1+1, \"x\"", "+1+1",         "-1+1",
	        "@SUM(1,2)",   "\t=1+1",       "=HYPERLINK(\"http://127.0.0.1\")",
	        "-12",         "line1\nline2", "Ünïcødé-スレッド-\xf0\x9f\x98\x80",
	        "RUNNABLE"};
	static const int64_t nums[] = {-1, 0, 1, 9007199254740991, -9007199254740991};
	stats_table *t = stats_table_new();
	buf out, label;
	buf_init(&out);
	buf_init(&label);
	if (!t)
		return 1;
	for (int col = 0; col < 2; col++) {
		stats_table_begin_column(t, col);
		for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
			stats_table_put_text(
			        t, STATS_SEC_THREAD,
			        stats_label_thread(&label, texts[i], (int64_t)i, "State (state)"), texts[i]);
		}
		for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
			stats_table_put_num(t, STATS_SEC_THREAD,
			                    stats_label_thread(&label, "n", (int64_t)i, "CPUTime (ns)"),
			                    nums[i]);
	}
	int rc = stats_csv_write(t, &out);
	if (rc == 0)
		fwrite(out.data, 1, out.len, stdout);
	buf_free(&out);
	buf_free(&label);
	stats_table_free(t);
	return rc == 0 ? 0 : 1;
}

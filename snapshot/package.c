#include "package.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

void snap_prefix_format(int64_t epoch_ms, char out[SNAP_PREFIX_LEN])
{
	time_t secs = (time_t)(epoch_ms / 1000);
	int ms = (int)(epoch_ms % 1000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	size_t n = strftime(out, SNAP_PREFIX_LEN, "%Y%m%d_%H%M%S", &tm);
	if (ms == 0)
		return;
	char frac[8];
	snprintf(frac, sizeof frac, "%03d", ms);
	for (int i = 2; i > 0 && frac[i] == '0'; i--)
		frac[i] = '\0';
	snprintf(out + n, SNAP_PREFIX_LEN - n, "_%s", frac);
}

static bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int snap_zip_path(const char *configured, const char *prefix, bool on_lambda, char *out, size_t n)
{
	int len;
	if (!configured || !*configured)
		len = snprintf(out, n, "%s%s.zip", on_lambda ? "/tmp/" : "", prefix);
	else if (configured[strlen(configured) - 1] == '/')
		len = snprintf(out, n, "%s%s.zip", configured, prefix);
	else if (is_dir(configured))
		len = snprintf(out, n, "%s/%s.zip", configured, prefix);
	else
		len = snprintf(out, n, "%s", configured);
	return len < 0 || (size_t)len >= n ? -1 : 0;
}

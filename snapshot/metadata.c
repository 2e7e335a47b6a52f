#include "metadata.h"

#include <stdio.h>
#include <time.h>

#include "../common/json_string.h"

static void field_str(buf *out, const char *key, const char *value, const char *sep)
{
	buf_printf(out, "  \"%s\": ", key);
	json_string(out, value);
	buf_append_str(out, sep);
}

static void iso_time(int64_t ms, char out[32])
{
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 32 - n, ".%03dZ", (int)(ms % 1000));
}

uint32_t snap_metadata_java_threads(const snap_profile *p)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < p->nthreads; i++)
		n += p->threads[i].root && p->threads[i].root->child;
	return n;
}

void snap_metadata_json(const snap_metadata *m, buf *out)
{
	char begin[32], end[32];
	iso_time(m->begin_ms, begin);
	iso_time(m->end_ms, end);
	buf_append_str(out, "{\n");
	field_str(out, "agent", "jvmsnap", ",\n");
	field_str(out, "agent_version", m->agent_version, ",\n");
	field_str(out, "jvm_name", m->jvm_name, ",\n");
	field_str(out, "jvm_version", m->jvm_version, ",\n");
	field_str(out, "function_name", m->function_name, ",\n");
	field_str(out, "function_version", m->function_version, ",\n");
	field_str(out, "request_id", m->request_id, ",\n");
	field_str(out, "window", m->window, ",\n");
	field_str(out, "window_start", begin, ",\n");
	field_str(out, "window_end", end, ",\n");
	buf_printf(out, "  \"window_start_ms\": %lld,\n  \"window_end_ms\": %lld,\n", (long long)m->begin_ms,
		   (long long)m->end_ms);
	buf_printf(out, "  \"duration_ms\": %lld,\n", (long long)(m->end_ms - m->begin_ms));
	buf_printf(out, "  \"interval_requested_us\": %u,\n", m->interval_requested_us);
	buf_printf(out, "  \"interval_achieved_us\": %.0f,\n", m->interval_achieved_us);
	field_str(out, "sampler", m->sampler, ",\n");
	if (m->sampler_clock)
		field_str(out, "sampler_clock", m->sampler_clock, ",\n");
	if (m->interval_running_us > 0)
		buf_printf(out, "  \"interval_running_us\": %.0f,\n", m->interval_running_us);
	buf_printf(out, "  \"sampler_cpu_ms\": %.1f,\n  \"sampler_cpu_percent\": %.2f,\n", m->sampler_cpu_ms,
		   m->sampler_cpu_percent);
	buf_printf(out, "  \"samples\": %llu,\n", (unsigned long long)m->samples);
	buf_printf(out, "  \"threads\": %u,\n  \"threads_with_java_frames\": %u,\n", m->threads,
		   m->threads_with_java_frames);
	buf_printf(out, "  \"methods\": %u,\n", m->methods);
	if (m->invocations_skipped >= 0)
		buf_printf(out, "  \"invocations_skipped\": %lld,\n", (long long)m->invocations_skipped);
	if (m->invocations_json)
		buf_printf(out, "  \"invocations\": %s,\n  \"invocations_not_listed\": %u,\n",
			   m->invocations_json, m->invocations_not_listed);
	if (m->invocations_without_own_zip >= 0)
		buf_printf(out, "  \"invocations_without_own_zip\": %lld,\n", (long long)m->invocations_without_own_zip);
	if (m->thread) {
		field_str(out, "thread", m->thread, ",\n");
		field_str(out, "shared_window", m->shared_window, ",\n");
		buf_printf(out, "  \"start_copy_cut\": %s,\n", m->start_copy_cut ? "true" : "false");
	}
	if (m->tree_cut) {
		buf_append_str(out, "  \"tree_cut\": {\"reason\": ");
		json_string(out, m->tree_cut);
		buf_printf(out, ", \"depth\": %u, \"nodes\": %llu, \"nodes_kept\": %llu},\n", m->tree_cut_depth,
			   (unsigned long long)m->tree_nodes, (unsigned long long)m->tree_nodes_kept);
	} else {
		buf_append_str(out, "  \"tree_cut\": null,\n");
	}
	buf_printf(out, "  \"stats_columns\": %d\n}\n", m->stats_columns);
}

#include "summary.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/json_string.h"

/* Self times per method over one thread's tree, without recursion (trees may be
 * thousands of frames deep): a growing stack of child lists still to visit. `by_method`
 * may be NULL (totals only). false when out of memory. */
static bool add_self(const snap_node *root, uint64_t *by_method, bool cpu, double *cpu_ms, double *wall_ms)
{
	size_t n = 0, cap = 64;
	const snap_node **stack = malloc(cap * sizeof *stack);
	if (!stack)
		return false;
	stack[n++] = root;
	while (n) {
		for (const snap_node *x = stack[--n]; x; x = x->sibling) {
			if (by_method)
				by_method[x->method] += cpu ? x->self_cpu_ns : x->self_wall_ns;
			*cpu_ms += (double)x->self_cpu_ns / 1e6;
			*wall_ms += (double)x->self_wall_ns / 1e6;
			if (!x->child)
				continue;
			if (n == cap) {
				const snap_node **grown = realloc(stack, 2 * cap * sizeof *stack);
				if (!grown) {
					free(stack);
					return false;
				}
				stack = grown;
				cap *= 2;
			}
			stack[n++] = x->child;
		}
	}
	free(stack);
	return true;
}

static void method_name(const snap_method *m, char out[SNAP_SUMMARY_NAME_MAX])
{
	snprintf(out, SNAP_SUMMARY_NAME_MAX, "%s%s%s", m->class_name, m->class_name[0] ? "." : "",
		 m->method_name);
}

void snap_summary_from_profile(const snap_profile *p, snap_summary *s)
{
	s->cpu_ms = s->wall_ms = 0;
	s->ntop = 0;
	s->top_time = p->has_cpu ? "cpu" : "wall";
	uint64_t *by_method = calloc(p->nmethods ? p->nmethods : 1, sizeof *by_method);
	for (uint32_t t = 0; t < p->nthreads; t++)
		if (p->threads[t].root)
			add_self(p->threads[t].root, by_method, p->has_cpu, &s->cpu_ms, &s->wall_ms);
	if (!by_method)
		return;
	by_method[SNAP_ROOT_METHOD] = 0;
	while (s->ntop < SNAP_SUMMARY_TOP) {
		uint32_t best = SNAP_ROOT_METHOD;
		for (uint32_t m = 1; m < p->nmethods; m++)
			if (by_method[m] > by_method[best])
				best = m;
		if (!by_method[best])
			break;
		snap_summary_method *out = &s->top[s->ntop++];
		method_name(&p->methods[best], out->name);
		out->self_ms = (double)by_method[best] / 1e6;
		by_method[best] = 0;
	}
	free(by_method);
}

static void json_int(buf *out, const char *key, int64_t v)
{
	if (v == SNAP_SUMMARY_UNKNOWN)
		buf_printf(out, ",\"%s\":null", key);
	else
		buf_printf(out, ",\"%s\":%lld", key, (long long)v);
}

/* Milliseconds with 3 decimals: enough for µs-resolution times, stable across builds. */
static void json_ms(buf *out, const char *key, double ms)
{
	buf_printf(out, ",\"%s\":%.3f", key, ms);
}

static void field_str(buf *out, const char *key, const char *v)
{
	buf_printf(out, ",\"%s\":", key);
	json_string(out, v);
}

void snap_summary_json(const snap_summary *s, buf *out)
{
	time_t secs = (time_t)(s->begin_ms / 1000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	char start[40];
	size_t n = strftime(start, sizeof start, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(start + n, sizeof start - n, ".%03dZ", (int)(s->begin_ms % 1000));
	buf_append_str(out, "{\"schema\":1");
	field_str(out, "function", s->function_name);
	field_str(out, "version", s->function_version);
	field_str(out, "request_id", s->request_id);
	field_str(out, "kind", s->kind);
	field_str(out, "start", start);
	json_int(out, "start_ms", s->begin_ms);
	json_int(out, "duration_ms", s->end_ms - s->begin_ms);
	json_int(out, "samples", (int64_t)s->samples);
	buf_printf(out, ",\"interval_us\":%.0f", s->interval_achieved_us);
	json_ms(out, "cpu_ms", s->cpu_ms);
	json_ms(out, "wall_ms", s->wall_ms);
	json_int(out, "gc_count", s->gc_count);
	json_int(out, "gc_ms", s->gc_ms);
	json_int(out, "heap_used_max", s->heap_used_max);
	json_int(out, "classes_loaded", s->classes_loaded);
	field_str(out, "top_time", s->top_time);
	buf_append_str(out, ",\"top_methods\":[");
	for (int i = 0; i < s->ntop; i++) {
		buf_append_str(out, i ? ",{\"method\":" : "{\"method\":");
		json_string(out, s->top[i].name);
		buf_printf(out, ",\"self_ms\":%.3f}", s->top[i].self_ms);
	}
	buf_u8(out, ']');
	field_str(out, "zip_key", s->zip_key);
	buf_append_str(out, "}\n");
}

int snap_summary_name(const char *zip, char *out, size_t n)
{
	size_t len = strlen(zip);
	if (len > 4 && strcmp(zip + len - 4, ".zip") == 0)
		len -= 4;
	int w = snprintf(out, n, "%.*s.json", (int)len, zip);
	return w < 0 || (size_t)w >= n ? -1 : 0;
}

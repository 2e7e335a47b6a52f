/* The .nps writer (layout: nps_format.h). In the agent it runs on the agent's JVM thread
 * (RunAgentThread), whose stack is the JVM's choice and may be small, when a window
 * closes; in jvmsnap, for `merge`. Nothing here recurses: trees go through nps_tree_build. */
#include "nps.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../common/mutf8.h"
#include "nps_format.h"

static const snap_node empty_root = {.method = SNAP_ROOT_METHOD, .ncalls = 1};

static void put_i32(buf *b, int32_t v) { buf_be(b, (uint32_t)v, 4); }
static void put_i64(buf *b, int64_t v) { buf_be(b, (uint64_t)v, 8); }
static void put_bool(buf *b, bool v) { buf_u8(b, v ? 1 : 0); }
static void put_str(buf *b, const char *s) { mutf8_put_jutf(b, s, strlen(s)); }

static uint32_t clamp_i32(uint64_t v) { return v > INT32_MAX ? INT32_MAX : (uint32_t)v; }

static bool thread_has_samples(const snap_thread *t) { return t->root && t->root->child; }

static bool expired(const nps_write_options *o) { return o && o->now_ns && o->now_ns() >= o->deadline_ns; }

/* Node geometry of one thread array (§6.3): W is decided by the length alone. */
typedef struct {
	uint32_t header; /* 28 or 18 */
	uint32_t width;  /* 3 or 4 */
	uint64_t len;    /* L */
} layout;

static layout plan_layout(uint32_t nodes, bool cpu)
{
	layout l = {.header = cpu ? NPS_NODE_SIZE_TWO : NPS_NODE_SIZE_ONE, .width = 3};
	l.len = (uint64_t)nodes * l.header + 3u * ((uint64_t)nodes - 1);
	if (l.len > NPS_W3_MAX_LEN) {
		l.width = 4;
		l.len = (uint64_t)nodes * l.header + 4u * ((uint64_t)nodes - 1);
	}
	return l;
}

static int check_tree(const snap_profile *p, const nps_tree *t)
{
	if (t->nodes[0].node->method != SNAP_ROOT_METHOD)
		return NPS_ERR_INVALID;
	for (uint32_t i = 0; i < t->count; i++) {
		if (t->nodes[i].node->method >= p->nmethods)
			return NPS_ERR_INVALID;
		if (t->nodes[i].nchildren > UINT16_MAX)
			return NPS_ERR_LIMIT;
	}
	return 0;
}

/* Pre-order offsets: each node's position is the sum of the sizes before it. */
static uint32_t *node_offsets(const nps_tree *t, const layout *l)
{
	uint32_t *ofs = malloc((size_t)t->count * sizeof *ofs);
	if (!ofs)
		return NULL;
	uint64_t at = 0;
	for (uint32_t i = 0; i < t->count; i++) {
		ofs[i] = (uint32_t)at;
		at += l->header + (uint64_t)l->width * t->nodes[i].nchildren;
	}
	return ofs;
}

static void put_node(buf *b, const nps_tree *t, uint32_t i, const uint32_t *ofs, const layout *l)
{
	const nps_tree_node *n = &t->nodes[i];
	buf_be(b, n->node->method, 2);
	buf_be(b, clamp_i32(n->ncalls), 4);
	buf_be(b, n->total_wall_us, 5);
	buf_be(b, n->self_wall_us, 5);
	if (l->header == NPS_NODE_SIZE_TWO) {
		buf_be(b, n->total_cpu_us, 5);
		buf_be(b, n->self_cpu_us, 5);
	}
	buf_be(b, n->nchildren, 2);
	uint32_t c = i + 1;
	for (uint32_t k = 0; k < n->nchildren; k++) {
		buf_be(b, ofs[c], (int)l->width);
		c += t->nodes[c].subtree;
	}
}

/* Fields 6-16 of the thread record (§5). */
static void put_thread_stats(buf *b, const nps_tree *t, const layout *l)
{
	const nps_tree_node *root = &t->nodes[0];
	int64_t inv = 0;
	for (uint32_t i = 0; i < t->count; i++)
		inv += clamp_i32(t->nodes[i].ncalls);
	uint64_t gross_cpu = root->total_cpu_us * 1000u;
	put_i32(b, (int32_t)l->header);
	put_i64(b, (int64_t)(root->total_wall_us * 1000u));
	put_i64(b, (int64_t)gross_cpu);
	put_i64(b, 0); /* +0.0 as an IEEE double is all zero bits */
	put_i64(b, 0);
	put_i64(b, (int64_t)root->total_wall_us);
	put_i64(b, (int64_t)root->total_cpu_us);
	put_i64(b, (int64_t)root->total_wall_us);
	put_i64(b, (int64_t)root->total_cpu_us);
	put_i64(b, inv);
	put_bool(b, gross_cpu > 0);
}

static int put_thread(buf *b, const snap_profile *p, int32_t id, const char *name, const snap_node *root,
		      const nps_write_options *o)
{
	if (id < 0)
		return NPS_ERR_INVALID;
	if (expired(o))
		return NPS_ERR_DEADLINE;
	nps_tree t;
	int rc = nps_tree_build(root, p->has_cpu, &t);
	if (rc)
		return rc;
	rc = check_tree(p, &t);
	layout l = plan_layout(t.count, p->has_cpu);
	if (!rc && l.len > INT32_MAX)
		rc = NPS_ERR_LIMIT;
	uint32_t *ofs = rc ? NULL : node_offsets(&t, &l);
	if (!rc && !ofs)
		rc = NPS_ERR_NOMEM;
	if (!rc) {
		put_i32(b, id);
		put_str(b, name ? name : "");
		put_bool(b, p->has_cpu);
		put_i32(b, (int32_t)l.len);
		buf_reserve(b, (size_t)l.len + 128);
		for (uint32_t i = 0; i < t.count && !rc; i++) {
			put_node(b, &t, i, ofs, &l);
			if (i % NPS_DEADLINE_EVERY != NPS_DEADLINE_EVERY - 1)
				continue;
			if (o && o->nodes_put)
				*o->nodes_put += NPS_DEADLINE_EVERY;
			if (expired(o))
				rc = NPS_ERR_DEADLINE;
		}
		if (!rc && o && o->nodes_put)
			*o->nodes_put += t.count % NPS_DEADLINE_EVERY;
		if (!rc)
			put_thread_stats(b, &t, &l);
	}
	free(ofs);
	nps_tree_free(&t);
	return rc;
}

static int put_threads(buf *b, const snap_profile *p, const nps_write_options *o)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < p->nthreads; i++)
		n += thread_has_samples(&p->threads[i]);
	/* Zero thread records load, but the merged views then throw (§11.12). */
	if (n == 0) {
		put_i32(b, 1);
		if (p->nthreads == 0)
			return put_thread(b, p, 0, "[no samples]", &empty_root, o);
		const snap_thread *t = &p->threads[0];
		return put_thread(b, p, t->id, t->name, t->root ? t->root : &empty_root, o);
	}
	put_i32(b, (int32_t)n);
	for (uint32_t i = 0; i < p->nthreads; i++) {
		const snap_thread *t = &p->threads[i];
		if (!thread_has_samples(t))
			continue;
		int rc = put_thread(b, p, t->id, t->name, t->root, o);
		if (rc)
			return rc;
	}
	return 0;
}

/* The inflated CPU results block (§3). */
static int put_block(buf *b, const snap_profile *p, const nps_write_options *o)
{
	if (p->nmethods < 1 || p->nmethods > SNAP_MAX_METHODS)
		return NPS_ERR_INVALID;
	put_i32(b, 1);
	put_i64(b, p->begin_ms);
	put_i64(b, p->end_ms);
	put_bool(b, p->has_cpu);
	put_i32(b, (int32_t)p->nmethods);
	for (uint32_t i = 0; i < p->nmethods; i++) {
		const snap_method *m = &p->methods[i];
		put_str(b, m->class_name);
		put_str(b, m->method_name);
		put_str(b, m->signature);
	}
	int rc = put_threads(b, p, o);
	if (!rc && b->failed)
		rc = NPS_ERR_NOMEM;
	return rc;
}

/* A .properties value: ISO-8859-1 text, so everything outside printable ASCII becomes
 * \uXXXX (UTF-16 units), and the characters Properties.load treats specially are
 * escaped. */
static void put_prop_value(buf *b, const char *v)
{
	const uint8_t *s = (const uint8_t *)v;
	size_t len = strlen(v), pos = 0;
	while (pos < len) {
		bool first = pos == 0;
		uint32_t cp = mutf8_utf8_next(s, len, &pos);
		if (cp >= 0x10000) {
			cp -= 0x10000;
			buf_printf(b, "\\u%04X\\u%04X", 0xD800 | (cp >> 10), 0xDC00 | (cp & 0x3FF));
		} else if (cp < 0x20 || cp > 0x7E) {
			buf_printf(b, "\\u%04X", cp);
		} else if (cp == '\\' || cp == '=' || cp == ':' || cp == '#' || cp == '!' ||
		           (cp == ' ' && first)) {
			buf_u8(b, '\\');
			buf_u8(b, (uint8_t)cp);
		} else {
			buf_u8(b, (uint8_t)cp);
		}
	}
}

static void put_prop(buf *b, const char *key, const char *value)
{
	buf_append_str(b, key);
	buf_u8(b, '=');
	put_prop_value(b, value);
	buf_u8(b, '\n');
}

/* §9: the keys that make VisualVM label the snapshot as sampled ("Hits"). */
static void put_settings(buf *b, const snap_profile *p, const char *name)
{
	/* VisualVM's Sampling Period is the interval achieved; the µs key keeps the requested. */
	uint32_t shown_us = p->achieved_interval_us ? p->achieved_interval_us : p->interval_us;
	uint32_t ms = (shown_us + 500u) / 1000u;
	char freq[16], us[16];
	snprintf(freq, sizeof freq, "%u", ms ? ms : 1u);
	snprintf(us, sizeof us, "%u", p->interval_us);
	buf_append_str(b, "#jvmsnap CPU sampling\n");
	put_prop(b, "profiler.settings.settings.name", name);
	put_prop(b, "profiler.settigns.ispreset", "true"); /* sic, VisualVM's key */
	put_prop(b, "profiler.settings.profiling.type", "64");
	put_prop(b, "profiler.settings.cpu.profiling.type", "2");
	put_prop(b, "profiler.settings.thread.cpu.timer.on", p->has_cpu ? "true" : "false");
	put_prop(b, NPS_FREQ_KEY, freq);
	/* Only when the period above does not already say it: then the reader's rule (the µs
	 * key, else the period) gives back what was written, and a rewrite the same bytes. */
	if (p->interval_us && p->interval_us != (ms ? ms : 1u) * 1000u)
		put_prop(b, NPS_INTERVAL_US_KEY, us);
}

/* zlib's compress2, in chunks so that a deadline is looked at between them (the same
 * bytes: deflate's output does not depend on how its input is handed over). */
enum { DEFLATE_CHUNK = 1 << 20 };
static int deflate_block(uint8_t *dst, uLongf *dst_len, const buf *block, int level, const nps_write_options *o)
{
	z_stream zs;
	memset(&zs, 0, sizeof zs);
	if (deflateInit(&zs, level) != Z_OK)
		return NPS_ERR_ZLIB;
	zs.next_out = dst;
	zs.avail_out = (uInt)*dst_len;
	size_t pos = 0;
	int z = Z_OK, rc = 0;
	while (z == Z_OK) {
		if (expired(o)) {
			rc = NPS_ERR_DEADLINE;
			break;
		}
		size_t n = block->len - pos < DEFLATE_CHUNK ? block->len - pos : DEFLATE_CHUNK;
		zs.next_in = block->data + pos;
		zs.avail_in = (uInt)n;
		pos += n;
		z = deflate(&zs, pos == block->len ? Z_FINISH : Z_NO_FLUSH);
		if (z == Z_OK && zs.avail_in) /* the bound left no room: cannot happen */
			z = Z_BUF_ERROR;
	}
	if (!rc && z != Z_STREAM_END)
		rc = NPS_ERR_ZLIB;
	*dst_len = zs.total_out;
	deflateEnd(&zs);
	return rc;
}

/* Header, zlib stream compressed in place after the header, settings, comment (§1). */
static int put_file(buf *out, const buf *block, const snap_profile *p, const nps_write_options *o)
{
	if (block->len > INT32_MAX)
		return NPS_ERR_LIMIT;
	uLong bound = compressBound((uLong)block->len);
	if (!buf_reserve(out, NPS_HEADER_LEN + (size_t)bound))
		return NPS_ERR_NOMEM;
	size_t start = out->len;
	buf_append(out, NPS_MAGIC, NPS_MAGIC_LEN);
	buf_u8(out, 1);
	buf_u8(out, 2);
	put_i32(out, NPS_TYPE_CPU);
	put_i32(out, 0); /* C, patched below */
	put_i32(out, (int32_t)block->len);
	uLongf clen = bound;
	int level = o && o->zlib_level >= 1 && o->zlib_level <= 9 ? o->zlib_level : Z_DEFAULT_COMPRESSION;
	int zrc = deflate_block(out->data + out->len, &clen, block, level, o);
	if (zrc)
		return zrc;
	if (clen > INT32_MAX)
		return NPS_ERR_LIMIT;
	for (int i = 0; i < 4; i++)
		out->data[start + 16 + (size_t)i] = (uint8_t)(clen >> (24 - 8 * i));
	out->len += clen;
	buf settings;
	buf_init(&settings);
	put_settings(&settings, p, o && o->settings_name ? o->settings_name : "jvmsnap sampler");
	int rc = settings.failed ? NPS_ERR_NOMEM : 0;
	put_i32(out, (int32_t)settings.len);
	buf_append(out, settings.data, settings.len);
	buf_free(&settings);
	put_str(out, o && o->comment ? o->comment : "");
	return rc ? rc : out->failed ? NPS_ERR_NOMEM : 0;
}

int nps_write(const snap_profile *p, const nps_write_options *o, buf *out)
{
	size_t start = out->len;
	buf block;
	buf_init(&block);
	int rc = put_block(&block, p, o);
	if (!rc)
		rc = put_file(out, &block, p, o);
	buf_free(&block);
	if (rc && out->len > start)
		out->len = start;
	return rc;
}

/* The .nps reader. Its input may be anything (a truncated upload, a file from another
 * tool), so every length, count and offset is checked before use, node offsets may be
 * visited once only (no cycles, no exponential sharing), and nothing recurses. */
#include "nps.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../common/mutf8.h"
#include "nps_format.h"

/* Decoding can triple a string (each stray byte becomes U+FFFD). */
#define TEXT_SIZE (3 * MUTF8_JUTF_MAX + 1)

typedef struct {
	const uint8_t *data;
	size_t len, pos;
} cursor;

typedef struct {
	snap_profile *p;
	uint32_t *method_map; /* file method id -> profile method id */
	uint32_t nmethods;    /* M of the file */
	char *text[3];        /* scratch for a method's three names, decoded */
	int rc;
	char *err;
	size_t errlen;
} reader;

__attribute__((format(printf, 3, 4))) static int fail(reader *r, int rc, const char *fmt, ...)
{
	if (r->rc)
		return r->rc; /* keep the first, most specific message */
	r->rc = rc;
	if (r->err && r->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(r->err, r->errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static bool has(const cursor *c, size_t n) { return c->len - c->pos >= n; }

/* Big-endian unsigned of n bytes; the caller has checked `has`. */
static uint64_t take(cursor *c, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v = (v << 8) | c->data[c->pos++];
	return v;
}

static uint64_t be_at(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

static uint64_t sat_add(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

static bool read_u(reader *r, cursor *c, int n, uint64_t *v, const char *what)
{
	if (!has(c, (size_t)n)) {
		fail(r, NPS_ERR_FORMAT, "file too short reading %s", what);
		return false;
	}
	*v = take(c, n);
	return true;
}

static bool read_i32(reader *r, cursor *c, int32_t *v, const char *what)
{
	uint64_t u;
	if (!read_u(r, c, 4, &u, what))
		return false;
	*v = (int32_t)(uint32_t)u;
	return true;
}

/* A jutf, decoded into scratch slot `slot` (valid until that slot is reused). */
static const char *read_jutf(reader *r, cursor *c, int slot, const char *what)
{
	uint64_t n;
	if (!read_u(r, c, 2, &n, what))
		return NULL;
	if (!has(c, n)) {
		fail(r, NPS_ERR_FORMAT, "file too short reading %s", what);
		return NULL;
	}
	mutf8_to_utf8((const char *)c->data + c->pos, n, r->text[slot], TEXT_SIZE);
	c->pos += n;
	return r->text[slot];
}

/* ---- container (§1, §2) ---- */

static int inflate_block(reader *r, const uint8_t *z, size_t zlen, size_t hint, buf *out)
{
	z_stream s;
	memset(&s, 0, sizeof s);
	if (inflateInit(&s) != Z_OK)
		return fail(r, NPS_ERR_NOMEM, "inflateInit failed");
	size_t cap = hint < 4096                          ? 4096
	             : hint > NPS_READ_MAX_INFLATED_BYTES ? NPS_READ_MAX_INFLATED_BYTES
	                                                  : hint;
	s.next_in = (Bytef *)z;
	s.avail_in = (uInt)zlen;
	int zr = Z_OK;
	while (zr == Z_OK) {
		if (out->len == cap) {
			if (cap >= NPS_READ_MAX_INFLATED_BYTES) {
				inflateEnd(&s);
				return fail(r, NPS_ERR_LIMIT, "CPU block inflates beyond %zu bytes",
				            (size_t)NPS_READ_MAX_INFLATED_BYTES);
			}
			cap = cap * 2 > NPS_READ_MAX_INFLATED_BYTES ? NPS_READ_MAX_INFLATED_BYTES : cap * 2;
		}
		if (!buf_reserve(out, cap - out->len)) {
			inflateEnd(&s);
			return fail(r, NPS_ERR_NOMEM, "out of memory inflating");
		}
		s.next_out = out->data + out->len;
		s.avail_out = (uInt)(cap - out->len);
		zr = inflate(&s, Z_NO_FLUSH);
		out->len = cap - s.avail_out;
		if (zr == Z_BUF_ERROR && s.avail_out > 0)
			break; /* input exhausted before the end of the stream */
		if (zr == Z_BUF_ERROR)
			zr = Z_OK;
	}
	size_t left = s.avail_in;
	inflateEnd(&s);
	if (zr != Z_STREAM_END)
		return fail(r, NPS_ERR_FORMAT, "compressed CPU block is corrupt or truncated (zlib %d)", zr);
	if (left)
		return fail(r, NPS_ERR_FORMAT, "compressed stream ended too early (%zu bytes left)", left);
	return 0;
}

/* The number after `key` in the settings' Properties text; 0 when absent. */
static uint32_t parse_setting(const uint8_t *s, size_t len, const char *key)
{
	size_t klen = strlen(key);
	for (size_t i = 0; i + klen < len; i++) {
		if ((i > 0 && s[i - 1] != '\n') || memcmp(s + i, key, klen) != 0)
			continue;
		size_t j = i + klen;
		while (j < len && (s[j] == ' ' || s[j] == '\t'))
			j++;
		if (j < len && (s[j] == '=' || s[j] == ':'))
			j++;
		while (j < len && (s[j] == ' ' || s[j] == '\t'))
			j++;
		uint32_t v = 0;
		for (; j < len && s[j] >= '0' && s[j] <= '9' && v < 400000u; j++)
			v = v * 10 + (uint32_t)(s[j] - '0');
		return v;
	}
	return 0;
}

/* Header, then the settings and comment after the compressed block. Leaves the
 * compressed window in *z / *zlen and U in *ulen. */
static int read_container(reader *r, cursor *c, const uint8_t **z, size_t *zlen, size_t *ulen)
{
	if (c->len < NPS_HEADER_LEN || memcmp(c->data, NPS_MAGIC, NPS_MAGIC_LEN) != 0)
		return fail(r, NPS_ERR_FORMAT, "not a VisualVM snapshot (bad magic)");
	int8_t major = (int8_t)c->data[10];
	uint8_t minor = c->data[11];
	c->pos = 12;
	int32_t type = 0, clen = 0, u = 0, slen = 0;
	read_i32(r, c, &type, "type");
	read_i32(r, c, &clen, "compressed length");
	read_i32(r, c, &u, "uncompressed length");
	if (major > 1)
		return fail(r, NPS_ERR_FORMAT, "unsupported file version %d.%u", major, minor);
	if (type != NPS_TYPE_CPU)
		return fail(r, NPS_ERR_FORMAT, "not a CPU snapshot (type %d)", type);
	if (clen < 0 || !has(c, (size_t)clen))
		return fail(r, NPS_ERR_FORMAT, "file too short for compressed length %d", clen);
	*z = c->data + c->pos;
	*zlen = (size_t)clen;
	/* U only sizes the first buffer; deflate cannot expand more than ~1032:1. */
	*ulen = u > 0 ? (size_t)u : 0;
	if (*ulen / 1100 > *zlen)
		*ulen = *zlen * 1100;
	c->pos += (size_t)clen;
	if (!read_i32(r, c, &slen, "settings length"))
		return r->rc;
	if (slen < 0 || !has(c, (size_t)slen))
		return fail(r, NPS_ERR_FORMAT, "file too short for settings length %d", slen);
	/* Our microseconds when the file has them, else VisualVM's whole milliseconds. With
	 * both, a period that is not the requested interval rounded is the achieved one (the
	 * writer shows that to VisualVM): kept, so that a rewrite gives the same bytes. */
	uint32_t freq_ms = parse_setting(c->data + c->pos, (size_t)slen, NPS_FREQ_KEY);
	r->p->interval_us = parse_setting(c->data + c->pos, (size_t)slen, NPS_INTERVAL_US_KEY);
	if (!r->p->interval_us) {
		r->p->interval_us = freq_ms * 1000u;
	} else {
		uint32_t shown_ms = (r->p->interval_us + 500u) / 1000u;
		if (freq_ms && freq_ms != (shown_ms ? shown_ms : 1u))
			r->p->achieved_interval_us = freq_ms * 1000u;
	}
	c->pos += (size_t)slen;
	if (minor >= 2 && !read_jutf(r, c, 0, "comment"))
		return r->rc;
	return 0;
}

/* ---- CPU block (§3, §4) ---- */

static int read_methods(reader *r, cursor *c)
{
	int32_t m;
	if (!read_i32(r, c, &m, "method count"))
		return r->rc;
	if (m < 1 || (uint32_t)m > SNAP_MAX_METHODS)
		return fail(r, NPS_ERR_FORMAT, "bad method count %d", m);
	r->nmethods = (uint32_t)m;
	r->method_map = calloc(r->nmethods, sizeof *r->method_map);
	if (!r->method_map)
		return fail(r, NPS_ERR_NOMEM, "out of memory");
	for (uint32_t i = 0; i < r->nmethods; i++) {
		const char *cls = read_jutf(r, c, 0, "class name");
		const char *name = read_jutf(r, c, 1, "method name");
		const char *sig = read_jutf(r, c, 2, "signature");
		if (!cls || !name || !sig)
			return r->rc;
		/* Entry 0 is the thread pseudo-method whatever it is called (§4). */
		if (i == 0)
			continue;
		r->method_map[i] = snap_method_intern(r->p, cls, name, sig);
		if (r->method_map[i] == SNAP_ROOT_METHOD)
			return fail(r, NPS_ERR_NOMEM, "method table full or out of memory");
	}
	return 0;
}

/* ---- compact tree (§6) ---- */

typedef struct {
	uint32_t ofs;
	uint32_t depth;
	snap_node *parent; /* NULL for the array's root */
} pending;

typedef struct {
	const uint8_t *data;
	uint32_t len;
	uint32_t header; /* 28 or 18 */
	uint32_t width;  /* 3 or 4 */
	bool cpu;
	uint8_t *seen; /* one bit per byte offset */
	pending *stack;
	size_t nstack, cap;
} tree_in;

static bool push(tree_in *t, pending e)
{
	if (t->nstack == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		pending *s = realloc(t->stack, cap * sizeof *s);
		if (!s)
			return false;
		t->stack = s;
		t->cap = cap;
	}
	t->stack[t->nstack++] = e;
	return true;
}

/* The model node a file node lands on. Same-method siblings (or ids that interning
 * merged) share one node, which keeps the profile's distinct-sibling invariant. */
static snap_node *place(reader *r, snap_node *root, const pending *e, uint32_t mid)
{
	bool created;
	if (!e->parent && mid == 0)
		return root;
	/* A root that is not the pseudo-method: VisualVM shows it under a thread node. */
	return snap_node_child(r->p, e->parent ? e->parent : root, r->method_map[mid], &created);
}

static int read_node(reader *r, tree_in *t, snap_node *root, const pending *e)
{
	uint64_t need = (uint64_t)e->ofs + t->header;
	if (need > t->len)
		return fail(r, NPS_ERR_FORMAT, "node offset %u runs past the tree (%u bytes)", e->ofs,
		            t->len);
	if (t->seen[e->ofs >> 3] & (1u << (e->ofs & 7)))
		return fail(r, NPS_ERR_FORMAT, "node offset %u referenced twice (cycle or shared node)",
		            e->ofs);
	t->seen[e->ofs >> 3] |= (uint8_t)(1u << (e->ofs & 7));
	const uint8_t *n = t->data + e->ofs;
	uint32_t mid = (uint32_t)be_at(n, 2);
	int32_t calls = (int32_t)(uint32_t)be_at(n + 2, 4);
	uint64_t self0 = be_at(n + 11, 5), self1 = t->cpu ? be_at(n + 21, 5) : 0;
	uint32_t nchild = (uint32_t)be_at(n + t->header - 2, 2);
	if (mid >= r->nmethods)
		return fail(r, NPS_ERR_FORMAT, "node at %u has method id %u >= %u", e->ofs, mid, r->nmethods);
	if (need + (uint64_t)nchild * t->width > t->len)
		return fail(r, NPS_ERR_FORMAT, "children of node %u run past the tree", e->ofs);
	if (e->depth >= NPS_READ_MAX_DEPTH)
		return fail(r, NPS_ERR_FORMAT, "tree deeper than %u", NPS_READ_MAX_DEPTH);
	snap_node *node = place(r, root, e, mid);
	if (!node)
		return fail(r, NPS_ERR_NOMEM, "out of memory building the tree");
	uint32_t hits = calls > 0 ? (uint32_t)calls : 0;
	if (node == root)
		node->ncalls = hits;
	else
		node->ncalls = hits > UINT32_MAX - node->ncalls ? UINT32_MAX : node->ncalls + hits;
	node->self_wall_ns = sat_add(node->self_wall_ns, self0 * 1000u);
	node->self_cpu_ns = sat_add(node->self_cpu_ns, self1 * 1000u);
	/* Pushed in file order and popped in reverse: snap_node_child prepends, so the
	 * profile's sibling lists end up in file order and a rewrite keeps the layout. */
	for (uint32_t k = 0; k < nchild; k++) {
		uint32_t ofs = (uint32_t)be_at(n + t->header + (size_t)k * t->width, (int)t->width);
		if (!push(t, (pending){ofs, e->depth + 1, node}))
			return fail(r, NPS_ERR_NOMEM, "out of memory");
	}
	return 0;
}

static int read_tree(reader *r, const uint8_t *data, uint32_t len, bool cpu, snap_node *root)
{
	tree_in t = {.data = data, .len = len, .header = cpu ? 28u : 18u, .cpu = cpu};
	t.width = len <= NPS_W3_MAX_LEN ? 3u : 4u;
	if (len < t.header)
		return fail(r, NPS_ERR_FORMAT, "thread tree of %u bytes has no root node", len);
	t.seen = calloc(len / 8 + 1, 1);
	if (!t.seen || !push(&t, (pending){0, 0, NULL}))
		fail(r, NPS_ERR_NOMEM, "out of memory");
	while (!r->rc && t.nstack) {
		pending e = t.stack[--t.nstack];
		read_node(r, &t, root, &e);
	}
	free(t.seen);
	free(t.stack);
	return r->rc;
}

/* ---- threads (§5) ---- */

static int read_thread(reader *r, cursor *c, int32_t *id)
{
	bool cpu;
	int32_t l;
	uint64_t flag;
	if (!read_i32(r, c, id, "thread id"))
		return r->rc;
	if (*id < 0)
		return fail(r, NPS_ERR_FORMAT, "negative thread id %d", *id);
	const char *name = read_jutf(r, c, 0, "thread name");
	if (!name || !read_u(r, c, 1, &flag, "thread flag") || !read_i32(r, c, &l, "tree length"))
		return r->rc;
	cpu = flag != 0;
	if (l < 0 || !has(c, (size_t)l + NPS_THREAD_TAIL_LEN))
		return fail(r, NPS_ERR_FORMAT, "file too short for thread tree of %d bytes", l);
	snap_thread *t = snap_thread_add(r->p, name);
	if (!t)
		return fail(r, NPS_ERR_NOMEM, "out of memory adding a thread");
	t->id = *id;
	snap_node *root = t->root;
	root->ncalls = 0;
	if (read_tree(r, c->data + c->pos, (uint32_t)l, cpu, root))
		return r->rc;
	c->pos += (size_t)l + NPS_THREAD_TAIL_LEN; /* stats are derived again when writing */
	return 0;
}

static int cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return (x > y) - (x < y);
}

static int read_threads(reader *r, cursor *c)
{
	int32_t n;
	if (!read_i32(r, c, &n, "thread count"))
		return r->rc;
	/* Each record takes more than NPS_THREAD_TAIL_LEN bytes: bounds the allocation. */
	if (n < 0 || (size_t)n > (c->len - c->pos) / NPS_THREAD_TAIL_LEN)
		return fail(r, NPS_ERR_FORMAT, "bad thread count %d", n);
	int32_t *ids = malloc(((size_t)n + 1) * sizeof *ids);
	if (!ids)
		return fail(r, NPS_ERR_NOMEM, "out of memory");
	for (int32_t i = 0; i < n && !r->rc; i++)
		read_thread(r, c, &ids[i]);
	if (!r->rc) {
		qsort(ids, (size_t)n, sizeof *ids, cmp_i32);
		for (int32_t i = 1; i < n; i++)
			if (ids[i] == ids[i - 1]) {
				fail(r, NPS_ERR_FORMAT, "thread id %d appears twice", ids[i]);
				break;
			}
	}
	free(ids);
	return r->rc;
}

static int read_block(reader *r, const uint8_t *data, size_t len)
{
	cursor c = {data, len, 0};
	int32_t version;
	uint64_t begin, taken, two;
	if (!read_i32(r, &c, &version, "results version"))
		return r->rc;
	if (version != 1)
		return fail(r, NPS_ERR_FORMAT, "unsupported results version %d", version);
	if (!read_u(r, &c, 8, &begin, "begin time") || !read_u(r, &c, 8, &taken, "time taken") ||
	    !read_u(r, &c, 1, &two, "two-timestamps flag"))
		return r->rc;
	r->p->begin_ms = (int64_t)begin;
	r->p->end_ms = (int64_t)taken;
	r->p->has_cpu = two != 0;
	if (read_methods(r, &c) || read_threads(r, &c))
		return r->rc;
	if (c.pos != c.len)
		return fail(r, NPS_ERR_FORMAT, "%zu unexpected bytes after the last thread", c.len - c.pos);
	return 0;
}

int nps_read(const uint8_t *data, size_t len, snap_profile **out, char *err, size_t errlen)
{
	reader r = {.err = err, .errlen = errlen};
	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	r.p = snap_profile_new(NULL);
	for (int i = 0; i < 3; i++)
		r.text[i] = malloc(TEXT_SIZE);
	if (!r.p || !r.text[0] || !r.text[1] || !r.text[2]) {
		fail(&r, NPS_ERR_NOMEM, "out of memory");
	} else {
		cursor c = {data, len, 0};
		const uint8_t *z = NULL;
		size_t zlen = 0, ulen = 0;
		buf block;
		buf_init(&block);
		if (!read_container(&r, &c, &z, &zlen, &ulen) && !inflate_block(&r, z, zlen, ulen, &block))
			read_block(&r, block.data, block.len);
		buf_free(&block);
	}
	for (int i = 0; i < 3; i++)
		free(r.text[i]);
	free(r.method_map);
	if (r.rc) {
		snap_profile_free(r.p);
		return r.rc;
	}
	*out = r.p;
	return 0;
}

/* `jvmsnap pprof`: the profile in pprof's format (profile.proto, gzip-compressed), with
 * "cpu" and "wall" sample types in nanoseconds, so go tool pprof, Pyroscope, speedscope
 * and Polar Signals open it. One sample per call path with self time, leaf first, labelled
 * with its thread's name; one location and one function per method.
 *
 * The encoder is written by hand: the output is ~8 message types of varints and
 * length-delimited fields, while protobuf-c would add a code generator (protoc-c) and
 * generated sources to the build for the same bytes. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "cli.h"

static void usage(FILE *f)
{
	fputs("Usage: jvmsnap pprof [options] FILE... -o OUT.pb.gz\n"
	      "Writes the snapshots (merged when several) as a pprof profile: gzip-compressed\n"
	      "protobuf with the sample types cpu and wall (nanoseconds of self time), each\n"
	      "sample labelled with its thread. Read it with `go tool pprof -top OUT.pb.gz`,\n"
	      "Pyroscope, speedscope or Polar Signals.\n"
	      "\n"
	      "  -o, --output OUT     the file to write (required)\n"
	      "  -t, --time wall|cpu  the default sample type (default: cpu when measured)\n"
	      "  -h, --help           this help\n",
	      f);
}

/* ---- protobuf wire format ---- */

static void varint(buf *b, uint64_t v)
{
	do {
		uint8_t byte = v & 0x7f;
		v >>= 7;
		buf_u8(b, (uint8_t)(byte | (v ? 0x80 : 0)));
	} while (v);
}

static void field_varint(buf *b, uint32_t field, uint64_t v)
{
	varint(b, (uint64_t)field << 3);
	varint(b, v);
}

static void field_bytes(buf *b, uint32_t field, const void *data, size_t len)
{
	varint(b, (uint64_t)field << 3 | 2);
	varint(b, len);
	buf_append(b, data, len);
}

static void field_msg(buf *b, uint32_t field, const buf *msg)
{
	field_bytes(b, field, msg->data, msg->len);
}

/* ---- the string table: interned, index 0 = "" ---- */

typedef struct {
	buf out; /* the encoded string_table fields */
	char **strs;
	size_t n, cap;
} strtab;

static uint64_t intern(strtab *t, const char *s)
{
	for (size_t i = 0; i < t->n; i++) /* small tables: methods and thread names */
		if (!strcmp(t->strs[i], s))
			return i;
	if (t->n == t->cap) {
		char **g = realloc(t->strs, (t->cap = t->cap ? 2 * t->cap : 64) * sizeof *g);
		if (!g) {
			t->out.failed = true;
			return 0;
		}
		t->strs = g;
	}
	t->strs[t->n] = strdup(s);
	if (!t->strs[t->n])
		t->out.failed = true;
	field_bytes(&t->out, 6, s, strlen(s));
	return t->n++;
}

static void value_type(buf *b, uint32_t field, strtab *t, const char *type, const char *unit)
{
	buf m;
	buf_init(&m);
	field_varint(&m, 1, intern(t, type));
	field_varint(&m, 2, intern(t, unit));
	field_msg(b, field, &m);
	buf_free(&m);
}

/* One Sample per node with self time, its location ids leaf first (pprof's order). */
static void samples(buf *out, const snap_profile *p, const snap_thread *th, strtab *t)
{
	nps_tree tr;
	if (nps_tree_build(th->root, true, &tr)) {
		out->failed = true;
		return;
	}
	uint64_t label_key = intern(t, "thread"), label_val = intern(t, th->name);
	buf s, ids, lab;
	buf_init(&s);
	buf_init(&ids);
	buf_init(&lab);
	for (uint32_t i = 1; i < tr.count; i++) {
		const snap_node *n = tr.nodes[i].node;
		if (!n->self_wall_ns && !n->self_cpu_ns)
			continue;
		buf_reset(&s);
		buf_reset(&ids);
		for (uint32_t j = i; j != 0 && j != UINT32_MAX; j = tr.nodes[j].parent)
			varint(&ids, (uint64_t)tr.nodes[j].node->method); /* location id = method id */
		field_bytes(&s, 1, ids.data, ids.len);
		buf_reset(&ids);
		varint(&ids, p->has_cpu ? n->self_cpu_ns : 0);
		varint(&ids, n->self_wall_ns);
		field_bytes(&s, 2, ids.data, ids.len);
		buf_reset(&lab);
		field_varint(&lab, 1, label_key);
		field_varint(&lab, 2, label_val);
		field_msg(&s, 3, &lab);
		field_msg(out, 2, &s);
	}
	buf_free(&s);
	buf_free(&ids);
	buf_free(&lab);
	nps_tree_free(&tr);
}

static void encode(buf *out, const snap_profile *p, bool cpu_default)
{
	strtab t = {0};
	buf_init(&t.out);
	intern(&t, "");
	value_type(out, 1, &t, "cpu", "nanoseconds");
	value_type(out, 1, &t, "wall", "nanoseconds");
	for (uint32_t i = 0; i < p->nthreads; i++)
		samples(out, p, &p->threads[i], &t);
	buf m, name;
	buf_init(&m);
	buf_init(&name);
	for (uint32_t id = 1; id < p->nmethods; id++) {
		buf_reset(&m); /* Location {id, line {function_id}} */
		field_varint(&m, 1, id);
		buf line;
		buf_init(&line);
		field_varint(&line, 1, id);
		field_msg(&m, 4, &line);
		buf_free(&line);
		field_msg(out, 4, &m);
		buf_reset(&name); /* Function {id, name, system_name} */
		cli_method_short(&p->methods[id], &name);
		buf_u8(&name, 0);
		uint64_t sname = intern(&t, name.failed ? "?" : (const char *)name.data);
		buf_reset(&m);
		field_varint(&m, 1, id);
		field_varint(&m, 2, sname);
		field_varint(&m, 3, sname);
		field_msg(out, 5, &m);
	}
	buf_free(&m);
	buf_free(&name);
	field_varint(out, 9, (uint64_t)p->begin_ms * 1000000u);
	field_varint(out, 10, (uint64_t)(p->end_ms > p->begin_ms ? p->end_ms - p->begin_ms : 0) * 1000000u);
	value_type(out, 11, &t, "wall", "nanoseconds");
	field_varint(out, 12, (uint64_t)p->interval_us * 1000u);
	field_varint(out, 14, intern(&t, cpu_default ? "cpu" : "wall"));
	buf_append(out, t.out.data, t.out.len); /* the table last: every string is in it now */
	if (t.out.failed)
		out->failed = true;
	for (size_t i = 0; i < t.n; i++)
		free(t.strs[i]);
	free(t.strs);
	buf_free(&t.out);
}

static int gzip_into(const buf *in, buf *out)
{
	z_stream z = {0};
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	uLong bound = deflateBound(&z, in->len) + 32;
	buf_reserve(out, bound);
	if (out->failed) {
		deflateEnd(&z);
		return -1;
	}
	z.next_in = in->data;
	z.avail_in = (uInt)in->len;
	z.next_out = out->data;
	z.avail_out = (uInt)bound;
	int rc = deflate(&z, Z_FINISH);
	out->len = z.total_out;
	deflateEnd(&z);
	return rc == Z_STREAM_END ? 0 : -1;
}

/* Every thread of every input into `all` (a thread record each). */
static int add_input(snap_profile *all, const char *path, bool *cpu)
{
	cli_input in;
	int rc = cli_input_open(path, CLI_WANT_PROFILE, &in);
	const snap_profile *p = in.profile;
	uint32_t *map = rc ? NULL : malloc(p->nmethods * sizeof *map);
	if (!rc && !map)
		rc = CLI_EXIT_FAIL;
	if (!rc) {
		memset(map, 0xff, p->nmethods * sizeof *map);
		*cpu = *cpu && p->has_cpu;
		if (!all->begin_ms || p->begin_ms < all->begin_ms)
			all->begin_ms = p->begin_ms;
		if (p->end_ms > all->end_ms)
			all->end_ms = p->end_ms;
		all->interval_us = p->interval_us;
	}
	for (uint32_t t = 0; !rc && t < p->nthreads; t++) {
		snap_thread *th = snap_thread_add(all, p->threads[t].name);
		snap_node *root = th ? th->root : NULL;
		if (!root || cli_tree_add(all, root, p, p->threads[t].root, map))
			rc = CLI_EXIT_FAIL;
	}
	free(map);
	cli_input_close(&in);
	return rc;
}

static const cli_command PPROF = {"pprof", usage, CLI_OPT_TIME | CLI_OPT_OUTPUT, NULL, true, true, "OUT.pb.gz", NULL};

int cli_cmd_pprof(int argc, char **argv)
{
	cli_args a;
	int rc = cli_args_parse(&PPROF, argc, argv, NULL, &a);
	if (rc >= 0)
		return rc;
	cli_time tm = a.time;
	const char *out_path = a.output;
	snap_profile *all = snap_profile_new(&(snap_limits){0});
	bool cpu = true;
	rc = all ? 0 : CLI_EXIT_FAIL;
	for (int i = 0; !rc && i < a.nfiles; i++)
		rc = add_input(all, a.files[i], &cpu);
	if (!rc) {
		all->has_cpu = cpu;
		buf pb, gz;
		buf_init(&pb);
		buf_init(&gz);
		encode(&pb, all, tm == CLI_TIME_CPU || (tm == CLI_TIME_DEFAULT && cpu));
		if (pb.failed || gzip_into(&pb, &gz))
			rc = CLI_EXIT_FAIL;
		else
			rc = cli_write_output(out_path, &gz) ? CLI_EXIT_FAIL : CLI_EXIT_OK;
		buf_free(&pb);
		buf_free(&gz);
	}
	snap_profile_free(all);
	cli_args_free(&a);
	return rc;
}

#include "aggregate.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
	uint64_t key;
	bool used;
	uint64_t seen;    /* sample number that last saw the thread */
	snap_node *root;  /* the row its previous stack is in */
	snap_node *own_root; /* its own row */
	uint32_t depth;   /* frames of the previous stack */
	uint32_t cap;
	snap_frame *frames;
	snap_node **nodes; /* nodes[i] is the tree node of frames[i] */
	uint64_t last_t_ns;
	uint64_t last_cpu_ns;
} thread_state;

struct snap_aggregator {
	snap_profile *p;
	uint32_t max_threads;
	uint32_t threads_recorded; /* own records created, overflow excluded */
	snap_node *overflow_root;
	snap_node *shared_root;  /* the shared row (snap_agg_shared_row), once created */
	bool next_shared;        /* the next stack recorded goes to the shared row */
	thread_state *slots;
	uint32_t cap; /* power of two */
	/* The table's previous buffer, kept for the next rebuild: under thread churn a rebuild
	 * (dropping ended threads) happens after almost every sample, and swapping between two
	 * buffers keeps the sampler from allocating per sample. Grow-only. */
	thread_state *spare;
	uint32_t spare_cap;
	uint64_t table_allocs;
	uint32_t count;
	uint32_t seen_this_sample;
	uint64_t sample_no;
	uint64_t t_ns;
	uint64_t prev_begin_ns; /* when the previous sample began */
	uint64_t begin_ns;
	uint64_t first_begin_ns; /* when the first sample began */
	uint64_t samples;
	size_t side_bytes; /* the threads' stack buffers, counted against the profile's cap */
};

/* The per-thread stack buffers count against the profile's memory cap too: the tree's
 * arena gets what they leave (they grow with depth x live threads, up to ~300 MB at
 * 4,096 threads 3,000 deep, which no cap would otherwise see). */
static void account(snap_aggregator *a, size_t add, size_t release)
{
	a->side_bytes += add;
	a->side_bytes -= release < a->side_bytes ? release : a->side_bytes;
	size_t cap = a->p->limits.max_bytes;
	if (cap)
		a->p->mem.limit_bytes = cap > a->side_bytes ? cap - a->side_bytes : 1;
}

static size_t state_bytes(uint32_t cap) { return (size_t)cap * (sizeof(snap_frame) + sizeof(snap_node *)); }

static uint32_t slot_of(uint64_t key, uint32_t cap)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdull;
	key ^= key >> 33;
	return (uint32_t)key & (cap - 1);
}

static thread_state *lookup(const snap_aggregator *a, uint64_t key)
{
	for (uint32_t i = slot_of(key, a->cap);; i = (i + 1) & (a->cap - 1)) {
		thread_state *s = &a->slots[i];
		if (!s->used || s->key == key)
			return s;
	}
}

/* A zeroed buffer of `cap` slots for a rebuild: the spare one when it has exactly that
 * size (no allocation), else a new one (only when the table grows). */
static thread_state *take_buffer(snap_aggregator *a, uint32_t cap)
{
	thread_state *b = a->spare;
	if (b && a->spare_cap == cap) {
		a->spare = NULL;
		memset(b, 0, cap * sizeof *b);
		return b;
	}
	b = calloc(cap, sizeof *b);
	if (b)
		a->table_allocs++;
	return b;
}

/* Keeps the table's old buffer as the spare, the larger one when there are two. */
static void keep_spare(snap_aggregator *a, thread_state *old, uint32_t old_cap)
{
	if (a->spare && a->spare_cap >= old_cap) {
		free(old);
		return;
	}
	free(a->spare);
	a->spare = old;
	a->spare_cap = old_cap;
}

/* Rebuilds the table at `cap` slots; with `drop_unseen`, threads the current sample did
 * not see have ended and are released. */
static bool rehash(snap_aggregator *a, uint32_t cap, bool drop_unseen)
{
	thread_state *old = a->slots;
	uint32_t old_cap = a->cap;
	thread_state *slots = take_buffer(a, cap);
	if (!slots)
		return false;
	a->slots = slots;
	a->cap = cap;
	a->count = 0;
	for (uint32_t i = 0; i < old_cap; i++) {
		thread_state *s = &old[i];
		if (!s->used)
			continue;
		if (drop_unseen && s->seen != a->sample_no) {
			account(a, 0, state_bytes(s->cap));
			free(s->frames);
			free(s->nodes);
			continue;
		}
		*lookup(a, s->key) = *s;
		a->count++;
	}
	keep_spare(a, old, old_cap);
	return true;
}

snap_aggregator *snap_agg_new(snap_profile *p, uint32_t max_threads)
{
	snap_aggregator *a = calloc(1, sizeof *a);
	if (!a)
		return NULL;
	a->p = p;
	a->max_threads = max_threads ? max_threads : SNAP_DEFAULT_MAX_THREADS;
	a->cap = 64;
	a->slots = calloc(a->cap, sizeof *a->slots);
	a->table_allocs = 1;
	if (!a->slots) {
		free(a);
		return NULL;
	}
	return a;
}

void snap_agg_free(snap_aggregator *a)
{
	if (!a)
		return;
	for (uint32_t i = 0; i < a->cap; i++) {
		free(a->slots[i].frames);
		free(a->slots[i].nodes);
	}
	free(a->slots);
	free(a->spare);
	free(a);
}

void snap_agg_begin(snap_aggregator *a, uint64_t t_ns)
{
	a->sample_no++;
	a->prev_begin_ns = a->begin_ns;
	a->begin_ns = t_ns;
	if (a->sample_no == 1)
		a->first_begin_ns = t_ns;
	a->t_ns = t_ns;
	a->seen_this_sample = 0;
}

void snap_agg_time(snap_aggregator *a, uint64_t t_ns)
{
	if (t_ns > a->t_ns)
		a->t_ns = t_ns;
}

bool snap_agg_known(const snap_aggregator *a, uint64_t key) { return lookup(a, key)->used; }

/* Charges the stretch since the thread's previous sample to the stack seen then. CPU is
 * charged whole, never capped at the stretch's wall time: the CPU clock is read per
 * thread while a round runs, so one stretch can hold a little more CPU than wall time
 * and the next a little less; capping lost the excess (a busy thread on a crowded CPU
 * came out 4-12 % short). Uncapped, the deltas add up to the thread's exact CPU time
 * between its first and last sample. */
static void charge(thread_state *s, uint64_t t_ns, uint64_t cpu_ns)
{
	if (s->depth == 0)
		return; /* no Java frame to charge: the root's self time must stay 0 */
	snap_node *leaf = s->nodes[s->depth - 1];
	if (t_ns > s->last_t_ns)
		leaf->self_wall_ns += t_ns - s->last_t_ns;
	if (cpu_ns != SNAP_CPU_UNKNOWN && s->last_cpu_ns != SNAP_CPU_UNKNOWN && cpu_ns >= s->last_cpu_ns)
		leaf->self_cpu_ns += cpu_ns - s->last_cpu_ns;
}

/* Charges up to now and moves the thread's marks (time never moves back). While the
 * thread has shown no Java frame the marks stay: the stretch waits for its first stack. */
static void advance(snap_aggregator *a, thread_state *s, uint64_t cpu_ns)
{
	if (s->depth == 0)
		return;
	charge(s, a->t_ns, cpu_ns);
	if (a->t_ns > s->last_t_ns)
		s->last_t_ns = a->t_ns;
	/* Nor CPU: a signal sample read before a round's later read arrives after it, and
	 * moving back would charge the difference twice. */
	if (cpu_ns == SNAP_CPU_UNKNOWN || s->last_cpu_ns == SNAP_CPU_UNKNOWN || cpu_ns > s->last_cpu_ns)
		s->last_cpu_ns = cpu_ns;
}

static snap_node *thread_root(snap_aggregator *a, const char *name)
{
	if (a->threads_recorded < a->max_threads) {
		snap_thread *t = snap_thread_add(a->p, name ? name : "");
		if (t) {
			a->threads_recorded++;
			return t->root;
		}
	}
	if (!a->overflow_root) {
		snap_thread *t = snap_thread_add(a->p, "[other threads]");
		a->overflow_root = t ? t->root : NULL;
	}
	return a->overflow_root;
}

static bool reserve(snap_aggregator *a, thread_state *s, uint32_t depth)
{
	if (depth <= s->cap)
		return true;
	uint32_t cap = depth < 64 ? 64 : depth + depth / 2;
	snap_frame *f = realloc(s->frames, cap * sizeof *f);
	if (f)
		s->frames = f;
	snap_node **n = realloc(s->nodes, cap * sizeof *n);
	if (n)
		s->nodes = n;
	if (!f || !n)
		return false;
	account(a, state_bytes(cap), state_bytes(s->cap));
	s->cap = cap;
	return true;
}

/* A thread first seen after the window's first sample was born since the previous
 * sample began: its CPU time so far and the wall time since then belong to the window
 * and go to the first stack it shows (nothing earlier is known). A thread in the first
 * sample was there before the window: its time starts now. */
static thread_state *new_state(snap_aggregator *a, uint64_t key, const char *name, uint64_t cpu_ns,
			       uint64_t born_ns)
{
	if ((a->count + 1) * 4 > a->cap * 3 && !rehash(a, a->cap * 2, false))
		return NULL;
	snap_node *root = thread_root(a, name);
	if (!root)
		return NULL;
	thread_state *s = lookup(a, key);
	memset(s, 0, sizeof *s);
	s->used = true;
	s->key = key;
	s->root = s->own_root = root;
	bool born = a->sample_no > 1;
	s->last_t_ns = born ? a->prev_begin_ns : a->t_ns;
	if (born_ns) { /* the caller knows when it started */
		born = born_ns >= a->first_begin_ns;
		s->last_t_ns = born ? born_ns : a->t_ns;
	}
	s->last_cpu_ns = born && cpu_ns != SNAP_CPU_UNKNOWN ? 0 : cpu_ns;
	a->count++;
	return s;
}

/* Position from which `frames` differs from the previous stack, following the rule
 * that a frame whose method stays (only its line moved) continues. */
static uint32_t first_new_frame(const thread_state *s, const snap_frame *frames, uint32_t depth)
{
	uint32_t common = depth < s->depth ? depth : s->depth;
	uint32_t i = 0;
	while (i < common && frames[i].method == s->frames[i].method &&
	       frames[i].location == s->frames[i].location)
		i++;
	if (i < common && frames[i].method == s->frames[i].method)
		i++;
	return i;
}

static void walk(snap_profile *p, thread_state *s, snap_node *root, const snap_frame *frames, uint32_t depth)
{
	/* A stack in another row than the previous one shares no frame with it. */
	uint32_t keep = root == s->root ? first_new_frame(s, frames, depth) : 0;
	s->root = root;
	snap_node *parent = keep ? s->nodes[keep - 1] : s->root;
	uint32_t j = keep;
	for (; j < depth; j++) {
		bool created;
		snap_node *n = snap_node_child(p, parent, frames[j].method, &created);
		if (!n)
			break; /* memory limit: the path is cut here (p->full is set) */
		n->ncalls++;
		s->nodes[j] = n;
		parent = n;
	}
	if (j)
		memcpy(s->frames, frames, j * sizeof *frames);
	s->depth = j;
}

/* Whether this record goes to the shared row; asked once per record call, kept or not. */
static bool take_shared(snap_aggregator *a)
{
	bool shared = a->next_shared;
	a->next_shared = false;
	return shared;
}

/* Charges the thread up to a->t_ns and records its new stack. */
static void record(snap_aggregator *a, thread_state *s, bool shared, uint64_t cpu_ns,
		   const snap_frame *frames, uint32_t depth)
{
	bool waiting = s->depth == 0;
	snap_node *root = shared ? a->shared_root : s->own_root;
	advance(a, s, cpu_ns);
	if (!reserve(a, s, depth))
		depth = s->cap < depth ? s->cap : depth;
	walk(a->p, s, root, frames, depth);
	if (waiting)
		advance(a, s, cpu_ns); /* its first stack takes the time since its birth */
	a->samples++;
}

int snap_agg_thread(snap_aggregator *a, uint64_t key, const char *name, uint64_t cpu_ns,
		    const snap_frame *frames, uint32_t depth)
{
	bool shared = take_shared(a);
	thread_state *s = lookup(a, key);
	if (!s->used && !(s = new_state(a, key, name, cpu_ns, 0)))
		return -1;
	if (s->seen == a->sample_no)
		return 0; /* the same thread twice in one sample: keep the first */
	s->seen = a->sample_no;
	a->seen_this_sample++;
	record(a, s, shared, cpu_ns, frames, depth);
	return 0;
}

int snap_agg_sample(snap_aggregator *a, uint64_t key, const char *name, uint64_t born_ns, uint64_t t_ns,
		    uint64_t cpu_ns, const snap_frame *frames, uint32_t depth)
{
	bool shared = take_shared(a);
	thread_state *s = lookup(a, key);
	if (!s->used && !(s = new_state(a, key, name, cpu_ns, born_ns)))
		return -1;
	if (s->seen != a->sample_no) {
		s->seen = a->sample_no;
		a->seen_this_sample++;
	}
	uint64_t round_t = a->t_ns;
	a->t_ns = t_ns;
	record(a, s, shared, cpu_ns, frames, depth);
	a->t_ns = round_t;
	return 0;
}

void snap_agg_shared_row(snap_aggregator *a, const char *name)
{
	if (!a->shared_root) {
		snap_thread *t = snap_thread_add(a->p, name);
		a->shared_root = t ? t->root : NULL;
	}
	a->next_shared = a->shared_root != NULL;
}

bool snap_agg_repeat(snap_aggregator *a, uint64_t key, uint64_t cpu_ns)
{
	thread_state *s = lookup(a, key);
	if (!s->used || s->seen == a->sample_no)
		return false;
	s->seen = a->sample_no;
	a->seen_this_sample++;
	advance(a, s, cpu_ns);
	a->samples++;
	return true;
}

bool snap_agg_unchanged(snap_aggregator *a, uint64_t key, uint64_t cpu_ns)
{
	thread_state *s = lookup(a, key);
	if (!s->used || cpu_ns == SNAP_CPU_UNKNOWN || cpu_ns != s->last_cpu_ns)
		return false;
	return snap_agg_repeat(a, key, cpu_ns);
}

void snap_agg_end(snap_aggregator *a)
{
	if (a->seen_this_sample < a->count)
		rehash(a, a->cap, true);
}

void snap_agg_flush(snap_aggregator *a, uint64_t t_ns)
{
	for (uint32_t i = 0; i < a->cap; i++) {
		thread_state *s = &a->slots[i];
		if (!s->used)
			continue;
		charge(s, t_ns, SNAP_CPU_UNKNOWN);
		account(a, 0, state_bytes(s->cap));
		free(s->frames);
		free(s->nodes);
		memset(s, 0, sizeof *s);
	}
	a->count = 0;
}

const snap_node *snap_agg_thread_root(const snap_aggregator *a, uint64_t key)
{
	const thread_state *s = lookup(a, key);
	if (!s->used || s->own_root == a->overflow_root)
		return NULL;
	return s->own_root;
}

uint32_t snap_agg_live_threads(const snap_aggregator *a) { return a->count; }

uint64_t snap_agg_samples(const snap_aggregator *a) { return a->samples; }

uint64_t snap_agg_table_allocs(const snap_aggregator *a) { return a->table_allocs; }

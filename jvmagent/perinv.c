/* Per-invocation trees under Lambda Managed Instances (perinv.h). */
#include "perinv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/log.h"
#include "../snapshot/treediff.h"
#include "agent_state.h"
#include "sampler.h"
#include "tidmap.h"

typedef struct {
	bool used;
	char id[128];
	uint32_t window_seq;   /* the shared window the copy was taken in */
	uint64_t key;          /* the handler's sampler key */
	const snap_node *root; /* its tree in that window, once sampled (it stays when the
				* thread ends: the window's profile keeps it) */
	int64_t deadline_ms;
	window_mark begin;
	snap_tree_copy *copy;
} open_invocation;

struct perinv {
	open_invocation open[PERINV_MAX_OPEN];
	uint32_t made; /* own windows so far */
};

perinv *perinv_new(void) { return calloc(1, sizeof(perinv)); }

static void forget(open_invocation *o)
{
	snap_tree_copy_free(o->copy);
	memset(o, 0, sizeof *o);
}

void perinv_free(perinv *p)
{
	if (!p)
		return;
	for (unsigned i = 0; i < PERINV_MAX_OPEN; i++)
		forget(&p->open[i]);
	free(p);
}

static open_invocation *find(perinv *p, const char *id)
{
	for (unsigned i = 0; i < PERINV_MAX_OPEN; i++)
		if (p->open[i].used && strcmp(p->open[i].id, id) == 0)
			return &p->open[i];
	return NULL;
}

void perinv_start(perinv *p, agent_window *w, const char *id, bool known, uint64_t key, int64_t deadline_ms,
		  window_mark at)
{
	if (!w)
		return;
	open_invocation *o = find(p, id);
	for (unsigned i = 0; i < PERINV_MAX_OPEN && !o; i++)
		o = p->open[i].used ? NULL : &p->open[i];
	if (!known || !o) {
		w->without_own_zip++;
		log_debug("invocation %s: %s; no zip of its own", id, known ? "too many open" : "handler thread not known");
		return;
	}
	forget(o);
	/* The thread has no tree in this window yet (it opened just now): an empty copy. */
	o->root = snap_agg_thread_root(w->agg, key);
	o->copy = snap_tree_copy_take(o->root, PERINV_COPY_NODES);
	if (!o->copy) {
		w->without_own_zip++;
		log_debug("invocation %s: no memory for its start copy; no zip of its own", id);
		return;
	}
	o->used = true;
	snprintf(o->id, sizeof o->id, "%s", id);
	o->window_seq = w->seq;
	o->key = key;
	o->deadline_ms = deadline_ms;
	o->begin = at;
}

/* The name of the thread whose tree starts at `root`. */
static const char *thread_name(const snap_profile *p, const snap_node *root)
{
	for (uint32_t i = 0; i < p->nthreads; i++)
		if (p->threads[i].root == root)
			return p->threads[i].name;
	return "?";
}

agent_window *perinv_end(perinv *p, agent *a, agent_window *w, const char *id, window_mark at)
{
	open_invocation *o = find(p, id);
	if (!o)
		return NULL;
	const snap_node *root = NULL;
	if (w && w->seq == o->window_seq)
		root = o->root ? o->root : snap_agg_thread_root(w->agg, o->key);
	agent_window *iw = root ? window_open_invocation(a, w, id, o->deadline_ms, o->begin, at) : NULL;
	const char *name = root ? thread_name(w->profile, root) : "";
	if (iw && snap_tree_diff(w->profile, root, o->copy, iw->profile, name) < 0) {
		window_free(iw);
		iw = NULL;
	}
	if (iw) {
		snprintf(iw->thread, sizeof iw->thread, "%s", name);
		iw->copy_cut = snap_tree_copy_cut(o->copy);
		iw->own_no = ++p->made;
	} else if (w) {
		w->without_own_zip++;
		log_debug("invocation %s: %s; no zip of its own", id, root ? "out of memory" : "its thread left the window");
	}
	forget(o);
	return iw;
}

void perinv_window_closed(perinv *p, agent_window *w)
{
	for (unsigned i = 0; i < PERINV_MAX_OPEN; i++) {
		open_invocation *o = &p->open[i];
		if (!o->used || o->window_seq != w->seq)
			continue;
		log_debug("invocation %s is open across the end of its shared window: no zip of its own", o->id);
		w->without_own_zip++;
		forget(o);
	}
}

/* The sampler key of the Java thread with OS id `os_tid`. */
static bool handler_key(agent *a, struct sampler *s, JNIEnv *jni, long os_tid, uint64_t *key)
{
	if (os_tid <= 0 || (*jni)->PushLocalFrame(jni, 16) != JNI_OK) {
		(*jni)->ExceptionClear(jni);
		return false;
	}
	jlong tid = 0;
	jthread t = tidmap_find(a->jvmti, jni, os_tid);
	bool known = t && sampler_thread_id(s, jni, t, &tid);
	(*jni)->PopLocalFrame(jni, NULL);
	*key = (uint64_t)tid;
	return known;
}

agent_window *perinv_mark(perinv *p, agent *a, struct sampler *s, JNIEnv *jni, agent_window *w, const invmark *m)
{
	if (!w || !w->shared)
		return NULL; /* chosen while no shared window could open (out of memory) */
	sampler_round(s, jni, w, m->at.mono_ns);
	if (m->end)
		return perinv_end(p, a, w, m->id, m->at);
	uint64_t key = 0;
	bool known = handler_key(a, s, jni, m->os_tid, &key);
	perinv_start(p, w, m->id, known, key, m->deadline_ms, m->at);
	return NULL;
}

/* The agent thread's half of the signal sampler (sigsampler.h): drains the ring into
 * the aggregator and decides, in each round's pass, which threads need a JVMTI walk. */
#include <stdio.h>
#include <string.h>

#include "sigsampler_priv.h"

/* One record's frames, bottom first, into k->frames. A failed walk is one frame that
 * says so; a stack that filled the record (deeper than the cap) keeps its top frames
 * under a "[truncated stack]" frame. A carrier's stack through a mounted virtual thread
 * keeps the virtual thread's frames only, for the shared row (`*shared` set). */
static uint32_t frames_of(sigsampler *g, const sigsampler_sink *k, const sigring_record *r, bool *shared)
{
	uint32_t depth = 0;
	if (r->num_frames <= 0) {
		g->failed++;
		g->failed_by[(uint32_t)(-r->num_frames) & 15]++;
		const char *what = r->num_frames == 0 ? "(no Java frame)" : "(unknown: not walkable)";
		uint32_t id = snap_method_intern(k->profile, "jvmsnap", what, "");
		if (id != SNAP_ROOT_METHOD)
			k->frames[depth++] = (snap_frame){id, r->num_frames};
		return depth;
	}
	uint32_t n = (uint32_t)r->num_frames;
	vthreads_stack st = {&r->frames[0].method, sizeof *r->frames, r->num_frames};
	int own = vthreads_own_frames(k->vt, st, true, 0);
	*shared = own > 0;
	if (own > 0) {
		n = (uint32_t)own;
	} else if (n >= r->capacity) {
		uint32_t cut = methods_truncated_id(k->profile);
		if (cut != SNAP_ROOT_METHOD)
			k->frames[depth++] = (snap_frame){cut, -1};
		n = r->capacity - 1;
	}
	for (uint32_t i = n; i-- > 0;) {
		const sigring_frame *f = &r->frames[i];
		uint32_t id = methods_id(k->methods, k->jvmti, k->jni, k->profile, (jmethodID)f->method);
		if (id == SNAP_ROOT_METHOD)
			break;
		k->frames[depth++] = (snap_frame){id, f->lineno < 0 ? -1 : f->lineno};
	}
	return depth;
}

static void take_record(sigsampler *g, const sigsampler_sink *k, const sigring_record *r)
{
	sig_thread *e = sig_entry_at(g, r->thread);
	if (!e) {
		g->orphans++;
		return;
	}
	char name[512];
	bool known = snap_agg_known(k->agg, (uint64_t)e->key);
	if (!known)
		g->name_of(g->ctx, k->jni, e->ref, name, sizeof name);
	bool shared = false;
	uint32_t depth = frames_of(g, k, r, &shared);
	if (shared)
		snap_agg_shared_row(k->agg, VTHREADS_ROW);
	snap_agg_sample(k->agg, (uint64_t)e->key, known ? NULL : name, e->born_ns, r->t_ns, r->cpu_ns, k->frames,
			depth);
	k->stats->signal_samples++;
	k->stats->thread_samples++;
	if (e->sample_cpu && r->cpu_ns > e->sample_cpu)
		k->stats->signal_cpu_ns += r->cpu_ns - e->sample_cpu;
	else
		k->stats->signal_cpu_ns += g->interval_ns; /* its first: one interval of CPU */
	e->sample_cpu = r->cpu_ns;
	e->dirty = false;
}

/* Ended threads whose records have all been read give their slot back. */
static void reap(sigsampler *g, JNIEnv *jni)
{
	for (uint32_t i = 0; i < MAX_TIMED; i++) {
		sig_thread *e = &g->threads[i];
		if (!e->used || !e->ended)
			continue;
		(*jni)->DeleteGlobalRef(jni, e->ref);
		uint32_t gen = e->gen;
		memset(e, 0, sizeof *e);
		e->gen = gen;
	}
}

void sigsampler_drain(sigsampler *g, const sigsampler_sink *k)
{
	/* Before any id is resolved: see methods.h (a GC may have unloaded classes). */
	if (atomic_exchange(k->classes_may_unload, false))
		methods_clear(k->methods);
	pthread_mutex_lock(&g->mu);
	sigring_record *r;
	while ((r = sigring_next(g->ring))) {
		if (r->t_ns >= k->since_ns)
			take_record(g, k, r);
		sigring_release(g->ring, r);
		g->drained++;
	}
	reap(g, k->jni);
	pthread_mutex_unlock(&g->mu);
	uint64_t handlers = atomic_exchange(&g->handler_ns, 0), kicker = sigkick_take_cpu_ns(g->kick);
	g->handler_total_ns += handlers;
	g->kick_total_ns += kicker;
	k->stats->sampler_cpu_ns += handlers + kicker;
}

int sigsampler_pass(sigsampler *g, jthread t, jlong key, uint64_t cpu, snap_aggregator *agg)
{
	pthread_mutex_lock(&g->mu);
	sig_thread *e = sig_entry_of_thread(g, t);
	int r = SIG_PASS_OTHER;
	if (e && e->key == key && cpu != SNAP_CPU_UNKNOWN) {
		if (e->dirty && cpu == e->pass_cpu) {
			e->dirty = false; /* it ran, then stopped: one walk */
			r = SIG_PASS_WALK;
		} else if (snap_agg_unchanged(agg, (uint64_t)key, cpu)) {
			r = SIG_PASS_DONE; /* idle since its last stack */
		} else if (e->timed && snap_agg_repeat(agg, (uint64_t)key, cpu)) {
			e->dirty = true; /* running: its timer will sample it */
			r = SIG_PASS_DONE;
		}
		e->pass_cpu = cpu;
	}
	pthread_mutex_unlock(&g->mu);
	return r;
}

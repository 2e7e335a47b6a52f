#include "sampler.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/clock.h"
#include "../common/log.h"
#include "../common/mutf8.h"
#include "../snapshot/aggregate.h"
#include "agent_state.h"
#include "methods.h"
#include "sigsampler.h"
#include "vthreads.h"
#include "window.h"

/* Local references a round needs besides one per thread (see round_refs). */
enum { ROUND_SPARE_REFS = 16 };
enum { SIGNAL_PASS_NS = 10000000 };

struct sampler {
	agent *a;
	jvmtiEnv *jvmti;
	method_cache *methods;
	jfieldID tid_field;  /* java.lang.Thread.tid, or NULL: call getId() */
	jmethodID get_id;
	jlong own_tids[2];      /* the agent's own threads: never sampled */
	uint32_t max_depth;
	snap_frame *frames;     /* one stack, bottom first */
	jvmtiFrameInfo *top;    /* one thread's stack, top first (changed-threads rounds) */
	jvmtiFrameInfo *vtop;   /* a mounted virtual thread's stack, top first */
	vthreads *vt;           /* NULL: no virtual threads in this JVM */
	uint32_t mode;          /* agent_sampler_mode */
	sigsampler *sig;        /* sampler=signal, when it runs */
	uint64_t last_pass_ns;  /* when the last pass over every thread began */
	uint64_t window_begin_ns;
	bool warned_sample_error;
	bool window_seen;
	bool pinned;            /* this round's time is fixed (a window's end) */
	uint32_t window_seq;    /* the window the method cache's ids belong to */
	/* The window being sampled, for the duration of one round. */
	snap_profile *profile;
	snap_aggregator *agg;
	window_stats *stats;
};

static bool jni_failed(JNIEnv *jni)
{
	if (!(*jni)->ExceptionCheck(jni))
		return false;
	(*jni)->ExceptionClear(jni);
	return true;
}

static bool thread_id(sampler *s, JNIEnv *jni, jthread t, jlong *out)
{
	if (s->tid_field)
		*out = (*jni)->GetLongField(jni, t, s->tid_field);
	else
		*out = (*jni)->CallLongMethod(jni, t, s->get_id);
	return !jni_failed(jni);
}

static void thread_name(sampler *s, JNIEnv *jni, jthread t, char *out, size_t n)
{
	jvmtiThreadInfo info;
	memset(&info, 0, sizeof info);
	snprintf(out, n, "?");
	if ((*s->jvmti)->GetThreadInfo(s->jvmti, t, &info) != JVMTI_ERROR_NONE)
		return;
	if (info.name)
		mutf8_to_utf8(info.name, strlen(info.name), out, n);
	(*s->jvmti)->Deallocate(s->jvmti, (unsigned char *)info.name);
	if (info.thread_group)
		(*jni)->DeleteLocalRef(jni, info.thread_group);
	if (info.context_class_loader)
		(*jni)->DeleteLocalRef(jni, info.context_class_loader);
}

/* Appends `count` frames to s->frames from `at` on, bottom first; returns the depth. */
static uint32_t convert(sampler *s, JNIEnv *jni, const jvmtiFrameInfo *top_first, jint count, uint32_t at)
{
	/* Checked after the stack was taken and before any of its jmethodIDs is resolved: a
	 * GC that unloaded classes (and may let new methods reuse their ids) has finished by
	 * now, so the cache is cleared before it could map a reused id to an old name. */
	if (atomic_exchange(&s->a->classes_may_unload, false))
		methods_clear(s->methods);
	uint32_t depth = at;
	for (jint i = count - 1; i >= 0; i--) {
		uint32_t id = methods_id(s->methods, s->jvmti, jni, s->profile, top_first[i].method);
		if (id == SNAP_ROOT_METHOD)
			break; /* method table full: keep the path up to here */
		s->frames[depth++] = (snap_frame){id, (int64_t)top_first[i].location};
	}
	return depth;
}

/* A stack deeper than the cap keeps its top frames, under a "[truncated stack]" frame
 * that stands for everything below them. Every walk asks for the top max_depth + 1 frames
 * only (start_depth 0), so the JVM stops there: a negative start_depth would make it walk
 * (and allocate a vframe for) every frame of the thread, a million of them for a thread
 * recursing to StackOverflowError in 64 MB, on every sample. */
static uint32_t convert_stack(sampler *s, JNIEnv *jni, const jvmtiFrameInfo *top_first, jint count)
{
	if (count <= (jint)s->max_depth)
		return convert(s, jni, top_first, count, 0);
	uint32_t marker = methods_truncated_id(s->profile);
	if (marker == SNAP_ROOT_METHOD)
		return 0;
	s->frames[0] = (snap_frame){marker, -1};
	return convert(s, jni, top_first, (jint)s->max_depth - 1, 1);
}

/* Identity and CPU time of one thread; false for the sampler itself or a thread whose
 * id cannot be read. */
static bool identify(sampler *s, JNIEnv *jni, jthread t, jlong *tid, uint64_t *cpu)
{
	if (!thread_id(s, jni, t, tid) || *tid == s->own_tids[0] || *tid == s->own_tids[1])
		return false;
	*cpu = SNAP_CPU_UNKNOWN;
	if (s->a->has_cpu_time) {
		uint64_t t0 = clock_mono_ns();
		jlong cpu_ns;
		if ((*s->jvmti)->GetThreadCpuTime(s->jvmti, t, &cpu_ns) == JVMTI_ERROR_NONE)
			*cpu = (uint64_t)cpu_ns;
		uint64_t t1 = clock_mono_ns();
		s->stats->cpu_time_ns += t1 - t0;
		/* The thread's stretch ends when its clock was read, so wall and CPU agree. */
		if (!s->pinned)
			snap_agg_time(s->agg, t1);
	}
	return true;
}

/* A carrier whose stack ends at a mounted virtual thread's entry: that virtual thread's
 * own stack instead, charged to the shared row (vthreads.h). -1 when there is no stack
 * to charge this time: the virtual thread unmounted since the carrier's walk, cannot be
 * walked, or shows none of its own frames (starting, ending, unmounting); the carrier's
 * "Continuation.run" is never the answer. */
static jint mounted_stack(sampler *s, JNIEnv *jni, jthread carrier, const jvmtiFrameInfo **frames, jint count)
{
	vthreads_stack st = {*frames, sizeof **frames, count};
	if (!vthreads_at_entry(s->vt, st))
		return count;
	jthread vt = vthreads_mounted(s->vt, carrier);
	if (!vt)
		return -1;
	uint64_t t0 = clock_mono_ns();
	jint n = 0;
	jvmtiError err = (*s->jvmti)->GetStackTrace(s->jvmti, vt, 0, (jint)s->max_depth + 1, s->vtop, &n);
	s->stats->stacks_ns += clock_mono_ns() - t0;
	(*jni)->DeleteLocalRef(jni, vt);
	vthreads_stack vst = {s->vtop, sizeof *s->vtop, n};
	jint own = err == JVMTI_ERROR_NONE ? vthreads_own_frames(s->vt, vst, false, (int)s->max_depth) : 0;
	if (own <= 0)
		return -1;
	*frames = s->vtop;
	snap_agg_shared_row(s->agg, VTHREADS_ROW);
	return own;
}

static void record_stack(sampler *s, JNIEnv *jni, jthread t, jlong tid, uint64_t cpu,
			 const jvmtiFrameInfo *frames, jint count)
{
	char name[512];
	jint own = mounted_stack(s, jni, t, &frames, count);
	if (own < 0 && snap_agg_repeat(s->agg, (uint64_t)tid, cpu))
		return; /* as a walk that failed: its previous stack goes on */
	count = own < 0 ? count : own;
	bool known = snap_agg_known(s->agg, (uint64_t)tid);
	if (!known)
		thread_name(s, jni, t, name, sizeof name);
	uint32_t depth = convert_stack(s, jni, frames, count);
	snap_agg_thread(s->agg, (uint64_t)tid, known ? NULL : name, cpu, s->frames, depth);
	s->stats->thread_samples++;
}

/* The JVMTI call of a round returned `n` thread references into the round's local frame;
 * each thread then needs a few more for a moment (its name's group and loader, a method's
 * class), each deleted at once. Declared, so that -Xcheck:jni has nothing to warn about. */
static bool round_refs(sampler *s, JNIEnv *jni, jint n)
{
	if ((*jni)->EnsureLocalCapacity(jni, n + ROUND_SPARE_REFS) == JNI_OK)
		return true;
	jni_failed(jni);
	if (!s->warned_sample_error)
		log_warn("sampling skipped: no room for %d JNI local references", (int)n);
	s->warned_sample_error = true;
	return false;
}

static bool round_failed(sampler *s, jvmtiError err, const char *what)
{
	if (err == JVMTI_ERROR_NONE)
		return false;
	if (!s->warned_sample_error)
		agent_check(s->jvmti, err, what);
	s->warned_sample_error = true;
	return true;
}

/* One global safepoint: every stack at the same instant. */
static void round_all(sampler *s, JNIEnv *jni)
{
	uint64_t t0 = clock_mono_ns();
	jvmtiStackInfo *infos = NULL;
	jint n = 0;
	jvmtiError err = (*s->jvmti)->GetAllStackTraces(s->jvmti, (jint)s->max_depth + 1, &infos, &n);
	s->stats->stacks_ns += clock_mono_ns() - t0;
	if (round_failed(s, err, "GetAllStackTraces"))
		return;
	if (!round_refs(s, jni, n)) {
		(*s->jvmti)->Deallocate(s->jvmti, (unsigned char *)infos);
		return;
	}
	for (jint i = 0; i < n; i++) {
		jlong tid;
		uint64_t cpu;
		const jvmtiStackInfo *si = &infos[i];
		if (identify(s, jni, si->thread, &tid, &cpu))
			record_stack(s, jni, si->thread, tid, cpu, si->frame_buffer, si->frame_count);
		(*jni)->DeleteLocalRef(jni, si->thread);
	}
	(*s->jvmti)->Deallocate(s->jvmti, (unsigned char *)infos);
	s->stats->threads_last_round = (uint32_t)n;
}

/* One thread of a changed-threads round: re-charged when its CPU time has not moved,
 * else walked. */
static void walk_changed(sampler *s, JNIEnv *jni, jthread t)
{
	jlong tid;
	uint64_t cpu;
	if (!identify(s, jni, t, &tid, &cpu))
		return;
	/* The signal sampler, when it runs, has this thread's samples already (or knows it ran
	 * nothing); only threads it cannot account for are walked here. */
	int sig = s->sig ? sigsampler_pass(s->sig, t, tid, cpu, s->agg) : SIG_PASS_OTHER;
	if (sig == SIG_PASS_DONE || (sig == SIG_PASS_OTHER && snap_agg_unchanged(s->agg, (uint64_t)tid, cpu)))
		return;
	uint64_t t0 = clock_mono_ns();
	jint count = 0;
	jvmtiError err = (*s->jvmti)->GetStackTrace(s->jvmti, t, 0, (jint)s->max_depth + 1, s->top, &count);
	s->stats->stacks_ns += clock_mono_ns() - t0;
	if (err == JVMTI_ERROR_NONE)
		record_stack(s, jni, t, tid, cpu, s->top, count);
	else if (err != JVMTI_ERROR_THREAD_NOT_ALIVE)
		snap_agg_repeat(s->agg, (uint64_t)tid, cpu);
}

/* A thread whose CPU time has not moved executed nothing, so its stack is unchanged:
 * re-charge it without stopping it. Only the others are walked, each with its own
 * handshake (JDK >= 16), so parked threads cost one CPU-clock read per round and there
 * is no global safepoint. */
static void round_changed(sampler *s, JNIEnv *jni)
{
	jthread *threads = NULL;
	jint n = 0;
	if (round_failed(s, (*s->jvmti)->GetAllThreads(s->jvmti, &n, &threads), "GetAllThreads"))
		return;
	if (!round_refs(s, jni, n)) {
		(*s->jvmti)->Deallocate(s->jvmti, (unsigned char *)threads);
		return;
	}
	for (jint i = 0; i < n; i++) {
		walk_changed(s, jni, threads[i]);
		(*jni)->DeleteLocalRef(jni, threads[i]);
	}
	(*s->jvmti)->Deallocate(s->jvmti, (unsigned char *)threads);
	s->stats->threads_last_round = (uint32_t)n;
}

uint64_t sampler_own_cpu_ns(void) { return clock_cpu_ns(CLOCK_THREAD_CPUTIME_ID); }

static void drain_signals(sampler *s, JNIEnv *jni)
{
	sigsampler_sink k = {s->jvmti, jni, s->methods, &s->a->classes_may_unload, s->profile, s->agg, s->stats,
			     s->frames, s->window_begin_ns, s->vt};
	sigsampler_drain(s->sig, &k);
}

void sampler_set_interval(sampler *s, uint64_t interval_ns) { sigsampler_set_interval(s->sig, interval_ns); }

void sampler_round(sampler *s, JNIEnv *jni, agent_window *w, uint64_t t_ns)
{
	/* Method ids belong to one profile: a new window starts a new name cache. (Compared
	 * by window number: a new profile may well reuse the old one's address.) */
	if (!s->window_seen || s->window_seq != w->seq) {
		methods_clear(s->methods);
		s->last_pass_ns = 0; /* a new window starts with a pass */
		s->window_begin_ns = w->begin_ns;
	}
	s->window_seen = true;
	s->window_seq = w->seq;
	s->profile = w->profile;
	s->agg = w->agg;
	s->stats = &w->st;
	/* Every local reference a round creates (thread objects, classes) dies with it. */
	if ((*jni)->PushLocalFrame(jni, ROUND_SPARE_REFS) != JNI_OK) {
		jni_failed(jni);
		return;
	}
	uint64_t cpu0 = sampler_own_cpu_ns();
	uint64_t t0 = clock_mono_ns();
	s->pinned = t_ns && t_ns < t0;
	/* With sampler=signal most rounds only drain the samples; the pass over every thread
	 * (idle ones re-charged, stopped ones walked) runs every SIGNAL_PASS_NS. */
	bool pass = !s->sig || s->pinned || t0 - s->last_pass_ns >= SIGNAL_PASS_NS;
	if (s->sig)
		drain_signals(s, jni);
	if (pass) {
		s->last_pass_ns = t0;
		snap_agg_begin(w->agg, s->pinned ? t_ns : t0);
		if (s->mode == AGENT_SAMPLER_ALL)
			round_all(s, jni);
		else
			round_changed(s, jni);
		snap_agg_end(w->agg);
	}
	(*jni)->PopLocalFrame(jni, NULL);

	uint64_t t1 = clock_mono_ns();
	if (!s->stats->samples)
		s->stats->first_ns = t0;
	s->stats->last_ns = t0;
	s->stats->samples++;
	s->stats->busy_ns += t1 - t0;
	s->stats->method = s->sig ? "signal" : s->mode == AGENT_SAMPLER_ALL ? "all" : "changed";
	s->stats->clock = sigsampler_clock(s->sig);
	s->stats->sampler_cpu_ns += sampler_own_cpu_ns() - cpu0;
	if (s->stats->threads_last_round > s->stats->max_threads_seen)
		s->stats->max_threads_seen = s->stats->threads_last_round;
}

/* Before JDK 16 GetStackTrace on another thread is a safepoint operation of its own, so
 * walking threads one by one could cost more than one global safepoint. */
static uint32_t effective_mode(jvmtiEnv *jvmti, uint32_t wanted)
{
	int major = wanted == AGENT_SAMPLER_CHANGED ? agent_jdk_major(jvmti) : 0;
	if (!major || major >= 16)
		return wanted;
	log_debug("JDK %d: per-thread stack walks need a safepoint each; using sampler=all", major);
	return AGENT_SAMPLER_ALL;
}

/* How to read a java.lang.Thread's id: the `tid` field when it exists (no Java code
 * runs), else Thread.getId(). */
static bool find_thread_id(sampler *s, JNIEnv *jni)
{
	jclass cls = (*jni)->FindClass(jni, "java/lang/Thread");
	if (!cls || jni_failed(jni))
		return false;
	s->tid_field = (*jni)->GetFieldID(jni, cls, "tid", "J");
	if (!s->tid_field || jni_failed(jni)) {
		s->tid_field = NULL;
		s->get_id = (*jni)->GetMethodID(jni, cls, "getId", "()J");
		if (!s->get_id || jni_failed(jni))
			return false;
	}
	(*jni)->DeleteLocalRef(jni, cls);
	return true;
}

static bool signal_key(void *ctx, JNIEnv *jni, jthread t, jlong *key)
{
	sampler *s = ctx;
	return thread_id(s, jni, t, key) && *key != s->own_tids[0] && *key != s->own_tids[1];
}

static void signal_name(void *ctx, JNIEnv *jni, jthread t, char *out, size_t n) { thread_name(ctx, jni, t, out, n); }

/* sampler=signal where it is proven, else the per-thread handshakes, saying which. */
static void start_signals(sampler *s, JNIEnv *jni)
{
	char why[128] = "it could not start";
	s->mode = effective_mode(s->jvmti, AGENT_SAMPLER_CHANGED);
	if (!s->a->has_cpu_time)
		snprintf(why, sizeof why, "thread CPU time unavailable");
	else if (sigsampler_supported(s->a->vm, s->jvmti, why, sizeof why) &&
		 (s->sig = sigsampler_start(s->a->vm, jni, s->a->cfg.interval_us, s->a->cfg.signal_clock, s->max_depth, signal_key,
					    signal_name, s)))
		return;
	log_info("sampler=signal is off: %s; using sampler=%s", why, s->mode == AGENT_SAMPLER_ALL ? "all" : "changed");
}

sampler *sampler_new(agent *a, JNIEnv *jni)
{
	sampler *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->a = a;
	s->jvmti = a->jvmti;
	s->max_depth = a->cfg.max_depth;
	s->own_tids[0] = s->own_tids[1] = -1;
	s->methods = methods_new();
	s->frames = calloc(s->max_depth + 1, sizeof *s->frames);
	s->top = calloc(s->max_depth + 1, sizeof *s->top);
	if (!s->methods || !s->frames || !s->top || !find_thread_id(s, jni)) {
		sampler_free(s);
		return NULL;
	}
	s->vt = vthreads_new(a->jvmti, jni);
	s->vtop = s->vt ? calloc(s->max_depth + 1, sizeof *s->vtop) : NULL;
	if (s->vt && !s->vtop) {
		vthreads_free(s->vt);
		s->vt = NULL;
	}
	s->mode = effective_mode(a->jvmti, a->cfg.sampler_mode);
	if (s->mode == AGENT_SAMPLER_SIGNAL)
		start_signals(s, jni);
	return s;
}

bool sampler_thread_id(sampler *s, JNIEnv *jni, jthread t, jlong *out) { return thread_id(s, jni, t, out); }

void sampler_exclude(sampler *s, jlong tid)
{
	if (s->own_tids[0] == -1)
		s->own_tids[0] = tid;
	else
		s->own_tids[1] = tid;
}

void sampler_free(sampler *s)
{
	if (!s)
		return;
	sigsampler_free(s->sig, NULL);
	methods_free(s->methods);
	vthreads_free(s->vt);
	free(s->frames);
	free(s->top);
	free(s->vtop);
	free(s);
}

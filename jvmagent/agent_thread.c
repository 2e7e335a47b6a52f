#include "agent_thread.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/clock.h"
#include "../common/log.h"
#include "agent_state.h"
#include "governor.h"
#include "invmarks.h"
#include "output.h"
#include "own_thread.h"
#include "perinv.h"
#include "sampler.h"
#include "uploader.h"

enum { CMD_CLOSE = 1, CMD_OPEN = 2, CMD_STOP = 4, CMD_FINISH_INIT = 8, CMD_MARK = 16 };
/* How long closing a window waits for the statistics to finish starting (a JVM that
 * exits during its first milliseconds). */
enum { STATS_START_WAIT_MS = 2000 };

struct agent_thread {
	agent *a;
	sampler *sampler;
	stats_collector *stats;
	bool stats_adopted;   /* the start-up thread's collector is in `stats` (or never will be) */
	agent_window *window; /* NULL while paused between Lambda invocations */
	agent_window *deferred_init; /* the closed Lambda init window, written after the first invocation */
	uint32_t next_seq;
	governor governor;

	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned pending;     /* CMD_* bits */
	bool busy;            /* handling a command */
	char open_request[128];
	int64_t open_deadline_ms;
	bool open_shared;
	/* Invocation marks (Lambda Managed Instances), in order; each carries how many opens
	 * and closes were posted before it (oc_posted), so those posted before a window's
	 * close are handled in it, and those after its open in the new one. */
	invmarks marks;
	uint32_t oc_posted, oc_handled;
	uint32_t oc_taken; /* oc_posted when the pending commands were taken */
	perinv *perinv; /* NULL when out of memory: no invocation zips */
	window_mark open_at;  /* when the pending open was asked for */
	window_mark close_at; /* when the pending close was asked for */
	bool stopped;
	bool stats_started;              /* the start-up thread is done */
	stats_collector *stats_started_c; /* what it made (NULL: no statistics) */
	uint32_t exit_budget_ms; /* upload budget for the last window, set by agent_thread_stop */
	output_deadline exit_deadline; /* for the last zips, set by agent_thread_stop */
};

/* Takes over the collector the start-up thread made, waiting at most `wait_ms`; true
 * when that happened just now. */
static bool adopt_stats(agent_thread *t, uint32_t wait_ms)
{
	if (t->stats_adopted)
		return false;
	struct timespec ts = clock_mono_ts(clock_mono_ns() + (uint64_t)wait_ms * 1000000u);
	pthread_mutex_lock(&t->mu);
	while (!t->stats_started && wait_ms && pthread_cond_timedwait(&t->cv, &t->mu, &ts) == 0)
		;
	bool done = t->stats_started;
	t->stats = t->stats_started_c;
	pthread_mutex_unlock(&t->mu);
	if (!done)
		return false;
	t->stats_adopted = true;
	if (!t->stats)
		log_warn("statistics unavailable: the zip will hold no stats CSV");
	return t->stats != NULL;
}

static void take_column(agent_thread *t, JNIEnv *jni)
{
	if (t->stats && t->window && t->window->stats &&
	    stats_collect(t->stats, jni, clock_epoch_ms(), t->window->stats) != 0)
		log_debug("a statistics column could not be taken");
}

static void open_window(agent_thread *t, JNIEnv *jni, bool init, const char *request_id, int64_t deadline_ms,
			window_mark at, bool shared)
{
	t->window = window_open(t->a, t->next_seq++, init, request_id, deadline_ms, at);
	if (t->window)
		t->window->shared = shared;
	take_column(t, jni); /* IOpipe's "begin" column */
}

/* Final sample and "end" column, so the .nps and the CSV describe the same span. The
 * window ends when its end was asked for (the invocation's response), not when this
 * thread gets round to it. */
static agent_window *close_window(agent_thread *t, JNIEnv *jni, window_mark at)
{
	agent_window *w = t->window;
	if (!w)
		return NULL;
	if (!t->stats_adopted) {
		/* The Lambda init window does not wait: the first event must not (docs/lambda.md). */
		uint32_t wait_ms = w->init ? 0 : STATS_START_WAIT_MS;
		adopt_stats(t, wait_ms);
		if (!t->stats_adopted)
			log_msg(w->init ? LOG_DEBUG : LOG_WARN,
				"statistics still starting after %u ms: this window has no stats CSV", wait_ms);
	}
	sampler_round(t->sampler, jni, w, at.mono_ns);
	take_column(t, jni);
	window_close(w, at);
	if (w->shared && t->perinv)
		perinv_window_closed(t->perinv, w);
	t->window = NULL;
	return w;
}

/* Waits for `deadline_ns` (0 = no deadline) or a command; returns the pending commands. */
static unsigned wait_for(agent_thread *t, uint64_t deadline_ns)
{
	struct timespec ts = clock_mono_ts(deadline_ns);
	pthread_mutex_lock(&t->mu);
	while (!t->pending && (!deadline_ns || clock_mono_ns() < deadline_ns)) {
		int rc = deadline_ns ? pthread_cond_timedwait(&t->cv, &t->mu, &ts) : pthread_cond_wait(&t->cv, &t->mu);
		if (rc != 0 && deadline_ns)
			break;
	}
	unsigned cmd = t->pending;
	t->pending = 0;
	t->oc_taken = t->oc_posted;
	t->busy = cmd != 0;
	pthread_mutex_unlock(&t->mu);
	return cmd;
}

static void done_with_commands(agent_thread *t)
{
	pthread_mutex_lock(&t->mu);
	t->busy = false;
	pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->mu);
}

/* An invocation's snapshot must be uploaded before its deadline: Lambda freezes or
 * recycles the sandbox after it. */
static uint32_t upload_budget_ms(const agent *a, const agent_window *w)
{
	uint32_t budget = a->cfg.upload_budget_ms;
	if (w->deadline_ms <= 0)
		return budget;
	int64_t left = w->deadline_ms - clock_epoch_ms() - 200;
	left = left < 100 ? 100 : left;
	return (int64_t)budget < left ? budget : (uint32_t)left;
}

/* The Lambda init window's zip is written once the first invocation is over, so writing
 * it (names resolved, compressed: tens of ms) never holds the first event. */
static void finish_deferred_init(agent_thread *t, uint32_t upload_budget_ms, const output_deadline *dl)
{
	agent_window *w = t->deferred_init;
	if (!w)
		return;
	t->deferred_init = NULL;
	agent_finish_window(t->a, w, upload_budget_ms, dl); /* 0: queued, sent with the next upload */
	window_free(w);
}

/* Invocations' own windows cut in one go, finished after the windows' close and open. */
typedef struct {
	agent_window *w[INVMARKS_MAX];
	unsigned n;
} cut_windows;

/* The marks posted before the `gen`th open or close, each in the current window (an
 * invocation's own window is cut at its end, into `cut`); without `window`, dropped: they
 * belong to a window that opened and closed before this thread got to it (a starved
 * machine). */
static void handle_marks(agent_thread *t, JNIEnv *jni, uint32_t gen, bool window, cut_windows *cut)
{
	invmark m;
	for (;;) {
		pthread_mutex_lock(&t->mu);
		bool got = invmarks_pop(&t->marks, gen, &m);
		pthread_mutex_unlock(&t->mu);
		if (!got)
			return;
		if (!window) {
			log_debug("invocation %s: its shared window was never opened; no zip of its own", m.id);
			continue;
		}
		agent_window *iw = t->perinv ? perinv_mark(t->perinv, t->a, t->sampler, jni, t->window, &m) : NULL;
		if (iw)
			cut->w[cut->n++] = iw; /* at most one per mark popped: within INVMARKS_MAX */
	}
}

/* Milliseconds left until `end_ns` (monotonic), at least 1 (0 would mean "queue it");
 * 0 for no end (no upload budget at all). */
static uint32_t ms_left(uint64_t end_ns)
{
	uint64_t now = clock_mono_ns();
	if (!end_ns)
		return 0;
	return end_ns > now + 1000000u ? (uint32_t)((end_ns - now) / 1000000u) : 1;
}

/* Their zips are written and uploaded after the close they came with: its last sample is
 * then taken when it was asked for, not after their writing. At exit (`dl`) each upload
 * gets what is left of the exit's upload budget, which ends at `exit_upload_ns`. */
static void finish_cut(agent_thread *t, cut_windows *cut, const output_deadline *dl, uint64_t exit_upload_ns)
{
	for (unsigned i = 0; i < cut->n; i++) {
		uint32_t budget = dl ? ms_left(exit_upload_ns) : upload_budget_ms(t->a, cut->w[i]);
		agent_finish_window(t->a, cut->w[i], budget, dl);
		window_free(cut->w[i]);
	}
	cut->n = 0;
}

static void handle(agent_thread *t, JNIEnv *jni, unsigned cmd)
{
	pthread_mutex_lock(&t->mu);
	window_mark close_at = cmd & CMD_CLOSE ? t->close_at : t->open_at;
	window_mark open_at = t->open_at;
	uint32_t gen = t->oc_taken;
	pthread_mutex_unlock(&t->mu);
	cut_windows cut = {.n = 0};
	handle_marks(t, jni, t->oc_handled, true, &cut);
	if (cmd & (CMD_CLOSE | CMD_OPEN)) {
		agent_window *w = close_window(t, jni, close_at);
		if (w && w->init) {
			coldstart_report(&t->a->cold, "init end", coldstart_thread_cpu_ns(), w->st.sampler_cpu_ns,
					 t->a->start_mono_ns);
			t->deferred_init = w; /* the cold start must not wait for its zip */
		} else if (w) {
			finish_deferred_init(t, 0, NULL);
			agent_finish_window(t->a, w, upload_budget_ms(t->a, w), NULL);
			window_free(w);
		} else if (cmd & CMD_CLOSE) {
			finish_deferred_init(t, 0, NULL);
			if (t->a->uploader) /* after an invocation that was not profiled */
				uploader_retry(t->a->uploader);
		}
	}
	if (cmd & CMD_FINISH_INIT) /* SnapStart: before the snapshot, not after the first invocation */
		finish_deferred_init(t, t->a->cfg.upload_budget_ms, NULL);
	if (cmd & CMD_OPEN) {
		char request[128];
		pthread_mutex_lock(&t->mu);
		snprintf(request, sizeof request, "%s", t->open_request);
		int64_t deadline = t->open_deadline_ms;
		bool shared = t->open_shared;
		pthread_mutex_unlock(&t->mu);
		open_window(t, jni, false, request, deadline, open_at, shared);
	}
	if (gen > t->oc_handled + 1) /* opens and closes taken together */
		handle_marks(t, jni, gen - 1, false, &cut);
	t->oc_handled = gen;
	handle_marks(t, jni, gen, true, &cut);
	finish_cut(t, &cut, NULL, 0);
}

/* Samples until asked to stop: on absolute deadlines (no drift); a round that overran
 * skips the deadlines it missed instead of sampling back to back. */
static void loop(agent_thread *t, JNIEnv *jni)
{
	uint64_t next = clock_mono_ns();
	uint64_t stats_every = (uint64_t)t->a->cfg.stats_interval_ms * 1000000u;
	uint64_t next_stats = next + stats_every;
	for (;;) {
		uint64_t interval = (uint64_t)t->a->cfg.interval_us * 1000u;
		if (!t->stats_adopted && adopt_stats(t, 0)) {
			uint64_t cpu0 = coldstart_thread_cpu_ns();
			take_column(t, jni); /* the first window's begin column */
			coldstart_first_column(&t->a->cold, coldstart_thread_cpu_ns() - cpu0);
		}
		if (t->window) {
			uint64_t spent = t->window->st.sampler_cpu_ns;
			sampler_round(t->sampler, jni, t->window, 0);
			interval = governor_interval(&t->governor, t->a->cfg.interval_us, t->a->cfg.overhead_permille,
						     t->window->st.sampler_cpu_ns - spent, &t->window->st);
			sampler_set_interval(t->sampler, interval);
			uint64_t now = clock_mono_ns();
			if (stats_every && now >= next_stats) {
				take_column(t, jni);
				next_stats = now + stats_every;
			}
		}
		next += interval;
		uint64_t now = clock_mono_ns();
		if (next <= now) {
			uint64_t behind = (now - next) / interval + 1;
			if (t->window)
				t->window->st.missed += behind;
			next += behind * interval;
		}
		unsigned cmd = wait_for(t, t->window ? next : 0);
		if (cmd & CMD_STOP)
			return;
		if (cmd) {
			handle(t, jni, cmd);
			done_with_commands(t);
			next = next_stats = clock_mono_ns();
			next_stats += stats_every;
		}
	}
}

static stats_collector *new_collector(const agent_config *cfg, JNIEnv *jni, jvmtiEnv *jvmti)
{
	stats_options so = {.thread_contention = cfg->thread_contention,
			    .mxbean_fallback = cfg->stats_source == STATS_SOURCE_MXBEAN,
			    .no_user_time = !cfg->stats_user_time};
	return stats_collector_new(jni, jvmti, &so);
}

/* The statistics start-up thread: the collector's first use loads the JVM's management
 * classes (tens of ms of CPU), which must not hold up sampling at VM start. The
 * collector keeps only global references, so the sampler thread takes it over. */
static void JNICALL start_stats(jvmtiEnv *jvmti, JNIEnv *jni, void *arg)
{
	agent_thread *t = arg;
	uint64_t cpu0 = coldstart_thread_cpu_ns(), wall0 = clock_mono_ns();
	stats_collector *c = new_collector(&t->a->cfg, jni, jvmti);
	coldstart_stats_started(&t->a->cold, coldstart_thread_cpu_ns() - cpu0, clock_mono_ns() - wall0);
	pthread_mutex_lock(&t->mu);
	t->stats_started_c = c;
	t->stats_started = true;
	pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->mu);
}

static void JNICALL run(jvmtiEnv *jvmti, JNIEnv *jni, void *arg)
{
	(void)jvmti;
	agent_thread *t = arg;
	/* The first window and its first sample are taken at once, so start-up is profiled
	 * from VMInit, while the statistics start on their own thread. */
	t->window = window_open(t->a, t->next_seq++, t->a->on_lambda_runtime, NULL, 0, window_now());
	if (t->window)
		sampler_round(t->sampler, jni, t->window, 0);
	loop(t, jni);
	cut_windows cut = {.n = 0};
	handle_marks(t, jni, UINT32_MAX, true, &cut); /* invocations that ended just before the exit */
	agent_window *w = close_window(t, jni, window_now());
	if (t->stats)
		stats_collector_free(t->stats, jni);
	t->stats = NULL;
	/* The last window is written and uploaded here too: uploads never run on an
	 * application thread, not even the one that is ending the JVM. */
	pthread_mutex_lock(&t->mu);
	uint32_t budget = t->exit_budget_ms;
	output_deadline dl = t->exit_deadline;
	pthread_mutex_unlock(&t->mu);
	/* A deferred init zip goes with the last window's upload, or alone when there is none. */
	uint64_t upload_end = budget ? clock_mono_ns() + (uint64_t)budget * 1000000u : 0;
	finish_deferred_init(t, w || cut.n ? 0 : budget, &dl);
	finish_cut(t, &cut, &dl, upload_end);
	if (w) {
		agent_finish_window(t->a, w, ms_left(upload_end), &dl);
		window_free(w);
	}
	pthread_mutex_lock(&t->mu);
	t->stopped = true;
	pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->mu);
}

static bool init_sync(agent_thread *t)
{
	pthread_condattr_t attr;
	if (pthread_condattr_init(&attr) != 0)
		return false;
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	bool ok = pthread_cond_init(&t->cv, &attr) == 0 && pthread_mutex_init(&t->mu, NULL) == 0;
	pthread_condattr_destroy(&attr);
	return ok;
}

agent_thread *agent_thread_start(agent *a, JNIEnv *jni)
{
	agent_thread *t = calloc(1, sizeof *t);
	if (!t || !init_sync(t) || !(t->sampler = sampler_new(a, jni))) {
		log_warn("cannot set up the sampler; profiling is off");
		free(t);
		return NULL;
	}
	t->a = a;
	t->perinv = a->on_lambda_runtime ? perinv_new() : NULL;
	/* Both threads exist (and are left out of every sample) before either runs. */
	jthread sampler_thread = own_thread_new(t->sampler, jni, "jvmsnap sampler");
	jthread stats_thread = sampler_thread ? own_thread_new(t->sampler, jni, "jvmsnap stats") : NULL;
	if (!sampler_thread || !own_thread_run(a, jni, sampler_thread, run, t)) {
		log_warn("cannot start the sampler's java.lang.Thread; profiling is off");
		if (stats_thread)
			(*jni)->DeleteLocalRef(jni, stats_thread);
		sampler_free(t->sampler);
		perinv_free(t->perinv);
		pthread_mutex_destroy(&t->mu);
		pthread_cond_destroy(&t->cv);
		free(t);
		return NULL;
	}
	if (!stats_thread || !own_thread_run(a, jni, stats_thread, start_stats, t)) {
		pthread_mutex_lock(&t->mu);
		t->stats_started = true; /* with no collector: the windows get no stats CSV */
		pthread_cond_broadcast(&t->cv);
		pthread_mutex_unlock(&t->mu);
	}
	return t;
}

static void post(agent_thread *t, unsigned cmd)
{
	t->pending |= cmd;
	pthread_cond_broadcast(&t->cv);
}

void agent_thread_close_window(agent_thread *t)
{
	pthread_mutex_lock(&t->mu);
	if (!(t->pending & CMD_CLOSE))
		t->close_at = window_now();
	t->oc_posted++;
	post(t, CMD_CLOSE);
	pthread_mutex_unlock(&t->mu);
}

void agent_thread_finish_init(agent_thread *t)
{
	pthread_mutex_lock(&t->mu);
	post(t, CMD_FINISH_INIT);
	pthread_mutex_unlock(&t->mu);
}

void agent_thread_open_window(agent_thread *t, const char *request_id, int64_t deadline_ms, bool shared)
{
	pthread_mutex_lock(&t->mu);
	snprintf(t->open_request, sizeof t->open_request, "%s", request_id ? request_id : "");
	t->open_deadline_ms = deadline_ms;
	t->open_shared = shared;
	t->open_at = window_now();
	t->oc_posted++;
	post(t, CMD_OPEN);
	pthread_mutex_unlock(&t->mu);
}

void agent_thread_mark(agent_thread *t, bool end, const char *request_id, long os_tid, int64_t deadline_ms)
{
	invmark m = {.end = end, .os_tid = os_tid, .deadline_ms = deadline_ms, .at = window_now()};
	snprintf(m.id, sizeof m.id, "%s", request_id);
	pthread_mutex_lock(&t->mu);
	m.gen = t->oc_posted;
	if (invmarks_push(&t->marks, &m))
		post(t, CMD_MARK);
	else if (t->marks.dropped == 1)
		log_warn("invocation starts and ends come faster than the agent thread handles them: some "
			 "invocations get no zip of their own");
	pthread_mutex_unlock(&t->mu);
}

/* Under t->mu: stopped, or (unless only a stop will do) idle. */
static bool reached(const agent_thread *t, bool want_stopped)
{
	return t->stopped || (!want_stopped && !t->pending && !t->busy);
}

static bool wait_state(agent_thread *t, uint32_t timeout_ms, bool want_stopped)
{
	struct timespec ts = clock_mono_ts(clock_mono_ns() + (uint64_t)timeout_ms * 1000000u);
	pthread_mutex_lock(&t->mu);
	while (!reached(t, want_stopped))
		if (pthread_cond_timedwait(&t->cv, &t->mu, &ts) != 0)
			break;
	bool ok = reached(t, want_stopped);
	pthread_mutex_unlock(&t->mu);
	return ok;
}

bool agent_thread_wait_idle(agent_thread *t, uint32_t budget_ms) { return wait_state(t, budget_ms, false); }

bool agent_thread_stop(agent_thread *t, uint32_t upload_budget_ms, const output_deadline *dl, uint32_t timeout_ms)
{
	pthread_mutex_lock(&t->mu);
	t->exit_budget_ms = upload_budget_ms;
	t->exit_deadline = *dl;
	post(t, CMD_STOP);
	pthread_mutex_unlock(&t->mu);
	return wait_state(t, timeout_ms, true);
}

void agent_thread_free(agent_thread *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&t->mu);
	bool stats_running = !t->stats_started;
	pthread_mutex_unlock(&t->mu);
	if (stats_running)
		return; /* the statistics thread will still touch `t`: leave it be */
	sampler_free(t->sampler);
	perinv_free(t->perinv);
	pthread_mutex_destroy(&t->mu);
	pthread_cond_destroy(&t->cv);
	free(t);
}

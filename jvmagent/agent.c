/* Agent lifecycle, top to bottom: jvmsnap_agent_load (from the loader's Agent_OnLoad:
 * configuration, capabilities, callbacks)
 * -> VMInit (start the sampler thread) -> VMDeath (stop it, write the snapshot). */
#include "agent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../common/clock.h"
#include "../common/log.h"
#include "agent_thread.h"
#include "exit_notes.h"
#include "lambda_shared.h"
#include "lambda.h"
#include "net.h"
#include "tidmap.h"
#include "uploader.h"
#include "window.h"

/* At exit the JVM waits for us: the agent thread gets this long to stop and write the
 * last zip, plus an upload this long at most (the configured budget when shorter). Of
 * the wait, the tree must be written EXIT_SMALL_RESERVE_MS before its end, else it is cut
 * hard and written again (output.h); that one EXIT_BARE_RESERVE_MS before the end, else
 * the zip keeps the statistics and metadata only: a zip is always on disk in time. */
enum {
	STOP_TIMEOUT_MS = 3000,
	EXIT_UPLOAD_BUDGET_MS = 3000,
	OPEN_WAIT_MS = 50,
	EXIT_SMALL_RESERVE_MS = 1000,
	EXIT_BARE_RESERVE_MS = 300,
};
/* SnapStart: what writing the init zip may take before its upload starts (bench/nps_write.sh). */
enum { SNAPSHOT_WRITE_MS = 2000 };

/* The JVMTI callbacks carry no user pointer other than the environment's local storage;
 * this is the one agent context, reachable from there too. */
static agent the_agent;

static void JNICALL on_gc_finish(jvmtiEnv *jvmti)
{
	(void)jvmti;
	/* Runs inside the GC pause: only a flag may be touched here. */
	atomic_store(&the_agent.classes_may_unload, true);
}

static void read_property(jvmtiEnv *jvmti, const char *name, char *out, size_t n)
{
	char *value = NULL;
	if ((*jvmti)->GetSystemProperty(jvmti, name, &value) != JVMTI_ERROR_NONE || !value)
		return;
	snprintf(out, n, "%s", value);
	(*jvmti)->Deallocate(jvmti, (unsigned char *)value);
}

static void stop_lambda_proxy(agent *a)
{
	if (a->proxy) /* started through the loaded library */
		net_get()->proxy_stop(a->proxy);
	a->proxy = NULL;
}

static void start_sampling(agent *a, jvmtiEnv *jvmti, JNIEnv *jni)
{
	read_property(jvmti, "java.vm.name", a->jvm_name, sizeof a->jvm_name);
	read_property(jvmti, "java.vm.version", a->jvm_version, sizeof a->jvm_version);
	a->uploader = uploader_new(&a->cfg);
	a->thread = agent_thread_start(a, jni);
	if (a->thread)
		log_debug("sampling every %u us (sampler=%s), stacks up to %u frames, thread CPU time %s",
			  a->cfg.interval_us, a->cfg.sampler_mode == AGENT_SAMPLER_ALL ? "all" : "changed",
			  a->cfg.max_depth, a->has_cpu_time ? "measured" : "not available");
}

/* VMInit and VMDeath can run at the same time (a SIGTERM handled by the JVM while it is
 * still posting VMInit): the sampler is started, or looked for, under this lock, so it
 * never starts once VMDeath has begun. */
static pthread_mutex_t lifecycle_mu = PTHREAD_MUTEX_INITIALIZER;
static bool vm_init_done, vm_death_begun; /* under lifecycle_mu */

/* Lambda's proxied runtime only: each thread notes its OS id, so an invocation's handler
 * thread, which the proxy knows by that id, is found among the Java threads (tidmap.h). */
static void JNICALL on_thread_start(jvmtiEnv *jvmti, JNIEnv *jni, jthread thread)
{
	(void)jni;
	(void)thread;
	tidmap_note_current(jvmti);
}

static void JNICALL on_vm_init(jvmtiEnv *jvmti, JNIEnv *jni, jthread thread)
{
	(void)thread;
	agent *a = &the_agent;
	coldstart_vm_init_begin(&a->cold);
	if (a->on_lambda_runtime)
		tidmap_note_current(jvmti); /* the main thread: it had no ThreadStart */
	exit_notes_vm_started();
	pthread_mutex_lock(&lifecycle_mu);
	if (!vm_death_begun)
		start_sampling(a, jvmti, jni);
	vm_init_done = true;
	pthread_mutex_unlock(&lifecycle_mu);
	coldstart_vm_init_end(&a->cold);
}

/* `ms`, or the test-only value (config.h: the JVMSNAP_TEST_EXIT_* ones) when it is within the wait. */
static uint32_t test_ms(const char *what, int32_t test, uint32_t ms)
{
	if (test < 0 || test > STOP_TIMEOUT_MS)
		return ms;
	log_debug("exit deadline of the %s forced to %d ms (test-only)", what, (int)test);
	return (uint32_t)test;
}

/* The deadlines of the last zips, counted from the moment the agent thread is asked to stop. */
static output_deadline exit_deadline(const agent_config *cfg)
{
	uint64_t now = clock_mono_ns();
	uint32_t whole_ms = test_ms("whole tree", cfg->test_exit_whole_ms, STOP_TIMEOUT_MS - EXIT_SMALL_RESERVE_MS);
	uint32_t small_ms =
	    test_ms("tree cut hard", cfg->test_exit_small_ms, STOP_TIMEOUT_MS - EXIT_BARE_RESERVE_MS);
	return (output_deadline){now + (uint64_t)whole_ms * 1000000u, now + (uint64_t)small_ms * 1000000u, whole_ms,
				 STOP_TIMEOUT_MS};
}

static void finish_at_death(jvmtiEnv *jvmti)
{
	agent *a = &the_agent;
	exit_notes_vm_dying();
	pthread_mutex_lock(&lifecycle_mu);
	vm_death_begun = true;
	bool started = vm_init_done;
	pthread_mutex_unlock(&lifecycle_mu);
	uint32_t budget = a->cfg.upload_budget_ms < EXIT_UPLOAD_BUDGET_MS ? a->cfg.upload_budget_ms
									  : EXIT_UPLOAD_BUDGET_MS;
	uint32_t wait_ms = STOP_TIMEOUT_MS + (a->uploader ? budget : 0);
	output_deadline dl = exit_deadline(&a->cfg);
	bool timed_out = a->thread && !agent_thread_stop(a->thread, budget, &dl, wait_ms);
	stop_lambda_proxy(a);
	(*jvmti)->SetEventNotificationMode(jvmti, JVMTI_DISABLE, JVMTI_EVENT_GARBAGE_COLLECTION_FINISH,
					   NULL);
	(*jvmti)->SetEventNotificationMode(jvmti, JVMTI_DISABLE, JVMTI_EVENT_THREAD_START, NULL);
	atomic_store(&a->vm_dead, true);
	if (!a->thread) {
		if (started)
			log_warn("no snapshot: the sampler never started");
		else
			log_warn("no snapshot: the JVM began to shut down before sampling started (a signal or an exit "
				 "during start-up)");
		return;
	}
	if (timed_out) {
		/* It may still be inside a JVMTI call, a write or an upload: leave its memory
		 * alone, and let the JVM exit (a half-written zip is only ever a temporary file). */
		log_warn("snapshot not finished: the agent thread did not stop within %u ms", wait_ms);
		return;
	}
	agent_thread_free(a->thread);
	a->thread = NULL;
	uploader_free(a->uploader);
	a->uploader = NULL;
	lambda_shared_free(a->shared); /* the proxy and the agent thread are stopped */
	a->shared = NULL;
}

static void JNICALL on_vm_death(jvmtiEnv *jvmti, JNIEnv *jni)
{
	(void)jni;
	finish_at_death(jvmti);
	exit_notes_vm_death_done();
}

static void add_capabilities(agent *a)
{
	jvmtiCapabilities potential, wanted;
	memset(&wanted, 0, sizeof wanted);
	if ((*a->jvmti)->GetPotentialCapabilities(a->jvmti, &potential) != JVMTI_ERROR_NONE)
		return;
	wanted.can_get_thread_cpu_time = potential.can_get_thread_cpu_time;
	wanted.can_generate_garbage_collection_events = potential.can_generate_garbage_collection_events;
	if (agent_check(a->jvmti, (*a->jvmti)->AddCapabilities(a->jvmti, &wanted), "AddCapabilities"))
		a->has_cpu_time = wanted.can_get_thread_cpu_time;
	if (!wanted.can_generate_garbage_collection_events)
		log_warn("GC events unavailable: method names may be wrong after classes unload");
}

static bool enable_events(agent *a)
{
	jvmtiEventCallbacks cb;
	memset(&cb, 0, sizeof cb);
	cb.VMInit = on_vm_init;
	cb.VMDeath = on_vm_death;
	cb.GarbageCollectionFinish = on_gc_finish;
	cb.ThreadStart = on_thread_start;
	jvmtiEnv *j = a->jvmti;
	if (!agent_check(j, (*j)->SetEventCallbacks(j, &cb, sizeof cb), "SetEventCallbacks"))
		return false;
	static const jvmtiEvent events[] = {JVMTI_EVENT_VM_INIT, JVMTI_EVENT_VM_DEATH};
	for (size_t i = 0; i < 2; i++)
		if (!agent_check(j, (*j)->SetEventNotificationMode(j, JVMTI_ENABLE, events[i], NULL),
				 "SetEventNotificationMode"))
			return false;
	(*j)->SetEventNotificationMode(j, JVMTI_ENABLE, JVMTI_EVENT_GARBAGE_COLLECTION_FINISH, NULL);
	if (a->on_lambda_runtime &&
	    (*j)->SetEventNotificationMode(j, JVMTI_ENABLE, JVMTI_EVENT_THREAD_START, NULL) != JVMTI_ERROR_NONE)
		log_warn("JVMTI ThreadStart events unavailable: with several Lambda invocations at once, none gets a "
			 "zip of its own (their shared windows list them)");
	return true;
}

static const char *env_lookup(const char *name) { return getenv(name); }

/* Lambda hooks: called on the proxy's threads, they only post requests to the agent
 * thread (or wait for it), so an invocation never runs profiler work itself. */
static void on_init_done(void *ctx)
{
	agent *a = ctx;
	if (a->thread)
		agent_thread_close_window(a->thread);
}

/* Several invocations at once: they share windows (lambda_shared.h), and each chosen one
 * gets a zip of its own (perinv.h). The open, close and start/end marks are posted under
 * lambda_mu, so the agent thread gets them in the order the invocations started and ended. */
static void shared_start(agent *a, const char *request_id, int64_t deadline_ms, const lambda_handler *h)
{
	char name[128];
	agent_sanitize_prefix(request_id, name, sizeof name);
	pthread_mutex_lock(&a->lambda_mu);
	bool chosen = agent_invocation_chosen(&a->cfg.invocations, ++a->invocations), own = false;
	lambda_shared_action act = lambda_shared_start(a->shared, request_id, h ? h->name : NULL, name,
						       clock_epoch_ms(), chosen, &own);
	if (act == SHARED_OPEN)
		agent_thread_open_window(a->thread, request_id, deadline_ms, true);
	if (!lambda_shared_window_open(a->shared))
		atomic_fetch_add(&a->skipped, 1); /* in no window: not profiled at all */
	else if (own)
		agent_thread_mark(a->thread, false, request_id, h ? h->os_tid : 0, deadline_ms);
	pthread_mutex_unlock(&a->lambda_mu);
	/* The window before the event is handed over (bounded). The handler's copy is not waited
	 * for: it is taken after every thread is sampled up to the mark (perinv.h). */
	if (act == SHARED_OPEN)
		agent_thread_wait_idle(a->thread, OPEN_WAIT_MS);
}

static void shared_end(agent *a, const char *request_id)
{
	pthread_mutex_lock(&a->lambda_mu);
	bool first = !a->lambda_ended_one, own = false;
	a->lambda_ended_one = true;
	bool close = lambda_shared_end(a->shared, request_id, &own) == SHARED_CLOSE;
	if (own) /* before the close: its zip is cut from the window still open */
		agent_thread_mark(a->thread, true, request_id, 0, 0);
	/* With no window open (invocations not chosen), the agent thread is still woken after
	 * the first invocation, whose end the init window's zip waits for, and for zips
	 * waiting to be sent, as with one invocation at a time. */
	if (!close && !lambda_shared_window_open(a->shared))
		close = first || uploader_has_pending(a->uploader);
	if (close)
		agent_thread_close_window(a->thread);
	pthread_mutex_unlock(&a->lambda_mu);
}

static void on_concurrent(void *ctx)
{
	agent *a = ctx;
	if (a->shared)
		atomic_store(&a->lambda_concurrent, true);
	else
		log_warn("several Lambda invocations at once, but no memory for their shared windows: one "
			 "window per invocation start, each cut short by the next");
	log_debug("several invocations at once: shared windows");
}

static void on_invocation_start(void *ctx, const char *request_id, int64_t deadline_ms, const lambda_handler *h)
{
	agent *a = ctx;
	if (!a->thread)
		return;
	if (atomic_load(&a->lambda_concurrent)) {
		shared_start(a, request_id, deadline_ms, h);
		return;
	}
	/* Not chosen: nothing but a count, so the invocation pays only the proxy's pass-through. */
	a->invocation_skipped = !agent_invocation_chosen(&a->cfg.invocations, ++a->invocations);
	if (a->invocation_skipped) {
		atomic_fetch_add(&a->skipped, 1);
		return;
	}
	agent_thread_open_window(a->thread, request_id, deadline_ms, false);
	/* The window (and its begin statistics column) must be open before the handler
	 * runs; that takes well under a millisecond, the bound is for a starved machine. */
	agent_thread_wait_idle(a->thread, OPEN_WAIT_MS);
}

static void on_invocation_end(void *ctx, const char *request_id)
{
	agent *a = ctx;
	if (atomic_load(&a->lambda_concurrent)) {
		if (a->thread)
			shared_end(a, request_id);
		return;
	}
	/* A skipped invocation wakes the agent thread only for zips waiting to be written or sent. */
	if (a->invocation_skipped && a->invocations > 1 && !uploader_has_pending(a->uploader))
		return; /* after the first, which always does: the init window's zip waits for it */
	on_init_done(ctx);
}

static void on_wait_idle(void *ctx, int64_t budget_ms)
{
	agent *a = ctx;
	/* lambdabudget bounds what snapshot work may add to an invocation (the agent thread keeps
	 * to it too); past it, the next event goes and the work goes on beside it. */
	if (budget_ms > a->cfg.lambda_budget_ms)
		budget_ms = a->cfg.lambda_budget_ms;
	uint64_t t0 = clock_mono_ns();
	bool idle = !a->thread || agent_thread_wait_idle(a->thread, (uint32_t)budget_ms);
	log_debug("next event held %.2f ms", (double)(clock_mono_ns() - t0) / 1e6); /* bench/lambda_faults.sh */
	if (idle)
		return;
	if (atomic_exchange(&a->wait_warned, true))
		log_debug("snapshot work not finished within %lld ms", (long long)budget_ms);
	else
		log_warn("snapshot work not finished within %lld ms; letting the next invocation start "
			 "(said once)", (long long)budget_ms);
}

/* SnapStart, before the snapshot: the init zip is written and uploaded now, once, instead of
 * by every restored copy after its first invocation. restore/next waits for that, within
 * the upload budget (plus the zip's writing) and what is left of the init limit. */
static void on_before_snapshot(void *ctx, int64_t budget_ms)
{
	agent *a = ctx;
	if (!a->thread)
		return;
	agent_thread_finish_init(a->thread);
	int64_t cap = (int64_t)a->cfg.upload_budget_ms + SNAPSHOT_WRITE_MS;
	if (budget_ms > cap)
		budget_ms = cap;
	if (!agent_thread_wait_idle(a->thread, (uint32_t)budget_ms))
		log_warn("the init snapshot was not written and uploaded within %lld ms, before Lambda's SnapStart "
			 "snapshot; a restored sandbox does not resume its upload", (long long)budget_ms);
}

/* SnapStart, after a restore: uploads begun before the snapshot stop, and S3 starts afresh
 * (uploader.h). The clocks need nothing: every time is read when it is used. */
static void on_restored(void *ctx)
{
	agent *a = ctx;
	uploader_restored(a->uploader);
	log_debug("restored from a SnapStart snapshot");
}

/* Puts our proxy between the runtime and the Runtime API before any Java code reads
 * AWS_LAMBDA_RUNTIME_API, so every invocation's start and end are seen exactly. */
static void start_lambda_proxy(agent *a)
{
	const char *upstream = getenv("AWS_LAMBDA_RUNTIME_API");
	lambda_hooks hooks = {.ctx = a,
			      .init_done = on_init_done,
			      .invocation_start = on_invocation_start,
			      .invocation_end = on_invocation_end,
			      .wait_idle = on_wait_idle,
			      .concurrent = on_concurrent,
			      .before_snapshot = on_before_snapshot,
			      .restored = on_restored};
	/* Its memory is taken now: the proxy's threads may ask for it at any time. */
	if (pthread_mutex_init(&a->lambda_mu, NULL) == 0)
		a->shared = lambda_shared_new();
	char listen[64];
	const net_api *net = net_get();
	a->proxy = net ? net->proxy_start(upstream, &hooks, listen, sizeof listen) : NULL;
	if (!a->proxy || setenv("AWS_LAMBDA_RUNTIME_API", listen, 1) != 0) {
		log_warn("cannot start the Runtime API proxy: one snapshot for the whole run instead of one per "
			 "invocation");
		stop_lambda_proxy(a);
		return;
	}
	a->on_lambda_runtime = true;
	log_debug("Runtime API proxy on %s for %s", listen, upstream);
}

/* Called by the loader (jvmagent/loader/), which has already decided that this JVM is to
 * be profiled; everything else the JVM sees of us starts here. */
JNIEXPORT jint JNICALL jvmsnap_agent_load(JavaVM *vm, char *options, void *reserved)
{
	(void)reserved;
	agent *a = &the_agent;
	/* A second -agentpath (or the same one in JAVA_TOOL_OPTIONS and on the command line)
	 * loads this library again into the same context: one agent is enough. */
	if (a->loaded) {
		log_warn("the agent is loaded a second time (-agentpath given twice?): the second stays inactive, "
			 "the first writes the snapshot");
		return JNI_OK;
	}
	a->loaded = true;
	coldstart_load_begin(&a->cold);
	a->start_epoch_ms = clock_epoch_ms();
	a->start_mono_ns = clock_mono_ns();
	agent_config_load(&a->cfg, options, env_lookup);
	log_set_debug(a->cfg.debug);
	a->on_lambda = a->cfg.function_name != NULL;
	if (lambda_is_function_runtime(env_lookup))
		start_lambda_proxy(a);
	a->vm = vm;
	/* Never fail the JVM's start: whatever goes wrong, the application runs unprofiled. */
	if ((*vm)->GetEnv(vm, (void **)&a->jvmti, JVMTI_VERSION_1_2) != JNI_OK) {
		log_warn("JVMTI 1.2 is not available; profiling is off");
		return JNI_OK;
	}
	add_capabilities(a);
	if (!enable_events(a)) {
		log_warn("cannot register JVMTI events; profiling is off");
		return JNI_OK;
	}
	exit_notes_install(agent_jdk_major(a->jvmti));
	coldstart_load_end(&a->cold);
	return JNI_OK;
}

JNIEXPORT void JNICALL jvmsnap_agent_unload(JavaVM *vm)
{
	(void)vm;
	agent_config_free(&the_agent.cfg);
}

#include "sigkick.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../common/clock.h"

/* A hot thread that used no CPU for this long leaves the set. Longer than a time slice of
 * a thread sharing one CPU with a few others (CFS's period is 6 ms or more), so a thread
 * that is merely waiting for the CPU keeps its place. */
#define KICK_IDLE_NS 30000000u
/* How long sigkick_stop waits for the thread to end. */
#define KICK_JOIN_MS 500
#define KICK_STEP_NS 10000000u /* the longest sleep between two looks at the stop flag */
#define MAX_TARGETS 4096u /* 64 words of 64 want-bits under one summary word */
/* The kicker reads its own CPU clock (a system call) every this many kicks, and at its end. */
#define KICK_CPU_EVERY 64u

typedef struct {
	pid_t tid;
	clockid_t clock; /* the thread's CPU clock */
	uint64_t handle;
	bool live;
} target;

typedef struct {
	uint32_t idx;
	uint64_t handle;     /* the target's at entry: a reused slot is another thread */
	uint64_t last_cpu;   /* CPU clock at the previous kick */
	uint64_t kicked_cpu; /* CPU clock when it was last signalled (or entered) */
	uint64_t moved_ns;   /* when its CPU clock last moved */
} hot;

struct sigkick {
	pthread_t thread;
	pid_t pid;
	int signo;
	uint32_t ntargets;
	_Atomic uint64_t interval_ns;
	/* Written by handlers, read and cleared by the kicker. */
	_Atomic uint64_t want_any; /* bit w: want[w] may be non-zero */
	_Atomic uint64_t want[MAX_TARGETS / 64];
	_Atomic unsigned char *is_hot; /* per target, written by the kicker */
	/* The targets and the hot set, under mu: the kicker holds it for one kick. */
	pthread_mutex_t mu;
	target *targets;
	hot hot[SIGKICK_HOT];
	uint32_t nhot;
	bool stopped; /* under mu: no signal after this is set */
	atomic_bool stop; /* seen by the sleeping kicker within KICK_STEP_NS */
	atomic_bool join_claimed; /* one caller joins (VMDeath's and the agent thread's stops may race) */
	atomic_bool joined;
	_Atomic uint64_t cpu_ns; /* the kicker thread's CPU clock, at its last kick */
	uint64_t cpu_taken;      /* agent thread only */
	_Atomic uint64_t kicks, late, signals, failed;
};


static void send(sigkick *k, const target *t)
{
	siginfo_t si;
	memset(&si, 0, sizeof si);
	si.si_signo = k->signo;
	si.si_code = SI_QUEUE;
	si.si_pid = k->pid;
	si.si_uid = getuid();
	si.si_value.sival_ptr = (void *)(uintptr_t)t->handle;
	if (syscall(SYS_rt_tgsigqueueinfo, k->pid, t->tid, k->signo, &si) == 0)
		atomic_fetch_add_explicit(&k->signals, 1, memory_order_relaxed);
	else
		atomic_fetch_add_explicit(&k->failed, 1, memory_order_relaxed);
}

static void drop(sigkick *k, uint32_t i)
{
	atomic_store_explicit(&k->is_hot[k->hot[i].idx], 0, memory_order_relaxed);
	k->hot[i] = k->hot[--k->nhot];
}

/* Threads whose timer fired since the last kick join the set (while there is room). */
static void take_wants(sigkick *k, uint64_t now)
{
	uint64_t words = atomic_exchange_explicit(&k->want_any, 0, memory_order_acquire);
	while (words) {
		uint32_t w = (uint32_t)__builtin_ctzll(words);
		words &= words - 1;
		uint64_t bits = atomic_exchange_explicit(&k->want[w], 0, memory_order_acquire);
		while (bits) {
			uint32_t idx = w * 64 + (uint32_t)__builtin_ctzll(bits);
			bits &= bits - 1;
			const target *t = &k->targets[idx];
			if (k->nhot == SIGKICK_HOT || !t->live || atomic_load_explicit(&k->is_hot[idx], memory_order_relaxed))
				continue;
			uint64_t cpu = clock_cpu_ns(t->clock); /* 0: the thread is gone */
			if (!cpu)
				continue;
			k->hot[k->nhot++] = (hot){idx, t->handle, cpu, cpu, now};
			atomic_store_explicit(&k->is_hot[idx], 1, memory_order_relaxed);
		}
	}
}

/* One kick, under mu: each hot thread that ran half an interval of CPU since it was last
 * signalled is signalled; one idle for KICK_IDLE_NS leaves. */
static void kick(sigkick *k, uint64_t now, uint64_t interval)
{
	take_wants(k, now);
	for (uint32_t i = 0; i < k->nhot;) {
		hot *h = &k->hot[i];
		const target *t = &k->targets[h->idx];
		uint64_t cpu = t->live && t->handle == h->handle ? clock_cpu_ns(t->clock) : 0;
		if (!cpu) {
			drop(k, i);
			continue;
		}
		if (cpu != h->last_cpu)
			h->moved_ns = now;
		h->last_cpu = cpu;
		if (cpu - h->kicked_cpu >= interval / 2) {
			send(k, t);
			h->kicked_cpu = cpu;
		} else if (now - h->moved_ns > KICK_IDLE_NS) {
			drop(k, i);
			continue;
		}
		i++;
	}
}

/* Sleeps until `at` (monotonic) or a stop; true to go on. A plain clock_nanosleep (one
 * system call, an hrtimer) in steps of at most KICK_STEP_NS, so a stop is seen soon
 * whatever the interval. */
static bool sleep_until(sigkick *k, uint64_t at)
{
	for (;;) {
		if (atomic_load(&k->stop))
			return false;
		uint64_t now = clock_mono_ns();
		if (now >= at)
			return true;
		struct timespec ts = clock_mono_ts(at - now > KICK_STEP_NS ? now + KICK_STEP_NS : at);
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	}
}

static void *run(void *arg)
{
	sigkick *k = arg;
	pthread_setname_np(pthread_self(), "jvmsnap-kick");
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0); /* wake on time: the default slack is 50 us */
	uint64_t next = clock_mono_ns();
	bool idle = true;
	for (;;) {
		uint64_t interval = atomic_load(&k->interval_ns);
		/* With no thread hot, nothing runs: a wake-up per interval would cost ~10 us of CPU
		 * each on a microVM for nothing. Wait for a timer's want at a slower pace; meanwhile
		 * the timers' own samples go on. */
		next += idle && interval < KICK_STEP_NS ? KICK_STEP_NS : interval;
		if (!sleep_until(k, next))
			break;
		uint64_t now = clock_mono_ns();
		pthread_mutex_lock(&k->mu);
		if (!k->stopped)
			kick(k, now, interval);
		idle = k->nhot == 0;
		pthread_mutex_unlock(&k->mu);
		uint64_t n = atomic_fetch_add_explicit(&k->kicks, 1, memory_order_relaxed);
		if (n % KICK_CPU_EVERY == 0)
			atomic_store(&k->cpu_ns, clock_cpu_ns(CLOCK_THREAD_CPUTIME_ID));
		if (now > next + interval) { /* descheduled for whole intervals: do not burst to catch up */
			atomic_fetch_add_explicit(&k->late, 1, memory_order_relaxed);
			next = now;
		}
	}
	atomic_store(&k->cpu_ns, clock_cpu_ns(CLOCK_THREAD_CPUTIME_ID));
	return NULL;
}

/* The thread starts with every signal blocked: a process-directed signal must never pick
 * it, and it never takes a sample of its own. */
static bool start_thread(sigkick *k)
{
	sigset_t all, old;
	pthread_attr_t at;
	sigfillset(&all);
	if (pthread_attr_init(&at) != 0)
		return false;
	pthread_attr_setstacksize(&at, 64 * 1024);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	bool ok = pthread_create(&k->thread, &at, run, k) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&at);
	return ok;
}

static void release(sigkick *k)
{
	free(k->targets);
	free((void *)k->is_hot);
	free(k);
}

sigkick *sigkick_new(uint32_t targets, uint64_t interval_ns, int signo)
{
	if (targets == 0 || targets > MAX_TARGETS || interval_ns == 0)
		return NULL;
	sigkick *k = calloc(1, sizeof *k);
	if (!k)
		return NULL;
	k->pid = getpid();
	k->signo = signo;
	k->ntargets = targets;
	atomic_init(&k->interval_ns, interval_ns);
	k->targets = calloc(targets, sizeof *k->targets);
	k->is_hot = calloc(targets, sizeof *k->is_hot);
	if (k->targets && k->is_hot && pthread_mutex_init(&k->mu, NULL) == 0) {
		if (start_thread(k))
			return k;
		pthread_mutex_destroy(&k->mu);
	}
	release(k);
	return NULL;
}

void sigkick_add(sigkick *k, uint32_t idx, uint64_t handle)
{
	clockid_t c;
	if (!k || idx >= k->ntargets || pthread_getcpuclockid(pthread_self(), &c) != 0)
		return;
	pthread_mutex_lock(&k->mu);
	k->targets[idx] = (target){(pid_t)syscall(SYS_gettid), c, handle, true};
	pthread_mutex_unlock(&k->mu);
}

void sigkick_remove(sigkick *k, uint32_t idx)
{
	if (!k || idx >= k->ntargets)
		return;
	pthread_mutex_lock(&k->mu);
	k->targets[idx].live = false;
	pthread_mutex_unlock(&k->mu);
}

void sigkick_want(sigkick *k, uint32_t idx)
{
	if (!k || idx >= k->ntargets)
		return;
	atomic_fetch_or_explicit(&k->want[idx / 64], 1ull << (idx % 64), memory_order_release);
	atomic_fetch_or_explicit(&k->want_any, 1ull << (idx / 64), memory_order_release);
}

bool sigkick_is_hot(const sigkick *k, uint32_t idx)
{
	return k && idx < k->ntargets && atomic_load_explicit(&k->is_hot[idx], memory_order_relaxed);
}

void sigkick_set_interval(sigkick *k, uint64_t interval_ns)
{
	if (k && interval_ns)
		atomic_store(&k->interval_ns, interval_ns);
}

uint64_t sigkick_take_cpu_ns(sigkick *k)
{
	if (!k)
		return 0;
	uint64_t now = atomic_load(&k->cpu_ns);
	uint64_t d = now > k->cpu_taken ? now - k->cpu_taken : 0;
	k->cpu_taken = now > k->cpu_taken ? now : k->cpu_taken;
	return d;
}

sigkick_counts sigkick_counts_of(const sigkick *k)
{
	sigkick *m = (sigkick *)k;
	if (!k)
		return (sigkick_counts){0, 0, 0, 0, false};
	return (sigkick_counts){atomic_load(&m->kicks), atomic_load(&m->late), atomic_load(&m->signals),
				atomic_load(&m->failed), atomic_load(&m->joined)};
}

void sigkick_stop(sigkick *k)
{
	if (!k)
		return;
	/* Under mu: a kick in progress finishes first, and no later one sends anything. */
	pthread_mutex_lock(&k->mu);
	k->stopped = true;
	pthread_mutex_unlock(&k->mu);
	atomic_store(&k->stop, true);
	if (atomic_exchange(&k->join_claimed, true))
		return;
	struct timespec dl;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_nsec += (KICK_JOIN_MS % 1000) * 1000000L;
	dl.tv_sec += KICK_JOIN_MS / 1000 + dl.tv_nsec / 1000000000L;
	dl.tv_nsec %= 1000000000L;
	atomic_store(&k->joined, pthread_timedjoin_np(k->thread, NULL, &dl) == 0);
}

void sigkick_free(sigkick *k)
{
	if (!k)
		return;
	sigkick_stop(k);
	if (!atomic_load(&k->joined))
		return; /* its thread may still touch it (or another caller is joining): leave it be */
	pthread_mutex_destroy(&k->mu);
	release(k);
}

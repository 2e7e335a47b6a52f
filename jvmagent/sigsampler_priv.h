/* The signal sampler's state, shared by its two halves: sigsampler.c (handler, timers,
 * registry, JVMTI events) and sigdrain.c (the agent thread's drain and pass). Private to
 * those two files. */
#ifndef JVMSNAP_SIGSAMPLER_PRIV_H
#define JVMSNAP_SIGSAMPLER_PRIV_H

#include <pthread.h>
#include <time.h>

#include "sigkick.h"
#include "sigring.h"
#include "sigsampler.h"

typedef struct {
	JNIEnv *env_id;
	jint num_frames;
	sigring_frame *frames;
} asgct_trace;
typedef void (*asgct_fn)(asgct_trace *trace, jint depth, void *ucontext);

enum { MAX_TIMED = 4096, RING_BYTES = 4 << 20, STOP_WAIT_MS = 200 };
/* A handle's low word is the slot; this bit marks the signal of its hrtimer (sighot.c). */
#define SIGHOT_BIT 0x80000000u
#define SIGHOT_IDX 0x7fffffffu

typedef struct {
	bool used;
	bool ended;     /* ThreadEnd seen: reaped (and its slot reused) at the next drain */
	bool timed;
	bool dirty;     /* ran since its last stack was taken, without a sample */
	uint32_t gen;   /* tells a reused slot's records from its previous thread's */
	jlong key;
	jobject ref;    /* global reference, for the name */
	timer_t timer;
	uint64_t born_ns;
	uint64_t pass_cpu;   /* CPU time at the previous pass */
	uint64_t sample_cpu; /* CPU time at the previous signal sample, 0 before one */
	/* clock=hrtimer (sighot.c): the thread's own fields, its handler's and ThreadEnd's */
	timer_t hot_timer;
	atomic_bool hot_made; /* the timer exists */
	bool hot_on;          /* armed */
	uint64_t hot_interval, hot_cpu, hot_seen; /* its interval, CPU at its last sample and expiry */
	uint64_t hot_waits;   /* its voluntary context switches when last looked at */
} sig_thread;

struct sigsampler {
	JavaVM *vm;
	jvmtiEnv *env; /* our own environment: its events do not touch the agent's */
	asgct_fn agct;
	sigring *ring;
	sigkick *kick; /* NULL: the CPU timers alone drive the samples */
	bool hot;      /* clock=hrtimer: each thread's own monotonic timer drives them (sighot.c) */
	pid_t pid;     /* the kicker's signals come from this process */
	atomic_bool active;
	_Atomic uint64_t handler_ns; /* CPU time inside handlers, not yet reported */
	_Atomic uint64_t not_java;   /* timer signals that found no Java thread */
	_Atomic uint64_t after_end;  /* a Java thread's own, delivered after its end (not in not_java) */
	sigsampler_key_fn key_of;
	sigsampler_name_fn name_of;
	void *ctx;
	uint64_t interval_ns;
	pthread_mutex_t mu; /* the registry */
	sig_thread *threads;     /* MAX_TIMED */
	uint32_t hint;
	uint64_t failed;    /* samples AsyncGetCallTrace could not take */
	uint64_t failed_by[16]; /* by its error code (0..-15) */
	uint64_t orphans;   /* samples of a thread reaped before they were read */
	uint64_t drained;   /* records drained, and the handlers' and kicker's CPU for them */
	uint64_t handler_total_ns, kick_total_ns;
	bool stopped;
};

/* clock=hrtimer (sighot.c). Create: on the thread, at its registration; delete: on the thread
 * at its ThreadEnd, or once no handler can run (the stop). Wanted: in the handler, for a
 * timer signal: whether to sample (the thread's CPU clock read into *cpu). */
bool sighot_create(sig_thread *e, uint64_t handle);
void sighot_delete(sig_thread *e);
bool sighot_wanted(sigsampler *g, uint64_t handle, uint64_t *cpu);

/* The registry entry a record's handle names, NULL when its thread was reaped. Under mu. */
sig_thread *sig_entry_at(sigsampler *g, uint64_t handle);
/* The entry of a live thread, by its JVMTI thread-local storage. Under mu. */
sig_thread *sig_entry_of_thread(sigsampler *g, jthread t);

#endif

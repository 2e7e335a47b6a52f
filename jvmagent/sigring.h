/* The signal sampler's buffer: a fixed ring of fixed-size stack records, written by signal
 * handlers on any number of threads at once and read by one consumer (the agent thread).
 *
 * Rules: all memory is allocated once by sigring_new, before any handler can run.
 * sigring_claim / sigring_commit are async-signal-safe (lock-free atomics, no allocation,
 * no locks, no libc calls); a writer that finds the ring full drops its record and counts
 * it. Only one thread may call sigring_next / sigring_release. Free with sigring_free,
 * only when no handler can run any more. */
#ifndef JVMSNAP_SIGRING_H
#define JVMSNAP_SIGRING_H

#include <stdint.h>

/* One frame as AsyncGetCallTrace writes it (its ASGCT_CallFrame: line or bci, method). */
typedef struct {
	int32_t lineno;
	void *method; /* a jmethodID */
} sigring_frame;

typedef struct {
	uint64_t thread;     /* who took it: the sampler's own thread handle */
	uint64_t t_ns;       /* monotonic time of the sample */
	uint64_t cpu_ns;     /* the thread's CPU time then */
	int32_t num_frames;  /* frames written, or a negative AsyncGetCallTrace error code */
	uint32_t capacity;   /* frames[] holds this many */
	sigring_frame frames[];
} sigring_record;

typedef struct sigring sigring;

/* `slots` (rounded up to a power of two) records of `frames` frames each; NULL when out
 * of memory. */
sigring *sigring_new(uint32_t slots, uint32_t frames);
void sigring_free(sigring *r);

/* A record to fill, or NULL when the ring is full (the drop is counted). */
sigring_record *sigring_claim(sigring *r);
/* Hands a claimed record to the reader. */
void sigring_commit(sigring *r, sigring_record *rec);

/* The oldest committed record, or NULL when there is none yet (a record still being
 * written blocks the ones after it until it is committed). */
sigring_record *sigring_next(sigring *r);
/* Frees the record sigring_next returned, for writers to reuse. */
void sigring_release(sigring *r, sigring_record *rec);

/* Records dropped because the ring was full, since the start. */
uint64_t sigring_dropped(const sigring *r);

#endif

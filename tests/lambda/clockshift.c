/* LD_PRELOAD shim for 49_lambda_snapstart.sh: what a SnapStart restore looks like to a
 * process's clocks. Lambda snapshots a sandbox and restores it later, perhaps hours later:
 * CLOCK_REALTIME then jumps forward while CLOCK_MONOTONIC does not, so any wall-clock time
 * derived from a relation captured before the snapshot is wrong afterwards.
 *
 * CLOCKSHIFT_FILE names a file of 8 bytes: a little-endian int64, in ms, added to every
 * CLOCK_REALTIME (and gettimeofday, time) reading of the process. The test starts it at
 * minus the restore's gap (the process lives "in the past" before the snapshot) and the
 * Runtime API emulator sets it to 0 when it answers GET /runtime/restore/next: from then on
 * the process's wall clock is the real one again, as after a restore, and the S3 test
 * server (real clock) checks the dates the agent signs with. CLOCK_MONOTONIC is never
 * shifted: absolute waits computed from it must stay true to the kernel's. */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

typedef int (*clock_gettime_fn)(clockid_t, struct timespec *);

static const volatile int64_t *shift_ms; /* the mapped file, or NULL */

__attribute__((constructor)) static void map_shift(void)
{
	const char *path = getenv("CLOCKSHIFT_FILE");
	int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	if (fd < 0)
		return;
	void *m = mmap(NULL, sizeof(int64_t), PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (m != MAP_FAILED)
		shift_ms = m;
}

static int64_t shift_ns(void) { return shift_ms ? *shift_ms * 1000000 : 0; }

static clock_gettime_fn real_clock_gettime(void)
{
	static clock_gettime_fn fn;
	if (!fn)
		fn = (clock_gettime_fn)dlsym(RTLD_NEXT, "clock_gettime");
	return fn;
}

static void add_ns(struct timespec *ts, int64_t ns)
{
	int64_t t = (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec + ns;
	ts->tv_sec = (time_t)(t / 1000000000);
	ts->tv_nsec = (long)(t % 1000000000);
}

int clock_gettime(clockid_t id, struct timespec *ts)
{
	int rc = real_clock_gettime()(id, ts);
	if (rc == 0 && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE))
		add_ns(ts, shift_ns());
	return rc;
}

int gettimeofday(struct timeval *tv, void *tz)
{
	(void)tz;
	struct timespec ts;
	int rc = clock_gettime(CLOCK_REALTIME, &ts);
	if (rc == 0) {
		tv->tv_sec = ts.tv_sec;
		tv->tv_usec = ts.tv_nsec / 1000;
	}
	return rc;
}

time_t time(time_t *out)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (out)
		*out = ts.tv_sec;
	return ts.tv_sec;
}

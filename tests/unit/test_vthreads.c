/* Which frames of a stack are a virtual thread's (jvmagent/vthreads.h): a carrier's JVMTI
 * stack at the continuation's entry, a virtual thread's own JVMTI stack, and the physical
 * stacks AsyncGetCallTrace takes through the entry into the carrier. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../jvmagent/sigring.h"
#include "../../jvmagent/vthreads.h"

#define M(n) ((jmethodID)(uintptr_t)(0x1000 + (n) * 16))
enum { ENTER_SPECIAL = 1, CONT_RUN, VTHREAD_RUN, YIELD, ENTER, ENTER0, WORK, TASK, CARRIER, CARRIER2 };

static vthreads *marks(void)
{
	vthreads_marks m = {M(ENTER_SPECIAL), M(CONT_RUN), M(VTHREAD_RUN), M(YIELD)};
	vthreads *v = vthreads_from_marks(&m);
	assert_non_null(v);
	return v;
}

/* A JVMTI stack, top first, from method numbers. */
static vthreads_stack jvmti_stack(jvmtiFrameInfo *f, const int *ms, int n)
{
	for (int i = 0; i < n; i++)
		f[i] = (jvmtiFrameInfo){M(ms[i]), i};
	return (vthreads_stack){f, sizeof *f, n};
}

static vthreads_stack agct_stack(sigring_frame *f, const int *ms, int n)
{
	for (int i = 0; i < n; i++)
		f[i] = (sigring_frame){i, M(ms[i])};
	return (vthreads_stack){&f[0].method, sizeof *f, n};
}

static void test_carrier_at_entry(void **state)
{
	(void)state;
	vthreads *v = marks();
	jvmtiFrameInfo f[8];
	assert_true(vthreads_at_entry(v, jvmti_stack(f, (int[]){CONT_RUN, CARRIER, CARRIER2}, 3)));
	assert_false(vthreads_at_entry(v, jvmti_stack(f, (int[]){WORK, CONT_RUN, CARRIER}, 3)));
	assert_false(vthreads_at_entry(v, jvmti_stack(f, (int[]){CONT_RUN}, 0)));
	assert_false(vthreads_at_entry(NULL, jvmti_stack(f, (int[]){CONT_RUN}, 1))); /* JDK 17 */
	assert_null(vthreads_mounted(v, NULL)); /* no JVM behind the marks */
	vthreads_free(v);
}

static void test_own_jvmti_stack(void **state)
{
	(void)state;
	vthreads *v = marks();
	jvmtiFrameInfo f[8];
	/* From VirtualThread.run up; the continuation's frames below it are left out. */
	int whole[] = {WORK, TASK, VTHREAD_RUN, ENTER0, ENTER};
	assert_int_equal(vthreads_own_frames(v, jvmti_stack(f, whole, 5), false, 64), 3);
	/* Starting or ending: only the continuation's frames, nothing of its own. */
	assert_int_equal(vthreads_own_frames(v, jvmti_stack(f, (int[]){ENTER0, ENTER}, 2), false, 64), 0);
	/* Unmounting. */
	int unmounting[] = {YIELD, WORK, VTHREAD_RUN};
	assert_int_equal(vthreads_own_frames(v, jvmti_stack(f, unmounting, 3), false, 64), 0);
	/* Deeper than the cap: VirtualThread.run is below the frames taken; all of them count. */
	int deep[] = {WORK, WORK, WORK, WORK};
	assert_int_equal(vthreads_own_frames(v, jvmti_stack(f, deep, 4), false, 3), 4);
	assert_int_equal(vthreads_own_frames(NULL, jvmti_stack(f, (int[]){WORK}, 1), false, 64), 0);
	vthreads_free(v);
}

static void test_own_physical_stack(void **state)
{
	(void)state;
	vthreads *v = marks();
	sigring_frame f[12];
	/* Through the entry into the carrier: the frames above it, from VirtualThread.run up. */
	int through[] = {WORK, TASK, VTHREAD_RUN, ENTER0, ENTER, ENTER_SPECIAL, CONT_RUN, CARRIER, CARRIER2};
	assert_int_equal(vthreads_own_frames(v, agct_stack(f, through, 9), true, 0), 3);
	/* A walk that missed frames keeps what it saw above the entry. */
	int missed[] = {WORK, TASK, ENTER_SPECIAL, CARRIER};
	assert_int_equal(vthreads_own_frames(v, agct_stack(f, missed, 4), true, 0), 2);
	/* No entry: the carrier's own stack. */
	int carrier[] = {WORK, CARRIER, CARRIER2};
	assert_int_equal(vthreads_own_frames(v, agct_stack(f, carrier, 3), true, 0), 0);
	/* A continuation inside the virtual thread: the outermost entry and VirtualThread.run. */
	int nested[] = {WORK, ENTER_SPECIAL, TASK, VTHREAD_RUN, ENTER, ENTER_SPECIAL, CONT_RUN, CARRIER};
	assert_int_equal(vthreads_own_frames(v, agct_stack(f, nested, 8), true, 0), 4);
	vthreads_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_carrier_at_entry),
	    cmocka_unit_test(test_own_jvmti_stack),
	    cmocka_unit_test(test_own_physical_stack),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Snapshot packaging: IOpipe's prefix, the zip path rules, and atomic zip writing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <cmocka.h>

#include "../../snapshot/package.h"

static void test_prefix_matches_iopipe(void **state)
{
	(void)state;
	/* The table verified against IOpipe's Java code (docs/lambda-s3.md §1.4). */
	static const struct { int64_t ms; const char *want; } cases[] = {
	    {1521036185000, "20180314_140305"},
	    {1521036185120, "20180314_140305_12"},
	    {1521036185123, "20180314_140305_123"},
	    {1521036185100, "20180314_140305_1"},
	    {1521036185007, "20180314_140305_007"},
	    {0, "19700101_000000"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char out[SNAP_PREFIX_LEN];
		snap_prefix_format(cases[i].ms, out);
		assert_string_equal(out, cases[i].want);
	}
}

static void test_zip_path_rules(void **state)
{
	(void)state;
	char out[256];
	assert_int_equal(snap_zip_path(NULL, "p", false, out, sizeof out), 0);
	assert_string_equal(out, "p.zip");
	assert_int_equal(snap_zip_path(NULL, "p", true, out, sizeof out), 0);
	assert_string_equal(out, "/tmp/p.zip");
	assert_int_equal(snap_zip_path("/nonexistent/dir/", "p", false, out, sizeof out), 0);
	assert_string_equal(out, "/nonexistent/dir/p.zip");
	assert_int_equal(snap_zip_path("/tmp", "p", false, out, sizeof out), 0);
	assert_string_equal(out, "/tmp/p.zip"); /* an existing directory */
	assert_int_equal(snap_zip_path("/tmp/x/out.zip", "p", false, out, sizeof out), 0);
	assert_string_equal(out, "/tmp/x/out.zip"); /* a file path, IOpipe's meaning */
	assert_int_equal(snap_zip_path("/tmp/", "p", false, out, 8), -1);
}

static void test_zip_write_atomic_and_readable(void **state)
{
	(void)state;
	mode_t old_umask = umask(0);
	char dir[] = "/tmp/jvmsnap-pkg.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[256], target[256], err[256];
	snprintf(path, sizeof path, "%s/out.zip", dir);
	snprintf(target, sizeof target, "%s/precious", dir);
	FILE *f = fopen(target, "w");
	fputs("keep me", f);
	fclose(f);
	assert_int_equal(symlink(target, path), 0); /* the zip must replace, not follow */
	const char nps[] = "nps-bytes", csv[] = "a,b\n1,2\n";
	snap_zip_entry e[] = {{"x_cpu.nps", nps, sizeof nps - 1, false}, {"x_stat.csv", csv, sizeof csv - 1, true}};
	assert_int_equal(snap_zip_write(path, e, 2, err, sizeof err), 0);
	struct stat st;
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	/* Owner-only, even with a permissive umask: stacks can reveal code (issue 7). */
	assert_int_equal(st.st_mode & 0777, 0600);
	f = fopen(target, "r");
	char back[16] = {0};
	assert_non_null(fgets(back, sizeof back, f));
	fclose(f);
	assert_string_equal(back, "keep me");
	int zerr;
	zip_t *z = zip_open(path, ZIP_RDONLY, &zerr);
	assert_non_null(z);
	assert_int_equal(zip_get_num_entries(z, 0), 2);
	assert_string_equal(zip_get_name(z, 0, 0), "x_cpu.nps");
	zip_stat_t zs;
	assert_int_equal(zip_stat_index(z, 0, 0, &zs), 0);
	assert_int_equal(zs.comp_method, ZIP_CM_STORE);
	assert_int_equal(zs.size, sizeof nps - 1);
	zip_close(z);
	/* No temporary file is left behind. */
	char cmd[512];
	snprintf(cmd, sizeof cmd, "test $(ls %s | wc -l) -eq 2", dir);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	umask(old_umask);
}

static void test_zip_write_failures(void **state)
{
	(void)state;
	char err[256] = "";
	snap_zip_entry e[] = {{"a", "x", 1, true}};
	assert_int_equal(snap_zip_write("/nonexistent-dir/a.zip", e, 1, err, sizeof err), -1);
	assert_true(strlen(err) > 0);
	err[0] = '\0';
	assert_int_equal(snap_zip_write("/proc/version", e, 1, err, sizeof err), -1);
	assert_true(strlen(err) > 0);
	/* A device must never be replaced, even when we may (as root). */
	struct stat before, after;
	assert_int_equal(stat("/dev/full", &before), 0);
	assert_int_equal(snap_zip_write("/dev/full", e, 1, err, sizeof err), -1);
	assert_string_equal(err, "exists and is not a regular file");
	assert_int_equal(stat("/dev/full", &after), 0);
	assert_true(S_ISCHR(after.st_mode));
	assert_int_equal(snap_zip_write("/tmp", e, 1, err, sizeof err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_prefix_matches_iopipe),
	    cmocka_unit_test(test_zip_path_rules),
	    cmocka_unit_test(test_zip_write_atomic_and_readable),
	    cmocka_unit_test(test_zip_write_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

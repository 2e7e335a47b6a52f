/* Snapshot packaging: IOpipe's prefix, the zip path rules, atomic zip writing, metadata.json. */
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

#include "../../snapshot/metadata.h"
#include "../../snapshot/package.h"

static void test_prefix_matches_iopipe(void **state)
{
	(void)state;
	/* The table verified against IOpipe's Java code (its zip names: docs/snapshot-format.md). */
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

static bool is_link(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
}

/* snap_zip_store: timestamp names never replace one another; fixed names replace and say
 * so, except a symlink leading out of the directory; nothing under /proc. */
static void test_zip_store_names(void **state)
{
	(void)state;
	char dir[] = "/tmp/jvmsnap-store.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[256], written[512], err[256], outside[256], link_path[256], inside[256];
	snap_zip_entry e[] = {{"a.nps", "x", 1, false}};
	snprintf(path, sizeof path, "%s/s.zip", dir);
	assert_int_equal(snap_zip_store(path, false, e, 1, written, sizeof written, err, sizeof err), 0);
	assert_string_equal(written, path);
	/* Same name again, not fixed: a numbered one, the first kept. */
	assert_int_equal(snap_zip_store(path, false, e, 1, written, sizeof written, err, sizeof err), 0);
	char want[512];
	snprintf(want, sizeof want, "%s/s-1.zip", dir);
	assert_string_equal(written, want);
	assert_int_equal(snap_zip_store(path, false, e, 1, written, sizeof written, err, sizeof err), 0);
	snprintf(want, sizeof want, "%s/s-2.zip", dir);
	assert_string_equal(written, want);
	/* Fixed: replaced, and said. */
	assert_int_equal(snap_zip_store(path, true, e, 1, written, sizeof written, err, sizeof err), SNAP_ZIP_REPLACED);
	assert_string_equal(written, path);
	/* Fixed, a new name: plain 0. */
	snprintf(path, sizeof path, "%s/new.zip", dir);
	assert_int_equal(snap_zip_store(path, true, e, 1, written, sizeof written, err, sizeof err), 0);
	/* A symlink leading out of the directory is kept, even for a fixed name. */
	snprintf(outside, sizeof outside, "%s.outside", dir);
	FILE *f = fopen(outside, "w");
	fputs("keep", f);
	fclose(f);
	snprintf(link_path, sizeof link_path, "%s/out.zip", dir);
	assert_int_equal(symlink(outside, link_path), 0);
	assert_int_equal(snap_zip_store(link_path, true, e, 1, written, sizeof written, err, sizeof err),
			 SNAP_ZIP_LINK_KEPT);
	snprintf(want, sizeof want, "%s/out-1.zip", dir);
	assert_string_equal(written, want);
	assert_true(is_link(link_path));
	/* ... a dangling one too; one leading inside the directory is replaced (fixed). */
	snprintf(link_path, sizeof link_path, "%s/dangling.zip", dir);
	assert_int_equal(symlink("/nonexistent/x", link_path), 0);
	assert_int_equal(snap_zip_store(link_path, true, e, 1, written, sizeof written, err, sizeof err),
			 SNAP_ZIP_LINK_KEPT);
	assert_true(is_link(link_path));
	snprintf(inside, sizeof inside, "%s/s-1.zip", dir);
	snprintf(link_path, sizeof link_path, "%s/latest.zip", dir);
	assert_int_equal(symlink(inside, link_path), 0);
	assert_int_equal(snap_zip_store(link_path, true, e, 1, written, sizeof written, err, sizeof err),
			 SNAP_ZIP_REPLACED);
	assert_false(is_link(link_path));
	/* Never under /dev, /proc or /sys: 72_files.sh tries /dev in a private mount namespace
	 * (a regression here must not touch the machine's /dev); /proc refuses new files anyway. */
	assert_int_equal(snap_zip_store("/proc/self/jvmsnap.zip", false, e, 1, written, sizeof written, err, sizeof err), -1);
	assert_string_equal(err, "is under /dev, /proc or /sys, which are never written");
	char cmd[512];
	snprintf(cmd, sizeof cmd, "test $(ls %s | grep -c tmp) -eq 0", dir);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof cmd, "rm -rf %s %s", dir, outside);
	assert_int_equal(system(cmd), 0);
}

/* metadata.json's tree_cut: null for a whole tree, else why and how much was kept. */
static void test_metadata_tree_cut(void **state)
{
	(void)state;
	snap_metadata m = {.agent_version = "t", .window = "run", .sampler = "changed"};
	buf out;
	buf_init(&out);
	snap_metadata_json(&m, &out);
	buf_u8(&out, 0);
	assert_non_null(strstr((char *)out.data, "\n  \"tree_cut\": null,\n  \"stats_columns\": 0\n}\n"));
	buf_free(&out);
	m.tree_cut = "exit_deadline";
	m.tree_cut_depth = 22;
	m.tree_nodes = 1000002;
	m.tree_nodes_kept = 18527;
	buf_init(&out);
	snap_metadata_json(&m, &out);
	buf_u8(&out, 0);
	assert_non_null(strstr((char *)out.data, "\n  \"tree_cut\": {\"reason\": \"exit_deadline\", \"depth\": 22, "
					      "\"nodes\": 1000002, \"nodes_kept\": 18527},\n"));
	buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_prefix_matches_iopipe),
	    cmocka_unit_test(test_zip_path_rules),
	    cmocka_unit_test(test_zip_write_atomic_and_readable),
	    cmocka_unit_test(test_zip_write_failures),
	    cmocka_unit_test(test_zip_store_names),
	    cmocka_unit_test(test_metadata_tree_cut),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

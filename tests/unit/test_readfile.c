/* common/readfile: whole files read with a bound, NUL-terminated; common/json_string. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../common/json_string.h"
#include "../../common/readfile.h"

static void write_temp(char *path, const char *text, size_t n)
{
	strcpy(path, "/tmp/jvmsnap-readfile.XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	close(fd);
}

static void test_reads_whole_file_with_nul(void **state)
{
	(void)state;
	char path[64];
	write_temp(path, "abc\0def", 7);
	buf b;
	buf_init(&b);
	buf_append_str(&b, "x"); /* appended after what the buffer holds */
	assert_int_equal(read_file(path, 7, &b), READFILE_OK);
	assert_int_equal(b.len, 8);
	assert_memory_equal(b.data, "xabc\0def", 8);
	assert_int_equal(b.data[8], '\0');
	buf_free(&b);
	char *text = read_file_text(path, 100);
	assert_string_equal(text, "abc");
	free(text);
	unlink(path);
}

static void test_bound_and_errors(void **state)
{
	(void)state;
	char path[64];
	write_temp(path, "0123456789", 10);
	buf b;
	buf_init(&b);
	assert_int_equal(read_file(path, 9, &b), READFILE_LARGE);
	buf_free(&b);
	assert_null(read_file_text(path, 9));
	unlink(path);
	buf_init(&b);
	assert_int_equal(read_file(path, 9, &b), READFILE_OPEN);
	buf_free(&b);
	write_temp(path, "", 0);
	char *empty = read_file_text(path, 9);
	assert_string_equal(empty, "");
	free(empty);
	unlink(path);
}

static void test_json_string(void **state)
{
	(void)state;
	buf b;
	buf_init(&b);
	json_string(&b, "a\"b\\c\n\x01\x7f\xc3\xbc");
	buf_append_str(&b, " ");
	json_string(&b, NULL);
	buf_u8(&b, 0);
	assert_string_equal((char *)b.data, "\"a\\\"b\\\\c\\u000a\\u0001\x7f\xc3\xbc\" null");
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reads_whole_file_with_nul),
	    cmocka_unit_test(test_bound_and_errors),
	    cmocka_unit_test(test_json_string),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

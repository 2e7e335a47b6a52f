/* ListObjectsV2 pages (query and XML) and the AWS shared credentials/config files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../upload/s3_list.h"
#include "../../upload/s3_profile.h"

static void test_query(void **state)
{
	(void)state;
	buf b;
	buf_init(&b);
	s3_list_query(&b, "jvmsnap/orders 1/", NULL, 0, NULL);
	buf_u8(&b, 0);
	assert_string_equal((char *)b.data, "list-type=2&prefix=jvmsnap%2Forders%201%2F");
	b.len = 0;
	s3_list_query(&b, "p/", NULL, 0, "a+b=");
	buf_u8(&b, 0);
	assert_string_equal((char *)b.data, "continuation-token=a%2Bb%3D&list-type=2&prefix=p%2F");
	b.len = 0;
	s3_list_query(&b, "p/", "p/a b0", 1000, "t");
	buf_u8(&b, 0);
	assert_string_equal((char *)b.data, "continuation-token=t&list-type=2&max-keys=1000&prefix=p%2F&start-after=p%2Fa%20b0");
	buf_free(&b);
}

static const char page1[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
    "<Name>b</Name><Prefix>p/</Prefix><KeyCount>2</KeyCount><IsTruncated>true</IsTruncated>"
    "<Contents><Key>p/a&amp;b.json</Key><LastModified>2026-12-02T10:00:00.000Z</LastModified>"
    "<ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag><Size>712</Size></Contents>"
    "<Contents><Key>p/x&#13;y.zip</Key><Size>9000</Size></Contents>"
    "<NextContinuationToken>tok&lt;1</NextContinuationToken></ListBucketResult>";

static void test_parse_pages(void **state)
{
	(void)state;
	s3_object_list l = {0};
	char *token;
	assert_int_equal(s3_list_parse(page1, sizeof page1 - 1, &l, &token), 0);
	assert_int_equal(l.count, 2);
	assert_string_equal(l.objects[0].key, "p/a&b.json");
	assert_int_equal(l.objects[0].size, 712);
	assert_int_equal(l.objects[0].last_modified_ms, 1796205600000LL);
	assert_string_equal(l.objects[1].key, "p/x\ry.zip");
	assert_int_equal(l.objects[1].last_modified_ms, 0);
	assert_string_equal(l.objects[0].etag, "\"9b2cf535f27731c974343645a3985328\"");
	assert_null(l.objects[1].etag);
	assert_true(l.truncated);
	assert_string_equal(token, "tok<1");
	free(token);
	static const char last[] = "<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>";
	assert_int_equal(s3_list_parse(last, sizeof last - 1, &l, &token), 0);
	assert_null(token);
	assert_false(l.truncated);
	assert_int_equal(l.count, 2);
	s3_object_list_free(&l);
}

static void test_parse_rejects_garbage(void **state)
{
	(void)state;
	s3_object_list l = {0};
	char *token;
	static const char err[] = "<Error><Code>NoSuchBucket</Code></Error>";
	assert_int_equal(s3_list_parse(err, sizeof err - 1, &l, &token), -1);
	static const char cut[] = "<ListBucketResult><Contents><Key>a</Key>";
	assert_int_equal(s3_list_parse(cut, sizeof cut - 1, &l, &token), -1);
	/* Every prefix of a valid page: never a crash (ASan runs this too). */
	for (size_t n = 0; n < sizeof page1 - 1; n++) {
		char *copy = malloc(n ? n : 1);
		memcpy(copy, page1, n);
		if (s3_list_parse(copy, n, &l, &token) == 0)
			free(token);
		free(copy);
	}
	s3_object_list_free(&l);
}

static const char creds[] = "[default]\naws_access_key_id = AKDEF\naws_secret_access_key=sdef\n"
			    "\n[ ci ]\n# comment\naws_access_key_id=AKCI \r\naws_secret_access_key = sci\r\n"
			    "aws_session_token = tok\n[half]\naws_access_key_id=x\n";
static const char config[] = "[default]\nregion = eu-west-1\n[profile ci]\nregion=us-west-2\n[ci]\nregion=bad\n";

static void test_profiles(void **state)
{
	(void)state;
	s3_credentials c;
	assert_int_equal(s3_profile_credentials(creds, "default", &c), 0);
	assert_string_equal(c.access_key_id, "AKDEF");
	assert_string_equal(c.secret_access_key, "sdef");
	assert_null(c.session_token);
	s3_credentials_clear(&c);
	assert_int_equal(s3_profile_credentials(creds, "ci", &c), 0);
	assert_string_equal(c.access_key_id, "AKCI");
	assert_string_equal(c.session_token, "tok");
	s3_credentials_clear(&c);
	assert_int_equal(s3_profile_credentials(creds, "half", &c), -1);
	assert_int_equal(s3_profile_credentials(creds, "none", &c), -1);
	char *r = s3_profile_value(config, "ci", true, "region");
	assert_string_equal(r, "us-west-2");
	free(r);
	r = s3_profile_value(config, "default", true, "region");
	assert_string_equal(r, "eu-west-1");
	free(r);
	assert_null(s3_profile_value(config, "other", true, "region"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_query),
	    cmocka_unit_test(test_parse_pages),
	    cmocka_unit_test(test_parse_rejects_garbage),
	    cmocka_unit_test(test_profiles),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

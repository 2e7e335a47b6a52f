/* PutObject requests: addressing (virtual-hosted, path-style endpoints, dotted buckets,
 * China regions, ports), the signed header set, and whole signatures checked against
 * botocore 1.43.11's S3SigV4Auth for the same inputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../upload/s3_request.h"

#define T_20130524 1369353600000LL
#define BODY       "Welcome to Amazon S3."

static s3_config config(const char *bucket, const char *region, const char *endpoint)
{
	s3_config c;
	memset(&c, 0, sizeof c);
	c.bucket = bucket;
	c.region = region;
	c.endpoint = endpoint;
	return c;
}

static s3_credentials creds(char *token)
{
	s3_credentials c = {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", token, 0};
	return c;
}

static void build(s3_put_request *r, const s3_config *cfg, const char *key, char *token)
{
	s3_payload_digest d;
	s3_credentials cr = creds(token);
	assert_int_equal(s3_digest_mem(BODY, strlen(BODY), &d), 0);
	assert_int_equal(s3_put_request_build(r, cfg, key, &d, &cr, T_20130524), S3_OK);
}

/* Inputs and expected signature from botocore (AWS's SigV4 rules for S3: unsigned payload, no double-encoding). */
static void test_virtual_hosted_with_token_matches_botocore(void **state)
{
	(void)state;
	s3_config cfg = config("examplebucket", "us-east-1", NULL);
	s3_put_request r;
	build(&r, &cfg, "jvmsnap/my-function/2026/11/22/snap 1+$.zip", "FQoGZXIvYXdzEXAMPLETOKEN/+=");
	assert_string_equal(r.url, "https://examplebucket.s3.us-east-1.amazonaws.com/jvmsnap/my-function/"
	                           "2026/11/22/snap%201%2B%24.zip");
	assert_string_equal(r.host, "examplebucket.s3.us-east-1.amazonaws.com");
	assert_string_equal(s3_put_request_header(&r, "content-md5"), "1EfQ6PKJ8WoS/2AnznfCWA==");
	assert_string_equal(s3_put_request_header(&r, "content-type"), "application/zip");
	assert_string_equal(s3_put_request_header(&r, "x-amz-content-sha256"),
	                    "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
	assert_string_equal(s3_put_request_header(&r, "x-amz-date"), "20130524T000000Z");
	assert_string_equal(s3_put_request_header(&r, "x-amz-security-token"), "FQoGZXIvYXdzEXAMPLETOKEN/+=");
	assert_string_equal(
	        s3_put_request_header(&r, "authorization"),
	        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
	        "SignedHeaders=content-md5;content-type;host;x-amz-content-sha256;x-amz-date;"
	        "x-amz-security-token, "
	        "Signature=8c7b35f77b3e38651b88d5c82edbea463a2abcf932ddd256ab17387caeb5645b");
	s3_put_request_free(&r);
}

static void test_path_style_endpoint_matches_botocore(void **state)
{
	(void)state;
	s3_config cfg = config("test-bucket", "us-east-1", "http://LOCALHOST:4568/");
	s3_put_request r;
	build(&r, &cfg, "a/./b//c.zip", NULL);
	assert_string_equal(r.url, "http://localhost:4568/test-bucket/a/./b//c.zip");
	assert_string_equal(r.host, "localhost:4568");
	assert_null(s3_put_request_header(&r, "x-amz-security-token"));
	assert_string_equal(
	        s3_put_request_header(&r, "authorization"),
	        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
	        "SignedHeaders=content-md5;content-type;host;x-amz-content-sha256;x-amz-date, "
	        "Signature=06c669089f5bbf669308c0dabad3ddeb01d561a01a692f7e7b7c687cbb92390d");
	s3_put_request_free(&r);
}

static void expect_location(const char *bucket, const char *region, const char *endpoint, const char *key,
                            const char *url, const char *host)
{
	s3_config cfg = config(bucket, region, endpoint);
	s3_put_request r;
	build(&r, &cfg, key, NULL);
	assert_string_equal(r.url, url);
	assert_string_equal(r.host, host);
	assert_string_equal(s3_put_request_header(&r, "host"), host);
	/* the signed path is the URL's path */
	assert_non_null(strstr(r.url, r.path));
	assert_string_equal(strstr(r.url, r.path), r.path);
	s3_put_request_free(&r);
}

static void test_addressing(void **state)
{
	(void)state;
	expect_location("b", "eu-west-1", NULL, "k.zip", "https://b.s3.eu-west-1.amazonaws.com/k.zip",
	                "b.s3.eu-west-1.amazonaws.com");
	/* dotted buckets go path-style: the *.s3 wildcard certificate cannot match them */
	expect_location("my.bucket", "eu-west-1", NULL, "k.zip",
	                "https://s3.eu-west-1.amazonaws.com/my.bucket/k.zip", "s3.eu-west-1.amazonaws.com");
	expect_location("b", "cn-north-1", NULL, "k", "https://b.s3.cn-north-1.amazonaws.com.cn/k",
	                "b.s3.cn-north-1.amazonaws.com.cn");
	/* default ports are not part of the signed Host */
	expect_location("b", "us-east-1", "http://127.0.0.1:80", "k", "http://127.0.0.1/b/k", "127.0.0.1");
	expect_location("b", "us-east-1", "https://minio.example:443", "k", "https://minio.example/b/k",
	                "minio.example");
	expect_location("b", "us-east-1", "https://minio.example:9000/prefix//", "k",
	                "https://minio.example:9000/prefix/b/k", "minio.example:9000");
	expect_location("b", "us-east-1", "http://[::1]:4568", "k", "http://[::1]:4568/b/k", "[::1]:4568");
	expect_location("b", "us-east-1", NULL, "/lead", "https://b.s3.us-east-1.amazonaws.com//lead",
	                "b.s3.us-east-1.amazonaws.com");
}

static void test_bad_input_is_refused(void **state)
{
	(void)state;
	s3_payload_digest d;
	s3_credentials cr = creds(NULL);
	assert_int_equal(s3_digest_mem("", 0, &d), 0);
	const char *bad_endpoints[] = {"ftp://host/", "not a url", "http://user:pw@host/", "http://host/?x=1",
	                               "://"};
	for (size_t i = 0; i < sizeof bad_endpoints / sizeof *bad_endpoints; i++) {
		s3_config cfg = config("b", "us-east-1", bad_endpoints[i]);
		s3_put_request r;
		assert_int_equal(s3_put_request_build(&r, &cfg, "k", &d, &cr, 0), S3_ERR_CONFIG);
		s3_put_request_free(&r);
	}
	s3_config cfg = config("b", "us-east-1", NULL);
	s3_put_request r;
	assert_int_equal(s3_put_request_build(&r, &cfg, "", &d, &cr, 0), S3_ERR_CONFIG);
	s3_put_request_free(&r);
	cfg.bucket = "";
	assert_int_equal(s3_put_request_build(&r, &cfg, "k", &d, &cr, 0), S3_ERR_CONFIG);
	s3_put_request_free(&r);
	cfg = config("b", NULL, NULL);
	assert_int_equal(s3_put_request_build(&r, &cfg, "k", &d, &cr, 0), S3_ERR_CONFIG);
	s3_put_request_free(&r);
}

static void test_content_type_and_date_follow_inputs(void **state)
{
	(void)state;
	s3_config cfg = config("b", "us-east-1", NULL);
	cfg.content_type = "application/octet-stream";
	s3_payload_digest d;
	s3_credentials cr = creds(NULL);
	assert_int_equal(s3_digest_mem("x", 1, &d), 0);
	s3_put_request r;
	assert_int_equal(s3_put_request_build(&r, &cfg, "k", &d, &cr, 1440938160000LL), S3_OK);
	assert_string_equal(s3_put_request_header(&r, "content-type"), "application/octet-stream");
	assert_string_equal(s3_put_request_header(&r, "x-amz-date"), "20150830T123600Z");
	assert_non_null(strstr(s3_put_request_header(&r, "authorization"), "/20150830/us-east-1/s3/"));
	s3_put_request_free(&r);
}

static void test_content_type_follows_the_key_unless_configured(void **state)
{
	(void)state;
	s3_config cfg = config("b", "us-east-1", NULL);
	s3_payload_digest d;
	s3_credentials cr = creds(NULL);
	assert_int_equal(s3_digest_mem("x", 1, &d), 0);
	s3_put_request r;
	assert_int_equal(s3_put_request_build(&r, &cfg, "f/2026/12/02/a.json", &d, &cr, 0), S3_OK);
	assert_string_equal(s3_put_request_header(&r, "content-type"), "application/json");
	s3_put_request_free(&r);
	assert_int_equal(s3_put_request_build(&r, &cfg, "f/2026/12/02/a.zip", &d, &cr, 0), S3_OK);
	assert_string_equal(s3_put_request_header(&r, "content-type"), "application/zip");
	s3_put_request_free(&r);
	assert_string_equal(s3_content_type_of(".json"), "application/zip"); /* no name before it */
	cfg.content_type = "text/plain";
	assert_int_equal(s3_put_request_build(&r, &cfg, "a.json", &d, &cr, 0), S3_OK);
	assert_string_equal(s3_put_request_header(&r, "content-type"), "text/plain");
	s3_put_request_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_virtual_hosted_with_token_matches_botocore),
	        cmocka_unit_test(test_path_style_endpoint_matches_botocore),
	        cmocka_unit_test(test_addressing),
	        cmocka_unit_test(test_bad_input_is_refused),
	        cmocka_unit_test(test_content_type_and_date_follow_inputs),
	        cmocka_unit_test(test_content_type_follows_the_key_unless_configured),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SigV4: every case of AWS's official test suite (shared/sigv4-testsuite) in both path
 * modes, the four worked examples of the S3 documentation, URI encoding and digests. */
#include <dirent.h>
#include <libgen.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../common/readfile.h"
#include "../../common/buf.h"
#include "../../upload/s3_digest.h"
#include "../../upload/sigv4.h"

#define SUITE_ENV    "JVMSNAP_SIGV4_TESTSUITE"
#define SUITE_CASES  34 /* the cases of AWS's SigV4 test suite in tests/data */
#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
/* get-vanilla-with-session-token: the token appears only in its .creq (section 9.7). */
#define SUITE_TOKEN "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"

static char suite_dir[PATH_MAX];

/* ---- locating and reading the suite ---- */

static int is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* $JVMSNAP_SIGV4_TESTSUITE, else <repo>/../shared/sigv4-testsuite, with <repo> found from
 * the working directory (make and tests/run.sh run at the root) or from this binary's
 * place in <repo>/build/tests/. */
static int find_suite(void)
{
	const char *env = getenv(SUITE_ENV);
	if (env && *env) {
		snprintf(suite_dir, sizeof suite_dir, "%s", env);
		return is_dir(suite_dir) ? 0 : -1;
	}
	char exe[PATH_MAX] = "";
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = '\0';
	const char *bin_dir = dirname(exe);
	/* The copy in the repository (tests/data, with its licence), from build/tests/ and, for
	 * `make asan`, build/asan/tests/; then shared/ beside the repository. */
	char candidates[5][PATH_MAX + 64];
	snprintf(candidates[0], sizeof candidates[0], "%s/../../tests/data/sigv4-testsuite", bin_dir);
	snprintf(candidates[1], sizeof candidates[1], "%s/../../../tests/data/sigv4-testsuite", bin_dir);
	snprintf(candidates[2], sizeof candidates[2], "../shared/sigv4-testsuite");
	snprintf(candidates[3], sizeof candidates[3], "%s/../../../shared/sigv4-testsuite", bin_dir);
	snprintf(candidates[4], sizeof candidates[4], "%s/../../../../shared/sigv4-testsuite", bin_dir);
	for (int i = 0; i < 5; i++)
		if (is_dir(candidates[i]) && realpath(candidates[i], suite_dir))
			return 0;
	return -1;
}

/* Test fixtures are small; the bound only keeps a wrong path (a FIFO) from hanging the test. */
static char *slurp(const char *path) { return read_file_text(path, 1u << 20); }

typedef struct {
	char method[16];
	char *path;  /* request target before '?' */
	char *query; /* after '?', or NULL */
	s3_header headers[32];
	size_t nheaders;
	char *body;
	size_t body_len;
	char amz_date[S3_AMZ_DATE_LEN + 1];
	char *storage;
} raw_request;

/* Parses a .req: "METHOD target HTTP/1.1", "Name:value" lines (a line starting with
 * whitespace continues the previous value), a blank line, the body. The target may
 * contain spaces (get-space), so it runs from the first to the last space. */
static int parse_req(char *text, raw_request *r)
{
	memset(r, 0, sizeof *r);
	r->storage = text;
	char *line_end = strchr(text, '\n');
	if (!line_end)
		return -1;
	*line_end = '\0';
	char *sp1 = strchr(text, ' '), *sp2 = strrchr(text, ' ');
	if (!sp1 || sp2 == sp1 || (size_t)(sp1 - text) >= sizeof r->method)
		return -1;
	memcpy(r->method, text, (size_t)(sp1 - text));
	*sp2 = '\0';
	r->path = sp1 + 1;
	char *q = strchr(r->path, '?');
	if (q) {
		*q = '\0';
		r->query = q + 1;
	}
	char *p = line_end + 1;
	while (*p && *p != '\n') {
		char *e = strchr(p, '\n');
		char *next = e ? e + 1 : p + strlen(p);
		if (e)
			*e = '\0';
		if ((*p == ' ' || *p == '\t') && r->nheaders > 0) {
			/* Folded value: rejoin in place, the newline becomes part of the value. */
			p[-1] = '\n';
		} else {
			char *colon = strchr(p, ':');
			if (!colon || r->nheaders == 32)
				return -1;
			*colon = '\0';
			r->headers[r->nheaders].name = p;
			r->headers[r->nheaders++].value = colon + 1;
			if (strcasecmp(p, "X-Amz-Date") == 0)
				snprintf(r->amz_date, sizeof r->amz_date, "%s", colon + 1);
		}
		p = next;
	}
	r->body = *p == '\n' ? p + 1 : p;
	r->body_len = strlen(r->body);
	return 0;
}

typedef struct {
	char name[128];
	char path[PATH_MAX]; /* directory/name without extension */
} suite_case;

static void collect_cases(const char *dir, suite_case *cases, int *n, int max)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char sub[PATH_MAX];
		snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name);
		size_t len = strlen(e->d_name);
		if (is_dir(sub)) {
			collect_cases(sub, cases, n, max);
		} else if (len > 4 && strcmp(e->d_name + len - 4, ".req") == 0 && *n < max) {
			snprintf(cases[*n].name, sizeof cases[*n].name, "%.*s", (int)(len - 4), e->d_name);
			snprintf(cases[*n].path, sizeof cases[*n].path, "%.*s", (int)strlen(sub) - 4, sub);
			(*n)++;
		}
	}
	closedir(d);
}

static char *case_file(const suite_case *c, const char *ext)
{
	char p[PATH_MAX + 8];
	snprintf(p, sizeof p, "%s.%s", c->path, ext);
	return slurp(p);
}

/* ---- signing a suite case ---- */

typedef struct {
	buf creq, sts, authz;
} signed_case;

static s3_sigv4_scope suite_scope(const char *amz_date)
{
	s3_sigv4_scope s = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "us-east-1", "service",
	                    amz_date};
	return s;
}

/* path: the request path to sign; NULL = the one in the .req. */
static int sign_case(raw_request *r, const char *case_name, s3_sigv4_mode mode, const char *path,
                     signed_case *out)
{
	buf_init(&out->creq);
	buf_init(&out->sts);
	buf_init(&out->authz);
	if (strcmp(case_name, "get-vanilla-with-session-token") == 0 && r->nheaders < 32) {
		r->headers[r->nheaders].name = "X-Amz-Security-Token";
		r->headers[r->nheaders++].value = SUITE_TOKEN;
	}
	char hash[S3_SHA256_HEX_LEN + 1];
	if (s3_sha256_hex(r->body, r->body_len, hash) != 0)
		return -1;
	s3_sigv4_request req = {r->method, path ? path : r->path, r->query, r->headers, r->nheaders, hash,
	                        mode};
	s3_sigv4_scope scope = suite_scope(r->amz_date);
	if (s3_sigv4_canonical_request(&req, &out->creq, NULL) != 0 ||
	    s3_sigv4_string_to_sign(&scope, (const char *)out->creq.data, out->creq.len, &out->sts) != 0 ||
	    s3_sigv4_authorization(&req, &scope, &out->authz) != 0)
		return -1;
	buf_u8(&out->creq, '\0');
	buf_u8(&out->sts, '\0');
	buf_u8(&out->authz, '\0');
	return 0;
}

static void free_signed(signed_case *s)
{
	buf_free(&s->creq);
	buf_free(&s->sts);
	buf_free(&s->authz);
}

static int compare(const char *case_name, const char *what, const char *got, const char *want)
{
	if (want && strcmp(got, want) == 0)
		return 0;
	print_error("%s: %s differs\n--- expected\n%s\n--- got\n%s\n", case_name, what,
	            want ? want : "(missing file)", got);
	return 1;
}

static int load_cases(suite_case *cases, int max)
{
	if (find_suite() != 0)
		fail_msg("SigV4 test suite not found: set " SUITE_ENV " or put shared/ beside the "
		         "repository (<repo>/tests/data/sigv4-testsuite or <repo>/../shared/sigv4-testsuite)");
	int n = 0;
	collect_cases(suite_dir, cases, &n, max);
	return n;
}

/* Generic mode must reproduce every .creq, .sts and .authz byte for byte. */
static void test_suite_generic_mode(void **state)
{
	(void)state;
	static suite_case cases[64];
	int n = load_cases(cases, 64), failures = 0;
	assert_int_equal(n, SUITE_CASES);
	for (int i = 0; i < n; i++) {
		char *text = case_file(&cases[i], "req");
		char *creq = case_file(&cases[i], "creq"), *sts = case_file(&cases[i], "sts");
		char *authz = case_file(&cases[i], "authz");
		raw_request r;
		signed_case s;
		assert_non_null(text);
		assert_int_equal(parse_req(text, &r), 0);
		assert_int_equal(sign_case(&r, cases[i].name, S3_SIGV4_GENERIC, NULL, &s), 0);
		failures += compare(cases[i].name, "canonical request", (char *)s.creq.data, creq);
		failures += compare(cases[i].name, "string to sign", (char *)s.sts.data, sts);
		failures += compare(cases[i].name, "Authorization", (char *)s.authz.data, authz);
		free_signed(&s);
		free(text);
		free(creq);
		free(sts);
		free(authz);
	}
	assert_int_equal(failures, 0);
}

static int uri_line_equals(const char *creq, const char *uri)
{
	const char *l = strchr(creq, '\n');
	size_t n = strlen(uri);
	return l && strncmp(l + 1, uri, n) == 0 && l[1 + n] == '\n';
}

/* S3 mode: the client sends the key encoded once (s3_uri_encode), and the signer must
 * neither normalise nor re-encode it. Cases without dot segments or repeated slashes
 * then match the suite exactly; the normalize-path ones must keep their raw path. */
static void test_suite_s3_mode(void **state)
{
	(void)state;
	static suite_case cases[64];
	int n = load_cases(cases, 64), failures = 0, kept_raw = 0;
	assert_int_equal(n, SUITE_CASES);
	for (int i = 0; i < n; i++) {
		char *text = case_file(&cases[i], "req"), *creq = case_file(&cases[i], "creq");
		char *authz = case_file(&cases[i], "authz");
		raw_request r;
		signed_case s;
		assert_non_null(text);
		assert_int_equal(parse_req(text, &r), 0);
		buf wire;
		buf_init(&wire);
		const char *raw_path = r.path ? r.path : ""; /* cmocka's asserts are not noreturn */
		s3_uri_encode(&wire, raw_path, strlen(raw_path), true);
		buf_u8(&wire, '\0');
		assert_int_equal(sign_case(&r, cases[i].name, S3_SIGV4_S3, (char *)wire.data, &s), 0);
		bool dots = strstr(raw_path, "/.") || strstr(raw_path, "//");
		if (!dots) {
			failures += compare(cases[i].name, "S3 canonical request", (char *)s.creq.data, creq);
			failures += compare(cases[i].name, "S3 Authorization", (char *)s.authz.data, authz);
		} else {
			kept_raw++;
			assert_string_not_equal((char *)s.creq.data, creq);
			assert_true(uri_line_equals((char *)s.creq.data, (char *)wire.data));
		}
		buf_free(&wire);
		free_signed(&s);
		free(text);
		free(creq);
		free(authz);
	}
	assert_int_equal(kept_raw,
	                 6); /* relative, relative-relative, slash, slashes, dot-slash, pointless-dot */
	assert_int_equal(failures, 0);
}

static char *canonical_uri(const char *path, s3_sigv4_mode mode)
{
	s3_header h[] = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}};
	s3_sigv4_request r = {"GET", path, NULL, h, 2, EMPTY_SHA256, mode};
	buf b;
	buf_init(&b);
	assert_int_equal(s3_sigv4_canonical_request(&r, &b, NULL), 0);
	char *start = (char *)memchr(b.data, '\n', b.len) + 1, *end = strchr(start, '\n');
	char *uri = strndup(start, (size_t)(end - start));
	buf_free(&b);
	return uri;
}

/* Generic services sign the request path encoded again; S3 signs it as sent. */
static void test_double_vs_single_encoding(void **state)
{
	(void)state;
	struct {
		const char *path, *generic, *s3;
	} cases[] = {
	        {"/example%20space/", "/example%2520space/", "/example%20space/"},
	        {"/example space/", "/example%20space/", "/example%20space/"},
	        {"/a%2Fb", "/a%252Fb", "/a%2Fb"},
	        {"/a/./b/../c//d", "/a/c/d", "/a/./b/../c//d"},
	        {"/%E1%88%B4", "/%25E1%2588%25B4", "/%E1%88%B4"},
	        {"", "/", "/"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *g = canonical_uri(cases[i].path, S3_SIGV4_GENERIC);
		char *s = canonical_uri(cases[i].path, S3_SIGV4_S3);
		assert_string_equal(g, cases[i].generic);
		assert_string_equal(s, cases[i].s3);
		free(g);
		free(s);
	}
}

/* ---- the S3 documentation's worked examples (AWS's S3 SigV4 documentation) ---- */

#define DOC_SIGNED(sig) ", Signature=" sig
static const s3_sigv4_scope doc_scope = {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                                         "us-east-1", "s3", "20130524T000000Z"};

static void expect_doc_signature(const char *method, const char *path, const char *query, const s3_header *h,
                                 size_t n, const char *payload, const char *signed_headers,
                                 const char *signature)
{
	s3_sigv4_request r = {method, path, query, h, n, payload, S3_SIGV4_S3};
	buf auth, want;
	buf_init(&auth);
	buf_init(&want);
	assert_int_equal(s3_sigv4_authorization(&r, &doc_scope, &auth), 0);
	buf_u8(&auth, '\0');
	buf_printf(&want,
	           "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
	           "SignedHeaders=%s, Signature=%s",
	           signed_headers, signature);
	assert_string_equal((char *)auth.data, (char *)want.data);
	buf_free(&auth);
	buf_free(&want);
}

static void test_s3_doc_put_object(void **state)
{
	(void)state;
	char hash[S3_SHA256_HEX_LEN + 1];
	const char *body = "Welcome to Amazon S3.";
	assert_int_equal(s3_sha256_hex(body, strlen(body), hash), 0);
	assert_string_equal(hash, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
	s3_header h[] = {{"Host", "examplebucket.s3.amazonaws.com"},
	                 {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
	                 {"x-amz-date", "20130524T000000Z"},
	                 {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
	                 {"x-amz-content-sha256", hash}};
	/* the key "test$file.text", encoded once by the client */
	buf path;
	buf_init(&path);
	buf_u8(&path, '/');
	s3_uri_encode(&path, "test$file.text", 14, true);
	buf_u8(&path, '\0');
	assert_string_equal((char *)path.data, "/test%24file.text");
	expect_doc_signature("PUT", (char *)path.data, NULL, h, 5, hash,
	                     "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
	                     "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
	buf_free(&path);
}

static void test_s3_doc_get_object(void **state)
{
	(void)state;
	s3_header h[] = {{"Host", "examplebucket.s3.amazonaws.com"},
	                 {"Range", "bytes=0-9"},
	                 {"x-amz-content-sha256", EMPTY_SHA256},
	                 {"x-amz-date", "20130524T000000Z"}};
	expect_doc_signature("GET", "/test.txt", NULL, h, 4, EMPTY_SHA256,
	                     "host;range;x-amz-content-sha256;x-amz-date",
	                     "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

static void test_s3_doc_get_lifecycle(void **state)
{
	(void)state;
	s3_header h[] = {{"Host", "examplebucket.s3.amazonaws.com"},
	                 {"x-amz-content-sha256", EMPTY_SHA256},
	                 {"x-amz-date", "20130524T000000Z"}};
	expect_doc_signature("GET", "/", "lifecycle", h, 3, EMPTY_SHA256,
	                     "host;x-amz-content-sha256;x-amz-date",
	                     "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

static void test_s3_doc_list_objects(void **state)
{
	(void)state;
	s3_header h[] = {{"Host", "examplebucket.s3.amazonaws.com"},
	                 {"x-amz-content-sha256", EMPTY_SHA256},
	                 {"x-amz-date", "20130524T000000Z"}};
	expect_doc_signature("GET", "/", "max-keys=2&prefix=J", h, 3, EMPTY_SHA256,
	                     "host;x-amz-content-sha256;x-amz-date",
	                     "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

/* A wrong secret, date, region or one changed byte of a signed header changes the result. */
static void test_signature_depends_on_every_input(void **state)
{
	(void)state;
	s3_header h[] = {{"Host", "examplebucket.s3.amazonaws.com"},
	                 {"x-amz-content-sha256", EMPTY_SHA256},
	                 {"x-amz-date", "20130524T000000Z"}};
	s3_sigv4_request r = {"GET", "/", "lifecycle", h, 3, EMPTY_SHA256, S3_SIGV4_S3};
	buf base, other;
	buf_init(&base);
	assert_int_equal(s3_sigv4_authorization(&r, &doc_scope, &base), 0);
	buf_u8(&base, '\0');
	s3_sigv4_scope variants[3] = {doc_scope, doc_scope, doc_scope};
	variants[0].secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
	variants[1].amz_date = "20130525T000000Z";
	variants[2].region = "eu-west-1";
	for (int i = 0; i < 3; i++) {
		buf_init(&other);
		assert_int_equal(s3_sigv4_authorization(&r, &variants[i], &other), 0);
		buf_u8(&other, '\0');
		assert_string_not_equal((char *)base.data, (char *)other.data);
		buf_free(&other);
	}
	h[0].value = "examplebucket.s3.amazonaws.con";
	buf_init(&other);
	assert_int_equal(s3_sigv4_authorization(&r, &doc_scope, &other), 0);
	buf_u8(&other, '\0');
	assert_string_not_equal((char *)base.data, (char *)other.data);
	buf_free(&other);
	buf_free(&base);
}

static void test_invalid_input_is_refused(void **state)
{
	(void)state;
	s3_header h[] = {{"Host", "x"}, {"", "empty name"}};
	s3_sigv4_request r = {"GET", "/", NULL, h, 2, EMPTY_SHA256, S3_SIGV4_S3};
	buf b;
	buf_init(&b);
	assert_int_not_equal(s3_sigv4_canonical_request(&r, &b, NULL), 0);
	r.nheaders = 0;
	assert_int_not_equal(s3_sigv4_canonical_request(&r, &b, NULL), 0);
	s3_sigv4_scope bad = doc_scope;
	bad.amz_date = "20130524";
	r.nheaders = 1;
	assert_int_not_equal(s3_sigv4_authorization(&r, &bad, &b), 0);
	buf_free(&b);
}

/* ---- encoding, dates, digests ---- */

static void expect_encoded(const char *raw, bool keep_slash, const char *want)
{
	buf b;
	buf_init(&b);
	s3_uri_encode(&b, raw, strlen(raw), keep_slash);
	buf_u8(&b, '\0');
	assert_string_equal((char *)b.data, want);
	buf_free(&b);
}

static void test_uri_encode_keys(void **state)
{
	(void)state;
	expect_encoded("jvmsnap/fn/2026/11/22/a.zip", true, "jvmsnap/fn/2026/11/22/a.zip");
	expect_encoded("-._~AZaz09", true, "-._~AZaz09");
	expect_encoded("a b+c$d&e=f?g#h%i", true, "a%20b%2Bc%24d%26e%3Df%3Fg%23h%25i");
	expect_encoded("\xc3\xbc\xe1\x88\xb4", true, "%C3%BC%E1%88%B4");
	expect_encoded("a//b/./c/../d", true, "a//b/./c/../d");
	expect_encoded("a/b", false, "a%2Fb");
	expect_encoded("*'()!", true, "%2A%27%28%29%21");
	expect_encoded("\x01\x7f\xff", true, "%01%7F%FF");
}

static void test_amz_date(void **state)
{
	(void)state;
	char d[S3_AMZ_DATE_LEN + 1];
	s3_sigv4_amz_date(1369353600000LL, d);
	assert_string_equal(d, "20130524T000000Z");
	s3_sigv4_amz_date(1440938160999LL, d);
	assert_string_equal(d, "20150830T123600Z");
	s3_sigv4_amz_date(0, d);
	assert_string_equal(d, "19700101T000000Z");
}

static void test_digests(void **state)
{
	(void)state;
	s3_payload_digest d;
	assert_int_equal(s3_digest_mem("", 0, &d), 0);
	assert_string_equal(d.sha256_hex, EMPTY_SHA256);
	assert_string_equal(d.md5_b64, "1B2M2Y8AsgTpgAmY7PhCfg==");
	assert_int_equal(d.size_bytes, 0);
	/* the well-known MD5 9e107d9d372bb6826bd81d3542a419d6, in base64 */
	const char *fox = "The quick brown fox jumps over the lazy dog";
	assert_int_equal(s3_digest_mem(fox, strlen(fox), &d), 0);
	assert_string_equal(d.md5_b64, "nhB9nTcrtoJr2B01QqQZ1g==");
	assert_string_equal(d.sha256_hex, "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592");
	/* the file path must agree with the memory path, across several read chunks */
	size_t len = 200000;
	char *data = malloc(len);
	for (size_t i = 0; i < len; i++)
		data[i] = (char)(i * 31 + 7);
	FILE *f = tmpfile();
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	rewind(f);
	s3_payload_digest from_file;
	assert_int_equal(s3_digest_file(f, &from_file), 0);
	assert_int_equal(s3_digest_mem(data, len, &d), 0);
	assert_string_equal(from_file.sha256_hex, d.sha256_hex);
	assert_string_equal(from_file.md5_b64, d.md5_b64);
	assert_int_equal(from_file.size_bytes, len);
	fclose(f);
	free(data);
}

/* RFC 4231 test case 2: HMAC-SHA-256 with key "Jefe". */
static void test_hmac_sha256(void **state)
{
	(void)state;
	uint8_t mac[S3_SHA256_LEN];
	char hex[2 * S3_SHA256_LEN + 1];
	const char *msg = "what do ya want for nothing?";
	assert_int_equal(s3_hmac_sha256("Jefe", 4, msg, strlen(msg), mac), 0);
	s3_hex(mac, sizeof mac, hex);
	assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_suite_generic_mode),
	        cmocka_unit_test(test_suite_s3_mode),
	        cmocka_unit_test(test_double_vs_single_encoding),
	        cmocka_unit_test(test_s3_doc_put_object),
	        cmocka_unit_test(test_s3_doc_get_object),
	        cmocka_unit_test(test_s3_doc_get_lifecycle),
	        cmocka_unit_test(test_s3_doc_list_objects),
	        cmocka_unit_test(test_signature_depends_on_every_input),
	        cmocka_unit_test(test_invalid_input_is_refused),
	        cmocka_unit_test(test_uri_encode_keys),
	        cmocka_unit_test(test_amz_date),
	        cmocka_unit_test(test_digests),
	        cmocka_unit_test(test_hmac_sha256),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

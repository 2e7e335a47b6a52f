/* Uploads snapshot zips to S3 (PutObject, SigV4) without an AWS SDK.
 *
 * Thread model: an s3_client belongs to one thread at a time (the agent's own thread);
 * its libcurl handle is kept between uploads so the connection is reused. Create and
 * free clients from one thread at a time (libcurl's global init is not reentrant on
 * every platform). Nothing here logs credentials, tokens or signatures. */
#ifndef JVMSNAP_S3_H
#define JVMSNAP_S3_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* getenv-like lookup (the same shape as agent_getenv_fn), so configuration and credentials
 * can be tested without touching the process environment. NULL means the real getenv. */
typedef const char *(*s3_getenv_fn)(const char *name);
/* Wall-clock time in ms since the epoch (signing date, credential expiry); NULL = real. */
typedef int64_t (*s3_clock_fn)(void *ctx);

typedef struct {
	const char *bucket;       /* required */
	const char *region;       /* NULL/"": s3_region_from_env() */
	const char *endpoint;     /* NULL/"": AWS, virtual-hosted https://<bucket>.s3.<region>.amazonaws.com;
	                             else a base URL http(s)://host[:port][/path], path-style */
	const char *prefix;       /* key prefix for s3_object_key, e.g. "jvmsnap/"; NULL = "" */
	const char *content_type; /* NULL = by the key: ".json" application/json, else application/zip */
	const char *ca_file;      /* PEM bundle; NULL = libcurl's default, else a known system path */
	long connect_timeout_ms;  /* per attempt; 0 = 3000 */
	long attempt_timeout_ms;  /* per attempt, whole transfer; 0 = 10000 */
	long budget_ms;           /* per upload when the call passes <= 0; 0 = 20000 */
	s3_getenv_fn getenv_fn;   /* credential variables are read through it */
	s3_clock_fn clock_fn;
	void *clock_ctx;
	/* NULL, or a counter another thread may bump: a PUT stops (S3_ERR_ABORTED) within about
	 * a second once it differs from its value when the PUT began. The agent bumps it when a
	 * SnapStart restore leaves a transfer begun before the snapshot on a dead connection. */
	const atomic_uint *cancel;
	/* The container endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI...), when set, wins over the
	 * environment's keys: after a SnapStart restore those are the snapshot's. */
	bool container_credentials_first;
} s3_config;

/* Return codes (0 = success). */
enum {
	S3_OK = 0,
	S3_ERR_CONFIG = -1,      /* missing or invalid configuration / arguments */
	S3_ERR_FILE = -2,        /* the local file could not be read */
	S3_ERR_CREDENTIALS = -3, /* no credentials in the environment nor from the endpoint */
	S3_ERR_NETWORK = -4,     /* no HTTP answer (connect, TLS, timeout) on the last attempt */
	S3_ERR_HTTP = -5,        /* S3 answered with a non-2xx status: see http_status, error_code */
	S3_ERR_BUDGET = -6,      /* the time budget ran out before a first attempt */
	S3_ERR_NOMEM = -7,
	S3_ERR_ABORTED = -8,     /* stopped through s3_config.cancel */
};

typedef struct {
	long http_status;        /* last attempt's status; 0 when nothing answered */
	char error_code[64];     /* S3 <Code> ("NoSuchBucket", "SlowDown", ...) or "" */
	char error_message[256]; /* S3 <Message>, or what failed locally (libcurl, credentials) */
	char etag[80];           /* ETag of the stored object on success (quotes included) */
	int attempts;            /* HTTP attempts made, 0..3 */
	int64_t size_bytes;      /* object size */
	long elapsed_ms;         /* whole call: credentials, attempts and backoff */
	long new_connections;    /* connections opened (0 = an idle kept-alive one was reused) */
} s3_result;

typedef struct s3_client s3_client;

/* The IOPIPE_PROFILER_S3_* settings are read by the agent's configuration only
 * (jvmagent/config.c); agent_config_s3 (jvmagent/config_s3.h) makes an s3_config of them. */

/* AWS_REGION, else AWS_DEFAULT_REGION, else "us-east-1" (the AWS SDKs' order). */
const char *s3_region_from_env(s3_getenv_fn getenv_fn);

/* Copies cfg (strings included). NULL on invalid config or no memory. Free with
 * s3_client_free. */
s3_client *s3_client_new(const s3_config *cfg);
void s3_client_free(s3_client *c);

/* PutObject of the file at `path` under `key` (raw, unencoded). The file is read once to
 * hash it, then once per attempt; it is not held in memory. budget_ms bounds the whole
 * call including retries; <= 0 = the client's default. `res` (not NULL) is always filled.
 * Returns S3_OK or a negative S3_ERR_*; the module logs only debug lines, the caller
 * reports the outcome. */
int s3_put_file(s3_client *c, const char *key, const char *path, long budget_ms, s3_result *res);
/* The same for bytes in memory (not copied; must stay valid during the call). */
int s3_put_buffer(s3_client *c, const char *key, const void *data, size_t len, long budget_ms,
                  s3_result *res);

/* Writes "<prefix><name_or_host>/<yyyy>/<mm>/<dd>/<zip_name>" (UTC date of epoch_ms).
 * prefix may be NULL or "". Returns 0, or S3_ERR_CONFIG when an argument is empty or
 * out is too small. */
int s3_object_key(char *out, size_t n, const char *prefix, const char *name_or_host, int64_t epoch_ms,
                  const char *zip_name);

/* A fixed English description of an S3_ERR_* code. */
const char *s3_strerror(int rc);

#endif

/* AWS credentials: the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 * AWS_SESSION_TOKEN), else the container credentials endpoint that Lambda SnapStart, ECS
 * and EKS provide (AWS_CONTAINER_CREDENTIALS_FULL_URI or _RELATIVE_URI, with
 * AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE or AWS_CONTAINER_AUTHORIZATION_TOKEN). Endpoint
 * credentials are cached and fetched again S3_CRED_REFRESH_MS before they expire. */
#ifndef JVMSNAP_S3_CREDENTIALS_H
#define JVMSNAP_S3_CREDENTIALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "s3.h"

#define S3_CRED_REFRESH_MS (5 * 60 * 1000)
/* How long endpoint credentials without an Expiration are reused. */
#define S3_CRED_DEFAULT_TTL_MS (15 * 60 * 1000)

typedef struct {
	char *access_key_id;
	char *secret_access_key;
	char *session_token;   /* NULL when none */
	int64_t expiration_ms; /* 0 = no expiry known */
} s3_credentials;

/* Wipes and frees the strings; the struct is zeroed afterwards. */
void s3_credentials_clear(s3_credentials *c);

/* Parses the endpoint's JSON {AccessKeyId, SecretAccessKey, Token, Expiration}. Fields
 * must be printable ASCII (they become HTTP header values). 0 or -1; on -1 `out` is
 * cleared. The caller owns out's strings (s3_credentials_clear). */
int s3_credentials_parse_json(const char *json, size_t len, s3_credentials *out);

/* "2026-11-22T08:00:00Z", optional fraction, "Z" or "+hh:mm". 0 or -1. */
int s3_parse_iso8601_ms(const char *s, int64_t *out_ms);

/* Plain http is allowed only to loopback and the ECS/EKS link-local agents, as in the
 * AWS SDKs: the authorization token must never travel to another host unencrypted. */
bool s3_container_uri_allowed(const char *url);

typedef struct s3_cred_provider s3_cred_provider;

/* getenv_fn NULL = getenv; ca_file may be NULL. Copies ca_file. */
s3_cred_provider *s3_cred_provider_new(s3_getenv_fn getenv_fn, const char *ca_file);
void s3_cred_provider_free(s3_cred_provider *p);

/* From now on the container endpoint, when one is set, wins over the environment's keys:
 * after a SnapStart restore those keys are the snapshot's (a process's environment cannot
 * change), while the endpoint serves the restored sandbox's own. */
void s3_cred_provider_container_first(s3_cred_provider *p);

/* Current credentials. *out is owned by the provider and valid until the next call.
 * A fetch takes at most timeout_ms. On failure returns S3_ERR_CREDENTIALS and a
 * description (never a secret) in err. */
int s3_cred_provider_get(s3_cred_provider *p, int64_t now_ms, long timeout_ms, const s3_credentials **out,
                         char *err, size_t err_size);

#endif

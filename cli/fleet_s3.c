/* s3:// sources for the fleet commands: bucket, region, endpoint and credentials, resolved
 * as the AWS CLI does, with the agent's endpoint settings for S3-compatible stores. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/clock.h"
#include "../common/readfile.h"
#include "../jvmagent/config.h"
#include "../upload/s3_imds.h"
#include "../upload/s3_profile.h"
#include "cli.h"
#include "fleet.h"

/* The AWS config and credentials files are small; a larger one is not read. */
static char *read_text(const char *path)
{
	return path ? read_file_text(path, 1u << 20) : NULL;
}

/* Per metadata request, as the AWS SDKs: off EC2 nothing answers and the chain ends soon. */
enum { IMDS_TIMEOUT_MS = 1000 };

/* AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE, else ~/.aws/<name>. */
static void aws_file(const char *var, const char *name, char *out, size_t n)
{
	const char *v = getenv(var), *home = getenv("HOME");
	if (v && *v)
		snprintf(out, n, "%s", v);
	else
		snprintf(out, n, "%s/.aws/%s", home ? home : "", name);
}

static const char *profile_name(void)
{
	const char *p = getenv("AWS_PROFILE");
	return p && *p ? p : "default";
}

static char *config_region(void)
{
	char path[4096];
	aws_file("AWS_CONFIG_FILE", "config", path, sizeof path);
	char *text = read_text(path);
	char *r = text ? s3_profile_value(text, profile_name(), true, "region") : NULL;
	free(text);
	return r;
}

static const char *env_lookup(const char *name) { return getenv(name); }

static bool env_set(const char *name)
{
	const char *v = getenv(name);
	return v && *v;
}

static int credentials(fleet_s3 *s)
{
	char err[256] = "";
	bool from_env = env_set("AWS_ACCESS_KEY_ID") || env_set("AWS_SECRET_ACCESS_KEY");
	bool container = env_set("AWS_CONTAINER_CREDENTIALS_FULL_URI") || env_set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	if (!from_env && !container) {
		char path[4096];
		aws_file("AWS_SHARED_CREDENTIALS_FILE", "credentials", path, sizeof path);
		char *text = read_text(path);
		int rc = text ? s3_profile_credentials(text, profile_name(), &s->cr) : -1;
		free(text);
		if (rc == 0) {
			snprintf(s->source, sizeof s->source, "profile '%s' in %s", profile_name(), path);
			return 0;
		}
		char role[128];
		if (s3_imds_credentials(NULL, IMDS_TIMEOUT_MS, &s->cr, role, sizeof role, err, sizeof err) == S3_OK) {
			snprintf(s->source, sizeof s->source, "the EC2 instance metadata (role '%s')", role);
			return 0;
		}
		fprintf(stderr, "jvmsnap: error: no AWS credentials: set AWS_ACCESS_KEY_ID and "
				"AWS_SECRET_ACCESS_KEY, or AWS_PROFILE with a profile in %s (%s)\n", path, err);
		return CLI_EXIT_INPUT;
	}
	/* The agent's provider: the environment, else the container endpoint. */
	s3_cred_provider *p = s3_cred_provider_new(NULL, s->cfg.ca_file);
	const s3_credentials *got = NULL;
	int rc = p ? s3_cred_provider_get(p, clock_epoch_ms(), 5000, &got, err, sizeof err) : S3_ERR_NOMEM;
	if (rc == S3_OK) {
		s->cr.access_key_id = strdup(got->access_key_id);
		s->cr.secret_access_key = strdup(got->secret_access_key);
		s->cr.session_token = got->session_token ? strdup(got->session_token) : NULL;
		s->cr.expiration_ms = got->expiration_ms;
		snprintf(s->source, sizeof s->source, "%s",
			 from_env ? "the environment (AWS_ACCESS_KEY_ID)" : "the container credentials endpoint");
	}
	s3_cred_provider_free(p);
	if (rc != S3_OK || !s->cr.access_key_id || !s->cr.secret_access_key) {
		fprintf(stderr, "jvmsnap: error: no AWS credentials: %s\n", err[0] ? err : "out of memory");
		return CLI_EXIT_INPUT;
	}
	return 0;
}

int fleet_s3_open(const char *url, const fleet_options *o, fleet_s3 *s)
{
	memset(s, 0, sizeof *s);
	const char *b = url + 5, *slash = strchr(b, '/');
	s->bucket = slash ? strndup(b, (size_t)(slash - b)) : strdup(b);
	s->prefix = strdup(slash ? slash + 1 : "");
	if (!s->bucket || !s->prefix || !*s->bucket) {
		fprintf(stderr, "jvmsnap: error: %s: expected s3://bucket[/prefix]\n", url);
		return CLI_EXIT_INPUT;
	}
	/* The agent's variables mean here what they mean to the agent (config.c reads them). */
	char *env_endpoint = agent_config_string("IOPIPE_PROFILER_S3_ENDPOINT", env_lookup);
	char *env_region = agent_config_string("IOPIPE_PROFILER_S3_REGION", env_lookup);
	const char *endpoint = o->endpoint ? o->endpoint : env_endpoint;
	const char *region = o->region ? o->region : env_region;
	char *from_config = NULL;
	if ((!region || !*region) && !env_set("AWS_REGION") && !env_set("AWS_DEFAULT_REGION"))
		region = from_config = config_region();
	s->cfg.bucket = s->bucket;
	s->cfg.endpoint = endpoint && *endpoint ? strdup(endpoint) : NULL;
	s->cfg.region = strdup(region && *region ? region : s3_region_from_env(NULL));
	free(from_config);
	free(env_endpoint);
	free(env_region);
	const char *ca = getenv("AWS_CA_BUNDLE");
	s->cfg.ca_file = ca && *ca ? strdup(ca) : NULL;
	return credentials(s);
}

void fleet_s3_close(fleet_s3 *s)
{
	free(s->bucket);
	free(s->prefix);
	free((char *)s->cfg.endpoint);
	free((char *)s->cfg.region);
	free((char *)s->cfg.ca_file);
	s3_credentials_clear(&s->cr);
	memset(s, 0, sizeof *s);
}

void fleet_s3_error(const fleet_s3 *s, const char *what, int rc, const s3_result *r)
{
	const char *code = r->error_code;
	const char *hint = "";
	if (!strcmp(code, "ExpiredToken") || !strcmp(code, "TokenRefreshRequired"))
		hint = ": the session token has expired; refresh the credentials";
	else if (r->http_status == 403)
		hint = ": access denied";
	else if (!strcmp(code, "NoSuchBucket"))
		hint = ": the bucket does not exist (check the name, region and endpoint)";
	fprintf(stderr, "jvmsnap: error: %s s3://%s/%s failed: %s%s%s (HTTP %ld)%s; credentials from %s\n", what,
		s->bucket, s->prefix, code[0] ? code : s3_strerror(rc), r->error_message[0] ? ": " : "",
		r->error_message, r->http_status, hint, s->source);
}

void fleet_progress(void *ctx, size_t done, size_t total)
{
	if (!isatty(2) || !total)
		return;
	int width = 30, filled = (int)(width * done / total);
	fprintf(stderr, "\r%s [%.*s%*s] %zu/%zu", (const char *)ctx, filled, "##############################",
		width - filled, "", done, total);
	if (done == total)
		fputs("\n", stderr);
	fflush(stderr);
}

#include "config_s3.h"

#include <stdlib.h>
#include <string.h>

int agent_config_s3(const agent_config *c, s3_getenv_fn getenv_fn, s3_config *out)
{
	memset(out, 0, sizeof *out);
	out->getenv_fn = getenv_fn;
	out->bucket = c->s3_bucket;
	out->prefix = c->s3_prefix;
	out->endpoint = c->s3_endpoint;
	out->region = c->s3_region ? c->s3_region : s3_region_from_env(getenv_fn);
	const char *ca = getenv_fn ? getenv_fn("AWS_CA_BUNDLE") : getenv("AWS_CA_BUNDLE");
	out->ca_file = ca && *ca ? ca : NULL;
	return out->bucket ? S3_OK : S3_ERR_CONFIG;
}

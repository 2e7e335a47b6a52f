/* The S3 client's settings (upload/s3.h) from the agent's (config.h), for the agent's
 * uploader and for the tools and tests, so that IOPIPE_PROFILER_S3_* mean the same for all
 * of them: config.c reads and checks those variables, this only maps them. */
#ifndef JVMSNAP_CONFIG_S3_H
#define JVMSNAP_CONFIG_S3_H

#include "../upload/s3.h"
#include "config.h"

/* Fills `out` from `c`: bucket, prefix and endpoint as config.c parsed them; the region is
 * IOPIPE_PROFILER_S3_REGION, else s3_region_from_env (AWS_REGION, AWS_DEFAULT_REGION,
 * "us-east-1"); the CA bundle is AWS_CA_BUNDLE when set and not empty. `getenv_fn` (NULL:
 * getenv) serves the AWS_* lookups here and the credentials' in the client. The strings
 * point into `c` and the environment (s3_client_new copies them); budgets, timeouts and
 * the clock are left 0 (the client's defaults). Returns S3_OK, or S3_ERR_CONFIG when no
 * bucket is configured. */
int agent_config_s3(const agent_config *c, s3_getenv_fn getenv_fn, s3_config *out);

#endif

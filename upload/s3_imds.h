/* AWS credentials from the EC2 instance metadata service (IMDSv2), the last source of the
 * jvmsnap command's chain (docs/fleet.md), as the AWS SDKs read an instance role:
 *   PUT  <endpoint>/latest/api/token  (X-aws-ec2-metadata-token-ttl-seconds) -> token
 *   GET  <endpoint>/latest/meta-data/iam/security-credentials/        -> role name
 *   GET  <endpoint>/latest/meta-data/iam/security-credentials/<role>  -> credentials JSON
 * The endpoint is AWS_EC2_METADATA_SERVICE_ENDPOINT, else http://169.254.169.254;
 * AWS_EC2_METADATA_DISABLED=true turns it off. No IMDSv1 fallback: a token is required.
 *
 * Blocking, for one thread; each request takes at most timeout_ms, so off EC2 (nothing
 * answers at the link-local address) the whole attempt is bounded. Never logs; the token
 * and secrets are wiped when freed. */
#ifndef JVMSNAP_S3_IMDS_H
#define JVMSNAP_S3_IMDS_H

#include <stdbool.h>
#include <stddef.h>

#include "s3.h"
#include "s3_credentials.h"

#define S3_IMDS_DEFAULT_ENDPOINT "http://169.254.169.254"

/* True when AWS_EC2_METADATA_DISABLED is "true" (any case). */
bool s3_imds_disabled(s3_getenv_fn getenv_fn);

/* S3_OK with `out` filled (the caller clears it) and the role's name in `role`; else
 * S3_ERR_CREDENTIALS (or S3_ERR_NOMEM) with a description in `err`, never a secret. */
int s3_imds_credentials(s3_getenv_fn getenv_fn, long timeout_ms, s3_credentials *out, char *role, size_t role_size,
			char *err, size_t err_size);

#endif

/* The AWS shared files: ~/.aws/credentials ([name] sections: aws_access_key_id,
 * aws_secret_access_key, aws_session_token) and ~/.aws/config ([default] or
 * [profile name] sections: region), as the AWS CLI reads them. Pure parsers of the text;
 * any input is safe. */
#ifndef JVMSNAP_S3_PROFILE_H
#define JVMSNAP_S3_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "s3_credentials.h"

/* The value of `key` in the section for `profile` (`config_file`: the config file's
 * naming, "profile NAME" except for "default"), malloc'ed, trimmed; NULL when absent. */
char *s3_profile_value(const char *text, const char *profile, bool config_file, const char *key);

/* Credentials of `profile` from a credentials file's text. 0, or -1 when the section lacks
 * either key (out cleared). */
int s3_profile_credentials(const char *text, const char *profile, s3_credentials *out);

#endif

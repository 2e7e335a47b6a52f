/* Hashes S3 requests need: SHA-256 (payload hash, canonical request), HMAC-SHA-256
 * (SigV4 key chain) and MD5 (Content-MD5), all through OpenSSL's EVP interface. */
#ifndef JVMSNAP_S3_DIGEST_H
#define JVMSNAP_S3_DIGEST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define S3_SHA256_LEN     32
#define S3_SHA256_HEX_LEN 64
#define S3_MD5_B64_LEN    24

/* The two digests of an object body, computed in one pass. */
typedef struct {
	char sha256_hex[S3_SHA256_HEX_LEN + 1]; /* lowercase hex, for x-amz-content-sha256 */
	char md5_b64[S3_MD5_B64_LEN + 1];       /* base64 of the raw MD5, for Content-MD5 */
	uint64_t size_bytes;
} s3_payload_digest;

int s3_digest_mem(const void *data, size_t len, s3_payload_digest *out);
/* Reads `f` from its current position to EOF; the caller rewinds it before sending. */
int s3_digest_file(FILE *f, s3_payload_digest *out);

int s3_sha256(const void *data, size_t len, uint8_t out[S3_SHA256_LEN]);
int s3_sha256_hex(const void *data, size_t len, char out[S3_SHA256_HEX_LEN + 1]);
int s3_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len, uint8_t out[S3_SHA256_LEN]);
/* Lowercase hex of `len` bytes into out (2 * len + 1 bytes). */
void s3_hex(const uint8_t *data, size_t len, char *out);

#endif

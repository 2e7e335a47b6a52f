#include "s3_digest.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

typedef struct {
	EVP_MD_CTX *sha256;
	EVP_MD_CTX *md5;
	uint64_t size_bytes;
} digest_pair;

static void pair_free(digest_pair *p)
{
	EVP_MD_CTX_free(p->sha256);
	EVP_MD_CTX_free(p->md5);
}

static int pair_init(digest_pair *p)
{
	p->sha256 = EVP_MD_CTX_new();
	p->md5 = EVP_MD_CTX_new();
	p->size_bytes = 0;
	if (!p->sha256 || !p->md5 || EVP_DigestInit_ex(p->sha256, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestInit_ex(p->md5, EVP_md5(), NULL) != 1) {
		pair_free(p);
		return -1;
	}
	return 0;
}

static int pair_update(digest_pair *p, const void *data, size_t len)
{
	p->size_bytes += len;
	if (EVP_DigestUpdate(p->sha256, data, len) != 1 || EVP_DigestUpdate(p->md5, data, len) != 1)
		return -1;
	return 0;
}

static int pair_final(digest_pair *p, s3_payload_digest *out)
{
	uint8_t sha[EVP_MAX_MD_SIZE], md5[EVP_MAX_MD_SIZE];
	unsigned sha_len = 0, md5_len = 0;
	int rc = -1;
	if (EVP_DigestFinal_ex(p->sha256, sha, &sha_len) == 1 &&
	    EVP_DigestFinal_ex(p->md5, md5, &md5_len) == 1 && sha_len == S3_SHA256_LEN && md5_len == 16) {
		s3_hex(sha, sha_len, out->sha256_hex);
		EVP_EncodeBlock((unsigned char *)out->md5_b64, md5, (int)md5_len);
		out->size_bytes = p->size_bytes;
		rc = 0;
	}
	pair_free(p);
	return rc;
}

int s3_digest_mem(const void *data, size_t len, s3_payload_digest *out)
{
	digest_pair p;
	if (pair_init(&p) != 0)
		return -1;
	if (pair_update(&p, data, len) != 0) {
		pair_free(&p);
		return -1;
	}
	return pair_final(&p, out);
}

int s3_digest_file(FILE *f, s3_payload_digest *out)
{
	digest_pair p;
	if (pair_init(&p) != 0)
		return -1;
	unsigned char chunk[64 * 1024];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (pair_update(&p, chunk, n) != 0) {
			pair_free(&p);
			return -1;
		}
	}
	if (ferror(f)) {
		pair_free(&p);
		return -1;
	}
	return pair_final(&p, out);
}

int s3_sha256(const void *data, size_t len, uint8_t out[S3_SHA256_LEN])
{
	unsigned n = 0;
	if (EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) != 1 || n != S3_SHA256_LEN)
		return -1;
	return 0;
}

int s3_sha256_hex(const void *data, size_t len, char out[S3_SHA256_HEX_LEN + 1])
{
	uint8_t md[S3_SHA256_LEN];
	if (s3_sha256(data, len, md) != 0)
		return -1;
	s3_hex(md, sizeof md, out);
	return 0;
}

int s3_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len, uint8_t out[S3_SHA256_LEN])
{
	unsigned n = 0;
	if (key_len > INT32_MAX)
		return -1;
	if (!HMAC(EVP_sha256(), key, (int)key_len, data, len, out, &n) || n != S3_SHA256_LEN)
		return -1;
	return 0;
}

void s3_hex(const uint8_t *data, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[data[i] >> 4];
		out[2 * i + 1] = digits[data[i] & 0xf];
	}
	out[2 * len] = '\0';
}

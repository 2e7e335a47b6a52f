/* Item order as the MXBeans enumerate it. IOpipe listed collectors, pools and buffer pools
 * in ManagementFactory's order; on JDK 9+ that is the iteration order of a
 * `new HashMap<>(list.size())` keyed by each bean's canonical ObjectName
 * (DefaultPlatformMBeanProvider.nameToMBeanMap), not the VM's order. We reproduce it:
 * bucket = spread(String.hashCode()) & (capacity - 1), ties in insertion order. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int32_t hash_ascii(uint32_t h, const char *s)
{
	for (; *s; s++)
		h = 31 * h + (uint8_t)*s;
	return (int32_t)h;
}

int32_t stats_objname_hash(const char *domain, const char *type, const jchar *name, size_t n)
{
	uint32_t h = (uint32_t)hash_ascii(0, domain);
	h = (uint32_t)hash_ascii(h, ":name=");
	for (size_t i = 0; i < n; i++)
		h = 31 * h + name[i];
	h = (uint32_t)hash_ascii(h, ",type=");
	return hash_ascii(h, type);
}

int32_t stats_objname_hash_ascii(const char *domain, const char *type, const char *name)
{
	uint32_t h = (uint32_t)hash_ascii(0, domain);
	h = (uint32_t)hash_ascii(h, ":name=");
	h = (uint32_t)hash_ascii(h, name);
	h = (uint32_t)hash_ascii(h, ",type=");
	return hash_ascii(h, type);
}

/* Capacity of a HashMap created with initialCapacity n after n puts. */
static uint32_t final_capacity(size_t n)
{
	uint32_t cap = 1;
	while (cap < n)
		cap <<= 1;
	uint32_t thr = (uint32_t)((float)cap * 0.75f);
	for (size_t size = 1; size <= n; size++)
		if (size > thr) {
			cap <<= 1;
			thr = (uint32_t)((float)cap * 0.75f);
		}
	return cap;
}

static uint32_t bucket(int32_t hash, uint32_t cap)
{
	uint32_t h = (uint32_t)hash;
	return (h ^ (h >> 16)) & (cap - 1);
}

void stats_hashmap_order(size_t n, const int32_t *hash, size_t *perm)
{
	uint32_t cap = final_capacity(n);
	/* Stable insertion sort by bucket: n is a handful of items. */
	for (size_t i = 0; i < n; i++)
		perm[i] = i;
	for (size_t i = 1; i < n; i++) {
		size_t v = perm[i], j = i;
		while (j > 0 && bucket(hash[perm[j - 1]], cap) > bucket(hash[v], cap)) {
			perm[j] = perm[j - 1];
			j--;
		}
		perm[j] = v;
	}
}

void stats_hashmap_reorder(void *base, size_t n, size_t size, const int32_t *hash)
{
	size_t *perm = malloc((n + 1) * sizeof *perm);
	unsigned char *copy = malloc((n + 1) * size);
	if (perm && copy) {
		stats_hashmap_order(n, hash, perm);
		memcpy(copy, base, n * size);
		for (size_t i = 0; i < n; i++)
			memcpy((unsigned char *)base + i * size, copy + perm[i] * size, size);
	}
	free(perm);
	free(copy);
}

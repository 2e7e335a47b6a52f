/* VisualVM's CPU snapshot file (.nps), written from and read into a snap_profile.
 * The byte layout and its section numbers (§) are in nps_format.h; what a snapshot
 * holds is in docs/snapshot-format.md.
 *
 * Times: the model keeps self times in ns; the file keeps self and total times in µs.
 * Every consumer derives totals the same way, through nps_tree_build: self_us =
 * self_ns / 1000 first, then total_us = self_us + Σ child total_us, each clamped to
 * 2^40-1, so a file written and read back shows exactly the totals the writer wrote. */
#ifndef JVMSNAP_NPS_H
#define JVMSNAP_NPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/buf.h"
#include "../snapshot/profile.h"

enum {
	NPS_OK = 0,
	NPS_ERR_NOMEM = -1,   /* allocation failed */
	NPS_ERR_LIMIT = -2,   /* the profile does not fit the format (array > 2 GiB, > 65535 children) */
	NPS_ERR_INVALID = -3, /* the profile breaks a model invariant (method id, thread id) */
	NPS_ERR_ZLIB = -4,    /* compression or decompression failed */
	NPS_ERR_FORMAT = -5,  /* the input is not a valid .nps (nps_read) */
	NPS_ERR_DEADLINE = -6, /* nps_write gave up: its deadline passed (nps_write_options) */
};

/* Largest time the u40 fields hold, in µs (about 12.7 days). */
#define NPS_MAX_TIME_US ((UINT64_C(1) << 40) - 1)
/* nps_read refuses CPU blocks that inflate beyond this (a zip bomb guard). */
#define NPS_READ_MAX_INFLATED_BYTES ((size_t)1 << 30)
/* nps_read refuses trees deeper than this; VisualVM itself fails near 4000. */
#define NPS_READ_MAX_DEPTH 65536u

/* Static message for an NPS_* code. */
const char *nps_strerror(int err);

/* ---- derived totals: one pre-order array per thread tree ---- */

typedef struct {
	const snap_node *node;
	uint32_t parent; /* index of the parent, UINT32_MAX for the root */
	uint32_t depth;  /* root = 0 */
	uint32_t nchildren;
	uint32_t subtree;                     /* nodes in this subtree, itself included */
	uint32_t ncalls;                      /* as written: >= 1 (a node exists because it was sampled) */
	uint64_t self_wall_us, self_cpu_us;   /* 0 at index 0 when it is a thread root (method 0) */
	uint64_t total_wall_us, total_cpu_us; /* self + Σ children's totals, clamped */
} nps_tree_node;

typedef struct {
	nps_tree_node *nodes; /* nodes[0] is the root; children follow their parent */
	uint32_t count;
} nps_tree;

/* Flattens the tree under `root` depth-first in pre-order (children in sibling-list
 * order) without recursion, and derives every total. CPU times are 0 unless `cpu`.
 * Returns 0, or NPS_ERR_NOMEM / NPS_ERR_LIMIT (more than UINT32_MAX - 1 nodes).
 * The caller owns `out` and releases it with nps_tree_free. */
int nps_tree_build(const snap_node *root, bool cpu, nps_tree *out);
void nps_tree_free(nps_tree *t);

/* Total wall time of `n` in µs, as the writer stores it. Walks the subtree (without
 * recursion) on each call; use nps_tree_build when many totals are needed. Returns 0
 * when memory runs out. */
uint64_t nps_node_total_us(const snap_node *n);

/* ---- writer ---- */

typedef struct {
	const char *comment;       /* UTF-8, shown in the snapshot's info panel; NULL = "" */
	const char *settings_name; /* UTF-8 settings preset name; NULL = "jvmsnap sampler" */
	int zlib_level;            /* 1..9; 0 = zlib's default (6) */
	/* A deadline on `now_ns`'s clock (the caller's clock, so tests can drive it): past it
	 * the write gives up with NPS_ERR_DEADLINE. Looked at before each thread, every
	 * NPS_DEADLINE_EVERY nodes and every compressed chunk, and once before compressing,
	 * so an expired deadline always stops the write. now_ns NULL: no deadline. */
	uint64_t deadline_ns;
	uint64_t (*now_ns)(void);
	uint64_t *nodes_put; /* not NULL: counts the tree nodes laid out, also when given up
			      * (the caller's measure of the machine's speed) */
} nps_write_options;

#define NPS_DEADLINE_EVERY 8192u

/* Appends the complete .nps file for `p` to `out` (`o` may be NULL). Threads whose
 * root has no children are left out, but the file always holds at least one thread.
 * Returns 0, or a negative NPS_* code with `out` restored to its previous length.
 * Uses heap memory proportional to the profile, no recursion. */
int nps_write(const snap_profile *p, const nps_write_options *o, buf *out);

/* ---- names ---- */

/* Appends "(int, String[], java.util.List)" for a JVM method descriptor, as VisualVM's
 * default formatter shows parameters; false (nothing appended) when `signature` is not a
 * descriptor (VisualVM's own sampler writes ""). */
bool nps_format_params(const char *signature, buf *out);

/* ---- reader ---- */

/* Parses a .nps (ours or VisualVM's) held in `data`. Every count, length and offset is
 * checked against the input; a shared or cyclic node, a tree deeper than
 * NPS_READ_MAX_DEPTH or a block inflating past NPS_READ_MAX_INFLATED_BYTES is refused.
 * Method ids are remapped when interning merges duplicates (merging same-method
 * siblings too); self times come back as ns = µs * 1000; thread ids and order are kept
 * (a negative or repeated thread id is refused). A root whose method is not 0 (files
 * written without the reserved entry) is hung under a thread root, as VisualVM shows it.
 * On success returns 0 and `*out` is a new profile the caller frees with
 * snap_profile_free; otherwise a negative NPS_* code, a message in `err` and *out NULL. */
int nps_read(const uint8_t *data, size_t len, snap_profile **out, char *err, size_t errlen);

#endif

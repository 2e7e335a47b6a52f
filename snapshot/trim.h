/* Cutting a profile's call trees to at most a number of nodes, so that a profile too
 * large to be written in time still yields a snapshot: every tree is cut at the same
 * depth, and a node at the cut takes the time of everything below it as its own self
 * time, so every total (threads, methods above the cut) stays exactly what it was. */
#ifndef JVMSNAP_SNAP_TRIM_H
#define JVMSNAP_SNAP_TRIM_H

#include <stdint.h>

#include "profile.h"

/* Depths beyond this are never counted apart (deeper than any sampler's cap). */
#define SNAP_TRIM_MAX_DEPTH 65536u

/* Cuts `p`'s trees at the deepest depth (>= 1) at which they hold at most `max_nodes`
 * nodes, or at depth 1 when even that holds more. Returns that depth, 0 when nothing
 * was cut (the profile fits, or memory ran out: then `p` is unchanged but may hold some
 * subtrees already cut; totals are right either way). `*kept`: nodes left. The cut
 * nodes stay in the profile's arena. */
uint32_t snap_profile_trim(snap_profile *p, uint64_t max_nodes, uint64_t *kept);

#endif

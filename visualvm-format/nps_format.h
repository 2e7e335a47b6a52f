/* The constants of VisualVM's .nps CPU snapshot layout, in one place for the reader,
 * the writer and the tools that recognise a .nps by its first bytes. docs/snapshot-format.md
 * says what a snapshot holds; this header is the byte layout's reference in this repo.
 * The "§" numbers in visualvm-format/ name its parts:
 *   §1  container: MAGIC, version (1, 2), type (i32), compressed length C (i32),
 *       uncompressed length U (i32), the zlib stream, settings (i32 length + Java
 *       Properties text, §9), the comment (Java modified UTF-8, version 1.2 and later);
 *   §2  the zlib stream inflates to the CPU results block (§3);
 *   §3  CPU block: timer flags and counts, the method table (§4), the threads (§5);
 *   §4  method table: M entries of class, method and signature; entry 0 stands for the
 *       thread itself;
 *   §5  thread record: id, name, CPU flag, tree length L, the tree (§6), then fields 6-16
 *       (NPS_THREAD_TAIL_LEN bytes: node size, gross times, per-thread totals, invocation
 *       count, a flag);
 *   §6  compact tree: pre-order nodes of NPS_NODE_SIZE_TWO (wall and CPU) or
 *       NPS_NODE_SIZE_ONE (wall only) bytes plus one child offset each of 3 bytes, or of
 *       4 when the array is longer than NPS_W3_MAX_LEN (§6.3); the thread root carries
 *       no time of its own (§6.4);
 *   §9  settings keys: the sampling preset and frequency VisualVM shows;
 *   §11 VisualVM's behaviour on edge cases (e.g. §11.12: zero threads load, but the
 *       merged views then throw). */
#ifndef JVMSNAP_NPS_FORMAT_H
#define JVMSNAP_NPS_FORMAT_H

#define NPS_MAGIC         "nBpRoFiLeR"
#define NPS_MAGIC_LEN     10
#define NPS_HEADER_LEN    24 /* magic, version (2 bytes), type, C, U */
#define NPS_TYPE_CPU      1
#define NPS_NODE_SIZE_TWO 28 /* method u16, calls i32, 4 times u40, children u16 */
#define NPS_NODE_SIZE_ONE 18 /* method u16, calls i32, 2 times u40, children u16 */
#define NPS_W3_MAX_LEN    0xFFFFFFu
/* Fields 6-16 of a thread record after its tree (§5). */
#define NPS_THREAD_TAIL_LEN (4 + 8 * 9 + 1)
/* §9: VisualVM's sampling period, whole milliseconds. */
#define NPS_FREQ_KEY "profiler.settings.cpu.sampling.frequency"
/* Ours, beside it: the requested interval in microseconds, which whole milliseconds
 * cannot hold (100 us would read as 1 ms). VisualVM ignores keys it does not know. */
#define NPS_INTERVAL_US_KEY "jvmsnap.sampling.interval.us"

#endif

/* `jvmsnap tree`: each thread's call tree, indented, as VisualVM's Call Tree shows it. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
	fputs("Usage: jvmsnap tree [options] FILE\n"
	      "The call tree of each thread: total time, its share of the thread's time, self\n"
	      "time and hits per call path, callees indented under their caller.\n"
	      "\n"
	      "  -T, --thread TEXT      only the threads whose name contains TEXT\n"
	      "                         (ASCII case ignored), or matches /RE/\n"
	      "      --thread-regex RE  only the threads whose name matches RE, a\n"
	      "                         POSIX extended regular expression\n"
	      "  -p, --min-percent P    hide calls under P % of their thread's time (default 0)\n"
	      "  -t, --time wall|cpu    which time (default: cpu when the snapshot measured it)\n"
	      "  -h, --help             this help\n"
	      "\n"
	      "Example: jvmsnap tree snapshot.zip --min-percent 1\n",
	      f);
}

typedef struct {
	const nps_tree *t;
	bool cpu;
} order_ctx;

static uint64_t total_of(const nps_tree_node *n, bool cpu)
{
	return cpu ? n->total_cpu_us : n->total_wall_us;
}

/* qsort has no context argument: the tree being sorted is passed through this. */
static _Thread_local const order_ctx *sort_ctx;

static int by_total_desc(const void *x, const void *y)
{
	const nps_tree_node *a = &sort_ctx->t->nodes[*(const uint32_t *)x];
	const nps_tree_node *b = &sort_ctx->t->nodes[*(const uint32_t *)y];
	uint64_t ta = total_of(a, sort_ctx->cpu), tb = total_of(b, sort_ctx->cpu);
	if (ta != tb)
		return ta < tb ? 1 : -1;
	return (*(const uint32_t *)x > *(const uint32_t *)y) - (*(const uint32_t *)x < *(const uint32_t *)y);
}

/* Prints one thread's tree, callees ordered by total time (VisualVM's order), without
 * recursion: a stack of node indices, children pushed in reverse order. */
static int print_thread(const snap_profile *p, const snap_thread *th, bool cpu, double min_percent, buf *name,
                        buf *esc)
{
	nps_tree t;
	int rc = nps_tree_build(th->root, cpu, &t);
	if (rc)
		return rc;
	uint32_t *stack = malloc(((size_t)t.count + 1) * sizeof *stack);
	uint32_t *kids = malloc(((size_t)t.count + 1) * sizeof *kids);
	if (!stack || !kids) {
		free(stack);
		free(kids);
		nps_tree_free(&t);
		return NPS_ERR_NOMEM;
	}
	order_ctx ctx = {&t, cpu};
	uint64_t all = total_of(&t.nodes[0], cpu);
	printf("thread %s: %.3f ms %s\n", cli_term(esc, th->name, strlen(th->name)), cli_ms(all),
	       cpu ? "CPU" : "wall");
	printf("%12s %6s %12s %8s  %s\n", "total ms", "%", "self ms", "hits", "method");
	size_t top = 0;
	stack[top++] = 0;
	while (top) {
		uint32_t i = stack[--top];
		const nps_tree_node *n = &t.nodes[i];
		if (i) {
			uint64_t total = total_of(n, cpu);
			double pct = all ? 100.0 * (double)total / (double)all : 0.0;
			if (min_percent > 0 && pct < min_percent)
				continue; /* its callees are smaller still */
			buf_reset(name);
			cli_method_display(&p->methods[n->node->method], name);
			printf("%12.3f %5.1f%% %12.3f %8u  %*s%s\n", cli_ms(total), pct,
			       cli_ms(cpu ? n->self_cpu_us : n->self_wall_us), n->ncalls,
			       (int)(2 * (n->depth - 1)), "", cli_term(esc, (const char *)name->data, name->len));
		}
		uint32_t nk = 0;
		for (uint32_t c = i + 1; nk < n->nchildren; c += t.nodes[c].subtree)
			kids[nk++] = c;
		sort_ctx = &ctx;
		qsort(kids, nk, sizeof *kids, by_total_desc);
		while (nk)
			stack[top++] = kids[--nk];
	}
	free(stack);
	free(kids);
	nps_tree_free(&t);
	return 0;
}

static bool set_min_percent(cli_args *a, const char *arg) { return cli_parse_percent(arg, a->own); }

static const cli_opt TREE_OPTS[] = {{"min-percent", 'p', true, "0..100", set_min_percent},
                                    {NULL, 0, false, NULL, NULL}};
static const cli_command TREE = {"tree", usage, CLI_OPT_THREAD | CLI_OPT_TIME, TREE_OPTS, false, false, NULL, NULL};

int cli_cmd_tree(int argc, char **argv)
{
	double min_percent = 0;
	cli_args a;
	cli_input in;
	int rc = cli_command_begin(&TREE, argc, argv, &min_percent, CLI_WANT_PROFILE, &a, &in);
	if (rc >= 0)
		return rc;
	rc = CLI_EXIT_OK;
	const snap_profile *p = in.profile;
	buf name, esc;
	buf_init(&name);
	buf_init(&esc);
	unsigned printed = 0;
	for (uint32_t i = 0; !rc && i < p->nthreads; i++) {
		if (!cli_thread_match(&a.thread, p->threads[i].name))
			continue;
		if (!a.thread.text && !p->threads[i].root->child)
			continue; /* never sampled */
		if (printed++)
			putchar('\n');
		if (print_thread(p, &p->threads[i], cli_use_cpu(p, a.time), min_percent, &name, &esc)) {
			fprintf(stderr, "jvmsnap: error: out of memory\n");
			rc = CLI_EXIT_FAIL;
		}
	}
	if (!rc && !printed)
		printf("(no samples)\n");
	buf_free(&name);
	buf_free(&esc);
	return cli_command_end(rc, NULL, &in, &a);
}

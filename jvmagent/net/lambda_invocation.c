/* The Runtime API proxy's invocation bookkeeping (proxy.h): which call is which, which
 * invocation is open, and when the agent's hooks run. */
#include "proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../common/clock.h"
#include "../../common/log.h"

route proxy_parse_route(const char *method, const char *raw_uri, char *id, size_t id_n)
{
	static const char base[] = "/2018-06-01/runtime/";
	size_t path_len = strcspn(raw_uri, "?");
	id[0] = '\0';
	if (path_len < sizeof base - 1 || strncmp(raw_uri, base, sizeof base - 1) != 0)
		return ROUTE_OTHER;
	const char *rest = raw_uri + sizeof base - 1;
	size_t rest_len = path_len - (sizeof base - 1);
	if (rest_len == strlen("invocation/next") && strncmp(rest, "invocation/next", rest_len) == 0)
		return strcmp(method, "GET") == 0 ? ROUTE_NEXT : ROUTE_OTHER;
	if (rest_len == strlen("restore/next") && strncmp(rest, "restore/next", rest_len) == 0)
		return strcmp(method, "GET") == 0 ? ROUTE_RESTORE_NEXT : ROUTE_OTHER;
	if (rest_len == strlen("init/error") && strncmp(rest, "init/error", rest_len) == 0)
		return strcmp(method, "POST") == 0 ? ROUTE_INIT_ERROR : ROUTE_OTHER;
	if (strcmp(method, "POST") != 0 || strncmp(rest, "invocation/", 11) != 0)
		return ROUTE_OTHER;
	const char *id_start = rest + 11;
	const char *slash = memchr(id_start, '/', (size_t)(raw_uri + path_len - id_start));
	if (!slash || slash == id_start || (size_t)(slash - id_start) >= id_n)
		return ROUTE_OTHER;
	size_t tail_len = (size_t)(raw_uri + path_len - (slash + 1));
	route r = ROUTE_OTHER;
	if (tail_len == 8 && strncmp(slash + 1, "response", 8) == 0)
		r = ROUTE_RESPONSE;
	else if (tail_len == 5 && strncmp(slash + 1, "error", 5) == 0)
		r = ROUTE_ERROR;
	if (r != ROUTE_OTHER) {
		memcpy(id, id_start, (size_t)(slash - id_start));
		id[slash - id_start] = '\0';
	}
	return r;
}

bool proxy_concurrency_from_env(const char *value)
{
	if (!value || !value[0])
		return false;
	char *end = NULL;
	errno = 0;
	long v = strtol(value, &end, 10);
	return errno == 0 && *end == '\0' && v > 1;
}

/* Under p->mu: removes open invocation i, keeping the order. */
static void remove_open(lambda_proxy *p, unsigned i)
{
	memmove(&p->open[i], &p->open[i + 1], (p->n_open - i - 1) * sizeof p->open[0]);
	p->n_open--;
}

/* Under p->mu: switches to several invocations at once, once; true when it did just now. */
static bool go_concurrent(lambda_proxy *p)
{
	if (p->concurrent)
		return false;
	p->concurrent = true;
	return true;
}

static void announce_concurrent(lambda_proxy *p)
{
	log_debug("Runtime API proxy: several invocations at once (Lambda Managed Instances)");
	if (p->hooks.concurrent)
		p->hooks.concurrent(p->hooks.ctx);
}

/* Before a GET .../next goes upstream: the init window or the last invocation ends, and the
 * agent may hold the call while it finishes that window's snapshot. */
void proxy_before_next(exchange *ex)
{
	lambda_proxy *p = ex->p;
	char ended[REQUEST_ID_MAX] = "";
	pthread_mutex_lock(&p->mu);
	bool first = !p->next_seen;
	p->next_seen = true;
	/* Said by the environment (known from the start), or another loop is already waiting
	 * for an event: the runtime runs several. */
	bool now_concurrent = (first && p->concurrent) || (p->nexts_waiting > 0 && go_concurrent(p));
	p->nexts_waiting++;
	ex->next_counted = true;
	int64_t deadline_ms = p->last_deadline_ms;
	bool concurrent = p->concurrent;
	if (!concurrent && p->n_open > 0) {
		/* The runtime asks for the next event without a successful response or error
		 * post: the invocation is over all the same. */
		memcpy(ended, p->open[0].id, sizeof ended);
		p->n_open = 0;
	}
	pthread_mutex_unlock(&p->mu);

	const lambda_hooks *h = &p->hooks;
	if (now_concurrent)
		announce_concurrent(p);
	if (first && h->init_done)
		h->init_done(h->ctx);
	if (ended[0] && h->invocation_end)
		h->invocation_end(h->ctx, ended);
	void (*wait)(void *, int64_t) = ex->route == ROUTE_RESTORE_NEXT ? h->before_snapshot : h->wait_idle;
	/* Several loops: another thread's first next, before any event, has nothing to wait
	 * for (the init window's zip waits for the first invocation anyway). */
	if (!wait || (concurrent && !first && deadline_ms <= 0))
		return;
	int64_t now = clock_epoch_ms();
	int64_t budget_ms = 0;
	if (first)
		budget_ms = LAMBDA_INIT_LIMIT_MS - (now - p->start_epoch_ms) - LAMBDA_DEADLINE_MARGIN_MS;
	else if (deadline_ms > 0)
		budget_ms = deadline_ms - now - LAMBDA_DEADLINE_MARGIN_MS;
	wait(h->ctx, budget_ms > 0 ? budget_ms : 0);
}

void proxy_on_restored(exchange *ex)
{
	if (ex->p->hooks.restored)
		ex->p->hooks.restored(ex->p->hooks.ctx);
}

void proxy_next_done(exchange *ex)
{
	if (!ex->next_counted)
		return;
	ex->next_counted = false;
	pthread_mutex_lock(&ex->p->mu);
	ex->p->nexts_waiting--;
	pthread_mutex_unlock(&ex->p->mu);
}

/* The value of answer header `name`, or NULL. */
static const char *answer_header(const exchange *ex, const char *name)
{
	size_t n = strlen(name);
	for (const struct curl_slist *l = ex->answer_headers; l; l = l->next)
		if (strncasecmp(l->data, name, n) == 0 && l->data[n] == ':')
			return l->data + n + 1 + strspn(l->data + n + 1, " \t");
	return NULL;
}

/* Under p->mu, several at once: the open invocations whose deadline has passed (Lambda has
 * timed them out, their runtime thread will never answer), and the oldest one when the
 * table is full, end now; their ids go to `ended`. */
static unsigned expire_open(lambda_proxy *p, int64_t now_ms, char (*ended)[REQUEST_ID_MAX])
{
	unsigned n = 0;
	for (unsigned i = 0; i < p->n_open;) {
		int64_t d = p->open[i].deadline_ms;
		if (d > 0 && d < now_ms) {
			memcpy(ended[n++], p->open[i].id, REQUEST_ID_MAX);
			remove_open(p, i);
		} else {
			i++;
		}
	}
	if (p->n_open == MAX_OPEN) {
		memcpy(ended[n++], p->open[0].id, REQUEST_ID_MAX);
		remove_open(p, 0);
	}
	return n;
}

/* Under p->mu: the index of open invocation `id`, or -1. */
static int find_open(const lambda_proxy *p, const char *id)
{
	for (unsigned i = 0; i < p->n_open; i++)
		if (strcmp(p->open[i].id, id) == 0)
			return (int)i;
	return -1;
}

/* Several at once: which thread of this process will handle the event (`name` holds its name). */
static lambda_handler find_handler(exchange *ex, struct MHD_Connection *conn, const char *id, char *name, size_t n)
{
	lambda_proxy *p = ex->p;
	const union MHD_ConnectionInfo *ci =
	        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	unsigned port = 0;
	if (sa && sa->sa_family == AF_INET)
		port = ntohs(((const struct sockaddr_in *)(const void *)sa)->sin_port);
	else if (sa && sa->sa_family == AF_INET6)
		port = ntohs(((const struct sockaddr_in6 *)(const void *)sa)->sin6_port);
	uint64_t t0 = clock_mono_ns();
	long tid = port ? proxy_reader_thread(port, p->port) : 0;
	proxy_thread_name(tid, name, n);
	/* bench: the lookup's cost, in docs/lambda.md */
	log_debug("Runtime API event %s: handler thread %ld (%s), looked up in %.3f ms", id, tid,
		  name[0] ? name : "not known", (double)(clock_mono_ns() - t0) / 1e6);
	return (lambda_handler){tid, name};
}

/* GET .../next answered with an event: the invocation's window opens. */
void proxy_on_event(exchange *ex, struct MHD_Connection *conn)
{
	lambda_proxy *p = ex->p;
	const char *id = answer_header(ex, "Lambda-Runtime-Aws-Request-Id");
	if (!id || !id[0] || strlen(id) >= REQUEST_ID_MAX) {
		log_debug("Runtime API event without a usable request id: no invocation window");
		return;
	}
	int64_t deadline_ms = 0;
	const char *d = answer_header(ex, "Lambda-Runtime-Deadline-Ms");
	if (d) {
		char *end = NULL;
		errno = 0;
		long long v = strtoll(d, &end, 10);
		if (errno == 0 && end != d && *end == '\0' && v > 0)
			deadline_ms = (int64_t)v;
	}
	char ended[MAX_OPEN + 1][REQUEST_ID_MAX]; /* 8 KB of the connection thread's 512 */
	unsigned n_ended = 0;
	pthread_mutex_lock(&p->mu);
	bool concurrent = p->concurrent;
	bool again = concurrent && find_open(p, id) >= 0;
	if (concurrent && !again)
		n_ended = expire_open(p, clock_epoch_ms(), ended);
	if (!again) {
		if (!p->concurrent)
			p->n_open = 0; /* one at a time: the next before this event ended it */
		open_invocation *o = &p->open[p->n_open++];
		snprintf(o->id, sizeof o->id, "%s", id);
		o->deadline_ms = deadline_ms;
	}
	p->last_deadline_ms = deadline_ms;
	pthread_mutex_unlock(&p->mu);
	if (n_ended > 0)
		log_debug("%u invocation(s) past their deadline without an answer: ended", n_ended);
	for (unsigned i = 0; i < n_ended; i++)
		if (p->hooks.invocation_end)
			p->hooks.invocation_end(p->hooks.ctx, ended[i]);
	if (again) {
		log_debug("Runtime API event %s handed out again while open: one window", id);
		return;
	}
	char name[64];
	lambda_handler handler = concurrent ? find_handler(ex, conn, id, name, sizeof name) : (lambda_handler){0, ""};
	if (p->hooks.invocation_start)
		p->hooks.invocation_start(p->hooks.ctx, id, deadline_ms, concurrent ? &handler : NULL);
}

/* The runtime has its answer to an accepted response/error post: the invocation it names
 * ends, once, whichever connection posts it. */
void proxy_on_answered(exchange *ex)
{
	lambda_proxy *p = ex->p;
	pthread_mutex_lock(&p->mu);
	int i = find_open(p, ex->request_id);
	if (i >= 0)
		remove_open(p, (unsigned)i);
	pthread_mutex_unlock(&p->mu);
	if (i >= 0 && p->hooks.invocation_end)
		p->hooks.invocation_end(p->hooks.ctx, ex->request_id);
}

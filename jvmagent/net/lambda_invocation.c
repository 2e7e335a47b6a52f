/* The Runtime API proxy's invocation bookkeeping (proxy.h): which call is which, which
 * invocation is open, and when the agent's hooks run. */
#include "proxy.h"

#include <errno.h>
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

/* Before a GET .../next goes upstream: the init window or the last invocation ends, and the
 * agent may hold the call while it finishes that window's snapshot. */
void proxy_before_next(lambda_proxy *p, bool restore)
{
	char ended[REQUEST_ID_MAX] = "";
	pthread_mutex_lock(&p->mu);
	bool first = !p->next_seen;
	p->next_seen = true;
	int64_t deadline_ms = p->open_deadline_ms;
	if (p->open) {
		/* The runtime asks for the next event without a successful response or error
		 * post: the invocation is over all the same. */
		memcpy(ended, p->open_id, sizeof ended);
		p->open = false;
	}
	pthread_mutex_unlock(&p->mu);

	const lambda_hooks *h = &p->hooks;
	if (first && h->init_done)
		h->init_done(h->ctx);
	if (ended[0] && h->invocation_end)
		h->invocation_end(h->ctx, ended);
	void (*wait)(void *, int64_t) = restore ? h->before_snapshot : h->wait_idle;
	if (!wait)
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

/* The value of answer header `name`, or NULL. */
static const char *answer_header(const exchange *ex, const char *name)
{
	size_t n = strlen(name);
	for (const struct curl_slist *l = ex->answer_headers; l; l = l->next)
		if (strncasecmp(l->data, name, n) == 0 && l->data[n] == ':')
			return l->data + n + 1 + strspn(l->data + n + 1, " \t");
	return NULL;
}

/* GET .../next answered with an event: the invocation's window opens. */
void proxy_on_event(exchange *ex)
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
	pthread_mutex_lock(&p->mu);
	p->open = true;
	snprintf(p->open_id, sizeof p->open_id, "%s", id);
	p->open_deadline_ms = deadline_ms;
	pthread_mutex_unlock(&p->mu);
	if (p->hooks.invocation_start)
		p->hooks.invocation_start(p->hooks.ctx, id, deadline_ms);
}

/* The runtime has its answer to an accepted response/error post: the window closes, once. */
void proxy_on_answered(exchange *ex)
{
	lambda_proxy *p = ex->p;
	pthread_mutex_lock(&p->mu);
	bool ends = p->open && strcmp(p->open_id, ex->request_id) == 0;
	if (ends)
		p->open = false;
	pthread_mutex_unlock(&p->mu);
	if (ends && p->hooks.invocation_end)
		p->hooks.invocation_end(p->hooks.ctx, ex->request_id);
}

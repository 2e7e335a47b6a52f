/* AWS Lambda: telling the function's runtime JVM apart, and the Runtime API proxy that
 * sees each invocation's boundaries.
 *
 * The proxy listens on 127.0.0.1 and forwards every call to the real Runtime API
 * unchanged; the agent points this process's AWS_LAMBDA_RUNTIME_API at it before any Java
 * code runs. It never makes an invocation fail: whatever goes wrong inside it, the call is
 * still forwarded (a transport failure towards the real API becomes a 502 to the runtime,
 * as a failed connection would have been an error there too). */
#ifndef JVMSNAP_LAMBDA_H
#define JVMSNAP_LAMBDA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The thread that handles an event: its OS thread id and name (/proc/self/task/<tid>/comm),
 * or 0 and "" when it cannot be told. */
typedef struct {
	long os_tid;
	const char *name;
} lambda_handler;

/* Callbacks from the proxy's own threads (never a JVM thread); any may be NULL. They must
 * return in bounded time: lambda_proxy_stop waits for them. With one invocation at a time
 * they come one after another; with several (Lambda Managed Instances, see `concurrent`)
 * hooks for different invocations may run at the same time on different threads, and
 * each invocation still gets exactly one invocation_start and at most one invocation_end,
 * in that order. */
typedef struct {
	void *ctx;
	/* The runtime's first GET .../invocation/next (with SnapStart: its GET .../restore/next,
	 * which comes first) arrived: the end of the init window. Called
	 * once, before wait_idle and before the call is forwarded. */
	void (*init_done)(void *ctx);
	/* GET .../invocation/next returned an event: request id (Lambda-Runtime-Aws-Request-Id),
	 * deadline (Lambda-Runtime-Deadline-Ms, epoch ms; 0 when absent or malformed), and with
	 * several at once (see `concurrent`) the thread of this process that will handle it (the
	 * one blocked reading the connection it comes on; NULL with one at a time, where it is
	 * not looked for). Called before the event is handed to the runtime. */
	void (*invocation_start)(void *ctx, const char *request_id, int64_t deadline_ms,
				 const lambda_handler *handler);
	/* The runtime posted .../invocation/<id>/response or /error, the real API accepted it
	 * (2xx), and the runtime has been sent that answer. Also called, before wait_idle, when a
	 * GET .../next arrives while the last started invocation was never ended that way. */
	void (*invocation_end)(void *ctx, const char *request_id);
	/* Called when a GET .../invocation/next arrives, before forwarding it: blocks until the
	 * previous window's snapshot work is done or budget_ms passes. budget_ms is what is left
	 * of the last invocation's deadline (of Lambda's 10 s init limit, counted from
	 * lambda_proxy_start, for the first next) minus LAMBDA_DEADLINE_MARGIN_MS; never
	 * negative. */
	void (*wait_idle)(void *ctx, int64_t budget_ms);
	/* Several invocations may now be open at once: AWS_LAMBDA_MAX_CONCURRENCY > 1 (called
	 * at the first GET .../next), or a GET .../next arrived while another still waited for
	 * an event. Called once, before the invocation_start of any invocation that overlaps
	 * another. From then on a GET .../next ends no invocation; an invocation ends at its
	 * response/error (matched by the request id in the path, whichever connection posts it)
	 * or, never answered, when an event arrives after its deadline. */
	void (*concurrent)(void *ctx);
	/* SnapStart: GET .../restore/next arrived (after init_done, in place of wait_idle, before
	 * it is forwarded): Lambda snapshots the sandbox once the runtime waits there, so the
	 * init window's zip is finished now, within budget_ms (what is left of the init limit
	 * minus LAMBDA_DEADLINE_MARGIN_MS, never negative): uploaded once, not by every copy. */
	void (*before_snapshot)(void *ctx, int64_t budget_ms);
	/* SnapStart: GET .../restore/next was answered 200, so this process is a copy restored
	 * from the snapshot (perhaps hours later, perhaps one of many). Called before the runtime
	 * gets that answer. */
	void (*restored)(void *ctx);
} lambda_hooks;

enum {
	LAMBDA_INIT_LIMIT_MS = 10000,    /* Lambda's init phase limit */
	LAMBDA_DEADLINE_MARGIN_MS = 200, /* kept free before a deadline for the runtime itself */
};

/* True for the function's runtime process: AWS_LAMBDA_RUNTIME_API is set and so is _HANDLER
 * or LAMBDA_TASK_ROOT. Lambda hides those two from external extensions, so a Java extension
 * that inherited JAVA_TOOL_OPTIONS (and AWS_LAMBDA_RUNTIME_API) gets false and stays inert. */
bool lambda_is_function_runtime(const char *(*getenv_fn)(const char *));

typedef struct lambda_proxy lambda_proxy;

/* Starts the loopback proxy to `upstream` ("host:port", the original AWS_LAMBDA_RUNTIME_API)
 * with its own native threads; no JVM calls, so it may run in Agent_OnLoad. `hooks` is
 * copied. Writes "127.0.0.1:<port>" to listen_out. Returns NULL on failure, having logged
 * nothing: the caller leaves the environment alone and logs one warning. The caller owns the
 * result and releases it with lambda_proxy_stop. */
lambda_proxy *lambda_proxy_start(const char *upstream, const lambda_hooks *hooks, char *listen_out, size_t n);

/* Stops listening, aborts calls still in flight (a pending long poll included, at once) and
 * frees the proxy; takes at most about a second plus the time hooks in progress take.
 * NULL is a no-op. */
void lambda_proxy_stop(lambda_proxy *p);

#endif

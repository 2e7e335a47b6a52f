/* The agent's network half, S3 upload (upload/) and the Lambda Runtime API proxy, lives in
 * libjvmsnap-net.so beside the agent and is loaded on first use only. libcurl, OpenSSL and
 * libmicrohttpd bring ~30 libraries with them, and loading those added ~8 ms to the start of
 * every profiled JVM, also the ones that write their snapshot to a local file and never
 * touch the network (docs/performance.md). */
#ifndef JVMSNAP_NET_H
#define JVMSNAP_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../upload/s3.h"
#include "lambda.h"

#define NET_LIBRARY     "libjvmsnap-net.so"
#define NET_API_VERSION 1u

/* What libjvmsnap-net.so exports, as one table. */
typedef struct {
	uint32_t version;           /* NET_API_VERSION: the agent and the library come from one build */
	size_t size;                /* sizeof(net_api) */
	void (*set_debug)(bool on); /* the library has its own copy of the log state */
	s3_client *(*client_new)(const s3_config *cfg);
	void (*client_free)(s3_client *c);
	int (*put_file)(s3_client *c, const char *key, const char *path, long budget_ms, s3_result *res);
	lambda_proxy *(*proxy_start)(const char *upstream, const lambda_hooks *hooks, char *listen_out,
	                             size_t n);
	void (*proxy_stop)(lambda_proxy *p);
} net_api;

/* The library's one export. */
typedef const net_api *(*net_api_fn)(void);
#define NET_API_SYMBOL "jvmsnap_net_api"

/* In the agent: loads the library on the first call (any thread, once per process) and
 * returns its table, or NULL when it cannot be loaded (one warning, the first time). */
const net_api *net_get(void);

#endif

/* The agent's side of libjvmsnap-net.so: found beside the agent, loaded once, checked. */
#include "net.h"

#include <dlfcn.h>
#include <pthread.h>

#include "../common/log.h"
#include "../common/sibling.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static const net_api *api; /* written once, under `once` */

static void load(void)
{
	char why[4200];
	/* Never closed: proxy threads and the client live until the process exits. */
	void *h = sibling_open((const void *)net_get, NET_LIBRARY, why, sizeof why);
	if (!h) {
		log_warn("%s; no S3 upload and no per-invocation Lambda snapshots", why);
		return;
	}
	net_api_fn get = (net_api_fn)dlsym(h, NET_API_SYMBOL);
	const net_api *t = get ? get() : NULL;
	if (!t || t->version != NET_API_VERSION || t->size != sizeof(net_api)) {
		log_warn("%s is from another jvmsnap build (a mismatched installation); no S3 upload and no "
		         "per-invocation Lambda snapshots",
		         NET_LIBRARY);
		return;
	}
	t->set_debug(log_debug_enabled());
	api = t;
}

const net_api *net_get(void)
{
	pthread_once(&once, load);
	return api;
}

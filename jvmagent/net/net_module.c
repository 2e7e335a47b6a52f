/* libjvmsnap-net.so's one export: the table of what the agent calls in it (net.h). */
#include "../../common/log.h"
#include "../net.h"

static const net_api table = {
        .version = NET_API_VERSION,
        .size = sizeof(net_api),
        .set_debug = log_set_debug,
        .client_new = s3_client_new,
        .client_free = s3_client_free,
        .put_file = s3_put_file,
        .proxy_start = lambda_proxy_start,
        .proxy_stop = lambda_proxy_stop,
};

__attribute__((visibility("default"))) const net_api *jvmsnap_net_api(void);

const net_api *jvmsnap_net_api(void) { return &table; }

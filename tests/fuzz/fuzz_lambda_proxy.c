/* The Lambda Runtime API proxy's request handling (issue 7): each input is sent as raw
 * bytes to a running proxy over loopback — request line, headers, chunked or not — and
 * must neither crash nor hang it. The upstream is a closed port, so every call that gets
 * through routing is answered 502 at once; what is fuzzed is the proxy's own parsing and
 * routing (request ids, paths, headers) behind libmicrohttpd. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "../../jvmagent/lambda.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int proxy_port;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	char listen_on[64];
	lambda_proxy *p = lambda_proxy_start("127.0.0.1:1", NULL, listen_on, sizeof listen_on);
	if (!p)
		abort();
	proxy_port = atoi(strchr(listen_on, ':') + 1);
	return 0; /* the proxy lives as long as the fuzzer */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return 0;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)proxy_port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	struct timeval tv = {2, 0}; /* a proxy that stops answering shows up as a slow input */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) {
		size_t off = 0;
		while (off < size) {
			ssize_t n = write(fd, data + off, size - off);
			if (n <= 0)
				break;
			off += (size_t)n;
		}
		shutdown(fd, SHUT_WR);
		char sink[4096];
		while (read(fd, sink, sizeof sink) > 0)
			;
	}
	close(fd);
	return 0;
}

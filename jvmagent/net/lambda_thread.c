/* Which thread of this process handles the event a runtime connection is about to get
 * (Lambda Managed Instances, proxy.h): the one blocked reading that connection's socket.
 * The connection's client port leads to the descriptor of this process whose socket has
 * that local port and the proxy's as its peer (/proc/self/fd, getsockname, getpeername),
 * the descriptor to the thread whose current system call reads it
 * (/proc/self/task/<tid>/syscall: read-like calls take the descriptor first; poll's
 * descriptors are read from the caller's pollfd array with process_vm_readv, which fails
 * cleanly instead of faulting). Linux only; anything
 * unexpected is "not found". */
#include "proxy.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

enum { LOOKUP_TRIES = 10, LOOKUP_PAUSE_US = 500, POLL_FDS_MAX = 16 };

/* A socket address's port, or 0. */
static unsigned port_of(const struct sockaddr_storage *a)
{
	if (a->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)(const void *)a)->sin_port);
	if (a->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)(const void *)a)->sin6_port);
	return 0;
}

/* True when `fd` is a socket from local port `local` to peer port `peer`. */
static bool socket_between(int fd, unsigned local, unsigned peer)
{
	struct stat st;
	struct sockaddr_storage a;
	socklen_t n = sizeof a;
	if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode) || getsockname(fd, (struct sockaddr *)&a, &n) != 0 ||
	    port_of(&a) != local)
		return false;
	n = sizeof a;
	return getpeername(fd, (struct sockaddr *)&a, &n) == 0 && port_of(&a) == peer;
}

/* This process's descriptor of the runtime's end of the connection, or -1. Asking each
 * socket descriptor its own addresses takes microseconds; /proc/self/net/tcp lists every
 * socket of the host and took 40-250 ms on a loaded machine. */
static int client_fd(unsigned client_port, unsigned proxy_port)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	int fd = -1;
	for (struct dirent *e; fd < 0 && (e = readdir(d));) {
		int candidate = e->d_name[0] == '.' ? -1 : atoi(e->d_name);
		if (candidate >= 0 && candidate != dirfd(d) &&
		    socket_between(candidate, client_port, proxy_port))
			fd = candidate;
	}
	closedir(d);
	return fd;
}

static bool poll_has_fd(unsigned long fds, unsigned long nfds, int fd)
{
	struct pollfd p[POLL_FDS_MAX];
	size_t n = nfds < POLL_FDS_MAX ? nfds : POLL_FDS_MAX;
	struct iovec local = {p, n * sizeof p[0]}, remote = {(void *)fds, n * sizeof p[0]};
	if (process_vm_readv(getpid(), &local, 1, &remote, 1, 0) != (ssize_t)(n * sizeof p[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (p[i].fd == fd)
			return true;
	return false;
}

/* True when thread `tid` is blocked in a call that waits on `fd`. */
static bool waits_on(const char *tid, int fd)
{
	char path[300], text[256];
	snprintf(path, sizeof path, "/proc/self/task/%s/syscall", tid);
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	bool ok = fgets(text, sizeof text, f) != NULL;
	fclose(f);
	long nr;
	unsigned long a0, a1;
	if (!ok || sscanf(text, "%ld %lx %lx", &nr, &a0, &a1) != 3)
		return false; /* "running", or unreadable */
	if (nr == SYS_read || nr == SYS_recvfrom || nr == SYS_recvmsg || nr == SYS_readv)
		return a0 == (unsigned long)fd;
#ifdef SYS_poll
	if (nr == SYS_poll)
		return poll_has_fd(a0, a1, fd);
#endif
	if (nr == SYS_ppoll)
		return poll_has_fd(a0, a1, fd);
	return false;
}

/* The thread blocked on `fd`, or 0 (none, or more than one). */
static long fd_reader(int fd)
{
	DIR *d = opendir("/proc/self/task");
	if (!d)
		return 0;
	long found = 0;
	int matches = 0;
	for (struct dirent *e; (e = readdir(d));)
		if (e->d_name[0] != '.' && waits_on(e->d_name, fd) && ++matches == 1)
			found = atol(e->d_name);
	closedir(d);
	return matches == 1 ? found : 0;
}

long proxy_reader_thread(unsigned client_port, unsigned proxy_port)
{
	int fd = client_fd(client_port, proxy_port);
	if (fd < 0)
		return 0; /* not this process's connection (a test's curl, an extension) */
	/* The runtime thread sent its request and is entering its read: a moment, at most. */
	for (int i = 0; i < LOOKUP_TRIES; i++) {
		long tid = fd_reader(fd);
		if (tid)
			return tid;
		nanosleep(&(struct timespec){0, LOOKUP_PAUSE_US * 1000L}, NULL);
	}
	return 0;
}

void proxy_thread_name(long tid, char *out, size_t n)
{
	out[0] = '\0';
	char path[64];
	snprintf(path, sizeof path, "/proc/self/task/%ld/comm", tid);
	FILE *f = tid > 0 ? fopen(path, "re") : NULL;
	if (!f)
		return;
	if (fgets(out, (int)n, f))
		out[strcspn(out, "\n")] = '\0';
	else
		out[0] = '\0';
	fclose(f);
}

/* Test tool (tests/integration/72_files.sh): watches one directory with inotify and prints
 * the mode of every entry the moment it appears, so a file that is readable by others even
 * briefly (a temporary file later made 0600) is seen.
 *
 *   watchmodes DIR
 *
 * Prints "ready" once watching, then "<octal mode> <type> <name>" per created or moved-in
 * entry (type f, d, l or ?), until SIGTERM. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static char type_of(mode_t m)
{
	return S_ISREG(m) ? 'f' : S_ISDIR(m) ? 'd' : S_ISLNK(m) ? 'l' : '?';
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: watchmodes DIR\n");
		return 2;
	}
	int dfd = open(argv[1], O_RDONLY | O_DIRECTORY);
	int fd = inotify_init1(0);
	if (dfd < 0 || fd < 0 || inotify_add_watch(fd, argv[1], IN_CREATE | IN_MOVED_TO) < 0) {
		perror("watchmodes");
		return 1;
	}
	struct sigaction sa = {.sa_handler = on_term};
	sigaction(SIGTERM, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");
	char ev[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
	while (!stop) {
		ssize_t n = read(fd, ev, sizeof ev);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (char *p = ev; p < ev + n;) {
			const struct inotify_event *e = (const struct inotify_event *)p;
			struct stat st;
			if (e->len && fstatat(dfd, e->name, &st, AT_SYMLINK_NOFOLLOW) == 0)
				printf("%04o %c %s\n", (unsigned)(st.st_mode & 07777), type_of(st.st_mode), e->name);
			else if (e->len)
				printf("gone ? %s\n", e->name);
			p += sizeof *e + e->len;
		}
	}
	return 0;
}

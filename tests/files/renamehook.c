/* LD_PRELOAD hook for tests/integration/72_files.sh: before every rename, renameat,
 * renameat2 or link, appends "<octal mode of the source> <source> -> <target>" to the file
 * named by $JVMSNAP_RENAME_LOG, so the test sees the mode each file had at the moment it was
 * put in place, however briefly it existed (inotify alone can miss a short-lived file).
 * Built by the test itself: cc -shared -fPIC -o renamehook.so renamehook.c -ldl */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static void note(int dirfd, const char *from, const char *to)
{
	const char *log = getenv("JVMSNAP_RENAME_LOG");
	struct stat st;
	if (!log || fstatat(dirfd, from, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return;
	FILE *f = fopen(log, "a");
	if (!f)
		return;
	fprintf(f, "%04o %s -> %s\n", (unsigned)(st.st_mode & 07777), from, to);
	fclose(f);
}

int rename(const char *from, const char *to)
{
	note(AT_FDCWD, from, to);
	int (*real)(const char *, const char *) = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
	return real(from, to);
}

int renameat(int fd1, const char *from, int fd2, const char *to)
{
	note(fd1, from, to);
	int (*real)(int, const char *, int, const char *) =
	    (int (*)(int, const char *, int, const char *))dlsym(RTLD_NEXT, "renameat");
	return real(fd1, from, fd2, to);
}

int renameat2(int fd1, const char *from, int fd2, const char *to, unsigned flags)
{
	note(fd1, from, to);
	int (*real)(int, const char *, int, const char *, unsigned) =
	    (int (*)(int, const char *, int, const char *, unsigned))dlsym(RTLD_NEXT, "renameat2");
	return real(fd1, from, fd2, to, flags);
}

int link(const char *from, const char *to)
{
	note(AT_FDCWD, from, to);
	int (*real)(const char *, const char *) = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "link");
	return real(from, to);
}

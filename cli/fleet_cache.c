/* The local cache of invocation summaries (fleet.h). A summary never changes under its key
 * and ETag (the agent writes each once; a rewrite has a new ETag), so a second `ls` over
 * the same fleet lists the bucket but GETs only what is new.
 *
 * One file, $XDG_CACHE_HOME/jvmsnap/summaries.v1 (else ~/.cache/...), of lines
 * "scope TAB key TAB etag TAB summary" (scope: endpoint and bucket). New summaries are
 * appended in one write (O_APPEND: two concurrent runs do not interleave lines); past
 * FLEET_CACHE_MAX_BYTES the file is rewritten with only what this run used and fetched.
 * A line that is cut or not a summary is ignored: the cache can only save GETs, never
 * change what is listed. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/readfile.h"
#include "fleet.h"

typedef struct {
	const char *key, *etag, *json;
	bool used;
} entry;

struct fleet_cache {
	char path[4096];
	char *scope;
	buf text;        /* the file as read; fields NUL-terminated in place */
	entry *entries;  /* this scope's lines */
	size_t count;
	size_t *slots;   /* open addressing: index + 1 into entries, 0 = empty */
	size_t nslots;
	buf added;       /* lines to append */
};

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ULL;
	return h;
}

/* "<XDG_CACHE_HOME or ~/.cache>/jvmsnap", made 0700 when missing; false when there is none. */
static bool cache_dir(char *out, size_t n)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	if (xdg && *xdg == '/')
		snprintf(out, n, "%s", xdg);
	else if (home && *home)
		snprintf(out, n, "%s/.cache", home);
	else
		return false;
	mkdir(out, 0700);
	size_t len = strlen(out);
	snprintf(out + len, n - len, "/jvmsnap");
	return (mkdir(out, 0700) == 0 || errno == EEXIST) && access(out, W_OK) == 0;
}

static bool field_ok(const char *s) { return s && *s && !strpbrk(s, "\t\n\r"); }

/* Splits one line in place; true for "scope key etag {...}" of our scope. */
static bool split(char *line, const char *scope, entry *e)
{
	char *f[4] = {line};
	for (int i = 1; i < 4; i++) {
		char *tab = f[i - 1] ? strchr(f[i - 1], '\t') : NULL;
		f[i] = tab ? tab + 1 : NULL;
		if (tab)
			*tab = '\0';
	}
	size_t jl = f[3] ? strlen(f[3]) : 0;
	if (!f[3] || strcmp(f[0], scope) || strncmp(f[3], "{\"schema\":", 10) || f[3][jl - 1] != '}')
		return false;
	*e = (entry){f[1], f[2], f[3], false};
	return true;
}

static void index_entries(fleet_cache *c)
{
	c->nslots = 64;
	while (c->nslots < 2 * c->count)
		c->nslots *= 2;
	c->slots = calloc(c->nslots, sizeof *c->slots);
	for (size_t i = 0; c->slots && i < c->count; i++) {
		size_t s = hash(c->entries[i].key) & (c->nslots - 1);
		while (c->slots[s])
			s = (s + 1) & (c->nslots - 1);
		c->slots[s] = i + 1; /* a later line of the same key is found after the earlier: both kept */
	}
}

fleet_cache *fleet_cache_open(const char *scope)
{
	fleet_cache *c = calloc(1, sizeof *c);
	if (!c || !field_ok(scope) || !cache_dir(c->path, sizeof c->path - 16) || !(c->scope = strdup(scope))) {
		free(c);
		return NULL;
	}
	strcat(c->path, "/summaries.v1");
	buf_init(&c->text);
	buf_init(&c->added);
	struct stat st;
	/* A file over the bound (or that is not a file) is not read: the run rewrites it. */
	if (lstat(c->path, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size <= FLEET_CACHE_MAX_BYTES &&
	    read_file(c->path, FLEET_CACHE_MAX_BYTES, &c->text) != READFILE_OK)
		buf_reset(&c->text);
	size_t cap = 0;
	for (char *p = (char *)c->text.data, *end = p + c->text.len; p && p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break; /* a cut last line */
		*nl = '\0';
		entry e;
		if (split(p, scope, &e)) {
			if (c->count == cap) {
				entry *grown = realloc(c->entries, (cap ? 2 * cap : 1024) * sizeof *grown);
				if (!grown)
					break;
				c->entries = grown;
				cap = cap ? 2 * cap : 1024;
			}
			c->entries[c->count++] = e;
		}
		p = nl + 1;
	}
	index_entries(c);
	return c;
}

const char *fleet_cache_get(fleet_cache *c, const char *key, const char *etag)
{
	if (!c || !c->slots || !etag)
		return NULL;
	for (size_t s = hash(key) & (c->nslots - 1); c->slots[s]; s = (s + 1) & (c->nslots - 1)) {
		entry *e = &c->entries[c->slots[s] - 1];
		if (!strcmp(e->key, key) && !strcmp(e->etag, etag)) {
			e->used = true;
			return e->json;
		}
	}
	return NULL;
}

void fleet_cache_put(fleet_cache *c, const char *key, const char *etag, const char *json)
{
	size_t jl = json ? strlen(json) : 0;
	while (jl && (json[jl - 1] == '\n' || json[jl - 1] == '\r'))
		jl--;
	if (!c || !field_ok(key) || !field_ok(etag) || !jl || memchr(json, '\n', jl) || memchr(json, '\t', jl))
		return;
	buf_printf(&c->added, "%s\t%s\t%s\t%.*s\n", c->scope, key, etag, (int)jl, json);
}

static bool write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/* Past the bound: the file again, with what this run used and fetched (written aside, then
 * renamed over, so a reader never sees half of it). */
static void rewrite(fleet_cache *c)
{
	buf out;
	buf_init(&out);
	for (size_t i = 0; i < c->count; i++)
		if (c->entries[i].used && out.len < FLEET_CACHE_MAX_BYTES / 2)
			buf_printf(&out, "%s\t%s\t%s\t%s\n", c->scope, c->entries[i].key, c->entries[i].etag,
				   c->entries[i].json);
	if (out.len + c->added.len <= FLEET_CACHE_MAX_BYTES)
		buf_append(&out, c->added.data, c->added.len);
	char tmp[4120];
	snprintf(tmp, sizeof tmp, "%s.XXXXXX", c->path);
	int fd = out.failed ? -1 : mkstemp(tmp);
	if (fd >= 0) {
		bool ok = write_all(fd, out.data, out.len);
		ok = close(fd) == 0 && ok && rename(tmp, c->path) == 0;
		if (!ok)
			unlink(tmp);
	}
	buf_free(&out);
}

void fleet_cache_close(fleet_cache *c)
{
	if (!c)
		return;
	if (c->added.len && !c->added.failed) {
		struct stat st;
		bool exists = lstat(c->path, &st) == 0;
		if (exists && (!S_ISREG(st.st_mode) || (size_t)st.st_size + c->added.len > FLEET_CACHE_MAX_BYTES)) {
			rewrite(c);
		} else {
			int fd = open(c->path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
			if (fd >= 0) {
				write_all(fd, c->added.data, c->added.len);
				close(fd);
			}
		}
	}
	buf_free(&c->added);
	buf_free(&c->text);
	free(c->entries);
	free(c->slots);
	free(c->scope);
	free(c);
}

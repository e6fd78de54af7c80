// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tuxtape/util.h"

int tt_read_file(const char *path, char **out, size_t *len, struct tt_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return tt_error_set(err, -errno, "cannot open %s: %s", path, strerror(errno));
	struct stat st;
	size_t cap = 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		cap = (size_t)st.st_size;
	cap = cap ? cap + 1 : 4096;
	char *buf = tt_xmalloc(cap + 1);
	size_t n = 0;
	for (;;) {
		if (n == cap) {
			cap *= 2;
			buf = tt_xrealloc(buf, cap + 1);
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			free(buf);
			close(fd);
			return tt_error_set(err, -e, "cannot read %s: %s", path, strerror(e));
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	*out = buf;
	if (len)
		*len = n;
	return 0;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int tt_write_file_atomic(const char *path, const void *data, size_t len, struct tt_error *err)
{
	_cleanup_free_ char *tmp = tt_xasprintf("%s.tmp.XXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd < 0)
		return tt_error_set(err, -errno, "cannot create a temporary file beside %s: %s",
				    path, strerror(errno));
	/* mkstemp creates 0600; give the file the usual umask-derived mode. */
	mode_t mask = umask(0);
	umask(mask);
	int r = fchmod(fd, 0666 & ~mask) == 0 ? 0 : -errno;
	if (r == 0)
		r = write_all(fd, data, len);
	if (r == 0 && fsync(fd) != 0)
		r = -errno;
	if (close(fd) != 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) != 0)
		r = -errno;
	if (r != 0) {
		unlink(tmp);
		return tt_error_set(err, r, "cannot write %s: %s", path, strerror(-r));
	}
	return 0;
}

int tt_mkdir_p(const char *path, int mode, struct tt_error *err)
{
	_cleanup_free_ char *p = tt_xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, (mode_t)mode) != 0 && errno != EEXIST)
			return tt_error_set(err, -errno, "cannot create directory %s: %s", p,
					    strerror(errno));
		*s = '/';
	}
	if (mkdir(p, (mode_t)mode) != 0 && errno != EEXIST)
		return tt_error_set(err, -errno, "cannot create directory %s: %s", p,
				    strerror(errno));
	return 0;
}

bool tt_path_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static char *xdg_dir(const char *env, const char *fallback)
{
	const char *base = getenv(env);
	if (base && base[0] == '/')
		return tt_xasprintf("%s/tuxtape", base);
	const char *home = getenv("HOME");
	if (!home || !home[0])
		home = "/tmp";
	return tt_xasprintf("%s/%s/tuxtape", home, fallback);
}

char *tt_data_dir(void)
{
	return xdg_dir("XDG_DATA_HOME", ".local/share");
}

char *tt_cache_dir(void)
{
	return xdg_dir("XDG_CACHE_HOME", ".cache");
}

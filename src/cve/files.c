// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reading a CVE's files fast: a bulk ingest opens ~52,000 small files, so
 * the syscalls are most of its cost. Each read is an openat() relative to
 * the directory kept open, into one buffer reused for every file.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "cve_internal.h"

void tt_cve_files_init(struct tt_cve_files *f)
{
	memset(f, 0, sizeof(*f));
	f->dirfd = -1;
}

void tt_cve_files_free(struct tt_cve_files *f)
{
	if (f->dirfd >= 0)
		close(f->dirfd);
	free(f->buf);
	free(f->dir);
	tt_cve_files_init(f);
}

int tt_cve_files_chdir(struct tt_cve_files *f, const char *dir)
{
	if (f->dirfd >= 0 && strcmp(f->dir, dir) == 0)
		return 0;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (f->dirfd >= 0)
		close(f->dirfd);
	free(f->dir);
	f->dirfd = fd;
	f->dir = tt_xstrdup(dir);
	return 0;
}

static int read_all(struct tt_cve_files *f, int fd, size_t *len)
{
	size_t n = 0;
	for (;;) {
		if (f->cap - n < 2) {
			if (n > TT_CVE_MAX_FILE_BYTES)
				return -EFBIG;
			f->cap = f->cap ? f->cap * 2 : 64 * 1024;
			f->buf = tt_xrealloc(f->buf, f->cap);
		}
		size_t want = f->cap - n - 1;
		ssize_t r = read(fd, f->buf + n, want);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		n += (size_t)r;
		/* A regular file reads short only at its end: skip the read() that would return 0.
		 */
		if ((size_t)r < want)
			break;
	}
	f->buf[n] = '\0';
	*len = n;
	return 0;
}

int tt_cve_files_read(struct tt_cve_files *f, const char *name, const char **text, size_t *len)
{
	int fd = openat(f->dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = read_all(f, fd, len);
	close(fd);
	if (r == 0)
		*text = f->buf;
	return r;
}

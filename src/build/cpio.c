// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The cpio "newc" format the kernel unpacks as an initramfs
 * (Documentation/driver-api/early-userspace/buffer-format.rst): per entry a
 * 110-byte ASCII header ("070701" and 13 eight-digit hex fields), the name
 * with its NUL, padding to 4 bytes, the data, padding to 4 bytes; the archive
 * ends with an entry named "TRAILER!!!". Written here rather than by cpio(1)
 * so the archive is reproducible (owner root, mtime 0) and needs no tool.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "tuxtape/build.h"

#define CPIO_MAGIC "070701"
#define CPIO_HDR   110

static void cpio_pad(struct tt_buf *b)
{
	static const char zeros[4];
	tt_buf_add(b, zeros, (4 - b->len % 4) % 4);
}

void tt_initramfs_cpio_add(struct tt_buf *b, const char *name, unsigned mode, const void *data,
			   size_t len)
{
	size_t namesize = strlen(name) + 1;
	/* The entry's offset is unique, which is all the kernel asks of an inode number. */
	unsigned long ino = (unsigned long)b->len + 1;
	unsigned nlink = S_ISDIR(mode) ? 2 : 1;
	tt_buf_addf(b, CPIO_MAGIC "%08lX%08X%08X%08X%08X%08X%08lX%08X%08X%08X%08X%08lX%08X",
		    ino & 0xffffffffUL, mode, 0u, 0u, nlink, 0u, (unsigned long)len, 0u, 0u, 0u, 0u,
		    (unsigned long)namesize, 0u);
	tt_buf_add(b, name, namesize);
	cpio_pad(b);
	if (len)
		tt_buf_add(b, data, len);
	cpio_pad(b);
}

void tt_initramfs_cpio_finish(struct tt_buf *b)
{
	tt_initramfs_cpio_add(b, "TRAILER!!!", 0, NULL, 0);
}

static bool cpio_hex(const unsigned char *p, unsigned long *out)
{
	unsigned long v = 0;
	for (int i = 0; i < 8; i++) {
		int c = p[i], d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return false;
		v = v * 16 + (unsigned long)d;
	}
	*out = v;
	return true;
}

static size_t cpio_align(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* Decode the header at off; fills e and the offset of the next entry. */
static int cpio_entry(const unsigned char *a, size_t len, size_t off, struct tt_cpio_entry *e,
		      size_t *next, struct tt_error *err)
{
	if (len - off < CPIO_HDR || memcmp(a + off, CPIO_MAGIC, 6) != 0)
		return tt_error_set(err, -EINVAL, "cpio: no newc header at offset %zu", off);
	unsigned long f[13];
	for (int i = 0; i < 13; i++)
		if (!cpio_hex(a + off + 6 + 8 * i, &f[i]))
			return tt_error_set(err, -EINVAL, "cpio: bad header field at offset %zu",
					    off + 6 + 8 * i);
	size_t namesize = f[11], filesize = f[6];
	size_t name_off = off + CPIO_HDR, data_off = cpio_align(name_off + namesize);
	if (namesize == 0 || data_off > len || filesize > len - data_off ||
	    a[name_off + namesize - 1] != '\0')
		return tt_error_set(err, -EINVAL, "cpio: entry at offset %zu runs past the end",
				    off);
	e->name = (const char *)a + name_off;
	e->mode = (unsigned)f[1];
	e->data = a + data_off;
	e->len = filesize;
	*next = cpio_align(data_off + filesize);
	return 0;
}

int tt_initramfs_cpio_walk(const void *archive, size_t len,
			   int (*cb)(void *ctx, const struct tt_cpio_entry *e), void *ctx,
			   struct tt_error *err)
{
	const unsigned char *a = archive;
	size_t off = 0;
	while (off < len) {
		struct tt_cpio_entry e;
		size_t next = len;
		int rc = cpio_entry(a, len, off, &e, &next, err);
		if (rc < 0)
			return rc;
		if (strcmp(e.name, "TRAILER!!!") == 0)
			return 0;
		if (cb(ctx, &e))
			return 0;
		off = next;
	}
	return tt_error_set(err, -EINVAL, "cpio: archive ends without a TRAILER!!! entry");
}

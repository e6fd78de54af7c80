// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The real symbol table of a Debian kernel. Debian's System.map is a stub and
 * the -dbg package with vmlinux is 855 MB, but the kernel itself knows its
 * symbols: one boot under QEMU (the patch test bed) with a check script that
 * prints /proc/kallsyms gzip'd and base64'd between two marker lines, so the
 * ~7 MB table crosses the slow emulated serial port as ~1.5 MB of text.
 * Cached per ABI as CACHE/debian/ABI/kallsyms.
 */
#include <errno.h>
#include <openssl/evp.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "build_int.h"

#define KALLSYMS_BEGIN "TTKALLSYMS:BEGIN"
#define KALLSYMS_END   "TTKALLSYMS:END"
#define BOOT_TIMEOUT   600.0
#define DUMP_TIMEOUT   480 /* the check's own bound inside the guest, seconds */
#define MIN_SYMBOLS    10000

/* Runs as `check patched` in the guest; root sees real addresses when kptr_restrict is 0. */
static const char dump_script[] = "#!/bin/sh\n"
				  "echo 0 > /proc/sys/kernel/kptr_restrict\n"
				  "echo " KALLSYMS_BEGIN "\n"
				  "gzip -c /proc/kallsyms | base64\n"
				  "echo " KALLSYMS_END "\n";

static bool kallsyms_b64_line(const char *s, size_t n)
{
	if (n == 0 || n % 4)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(s[i] == '+' || s[i] == '/' || s[i] == '=' || (s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
			return false;
	return true;
}

/* Append the bytes of one base64 line (a multiple of 4 characters) to out. */
static void kallsyms_b64_decode(const char *s, size_t n, struct tt_buf *out)
{
	tt_buf_grow(out, n);
	int got =
	    EVP_DecodeBlock((unsigned char *)out->buf + out->len, (const unsigned char *)s, (int)n);
	if (got < 0)
		return;
	/* EVP_DecodeBlock counts the padding as zero bytes. */
	for (size_t i = n; i > 0 && s[i - 1] == '='; i--)
		got--;
	out->len += (size_t)got;
	out->buf[out->len] = '\0';
}

static int kallsyms_gunzip(const struct tt_buf *gz, char **out, size_t *out_len,
			   struct tt_error *err)
{
	z_stream z = {0};
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return tt_error_set(err, -ENOMEM, "kallsyms: cannot start gzip decompression");
	struct tt_buf b = TT_BUF_INIT;
	z.next_in = (unsigned char *)gz->buf;
	z.avail_in = (unsigned)gz->len;
	int zrc;
	do {
		tt_buf_grow(&b, 1 << 20);
		z.next_out = (unsigned char *)b.buf + b.len;
		z.avail_out = (unsigned)(b.cap - b.len - 1);
		zrc = inflate(&z, Z_NO_FLUSH);
		b.len = b.cap - 1 - z.avail_out;
		b.buf[b.len] = '\0';
	} while (zrc == Z_OK);
	inflateEnd(&z);
	if (zrc != Z_STREAM_END) {
		tt_buf_free(&b);
		return tt_error_set(err, -EIO,
				    "kallsyms: the dump from the guest is truncated or corrupt "
				    "(zlib %d after %zu bytes)",
				    zrc, gz->len);
	}
	*out_len = b.len;
	*out = tt_buf_detach(&b);
	return 0;
}

int tt_kallsyms_from_console(const char *console, size_t len, char **out, size_t *out_len,
			     struct tt_error *err)
{
	const char *begin = memmem(console, len, KALLSYMS_BEGIN, strlen(KALLSYMS_BEGIN));
	const char *end = begin ? memmem(begin, len - (size_t)(begin - console), KALLSYMS_END,
					 strlen(KALLSYMS_END))
				: NULL;
	if (!begin || !end)
		return tt_error_set(err, -EIO, "the guest printed no complete kallsyms dump (%s)",
				    begin ? "no end marker: timed out?" : "no begin marker");
	struct tt_buf gz = TT_BUF_INIT;
	/* Kernel messages may interleave with the dump; only whole base64 lines count. */
	for (const char *p = memchr(begin, '\n', (size_t)(end - begin)); p && p < end;) {
		const char *line = p + 1;
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t n = (nl ? nl : end) - line;
		while (n && (line[n - 1] == '\r' || line[n - 1] == ' '))
			n--;
		if (kallsyms_b64_line(line, n))
			kallsyms_b64_decode(line, n, &gz);
		p = nl;
	}
	int rc = kallsyms_gunzip(&gz, out, out_len, err);
	tt_buf_free(&gz);
	return rc;
}

/* A plausible table: many lines of "ADDR TYPE NAME". */
static int kallsyms_check(const char *text, struct tt_error *err)
{
	size_t lines = 0;
	for (const char *p = text; (p = strchr(p, '\n')); p++)
		lines++;
	if (lines < MIN_SYMBOLS || !strstr(text, " T "))
		return tt_error_set(
		    err, -EIO, "the kallsyms dump has %zu lines: not a kernel symbol table", lines);
	return 0;
}

static int kallsyms_boot(const struct tt_debian_kernel *k, const char *busybox, const char *path,
			 struct tt_error *err)
{
	_cleanup_free_ char *script = tt_xasprintf("%s/kallsyms-dump.sh", k->dir);
	int rc = tt_write_file_atomic(script, dump_script, strlen(dump_script), err);
	if (rc < 0)
		return rc;
	struct tt_boot_opts o = {.vmlinuz = k->vmlinuz, .timeout_s = BOOT_TIMEOUT};
	o.initramfs.busybox = busybox;
	o.initramfs.check = script;
	o.initramfs.transition_timeout = DUMP_TIMEOUT;
	struct tt_boot_result r;
	char *console = NULL;
	rc = tt_boot_test(&o, &r, &console, err);
	unlink(script);
	if (rc < 0)
		return tt_error_prefix(err, "booting %s to read its kallsyms: ", k->abi);
	tt_boot_result_free(&r);
	char *text = NULL;
	size_t len = 0;
	rc = tt_kallsyms_from_console(console, strlen(console), &text, &len, err);
	free(console);
	if (rc == 0)
		rc = kallsyms_check(text, err);
	if (rc == 0)
		rc = tt_write_file_atomic(path, text, len, err);
	free(text);
	return rc;
}

int tt_kallsyms_debian(const struct tt_debian_kernel *k, const char *busybox, char **path,
		       bool *booted, struct tt_error *err)
{
	*path = tt_xasprintf("%s/kallsyms", k->dir);
	*booted = false;
	_cleanup_free_ char *lock = tt_xasprintf("%s/kallsyms.lock", k->dir);
	int fd = tt_build_lock(lock, err), rc = 0;
	if (fd < 0)
		rc = fd;
	else if (!tt_path_exists(*path)) {
		*booted = true;
		rc = kallsyms_boot(k, busybox, *path, err);
	}
	if (fd >= 0)
		close(fd);
	if (rc < 0) {
		tt_error_prefix(err, "symbol table of %s: ", k->abi);
		free(*path);
		*path = NULL;
	}
	return rc;
}

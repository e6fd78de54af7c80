// SPDX-License-Identifier: GPL-2.0-or-later
/* The newc writer, read back by our walker and by cpio(1), and the test initramfs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "tuxtape/build.h"

struct seen {
	struct tt_strv names;
	struct tt_buf data; /* "name=content;" for regular files */
	unsigned init_mode;
};

static int collect(void *ctx, const struct tt_cpio_entry *e)
{
	struct seen *s = ctx;
	tt_strv_push(&s->names, e->name);
	if (S_ISREG(e->mode) && e->len < 64) {
		tt_buf_addf(&s->data, "%s=", e->name);
		tt_buf_add(&s->data, e->data, e->len);
		tt_buf_addc(&s->data, ';');
	}
	if (strcmp(e->name, "init") == 0)
		s->init_mode = e->mode;
	return 0;
}

static void sample(struct tt_buf *b)
{
	tt_initramfs_cpio_add(b, "bin", S_IFDIR | 0755, NULL, 0);
	/* Lengths 1..5 cover every padding case of name and data. */
	tt_initramfs_cpio_add(b, "a", S_IFREG | 0644, "x", 1);
	tt_initramfs_cpio_add(b, "bin/ab", S_IFREG | 0755, "xyz", 3);
	tt_initramfs_cpio_add(b, "abc", S_IFREG | 0644, "wxyz", 4);
	tt_initramfs_cpio_add(b, "empty", S_IFREG | 0644, NULL, 0);
	tt_initramfs_cpio_add(b, "abcde", S_IFREG | 0600, "vwxyz", 5);
	tt_initramfs_cpio_finish(b);
}

static void test_cpio_round_trip(void **state)
{
	struct tt_buf b = TT_BUF_INIT;
	sample(&b);
	assert_int_equal(b.len % 4, 0);
	assert_memory_equal(b.buf, "070701", 6);
	struct seen s = {TT_STRV_INIT, TT_BUF_INIT, 0};
	struct tt_error err = {0};
	assert_int_equal(tt_initramfs_cpio_walk(b.buf, b.len, collect, &s, &err), 0);
	assert_int_equal(s.names.n, 6);
	assert_string_equal(s.names.v[0], "bin");
	assert_string_equal(s.names.v[5], "abcde");
	assert_string_equal(tt_buf_str(&s.data), "a=x;bin/ab=xyz;abc=wxyz;empty=;abcde=vwxyz;");
	tt_strv_free(&s.names);
	tt_buf_free(&s.data);
	tt_buf_free(&b);
}

static void test_cpio_rejects_truncated_and_unterminated(void **state)
{
	struct tt_buf b = TT_BUF_INIT;
	sample(&b);
	struct seen s = {TT_STRV_INIT, TT_BUF_INIT, 0};
	struct tt_error err = {0};
	assert_int_equal(tt_initramfs_cpio_walk(b.buf, 200, collect, &s, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "cpio"));
	/* Everything but the trailer: complete entries, no end. */
	size_t without_trailer = b.len - 124;
	assert_int_equal(tt_initramfs_cpio_walk(b.buf, without_trailer, collect, &s, &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "TRAILER"));
	b.buf[3] = 'X';
	assert_int_equal(tt_initramfs_cpio_walk(b.buf, b.len, collect, &s, &err), -EINVAL);
	tt_strv_free(&s.names);
	tt_buf_free(&s.data);
	tt_buf_free(&b);
}

/* GNU cpio, when installed, must list exactly what we wrote. */
static void test_cpio_listed_by_cpio_tool(void **state)
{
	if (system("command -v cpio >/dev/null 2>&1") != 0) {
		skip();
		return;
	}
	struct tt_buf b = TT_BUF_INIT;
	sample(&b);
	char path[] = "/tmp/tt-cpio-test-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, b.buf, b.len), (ssize_t)b.len);
	close(fd);
	char *argv_str = tt_xasprintf("cpio -t --quiet < %s", path);
	FILE *p = popen(argv_str, "r");
	char listing[256] = "";
	size_t n = fread(listing, 1, sizeof(listing) - 1, p);
	listing[n] = '\0';
	assert_int_equal(pclose(p), 0);
	assert_string_equal(listing, "bin\na\nbin/ab\nabc\nempty\nabcde\n");
	unlink(path);
	free(argv_str);
	tt_buf_free(&b);
}

/* A static ELF program (what the initramfs wants for busybox), built with the test's cc. */
static char *static_program(const char *dir)
{
	char *src = tt_xasprintf("%s/p.c", dir), *out = tt_xasprintf("%s/busybox", dir);
	const char code[] = "void _start(void) { for (;;) ; }\n";
	assert_int_equal(tt_write_file_atomic(src, code, strlen(code), NULL), 0);
	const char *argv[] = {"cc", "-nostdlib", "-static", "-o", out, src, NULL};
	struct tt_run_result res;
	assert_int_equal(tt_run(argv, NULL, 60, &res, NULL), 0);
	assert_int_equal(res.status, 0);
	tt_run_result_free(&res);
	unlink(src);
	free(src);
	return out;
}

static void gunzip(const char *path, struct tt_buf *out)
{
	gzFile gz = gzopen(path, "rb");
	assert_non_null(gz);
	char chunk[65536];
	int n;
	while ((n = gzread(gz, chunk, sizeof(chunk))) > 0)
		tt_buf_add(out, chunk, (size_t)n);
	assert_int_equal(n, 0);
	gzclose(gz);
}

/* The initramfs holds busybox, the module as NAME.ko, the check and an executable /init. */
static void test_initramfs_contents(void **state)
{
	char dir[] = "/tmp/tt-initramfs-test-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *bb = static_program(dir), *ko = tt_xasprintf("%s/x.ko", dir);
	char *check = tt_xasprintf("%s/check.sh", dir), *out = tt_xasprintf("%s/i.gz", dir);
	assert_int_equal(tt_write_file_atomic(ko, "KO", 2, NULL), 0);
	assert_int_equal(tt_write_file_atomic(check, "true", 4, NULL), 0);
	struct tt_initramfs_module m = {.path = ko, .name = "tt_lp_x"};
	struct tt_initramfs_spec spec = {
	    .busybox = bb, .modules = &m, .n_modules = 1, .check = check, .unload = true};
	struct tt_error err = {0};
	assert_int_equal(tt_initramfs_build(&spec, out, &err), 0);
	struct tt_buf cpio = TT_BUF_INIT;
	gunzip(out, &cpio);
	struct seen s = {TT_STRV_INIT, TT_BUF_INIT, 0};
	assert_int_equal(tt_initramfs_cpio_walk(cpio.buf, cpio.len, collect, &s, &err), 0);
	assert_true(tt_strv_contains(&s.names, "dev"));
	assert_true(tt_strv_contains(&s.names, "proc"));
	assert_true(tt_strv_contains(&s.names, "bin/busybox"));
	assert_non_null(strstr(tt_buf_str(&s.data), "lib/tuxtape/tt_lp_x.ko=KO;"));
	assert_non_null(strstr(tt_buf_str(&s.data), "check=true;"));
	assert_int_equal(s.init_mode, S_IFREG | 0755);

	/* A name the shell would misread is refused, not quoted. */
	m.name = "x; reboot";
	assert_int_equal(tt_initramfs_build(&spec, out, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "not a kernel module name"));
	spec.busybox = "/nonexistent/busybox";
	m.name = "ok";
	assert_int_equal(tt_initramfs_build(&spec, out, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "busybox-static"));
	/* A dynamic busybox (Debian's "busybox" package) would find no libc in the guest. */
	spec.busybox = "/bin/sh";
	assert_int_equal(tt_initramfs_build(&spec, out, &err), -ENOEXEC);
	assert_non_null(strstr(err.msg, "dynamically linked"));

	unlink(bb), unlink(ko), unlink(check), unlink(out), rmdir(dir);
	free(bb), free(ko), free(check), free(out);
	tt_strv_free(&s.names);
	tt_buf_free(&s.data);
	tt_buf_free(&cpio);
}

static void test_init_script_phases(void **state)
{
	struct tt_initramfs_module mods[] = {{"a.ko", "lp_a"}, {"b.ko", "lp_b"}};
	struct tt_initramfs_spec spec = {.modules = mods, .n_modules = 2, .transition_timeout = 7};
	char *s = tt_initramfs_init_script(&spec);
	assert_non_null(strstr(s, "#!/bin/busybox sh\n"));
	assert_non_null(strstr(s, "T=7\nload lp_a\nload lp_b\n"));
	assert_null(strstr(s, "check patched"));
	assert_null(strstr(s, "do disable"));
	assert_non_null(strstr(s, "poweroff -f\n"));
	free(s);
	spec.check = "c.sh";
	spec.unload = true;
	spec.transition_timeout = 0;
	s = tt_initramfs_init_script(&spec);
	const char *p = strstr(s, "T=30\n");
	assert_non_null(p);
	/* Order matters: check patched, disable all, check unpatched, then rmmod. */
	const char *order[] = {"load lp_b", "check patched",	   "do disable", "check unpatched",
			       "do unload", "TUXTAPE:DMESG-BEGIN", "TUXTAPE:END"};
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		const char *q = strstr(p, order[i]);
		assert_non_null(q);
		p = q;
	}
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cpio_round_trip),
	    cmocka_unit_test(test_cpio_rejects_truncated_and_unterminated),
	    cmocka_unit_test(test_cpio_listed_by_cpio_tool),
	    cmocka_unit_test(test_initramfs_contents),
	    cmocka_unit_test(test_init_script_phases),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0-or-later
/* The parts of `patch build` that need no kernel: patch file lists, the kallsyms dump decoder. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "tuxtape/build.h"

static void test_patch_files_lists_each_target_once(void **state)
{
	const char *text = "CVE text before the diff\n"
			   "--- a/net/bridge/br_fdb.c\n"
			   "+++ b/net/bridge/br_fdb.c\t2024-01-01 00:00:00\n"
			   "@@ -1 +1 @@\n-x\n+y\n"
			   "--- a/include/linux/foo.h\n"
			   "+++ b/include/linux/foo.h\n"
			   "--- a/net/bridge/br_fdb.c\n"
			   "+++ b/net/bridge/br_fdb.c\n";
	struct tt_strv files = TT_STRV_INIT;
	assert_int_equal(tt_patch_files(text, "x.patch", &files, NULL), 0);
	assert_int_equal(files.n, 2);
	assert_string_equal(files.v[0], "net/bridge/br_fdb.c");
	assert_string_equal(files.v[1], "include/linux/foo.h");
	tt_strv_free(&files);
}

static void test_patch_files_refuses_what_it_cannot_build(void **state)
{
	struct tt_strv files = TT_STRV_INIT;
	struct tt_error err = {0};
	assert_int_equal(tt_patch_files("just text\n", "notes.txt", &files, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "notes.txt: not a unified diff"));
	assert_int_equal(tt_patch_files("+++ /dev/null\n", "rm.patch", &files, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "deletes a file"));
	assert_int_equal(tt_patch_files("+++ b/../etc/passwd\n", "up.patch", &files, &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "leaves the source tree"));
	assert_int_equal(files.n, 0);
	tt_strv_free(&files);
}

/* What the guest prints: marker, gzip'd text as 76-column base64 with CRLF, marker. */
static char *fake_console(const char *text, const char *interleave)
{
	uLongf gz_cap = compressBound(strlen(text)) + 64;
	unsigned char *gz = malloc(gz_cap);
	z_stream z = {0};
	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
			 Z_OK);
	z.next_in = (unsigned char *)text;
	z.avail_in = (unsigned)strlen(text);
	z.next_out = gz;
	z.avail_out = (unsigned)gz_cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	size_t gz_len = z.total_out;
	deflateEnd(&z);
	struct tt_buf b = TT_BUF_INIT;
	tt_buf_adds(&b, "[    1.0] boot noise\r\nTTKALLSYMS:BEGIN\r\n");
	for (size_t off = 0; off < gz_len; off += 57) {
		unsigned char line[80];
		size_t n = gz_len - off < 57 ? gz_len - off : 57;
		EVP_EncodeBlock(line, gz + off, (int)n);
		tt_buf_addf(&b, "%s\r\n", line);
		if (off == 0 && interleave)
			tt_buf_adds(&b, interleave);
	}
	tt_buf_adds(&b, "TTKALLSYMS:END\r\nTUXTAPE:END\r\n");
	free(gz);
	return tt_buf_detach(&b);
}

static void test_kallsyms_dump_decodes_despite_kernel_lines(void **state)
{
	struct tt_buf text = TT_BUF_INIT;
	for (int i = 0; i < 3000; i++)
		tt_buf_addf(&text, "ffffffff8100%04x t helper_%d\n", i, i);
	char *console = fake_console(tt_buf_str(&text), "[    2.5] random: crng init done\r\n");
	char *out = NULL;
	size_t len = 0;
	struct tt_error err = {0};
	assert_int_equal(tt_kallsyms_from_console(console, strlen(console), &out, &len, &err), 0);
	assert_int_equal(len, text.len);
	assert_memory_equal(out, text.buf, len);
	free(out);
	free(console);
	tt_buf_free(&text);
}

static void test_kallsyms_dump_cut_short_is_an_error(void **state)
{
	char *console = fake_console("ffffffff81000000 T _stext\n", NULL);
	char *end = strstr(console, "TTKALLSYMS:END");
	*end = '\0';
	char *out = NULL;
	size_t len = 0;
	struct tt_error err = {0};
	assert_int_equal(tt_kallsyms_from_console(console, strlen(console), &out, &len, &err),
			 -EIO);
	assert_non_null(strstr(err.msg, "no end marker"));
	free(console);
}

static void test_prepare_needs_a_kernel_source(void **state)
{
	struct tt_ktree t = {0};
	t.source_dir = tt_xstrdup("/nonexistent-tuxtape-source");
	t.obj_dir = tt_xstrdup("/nonexistent-tuxtape-obj");
	t.config =
	    tt_xstrdup("/proc/self/status"); /* any readable file: the source is checked first */
	struct tt_error err = {0};
	assert_int_equal(tt_ktree_prepare(&t, 1, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "not a kernel source tree"));
	tt_ktree_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_patch_files_lists_each_target_once),
	    cmocka_unit_test(test_patch_files_refuses_what_it_cannot_build),
	    cmocka_unit_test(test_kallsyms_dump_decodes_despite_kernel_lines),
	    cmocka_unit_test(test_kallsyms_dump_cut_short_is_an_error),
	    cmocka_unit_test(test_prepare_needs_a_kernel_source),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

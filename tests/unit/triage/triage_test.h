/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the triage unit tests: fixtures, records, a scratch directory. */
#ifndef TT_TRIAGE_TEST_H
#define TT_TRIAGE_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tuxtape/triage.h"
#include "tuxtape/util.h"

/* $TT_FIXTURES/triage/REL; caller frees. */
static inline char *tri_fixture(const char *rel)
{
	const char *root = getenv("TT_FIXTURES");
	return tt_xasprintf("%s/triage/%s", root ? root : "tests/fixtures", rel);
}

/* A real CNA record from tests/fixtures/triage/records. */
static inline void load_record(const char *id, struct tt_cve_record *rec)
{
	char *dir = tri_fixture("records");
	struct tt_cve_parser *p = tt_cve_parser_new();
	struct tt_error err = {0};
	tt_cve_record_init(rec);
	if (tt_cve_load_dir(p, dir, id, TT_CVE_PUBLISHED, rec, NULL, &err) != 0)
		fail_msg("%s: %s", id, err.msg);
	tt_cve_parser_free(p);
	free(dir);
}

/*
 * A record whose .dyad holds these pairs, written "INTRO>FIX" with "0" for
 * 0:0 ("6.1.43>6.1.78 0>5.19 6.4.8>0"): the tests read like the data.
 */
static inline void dyad_record(struct tt_cve_record *rec, const char *id, const char *pairs)
{
	static const char sha[] = "0123456789abcdef0123456789abcdef01234567";
	tt_cve_record_init(rec);
	snprintf(rec->id, sizeof(rec->id), "%s", id);
	struct tt_buf b = TT_BUF_INIT;
	for (const char *p = pairs; *p;) {
		size_t n = strcspn(p, " ");
		const char *gt = memchr(p, '>', n);
		assert_non_null(gt);
		size_t ln = (size_t)(gt - p), rn = n - ln - 1;
		bool l0 = ln == 1 && p[0] == '0', r0 = rn == 1 && gt[1] == '0';
		tt_buf_addf(&b, "%.*s:%s:%.*s:%s\n", (int)ln, p, l0 ? "0" : sha, (int)rn, gt + 1,
			    r0 ? "0" : sha);
		p += n + (p[n] == ' ');
	}
	assert_int_equal(tt_dyad_parse(b.buf, b.len, "test.dyad", rec, NULL), 0);
	tt_buf_free(&b);
}

/* A fresh scratch directory under $TMPDIR; caller removes it with rm_rf(). */
static inline char *scratch_dir(void)
{
	const char *tmp = getenv("TMPDIR");
	char *dir = tt_xasprintf("%s/tt-triage-XXXXXX", tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(dir));
	return dir;
}

static inline void rm_rf(const char *dir)
{
	char *cmd = tt_xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

static inline void write_text(const char *path, const char *text)
{
	struct tt_error err = {0};
	if (tt_write_file_atomic(path, text, strlen(text), &err) != 0)
		fail_msg("%s", err.msg);
}

#endif

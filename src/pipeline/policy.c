// SPDX-License-Identifier: GPL-2.0-or-later
/* The review policy, and the names a job's module gets. */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "tuxtape/pipeline.h"
#include "tuxtape/util.h"

/* s without leading and trailing blanks, as (start, length). */
static const char *trimmed(const char *s, size_t *len)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	*len = n;
	return s;
}

/* "Ann" and " ann " are one person: the policy must not be dodged by spelling. */
static bool same_person(const char *a, const char *b)
{
	size_t na, nb;
	const char *ta = trimmed(a, &na), *tb = trimmed(b, &nb);
	return na == nb && strncasecmp(ta, tb, na) == 0;
}

int tt_approval_check(const char *author, const char *reviewer, enum tt_job_state state,
		      bool already_approved, struct tt_error *err)
{
	size_t n;
	if (!reviewer || (trimmed(reviewer, &n), n == 0))
		return tt_error_set(err, -EINVAL, "an approval needs the reviewer's name");
	if (already_approved)
		return tt_error_set(err, -EEXIST, "it is already approved");
	if (state != TT_JOB_PASSED)
		return tt_error_set(err, -EINVAL,
				    "only a job that passed its build and boot test can be "
				    "approved; this one is %s",
				    tt_job_state_name(state));
	if (author && same_person(author, reviewer))
		return tt_error_set(err, -EPERM,
				    "%s wrote this revision and cannot also approve it: the policy "
				    "wants a second person to review every patch",
				    reviewer);
	return 0;
}

char *tt_job_module_name(const char *cve_id, long rev)
{
	struct tt_buf b = TT_BUF_INIT;
	for (const char *p = cve_id; *p; p++) {
		unsigned char c = (unsigned char)*p;
		tt_buf_addc(&b, isalnum(c) ? (char)tolower(c) : '_');
	}
	tt_buf_addf(&b, "_r%ld", rev);
	return tt_buf_detach(&b);
}

// SPDX-License-Identifier: GPL-2.0-or-later
/* Lifetime of struct tt_cve_record and CVE id validation. */
#include <string.h>

#include "cve_internal.h"

void tt_cve_record_init(struct tt_cve_record *rec)
{
	memset(rec, 0, sizeof(*rec));
}

void tt_cvss_clear(struct tt_cvss *c)
{
	free(c->vector);
	free(c->source);
	free(c->rationale);
	memset(c, 0, sizeof(*c));
}

static void affected_free(struct tt_affected *a)
{
	free(a->vendor);
	free(a->product);
	free(a->repo);
	free(a->default_status);
	tt_strv_free(&a->program_files);
	for (size_t i = 0; i < a->n_versions; i++)
		free(a->versions[i].version); /* owns the entry's other strings too */
	free(a->versions);
}

void tt_dyads_free(struct tt_dyad *pairs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(pairs[i].vuln_version);
		free(pairs[i].vuln_commit);
		free(pairs[i].fix_version);
		free(pairs[i].fix_commit);
	}
	free(pairs);
}

/* Leaves rec initialised, so one record can be reused for the next CVE. */
void tt_cve_record_free(struct tt_cve_record *rec)
{
	free(rec->title);
	free(rec->description);
	free(rec->rejected_reason);
	tt_strv_free(&rec->fix_commits);
	tt_strv_free(&rec->vulnerable_commits);
	tt_strv_free(&rec->references);
	tt_strv_free(&rec->program_files);
	tt_dyads_free(rec->dyads, rec->n_dyads);
	for (size_t i = 0; i < rec->n_affected; i++)
		affected_free(&rec->affected[i]);
	free(rec->affected);
	tt_cvss_clear(&rec->cvss);
	tt_cve_record_init(rec);
}

static size_t count_digits(const char *s)
{
	size_t n = 0;
	while (s[n] >= '0' && s[n] <= '9')
		n++;
	return n;
}

bool tt_cve_id_valid(const char *s)
{
	if (!s || strncmp(s, "CVE-", 4) != 0)
		return false;
	s += 4;
	if (count_digits(s) != 4 || s[4] != '-')
		return false;
	s += 5;
	size_t n = count_digits(s);
	/* The id also names files, so it must fit TT_CVE_ID_MAX and end here. */
	return n >= 4 && 9 + n < TT_CVE_ID_MAX && s[n] == '\0';
}

void tt_affected_version_set(struct tt_affected_version *v, const char *const fields[TT_AV_FIELDS],
			     const size_t lens[TT_AV_FIELDS])
{
	size_t total = 0;
	for (int i = 0; i < TT_AV_FIELDS; i++)
		total += fields[i] ? lens[i] + 1 : 0;
	char *block = tt_xmalloc(total);
	char **dst[TT_AV_FIELDS] = {&v->version, &v->less_than, &v->less_than_or_equal, &v->status,
				    &v->version_type};
	/* version first: its pointer is the block's, the one free() takes. */
	for (int i = 0; i < TT_AV_FIELDS; i++) {
		*dst[i] = NULL;
		if (!fields[i])
			continue;
		memcpy(block, fields[i], lens[i]);
		block[lens[i]] = '\0';
		*dst[i] = block;
		block += lens[i] + 1;
	}
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Triage benchmark: load every published CVE from a store once, then scan
 * one profile against all of them, and 100 profiles (each loaded from the
 * store and scanned) - the targets are < 100 ms and < 5 s.
 *
 *   bench_scan --db STORE --profile NAME [--profiles N] [--runs N]
 *
 * The N profiles are copies of NAME at versions 6.1.100, 6.1.101, ...
 * written to the store as bench-scan-NNN and removed afterwards, so each
 * scan reads a real profile (with its file set) through the store.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tuxtape/triage.h"

struct opts {
	const char *db, *profile;
	int profiles, runs;
};

static void usage(void)
{
	fprintf(stderr, "usage: bench_scan --db STORE --profile NAME [--profiles N] [--runs N]\n");
	exit(2);
}

static struct opts parse_args(int argc, char **argv)
{
	struct opts o = {.profiles = 100, .runs = 5};
	static const struct option lo[] = {{"db", required_argument, NULL, 'd'},
					   {"profile", required_argument, NULL, 'p'},
					   {"profiles", required_argument, NULL, 'n'},
					   {"runs", required_argument, NULL, 'r'},
					   {NULL, 0, NULL, 0}};
	int c;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (c == 'd')
			o.db = optarg;
		else if (c == 'p')
			o.profile = optarg;
		else if (c == 'n')
			o.profiles = atoi(optarg);
		else if (c == 'r')
			o.runs = atoi(optarg);
		else
			usage();
	}
	if (!o.db || !o.profile || o.profiles < 1 || o.runs < 1)
		usage();
	return o;
}

static void die(const char *what, const struct tt_error *err)
{
	fprintf(stderr, "bench_scan: %s: %s\n", what, err->msg);
	exit(1);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static double time_db_load(struct tt_store *s, int runs, struct tt_triage_db **keep)
{
	double *t = calloc((size_t)runs, sizeof(*t));
	struct tt_error err = {0};
	for (int i = 0; i < runs; i++) {
		double t0 = tt_now_monotonic();
		struct tt_triage_db *db;
		if (tt_triage_db_load(s, &db, NULL, &err) < 0)
			die("loading the CVEs", &err);
		t[i] = tt_now_monotonic() - t0;
		if (i + 1 < runs)
			tt_triage_db_free(db);
		else
			*keep = db;
	}
	double m = median(t, runs);
	free(t);
	return m;
}

static double time_one_scan(const struct tt_triage_db *db, const struct tt_profile *p, int runs,
			    double *best, size_t counts[])
{
	double *t = calloc((size_t)runs, sizeof(*t));
	struct tt_error err = {0};
	for (int i = 0; i < runs; i++) {
		double t0 = tt_now_monotonic();
		struct tt_triage_result *r;
		if (tt_triage_scan(db, p, NULL, 0, &r, &err) < 0)
			die("scanning", &err);
		t[i] = tt_now_monotonic() - t0;
		tt_triage_result_counts(r, counts);
		tt_triage_result_free(r);
	}
	double m = median(t, runs);
	*best = t[0];
	free(t);
	return m;
}

/* Copies of the profile at other patch levels, stored so the timed loop reads them back. */
static void write_copies(struct tt_store *s, const char *name, int n)
{
	struct tt_error err = {0};
	struct tt_profile *p;
	if (tt_profile_load(s, name, &p, &err) < 0)
		die(name, &err);
	for (int i = 0; i < n; i++) {
		char copy[64], version[32];
		snprintf(copy, sizeof(copy), "bench-scan-%03d", i);
		snprintf(version, sizeof(version), "6.1.%d", 100 + i);
		tt_profile_set_name(p, copy);
		if (tt_profile_set_version(p, version, "bench", &err) < 0 ||
		    tt_profile_save(s, p, &err) < 0)
			die(copy, &err);
	}
	tt_profile_free(p);
}

static void remove_copies(struct tt_store *s, int n)
{
	struct tt_error err = {0};
	tt_store_begin(s, &err);
	for (int i = 0; i < n; i++) {
		char copy[64];
		snprintf(copy, sizeof(copy), "bench-scan-%03d", i);
		tt_store_profile_delete(s, copy, NULL);
	}
	tt_store_commit(s, &err);
}

static void time_many(struct tt_store *s, const struct tt_triage_db *db, int n, double *total,
		      double *scans)
{
	struct tt_error err = {0};
	*scans = 0;
	double t0 = tt_now_monotonic();
	for (int i = 0; i < n; i++) {
		char copy[64];
		snprintf(copy, sizeof(copy), "bench-scan-%03d", i);
		struct tt_profile *p;
		if (tt_profile_load(s, copy, &p, &err) < 0)
			die(copy, &err);
		double t1 = tt_now_monotonic();
		struct tt_triage_result *r;
		if (tt_triage_scan(db, p, NULL, 0, &r, &err) < 0)
			die("scanning", &err);
		*scans += tt_now_monotonic() - t1;
		tt_triage_result_free(r);
		tt_profile_free(p);
	}
	*total = tt_now_monotonic() - t0;
}

int main(int argc, char **argv)
{
	struct opts o = parse_args(argc, argv);
	struct tt_error err = {0};
	struct tt_store *s;
	if (tt_store_open(o.db, &s, &err) < 0)
		die(o.db, &err);
	struct tt_triage_db *db;
	double load = time_db_load(s, o.runs, &db);
	double t0 = tt_now_monotonic();
	struct tt_profile *p;
	if (tt_profile_load(s, o.profile, &p, &err) < 0)
		die(o.profile, &err);
	double pload = tt_now_monotonic() - t0;
	size_t counts[TT_VERDICT__COUNT];
	double best, one = time_one_scan(db, p, o.runs, &best, counts);
	write_copies(s, o.profile, o.profiles);
	double total, scans;
	time_many(s, db, o.profiles, &total, &scans);
	remove_copies(s, o.profiles);

	printf("CVEs in memory:           %zu\n", tt_triage_db_count(db));
	printf("load all CVEs:            %7.1f ms  (median of %d; target: well under 1 s)\n",
	       load * 1e3, o.runs);
	printf("load profile %-12s %7.1f ms  (%zu files)\n", o.profile, pload * 1e3,
	       tt_profile_file_count(p));
	printf("scan 1 profile:           %7.1f ms  (median of %d, first %.1f; target < 100 ms)\n",
	       one * 1e3, o.runs, best * 1e3);
	printf(
	    "  verdicts: %zu affected, %zu unknown, %zu fixed, %zu not-affected, %zu not-built\n",
	    counts[TT_VERDICT_AFFECTED], counts[TT_VERDICT_UNKNOWN], counts[TT_VERDICT_FIXED],
	    counts[TT_VERDICT_NOT_AFFECTED], counts[TT_VERDICT_NOT_BUILT]);
	printf("scan %d profiles:        %7.2f s   (each loaded from the store and scanned; "
	       "scans alone %.2f s; target < 5 s)\n",
	       o.profiles, total, scans);
	tt_profile_free(p);
	tt_triage_db_free(db);
	tt_store_close(s);
	return 0;
}

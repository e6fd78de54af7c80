// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Kbuild benchmark: predict the compiled set from a .config and a source
 * tree, and compare it with what a real build compiled (a sources list,
 * and optionally the build tree's .cmd files, which are read and timed too).
 *
 *   bench_kbuild --source DIR --config FILE --expected LIST [--build-tree DIR] [--runs N]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tuxtape/kernel.h"

struct opts {
	const char *source, *config, *expected, *build_tree;
	int runs;
};

struct score {
	size_t expected, expected_c, hit, hit_c, predicted, extra, unknown_hits;
};

static void usage(void)
{
	fprintf(stderr, "usage: bench_kbuild --source DIR --config FILE --expected LIST "
			"[--build-tree DIR] [--runs N]\n");
	exit(2);
}

static struct opts parse_args(int argc, char **argv)
{
	struct opts o = {.runs = 5};
	static const struct option lo[] = {{"source", required_argument, NULL, 's'},
					   {"config", required_argument, NULL, 'c'},
					   {"expected", required_argument, NULL, 'e'},
					   {"build-tree", required_argument, NULL, 'b'},
					   {"runs", required_argument, NULL, 'r'},
					   {NULL, 0, NULL, 0}};
	int c;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			o.source = optarg;
			break;
		case 'c':
			o.config = optarg;
			break;
		case 'e':
			o.expected = optarg;
			break;
		case 'b':
			o.build_tree = optarg;
			break;
		case 'r':
			o.runs = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (!o.source || !o.config || !o.expected || o.runs < 1)
		usage();
	return o;
}

static void die(const struct tt_error *err)
{
	fprintf(stderr, "bench_kbuild: %s\n", err->msg);
	exit(1);
}

static struct tt_strv load_list(const char *path)
{
	struct tt_error err = {0};
	char *text;
	if (tt_read_file(path, &text, NULL, &err) < 0)
		die(&err);
	struct tt_strv sv = TT_STRV_INIT;
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save))
		tt_strv_push(&sv, l);
	free(text);
	tt_strv_sort_unique(&sv);
	return sv;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool in_sorted(const struct tt_strv *sv, const char *s)
{
	return bsearch(&s, sv->v, sv->n, sizeof(char *), cmp_str) != NULL;
}

static bool is_c(const char *s)
{
	size_t n = strlen(s);
	return n > 2 && strcmp(s + n - 2, ".c") == 0;
}

static struct score score(const struct tt_kbuild_prediction *p, const struct tt_strv *want)
{
	struct score s = {.expected = want->n};
	for (size_t i = 0; i < want->n; i++) {
		enum tt_kbuild_kind k = tt_kbuild_prediction_lookup(p, want->v[i]);
		bool hit = k != TT_KBUILD_ABSENT && k != TT_KBUILD_UNKNOWN;
		s.unknown_hits += k == TT_KBUILD_UNKNOWN;
		s.hit += hit;
		s.expected_c += is_c(want->v[i]);
		s.hit_c += hit && is_c(want->v[i]);
	}
	struct tt_strv got = TT_STRV_INIT;
	for (size_t i = 0; i < tt_kbuild_prediction_count(p); i++)
		tt_strv_push(&got, tt_kbuild_prediction_file(p, i)->source);
	tt_strv_sort_unique(&got);
	s.predicted = got.n;
	for (size_t i = 0; i < got.n; i++)
		s.extra += !in_sorted(want, got.v[i]);
	tt_strv_free(&got);
	return s;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void bench_predict(const struct opts *o, const struct tt_strv *want)
{
	struct tt_error err = {0};
	struct tt_kconfig *cfg;
	if (tt_kconfig_load(o->config, &cfg, NULL, &err) < 0)
		die(&err);
	struct tt_kbuild_predict_opts po = {.source_root = o->source, .arch = "x86"};
	double *t = calloc((size_t)o->runs, sizeof(double));
	struct tt_kbuild_prediction *p = NULL;
	for (int i = 0; i < o->runs; i++) {
		tt_kbuild_prediction_free(p);
		double t0 = tt_now_monotonic();
		if (tt_kbuild_predict(&po, cfg, &p, NULL, &err) < 0)
			die(&err);
		t[i] = tt_now_monotonic() - t0;
	}
	double first = t[0]; /* includes reading the makefiles from a possibly cold cache */
	qsort(t, (size_t)o->runs, sizeof(double), cmp_double);
	struct score s = score(p, want);
	printf("prediction from .config + source tree (no build)\n");
	printf("  expected (real build)     %6zu files (%zu .c)\n", s.expected, s.expected_c);
	printf("  predicted                 %6zu files, %zu unknown regions, %zu dirs evaluated\n",
	       s.predicted, tt_kbuild_prediction_n_unknowns(p), tt_kbuild_prediction_n_dirs(p));
	printf("  recall                    %6.2f%% (.c %.2f%%; %zu missed, %zu of them unknown)"
	       "   target >= 99%%\n",
	       100.0 * (double)s.hit / (double)s.expected,
	       100.0 * (double)s.hit_c / (double)s.expected_c, s.expected - s.hit, s.unknown_hits);
	printf(
	    "  predicted, not compiled   %6.2f%% (%zu files)                      target < 1%%\n",
	    s.predicted ? 100.0 * (double)s.extra / (double)s.predicted : 0.0, s.extra);
	printf("  time                      %6.3f s median of %d runs, first %.3f s"
	       "     target < 2 s\n",
	       t[o->runs / 2], o->runs, first);
	free(t);
	tt_kbuild_prediction_free(p);
	tt_kconfig_free(cfg);
}

static void bench_tree(const struct opts *o, const struct tt_strv *want)
{
	struct tt_error err = {0};
	struct tt_kbuild_tree *t;
	double t0 = tt_now_monotonic();
	if (tt_kbuild_tree_read(o->build_tree, NULL, &t, NULL, &err) < 0)
		die(&err);
	double dt = tt_now_monotonic() - t0;
	const struct tt_strv *got = tt_kbuild_tree_sources(t);
	size_t missing = 0, extra = 0;
	for (size_t i = 0; i < want->n; i++)
		missing += tt_kbuild_tree_lookup(t, want->v[i]) == TT_KBUILD_ABSENT;
	for (size_t i = 0; i < got->n; i++)
		extra += !in_sorted(want, got->v[i]);
	printf("exact set from the build tree's .cmd files\n");
	printf("  sources                   %6zu files, %zu headers; %zu missing, %zu extra: %s\n",
	       got->n, tt_kbuild_tree_headers(t)->n, missing, extra,
	       missing || extra ? "DIFFERS" : "identical");
	printf("  time                      %6.3f s\n", dt);
	tt_kbuild_tree_free(t);
}

int main(int argc, char **argv)
{
	struct opts o = parse_args(argc, argv);
	struct tt_strv want = load_list(o.expected);
	bench_predict(&o, &want);
	if (o.build_tree)
		bench_tree(&o, &want);
	tt_strv_free(&want);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The priority policy and the score it gives each CVE that applies.
 *
 * A score is a plain sum of named terms, so `scan --explain` can show
 * exactly which facts moved a CVE up the list and a policy file can
 * re-weigh any of them. Defaults favour what is known to be exploited
 * (KEV, SSVC "active"), then reachability (network, no privileges, user
 * namespaces), then severity and likelihood (CVSS, EPSS).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "triage_internal.h"

enum pkey {
	K_KEV,
	K_KEV_RANSOMWARE,
	K_KEV_FIRST,
	K_SSVC_ACTIVE,
	K_SSVC_POC,
	K_SSVC_NONE,
	K_CVSS_WEIGHT,
	K_CVSS_UNSCORED,
	K_CVSS_ORDER,
	K_AV_NETWORK,
	K_AV_ADJACENT,
	K_PR_NONE,
	K_PR_LOW,
	K_USERNS,
	K_EPSS_WEIGHT,
	K_BUILD_BUILTIN,
	K_BUILD_MODULE,
	K_BUILD_HEADER,
	K_BUILD_UNCHECKED,
	K_BUILD_UNKNOWN,
	K_MODULE_NOT_LOADED,
	K_AGE_PER_YEAR,
	K_AGE_MAX,
	K_UNKNOWN_PENALTY,
	K__COUNT
};

enum ptype { T_NUM, T_BOOL, T_ORDER };

static const struct tt_policy_key keys[K__COUNT] = {
    [K_KEV] = {"kev", "100", "points when CISA KEV lists the CVE (known exploited)"},
    [K_KEV_RANSOMWARE] = {"kev.ransomware", "20",
			  "extra points when KEV says it is used in ransomware campaigns"},
    [K_KEV_FIRST] = {"kev.first", "yes",
		     "KEV-listed CVEs sort before all others of their verdict, whatever "
		     "their score (yes/no)"},
    [K_SSVC_ACTIVE] = {"ssvc.active", "60", "CISA SSVC Exploitation: active"},
    [K_SSVC_POC] = {"ssvc.poc", "30", "CISA SSVC Exploitation: public proof of concept"},
    [K_SSVC_NONE] = {"ssvc.none", "0", "CISA SSVC Exploitation: none"},
    [K_CVSS_WEIGHT] = {"cvss.weight", "5", "points per point of CVSS 3.1 base score"},
    [K_CVSS_UNSCORED] = {"cvss.unscored", "5.0",
			 "base score assumed when no source scored the CVE"},
    [K_CVSS_ORDER] = {"cvss.order", "cna,cisa-adp,nvd",
		      "whose CVSS counts: the first of these that scored it"},
    [K_AV_NETWORK] = {"av.network", "15", "CVSS vector AV:N (reachable over the network)"},
    [K_AV_ADJACENT] = {"av.adjacent", "5", "CVSS vector AV:A (adjacent network)"},
    [K_PR_NONE] = {"pr.none", "10", "CVSS vector PR:N (no privileges needed)"},
    [K_PR_LOW] = {"pr.low", "5", "CVSS vector PR:L (an ordinary user)"},
    [K_USERNS] = {"userns", "10",
		  "the CNA's CVSS rationale says user namespaces or unprivileged users "
		  "reach it"},
    [K_EPSS_WEIGHT] = {"epss.weight", "100", "points per unit of EPSS probability (0-1)"},
    [K_BUILD_BUILTIN] = {"build.builtin", "10", "the code is built into the kernel image"},
    [K_BUILD_MODULE] = {"build.module", "0", "the code is in a loadable module"},
    [K_BUILD_HEADER] = {"build.header", "5",
			"only headers changed, and compiled code includes them"},
    [K_BUILD_UNCHECKED] = {"build.unchecked", "5",
			   "the profile has no compiled-file set to check against"},
    [K_BUILD_UNKNOWN] = {"build.unknown", "0", "whether the code is built is unknown"},
    [K_MODULE_NOT_LOADED] = {"module.not_loaded", "-20",
			     "on a --running profile: the module is built but not loaded"},
    [K_AGE_PER_YEAR] = {"age.per_year", "2",
			"points per year since first published (longer public, more time "
			"to write exploits); negative prefers fresh CVEs"},
    [K_AGE_MAX] = {"age.max", "10", "cap on the age term's size"},
    [K_UNKNOWN_PENALTY] = {"unknown.penalty", "-25",
			   "added for verdict unknown, so confirmed CVEs rank above"},
};

/* How each key's value is written. */
static const enum ptype key_types[K__COUNT] = {
    [K_KEV_FIRST] = T_BOOL,
    [K_CVSS_ORDER] = T_ORDER,
};

#define N_ORIGINS 3
static const char *const origin_names[N_ORIGINS] = {"cna", "cisa-adp", "nvd"};

struct tt_policy {
	double v[K__COUNT];
	bool kev_first;
	int order[N_ORIGINS];
	int n_order;
};

const struct tt_policy_key *tt_policy_keys(size_t *n)
{
	*n = K__COUNT;
	return keys;
}

static int find_key(const char *key)
{
	for (int i = 0; i < K__COUNT; i++)
		if (strcmp(keys[i].key, key) == 0)
			return i;
	return -1;
}

static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};
	for (int i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_order(const char *s, struct tt_policy *pol)
{
	int n = 0;
	bool seen[N_ORIGINS] = {false};
	while (*s) {
		size_t len = strcspn(s, ",");
		while (len && s[len - 1] == ' ')
			len--;
		int o = -1;
		for (int i = 0; i < N_ORIGINS; i++)
			if (strlen(origin_names[i]) == len && strncmp(s, origin_names[i], len) == 0)
				o = i;
		if (len == 3 && strncmp(s, "adp", 3) == 0)
			o = 1;
		if (o < 0 || seen[o])
			return -EINVAL;
		seen[o] = true;
		pol->order[n++] = o;
		s += strcspn(s, ",");
		while (*s == ',' || *s == ' ')
			s++;
	}
	if (!n)
		return -EINVAL;
	pol->n_order = n;
	return 0;
}

static int set_value(struct tt_policy *pol, int k, const char *value)
{
	switch (key_types[k]) {
	case T_BOOL:
		return parse_bool(value, &pol->kev_first);
	case T_ORDER:
		return parse_order(value, pol);
	default: {
		char *end;
		double d = strtod(value, &end);
		if (end == value || *end || !isfinite(d) || fabs(d) > 1e6)
			return -EINVAL;
		pol->v[k] = d;
		return 0;
	}
	}
}

static const char *type_hint(int k)
{
	switch (key_types[k]) {
	case T_BOOL:
		return "yes or no";
	case T_ORDER:
		return "a list of cna, cisa-adp, nvd";
	default:
		return "a number";
	}
}

int tt_policy_set(struct tt_policy *pol, const char *key, const char *value, struct tt_error *err)
{
	int k = find_key(key);
	if (k < 0)
		return tt_error_set(err, -EINVAL,
				    "unknown policy key '%s' (`tuxtape scan --help` lists them)",
				    key);
	if (set_value(pol, k, value) < 0)
		return tt_error_set(err, -EINVAL, "%s = '%s': expected %s", key, value,
				    type_hint(k));
	return 0;
}

struct tt_policy *tt_policy_new(void)
{
	struct tt_policy *pol = tt_xcalloc(1, sizeof(*pol));
	for (int i = 0; i < K__COUNT; i++)
		set_value(pol, i, keys[i].default_value);
	return pol;
}

void tt_policy_free(struct tt_policy *pol)
{
	free(pol);
}

double tt_policy_get(const struct tt_policy *pol, const char *key)
{
	int k = find_key(key);
	if (k < 0 || key_types[k] == T_ORDER)
		return NAN;
	if (key_types[k] == T_BOOL)
		return pol->kev_first ? 1 : 0;
	return pol->v[k];
}

bool tri_policy_kev_first(const struct tt_policy *pol)
{
	return pol->kev_first;
}

void tt_policy_format(const struct tt_policy *pol, struct tt_buf *out)
{
	for (int k = 0; k < K__COUNT; k++) {
		tt_buf_addf(out, "%s = ", keys[k].key);
		if (key_types[k] == T_BOOL) {
			tt_buf_adds(out, pol->kev_first ? "yes" : "no");
		} else if (key_types[k] == T_ORDER) {
			for (int i = 0; i < pol->n_order; i++)
				tt_buf_addf(out, "%s%s", i ? "," : "", origin_names[pol->order[i]]);
		} else {
			tt_buf_addf(out, "%g", pol->v[k]);
		}
		tt_buf_addc(out, '\n');
	}
}

/* ---------------- the policy file ---------------- */

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

static int parse_line(struct tt_policy *pol, char *line, const char *file, int lineno,
		      struct tt_error *err)
{
	line[strcspn(line, "#;")] = '\0';
	char *l = trim(line);
	if (!*l)
		return 0;
	if (*l == '[') {
		if (strcmp(l, "[priority]") == 0)
			return 0;
		return tt_error_set(err, -EINVAL, "%s:%d: unknown section %s (only [priority])",
				    file, lineno, l);
	}
	char *eq = strchr(l, '=');
	if (!eq)
		return tt_error_set(err, -EINVAL, "%s:%d: expected 'key = value'", file, lineno);
	*eq = '\0';
	int r = tt_policy_set(pol, trim(l), trim(eq + 1), err);
	return r < 0 ? tt_error_prefix(err, "%s:%d: ", file, lineno) : 0;
}

int tt_policy_parse(struct tt_policy *pol, const char *text, size_t len, const char *file,
		    struct tt_error *err)
{
	struct tt_policy work = *pol;
	file = file ? file : "(policy)";
	int lineno = 0, r = 0;
	for (size_t pos = 0; pos < len && r == 0;) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		char *line = tt_xstrndup(text + pos, n);
		lineno++;
		if (strlen(line) != n)
			r = tt_error_set(err, -EINVAL, "%s:%d: NUL byte in a policy line", file,
					 lineno);
		else
			r = parse_line(&work, line, file, lineno, err);
		free(line);
		pos += n + 1;
	}
	if (r == 0)
		*pol = work;
	return r;
}

int tt_policy_load(struct tt_policy *pol, const char *path, struct tt_error *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = tt_read_file(path, &text, &len, err);
	if (r < 0)
		return tt_error_prefix(err, "policy file: ");
	return tt_policy_parse(pol, text, len, path, err);
}

/* ---------------- scoring ---------------- */

/* The item being scored and where its terms go. */
struct scoring {
	struct tt_triage_item *it;
	struct tt_triage_term *terms;
};

static void add_term(struct scoring *sc, int k, double points, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void add_term(struct scoring *sc, int k, double points, const char *fmt, ...)
{
	struct tt_triage_item *it = sc->it;
	if (points == 0 || it->n_terms == TRI_MAX_TERMS)
		return;
	struct tt_triage_term *t = &sc->terms[it->n_terms++];
	t->key = keys[k].key;
	t->points = points;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(t->detail, sizeof(t->detail), fmt, ap);
	va_end(ap);
	it->priority += points;
}

static void effective_cvss(const struct tt_policy *pol, const struct tri_cve *c,
			   struct tt_triage_item *it)
{
	it->cvss = -1;
	for (int i = 0; i < pol->n_order; i++) {
		int o = pol->order[i];
		if (c->vector[o] && c->score[o] >= 0) {
			it->cvss = c->score[o];
			it->cvss_vector = c->vector[o];
			it->cvss_origin = origin_names[o];
			return;
		}
	}
}

static void vector_terms(const struct tt_policy *pol, const struct tri_cve *c, struct scoring *sc)
{
	const char *v = sc->it->cvss_vector;
	if (!v)
		return;
	if (strstr(v, "/AV:N"))
		add_term(sc, K_AV_NETWORK, pol->v[K_AV_NETWORK],
			 "AV:N: reachable over the network");
	else if (strstr(v, "/AV:A"))
		add_term(sc, K_AV_ADJACENT, pol->v[K_AV_ADJACENT], "AV:A: adjacent network");
	if (strstr(v, "/PR:N"))
		add_term(sc, K_PR_NONE, pol->v[K_PR_NONE], "PR:N: no privileges needed");
	else if (strstr(v, "/PR:L"))
		add_term(sc, K_PR_LOW, pol->v[K_PR_LOW], "PR:L: an ordinary user");
	(void)c;
}

static void exploit_terms(const struct tt_policy *pol, const struct tri_cve *c, struct scoring *sc)
{
	if (c->kev)
		add_term(sc, K_KEV, pol->v[K_KEV], "listed in CISA KEV (known exploited)");
	if (c->kev_ransomware)
		add_term(sc, K_KEV_RANSOMWARE, pol->v[K_KEV_RANSOMWARE],
			 "KEV: known ransomware use");
	const char *x = c->exploitation;
	if (x && strcmp(x, "active") == 0)
		add_term(sc, K_SSVC_ACTIVE, pol->v[K_SSVC_ACTIVE], "SSVC Exploitation: active");
	else if (x && strcmp(x, "poc") == 0)
		add_term(sc, K_SSVC_POC, pol->v[K_SSVC_POC], "SSVC Exploitation: poc");
	else if (x && strcmp(x, "none") == 0)
		add_term(sc, K_SSVC_NONE, pol->v[K_SSVC_NONE], "SSVC Exploitation: none");
	if (c->epss >= 0)
		add_term(sc, K_EPSS_WEIGHT, c->epss * pol->v[K_EPSS_WEIGHT], "EPSS %.5f x %g",
			 c->epss, pol->v[K_EPSS_WEIGHT]);
}

static void build_terms(const struct tt_policy *pol, const struct tri_score_input *in,
			struct scoring *sc)
{
	static const struct {
		int key;
		const char *what;
	} by_build[] = {
	    [TT_BUILD_BUILTIN] = {K_BUILD_BUILTIN, "built into the kernel image"},
	    [TT_BUILD_MODULE] = {K_BUILD_MODULE, "built as a module"},
	    [TT_BUILD_HEADER] = {K_BUILD_HEADER, "headers included by compiled code"},
	    [TT_BUILD_UNCHECKED] = {K_BUILD_UNCHECKED, "compiled files not checked"},
	    [TT_BUILD_UNKNOWN] = {K_BUILD_UNKNOWN, "whether it is built is unknown"},
	};
	if (in->build <= TT_BUILD_UNKNOWN) {
		int k = by_build[in->build].key;
		add_term(sc, k, pol->v[k], "%s", by_build[in->build].what);
	}
	if (in->build == TT_BUILD_MODULE && in->running && in->modules_known && !in->module_loaded)
		add_term(sc, K_MODULE_NOT_LOADED, pol->v[K_MODULE_NOT_LOADED],
			 "module not loaded on this host");
}

static void age_term(const struct tt_policy *pol, const struct tri_score_input *in,
		     struct scoring *sc)
{
	if (!in->cve->published || in->now <= in->cve->published)
		return;
	double years = (double)(in->now - in->cve->published) / (365.25 * 86400);
	double pts = years * pol->v[K_AGE_PER_YEAR], cap = fabs(pol->v[K_AGE_MAX]);
	pts = pts > cap ? cap : pts < -cap ? -cap : pts;
	add_term(sc, K_AGE_PER_YEAR, pts, "first published %.1f years ago", years);
}

void tri_priority_score(const struct tt_policy *pol, const struct tri_score_input *in,
			struct tt_triage_item *it, struct tt_triage_term *terms)
{
	const struct tri_cve *c = in->cve;
	struct scoring s = {it, terms}, *sc = &s;
	effective_cvss(pol, c, it);
	it->priority = 0;
	it->n_terms = 0;
	if (in->verdict != TT_VERDICT_AFFECTED && in->verdict != TT_VERDICT_UNKNOWN)
		return;
	exploit_terms(pol, c, sc);
	if (it->cvss >= 0)
		add_term(sc, K_CVSS_WEIGHT, it->cvss * pol->v[K_CVSS_WEIGHT], "CVSS %.1f (%s) x %g",
			 it->cvss, it->cvss_origin, pol->v[K_CVSS_WEIGHT]);
	else
		add_term(sc, K_CVSS_UNSCORED, pol->v[K_CVSS_UNSCORED] * pol->v[K_CVSS_WEIGHT],
			 "no CVSS score: %g assumed x %g", pol->v[K_CVSS_UNSCORED],
			 pol->v[K_CVSS_WEIGHT]);
	vector_terms(pol, c, sc);
	if (c->rationale_userns)
		add_term(sc, K_USERNS, pol->v[K_USERNS],
			 "CNA rationale: reachable through user namespaces / unprivileged users");
	build_terms(pol, in, sc);
	age_term(pol, in, sc);
	if (in->verdict == TT_VERDICT_UNKNOWN)
		add_term(sc, K_UNKNOWN_PENALTY, pol->v[K_UNKNOWN_PENALTY], "verdict unknown");
}

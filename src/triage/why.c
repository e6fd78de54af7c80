// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Why a file is not compiled, in terms a reviewer can check against the
 * .config: the CONFIG_ symbol of the Kbuild rule that would have built it.
 *
 * This is a reading of the makefiles, not an evaluation (the predictor in
 * src/kernel does that): find the assignment whose right-hand side names
 * the object, follow composite objects (nf_tables-objs += foo.o) to the
 * obj-$(CONFIG_X) line that links them, then the directory's own line in
 * its parent (obj-$(CONFIG_NETFILTER) += netfilter/), up to the top. The
 * first symbol on that chain the config leaves unset is the answer.
 */
#include <ctype.h>
#include <string.h>

#include "triage_internal.h"

#define WHY_MAX_STEPS 16

struct rule {
	char *lhs;	      /* "obj-$(CONFIG_NF_TABLES)", "nf_tables-objs" */
	struct tt_strv conds; /* symbols of the enclosing ifdef / ifeq blocks */
};

struct why_ctx {
	const char *root;
	const struct tt_kconfig *cfg;
};

static char *read_kbuild(const char *root, const char *dir)
{
	/* The top level lists its directories in the Makefile (core-y, drivers-y). */
	if (!*dir) {
		_cleanup_free_ char *path = tt_xasprintf("%s/Makefile", root);
		char *text;
		return tt_read_file(path, &text, NULL, NULL) == 0 ? text : NULL;
	}
	static const char *const names[] = {"Kbuild", "Makefile"};
	for (int i = 0; i < 2; i++) {
		_cleanup_free_ char *path = tt_xasprintf("%s/%s/%s", root, dir, names[i]);
		char *text;
		if (tt_read_file(path, &text, NULL, NULL) == 0)
			return text;
	}
	return NULL;
}

/* Next logical line: backslash-newline continuations joined, comments cut. */
static bool next_line(const char **pos, struct tt_buf *line)
{
	const char *p = *pos;
	if (!*p)
		return false;
	tt_buf_reset(line);
	for (;;) {
		size_t n = strcspn(p, "\n");
		bool cont = n > 0 && p[n - 1] == '\\';
		tt_buf_add(line, p, cont ? n - 1 : n);
		p += n + (p[n] == '\n');
		if (!cont || !*p)
			break;
		tt_buf_addc(line, ' ');
	}
	*pos = p;
	char *hash = strchr(line->buf ? line->buf : "", '#');
	if (hash) {
		*hash = '\0';
		line->len = (size_t)(hash - line->buf);
	}
	return true;
}

/* The CONFIG_ symbol in "$(CONFIG_X)" / "${CONFIG_X}" / "CONFIG_X"; NULL when none. */
static char *symbol_in(const char *s)
{
	const char *c = strstr(s, "CONFIG_");
	if (!c)
		return NULL;
	size_t n = 7;
	while (isalnum((unsigned char)c[n]) || c[n] == '_')
		n++;
	return tt_xstrndup(c, n);
}

/* Track ifdef/ifeq nesting; only positive tests name a symbol the rule needs set. */
static bool conditional(const char *line, struct tt_strv *conds)
{
	while (isspace((unsigned char)*line))
		line++;
	if (strncmp(line, "ifdef", 5) == 0 || strncmp(line, "ifeq", 4) == 0 ||
	    strncmp(line, "ifneq", 5) == 0 || strncmp(line, "ifndef", 6) == 0) {
		bool positive = strncmp(line, "ifdef", 5) == 0 ||
				(strncmp(line, "ifeq", 4) == 0 && strstr(line, ",y)")) ||
				(strncmp(line, "ifneq", 5) == 0 && strstr(line, ",)"));
		char *sym = positive ? symbol_in(line) : NULL;
		tt_strv_push_owned(conds, sym ? sym : tt_xstrdup(""));
		return true;
	}
	if (strncmp(line, "else", 4) == 0 && conds->n) {
		/* The else branch needs the opposite: no symbol to require. */
		free(conds->v[conds->n - 1]);
		conds->v[conds->n - 1] = tt_xstrdup("");
		return true;
	}
	if (strncmp(line, "endif", 5) == 0 && conds->n) {
		free(conds->v[--conds->n]);
		return true;
	}
	return false;
}

static bool rhs_names(const char *rhs, const char *token)
{
	size_t tl = strlen(token);
	for (const char *w = rhs; (w = strstr(w, token)); w += tl) {
		bool start = w == rhs || isspace((unsigned char)w[-1]) || w[-1] == '/';
		bool end = !w[tl] || isspace((unsigned char)w[tl]);
		if (start && end)
			return true;
	}
	return false;
}

/* Variables that name objects without building them (flags, exports, clean lists). */
static bool not_an_object_list(const char *lhs)
{
	static const char *const prefixes[] = {
	    "export-", "ccflags-",	"asflags-",  "ldflags-", "subdir-",	  "targets",
	    "clean-",  "hostprogs",	"userprogs", "always-",	 "extra-",	  "CFLAGS_",
	    "AFLAGS_", "OBJECT_FILES_", "KASAN_",    "UBSAN_",	 "GCOV_",	  "KCOV_",
	    "KCSAN_",  "KMSAN_",	"obj-n",     "nostackp", "CFLAGS_REMOVE_"};
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(lhs, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

/* Every assignment in dir's makefile whose right-hand side names token. */
static void find_rules(const char *text, const char *token, struct rule **out, size_t *n)
{
	struct tt_buf line = TT_BUF_INIT;
	struct tt_strv conds = TT_STRV_INIT;
	const char *pos = text;
	while (next_line(&pos, &line)) {
		const char *l = tt_buf_str(&line);
		if (conditional(l, &conds))
			continue;
		const char *eq = strchr(l, '=');
		if (!eq || eq == l)
			continue;
		const char *op = eq;
		while (op > l && strchr("+:?", op[-1]))
			op--;
		if (!rhs_names(eq + 1, token))
			continue;
		const char *lhs = l;
		while (isspace((unsigned char)*lhs))
			lhs++;
		size_t ll = (size_t)(op - lhs);
		while (ll && isspace((unsigned char)lhs[ll - 1]))
			ll--;
		if (not_an_object_list(lhs))
			continue;
		*out = tt_xrealloc(*out, (*n + 1) * sizeof(**out));
		struct rule *r = &(*out)[(*n)++];
		r->lhs = tt_xstrndup(lhs, ll);
		r->conds = (struct tt_strv)TT_STRV_INIT;
		for (size_t i = 0; i < conds.n; i++)
			if (conds.v[i][0])
				tt_strv_push(&r->conds, conds.v[i]);
	}
	tt_buf_free(&line);
	tt_strv_free(&conds);
}

static void rules_free(struct rule *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(r[i].lhs);
		tt_strv_free(&r[i].conds);
	}
	free(r);
}

static bool sym_set(const struct why_ctx *w, const char *sym)
{
	enum tt_kconfig_state s = tt_kconfig_state(w->cfg, sym);
	return s == TT_KCONFIG_Y || s == TT_KCONFIG_M || s == TT_KCONFIG_VALUE;
}

/* The first unset symbol a rule needs, or NULL when the rule is satisfied. */
static const char *rule_unset(const struct why_ctx *w, const struct rule *r, char **lhs_sym)
{
	*lhs_sym = symbol_in(r->lhs);
	if (*lhs_sym && !sym_set(w, *lhs_sym))
		return *lhs_sym;
	for (size_t i = 0; i < r->conds.n; i++)
		if (!sym_set(w, r->conds.v[i]))
			return r->conds.v[i];
	return NULL;
}

/*
 * "nf_tables-objs" or "nf_tables-$(CONFIG_X)" or "nf_tables-y": the
 * composite object the rule adds to, as "nf_tables.o". NULL for obj-/lib-
 * lists, which link into the directory itself.
 */
static char *composite_of(const char *lhs)
{
	const char *dash = strrchr(lhs, '-');
	if (!dash || dash == lhs)
		return NULL;
	size_t n = (size_t)(dash - lhs);
	static const char *const lists[] = {"obj", "lib",  "core", "drivers", "libs",
					    "net", "virt", "head", "always",  "extra"};
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		if (strlen(lists[i]) == n && strncmp(lhs, lists[i], n) == 0)
			return NULL;
	/* "foo-objs", "foo-y", "foo-$(CONFIG_X)" */
	if (strchr(lhs, '$') && dash > strchr(lhs, '$'))
		return NULL;
	return tt_xasprintf("%.*s.o", (int)n, lhs);
}

/*
 * One step: the rules naming token in dir. Returns the unset symbol when
 * every rule needs one (caller frees), else NULL with *next set to the
 * token to follow in the same directory (a composite), or NULL to go up.
 */
static char *step(const struct why_ctx *w, const char *text, const char *token, char **next,
		  char **alt, bool *found)
{
	struct rule *rules = NULL;
	size_t n = 0;
	find_rules(text, token, &rules, &n);
	*next = *alt = NULL;
	*found = n > 0;
	char *unset = NULL;
	bool satisfied = false;
	for (size_t i = 0; i < n && !satisfied; i++) {
		char *lhs_sym;
		const char *u = rule_unset(w, &rules[i], &lhs_sym);
		if (!u) {
			satisfied = true;
			*next = composite_of(rules[i].lhs);
			/* "common-objs := enetc.o" may be a plain variable used as $(common-objs).
			 */
			if (*next)
				*alt = tt_xasprintf("$(%s)", rules[i].lhs);
		} else if (!unset) {
			unset = tt_xstrdup(u);
		}
		free(lhs_sym);
	}
	rules_free(rules, n);
	if (satisfied) {
		free(unset);
		return NULL;
	}
	return unset;
}

static char *parent_dir(const char *dir, char **base)
{
	const char *slash = strrchr(dir, '/');
	*base = tt_xasprintf("%s/", slash ? slash + 1 : dir);
	return slash ? tt_xstrndup(dir, (size_t)(slash - dir)) : tt_xstrdup("");
}

/*
 * Some makefiles list objects of their subdirectories themselves
 * (msm-y += disp/dpu1/dpu_encoder.o): when the file's own directory has
 * no rule for it, look up to three levels higher for its relative path.
 */
static void climb_to_rule(const char *root, char **dir, char **token)
{
	char *text = read_kbuild(root, *dir);
	bool here = text && rhs_names(text, *token);
	free(text);
	if (here)
		return;
	char *d = tt_xstrdup(*dir), *rel = tt_xstrdup(*token);
	for (int up = 0; up < 3; up++) {
		char *slash = strrchr(d, '/');
		if (!slash)
			break;
		*slash = '\0';
		char *longer = tt_xasprintf("%s/%s", slash + 1, rel);
		free(rel);
		rel = longer;
		text = read_kbuild(root, d);
		bool found = text && rhs_names(text, rel);
		free(text);
		if (found) {
			free(*dir);
			free(*token);
			*dir = d;
			*token = rel;
			return;
		}
	}
	free(d);
	free(rel);
}

enum tri_why tri_why(const char *source_root, const struct tt_kconfig *cfg, const char *path,
		     char **note)
{
	*note = NULL;
	if (!source_root || !cfg || !path)
		return TRI_WHY_NO_RULE;
	struct why_ctx w = {source_root, cfg};
	const char *slash = strrchr(path, '/');
	char *dir = slash ? tt_xstrndup(path, (size_t)(slash - path)) : tt_xstrdup("");
	const char *base = slash ? slash + 1 : path;
	char *token = tt_xasprintf("%.*s.o", (int)strcspn(base, "."), base);
	char *answer = NULL;
	enum tri_why result = TRI_WHY_SATISFIED;
	char *alt = NULL;
	climb_to_rule(source_root, &dir, &token);
	for (int i = 0; i < WHY_MAX_STEPS; i++) {
		char *text = read_kbuild(source_root, dir);
		char *next = NULL, *next_alt = NULL;
		bool found = false;
		if (text)
			answer = step(&w, text, token, &next, &next_alt, &found);
		if (text && !found && !answer && alt)
			answer = step(&w, text, alt, &next, &next_alt, &found);
		free(text);
		free(alt);
		alt = next_alt;
		if (answer)
			result = TRI_WHY_UNSET;
		else if (!found)
			/*
			 * Nothing names the object itself: built by a special rule or
			 * #included. Higher up, the chain is lost (arch makefiles add
			 * some directories): nothing to say either way.
			 */
			result = i == 0 ? TRI_WHY_NO_RULE : TRI_WHY_UNDETERMINED;
		if (answer || !found) {
			free(next);
			break;
		}
		free(token);
		token = NULL;
		if (next) {
			token = next; /* a composite object: find what links it */
			continue;
		}
		if (!*dir)
			break;
		char *parent = parent_dir(dir, &token);
		free(dir);
		dir = parent;
	}
	free(dir);
	free(token);
	free(alt);
	if (answer) {
		*note = tt_xasprintf("%s is not set", answer);
		free(answer);
	}
	return result;
}

char *tt_profile_why_not_built(const char *source_root, const struct tt_kconfig *cfg,
			       const char *path)
{
	char *note;
	tri_why(source_root, cfg, path, &note);
	return note;
}

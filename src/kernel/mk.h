/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A GNU make subset, enough to evaluate Kbuild makefiles for their object
 * lists: variables (=, :=, ::=, +=, ?=, define), conditionals, include,
 * export, $(eval) and the text functions. Rules and recipes are skipped.
 *
 * Anything that needs the compiler or the shell ($(shell), $(call cc-option),
 * $(CC)) cannot be evaluated: values that depend on it are marked unknown
 * and carry a reason, and a conditional on such a value taints every
 * variable assigned inside it. Unknown is never silently turned into empty.
 */
#ifndef TT_KERNEL_MK_H
#define TT_KERNEL_MK_H

#include <stdbool.h>
#include <stddef.h>

#include "tuxtape/kernel.h"
#include "strmap.h"

struct mk_var {
	char *value;
	char *why; /* why the value is unknown; NULL when it is fully known */
	bool recursive;
	bool unknown;
	bool exported;
};

/* Problems that cannot be pinned on one variable (an include not found, an unnamed target). */
typedef void (*mk_unknown_fn)(void *ctx, const char *file, int line, const char *reason);

struct mk {
	struct tt_strmap vars;	     /* name -> struct mk_var *, this make process */
	const struct tt_strmap *env; /* exported by the parent make; read only, may be NULL */
	const struct tt_kconfig *cfg;
	const char *srcroot; /* where relative paths resolve; NULL: no file access */
	/*
	 * Kbuild reads include/config/auto.conf, which recent kernels (6.1
	 * included) write with string values stripped of their quotes.
	 */
	bool cfg_unquoted;
	/* Rules for objects ("dir/lib-%.o" <- "/src/lib/%.c"): what sourceless objects come from.
	 */
	struct tt_strv rule_targets, rule_prereqs;
	const struct tt_diag_sink *diag;
	mk_unknown_fn on_unknown;
	void *unknown_ctx;
	/* where we are */
	const char *file;
	int line;
	/* expansion state */
	int depth;	   /* nested references and recursive-variable expansions */
	int n_active;	   /* recursive variables being expanded, innermost last */
	char *active[100]; /* ... by name: make rejects a variable that references itself */
	int eval_depth;	   /* nested include / $(eval) */
	size_t budget;	   /* bytes of expansion output left: stops runaway foreach/call */
	size_t steps;	   /* function calls and loop iterations left, for the same reason */
	char *why;	   /* reason for the most recent unknown result */
	const char *taint; /* non-NULL: assignments now happen under an unknown condition */
};

void mk_init(struct mk *m, const struct tt_strmap *env, const struct tt_kconfig *cfg,
	     const char *srcroot);
void mk_free(struct mk *m);

/* Define a known variable directly (the predefined Kbuild environment). */
void mk_set(struct mk *m, const char *name, const char *value, bool recursive);
struct mk_var *mk_local(struct mk *m, const char *name, size_t len);

/*
 * Expand text (or the value of a variable) into out. Returns true when
 * the result is incomplete; m->why then says why.
 */
bool mk_expand(struct mk *m, const char *s, size_t n, struct tt_buf *out);
bool mk_expand_var(struct mk *m, const char *name, struct tt_buf *out);
/* The body of a $(call): like mk_expand_var, but the function may call itself. */
bool mk_expand_call(struct mk *m, const char *name, struct tt_buf *out);

/* Append what $(CONFIG_X) expands to; false when make sees it undefined. */
bool mk_config_value(const struct mk *m, const char *name, size_t len, struct tt_buf *out);

/* Record an unknown: sets m->why with the current position and returns true. */
bool mk_unknown(struct mk *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Charge one step; false (and m->why set) once the evaluation has run too long. */
bool mk_step(struct mk *m);

/* Evaluate makefile text. Never fails: what cannot be evaluated is marked unknown. */
void mk_eval(struct mk *m, const char *text, size_t len, const char *file);

/* Copy the exported variables, expanded, into env (name -> struct mk_var *). */
void mk_export_into(struct mk *m, struct tt_strmap *env);
void mk_var_free(void *v);
struct mk_var *mk_var_new(const char *value, bool recursive);

/* ---- helpers shared by the expander and the functions ---- */

/* Matching close for the opener at s[open] ('(' or '{'); n when unterminated. */
size_t mk_find_close(const char *s, size_t n, size_t open);
/* Next whitespace-separated word of s[*pos..n); false at the end. */
bool mk_next_word(const char *s, size_t n, size_t *pos, const char **w, size_t *wl);
/* Match word against a pattern with at most one '%'; the stem goes to stem/sl. */
bool mk_pattern_match(const char *pat, size_t pl, const char *w, size_t wl, const char **stem,
		      size_t *sl);
/* Append rep with its first '%' replaced by stem. */
void mk_pattern_subst(struct tt_buf *out, const char *rep, size_t rl, const char *stem, size_t sl);

/* $(name args) when name is a make function; *handled false means it is a variable. */
bool mk_call_function(struct mk *m, const char *s, size_t n, struct tt_buf *out, bool *handled);

#endif

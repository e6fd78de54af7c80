// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reading the serial console of a test boot: the TUXTAPE: markers /init
 * prints (initramfs.c) and the kernel log lines, both from the console and
 * from the dmesg dump, deduplicated, then a verdict with its reasons.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tuxtape/build.h"

const char *tt_boot_issue_kind_name(enum tt_boot_issue_kind k)
{
	switch (k) {
	case TT_BOOT_WARNING:
		return "warning";
	case TT_BOOT_BUG:
		return "bug";
	case TT_BOOT_OOPS:
		return "oops";
	case TT_BOOT_PANIC:
		return "panic";
	case TT_BOOT_STALL:
		return "stall";
	case TT_BOOT_LIVEPATCH:
		return "livepatch";
	}
	return "unknown";
}

/*
 * A kernel log line starts (after any terminal escape junk) with "[ secs.usecs]".
 * Returns where the '[' is, or NULL: requiring the timestamp keeps a check
 * script that prints "WARNING:" from being taken for the kernel.
 */
static const char *console_klog_start(const char *line)
{
	const char *b = strchr(line, '[');
	for (; b; b = strchr(b + 1, '[')) {
		const char *p = b + 1;
		while (*p == ' ')
			p++;
		size_t digits = strspn(p, "0123456789");
		if (digits && p[digits] == '.' && strspn(p + digits + 1, "0123456789") >= 6 &&
		    p[digits + 1 + strspn(p + digits + 1, "0123456789")] == ']')
			return b;
	}
	return NULL;
}

static const char *console_klog_msg(const char *kline)
{
	const char *m = strchr(kline, ']');
	m = m ? m + 1 : kline;
	while (*m == ' ')
		m++;
	return m;
}

static struct tt_boot_module *console_module(struct tt_boot_result *r, const char *name)
{
	for (size_t i = 0; i < r->n_mods; i++)
		if (strcmp(r->mods[i].name, name) == 0)
			return &r->mods[i];
	r->mods = tt_xrealloc(r->mods, (r->n_mods + 1) * sizeof(*r->mods));
	struct tt_boot_module *m = &r->mods[r->n_mods++];
	*m = (struct tt_boot_module){.name = tt_xstrdup(name),
				     .load_rc = -1,
				     .enabled = -1,
				     .transition = -1,
				     .unpatch_transition = -1,
				     .rmmod_rc = -1};
	return m;
}

static void console_append(char **text, const char *line)
{
	char *old = *text;
	*text = old ? tt_xasprintf("%s\n%s", old, line) : tt_xstrdup(line);
	free(old);
}

/* "0" and "gone" (the patch was freed) both mean the transition finished. */
static int console_transition(const char *v)
{
	if (strcmp(v, "0") == 0 || strcmp(v, "gone") == 0)
		return 0;
	return strcmp(v, "1") == 0 ? 1 : -1;
}

/* One "TUXTAPE:WORD NAME VALUE" marker (text is what follows "TUXTAPE:"). */
static void console_marker(struct tt_boot_result *r, const char *text, bool *in_check)
{
	char word[32] = "", name[128] = "", rest[1024] = "";
	int n = sscanf(text, "%31s %127s %1023[^\r\n]", word, name, rest);
	if (strcmp(word, "BEGIN") == 0)
		r->reached_init = true;
	else if (strcmp(word, "END") == 0)
		r->finished = true;
	else if (strcmp(word, "CHECK-BEGIN") == 0)
		*in_check = strcmp(name, "patched") == 0;
	else if (strcmp(word, "CHECK") == 0 && n == 3) {
		*in_check = false;
		if (strcmp(name, "patched") == 0)
			r->check_rc = atoi(rest);
		else
			r->check_unpatched_rc = atoi(rest);
	} else if (n >= 3 && strcmp(word, "LOADED") == 0)
		console_module(r, name)->load_rc = atoi(rest);
	else if (n >= 3 && strcmp(word, "LATE-LOADED") == 0) {
		struct tt_boot_module *m = console_module(r, name);
		m->preload = m->late = true;
		m->load_rc = atoi(rest);
	} else if (n >= 3 && strcmp(word, "OBJECT") == 0) {
		char obj[128] = "";
		int patched = 0;
		if (sscanf(rest, "%127s %d", obj, &patched) == 2) {
			struct tt_boot_module *m = console_module(r, name);
			m->objects =
			    tt_xrealloc(m->objects, (m->n_objects + 1) * sizeof(*m->objects));
			m->objects[m->n_objects++] =
			    (struct tt_boot_object){tt_xstrdup(obj), patched == 1};
		}
	} else if (n >= 3 && strcmp(word, "PRELOADED") == 0) {
		struct tt_boot_module *m = console_module(r, name);
		m->preload = true;
		m->load_rc = atoi(rest);
	} else if (n >= 3 && strcmp(word, "INSMOD") == 0)
		console_append(&console_module(r, name)->load_output, rest);
	else if (n >= 3 && strcmp(word, "ENABLED") == 0)
		console_module(r, name)->enabled = atoi(rest);
	else if (n >= 3 && strcmp(word, "TRANSITION") == 0)
		console_module(r, name)->transition = console_transition(rest);
	else if (n >= 3 && strcmp(word, "AFTER-LOADS") == 0) {
		struct tt_boot_module *m = console_module(r, name);
		m->replaced =
		    m->enabled == 1 && (strcmp(rest, "0") == 0 || strcmp(rest, "gone") == 0);
	} else if (n >= 3 && strcmp(word, "UNPATCH-TRANSITION") == 0)
		console_module(r, name)->unpatch_transition = console_transition(rest);
	else if (n >= 3 && strcmp(word, "RMMOD") == 0)
		console_module(r, name)->rmmod_rc = atoi(rest);
}

static bool console_has(const char *msg, const char *const *words)
{
	for (; *words; words++)
		if (strstr(msg, *words))
			return true;
	return false;
}

int tt_boot_issue_kind_of(const char *msg)
{
	static const char *const stall[] = {
	    "self-detected stall",   "rcu: INFO:", "soft lockup", "hard LOCKUP",
	    "blocked for more than", NULL};
	static const char *const lp_error[] = {"fail",	 "unable",    "error", "invalid", "can't",
					       "cannot", "not found", "refus", NULL};
	if (strstr(msg, "Kernel panic"))
		return TT_BOOT_PANIC;
	if (strncmp(msg, "WARNING:", 8) == 0)
		return TT_BOOT_WARNING;
	if (strncmp(msg, "BUG:", 4) == 0 || strstr(msg, "kernel BUG at"))
		return TT_BOOT_BUG;
	if (strncmp(msg, "Oops", 4) == 0 || strstr(msg, "general protection fault"))
		return TT_BOOT_OOPS;
	if (console_has(msg, stall))
		return TT_BOOT_STALL;
	if (strncmp(msg, "livepatch:", 10) == 0 && console_has(msg, lp_error))
		return TT_BOOT_LIVEPATCH;
	return -1;
}

/* Does msg come from or name module `name` ("NAME: ..." or "'NAME'")? */
static bool console_names_module(const char *msg, const char *name)
{
	size_t n = strlen(name);
	if (strncmp(msg, name, n) == 0 && msg[n] == ':')
		return true;
	_cleanup_free_ char *quoted = tt_xasprintf("'%s'", name);
	return strstr(msg, quoted) != NULL;
}

static void console_classify(struct tt_boot_result *r, const char *kline)
{
	const char *msg = console_klog_msg(kline);
	for (size_t i = 0; i < r->n_mods; i++)
		if (console_names_module(msg, r->mods[i].name))
			tt_strv_push(&r->mods[i].kernel_msgs, kline);
	if (strstr(msg, "tainting kernel") || strstr(msg, "taints kernel"))
		tt_strv_push(&r->taints, kline);
	if (strncmp(msg, "Modules linked in:", 18) == 0 && r->n_issues &&
	    !r->issues[r->n_issues - 1].modules) {
		r->issues[r->n_issues - 1].modules = tt_xstrdup(msg + 18 + (msg[18] == ' '));
		return;
	}
	int kind = tt_boot_issue_kind_of(msg);
	if (kind < 0)
		return;
	r->issues = tt_xrealloc(r->issues, (r->n_issues + 1) * sizeof(*r->issues));
	r->issues[r->n_issues++] = (struct tt_boot_issue){.kind = (enum tt_boot_issue_kind)kind,
							  .line = tt_xstrdup(kline)};
}

/* Split the capture into lines; markers are read in order, kernel lines kept once. */
static void console_lines(struct tt_boot_result *r, const char *console, size_t len,
			  struct tt_strv *klines)
{
	bool in_check = false;
	const char *p = console, *end = console + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		while (l && (p[l - 1] == '\r' || p[l - 1] == ' '))
			l--;
		_cleanup_free_ char *line = tt_xstrndup(p, l);
		p = nl ? nl + 1 : end;
		const char *mark = strstr(line, "TUXTAPE:");
		const char *kl = console_klog_start(line);
		if (mark)
			console_marker(r, mark + 8, &in_check);
		else if (kl && !tt_strv_contains(klines, kl))
			tt_strv_push(klines, kl);
		else if (!kl && in_check && (*line || r->check_output))
			console_append(&r->check_output, line);
	}
}

void tt_boot_parse(const char *console, size_t len, struct tt_boot_result *r)
{
	r->check_rc = -1;
	r->check_unpatched_rc = -1;
	struct tt_strv klines = TT_STRV_INIT;
	console_lines(r, console, len, &klines);
	for (size_t i = 0; i < klines.n; i++)
		console_classify(r, klines.v[i]);
	tt_strv_free(&klines);
	/* check() prints an empty line so its marker starts a line; drop it. */
	if (r->check_output) {
		size_t l = strlen(r->check_output);
		while (l && r->check_output[l - 1] == '\n')
			r->check_output[--l] = '\0';
	}
}

static void verdict_reason(struct tt_boot_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void verdict_reason(struct tt_boot_result *r, const char *fmt, ...)
{
	struct tt_buf b = TT_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	tt_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	tt_strv_push_owned(&r->reasons, tt_buf_detach(&b));
}

/* Why a module's load did not go well, in the kernel's words when it gave any. */
static const char *verdict_load_why(const struct tt_boot_module *m)
{
	if (m->kernel_msgs.n)
		return console_klog_msg(m->kernel_msgs.v[m->kernel_msgs.n - 1]);
	return m->load_output ? m->load_output : "no message";
}

/* The module of this name was loaded in the guest (vmlinux always is). */
static bool verdict_loaded(const struct tt_boot_result *r, const char *name)
{
	if (strcmp(name, "vmlinux") == 0)
		return true;
	for (size_t i = 0; i < r->n_mods; i++)
		if (r->mods[i].load_rc == 0 && strcmp(r->mods[i].name, name) == 0)
			return true;
	return false;
}

/* Every object of an enabled patch whose code is loaded must be patched. */
static void verdict_objects(struct tt_boot_result *r, const struct tt_boot_module *m)
{
	for (size_t i = 0; m->enabled == 1 && !m->replaced && i < m->n_objects; i++)
		if (!m->objects[i].patched && verdict_loaded(r, m->objects[i].name))
			verdict_reason(r, "%s: its object %s is loaded but not patched", m->name,
				       m->objects[i].name);
}

static void verdict_module(struct tt_boot_result *r, const struct tt_boot_module *m,
			   bool expect_unload)
{
	if (m->load_rc < 0) {
		verdict_reason(r, "%s was never loaded", m->name);
		return;
	}
	if (m->load_rc != 0) {
		verdict_reason(r, "%s %s (insmod exit %d): %s", m->name,
			       m->late	    ? "could not be loaded after the patches"
			       : m->preload ? "could not be preloaded"
					    : "did not load",
			       m->load_rc, verdict_load_why(m));
		return;
	}
	verdict_objects(r, m);
	if (m->preload)
		return; /* not a patch: no livepatch state, stays loaded */
	if (m->enabled < 0)
		verdict_reason(r,
			       "%s loaded but /sys/kernel/livepatch/%s does not exist: not a "
			       "livepatch?",
			       m->name, m->name);
	else if (m->enabled != 1)
		verdict_reason(r, "%s: the livepatch is not enabled", m->name);
	else if (m->transition != 0)
		verdict_reason(r, "%s: the patching transition did not finish in time", m->name);
	if (!expect_unload)
		return;
	/* A replaced patch is already off: there is no unpatching transition of its own. */
	if (m->enabled == 1 && !m->replaced && m->unpatch_transition != 0)
		verdict_reason(r, "%s: the unpatching transition did not finish in time", m->name);
	if (m->rmmod_rc != 0)
		verdict_reason(r, "%s: rmmod failed (exit %d)", m->name, m->rmmod_rc);
}

void tt_boot_verdict(struct tt_boot_result *r, bool expect_check, bool expect_unload)
{
	if (r->timed_out)
		verdict_reason(r, "QEMU did not power off before the timeout");
	if (!r->reached_init)
		verdict_reason(r, "the kernel never ran /init");
	else if (!r->finished)
		verdict_reason(r, "/init stopped before its end (crash or hang)");
	size_t patches = 0;
	for (size_t i = 0; i < r->n_mods; i++)
		patches += !r->mods[i].preload;
	if (r->reached_init && !patches)
		verdict_reason(r, "no module was loaded");
	for (size_t i = 0; i < r->n_mods; i++)
		verdict_module(r, &r->mods[i], expect_unload);
	if (expect_check && r->check_rc < 0)
		verdict_reason(r, "the check did not run");
	else if (expect_check && r->check_rc > 0)
		verdict_reason(r, "the check failed with the patch applied (exit %d)", r->check_rc);
	if (expect_check && expect_unload && r->check_unpatched_rc < 0)
		verdict_reason(r, "the check did not run after the patch was disabled");
	else if (expect_check && expect_unload && r->check_unpatched_rc > 0)
		verdict_reason(r, "the check failed after the patch was disabled (exit %d)",
			       r->check_unpatched_rc);
	for (size_t i = 0; i < r->n_issues; i++)
		verdict_reason(r, "kernel %s: %s", tt_boot_issue_kind_name(r->issues[i].kind),
			       console_klog_msg(r->issues[i].line));
	r->pass = r->reasons.n == 0;
}

void tt_boot_result_free(struct tt_boot_result *r)
{
	for (size_t i = 0; i < r->n_mods; i++) {
		free(r->mods[i].name);
		free(r->mods[i].path);
		free(r->mods[i].load_output);
		tt_strv_free(&r->mods[i].kernel_msgs);
		for (size_t j = 0; j < r->mods[i].n_objects; j++)
			free(r->mods[i].objects[j].name);
		free(r->mods[i].objects);
	}
	free(r->mods);
	for (size_t i = 0; i < r->n_issues; i++) {
		free(r->issues[i].line);
		free(r->issues[i].modules);
	}
	free(r->issues);
	free(r->check_output);
	tt_strv_free(&r->taints);
	tt_strv_free(&r->reasons);
	memset(r, 0, sizeof(*r));
}

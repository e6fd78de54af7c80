// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * /sys/kernel/livepatch (Documentation/ABI/testing/sysfs-kernel-livepatch,
 * 6.1): per patch, "enabled" (rw), "transition" (ro), "signal" and "force"
 * (wo). The agent reads the first two, writes 1 to "signal" so the kernel
 * wakes the tasks that block a transition, and 0 to "enabled" to reverse a
 * transition that still does not finish. It never writes "force": forcing
 * would leave tasks running old code under the new one's assumptions.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tuxtape/agent.h"

static char *lp_file(const struct tt_agent_config *cfg, const char *name, const char *attr)
{
	_cleanup_free_ char *rel = tt_xasprintf("/sys/kernel/livepatch/%s/%s", name, attr);
	return tt_agent_path(cfg, rel);
}

/* An integer attribute; -1 when unreadable. */
static int read_int_file(const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	int v = -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static bool name_ok(const char *name)
{
	size_t n = strlen(name);
	return n && n < 64 && !strchr(name, '/') && strcmp(name, ".") && strcmp(name, "..");
}

int tt_agent_lp_read(const struct tt_agent_config *cfg, const char *name, struct tt_agent_lp *lp,
		     struct tt_error *err)
{
	memset(lp, 0, sizeof(*lp));
	if (!name_ok(name))
		return tt_error_set(err, -EINVAL, "\"%.80s\" is not a livepatch name", name);
	_cleanup_free_ char *dir = lp_file(cfg, name, "");
	if (!tt_path_exists(dir))
		return tt_error_set(err, -ENOENT, "the kernel holds no livepatch %s", name);
	snprintf(lp->name, sizeof(lp->name), "%s", name);
	_cleanup_free_ char *enabled = lp_file(cfg, name, "enabled");
	_cleanup_free_ char *transition = lp_file(cfg, name, "transition");
	lp->enabled = read_int_file(enabled);
	lp->transition = read_int_file(transition);
	return 0;
}

static int lp_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tt_agent_lp *)a)->name, ((const struct tt_agent_lp *)b)->name);
}

int tt_agent_lp_list(const struct tt_agent_config *cfg, struct tt_agent_lp **out, size_t *n,
		     struct tt_error *err)
{
	*out = NULL;
	*n = 0;
	_cleanup_free_ char *dir = tt_agent_path(cfg, "/sys/kernel/livepatch");
	DIR *d = opendir(dir);
	if (!d)
		return tt_error_set(err, -errno, "%s: %s", dir, strerror(errno));
	struct dirent *e;
	size_t cap = 0;
	while ((e = readdir(d))) {
		struct tt_agent_lp lp;
		if (e->d_name[0] == '.' || tt_agent_lp_read(cfg, e->d_name, &lp, NULL) < 0)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			*out = tt_xrealloc(*out, cap * sizeof(**out));
		}
		(*out)[(*n)++] = lp;
	}
	closedir(d);
	if (*n)
		qsort(*out, *n, sizeof(**out), lp_cmp);
	return 0;
}

static int lp_write(const struct tt_agent_config *cfg, const char *name, const char *attr,
		    const char *value, struct tt_error *err)
{
	if (!name_ok(name))
		return tt_error_set(err, -EINVAL, "\"%.80s\" is not a livepatch name", name);
	_cleanup_free_ char *path = lp_file(cfg, name, attr);
	FILE *f = fopen(path, "we");
	if (!f)
		return tt_error_set(err, -errno, "%s: %s", path, strerror(errno));
	bool ok = fputs(value, f) >= 0;
	/* sysfs reports the store's error at close, when the write is flushed. */
	ok = (fclose(f) == 0) && ok;
	if (!ok)
		return tt_error_set(err, -errno ? -errno : -EIO, "writing %s to %s: %s", value,
				    path, strerror(errno));
	return 0;
}

int tt_agent_lp_signal(const struct tt_agent_config *cfg, const char *name, struct tt_error *err)
{
	return lp_write(cfg, name, "signal", "1", err);
}

int tt_agent_lp_disable(const struct tt_agent_config *cfg, const char *name, struct tt_error *err)
{
	return lp_write(cfg, name, "enabled", "0", err);
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static void task_fill(const struct tt_agent_config *cfg, struct tt_agent_task *t)
{
	char rel[96];
	snprintf(rel, sizeof(rel), "/proc/%d/task/%d/comm", t->pid, t->tid);
	_cleanup_free_ char *comm = tt_agent_path(cfg, rel);
	FILE *f = fopen(comm, "re");
	if (f) {
		if (fgets(t->comm, sizeof(t->comm), f))
			t->comm[strcspn(t->comm, "\n")] = '\0';
		fclose(f);
	}
	snprintf(rel, sizeof(rel), "/proc/%d/task/%d/stack", t->pid, t->tid);
	_cleanup_free_ char *stack = tt_agent_path(cfg, rel);
	size_t len;
	if (tt_read_file(stack, &t->stack, &len, NULL) < 0)
		t->stack = NULL; /* needs root and CONFIG_STACKTRACE */
}

/* The threads of one process whose patch_state is the opposite of target. */
static void scan_process(const struct tt_agent_config *cfg, int pid, int target,
			 struct tt_agent_task **out, size_t *n, size_t *cap)
{
	char rel[64];
	snprintf(rel, sizeof(rel), "/proc/%d/task", pid);
	_cleanup_free_ char *dir = tt_agent_path(cfg, rel);
	DIR *d = opendir(dir);
	if (!d)
		return; /* the process exited meanwhile */
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!all_digits(e->d_name))
			continue;
		_cleanup_free_ char *state = tt_xasprintf("%s/%s/patch_state", dir, e->d_name);
		int ps = read_int_file(state);
		/* -1: no transition running; target: already migrated. */
		if (ps < 0 || ps == target)
			continue;
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 8;
			*out = tt_xrealloc(*out, *cap * sizeof(**out));
		}
		struct tt_agent_task *t = &(*out)[(*n)++];
		memset(t, 0, sizeof(*t));
		t->pid = pid;
		t->tid = atoi(e->d_name);
		t->patch_state = ps;
		task_fill(cfg, t);
	}
	closedir(d);
}

int tt_agent_blocking_tasks(const struct tt_agent_config *cfg, int target,
			    struct tt_agent_task **out, size_t *n, struct tt_error *err)
{
	*out = NULL;
	*n = 0;
	_cleanup_free_ char *proc = tt_agent_path(cfg, "/proc");
	DIR *d = opendir(proc);
	if (!d)
		return tt_error_set(err, -errno, "%s: %s", proc, strerror(errno));
	size_t cap = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (all_digits(e->d_name))
			scan_process(cfg, atoi(e->d_name), target, out, n, &cap);
	closedir(d);
	return 0;
}

void tt_agent_tasks_free(struct tt_agent_task *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(t[i].stack);
	free(t);
}

char *tt_agent_tasks_format(const struct tt_agent_task *t, size_t n)
{
	struct tt_buf b = TT_BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		tt_buf_addf(&b, "%d/%d %s (patch_state %d):\n", t[i].pid, t[i].tid, t[i].comm,
			    t[i].patch_state);
		const char *s = t[i].stack ? t[i].stack : "(stack unreadable)\n";
		for (const char *line = s; *line;) {
			size_t len = strcspn(line, "\n");
			tt_buf_addf(&b, "  %.*s\n", (int)len, line);
			line += len + (line[len] == '\n');
		}
	}
	tt_buf_adds(&b, "");
	return tt_buf_detach(&b);
}

void tt_agent_watch_start(struct tt_agent_watch *w, const char *name, double now)
{
	memset(w, 0, sizeof(*w));
	snprintf(w->name, sizeof(w->name), "%s", name);
	w->started = now;
}

void tt_agent_watch_free(struct tt_agent_watch *w)
{
	free(w->blocking);
	w->blocking = NULL;
}

/* Too slow: note who blocks, then reverse. Never force. */
static enum tt_agent_watch_result
watch_reverse(struct tt_agent_watch *w, const struct tt_agent_config *cfg, struct tt_error *err)
{
	struct tt_agent_task *tasks;
	size_t n;
	if (tt_agent_blocking_tasks(cfg, 1, &tasks, &n, NULL) == 0) {
		free(w->blocking);
		w->blocking = tt_agent_tasks_format(tasks, n);
		tt_agent_tasks_free(tasks, n);
	}
	if (tt_agent_lp_disable(cfg, w->name, err) < 0)
		return TT_AGENT_WATCH_FAILED;
	w->reversing = true;
	return TT_AGENT_WATCH_REVERSING;
}

enum tt_agent_watch_result tt_agent_watch_poll(struct tt_agent_watch *w,
					       const struct tt_agent_config *cfg, double now,
					       struct tt_error *err)
{
	struct tt_agent_lp lp;
	if (tt_agent_lp_read(cfg, w->name, &lp, err) < 0)
		/* A reversed patch is freed by the kernel: its directory goes. */
		return w->reversing ? TT_AGENT_WATCH_REVERTED : TT_AGENT_WATCH_FAILED;
	if (lp.transition == 0) {
		if (lp.enabled == 1 && !w->reversing)
			return TT_AGENT_WATCH_DONE;
		if (w->reversing)
			return TT_AGENT_WATCH_REVERTED;
		tt_error_set(err, -ECANCELED, "%s was disabled while it was being applied",
			     w->name);
		return TT_AGENT_WATCH_FAILED;
	}
	if (lp.transition != 1) {
		tt_error_set(err, -EIO, "%s: cannot read its transition state", w->name);
		return TT_AGENT_WATCH_FAILED;
	}
	double age = now - w->started;
	if (w->reversing)
		return TT_AGENT_WATCH_WAITING;
	if (age >= cfg->revert_after)
		return watch_reverse(w, cfg, err);
	if (!w->signalled && age >= cfg->signal_after) {
		w->signalled = true;
		/* Best effort: a kernel without "signal" still gets its reversal in time. */
		tt_agent_lp_signal(cfg, w->name, NULL);
		return TT_AGENT_WATCH_SIGNALLED;
	}
	return TT_AGENT_WATCH_WAITING;
}

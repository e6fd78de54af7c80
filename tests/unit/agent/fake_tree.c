// SPDX-License-Identifier: GPL-2.0-or-later
/* The fake host tree the agent's unit tests run against (see fake_tree.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fake_tree.h"

static char *make_temp(const char *what)
{
	char *dir = tt_xasprintf("/tmp/tt-agent-%s-XXXXXX", what);
	assert_non_null(mkdtemp(dir));
	return dir;
}

/* The GNU build-id note as /sys/kernel/notes holds it. */
static void write_notes(const struct fake_tree *t)
{
	unsigned char notes[12 + 4 + 20];
	uint32_t hdr[3] = {4, 20, 3};
	memcpy(notes, hdr, sizeof(hdr));
	memcpy(notes + 12, "GNU", 4);
	for (int i = 0; i < 20; i++) {
		unsigned v;
		sscanf(FAKE_BUILD_ID + 2 * i, "%2x", &v);
		notes[16 + i] = (unsigned char)v;
	}
	fake_write_bytes(t, "/sys/kernel/notes", notes, sizeof(notes));
}

void fake_tree_new(struct fake_tree *t)
{
	t->root = make_temp("root");
	t->state = make_temp("state");
	tt_agent_config_init(&t->cfg);
	assert_int_equal(tt_agent_config_set(&t->cfg, "root", t->root, NULL), 0);
	assert_int_equal(tt_agent_config_set(&t->cfg, "state-dir", t->state, NULL), 0);
	assert_int_equal(tt_agent_config_set(&t->cfg, "poll_interval", "0", NULL), 0);
	fake_write(t, "/proc/sys/kernel/osrelease", FAKE_RELEASE "\n");
	fake_write(t, "/proc/sys/kernel/random/boot_id", FAKE_BOOT_ID "\n");
	fake_write(t, "/proc/sys/kernel/ftrace_enabled", "1\n");
	fake_write(t, "/proc/cmdline", "BOOT_IMAGE=/vmlinuz root=/dev/vda1 quiet\n");
	fake_write(t, "/etc/machine-id", "0f3c0f3c0f3c0f3c0f3c0f3c0f3c0f3c\n");
	fake_write(t, "/dev/kmsg", "");
	fake_write(t, "/sys/kernel/livepatch/.keep", "");
	write_notes(t);
}

void fake_tree_free(struct fake_tree *t)
{
	const char *argv[] = {"rm", "-rf", t->root, t->state, NULL};
	struct tt_run_result res = {0};
	tt_run(argv, NULL, 30, &res, NULL);
	tt_run_result_free(&res);
	free(t->root);
	free(t->state);
	tt_agent_config_free(&t->cfg);
}

void fake_write_bytes(const struct fake_tree *t, const char *rel, const void *data, size_t len)
{
	_cleanup_free_ char *path = tt_xasprintf("%s%s", t->root, rel);
	_cleanup_free_ char *dir = tt_xstrdup(path);
	*strrchr(dir, '/') = '\0';
	assert_int_equal(tt_mkdir_p(dir, 0755, NULL), 0);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

void fake_write(const struct fake_tree *t, const char *rel, const char *text)
{
	fake_write_bytes(t, rel, text, strlen(text));
}

char *fake_read(const struct fake_tree *t, const char *rel)
{
	static char line[256];
	_cleanup_free_ char *path = tt_xasprintf("%s%s", t->root, rel);
	line[0] = '\0';
	FILE *f = fopen(path, "r");
	if (f) {
		if (!fgets(line, sizeof(line), f))
			line[0] = '\0';
		fclose(f);
	}
	line[strcspn(line, "\n")] = '\0';
	return line;
}

void fake_remove(const struct fake_tree *t, const char *rel)
{
	_cleanup_free_ char *path = tt_xasprintf("%s%s", t->root, rel);
	const char *argv[] = {"rm", "-rf", path, NULL};
	struct tt_run_result res = {0};
	tt_run(argv, NULL, 30, &res, NULL);
	tt_run_result_free(&res);
}

void fake_livepatch(const struct fake_tree *t, const char *name, int enabled, int transition)
{
	char rel[128], v[8];
	snprintf(rel, sizeof(rel), "/sys/kernel/livepatch/%s/enabled", name);
	snprintf(v, sizeof(v), "%d\n", enabled);
	fake_write(t, rel, v);
	snprintf(rel, sizeof(rel), "/sys/kernel/livepatch/%s/transition", name);
	snprintf(v, sizeof(v), "%d\n", transition);
	fake_write(t, rel, v);
	snprintf(rel, sizeof(rel), "/sys/kernel/livepatch/%s/signal", name);
	fake_write(t, rel, "");
}

void fake_task(const struct fake_tree *t, int pid, int tid, const char *comm, int patch_state,
	       const char *stack)
{
	char rel[128], v[16];
	snprintf(rel, sizeof(rel), "/proc/%d/task/%d/patch_state", pid, tid);
	snprintf(v, sizeof(v), "%d\n", patch_state);
	fake_write(t, rel, v);
	snprintf(rel, sizeof(rel), "/proc/%d/task/%d/comm", pid, tid);
	_cleanup_free_ char *c = tt_xasprintf("%s\n", comm);
	fake_write(t, rel, c);
	snprintf(rel, sizeof(rel), "/proc/%d/task/%d/stack", pid, tid);
	fake_write(t, rel, stack);
}

char *fake_module(const struct fake_tree *t, const char *name)
{
	_cleanup_free_ char *src = tt_xasprintf("%s/%s.c", t->state, name);
	char *ko = tt_xasprintf("%s/%s.ko", t->state, name);
	_cleanup_free_ char *text =
	    tt_xasprintf("__attribute__((section(\".modinfo\"), used)) static const char info[] = "
			 "\"name=%s\\0livepatch=Y\\0license=GPL\";\n",
			 name);
	assert_int_equal(tt_write_file_atomic(src, text, strlen(text), NULL), 0);
	const char *argv[] = {"cc", "-c", src, "-o", ko, NULL};
	struct tt_run_result res = {0};
	assert_int_equal(tt_run(argv, NULL, 60, &res, NULL), 0);
	assert_int_equal(res.status, 0);
	tt_run_result_free(&res);
	return ko;
}

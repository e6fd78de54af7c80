/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A throwaway directory that stands in for /sys, /proc, /dev and /etc of a host. */
#ifndef TT_TEST_FAKE_TREE_H
#define TT_TEST_FAKE_TREE_H

#include "tuxtape/agent.h"

#define FAKE_RELEASE  "6.1.0-47-amd64"
#define FAKE_BUILD_ID "0123456789abcdef0123456789abcdef01234567"
#define FAKE_BOOT_ID  "8d4c7a51-0000-4000-8000-000000000001"

struct fake_tree {
	char *root;  /* the fake "/" */
	char *state; /* the agent's state directory, outside the fake root */
	struct tt_agent_config cfg;
};

/* A healthy livepatch-capable host: osrelease, notes, livepatch dir, ftrace on. */
void fake_tree_new(struct fake_tree *t);
/* Remove everything (rm -r of the temporary directories). */
void fake_tree_free(struct fake_tree *t);
/* Write ROOT/rel (directories made as needed). */
void fake_write(const struct fake_tree *t, const char *rel, const char *text);
void fake_write_bytes(const struct fake_tree *t, const char *rel, const void *data, size_t len);
/* The first line of ROOT/rel, "" when absent (static buffer per call site: copy it). */
char *fake_read(const struct fake_tree *t, const char *rel);
void fake_remove(const struct fake_tree *t, const char *rel);
/* A livepatch directory as the kernel would show it. */
void fake_livepatch(const struct fake_tree *t, const char *name, int enabled, int transition);
/* A thread with a patch_state and a stack. */
void fake_task(const struct fake_tree *t, int pid, int tid, const char *comm, int patch_state,
	       const char *stack);
/* A livepatch module file (an ELF object with .modinfo name= and livepatch=Y); caller frees. */
char *fake_module(const struct fake_tree *t, const char *name);

#endif

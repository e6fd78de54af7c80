// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * This host as the agent sees it: the running kernel's release and build id,
 * the kill switches, and the pre-flight checks that tell an operator why
 * livepatching cannot work here before anything is tried.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tuxtape/agent.h"

#define NT_GNU_BUILD_ID_TYPE 3
#define MODULE_SIG_MAGIC     "~Module signature appended~\n"

/* First line of ROOT+abs_path without its newline; -errno when unreadable. */
static int read_line(const struct tt_agent_config *cfg, const char *abs_path, char *out, size_t n)
{
	_cleanup_free_ char *path = tt_agent_path(cfg, abs_path);
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	bool got = fgets(out, (int)n, f) != NULL;
	fclose(f);
	if (!got)
		return -EIO;
	out[strcspn(out, "\n")] = '\0';
	return 0;
}

static uint32_t note_word(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v)); /* the notes are in the kernel's own byte order */
	return v;
}

bool tt_agent_notes_build_id(const void *notes, size_t len, char *hex, size_t hex_n)
{
	const unsigned char *p = notes;
	size_t off = 0;
	while (len - off >= 12 && off < len) {
		uint32_t namesz = note_word(p + off), descsz = note_word(p + off + 4);
		uint32_t type = note_word(p + off + 8);
		size_t name_off = off + 12;
		size_t desc_off = name_off + ((namesz + 3u) & ~3u);
		size_t next = desc_off + ((descsz + 3u) & ~3u);
		if (namesz > len || descsz > len || next > len || next <= off)
			return false;
		if (type == NT_GNU_BUILD_ID_TYPE && namesz == 4 &&
		    memcmp(p + name_off, "GNU", 4) == 0 && descsz * 2 + 1 <= hex_n) {
			for (uint32_t i = 0; i < descsz; i++)
				snprintf(hex + 2 * i, 3, "%02x", p[desc_off + i]);
			hex[descsz * 2] = '\0';
			return true;
		}
		off = next;
	}
	return false;
}

int tt_agent_kernel_read(const struct tt_agent_config *cfg, struct tt_agent_kernel *k,
			 struct tt_error *err)
{
	memset(k, 0, sizeof(*k));
	int rc = read_line(cfg, "/proc/sys/kernel/osrelease", k->release, sizeof(k->release));
	if (rc < 0)
		return tt_error_set(err, rc, "%s/proc/sys/kernel/osrelease: %s", cfg->root,
				    strerror(-rc));
	_cleanup_free_ char *notes_path = tt_agent_path(cfg, "/sys/kernel/notes");
	char *notes = NULL;
	size_t len = 0;
	/* Without notes (an old or unusual kernel) patches are matched by release alone. */
	if (tt_read_file(notes_path, &notes, &len, NULL) == 0)
		tt_agent_notes_build_id(notes, len, k->build_id, sizeof(k->build_id));
	free(notes);
	return 0;
}

/* Whether the kernel command line holds word as a whole word. */
static bool cmdline_has(const char *cmdline, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = strstr(cmdline, word); p; p = strstr(p + 1, word))
		if ((p == cmdline || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' ' || p[n] == '\n'))
			return true;
	return false;
}

const char *tt_agent_killed(const struct tt_agent_config *cfg)
{
	_cleanup_free_ char *cmdline_path = tt_agent_path(cfg, "/proc/cmdline");
	char *cmdline = NULL;
	size_t len;
	bool off = false;
	if (tt_read_file(cmdline_path, &cmdline, &len, NULL) == 0)
		off = cmdline_has(cmdline, "tuxtape.enable=0");
	free(cmdline);
	if (off)
		return "the kernel command line says tuxtape.enable=0";
	if (cfg->kill_file && *cfg->kill_file) {
		_cleanup_free_ char *kill = tt_agent_path(cfg, cfg->kill_file);
		if (tt_path_exists(kill))
			return "the kill file exists";
	}
	return NULL;
}

static void check_set(struct tt_agent_check *c, const char *name, bool ok, bool fatal,
		      bool needs_sig, const char *msg)
{
	c->name = name;
	c->ok = ok;
	c->fatal = !ok && fatal;
	c->needs_sig = !ok && needs_sig;
	snprintf(c->message, sizeof(c->message), "%s", msg);
}

static void check_livepatch(const struct tt_agent_config *cfg, struct tt_agent_check *c)
{
	_cleanup_free_ char *dir = tt_agent_path(cfg, "/sys/kernel/livepatch");
	struct stat st;
	bool ok = stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
	check_set(c, "livepatch", ok, true, false,
		  ok ? "the kernel supports livepatching (/sys/kernel/livepatch)"
		     : "no /sys/kernel/livepatch: this kernel was built without "
		       "CONFIG_LIVEPATCH and cannot be livepatched");
}

static void check_ftrace(const struct tt_agent_config *cfg, struct tt_agent_check *c)
{
	char v[16];
	int rc = read_line(cfg, "/proc/sys/kernel/ftrace_enabled", v, sizeof(v));
	if (rc < 0)
		check_set(c, "ftrace", false, true, false,
			  "no /proc/sys/kernel/ftrace_enabled: the kernel has no function "
			  "tracer, which livepatches need");
	else if (strcmp(v, "0") == 0)
		check_set(c, "ftrace", false, true, false,
			  "ftrace is disabled (sysctl kernel.ftrace_enabled = 0): livepatches "
			  "cannot redirect functions until it is 1");
	else
		check_set(c, "ftrace", true, false, false, "ftrace is enabled");
}

static void check_lockdown(const struct tt_agent_config *cfg, struct tt_agent_check *c)
{
	char v[128];
	if (read_line(cfg, "/sys/kernel/security/lockdown", v, sizeof(v)) < 0 ||
	    strstr(v, "[none]")) {
		check_set(c, "lockdown", true, false, false, "kernel lockdown is off");
		return;
	}
	char msg[256];
	snprintf(msg, sizeof(msg),
		 "kernel lockdown is on (%s): only modules signed by a key in the kernel's "
		 "trusted keyrings load",
		 v);
	check_set(c, "lockdown", false, false, true, msg);
}

static void check_sig_enforce(const struct tt_agent_config *cfg, struct tt_agent_check *c)
{
	char v[8];
	bool enforced =
	    read_line(cfg, "/sys/module/module/parameters/sig_enforce", v, sizeof(v)) == 0 &&
	    v[0] == 'Y';
	check_set(c, "sig_enforce", !enforced, false, true,
		  enforced ? "module.sig_enforce is on: unsigned modules are refused, and signed "
			     "ones need a key the kernel trusts"
			   : "module signatures are not enforced");
}

/*
 * The asymmetric keys /proc/keys shows root (the kernel's trusted keyrings among
 * them): with signatures enforced and none of them, no module can load.
 */
static void check_signing_keys(const struct tt_agent_config *cfg, bool enforced,
			       struct tt_agent_check *c)
{
	_cleanup_free_ char *path = tt_agent_path(cfg, "/proc/keys");
	FILE *f = fopen(path, "re");
	if (!f) {
		check_set(c, "signing_keys", true, false, false,
			  "cannot read /proc/keys: the kernel's signing keys are unknown");
		return;
	}
	char line[512];
	int n = 0;
	struct tt_buf names = TT_BUF_INIT;
	while (fgets(line, sizeof(line), f)) {
		char type[32] = "";
		int desc = 0;
		/* ID FLAGS USAGE TIMEOUT PERM UID GID TYPE DESCRIPTION: SUMMARY */
		/* The kernel prints the type in 9 columns: "asymmetri". */
		if (sscanf(line, "%*s %*s %*s %*s %*s %*s %*s %31s %n", type, &desc) != 1 ||
		    strncmp(type, "asymmetri", 9) != 0)
			continue;
		if (n++ < 3)
			tt_buf_addf(&names, "%s%.*s", names.len ? "; " : "",
				    (int)strcspn(line + desc, ":\n"), line + desc);
	}
	fclose(f);
	char msg[256];
	if (n)
		snprintf(msg, sizeof(msg), "the kernel holds %d signing key(s): %s%s", n,
			 tt_buf_str(&names), n > 3 ? "; ..." : "");
	else
		snprintf(msg, sizeof(msg), "%s",
			 enforced
			     ? "signatures are required and the kernel holds no signing key: "
			       "no module can load"
			     : "the kernel holds no signing key (signatures are not required)");
	check_set(c, "signing_keys", n > 0 || !enforced, false, false, msg);
	tt_buf_free(&names);
}

int tt_agent_preflight(const struct tt_agent_config *cfg,
		       struct tt_agent_check out[TT_AGENT_N_CHECKS])
{
	check_livepatch(cfg, &out[0]);
	check_ftrace(cfg, &out[1]);
	check_lockdown(cfg, &out[2]);
	check_sig_enforce(cfg, &out[3]);
	check_signing_keys(cfg, out[2].needs_sig || out[3].needs_sig, &out[4]);
	int fatal = 0;
	for (int i = 0; i < TT_AGENT_N_CHECKS; i++)
		fatal += out[i].fatal;
	return fatal;
}

bool tt_agent_module_signed(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	char tail[sizeof(MODULE_SIG_MAGIC) - 1];
	off_t size = lseek(fd, 0, SEEK_END);
	bool ok =
	    size >= (off_t)sizeof(tail) &&
	    pread(fd, tail, sizeof(tail), size - (off_t)sizeof(tail)) == (ssize_t)sizeof(tail) &&
	    memcmp(tail, MODULE_SIG_MAGIC, sizeof(tail)) == 0;
	close(fd);
	return ok;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Running make, patch, cp and friends for the kernel-tree and patch-build
 * steps: the output goes to a log file, and a failure is reported with the
 * last lines of that output, because that is where make and gcc say what
 * broke.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "build_int.h"

#define TAIL_LINES 6

/* The last n lines of out (trailing blank lines skipped), for an error message. */
static const char *build_tail(char *out, size_t len, int n)
{
	while (len && (out[len - 1] == '\n' || out[len - 1] == ' ' || out[len - 1] == '\r'))
		out[--len] = '\0';
	const char *p = out + len;
	while (p > out && n > 0) {
		p--;
		if (*p == '\n')
			n--;
	}
	return p > out ? p + 1 : out;
}

int tt_build_run(const char *const *argv, const char *cwd, double timeout_s, const char *log_path,
		 struct tt_error *err)
{
	struct tt_run_result res;
	int rc = tt_run(argv, cwd, timeout_s, &res, err);
	if (rc < 0)
		return rc;
	if (log_path)
		rc = tt_write_file_atomic(log_path, res.out, res.out_len, err);
	if (rc == 0 && (res.status != 0 || res.timed_out)) {
		_cleanup_free_ char *cmd = tt_run_argv_str(argv);
		const char *tail = build_tail(res.out, res.out_len, TAIL_LINES);
		char status[16];
		snprintf(status, sizeof(status), "exit %d", res.status);
		rc = tt_error_set(err, -EIO, "`%s`%s%s %s (%s%s): %s", cmd, cwd ? " in " : "",
				  cwd ? cwd : "", res.timed_out ? "timed out" : "failed",
				  log_path ? "log " : status, log_path ? log_path : "",
				  *tail ? tail : "(no output)");
	}
	tt_run_result_free(&res);
	return rc;
}

int tt_build_lock(const char *path, struct tt_error *err)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 || flock(fd, LOCK_EX) != 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return tt_error_set(err, -e, "cannot lock %s: %s", path, strerror(e));
	}
	return fd;
}

int tt_build_remove_tree(const char *path, struct tt_error *err)
{
	if (!tt_path_exists(path))
		return 0;
	const char *argv[] = {"rm", "-rf", "--", path, NULL};
	return tt_build_run(argv, NULL, 600, NULL, err);
}

char *tt_build_config_value(const char *config_text, const char *name)
{
	size_t nl = strlen(name);
	for (const char *line = config_text; line && *line;) {
		const char *end = strchr(line, '\n');
		size_t l = end ? (size_t)(end - line) : strlen(line);
		if (l > nl && strncmp(line, name, nl) == 0 && line[nl] == '=') {
			const char *v = line + nl + 1;
			size_t vl = l - nl - 1;
			if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"')
				return tt_xstrndup(v + 1, vl - 2);
			return tt_xstrndup(v, vl);
		}
		line = end ? end + 1 : NULL;
	}
	return NULL;
}

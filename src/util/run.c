// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Running helper programs (apt-get, dpkg-deb, qemu) without a shell: argv is
 * passed as is, so no quoting bugs; output is captured for error messages and
 * parsing; a timeout kills the whole process group, so a hung qemu cannot
 * hang tuxtape.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tuxtape/util.h"

#define RUN_OUTPUT_MAX (64u << 20)

/* In the child: only async-signal-safe calls until exec. Reports errno on errfd. */
static void run_child(const char *const *argv, const char *cwd, int outfd, int errfd)
{
	setpgid(0, 0);
	int null = open("/dev/null", O_RDONLY);
	if (null >= 0)
		dup2(null, STDIN_FILENO);
	dup2(outfd, STDOUT_FILENO);
	dup2(outfd, STDERR_FILENO);
	/* {stage, errno}: stage 1 is chdir, 2 is exec, so the parent can say which failed. */
	int report[2] = {1, 0};
	if (!cwd || chdir(cwd) == 0) {
		report[0] = 2;
		execvp(argv[0], (char *const *)argv);
	}
	report[1] = errno;
	ssize_t w = write(errfd, report, sizeof(report));
	(void)w;
	_exit(127);
}

/* Read what the child writes until EOF or the deadline; false on timeout. */
static bool run_collect(int fd, double deadline, struct tt_buf *out)
{
	char chunk[65536];
	for (;;) {
		int wait_ms = -1;
		if (deadline > 0) {
			double left = deadline - tt_now_monotonic();
			if (left <= 0)
				return false;
			wait_ms = (int)(left * 1000) + 1;
		}
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int r = poll(&p, 1, wait_ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			continue; /* the deadline check above ends the loop */
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return true;
		if (out->len + (size_t)n <= RUN_OUTPUT_MAX)
			tt_buf_add(out, chunk, (size_t)n);
	}
}

static int run_status(int ws)
{
	if (WIFEXITED(ws))
		return WEXITSTATUS(ws);
	if (WIFSIGNALED(ws))
		return 128 + WTERMSIG(ws);
	return 255;
}

int tt_run(const char *const *argv, const char *cwd, double timeout_s, struct tt_run_result *res,
	   struct tt_error *err)
{
	memset(res, 0, sizeof(*res));
	int outp[2], errp[2];
	if (pipe2(outp, O_CLOEXEC) != 0)
		return tt_error_set(err, -errno, "cannot run %s: pipe: %s", argv[0],
				    strerror(errno));
	if (pipe2(errp, O_CLOEXEC) != 0) {
		int e = errno;
		close(outp[0]);
		close(outp[1]);
		return tt_error_set(err, -e, "cannot run %s: pipe: %s", argv[0], strerror(e));
	}
	double start = tt_now_monotonic();
	pid_t pid = fork();
	if (pid == 0)
		run_child(argv, cwd, outp[1], errp[1]);
	if (pid > 0)
		setpgid(pid, pid); /* also here: the child may not have run yet at a timeout */
	close(outp[1]);
	close(errp[1]);
	if (pid < 0) {
		int e = errno;
		close(outp[0]);
		close(errp[0]);
		return tt_error_set(err, -e, "cannot run %s: fork: %s", argv[0], strerror(e));
	}
	struct tt_buf out = TT_BUF_INIT;
	bool done = run_collect(outp[0], timeout_s > 0 ? start + timeout_s : 0, &out);
	if (!done) {
		kill(-pid, SIGKILL); /* the group: qemu's helpers too */
		kill(pid, SIGKILL);  /* in case it left the group */
	}
	close(outp[0]);
	int ws = 0;
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	int report[2] = {0, 0};
	ssize_t n = read(errp[0], report, sizeof(report));
	close(errp[0]);
	if (n == (ssize_t)sizeof(report) && report[1]) {
		tt_buf_free(&out);
		if (report[0] == 1)
			return tt_error_set(err, -report[1], "cannot run %s in %s: %s", argv[0],
					    cwd, strerror(report[1]));
		if (report[1] == ENOENT)
			return tt_error_set(err, -ENOENT, "cannot run %s: not found in PATH",
					    argv[0]);
		return tt_error_set(err, -report[1], "cannot run %s: %s", argv[0],
				    strerror(report[1]));
	}
	res->status = run_status(ws);
	res->timed_out = !done;
	res->seconds = tt_now_monotonic() - start;
	tt_buf_add(&out, "", 0); /* never NULL, even when the program printed nothing */
	res->out_len = out.len;
	res->out = tt_buf_detach(&out);
	return 0;
}

void tt_run_result_free(struct tt_run_result *res)
{
	free(res->out);
	res->out = NULL;
	res->out_len = 0;
}

char *tt_run_argv_str(const char *const *argv)
{
	struct tt_buf b = TT_BUF_INIT;
	for (size_t i = 0; argv[i]; i++) {
		if (i)
			tt_buf_addc(&b, ' ');
		tt_buf_adds(&b, argv[i]);
	}
	tt_buf_add(&b, "", 0);
	return tt_buf_detach(&b);
}

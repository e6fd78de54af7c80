// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A build worker: claim a job, build its module, boot-test it, report each
 * step. The commands are argv templates run without a shell, so a patch or
 * kernel name can never be read as shell syntax.
 */
#include <errno.h>
#include <openssl/evp.h>
#include <string.h>
#include <time.h>

#include "tuxtape/pipeline.h"
#include "tuxtape/util.h"

/* One job's files and the values its command templates refer to. */
struct job_run {
	const struct tt_job *job;
	char *dir, *patch, *module, *name, *id, *rev;
};

static void job_run_free(struct job_run *jr)
{
	free(jr->dir);
	free(jr->patch);
	free(jr->module);
	free(jr->name);
	free(jr->id);
	free(jr->rev);
}

static const char *placeholder(const struct job_run *jr, const char *key, size_t len)
{
	const struct {
		const char *key, *value;
	} values[] = {
	    {"patch", jr->patch},   {"kernel", jr->job->kernel},
	    {"module", jr->module}, {"name", jr->name},
	    {"job", jr->id},	    {"cve", jr->job->cve_id},
	    {"rev", jr->rev},	    {"dir", jr->dir},
	};
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		if (strlen(values[i].key) == len && strncmp(values[i].key, key, len) == 0)
			return values[i].value;
	return NULL;
}

/* word with each known {key} replaced; unknown braces stay as written. */
static char *expand_word(const struct job_run *jr, const char *word)
{
	struct tt_buf b = TT_BUF_INIT;
	const char *p = word, *open;
	while ((open = strchr(p, '{'))) {
		const char *close = strchr(open, '}');
		const char *value =
		    close ? placeholder(jr, open + 1, (size_t)(close - open - 1)) : NULL;
		tt_buf_add(&b, p, (size_t)(open - p));
		if (!value) {
			tt_buf_addc(&b, '{');
			p = open + 1;
			continue;
		}
		tt_buf_adds(&b, value);
		p = close + 1;
	}
	tt_buf_adds(&b, p);
	return tt_buf_detach(&b);
}

static void expand_argv(const struct job_run *jr, const char *const *tmpl, struct tt_strv *out)
{
	for (size_t i = 0; tmpl[i]; i++)
		tt_strv_push_owned(out, expand_word(jr, tmpl[i]));
	tt_strv_push_owned(out, NULL); /* argv's terminator */
}

static int prepare_run(const struct tt_worker_config *cfg, const struct tt_job *job,
		       struct job_run *jr, struct tt_error *err)
{
	memset(jr, 0, sizeof(*jr));
	jr->job = job;
	/* The claim number keeps a retried job's files apart from the lost attempt's. */
	jr->dir = tt_xasprintf("%s/job-%lld-%d", cfg->workdir, (long long)job->id, job->attempt);
	jr->name = tt_job_module_name(job->cve_id, job->rev);
	jr->patch = tt_xasprintf("%s/%s.patch", jr->dir, jr->name);
	jr->module = tt_xasprintf("%s/%s.ko", jr->dir, jr->name);
	jr->id = tt_xasprintf("%lld", (long long)job->id);
	jr->rev = tt_xasprintf("%ld", job->rev);
	int r = tt_mkdir_p(jr->dir, 0755, err);
	if (r == 0)
		r = tt_write_file_atomic(jr->patch, job->patch_text, strlen(job->patch_text), err);
	return r;
}

static int sha256_file(const char *path, char out[65], struct tt_error *err)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r = tt_read_file(path, &data, &len, err);
	if (r < 0)
		return r;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	EVP_Digest(data, len, md, &md_len, EVP_sha256(), NULL);
	for (unsigned int i = 0; i < md_len && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[64] = '\0';
	return 0;
}

/*
 * Run one step's command in the job's directory; its output goes to
 * DIR/STEP.log too. *why is NULL when it succeeded, else one line (malloc'd).
 */
static void run_step(const struct job_run *jr, const char *step, const char *const *tmpl,
		     double timeout, struct tt_run_result *res, char **why)
{
	struct tt_strv argv = TT_STRV_INIT;
	expand_argv(jr, tmpl, &argv);
	struct tt_error err = {0};
	memset(res, 0, sizeof(*res));
	*why = NULL;
	if (tt_run((const char *const *)argv.v, jr->dir, timeout, res, &err) < 0) {
		*why = tt_xasprintf("the %s command could not start: %s", step, err.msg);
		res->out = tt_xstrdup(err.msg);
	} else if (res->timed_out) {
		*why = tt_xasprintf("the %s timed out after %.0f s", step, res->seconds);
	} else if (res->status != 0) {
		*why = tt_xasprintf("the %s exited with status %d", step, res->status);
	}
	_cleanup_free_ char *log = tt_xasprintf("%s/%s.log", jr->dir, step);
	tt_write_file_atomic(log, res->out ? res->out : "", res->out ? strlen(res->out) : 0, NULL);
	tt_strv_free(&argv);
}

static void event(const struct tt_worker_config *cfg, const struct tt_job *job, const char *what,
		  const char *detail)
{
	if (cfg->event)
		cfg->event(cfg->event_ctx, job, what, detail);
}

/* Build; report. *ok: the module exists and the test may run. */
static int build_step(const struct tt_job_source *src, const struct tt_worker_config *cfg,
		      const struct job_run *jr, bool *ok, struct tt_error *err)
{
	struct tt_run_result res;
	char *why;
	char sha[65] = "";
	event(cfg, jr->job, "build", NULL);
	run_step(jr, "build", cfg->build_cmd, cfg->build_timeout, &res, &why);
	if (!why && !tt_path_exists(jr->module))
		why = tt_xasprintf("the build succeeded but wrote no module at %s", jr->module);
	struct tt_error herr = {0};
	if (!why && sha256_file(jr->module, sha, &herr) < 0)
		why = tt_xasprintf("reading the built module: %s", herr.msg);
	struct tt_job_report rep = {.ok = !why, .log = res.out, .error = why};
	if (!why) {
		rep.module_path = jr->module;
		rep.module_sha256 = sha;
	}
	int r = src->ops->built(src->ctx, jr->job, &rep, err);
	*ok = !why;
	if (why)
		event(cfg, jr->job, "failed", why);
	free(why);
	tt_run_result_free(&res);
	return r;
}

static int test_step(const struct tt_job_source *src, const struct tt_worker_config *cfg,
		     const struct job_run *jr, bool *ok, struct tt_error *err)
{
	struct tt_run_result res;
	char *why;
	event(cfg, jr->job, "test", NULL);
	run_step(jr, "test", cfg->test_cmd, cfg->test_timeout, &res, &why);
	struct tt_job_report rep = {.ok = !why, .log = res.out, .error = why};
	int r = src->ops->tested(src->ctx, jr->job, &rep, err);
	*ok = !why;
	event(cfg, jr->job, why ? "failed" : "passed", why);
	free(why);
	tt_run_result_free(&res);
	return r;
}

/* Run one claimed job; a lost lease is counted, not fatal. */
static int run_job(const struct tt_job_source *src, const struct tt_worker_config *cfg,
		   const struct tt_job *job, struct tt_worker_stats *stats, struct tt_error *err)
{
	struct job_run jr;
	bool ok = false;
	struct tt_error local = {0};
	int r = prepare_run(cfg, job, &jr, &local);
	if (r < 0) {
		/* The job cannot run here (disk full, bad --workdir): fail it with the reason. */
		struct tt_job_report rep = {.ok = false, .log = "", .error = local.msg};
		r = src->ops->built(src->ctx, job, &rep, err);
	} else {
		r = build_step(src, cfg, &jr, &ok, err);
		if (r == 0 && ok)
			r = test_step(src, cfg, &jr, &ok, err);
	}
	job_run_free(&jr);
	if (r == -ESTALE) {
		stats->lost++;
		event(cfg, job, "lost", err ? err->msg : NULL);
		tt_error_clear(err);
		return 0;
	}
	if (r == 0 && ok)
		stats->passed++;
	else if (r == 0)
		stats->failed++;
	return r;
}

/* Sleep up to seconds, waking early when asked to stop. */
static void idle(const struct tt_worker_config *cfg, double seconds)
{
	double end = tt_now_monotonic() + seconds;
	while (!(cfg->stop && *cfg->stop) && tt_now_monotonic() < end) {
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
}

static bool should_stop(const struct tt_worker_config *cfg, const struct tt_worker_stats *st)
{
	return (cfg->stop && *cfg->stop) || (cfg->max_jobs > 0 && st->claimed >= cfg->max_jobs);
}

int tt_worker_run(const struct tt_job_source *src, const struct tt_worker_config *cfg,
		  struct tt_worker_stats *stats, struct tt_error *err)
{
	memset(stats, 0, sizeof(*stats));
	while (!should_stop(cfg, stats)) {
		struct tt_job job;
		bool got = false;
		int r = src->ops->claim(src->ctx, cfg->name, &job, &got, err);
		if (r < 0)
			return r;
		if (!got) {
			if (cfg->until_empty)
				break;
			idle(cfg, cfg->poll_seconds > 0 ? cfg->poll_seconds : 5);
			continue;
		}
		stats->claimed++;
		r = run_job(src, cfg, &job, stats, err);
		tt_job_free(&job);
		if (r < 0)
			return r;
	}
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The agent object: its state directory, this kernel, the host's credentials,
 * and the calls to the server (enroll, heartbeat, report).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "tuxtape/agent.h"

#define REPORT_EXCERPT_MAX (16 * 1024) /* the server's cap (docs/fleet-api.md) */

static int default_load(void *ctx, int fd, const char *name, struct tt_error *err)
{
	if (syscall(SYS_finit_module, fd, "", 0) != 0)
		return tt_error_set(err, -errno, "finit_module %s: %s", name, strerror(errno));
	return 0;
}

static int default_unload(void *ctx, const char *name, struct tt_error *err)
{
	if (syscall(SYS_delete_module, name, O_NONBLOCK) != 0)
		return tt_error_set(err, -errno, "delete_module %s: %s", name, strerror(errno));
	return 0;
}

static double default_now(void *ctx)
{
	return tt_now_monotonic();
}

static void default_sleep(void *ctx, double seconds)
{
	struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

void tt_agent_ops_default(struct tt_agent_ops *ops)
{
	ops->load_module = default_load;
	ops->unload_module = default_unload;
	ops->now = default_now;
	ops->sleep = default_sleep;
	ops->ctx = NULL;
}

/* First line of a file under the root prefix into out ("" when unreadable). */
static void read_id(const struct tt_agent_config *cfg, const char *abs_path, char *out, size_t n)
{
	_cleanup_free_ char *path = tt_agent_path(cfg, abs_path);
	out[0] = '\0';
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(out, (int)n, f))
		out[strcspn(out, "\n")] = '\0';
	fclose(f);
}

int tt_agent_open(struct tt_agent *a, const struct tt_agent_config *cfg,
		  const struct tt_agent_ops *ops, struct tt_error *err)
{
	memset(a, 0, sizeof(*a));
	a->cfg = cfg;
	if (ops)
		a->ops = *ops;
	else
		tt_agent_ops_default(&a->ops);
	int rc = tt_fleet_state_open(cfg->state_dir, &a->state, err);
	if (rc == 0)
		rc = tt_agent_ledger_open(cfg->state_dir, &a->ledger, err);
	if (rc == 0)
		rc = tt_agent_kernel_read(cfg, &a->kernel, err);
	if (rc < 0) {
		tt_agent_close(a);
		return rc;
	}
	a->enrolled = tt_agent_credentials_load(cfg->state_dir, &a->cred, NULL) == 0;
	read_id(cfg, "/proc/sys/kernel/random/boot_id", a->boot_id, sizeof(a->boot_id));
	read_id(cfg, "/etc/machine-id", a->machine_id, sizeof(a->machine_id));
	return 0;
}

void tt_agent_close(struct tt_agent *a)
{
	tt_fleet_state_close(a->state);
	tt_agent_ledger_free(&a->ledger);
	tt_agent_credentials_free(&a->cred);
	tt_strv_free(&a->log);
	memset(a, 0, sizeof(*a));
}

/* The server's base URL: the enrolled one, else the configured one. */
static const char *agent_server(const struct tt_agent *a)
{
	return a->enrolled ? a->cred.server : a->cfg->server;
}

void tt_agent_report(struct tt_agent *a, const char *kind, const char *patch, const char *message,
		     const char *excerpt)
{
	tt_strv_push_owned(&a->log, tt_xasprintf("report %s%s%s: %s", kind, patch ? " " : "",
						 patch ? patch : "", message));
	if (!a->enrolled)
		return;
	char when[32];
	tt_format_iso8601((int64_t)time(NULL), when, sizeof(when));
	json_t *body = json_pack("{s:s, s:s, s:s?, s:s}", "machine_id", a->machine_id, "kind", kind,
				 "message", message, "time", when);
	if (patch)
		json_object_set_new(body, "patch", json_string(patch));
	if (excerpt)
		json_object_set_new(body, "excerpt",
				    json_stringn(excerpt, strnlen(excerpt, REPORT_EXCERPT_MAX)));
	struct tt_error e = {0};
	/* A report that cannot be sent is logged; the next heartbeat still carries the state. */
	if (tt_agent_api_post(a->cfg, agent_server(a), a->cred.secret, "report", body, NULL, NULL,
			      &e) < 0)
		tt_strv_push_owned(&a->log, tt_xasprintf("report not sent: %s", e.msg));
	json_decref(body);
}

/* The state to tell the server: the kernel's word for a loaded patch, else the ledger's. */
static json_t *heartbeat_patch(const struct tt_agent *a, const struct tt_agent_patch *p)
{
	struct tt_agent_lp lp;
	const char *state = tt_agent_patch_state_name(p->state);
	bool transition = false;
	if (tt_agent_lp_read(a->cfg, p->name, &lp, NULL) == 0) {
		transition = lp.transition == 1;
		state = transition ? "transition" : lp.enabled == 1 ? "enabled" : "disabled";
	} else if (p->state == TT_AGENT_PATCH_ENABLED || p->state == TT_AGENT_PATCH_TRANSITION) {
		state = "disabled"; /* the ledger says loaded, the kernel no longer holds it */
	}
	return json_pack("{s:s, s:s, s:s, s:s, s:b}", "name", p->name, "target",
			 p->target ? p->target : "", "sha256", p->sha256 ? p->sha256 : "", "state",
			 state, "transition", transition);
}

static int64_t uptime_seconds(const struct tt_agent_config *cfg)
{
	char line[64];
	read_id(cfg, "/proc/uptime", line, sizeof(line));
	return (int64_t)atof(line);
}

int tt_agent_heartbeat(struct tt_agent *a, json_t **reply, struct tt_error *err)
{
	*reply = NULL;
	if (!a->enrolled)
		return tt_error_set(err, -ENOENT, "not enrolled (run tuxtape-agent enroll)");
	json_t *patches = json_array();
	for (size_t i = 0; i < a->ledger.n; i++)
		json_array_append_new(patches, heartbeat_patch(a, &a->ledger.patches[i]));
	json_t *body =
	    json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:o}", "machine_id", a->machine_id,
		      "kernel_release", a->kernel.release, "kernel_build_id", a->kernel.build_id,
		      "agent_version", TT_VERSION, "uptime", (json_int_t)uptime_seconds(a->cfg),
		      "boot_id", a->boot_id, "patches", patches);
	int rc = tt_agent_api_post(a->cfg, agent_server(a), a->cred.secret, "heartbeat", body, NULL,
				   reply, err);
	json_decref(body);
	if (rc < 0) {
		tt_error_prefix(err, "heartbeat: ");
		return rc;
	}
	json_int_t interval = json_integer_value(json_object_get(*reply, "heartbeat_interval"));
	if (interval > 0)
		a->ledger.heartbeat_interval = (int64_t)interval;
	const char *tier = json_string_value(json_object_get(*reply, "tier"));
	if (tier) {
		free(a->ledger.tier);
		a->ledger.tier = tt_xstrdup(tier);
	}
	return 0;
}

int tt_agent_enroll(struct tt_agent *a, const char *server, const char *token, struct tt_error *err)
{
	char host[256] = "";
	gethostname(host, sizeof(host) - 1);
	if (!a->machine_id[0])
		return tt_error_set(err, -ENOENT, "no machine id in %s/etc/machine-id",
				    a->cfg->root);
	json_t *body = json_pack("{s:s, s:s, s:s, s:{}, s:s}", "enrollment_token", token,
				 "machine_id", a->machine_id, "hostname", host, "labels",
				 "kernel_release", a->kernel.release);
	json_t *reply = NULL;
	int rc = tt_agent_api_post(a->cfg, server, NULL, "enroll", body, NULL, &reply, err);
	json_decref(body);
	const char *host_id = NULL, *secret = NULL;
	if (rc == 0 &&
	    json_unpack(reply, "{s:s, s:s}", "host_id", &host_id, "secret", &secret) != 0)
		rc = tt_error_set(err, -EPROTO, "enroll: the answer has no host_id and secret");
	if (rc == 0) {
		tt_agent_credentials_free(&a->cred);
		a->cred.server = tt_xstrdup(server);
		a->cred.host_id = tt_xstrdup(host_id);
		a->cred.secret = tt_xstrdup(secret);
		rc = tt_agent_credentials_save(a->cfg->state_dir, &a->cred, err);
		a->enrolled = rc == 0;
	}
	json_decref(reply);
	if (rc < 0)
		tt_error_prefix(err, "enroll: ");
	return rc;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tuxtape-agent's library (docs/agent.md): everything the fleet agent does on
 * a host except parsing its command line and printing.
 *
 *   tt_agent_config_*   the configuration file and flags, one key set
 *   tt_agent_host_*     this kernel (release, build id), kill switches and
 *                       pre-flight checks, read under a root prefix
 *   tt_agent_lp_*       /sys/kernel/livepatch: state, signal, reverse, and the
 *                       tasks blocking a transition (/proc/PID/task/TID/patch_state)
 *   tt_agent_select     which signed targets this host may load
 *   tt_agent_ledger_*   DIR/agent.json: the patches the agent verified and what
 *                       became of them (cache for boot-time loading)
 *   tt_agent_api_*      the fleet API (docs/fleet-api.md) over libcurl
 *   tt_agent_*          one refresh cycle, the boot-time loader, status and check
 *
 * Every path under /sys, /proc and /dev is taken under cfg->root ("" on a real
 * host), so the tests run the whole agent against a fake tree.
 */
#ifndef TUXTAPE_AGENT_H
#define TUXTAPE_AGENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tuxtape/error.h"
#include "tuxtape/fleet.h"
#include "tuxtape/util.h"

/* ---- configuration: "key = value" lines; flags use the same keys ---- */
enum tt_agent_warning_policy {
	TT_AGENT_ON_WARNING_REPORT,  /* report the kernel's report, keep the patch */
	TT_AGENT_ON_WARNING_DISABLE, /* report it and disable the patch it names */
};

struct tt_agent_config {
	char *server;	      /* fleet server base URL, e.g. https://fleet.example/ */
	char *archive_url;    /* archive base; NULL: what the server says, else SERVER/archive/ */
	char *archive_root;   /* the archive's trusted root.json, copied in on first use */
	char *state_dir;      /* TT_FLEET_STATE_DIR unless set */
	char *root;	      /* prefix of /sys, /proc, /dev, /etc: "" on a real host */
	char *kill_file;      /* its existence stops the agent from loading anything */
	char *proxy;	      /* libcurl proxy URL, NULL: the environment's */
	char *ca_file;	      /* PEM bundle trusted for the server, NULL: the system's */
	double interval;      /* seconds between refresh cycles */
	bool interval_set;    /* given by the file or a flag: the server's does not apply */
	double jitter;	      /* up to this many seconds added at random to each wait */
	double signal_after;  /* a transition this old gets its blocking tasks signalled */
	double revert_after;  /* and this old is reversed (enabled=0) */
	double poll_interval; /* how often sysfs is read while waiting */
	double http_timeout;  /* seconds for one API call */
	enum tt_agent_warning_policy on_warning;
};

/* Defaults (documented in docs/agent.md); release with tt_agent_config_free. */
void tt_agent_config_init(struct tt_agent_config *cfg);
void tt_agent_config_free(struct tt_agent_config *cfg);
/* Set one key ("state_dir" or "state-dir"); -EINVAL names an unknown key or a bad value. */
int tt_agent_config_set(struct tt_agent_config *cfg, const char *key, const char *value,
			struct tt_error *err);
/* Read a file of "key = value" lines ('#' starts a comment); errors name FILE:LINE. */
int tt_agent_config_load(struct tt_agent_config *cfg, const char *path, struct tt_error *err);
/* ROOT + abs_path (caller frees): the place to read a kernel file. */
char *tt_agent_path(const struct tt_agent_config *cfg, const char *abs_path);

/* ---- this host ---- */
struct tt_agent_kernel {
	char release[128];  /* uname -r, from /proc/sys/kernel/osrelease */
	char build_id[128]; /* hex GNU build id of vmlinux from /sys/kernel/notes, or "" */
};
int tt_agent_kernel_read(const struct tt_agent_config *cfg, struct tt_agent_kernel *k,
			 struct tt_error *err);
/* The GNU build id (hex) in an ELF notes blob such as /sys/kernel/notes; false when absent. */
bool tt_agent_notes_build_id(const void *notes, size_t len, char *hex, size_t hex_n);

/* Why the agent must not load anything now, or NULL: the kill switches. */
const char *tt_agent_killed(const struct tt_agent_config *cfg);

struct tt_agent_check {
	const char *name; /* "livepatch", "ftrace", "lockdown", "sig_enforce", "signing_keys" */
	bool ok;
	bool fatal;	/* not ok and livepatching cannot work at all */
	bool needs_sig; /* not ok: only signed modules will load */
	char message[256];
};
#define TT_AGENT_N_CHECKS 5
/* Fill the checks; returns how many failed fatally. */
int tt_agent_preflight(const struct tt_agent_config *cfg,
		       struct tt_agent_check out[TT_AGENT_N_CHECKS]);
/* Whether a module file carries an appended signature (what lockdown or sig_enforce demand). */
bool tt_agent_module_signed(const char *path);

/* ---- /sys/kernel/livepatch ---- */
struct tt_agent_lp {
	char name[64];
	int enabled;	/* -1: unreadable */
	int transition; /* -1: unreadable */
};
/* The livepatches the kernel holds now, sorted by name. */
int tt_agent_lp_list(const struct tt_agent_config *cfg, struct tt_agent_lp **out, size_t *n,
		     struct tt_error *err);
/* One patch; -ENOENT when the kernel does not hold it. */
int tt_agent_lp_read(const struct tt_agent_config *cfg, const char *name, struct tt_agent_lp *lp,
		     struct tt_error *err);
/* Write "1" to NAME/signal: the kernel sends fake signals to tasks blocking the transition. */
int tt_agent_lp_signal(const struct tt_agent_config *cfg, const char *name, struct tt_error *err);
/* Write "0" to NAME/enabled: disable, or reverse a running transition. */
int tt_agent_lp_disable(const struct tt_agent_config *cfg, const char *name, struct tt_error *err);

struct tt_agent_task {
	int pid, tid;
	int patch_state; /* what /proc says: 0 unpatched, 1 patched */
	char comm[32];
	char *stack; /* /proc/PID/task/TID/stack, or NULL when unreadable */
};
/*
 * Tasks holding up a transition towards target (1 patching, 0 unpatching): their
 * patch_state is the other value. Free with tt_agent_tasks_free.
 */
int tt_agent_blocking_tasks(const struct tt_agent_config *cfg, int target,
			    struct tt_agent_task **out, size_t *n, struct tt_error *err);
void tt_agent_tasks_free(struct tt_agent_task *t, size_t n);
/* "PID/TID comm:\n  stack lines" for every task, for reports and `blocking`. */
char *tt_agent_tasks_format(const struct tt_agent_task *t, size_t n);

/* A transition being watched: one poll at a time, time passed in (testable). */
enum tt_agent_watch_result {
	TT_AGENT_WATCH_WAITING,	  /* still in transition, nothing done */
	TT_AGENT_WATCH_SIGNALLED, /* still in transition; blocking tasks were just signalled */
	TT_AGENT_WATCH_REVERSING, /* too slow: enabled=0 was just written (tasks in w->blocking) */
	TT_AGENT_WATCH_DONE,	  /* patched: enabled 1, transition 0 */
	TT_AGENT_WATCH_REVERTED,  /* the reversal finished: enabled 0, or the patch is gone */
	TT_AGENT_WATCH_FAILED,	  /* the kernel does not hold the patch (or sysfs failed) */
};
struct tt_agent_watch {
	char name[64];
	double started;
	bool signalled;
	bool reversing;
	char *blocking; /* tt_agent_tasks_format of the tasks found when reversing */
};
void tt_agent_watch_start(struct tt_agent_watch *w, const char *name, double now);
enum tt_agent_watch_result tt_agent_watch_poll(struct tt_agent_watch *w,
					       const struct tt_agent_config *cfg, double now,
					       struct tt_error *err);
void tt_agent_watch_free(struct tt_agent_watch *w);

/* ---- choosing what to load ---- */
struct tt_agent_wanted {
	const char *name;   /* module name */
	const char *target; /* archive target name */
	const char *sha256; /* what the server released; "" or NULL: not checked */
};
/*
 * Whether a verified target (custom from the signed targets metadata, sha256
 * from its hashes) fits this kernel and what the server asked for. 0 when it
 * does; -EINVAL with the reason in err otherwise.
 */
int tt_agent_select(const struct tt_agent_kernel *k, const struct tt_agent_wanted *w,
		    const json_t *custom, const char *sha256, struct tt_error *err);

/* ---- DIR/agent.json: what the agent verified and loaded ---- */
enum tt_agent_patch_state {
	TT_AGENT_PATCH_LOADING,
	TT_AGENT_PATCH_ENABLED,
	TT_AGENT_PATCH_DISABLED,
	TT_AGENT_PATCH_TRANSITION,
	TT_AGENT_PATCH_FAILED,
	TT_AGENT_PATCH_REVERTED,
};
const char *tt_agent_patch_state_name(enum tt_agent_patch_state s);

struct tt_agent_patch {
	char *name, *target, *sha256, *file; /* file: the verified module in the cache */
	char *kernel_release;
	int64_t patch_version;
	struct tt_strv cves;
	enum tt_agent_patch_state state;
	bool hold;	 /* not loaded automatically: a crash during its load, or `unload` */
	char *message;	 /* why it is in its state (error, reversal, hold) */
	int64_t changed; /* when the state last changed (UTC seconds) */
};

struct tt_agent_ledger {
	char *path;
	struct tt_agent_patch *patches;
	size_t n;
	int64_t last_check;
	char *last_result; /* "ok", "updates pending", or the error message */
	char *tier;
	char *host_id;
	int64_t heartbeat_interval; /* what the server asked for (0: nothing yet) */
};
int tt_agent_ledger_open(const char *state_dir, struct tt_agent_ledger *l, struct tt_error *err);
/*
 * Seconds until the next cycle: the configured interval when set explicitly,
 * else the server's heartbeat_interval recorded in the ledger, else the default.
 */
double tt_agent_next_interval(const struct tt_agent_config *cfg);
int tt_agent_ledger_save(const struct tt_agent_ledger *l, struct tt_error *err);
void tt_agent_ledger_free(struct tt_agent_ledger *l);
/* The patch called name, NULL when unknown; _add creates it (empty fields). */
struct tt_agent_patch *tt_agent_ledger_find(struct tt_agent_ledger *l, const char *name);
struct tt_agent_patch *tt_agent_ledger_add(struct tt_agent_ledger *l, const char *name);
void tt_agent_patch_set(struct tt_agent_patch *p, enum tt_agent_patch_state s, const char *message);

/* ---- the fleet API ---- */
struct tt_agent_credentials {
	char *server, *host_id, *secret;
};
/* DIR/credentials.json (mode 0600); -ENOENT when not enrolled. */
int tt_agent_credentials_load(const char *state_dir, struct tt_agent_credentials *c,
			      struct tt_error *err);
int tt_agent_credentials_save(const char *state_dir, const struct tt_agent_credentials *c,
			      struct tt_error *err);
void tt_agent_credentials_free(struct tt_agent_credentials *c);

/*
 * POST body (a JSON object) to SERVER/api/v1/PATH with the bearer token (NULL:
 * none). *reply (optional) gets the answer's JSON. An HTTP error is negative
 * with the server's {"error": {"message"}} in err. Proxy, CA and timeout from cfg.
 */
int tt_agent_api_post(const struct tt_agent_config *cfg, const char *server, const char *token,
		      const char *path, const json_t *body, long *status, json_t **reply,
		      struct tt_error *err);

/* ---- the agent ---- */
/* What the agent does to the kernel; the defaults are the syscalls, tests swap in fakes. */
struct tt_agent_ops {
	/* finit_module(fd, "", 0) */
	int (*load_module)(void *ctx, int fd, const char *name, struct tt_error *err);
	/* delete_module(name, O_NONBLOCK) */
	int (*unload_module)(void *ctx, const char *name, struct tt_error *err);
	double (*now)(void *ctx);		  /* monotonic seconds */
	void (*sleep)(void *ctx, double seconds); /* wait between polls */
	void *ctx;
};
void tt_agent_ops_default(struct tt_agent_ops *ops);

struct tt_agent {
	const struct tt_agent_config *cfg;
	struct tt_agent_ops ops;
	struct tt_fleet_state *state;
	struct tt_agent_ledger ledger;
	struct tt_agent_kernel kernel;
	struct tt_agent_credentials cred;
	bool enrolled;
	char boot_id[64];
	char machine_id[64];
	struct tt_strv log; /* what the cycle did, one line each, for the caller to print */
};
/* Open the state directory, read the kernel and credentials. ops NULL: the syscalls. */
int tt_agent_open(struct tt_agent *a, const struct tt_agent_config *cfg,
		  const struct tt_agent_ops *ops, struct tt_error *err);
void tt_agent_close(struct tt_agent *a);

/*
 * After a crash or reboot: patches still marked as loading are held (never
 * loaded automatically again) and reported. Returns how many were found.
 */
int tt_agent_recover(struct tt_agent *a, struct tt_error *err);
/*
 * Bring the ledger in line with the kernel: a patch recorded as enabled that the
 * kernel no longer holds (an atomic-replace patch superseded it, or someone
 * removed it) becomes disabled, so the boot loader does not bring it back.
 * Returns how many changed.
 */
int tt_agent_reconcile(struct tt_agent *a);
/* Boot: load the cached, verified patches for this kernel (no network), oldest version first. */
int tt_agent_boot_load(struct tt_agent *a, struct tt_error *err);
/*
 * One refresh cycle: kill switches, pre-flight, heartbeat, archive refresh,
 * select, download and verify, load and watch, kernel log, reports, heartbeat.
 */
int tt_agent_cycle(struct tt_agent *a, struct tt_error *err);
/* Load one verified module file (marks, finit_module, watch, ledger, reports). */
int tt_agent_load(struct tt_agent *a, struct tt_agent_patch *p, struct tt_error *err);
/*
 * Disable, wait for the unpatching, delete the module; hold it (no automatic
 * reload) when asked. reason goes to the ledger and the "unloaded" report.
 */
int tt_agent_unload(struct tt_agent *a, const char *name, bool hold, const char *reason,
		    struct tt_error *err);
/* Read the kernel log from the saved cursor, report what names our patches. */
int tt_agent_scan_kmsg(struct tt_agent *a, struct tt_error *err);
/* Send a report (best effort when not enrolled: logged only). */
void tt_agent_report(struct tt_agent *a, const char *kind, const char *patch, const char *message,
		     const char *excerpt);
/* enroll: POST /enroll, save the credentials. */
int tt_agent_enroll(struct tt_agent *a, const char *server, const char *token,
		    struct tt_error *err);

/* The status document (docs/agent.md, "status --json"); new reference. */
json_t *tt_agent_status_json(struct tt_agent *a);

/* `check`'s answers, also its exit status. */
enum tt_agent_check_result {
	TT_AGENT_UP_TO_DATE = 0,
	TT_AGENT_ERROR = 1,
	TT_AGENT_UPDATES_PENDING = 3,
	TT_AGENT_UNSUPPORTED = 4,
};
/*
 * Compare what the server wants (desired: its heartbeat answer's "desired",
 * may be NULL when it could not be asked) with what is loaded.
 */
enum tt_agent_check_result tt_agent_check_verdict(const struct tt_agent_check *checks,
						  const json_t *desired,
						  const struct tt_agent_lp *loaded, size_t n_loaded,
						  char *why, size_t why_n);
/* Heartbeat once (no loading); *reply gets the answer. */
int tt_agent_heartbeat(struct tt_agent *a, json_t **reply, struct tt_error *err);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The fleet server (`tuxtape serve`): hosts enroll and report, operators
 * decide which patch goes to which tier of hosts. docs/fleet-api.md is the
 * wire contract, docs/server.md the operations guide.
 *
 * Layers, each usable alone:
 *   credentials  token format, hashing and constant-time comparison; roles
 *   rollout      tiers and the assignment of a host to one
 *   requests     validation of every JSON request body (pure, no store)
 *   fleet store  the server's tables behind the store (src/store/server_*.c)
 *   service      the operations themselves: transactional, audited; shared by
 *                the HTTP API and the `tuxtape server` commands
 *   HTTP         libmicrohttpd: TLS, routing, bodies, the archive's files
 */
#ifndef TUXTAPE_SERVER_H
#define TUXTAPE_SERVER_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tuxtape/error.h"

/* ---- credentials ---- */

enum tt_token_kind {
	TT_TOKEN_HOST,	   /* "tth_": a host's own secret */
	TT_TOKEN_OPERATOR, /* "tto_": an operator with a role */
	TT_TOKEN_ENROLL,   /* "tte_": one enrollment */
};

/* Secrets are 32 random bytes, written as 64 lowercase hex digits; so are their hashes. */
#define TT_TOKEN_SECRET_HEX 64
#define TT_TOKEN_ID_MAX	    40

struct tt_token {
	enum tt_token_kind kind;
	char id[TT_TOKEN_ID_MAX + 1];
	char secret[TT_TOKEN_SECRET_HEX + 1];
};

/*
 * A fresh token of kind: a random id ("h_" + 16 hex for hosts, 16 hex
 * otherwise) and a random secret, both from OpenSSL's generator.
 */
int tt_token_generate(enum tt_token_kind kind, struct tt_token *out, struct tt_error *err);
/* "PREFIX_ID_SECRET" (malloc'd). */
char *tt_token_format(const struct tt_token *t);
/* Split a presented token; -EINVAL with a message when it is not one of kind. */
int tt_token_parse(const char *text, enum tt_token_kind kind, struct tt_token *out,
		   struct tt_error *err);
/* SHA-256 of the secret, hex: what the store keeps. */
void tt_token_hash(const char *secret, char out[TT_TOKEN_SECRET_HEX + 1]);
/* Whether secret hashes to stored_hash, compared in constant time. */
bool tt_token_matches(const char *secret, const char *stored_hash);

/* worker (build workers, docs/pipeline.md) stands apart: it includes no other role. */
enum tt_role { TT_ROLE_NONE = 0, TT_ROLE_VIEWER, TT_ROLE_REVIEWER, TT_ROLE_ADMIN, TT_ROLE_WORKER };

const char *tt_role_name(enum tt_role role);
/* -EINVAL for anything but "viewer", "reviewer", "admin", "worker". */
int tt_role_parse(const char *name, enum tt_role *out);
/* Each role includes the ones before it; worker only itself. */
bool tt_role_allows(enum tt_role have, enum tt_role need);

/* ---- rollout tiers ---- */

/*
 * A tier takes the hosts whose labels include all of its labels, and, of the
 * others, a percentage of machine ids by a stable hash. Tiers are ordered:
 * a release reaching tier N goes to the hosts of tiers 0..N.
 */
struct tt_tier {
	char *name;
	json_t *labels; /* object of string values; empty: no label rule */
	int percent;	/* 0..100 */
};

struct tt_tiers {
	struct tt_tier *v;
	size_t n;
};

/* Validate and copy a tiers array (the body of PUT /tiers); -EINVAL names the fault. */
int tt_tiers_from_json(const json_t *array, struct tt_tiers *out, struct tt_error *err);
json_t *tt_tiers_to_json(const struct tt_tiers *t);
/* What a new server starts with: canary (labels tier=canary, 10%), then stable. */
void tt_tiers_default(struct tt_tiers *out);
void tt_tiers_free(struct tt_tiers *t);
/* Index of the tier named name, -1 when there is none. */
int tt_tiers_find(const struct tt_tiers *t, const char *name);
/* The machine id's stable bucket, 0..99: the first 4 bytes of its SHA-256, mod 100. */
unsigned tt_machine_bucket(const char *machine_id);
/*
 * The tier of a host: the first tier whose labels all match host_labels;
 * else the tier whose cumulative percentage range holds the machine's
 * bucket; else the last tier. NULL only when there are no tiers.
 */
const char *tt_tier_assign(const struct tt_tiers *t, const json_t *host_labels,
			   const char *machine_id);

/* ---- request bodies (docs/fleet-api.md); strings are borrowed from the JSON ---- */

#define TT_FLEET_BODY_MAX    (64 * 1024)
#define TT_FLEET_EXCERPT_MAX (16 * 1024)

struct tt_enroll_req {
	const char *enrollment_token, *machine_id, *hostname, *kernel_release;
	const json_t *labels; /* an object of strings, never NULL */
};

struct tt_patch_state {
	const char *name, *target, *sha256, *state;
	bool transition;
};

struct tt_heartbeat_req {
	const char *machine_id, *kernel_release, *kernel_build_id, *agent_version, *boot_id;
	int64_t uptime;
	struct tt_patch_state *patches; /* owned: tt_heartbeat_req_free */
	size_t n_patches;
};

struct tt_report_req {
	const char *machine_id, *kind, *patch, *message;
	char *excerpt;	     /* owned copy, cut to TT_FLEET_EXCERPT_MAX on a character boundary */
	int64_t reported_at; /* "time", or 0 when not given */
};

struct tt_release_req {
	const char *patch, *target, *sha256, *kernel_release, *kernel_build_id, *tier;
	bool replace;
};

struct tt_enroll_token_req {
	const json_t *labels;
	int64_t expires_in; /* seconds */
};

struct tt_operator_token_req {
	const char *name;
	enum tt_role role;
};

/* Each returns -EINVAL with a message naming the missing or mistyped field. */
int tt_enroll_req_parse(const json_t *body, struct tt_enroll_req *out, struct tt_error *err);
int tt_heartbeat_req_parse(const json_t *body, struct tt_heartbeat_req *out, struct tt_error *err);
void tt_heartbeat_req_free(struct tt_heartbeat_req *req);
int tt_report_req_parse(const json_t *body, struct tt_report_req *out, struct tt_error *err);
void tt_report_req_free(struct tt_report_req *req);
int tt_release_req_parse(const json_t *body, struct tt_release_req *out, struct tt_error *err);
int tt_enroll_token_req_parse(const json_t *body, struct tt_enroll_token_req *out,
			      struct tt_error *err);
int tt_operator_token_req_parse(const json_t *body, struct tt_operator_token_req *out,
				struct tt_error *err);
/* Whether a report kind counts toward a release's automatic stop. */
bool tt_report_kind_is_error(const char *kind);
bool tt_machine_id_valid(const char *s);
/* Labels: an object of at most 32 string values, keys and values of sane size. */
int tt_labels_check(const json_t *labels, const char *field, struct tt_error *err);

/* ---- the fleet store (the server's tables, src/store/server_*.c) ---- */

struct tt_fleet_db;

/*
 * Open a connection to the store at location (as tt_store_open: migrated on
 * open). write_lock, when given, is held from tt_fleet_db_begin() to commit
 * or rollback on SQLite, so the connections of one process queue for the
 * single writer instead of sleeping in SQLite's busy handler. wal switches
 * a SQLite store to write-ahead logging (readers then never wait).
 */
int tt_fleet_db_open(const char *location, pthread_mutex_t *write_lock, bool wal,
		     struct tt_fleet_db **out, struct tt_error *err);
void tt_fleet_db_close(struct tt_fleet_db *db);
const char *tt_fleet_db_location(const struct tt_fleet_db *db);
const char *tt_fleet_db_backend(const struct tt_fleet_db *db);
/* A write transaction (BEGIN IMMEDIATE on SQLite: no deadlock on upgrade). */
int tt_fleet_db_begin(struct tt_fleet_db *db, struct tt_error *err);
int tt_fleet_db_commit(struct tt_fleet_db *db, struct tt_error *err);
void tt_fleet_db_rollback(struct tt_fleet_db *db);

/* What authenticating a host needs. Strings owned; tt_fleet_host_auth_free. */
struct tt_fleet_host_auth {
	char *machine_id, *secret_hash, *labels, *patches_digest, *kernel_release;
};
void tt_fleet_host_auth_free(struct tt_fleet_host_auth *a);
/* -ENOENT when there is no such host. */
int tt_fleet_host_auth_get(struct tt_fleet_db *db, const char *host_id,
			   struct tt_fleet_host_auth *out, struct tt_error *err);
/* The host enrolled with machine_id (*host_id malloc'd), or *host_id NULL. */
int tt_fleet_host_by_machine(struct tt_fleet_db *db, const char *machine_id, char **host_id,
			     struct tt_error *err);

struct tt_fleet_host_enrollment {
	const char *id, *machine_id, *hostname, *labels, *kernel_release, *secret_hash;
	int64_t now;
};
/* Insert the host, or (same id) update its name, labels and kernel; set its secret. */
int tt_fleet_host_enroll(struct tt_fleet_db *db, const struct tt_fleet_host_enrollment *e,
			 struct tt_error *err);

struct tt_fleet_heartbeat_row {
	const char *host_id, *kernel_release, *kernel_build_id, *agent_version, *boot_id, *tier;
	const char *patches_digest;
	int64_t uptime, now;
};
int tt_fleet_host_heartbeat(struct tt_fleet_db *db, const struct tt_fleet_heartbeat_row *row,
			    struct tt_error *err);
int tt_fleet_host_patches_replace(struct tt_fleet_db *db, const char *host_id,
				  const struct tt_patch_state *patches, size_t n,
				  struct tt_error *err);
/* Hosts as JSON objects (docs/fleet-api.md); host_id NULL: all, by id. */
int tt_fleet_hosts_json(struct tt_fleet_db *db, const char *host_id, json_t **out,
			struct tt_error *err);

/* Operator and enrollment tokens. */
struct tt_fleet_operator {
	char *name, *secret_hash;
	enum tt_role role;
	bool revoked;
};
void tt_fleet_operator_free(struct tt_fleet_operator *o);
/* -ENOENT when there is no such token. */
int tt_fleet_operator_get(struct tt_fleet_db *db, const char *id, struct tt_fleet_operator *out,
			  struct tt_error *err);
/* Whether a token that is not revoked carries this name. */
int tt_fleet_operator_name_taken(struct tt_fleet_db *db, const char *name, bool *taken,
				 struct tt_error *err);
int tt_fleet_operator_insert(struct tt_fleet_db *db, const char *id, const char *name,
			     enum tt_role role, const char *secret_hash, const char *created_by,
			     int64_t now, struct tt_error *err);
/* -ENOENT when no token that is not revoked has this id. */
int tt_fleet_operator_revoke(struct tt_fleet_db *db, const char *id, int64_t now,
			     struct tt_error *err);
int tt_fleet_operators_json(struct tt_fleet_db *db, json_t **out, struct tt_error *err);

int tt_fleet_enroll_token_insert(struct tt_fleet_db *db, const char *id, const char *secret_hash,
				 const char *labels, int64_t expires_at, const char *created_by,
				 int64_t now, struct tt_error *err);
struct tt_fleet_enroll_token {
	char *secret_hash, *labels;
	int64_t expires_at;
	bool used;
};
void tt_fleet_enroll_token_free(struct tt_fleet_enroll_token *t);
int tt_fleet_enroll_token_get(struct tt_fleet_db *db, const char *id,
			      struct tt_fleet_enroll_token *out, struct tt_error *err);
/* Mark used; -EALREADY when another request used it first. */
int tt_fleet_enroll_token_use(struct tt_fleet_db *db, const char *id, const char *host_id,
			      int64_t now, struct tt_error *err);

/* Tiers: an empty table means the defaults (tt_tiers_default). */
int tt_fleet_tiers_get(struct tt_fleet_db *db, struct tt_tiers *out, struct tt_error *err);
int tt_fleet_tiers_put(struct tt_fleet_db *db, const struct tt_tiers *t, struct tt_error *err);

struct tt_fleet_release {
	int64_t id;
	char *patch, *target, *sha256, *kernel_release, *kernel_build_id, *tier, *state;
	bool replace;
	int64_t errors;
};
void tt_fleet_release_free(struct tt_fleet_release *r);
int tt_fleet_release_insert(struct tt_fleet_db *db, const struct tt_release_req *req,
			    const char *created_by, int64_t now, int64_t *id, struct tt_error *err);
/* -ENOENT when there is no such release. */
int tt_fleet_release_get(struct tt_fleet_db *db, int64_t id, struct tt_fleet_release *out,
			 struct tt_error *err);
int tt_fleet_release_set_tier(struct tt_fleet_db *db, int64_t id, const char *tier, int64_t now,
			      struct tt_error *err);
int tt_fleet_release_stop(struct tt_fleet_db *db, int64_t id, const char *reason, int64_t now,
			  struct tt_error *err);
/* Every release for a kernel release (any state), calling cb with each; strings borrowed. */
int tt_fleet_releases_for_kernel(struct tt_fleet_db *db, const char *kernel_release,
				 int (*cb)(void *ctx, const struct tt_fleet_release *r), void *ctx,
				 struct tt_error *err);
/* The active release of patch for a kernel (newest first), *id 0 when none. */
int tt_fleet_release_active_id(struct tt_fleet_db *db, const char *patch,
			       const char *kernel_release, int64_t *id, struct tt_error *err);
/* Count one more error report; *errors is the count after it. */
int tt_fleet_release_count_error(struct tt_fleet_db *db, int64_t id, int64_t *errors,
				 struct tt_error *err);
int tt_fleet_releases_json(struct tt_fleet_db *db, json_t **out, struct tt_error *err);

struct tt_fleet_report_row {
	const char *host_id, *kind, *patch, *message, *excerpt;
	int64_t release_id; /* 0: none */
	int64_t reported_at, received_at;
};
int tt_fleet_report_insert(struct tt_fleet_db *db, const struct tt_fleet_report_row *r, int64_t *id,
			   struct tt_error *err);
/* Reports, newest first; patch or host NULL: any. */
int tt_fleet_reports_json(struct tt_fleet_db *db, const char *patch, const char *host_id,
			  json_t **out, struct tt_error *err);

/* One audit entry: who (actor), what (action, object, detail JSON), when (now). */
int tt_fleet_audit(struct tt_fleet_db *db, int64_t now, const char *actor, const char *action,
		   const char *object, const json_t *detail, struct tt_error *err);
int tt_fleet_audit_json(struct tt_fleet_db *db, long limit, json_t **out, struct tt_error *err);
int tt_fleet_audit_count(struct tt_fleet_db *db, long *count, struct tt_error *err);

/* ---- group commit of heartbeats ---- */

/*
 * With group commit (tuxtape serve --group-commit), heartbeats that change
 * no more than the host's row (the steady state) are written by one thread
 * in batches: one transaction for every heartbeat that arrived while the
 * previous one committed. Each caller waits for the commit of its own
 * batch, so an answered heartbeat is stored. On SQLite a
 * commit writes whole pages to the log, so per-heartbeat transactions cost
 * a page write each; a batch shares them. Off by default: on 2 cores it
 * measured more CPU per heartbeat (the hand-over between threads, and each
 * batch's commit emptying the other connections' page caches).
 */
struct tt_fleet_batcher;

/* Start the writer on db (owned from here on; closed by _stop). */
int tt_fleet_batcher_start(struct tt_fleet_db *db, struct tt_fleet_batcher **out,
			   struct tt_error *err);
/* Write row in the next batch; returns once that batch committed (or failed). */
int tt_fleet_batcher_submit(struct tt_fleet_batcher *b, const struct tt_fleet_heartbeat_row *row,
			    struct tt_error *err);
void tt_fleet_batcher_stop(struct tt_fleet_batcher *b);

/* ---- service: the operations, each one transaction with its audit entry ---- */

/*
 * Errors map to HTTP: -EINVAL 400, -EACCES 401, -EPERM 403, -ENOENT 404,
 * -EEXIST/-EALREADY 409, -EFBIG 413, anything else 500 (nothing changed).
 */
struct tt_fleet_config {
	int heartbeat_interval;		  /* seconds, told to agents */
	const char *archive_url;	  /* told to agents; may be NULL */
	long stop_threshold;		  /* error reports that stop a release */
	struct tt_fleet_batcher *batcher; /* NULL: each heartbeat commits alone */
	const char *archive_repo; /* approvals add modules here (its keys sign); NULL: none */
	const char *artifact_dir; /* modules uploaded by workers; NULL: uploads refused */
};

/* A new operator token (*token_text malloc'd, shown once). actor: who asked. */
int tt_fleet_create_operator(struct tt_fleet_db *db, const char *actor,
			     const struct tt_operator_token_req *req, char **token_text,
			     char **token_id, struct tt_error *err);
int tt_fleet_revoke_operator(struct tt_fleet_db *db, const char *actor, const char *token_id,
			     struct tt_error *err);
int tt_fleet_create_enroll_token(struct tt_fleet_db *db, const char *actor,
				 const struct tt_enroll_token_req *req, char **token_text,
				 struct tt_error *err);
/*
 * Check an operator's bearer token and role; *actor receives
 * "operator:NAME" (malloc'd). -EACCES when unknown, revoked or wrong,
 * -EPERM when the role is below need.
 */
int tt_fleet_operator_auth(struct tt_fleet_db *db, const char *bearer, enum tt_role need,
			   char **actor, struct tt_error *err);

/* Enrollment: *out is {"host_id", "secret", "heartbeat_interval"}. */
int tt_fleet_enroll(struct tt_fleet_db *db, const struct tt_fleet_config *cfg,
		    const struct tt_enroll_req *req, json_t **out, struct tt_error *err);
/* A heartbeat from the host holding bearer; *out is the answer of docs/fleet-api.md. */
int tt_fleet_heartbeat(struct tt_fleet_db *db, const struct tt_fleet_config *cfg,
		       const char *bearer, const struct tt_heartbeat_req *req, json_t **out,
		       struct tt_error *err);
int tt_fleet_report(struct tt_fleet_db *db, const struct tt_fleet_config *cfg, const char *bearer,
		    const struct tt_report_req *req, int64_t *id, struct tt_error *err);

int tt_fleet_put_tiers(struct tt_fleet_db *db, const char *actor, const struct tt_tiers *tiers,
		       struct tt_error *err);
int tt_fleet_create_release(struct tt_fleet_db *db, const char *actor,
			    const struct tt_release_req *req, int64_t *id, struct tt_error *err);
/* Move a release to its next tier; -EEXIST when it is in the last one already. */
int tt_fleet_promote_release(struct tt_fleet_db *db, const char *actor, int64_t id, json_t **out,
			     struct tt_error *err);
int tt_fleet_stop_release(struct tt_fleet_db *db, const char *actor, int64_t id,
			  struct tt_error *err);

/* ---- HTTP ---- */

struct tt_server_options {
	const char *store;    /* store location (NULL: the default) */
	const char *listen;   /* address: "127.0.0.1", "::1", "0.0.0.0" */
	unsigned short port;  /* 0: any free port (tt_server_port says which) */
	const char *tls_cert; /* PEM files; both or neither */
	const char *tls_key;
	bool insecure_http;	 /* plain HTTP, refused unless listen is a loopback address */
	const char *archive_dir; /* served under /archive/; NULL: none */
	unsigned threads;	 /* worker threads (0: number of CPUs) */
	unsigned connections;	 /* store connections (0: one per thread) */
	bool group_commit;	 /* steady-state heartbeats committed in groups (above) */
	struct tt_fleet_config fleet;
};

struct tt_server;

/* Whether address (numeric IPv4 or IPv6) is a loopback address. */
bool tt_address_is_loopback(const char *address);
/* Check the options, open the store, start listening. */
int tt_server_start(const struct tt_server_options *opt, struct tt_server **out,
		    struct tt_error *err);
/* The port actually bound. */
unsigned short tt_server_port(const struct tt_server *s);
void tt_server_stop(struct tt_server *s);

#endif

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The hosts' side of the fleet service: enrollment, heartbeats, reports.
 * A host proves itself with its own secret and may only speak for the
 * machine id it enrolled with.
 */
#include <errno.h>
#include <openssl/evp.h>
#include <string.h>

#include "service.h"
#include "tuxtape/util.h"

/* The enrollment token's checks, inside the transaction that consumes it. */
static int check_enroll_token(struct tt_fleet_db *db, const struct tt_token *tok, int64_t now,
			      struct tt_fleet_enroll_token *out, struct tt_error *err)
{
	int r = tt_fleet_enroll_token_get(db, tok->id, out, err);
	if (r == -ENOENT || (r == 0 && !tt_token_matches(tok->secret, out->secret_hash)))
		return tt_error_set(err, -EACCES, "unknown enrollment token");
	if (r == 0 && out->used)
		return tt_error_set(err, -EALREADY, "the enrollment token was used already");
	if (r == 0 && out->expires_at <= now)
		return tt_error_set(err, -EACCES, "the enrollment token has expired");
	return r;
}

/* The host's labels: what it says, overridden by what the operator put in the token. */
static char *merged_labels(const json_t *asked, const char *token_labels)
{
	json_t *labels = asked ? json_deep_copy(asked) : json_object();
	json_t *fixed = json_loads(token_labels, 0, NULL);
	if (json_is_object(fixed))
		json_object_update(labels, fixed);
	json_decref(fixed);
	char *text = json_dumps(labels, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(labels);
	return text;
}

static int enroll_in_tx(struct tt_fleet_db *db, const struct tt_token *etok,
			const struct tt_enroll_req *req, const struct tt_token *host_secret,
			char **host_id, struct tt_error *err)
{
	int64_t now = tt_fleet_now();
	struct tt_fleet_enroll_token et;
	int r = check_enroll_token(db, etok, now, &et, err);
	if (r == 0)
		r = tt_fleet_host_by_machine(db, req->machine_id, host_id, err);
	if (r == 0 && !*host_id)
		*host_id = tt_xstrdup(host_secret->id);
	if (r == 0)
		r = tt_fleet_enroll_token_use(db, etok->id, *host_id, now, err);
	_cleanup_free_ char *labels = r == 0 ? merged_labels(req->labels, et.labels) : NULL;
	char hash[TT_TOKEN_SECRET_HEX + 1];
	tt_token_hash(host_secret->secret, hash);
	struct tt_fleet_host_enrollment e = {
	    .id = *host_id,
	    .machine_id = req->machine_id,
	    .hostname = req->hostname,
	    .labels = labels,
	    .kernel_release = req->kernel_release,
	    .secret_hash = hash,
	    .now = now,
	};
	if (r == 0)
		r = tt_fleet_host_enroll(db, &e, err);
	if (r == 0) {
		_cleanup_free_ char *actor = tt_xasprintf("enrollment_token:%s", etok->id);
		json_t *detail =
		    json_pack("{s:s, s:s, s:o}", "machine_id", req->machine_id, "hostname",
			      req->hostname, "labels", json_loads(labels, 0, NULL));
		r = tt_fleet_audit(db, now, actor, "host.enroll", *host_id, detail, err);
		json_decref(detail);
	}
	tt_fleet_enroll_token_free(&et);
	return r;
}

int tt_fleet_enroll(struct tt_fleet_db *db, const struct tt_fleet_config *cfg,
		    const struct tt_enroll_req *req, json_t **out, struct tt_error *err)
{
	struct tt_token etok, secret;
	if (tt_token_parse(req->enrollment_token, TT_TOKEN_ENROLL, &etok, NULL) < 0)
		return tt_error_set(err, -EACCES, "enrollment_token: not a tte_... token");
	int r = tt_token_generate(TT_TOKEN_HOST, &secret, err);
	if (r < 0)
		return r;
	r = tt_fleet_db_begin(db, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *host_id = NULL;
	r = tt_fleet_finish(db, enroll_in_tx(db, &etok, req, &secret, &host_id, err), err);
	if (r == 0) {
		/* A re-enrolled machine keeps its host id: the secret names it. */
		snprintf(secret.id, sizeof(secret.id), "%s", host_id);
		_cleanup_free_ char *text = tt_token_format(&secret);
		*out = json_pack("{s:s, s:s, s:i}", "host_id", host_id, "secret", text,
				 "heartbeat_interval", cfg->heartbeat_interval);
	}
	tt_token_wipe(&secret);
	tt_token_wipe(&etok);
	return r;
}

/*
 * The host behind a bearer token, checked: -EACCES for a wrong or unknown
 * secret, -EPERM when it speaks for another machine id.
 */
static int host_auth(struct tt_fleet_db *db, const char *bearer, const char *machine_id,
		     struct tt_token *tok, struct tt_fleet_host_auth *auth, struct tt_error *err)
{
	memset(auth, 0, sizeof(*auth));
	if (!bearer || tt_token_parse(bearer, TT_TOKEN_HOST, tok, NULL) < 0)
		return tt_error_set(err, -EACCES, "no host secret (Authorization: Bearer tth_...)");
	int r = tt_fleet_host_auth_get(db, tok->id, auth, err);
	if (r == -ENOENT || (r == 0 && !tt_token_matches(tok->secret, auth->secret_hash)))
		r = tt_error_set(err, -EACCES, "unknown host or wrong secret");
	else if (r == 0 && strcmp(auth->machine_id, machine_id) != 0)
		r = tt_error_set(err, -EPERM, "host %s may only report about itself", tok->id);
	tt_token_wipe(tok);
	if (r < 0)
		tt_fleet_host_auth_free(auth);
	return r;
}

/* SHA-256 over the reported patches: their rows are rewritten only when it changes. */
static void patches_digest(const struct tt_heartbeat_req *req, char out[65])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	for (size_t i = 0; i < req->n_patches; i++) {
		const struct tt_patch_state *p = &req->patches[i];
		const char *fields[] = {p->name, p->target, p->sha256, p->state,
					p->transition ? "1" : "0"};
		for (size_t k = 0; k < sizeof(fields) / sizeof(fields[0]); k++)
			EVP_DigestUpdate(md, fields[k], strlen(fields[k]) + 1);
	}
	unsigned char raw[32];
	unsigned int len = 0;
	EVP_DigestFinal_ex(md, raw, &len);
	EVP_MD_CTX_free(md);
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
}

static int record_patches(struct tt_fleet_db *db, const char *host_id,
			  const struct tt_heartbeat_req *req, int64_t now, struct tt_error *err)
{
	int r = tt_fleet_host_patches_replace(db, host_id, req->patches, req->n_patches, err);
	if (r < 0)
		return r;
	json_t *states = json_object();
	for (size_t i = 0; i < req->n_patches; i++)
		json_object_set_new(states, req->patches[i].name,
				    json_string(req->patches[i].state));
	json_t *detail = json_pack("{s:o}", "patches", states);
	_cleanup_free_ char *actor = tt_xasprintf("host:%s", host_id);
	r = tt_fleet_audit(db, now, actor, "host.patches", host_id, detail, err);
	json_decref(detail);
	return r;
}

/* What the answer to a heartbeat is computed from. */
struct desired_ctx {
	const struct tt_tiers *tiers;
	int host_tier;
	const struct tt_heartbeat_req *req;
	json_t *desired, *stopped; /* array; object used as a set of names */
};

static int consider_release(void *vctx, const struct tt_fleet_release *rel)
{
	struct desired_ctx *c = vctx;
	if (rel->kernel_build_id && *rel->kernel_build_id &&
	    strcmp(rel->kernel_build_id, c->req->kernel_build_id) != 0)
		return 0;
	if (strcmp(rel->state, "active") != 0) {
		json_object_set_new(c->stopped, rel->patch, json_true());
		return 0;
	}
	int release_tier = tt_tiers_find(c->tiers, rel->tier);
	if (c->host_tier < 0 || release_tier < c->host_tier)
		return 0;
	json_array_append_new(c->desired,
			      json_pack("{s:s, s:s, s:s, s:b, s:I}", "name", rel->patch, "target",
					rel->target, "sha256", rel->sha256, "replace", rel->replace,
					"release", (json_int_t)rel->id));
	return 0;
}

static bool desired_has(const json_t *desired, const char *name)
{
	for (size_t i = 0; i < json_array_size(desired); i++)
		if (strcmp(json_string_value(json_object_get(json_array_get(desired, i), "name")),
			   name) == 0)
			return true;
	return false;
}

static int heartbeat_answer(struct tt_fleet_db *db, const struct tt_fleet_config *cfg,
			    const char *host_id, const char *tier, const struct tt_tiers *tiers,
			    const struct tt_heartbeat_req *req, json_t **out, struct tt_error *err)
{
	struct desired_ctx c = {tiers, tt_tiers_find(tiers, tier), req, json_array(),
				json_object()};
	int r = tt_fleet_releases_for_kernel(db, req->kernel_release, consider_release, &c, err);
	json_t *remove = json_array();
	for (size_t i = 0; r == 0 && i < req->n_patches; i++) {
		const char *name = req->patches[i].name;
		if (json_object_get(c.stopped, name) && !desired_has(c.desired, name))
			json_array_append_new(remove, json_string(name));
	}
	json_decref(c.stopped);
	if (r < 0) {
		json_decref(c.desired);
		json_decref(remove);
		return r;
	}
	*out = json_pack("{s:s, s:s, s:i, s:s*, s:o, s:o}", "host_id", host_id, "tier", tier,
			 "heartbeat_interval", cfg->heartbeat_interval, "archive_url",
			 cfg->archive_url, "desired", c.desired, "remove", remove);
	return 0;
}

int tt_fleet_heartbeat(struct tt_fleet_db *db, const struct tt_fleet_config *cfg,
		       const char *bearer, const struct tt_heartbeat_req *req, json_t **out,
		       struct tt_error *err)
{
	struct tt_token tok;
	struct tt_fleet_host_auth auth;
	int r = host_auth(db, bearer, req->machine_id, &tok, &auth, err);
	if (r < 0)
		return r;
	struct tt_tiers tiers = {0};
	r = tt_fleet_tiers_get(db, &tiers, err);
	json_t *labels = r == 0 ? json_loads(auth.labels, 0, NULL) : NULL;
	const char *tier = r == 0 ? tt_tier_assign(&tiers, labels, req->machine_id) : NULL;
	char digest[65];
	patches_digest(req, digest);
	int64_t now = tt_fleet_now();
	struct tt_fleet_heartbeat_row row = {tok.id,
					     req->kernel_release,
					     req->kernel_build_id,
					     req->agent_version,
					     req->boot_id,
					     tier,
					     digest,
					     req->uptime,
					     now};
	bool patches_changed = strcmp(digest, auth.patches_digest) != 0;
	if (r == 0 && cfg->batcher && !patches_changed) {
		r = tt_fleet_batcher_submit(cfg->batcher, &row, err);
	} else if (r == 0 && (r = tt_fleet_db_begin(db, err)) == 0) {
		r = tt_fleet_host_heartbeat(db, &row, err);
		if (r == 0 && patches_changed)
			r = record_patches(db, tok.id, req, now, err);
		r = tt_fleet_finish(db, r, err);
	}
	if (r == 0)
		r = heartbeat_answer(db, cfg, tok.id, tier, &tiers, req, out, err);
	json_decref(labels);
	tt_tiers_free(&tiers);
	tt_fleet_host_auth_free(&auth);
	return r;
}

/* Count an error report against its release; stop the release at the threshold. */
static int count_against_release(struct tt_fleet_db *db, const struct tt_fleet_config *cfg,
				 int64_t release_id, struct tt_error *err)
{
	int64_t errors = 0;
	int r = tt_fleet_release_count_error(db, release_id, &errors, err);
	if (r < 0 || cfg->stop_threshold <= 0 || errors < cfg->stop_threshold)
		return r;
	_cleanup_free_ char *reason =
	    tt_xasprintf("%lld error reports reached the threshold of %ld", (long long)errors,
			 cfg->stop_threshold);
	return tt_fleet_stop_release_in_tx(db, "server", release_id, reason, err);
}

static int report_in_tx(struct tt_fleet_db *db, const struct tt_fleet_config *cfg,
			const char *host_id, const char *kernel_release,
			const struct tt_report_req *req, int64_t *id, struct tt_error *err)
{
	int64_t now = tt_fleet_now(), release_id = 0;
	int r = 0;
	if (*req->patch)
		r = tt_fleet_release_active_id(db, req->patch, kernel_release, &release_id, err);
	struct tt_fleet_report_row row = {host_id,
					  req->kind,
					  req->patch,
					  req->message,
					  req->excerpt,
					  release_id,
					  req->reported_at ? req->reported_at : now,
					  now};
	if (r == 0)
		r = tt_fleet_report_insert(db, &row, id, err);
	if (r == 0 && release_id && tt_report_kind_is_error(req->kind))
		r = count_against_release(db, cfg, release_id, err);
	if (r == 0) {
		_cleanup_free_ char *actor = tt_xasprintf("host:%s", host_id);
		json_t *detail = json_pack("{s:I, s:s, s:s}", "report", (json_int_t)*id, "kind",
					   req->kind, "patch", req->patch);
		r = tt_fleet_audit(db, now, actor, "host.report", host_id, detail, err);
		json_decref(detail);
	}
	return r;
}

int tt_fleet_report(struct tt_fleet_db *db, const struct tt_fleet_config *cfg, const char *bearer,
		    const struct tt_report_req *req, int64_t *id, struct tt_error *err)
{
	struct tt_token tok;
	struct tt_fleet_host_auth auth;
	int r = host_auth(db, bearer, req->machine_id, &tok, &auth, err);
	if (r < 0)
		return r;
	r = tt_fleet_db_begin(db, err);
	if (r == 0)
		r = tt_fleet_finish(
		    db, report_in_tx(db, cfg, tok.id, auth.kernel_release, req, id, err), err);
	tt_fleet_host_auth_free(&auth);
	return r;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The operators' side of the fleet service: tokens, tiers and releases.
 * Each operation is one write transaction that ends with its audit entry,
 * so a change and the record of who made it commit or vanish together.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "service.h"
#include "tuxtape/util.h"

int64_t tt_fleet_now(void)
{
	return (int64_t)time(NULL);
}

int tt_fleet_finish(struct tt_fleet_db *db, int r, struct tt_error *err)
{
	if (r < 0) {
		tt_fleet_db_rollback(db);
		return r;
	}
	return tt_fleet_db_commit(db, err);
}

int tt_fleet_operator_auth(struct tt_fleet_db *db, const char *bearer, enum tt_role need,
			   char **actor, struct tt_error *err)
{
	struct tt_token tok;
	*actor = NULL;
	if (!bearer)
		return tt_error_set(err, -EACCES,
				    "no operator token (Authorization: Bearer tto_...)");
	if (tt_token_parse(bearer, TT_TOKEN_OPERATOR, &tok, NULL) < 0)
		return tt_error_set(err, -EACCES, "not an operator token");
	struct tt_fleet_operator op;
	int r = tt_fleet_operator_get(db, tok.id, &op, err);
	if (r == -ENOENT ||
	    (r == 0 && (op.revoked || !tt_token_matches(tok.secret, op.secret_hash))))
		r = tt_error_set(err, -EACCES, "unknown or revoked operator token");
	else if (r == 0 && !tt_role_allows(op.role, need))
		r = tt_error_set(err, -EPERM, "operator %s has role %s; this needs %s", op.name,
				 tt_role_name(op.role), tt_role_name(need));
	if (r == 0)
		*actor = tt_xasprintf("operator:%s", op.name);
	tt_fleet_operator_free(&op);
	return r;
}

int tt_fleet_create_operator(struct tt_fleet_db *db, const char *actor,
			     const struct tt_operator_token_req *req, char **token_text,
			     char **token_id, struct tt_error *err)
{
	struct tt_token tok;
	char hash[TT_TOKEN_SECRET_HEX + 1];
	int r = tt_token_generate(TT_TOKEN_OPERATOR, &tok, err);
	if (r < 0)
		return r;
	tt_token_hash(tok.secret, hash);
	r = tt_fleet_db_begin(db, err);
	if (r < 0)
		return r;
	bool taken = false;
	r = tt_fleet_operator_name_taken(db, req->name, &taken, err);
	if (r == 0 && taken)
		r = tt_error_set(err, -EEXIST, "an operator token named '%s' exists already",
				 req->name);
	int64_t now = tt_fleet_now();
	if (r == 0)
		r = tt_fleet_operator_insert(db, tok.id, req->name, req->role, hash, actor, now,
					     err);
	if (r == 0) {
		json_t *detail =
		    json_pack("{s:s, s:s}", "name", req->name, "role", tt_role_name(req->role));
		r = tt_fleet_audit(db, now, actor, "operator_token.create", tok.id, detail, err);
		json_decref(detail);
	}
	r = tt_fleet_finish(db, r, err);
	if (r == 0) {
		*token_text = tt_token_format(&tok);
		if (token_id)
			*token_id = tt_xstrdup(tok.id);
	}
	tt_token_wipe(&tok);
	return r;
}

int tt_fleet_revoke_operator(struct tt_fleet_db *db, const char *actor, const char *token_id,
			     struct tt_error *err)
{
	int r = tt_fleet_db_begin(db, err);
	if (r < 0)
		return r;
	int64_t now = tt_fleet_now();
	r = tt_fleet_operator_revoke(db, token_id, now, err);
	if (r == 0)
		r = tt_fleet_audit(db, now, actor, "operator_token.revoke", token_id, NULL, err);
	return tt_fleet_finish(db, r, err);
}

int tt_fleet_create_enroll_token(struct tt_fleet_db *db, const char *actor,
				 const struct tt_enroll_token_req *req, char **token_text,
				 struct tt_error *err)
{
	struct tt_token tok;
	char hash[TT_TOKEN_SECRET_HEX + 1];
	int r = tt_token_generate(TT_TOKEN_ENROLL, &tok, err);
	if (r < 0)
		return r;
	tt_token_hash(tok.secret, hash);
	_cleanup_free_ char *labels =
	    req->labels ? json_dumps(req->labels, JSON_COMPACT | JSON_SORT_KEYS) : tt_xstrdup("{}");
	int64_t now = tt_fleet_now();
	r = tt_fleet_db_begin(db, err);
	if (r < 0)
		return r;
	r = tt_fleet_enroll_token_insert(db, tok.id, hash, labels, now + req->expires_in, actor,
					 now, err);
	if (r == 0) {
		json_t *detail = json_pack("{s:o, s:I}", "labels", json_loads(labels, 0, NULL),
					   "expires_in", (json_int_t)req->expires_in);
		r = tt_fleet_audit(db, now, actor, "enrollment_token.create", tok.id, detail, err);
		json_decref(detail);
	}
	r = tt_fleet_finish(db, r, err);
	if (r == 0)
		*token_text = tt_token_format(&tok);
	tt_token_wipe(&tok);
	return r;
}

int tt_fleet_put_tiers(struct tt_fleet_db *db, const char *actor, const struct tt_tiers *tiers,
		       struct tt_error *err)
{
	int r = tt_fleet_db_begin(db, err);
	if (r < 0)
		return r;
	r = tt_fleet_tiers_put(db, tiers, err);
	if (r == 0) {
		json_t *detail = json_pack("{s:o}", "tiers", tt_tiers_to_json(tiers));
		r = tt_fleet_audit(db, tt_fleet_now(), actor, "tiers.set", "tiers", detail, err);
		json_decref(detail);
	}
	return tt_fleet_finish(db, r, err);
}

int tt_fleet_create_release(struct tt_fleet_db *db, const char *actor,
			    const struct tt_release_req *req, int64_t *id, struct tt_error *err)
{
	struct tt_release_req wanted = *req;
	struct tt_tiers tiers;
	int r = tt_fleet_db_begin(db, err);
	if (r < 0)
		return r;
	r = tt_fleet_tiers_get(db, &tiers, err);
	if (r < 0)
		return tt_fleet_finish(db, r, err);
	if (!wanted.tier)
		wanted.tier = tiers.v[0].name;
	if (tt_tiers_find(&tiers, wanted.tier) < 0)
		r = tt_error_set(err, -EINVAL, "tier: there is no tier '%s'", wanted.tier);
	int64_t now = tt_fleet_now();
	if (r == 0)
		r = tt_fleet_release_insert(db, &wanted, actor, now, id, err);
	if (r == 0) {
		char object[32];
		snprintf(object, sizeof(object), "release:%lld", (long long)*id);
		json_t *detail = json_pack(
		    "{s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "patch", wanted.patch, "target",
		    wanted.target, "sha256", wanted.sha256, "kernel_release", wanted.kernel_release,
		    "kernel_build_id", wanted.kernel_build_id ? wanted.kernel_build_id : "", "tier",
		    wanted.tier, "replace", wanted.replace);
		r = tt_fleet_audit(db, now, actor, "release.create", object, detail, err);
		json_decref(detail);
	}
	tt_tiers_free(&tiers);
	return tt_fleet_finish(db, r, err);
}

static int promote_in_tx(struct tt_fleet_db *db, const char *actor, int64_t id, json_t **out,
			 struct tt_error *err)
{
	struct tt_fleet_release rel;
	struct tt_tiers tiers = {0};
	int r = tt_fleet_release_get(db, id, &rel, err);
	if (r < 0)
		return r;
	r = tt_fleet_tiers_get(db, &tiers, err);
	int at = r == 0 ? tt_tiers_find(&tiers, rel.tier) : -1;
	if (r == 0 && strcmp(rel.state, "active") != 0)
		r = tt_error_set(err, -EEXIST, "release %lld is stopped", (long long)id);
	else if (r == 0 && at >= 0 && (size_t)at + 1 >= tiers.n)
		r = tt_error_set(err, -EEXIST, "release %lld is in the last tier (%s) already",
				 (long long)id, rel.tier);
	/* A tier removed since: the release restarts from the first one. */
	const char *next = r == 0 ? tiers.v[at + 1].name : NULL;
	int64_t now = tt_fleet_now();
	if (r == 0)
		r = tt_fleet_release_set_tier(db, id, next, now, err);
	if (r == 0) {
		char object[32];
		snprintf(object, sizeof(object), "release:%lld", (long long)id);
		json_t *detail = json_pack("{s:s, s:s}", "from", rel.tier, "to", next);
		r = tt_fleet_audit(db, now, actor, "release.promote", object, detail, err);
		json_decref(detail);
	}
	if (r == 0 && out)
		*out = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "tier", next, "state",
				 rel.state);
	tt_tiers_free(&tiers);
	tt_fleet_release_free(&rel);
	return r;
}

int tt_fleet_promote_release(struct tt_fleet_db *db, const char *actor, int64_t id, json_t **out,
			     struct tt_error *err)
{
	int r = tt_fleet_db_begin(db, err);
	if (r < 0)
		return r;
	r = promote_in_tx(db, actor, id, out, err);
	return tt_fleet_finish(db, r, err);
}

int tt_fleet_stop_release_in_tx(struct tt_fleet_db *db, const char *actor, int64_t id,
				const char *reason, struct tt_error *err)
{
	int64_t now = tt_fleet_now();
	int r = tt_fleet_release_stop(db, id, reason, now, err);
	if (r == 0) {
		char object[32];
		snprintf(object, sizeof(object), "release:%lld", (long long)id);
		json_t *detail = json_pack("{s:s}", "reason", reason);
		r = tt_fleet_audit(db, now, actor, "release.stop", object, detail, err);
		json_decref(detail);
	}
	return r;
}

int tt_fleet_stop_release(struct tt_fleet_db *db, const char *actor, int64_t id,
			  struct tt_error *err)
{
	int r = tt_fleet_db_begin(db, err);
	if (r < 0)
		return r;
	struct tt_fleet_release rel;
	r = tt_fleet_release_get(db, id, &rel, err);
	if (r == 0 && strcmp(rel.state, "active") != 0)
		r = tt_error_set(err, -EEXIST, "release %lld is stopped already", (long long)id);
	if (r == 0)
		r = tt_fleet_stop_release_in_tx(db, actor, id, "stopped by an operator", err);
	tt_fleet_release_free(&rel);
	return tt_fleet_finish(db, r, err);
}

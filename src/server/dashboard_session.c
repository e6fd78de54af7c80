// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Dashboard sessions: an operator logs in with the token the fleet API
 * takes (docs/fleet-api.md), and gets a random session id in an HttpOnly,
 * SameSite=Strict cookie. The table lives in the server's memory only, so a
 * restart logs everyone out, and every request re-reads the token's row:
 * revoking the token ends its sessions at once and a role change applies
 * at the next click.
 *
 * Forms carry a per-session CSRF token; the login form, which has no
 * session yet, a double-submit token (a cookie and a field that must match).
 */
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <string.h>
#include <time.h>

#include "dashboard.h"
#include "service.h"

#define SESSION_COOKIE "tt_session"
#define LOGIN_COOKIE   "tt_login"

void dash_sessions_init(struct dash_sessions *s)
{
	pthread_mutex_init(&s->lock, NULL);
	memset(s->slots, 0, sizeof(s->slots));
}

void dash_sessions_destroy(struct dash_sessions *s)
{
	OPENSSL_cleanse(s->slots, sizeof(s->slots));
	pthread_mutex_destroy(&s->lock);
}

bool dash_secret_equal(const char *a, const char *b)
{
	size_t n = strlen(a);
	return n == DASH_HEX_SECRET && strlen(b) == n && CRYPTO_memcmp(a, b, n) == 0;
}

static bool random_hex(char out[DASH_HEX_SECRET + 1])
{
	unsigned char raw[DASH_HEX_SECRET / 2];
	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return false;
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	OPENSSL_cleanse(raw, sizeof(raw));
	return true;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode one x-www-form-urlencoded value ('+' is a space, %XX a byte). */
static char *form_decode(const char *s, size_t n)
{
	char *out = tt_xmalloc(n + 1), *o = out;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			*o++ = ' ';
		} else if (s[i] == '%' && i + 2 < n && hex_digit(s[i + 1]) >= 0 &&
			   hex_digit(s[i + 2]) >= 0) {
			*o++ = (char)(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2]));
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

char *dash_form_value(const char *body, size_t len, const char *key)
{
	size_t klen = strlen(key);
	const char *p = body, *end = body + len;
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp ? amp : end;
		if ((size_t)(stop - p) > klen && strncmp(p, key, klen) == 0 && p[klen] == '=')
			return form_decode(p + klen + 1, (size_t)(stop - p - klen - 1));
		p = stop + 1;
	}
	return NULL;
}

static char *cookie_header(const char *name, const char *value, int max_age, bool secure)
{
	return tt_xasprintf("%s=%s; Path=/ui/; Max-Age=%d; HttpOnly; SameSite=Strict%s", name,
			    value, max_age, secure ? "; Secure" : "");
}

/* The slot to use for a new session: a free one, else the least recently used. */
static struct dash_session *free_slot(struct dash_sessions *s, int64_t now)
{
	struct dash_session *oldest = &s->slots[0];
	for (size_t i = 0; i < DASH_SESSION_MAX; i++) {
		struct dash_session *slot = &s->slots[i];
		if (!slot->id[0] || now - slot->last_used > DASH_SESSION_IDLE)
			return slot;
		if (slot->last_used < oldest->last_used)
			oldest = slot;
	}
	return oldest;
}

/* Copy the session whose id matches (every slot compared: no timing by position). */
static bool session_find(struct dash_sessions *s, const char *id, int64_t now,
			 struct dash_user *out)
{
	bool found = false;
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < DASH_SESSION_MAX; i++) {
		struct dash_session *slot = &s->slots[i];
		if (!slot->id[0] || !dash_secret_equal(slot->id, id))
			continue;
		if (now - slot->last_used > DASH_SESSION_IDLE) {
			OPENSSL_cleanse(slot, sizeof(*slot));
			continue;
		}
		slot->last_used = now;
		*out = slot->user;
		found = true;
	}
	pthread_mutex_unlock(&s->lock);
	return found;
}

static void session_drop(struct dash_sessions *s, const char *id)
{
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < DASH_SESSION_MAX; i++)
		if (s->slots[i].id[0] && dash_secret_equal(s->slots[i].id, id))
			OPENSSL_cleanse(&s->slots[i], sizeof(s->slots[i]));
	pthread_mutex_unlock(&s->lock);
}

static const char *cookie(const struct dash_request *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->c, MHD_COOKIE_KIND, name);
}

bool dash_session_lookup(struct dash_request *rq)
{
	const char *id = cookie(rq, SESSION_COOKIE);
	if (!id || strlen(id) != DASH_HEX_SECRET ||
	    !session_find(&rq->d->sessions, id, tt_fleet_now(), &rq->user))
		return false;
	struct tt_fleet_operator op = {0};
	struct tt_error err = {0};
	int r = tt_fleet_operator_get(rq->db, rq->user.token_id, &op, &err);
	bool valid = r == 0 && !op.revoked;
	if (valid)
		rq->user.role = op.role;
	else
		session_drop(&rq->d->sessions, id);
	tt_fleet_operator_free(&op);
	rq->logged_in = valid;
	return valid;
}

bool dash_csrf_ok(const struct dash_request *rq)
{
	_cleanup_free_ char *given = dash_form_value(rq->body, rq->body_len, "csrf");
	return given && dash_secret_equal(given, rq->user.csrf);
}

void dash_login_page(struct dash_request *rq, struct dash_response *res, const char *message)
{
	char login_token[DASH_HEX_SECRET + 1];
	if (!random_hex(login_token))
		return dash_error_page(res, rq, 500, "No random numbers: cannot log in.");
	res->set_cookie = cookie_header(LOGIN_COOKIE, login_token, 600, rq->d->secure);
	if (message)
		res->status = 401;
	dash_page_begin(res, rq, "Log in");
	struct tt_buf *b = &res->body;
	if (message) {
		tt_buf_adds(b, "<p class=\"error\" id=\"login-error\">");
		dash_html(b, message);
		tt_buf_adds(b, "</p>\n");
	}
	dash_htmlf(b,
		   "<form method=\"post\" action=\"/ui/login\" class=\"login\">\n"
		   "<input type=\"hidden\" name=\"login\" value=\"%s\">\n"
		   "<label>Operator token <input type=\"password\" name=\"token\" id=\"token\" "
		   "autocomplete=\"current-password\" required></label>\n"
		   "<button type=\"submit\" id=\"login-submit\">Log in</button>\n</form>\n"
		   "<p class=\"hint\">The token is the one the fleet API takes "
		   "(<code>tuxtape server token create</code>).</p>\n",
		   login_token);
	dash_page_end(res);
}

static void audit(struct tt_fleet_db *db, const char *name, const char *action)
{
	struct tt_error err = {0};
	_cleanup_free_ char *actor = tt_xasprintf("operator:%s", name);
	if (tt_fleet_db_begin(db, &err) < 0)
		return;
	tt_fleet_finish(
	    db, tt_fleet_audit(db, tt_fleet_now(), actor, action, "dashboard", NULL, &err), &err);
}

/* The operator a presented token belongs to; false when unknown, revoked or wrong. */
static bool operator_of(struct tt_fleet_db *db, const char *text, struct dash_user *user)
{
	struct tt_token tok;
	if (!text || tt_token_parse(text, TT_TOKEN_OPERATOR, &tok, NULL) < 0)
		return false;
	struct tt_fleet_operator op = {0};
	struct tt_error err = {0};
	bool ok = tt_fleet_operator_get(db, tok.id, &op, &err) == 0 && !op.revoked &&
		  tt_token_matches(tok.secret, op.secret_hash);
	tt_token_wipe(&tok);
	if (ok) {
		snprintf(user->token_id, sizeof(user->token_id), "%s", tok.id);
		snprintf(user->name, sizeof(user->name), "%s", op.name);
		user->role = op.role;
	}
	tt_fleet_operator_free(&op);
	return ok;
}

void dash_login_submit(struct dash_request *rq, struct dash_response *res)
{
	_cleanup_free_ char *login = dash_form_value(rq->body, rq->body_len, "login");
	_cleanup_free_ char *token = dash_form_value(rq->body, rq->body_len, "token");
	const char *expected = cookie(rq, LOGIN_COOKIE);
	if (!login || !expected || !dash_secret_equal(login, expected))
		return dash_login_page(rq, res, "The login form expired: try again.");
	struct dash_user user = {0};
	bool ok = operator_of(rq->db, token, &user);
	if (token)
		OPENSSL_cleanse(token, strlen(token));
	if (!ok)
		return dash_login_page(rq, res, "Unknown or revoked operator token.");
	char id[DASH_HEX_SECRET + 1];
	if (!random_hex(id) || !random_hex(user.csrf))
		return dash_error_page(res, rq, 500, "No random numbers: cannot log in.");
	struct dash_sessions *s = &rq->d->sessions;
	pthread_mutex_lock(&s->lock);
	struct dash_session *slot = free_slot(s, tt_fleet_now());
	memcpy(slot->id, id, sizeof(slot->id));
	slot->user = user;
	slot->last_used = tt_fleet_now();
	pthread_mutex_unlock(&s->lock);
	audit(rq->db, user.name, "dashboard.login");
	res->set_cookie = cookie_header(SESSION_COOKIE, id, DASH_SESSION_IDLE, rq->d->secure);
	OPENSSL_cleanse(id, sizeof(id));
	dash_redirect(res, "/ui/");
}

void dash_logout(struct dash_request *rq, struct dash_response *res)
{
	const char *id = cookie(rq, SESSION_COOKIE);
	if (id)
		session_drop(&rq->d->sessions, id);
	audit(rq->db, rq->user.name, "dashboard.logout");
	res->set_cookie = cookie_header(SESSION_COOKIE, "", 0, rq->d->secure);
	dash_redirect(res, "/ui/login");
}

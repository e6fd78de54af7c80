// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The PostgreSQL driver (libpq), chosen by a postgresql:// URL. The store's
 * SQL is written for both engines; this file only adapts the calling
 * convention: '?' placeholders become $n, values travel as text, and a
 * statement's rows are fetched whole on its first step.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db.h"
#include "pq_api.h"
#include "tuxtape/util.h"

/* Writes in flight at most: their small results must fit the socket buffers unread. */
#define PIPELINE_MAX 256

struct pg_db {
	struct tt_db base;
	PGconn *conn;
	char *where; /* the URL without its password, for messages */
	unsigned long next_name;
	/*
	 * Prepared statements finalized while the transaction was failed: the
	 * server refuses DEALLOCATE then, so they are released after it ends.
	 */
	struct tt_strv stale;
	/*
	 * Writes inside a transaction are pipelined: sent without waiting for
	 * their results, which are read at the next statement that needs an
	 * answer (a read, a prepare, COMMIT), or every PIPELINE_MAX writes.
	 * Waiting for each would make a bulk ingest a series of round trips
	 * (measured 10x slower than SQLite). A failure read late is kept in
	 * failed until a call can report it; the transaction is aborted by then
	 * anyway, and every caller rolls back on an error.
	 */
	bool in_tx;
	int queued;
	const char *queued_sql[PIPELINE_MAX]; /* the statements' text, for messages */
	struct tt_error failed;
};

/* One parameter's text, kept between executions so bulk binds do not allocate. */
struct pg_param {
	char *buf;
	size_t cap;
};

struct tt_db_stmt {
	struct pg_db *db;
	char name[32];
	char *sql; /* as sent, for messages */
	int n_params;
	struct pg_param *params;
	const char **values; /* NULL entries are SQL NULL, as unbound SQLite parameters */
	int *lengths;
	PGresult *res;
	int row, n_rows;
	bool writes; /* INSERT, UPDATE or DELETE without RETURNING: no rows to wait for */
	bool ran;    /* executed since the last reset */
};

/* libpq's messages end in a newline and may span lines ("\n\tIs the server running"). */
static void one_line(char *s)
{
	char *w = s;
	for (const char *r = s; *r; r++) {
		if (*r == '\n' || *r == '\t') {
			if (w > s && w[-1] != ' ')
				*w++ = ' ';
		} else {
			*w++ = *r;
		}
	}
	while (w > s && w[-1] == ' ')
		w--;
	*w = '\0';
}

/* SQL states worth telling apart for callers: the rest is an I/O failure. */
static int code_of(const char *state)
{
	if (!state)
		return -EIO;
	if (strcmp(state, "53100") == 0) /* disk_full */
		return -ENOSPC;
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
	    strcmp(state, "55P03") == 0) /* serialization, deadlock, lock not available */
		return -EBUSY;
	if (strncmp(state, "08", 2) == 0) /* connection exceptions */
		return -ECONNRESET;
	return -EIO;
}

static int pg_fail(struct pg_db *db, const PGresult *res, struct tt_error *err, const char *what,
		   const char *sql)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	/* The primary message alone: the full one adds a severity and a caret drawing. */
	const char *m = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	char msg[512];
	snprintf(msg, sizeof(msg), "%s", m && *m ? m : PQerrorMessage(db->conn));
	one_line(msg);
	return tt_error_set(err, code_of(state), "PostgreSQL %s (%s%s%s): %s%s%.160s%s", what,
			    db->where, state ? ", SQL state " : "", state ? state : "", msg,
			    sql ? " [in: " : "", sql ? sql : "", sql ? "]" : "");
}

/* The URL with any password (user:PASSWORD@ or ?password=) replaced, so messages never carry it. */
char *tt_db_pg_redact(const char *url)
{
	struct tt_buf b = TT_BUF_INIT;
	const char *scheme = strstr(url, "://");
	const char *auth = scheme ? scheme + 3 : url;
	const char *at = strchr(auth, '@');
	const char *end = auth + strcspn(auth, "/?");
	const char *colon = at && at < end ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
	const char *p = url;
	if (colon) {
		tt_buf_add(&b, url, (size_t)(colon + 1 - url));
		tt_buf_adds(&b, "***");
		p = at;
	}
	for (;;) {
		const char *q = strstr(p, "password=");
		if (!q || q == url || (q[-1] != '?' && q[-1] != '&')) {
			tt_buf_adds(&b, p);
			break;
		}
		tt_buf_add(&b, p, (size_t)(q - p) + 9);
		tt_buf_adds(&b, "***");
		p = q + 9 + strcspn(q + 9, "&");
	}
	return tt_buf_detach(&b);
}

static void drop_stale(struct pg_db *db)
{
	if (!db->stale.n || PQtransactionStatus(db->conn) == PQTRANS_INERROR)
		return;
	for (size_t i = 0; i < db->stale.n; i++) {
		char sql[48];
		snprintf(sql, sizeof(sql), "DEALLOCATE %s", db->stale.v[i]);
		PQclear(PQexec(db->conn, sql));
	}
	tt_strv_free(&db->stale);
}

/* Read the results of the pipelined writes; the first failure is kept in db->failed. */
static void drain(struct pg_db *db)
{
	if (PQpipelineStatus(db->conn) == PQ_PIPELINE_OFF)
		return;
	if (!PQpipelineSync(db->conn) && !db->failed.code)
		pg_fail(db, NULL, &db->failed, "cannot send the queued writes", NULL);
	for (int i = 0; i < db->queued; i++) {
		PGresult *res;
		while ((res = PQgetResult(db->conn))) {
			ExecStatusType st = PQresultStatus(res);
			if (st != PGRES_COMMAND_OK && st != PGRES_PIPELINE_ABORTED &&
			    !db->failed.code)
				pg_fail(db, res, &db->failed, "a write failed", db->queued_sql[i]);
			PQclear(res);
		}
	}
	db->queued = 0;
	/* Then the sync point's own result; anything else means the connection broke. */
	for (int guard = 0; guard < 8 && !PQexitPipelineMode(db->conn); guard++) {
		PGresult *res = PQgetResult(db->conn);
		if (!res && !PQexitPipelineMode(db->conn)) {
			if (!db->failed.code)
				pg_fail(db, NULL, &db->failed, "lost the queued writes", NULL);
			break;
		}
		PQclear(res);
	}
}

/* Drain, then hand over a failure read late (once): 0 or its code. */
static int settle(struct pg_db *db, struct tt_error *err)
{
	drain(db);
	if (!db->failed.code)
		return 0;
	int r = db->failed.code;
	if (err)
		*err = db->failed;
	tt_error_clear(&db->failed);
	return r;
}

static void pg_close(struct tt_db *base)
{
	struct pg_db *db = (struct pg_db *)base;
	drain(db);
	/* Closing the session releases its prepared statements. */
	tt_strv_free(&db->stale);
	PQfinish(db->conn);
	free(db->where);
	free(db);
}

static int pg_exec(struct tt_db *base, const char *sql, struct tt_error *err)
{
	struct pg_db *db = (struct pg_db *)base;
	bool rollback = strncasecmp(sql, "ROLLBACK", 8) == 0;
	int late = settle(db, rollback ? NULL : err);
	if (late < 0) {
		/* The transaction is lost already: what COMMIT would say. */
		if (strncasecmp(sql, "COMMIT", 6) == 0)
			PQclear(PQexec(db->conn, "ROLLBACK"));
		db->in_tx = db->in_tx && strncasecmp(sql, "COMMIT", 6) != 0;
		return late;
	}
	PGresult *res = PQexec(db->conn, sql);
	ExecStatusType st = PQresultStatus(res);
	int r = 0;
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY) {
		r = pg_fail(db, res, err, "statement failed", sql);
	} else if (strcmp(PQcmdStatus(res), "ROLLBACK") == 0 &&
		   strncasecmp(sql, "ROLLBACK", 8) != 0) {
		/*
		 * COMMIT of a transaction in which a statement failed rolls it back
		 * without an error; SQLite would have committed the rest, so say so.
		 */
		r = tt_error_set(err, -EIO,
				 "PostgreSQL (%s): the transaction was rolled back after an "
				 "earlier failed statement",
				 db->where);
	}
	if (strcasecmp(sql, "BEGIN") == 0)
		db->in_tx = r == 0;
	else if (rollback || strncasecmp(sql, "COMMIT", 6) == 0)
		db->in_tx = false;
	PQclear(res);
	drop_stale(db);
	return r;
}

/*
 * '?' and '?NNN' (SQLite's numbered form) to $n, outside string literals,
 * quoted identifiers and comments. A bare '?' takes the number after the
 * largest so far, as in SQLite.
 */
static char *translate(const char *sql, int *n_params)
{
	struct tt_buf b = TT_BUF_INIT;
	int max = 0;
	for (const char *p = sql; *p;) {
		if (*p == '\'' || *p == '"') {
			const char *q = p + 1;
			while (*q && !(*q == *p && q[1] != *p)) /* a doubled quote stays inside */
				q += (*q == *p) ? 2 : 1;
			if (*q)
				q++;
			tt_buf_add(&b, p, (size_t)(q - p));
			p = q;
		} else if (p[0] == '-' && p[1] == '-') {
			size_t n = strcspn(p, "\n");
			tt_buf_add(&b, p, n);
			p += n;
		} else if (p[0] == '/' && p[1] == '*') {
			const char *q = strstr(p + 2, "*/");
			q = q ? q + 2 : p + strlen(p);
			tt_buf_add(&b, p, (size_t)(q - p));
			p = q;
		} else if (*p == '?') {
			int n = 0;
			p++;
			if (*p >= '0' && *p <= '9') {
				while (*p >= '0' && *p <= '9')
					n = n * 10 + (*p++ - '0');
			} else {
				n = max + 1;
			}
			if (n > max)
				max = n;
			tt_buf_addf(&b, "$%d", n);
		} else {
			tt_buf_addc(&b, *p++);
		}
	}
	*n_params = max;
	return tt_buf_detach(&b);
}

static int pg_prepare(struct tt_db *base, const char *sql, struct tt_db_stmt **out,
		      struct tt_error *err)
{
	struct pg_db *db = (struct pg_db *)base;
	int r = settle(db, err);
	if (r < 0)
		return r;
	struct tt_db_stmt *st = tt_xcalloc(1, sizeof(*st));
	st->db = db;
	st->sql = translate(sql, &st->n_params);
	const char *verb = st->sql + strspn(st->sql, " \t\n");
	st->writes = (strncasecmp(verb, "INSERT", 6) == 0 || strncasecmp(verb, "UPDATE", 6) == 0 ||
		      strncasecmp(verb, "DELETE", 6) == 0) &&
		     !strcasestr(st->sql, "RETURNING");
	snprintf(st->name, sizeof(st->name), "tt_%lu", ++db->next_name);
	/* Types are left to the server, which infers them from where each $n is used. */
	PGresult *res = PQprepare(db->conn, st->name, st->sql, 0, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		r = pg_fail(db, res, err, "cannot prepare a query", st->sql);
		PQclear(res);
		free(st->sql);
		free(st);
		return r;
	}
	PQclear(res);
	st->params = tt_xcalloc((size_t)st->n_params + 1, sizeof(*st->params));
	st->values = tt_xcalloc((size_t)st->n_params + 1, sizeof(*st->values));
	st->lengths = tt_xcalloc((size_t)st->n_params + 1, sizeof(*st->lengths));
	*out = st;
	return 0;
}

/* Room for parameter i (1-based) of at least len + 1 bytes, or NULL when out of range. */
static char *param_buf(struct tt_db_stmt *st, int i, size_t len)
{
	if (i < 1 || i > st->n_params)
		return NULL;
	struct pg_param *p = &st->params[i - 1];
	if (p->cap < len + 1) {
		p->cap = len + 1 > 64 ? len + 1 : 64;
		free(p->buf);
		p->buf = tt_xmalloc(p->cap);
	}
	st->values[i - 1] = p->buf;
	return p->buf;
}

/* Copied: the caller may reuse its text before the statement runs (see db.h). */
static int pg_bind_text(struct tt_db_stmt *st, int i, const char *v, size_t len)
{
	char *b = param_buf(st, i, len);
	if (!b)
		return -ERANGE;
	memcpy(b, v, len);
	b[len] = '\0';
	st->lengths[i - 1] = (int)len;
	return 0;
}

static int pg_bind_int64(struct tt_db_stmt *st, int i, int64_t v)
{
	char *b = param_buf(st, i, 24);
	if (!b)
		return -ERANGE;
	st->lengths[i - 1] = snprintf(b, 25, "%lld", (long long)v);
	return 0;
}

static int pg_bind_double(struct tt_db_stmt *st, int i, double v)
{
	char *b = param_buf(st, i, 32);
	if (!b)
		return -ERANGE;
	/* 17 significant digits read back as the same double. */
	st->lengths[i - 1] = snprintf(b, 33, "%.17g", v);
	return 0;
}

static int pg_bind_null(struct tt_db_stmt *st, int i)
{
	if (i < 1 || i > st->n_params)
		return -ERANGE;
	st->values[i - 1] = NULL;
	return 0;
}

/* A write inside a transaction: sent, its result read later (see struct pg_db). */
static int queue_write(struct tt_db_stmt *st, struct tt_error *err)
{
	struct pg_db *db = st->db;
	if (PQpipelineStatus(db->conn) == PQ_PIPELINE_OFF && !PQenterPipelineMode(db->conn))
		return pg_fail(db, NULL, err, "cannot queue a write", st->sql);
	if (!PQsendQueryPrepared(db->conn, st->name, st->n_params, st->values, st->lengths, NULL,
				 0)) {
		pg_fail(db, NULL, err, "cannot send a write", st->sql);
		int r = settle(db, NULL);
		return r < 0 ? r : -EIO;
	}
	db->queued_sql[db->queued++] = st->sql;
	st->ran = true;
	st->row = st->n_rows = 0;
	return db->queued < PIPELINE_MAX ? TT_DB_DONE : settle(db, err);
}

static int pg_step(struct tt_db_stmt *st, struct tt_error *err)
{
	if (!st->ran && st->writes && st->db->in_tx)
		return queue_write(st, err);
	if (!st->ran) {
		int late = settle(st->db, err);
		if (late < 0)
			return late;
		PGresult *res = PQexecPrepared(st->db->conn, st->name, st->n_params, st->values,
					       st->lengths, NULL, 0);
		ExecStatusType s = PQresultStatus(res);
		if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK) {
			int r = pg_fail(st->db, res, err, "query failed", st->sql);
			PQclear(res);
			return r;
		}
		st->res = res;
		st->ran = true;
		st->n_rows = PQntuples(res);
		st->row = -1;
	}
	if (st->row + 1 < st->n_rows) {
		st->row++;
		return TT_DB_ROW;
	}
	st->row = st->n_rows;
	return TT_DB_DONE;
}

static bool in_row(struct tt_db_stmt *st, int i)
{
	return st->res && st->row >= 0 && st->row < st->n_rows && i >= 0 && i < PQnfields(st->res);
}

static bool pg_column_is_null(struct tt_db_stmt *st, int i)
{
	return !in_row(st, i) || PQgetisnull(st->res, st->row, i);
}

static const char *pg_column_text(struct tt_db_stmt *st, int i)
{
	return pg_column_is_null(st, i) ? NULL : PQgetvalue(st->res, st->row, i);
}

static int64_t pg_column_int64(struct tt_db_stmt *st, int i)
{
	const char *v = pg_column_text(st, i);
	return v ? strtoll(v, NULL, 10) : 0;
}

static double pg_column_double(struct tt_db_stmt *st, int i)
{
	const char *v = pg_column_text(st, i);
	return v ? strtod(v, NULL) : 0.0;
}

static void pg_reset(struct tt_db_stmt *st)
{
	PQclear(st->res);
	st->res = NULL;
	st->ran = false;
	st->row = st->n_rows = 0;
	/* As sqlite3_clear_bindings: what is not bound next time is NULL. */
	for (int i = 0; i < st->n_params; i++)
		st->values[i] = NULL;
}

static void pg_finalize(struct tt_db_stmt *st)
{
	struct pg_db *db = st->db;
	/* Its text is named by a queued write: read those results first (a failure stays kept). */
	drain(db);
	pg_reset(st);
	tt_strv_push(&db->stale, st->name);
	drop_stale(db);
	for (int i = 0; i < st->n_params; i++)
		free(st->params[i].buf);
	free(st->params);
	free(st->values);
	free(st->lengths);
	free(st->sql);
	free(st);
}

/* The ']' closing the bracket class opened at p, or NULL: then '[' is literal. */
static const char *class_end(const char *p)
{
	const char *q = p + 1;
	if (*q == '^')
		q++;
	return *q ? strchr(q + 1, ']') : NULL;
}

/*
 * SQLite's GLOB as an anchored POSIX regular expression: '*' and '?' become
 * '.*' and '.', bracket classes pass through ('^' negates in both), and
 * everything else is literal.
 */
static char *pg_glob_pattern(const char *glob)
{
	struct tt_buf b = TT_BUF_INIT;
	tt_buf_addc(&b, '^');
	for (const char *p = glob; *p; p++) {
		if (*p == '*') {
			tt_buf_adds(&b, ".*");
		} else if (*p == '?') {
			tt_buf_addc(&b, '.');
		} else if (*p == '[' && class_end(p)) {
			/* A ']' right after '[' or '[^' is a member, as in GLOB. */
			const char *q = p + 1, *end = class_end(p);
			tt_buf_addc(&b, '[');
			for (; q < end; q++) {
				if (*q == '\\') /* an escape inside a class in PostgreSQL only */
					tt_buf_addc(&b, '\\');
				tt_buf_addc(&b, *q);
			}
			tt_buf_addc(&b, ']');
			p = end;
		} else {
			if (strchr(".^$|()[]{}+\\*?", *p))
				tt_buf_addc(&b, '\\');
			tt_buf_addc(&b, *p);
		}
	}
	tt_buf_addc(&b, '$');
	return tt_buf_detach(&b);
}

static const struct tt_db_ops pg_ops = {
    .name = "postgresql",
    .without_rowid = "",
    .binary_collation = "COLLATE \"C\"",
    .glob_op = "~",
    .glob_pattern = pg_glob_pattern,
    .close = pg_close,
    .exec = pg_exec,
    .prepare = pg_prepare,
    .bind_text = pg_bind_text,
    .bind_int64 = pg_bind_int64,
    .bind_double = pg_bind_double,
    .bind_null = pg_bind_null,
    .step = pg_step,
    .column_is_null = pg_column_is_null,
    .column_text = pg_column_text,
    .column_int64 = pg_column_int64,
    .column_double = pg_column_double,
    .reset = pg_reset,
    .finalize = pg_finalize,
};

/* libpq prints NOTICEs ("relation exists, skipping") to stderr by default; the library never
 * prints. */
static void ignore_notice(void *arg, const char *message)
{
}

int tt_db_open_pg(const char *url, struct tt_db **out, struct tt_error *err)
{
	int r = tt_pq_load(err);
	if (r < 0)
		return r;
	struct pg_db *db = tt_xcalloc(1, sizeof(*db));
	db->base.ops = &pg_ops;
	db->where = tt_db_pg_redact(url);
	db->conn = PQconnectdb(url);
	if (!db->conn || PQstatus(db->conn) != CONNECTION_OK) {
		char msg[512];
		snprintf(msg, sizeof(msg), "%s",
			 db->conn ? PQerrorMessage(db->conn) : "out of memory");
		one_line(msg);
		r = tt_error_set(err, -ECONNREFUSED,
				 "cannot connect to the PostgreSQL server of %s: %s", db->where,
				 msg);
		pg_close(&db->base);
		return r;
	}
	PQsetNoticeProcessor(db->conn, ignore_notice, NULL);
	/*
	 * Text as UTF-8 whatever the client locale; floats printed exactly (the
	 * default since PostgreSQL 12, set for older servers); messages in English
	 * like the rest of tuxtape's.
	 */
	r = pg_exec(&db->base,
		    "SET client_encoding = 'UTF8'; SET extra_float_digits = 3;"
		    "SET client_min_messages = warning",
		    err);
	if (r < 0) {
		pg_close(&db->base);
		return r;
	}
	*out = &db->base;
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-or-later
#include <string.h>

#include "db.h"

int tt_db_exec(struct tt_db *db, const char *sql, struct tt_error *err)
{
	return db->ops->exec(db, sql, err);
}

int tt_db_prepare(struct tt_db *db, const char *sql, struct tt_db_stmt **out, struct tt_error *err)
{
	return db->ops->prepare(db, sql, out, err);
}

void tt_db_bind_text(struct tt_db *db, struct tt_db_stmt *st, int i, const char *v)
{
	if (v)
		db->ops->bind_text(st, i, v, strlen(v));
	else
		db->ops->bind_null(st, i);
}

void tt_db_bind_textn(struct tt_db *db, struct tt_db_stmt *st, int i, const char *v, size_t len)
{
	db->ops->bind_text(st, i, v, len);
}

void tt_db_bind_int64(struct tt_db *db, struct tt_db_stmt *st, int i, int64_t v)
{
	db->ops->bind_int64(st, i, v);
}

void tt_db_bind_double(struct tt_db *db, struct tt_db_stmt *st, int i, double v)
{
	db->ops->bind_double(st, i, v);
}

void tt_db_bind_glob(struct tt_db *db, struct tt_db_stmt *st, int i, const char *glob, char **owned)
{
	*owned = db->ops->glob_pattern ? db->ops->glob_pattern(glob) : NULL;
	tt_db_bind_text(db, st, i, *owned ? *owned : glob);
}

void tt_db_bind_score(struct tt_db *db, struct tt_db_stmt *st, int i, double v)
{
	if (v < 0)
		db->ops->bind_null(st, i);
	else
		db->ops->bind_double(st, i, v);
}

int tt_db_step(struct tt_db *db, struct tt_db_stmt *st, struct tt_error *err)
{
	return db->ops->step(st, err);
}

int tt_db_run(struct tt_db *db, struct tt_db_stmt *st, struct tt_error *err)
{
	int r = db->ops->step(st, err);
	db->ops->reset(st);
	return r < 0 ? r : 0;
}

const char *tt_db_text(struct tt_db *db, struct tt_db_stmt *st, int i)
{
	return db->ops->column_text(st, i);
}

int64_t tt_db_int64(struct tt_db *db, struct tt_db_stmt *st, int i)
{
	return db->ops->column_int64(st, i);
}

double tt_db_score(struct tt_db *db, struct tt_db_stmt *st, int i)
{
	if (db->ops->column_is_null(st, i))
		return -1.0;
	return db->ops->column_double(st, i);
}

void tt_db_reset(struct tt_db *db, struct tt_db_stmt *st)
{
	db->ops->reset(st);
}

void tt_db_finalize(struct tt_db *db, struct tt_db_stmt *st)
{
	if (st)
		db->ops->finalize(st);
}

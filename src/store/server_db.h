/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internal to the fleet store (server_*.c): the connection and its prepared statements. */
#ifndef TT_STORE_SERVER_DB_H
#define TT_STORE_SERVER_DB_H

#include "store_internal.h"
#include "tuxtape/server.h"

enum tt_fleet_stmt {
	FS_HOST_AUTH,
	FS_HOST_BY_MACHINE,
	FS_HOST_INSERT,
	FS_HOST_REENROLL,
	FS_SECRET_PUT,
	FS_HOST_HEARTBEAT,
	FS_PATCH_DELETE,
	FS_PATCH_INSERT,
	FS_OPERATOR_GET,
	FS_OPERATOR_NAME,
	FS_OPERATOR_INSERT,
	FS_OPERATOR_REVOKE,
	FS_ENROLL_INSERT,
	FS_ENROLL_GET,
	FS_ENROLL_USE,
	FS_TIERS_GET,
	FS_TIERS_CLEAR,
	FS_TIER_INSERT,
	FS_RELEASE_INSERT,
	FS_RELEASE_GET,
	FS_RELEASE_SET_TIER,
	FS_RELEASE_STOP,
	FS_RELEASES_KERNEL,
	FS_RELEASE_ACTIVE,
	FS_RELEASE_ERROR,
	FS_REPORT_INSERT,
	FS_AUDIT_INSERT,
	FS_AUDIT_COUNT,
	FS__COUNT
};

struct tt_fleet_db {
	struct tt_store *store;
	struct tt_db *db; /* the store's, borrowed */
	bool sqlite;
	pthread_mutex_t *write_lock; /* SQLite only; NULL: none */
	bool locked;
	struct tt_db_stmt *stmts[FS__COUNT];
};

/* The prepared statement for id (prepared on first use, kept until close). */
int tt_fleet_stmt(struct tt_fleet_db *f, enum tt_fleet_stmt id, struct tt_db_stmt **out,
		  struct tt_error *err);
/* A malloc'd copy of column i, "" for NULL. */
char *tt_fleet_column_dup(struct tt_fleet_db *f, struct tt_db_stmt *st, int i);
/*
 * Step a bound read, appending each row to out as an object with the given
 * keys; types[i] says how column i reads: s(tring), i(nteger), j(SON text).
 */
int tt_fleet_rows_json(struct tt_fleet_db *f, struct tt_db_stmt *st, const char *const *keys,
		       const char *types, json_t *out, struct tt_error *err);

/* Prepare sql, bind binds (NULL-terminated; may be NULL), and collect its rows (*out new). */
int tt_fleet_query_json(struct tt_fleet_db *f, const char *sql, const char *const *binds,
			const char *const *keys, const char *types, json_t **out,
			struct tt_error *err);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * For tests that run once on SQLite and once on PostgreSQL (the second
 * registration passes --postgresql). Each PostgreSQL store is a fresh schema
 * in the database TT_TEST_PG_URL names (tests/pg-server.sh starts a server
 * and sets it), so test programs running side by side do not meet.
 * Included by the test programs only: statics, no separate object.
 */
#ifndef TT_TEST_PG_TESTDB_H
#define TT_TEST_PG_TESTDB_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tuxtape/util.h"

/* Exit status meson reports as SKIP. */
#define PGT_SKIP 77

static bool pgt_wanted(int argc, char **argv)
{
	return argc > 1 && strcmp(argv[1], "--postgresql") == 0;
}

/* When PostgreSQL is wanted but there is no server: print why; the caller exits PGT_SKIP. */
static bool pgt_unavailable(void)
{
	if (getenv("TT_TEST_PG_URL") && getenv("TT_TEST_PG_URL")[0])
		return false;
	const char *why = getenv("TT_TEST_PG_SKIP");
	printf("SKIP: no PostgreSQL server for these tests: %s\n",
	       why && why[0] ? why
			     : "TT_TEST_PG_URL is not set (run them through tests/pg-server.sh, as "
			       "make check does)");
	return true;
}

/* Run sql (no results) in schema, or in the database when schema is NULL; aborts on failure. */
static void pgt_exec(const char *schema, const char *sql)
{
	PGconn *c = PQconnectdb(getenv("TT_TEST_PG_URL"));
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "pgt: cannot connect: %s", PQerrorMessage(c));
		abort();
	}
	char *full = schema ? tt_xasprintf("SET client_min_messages = warning; "
					   "SET search_path = %s; %s",
					   schema, sql)
			    : tt_xasprintf("SET client_min_messages = warning; %s", sql);
	PGresult *r = PQexec(c, full);
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
		fprintf(stderr, "pgt: %s: %s", full, PQresultErrorMessage(r));
		abort();
	}
	PQclear(r);
	PQfinish(c);
	free(full);
}

/*
 * A new empty schema (*schema, malloc'd) and the store location that uses it.
 * Names carry the process id: programs share the database.
 */
static char *pgt_new_store(char **schema)
{
	static unsigned n; /* test code: one counter per program is what is wanted */
	*schema = tt_xasprintf("tt_test_%ld_%u", (long)getpid(), ++n);
	char *sql =
	    tt_xasprintf("DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s", *schema, *schema);
	pgt_exec(NULL, sql);
	free(sql);
	const char *url = getenv("TT_TEST_PG_URL");
	return tt_xasprintf("%s%coptions=-csearch_path%%3D%s", url, strchr(url, '?') ? '&' : '?',
			    *schema);
}

static void pgt_drop(char *schema)
{
	char *sql = tt_xasprintf("DROP SCHEMA %s CASCADE", schema);
	pgt_exec(NULL, sql);
	free(sql);
	free(schema);
}

#endif

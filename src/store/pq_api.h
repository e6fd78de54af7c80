// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libpq, loaded on first use (see src/util/dlib.h): only PostgreSQL stores
 * need it. Include this instead of <libpq-fe.h>; tt_db_open_pg() loads it.
 */
#ifndef TUXTAPE_SRC_STORE_PQ_API_H
#define TUXTAPE_SRC_STORE_PQ_API_H

#include <libpq-fe.h>

#include "../util/dlib.h"

#define TT_PQ_FUNCTIONS(X)                                                                         \
	X(PQconnectdb)                                                                             \
	X(PQstatus)                                                                                \
	X(PQerrorMessage)                                                                          \
	X(PQfinish)                                                                                \
	X(PQsetNoticeProcessor)                                                                    \
	X(PQtransactionStatus)                                                                     \
	X(PQexec)                                                                                  \
	X(PQprepare)                                                                               \
	X(PQexecPrepared)                                                                          \
	X(PQsendQueryPrepared)                                                                     \
	X(PQgetResult)                                                                             \
	X(PQresultStatus)                                                                          \
	X(PQresultErrorField)                                                                      \
	X(PQcmdStatus)                                                                             \
	X(PQntuples)                                                                               \
	X(PQnfields)                                                                               \
	X(PQgetvalue)                                                                              \
	X(PQgetisnull)                                                                             \
	X(PQclear)                                                                                 \
	X(PQenterPipelineMode)                                                                     \
	X(PQexitPipelineMode)                                                                      \
	X(PQpipelineStatus)                                                                        \
	X(PQpipelineSync)

struct tt_pq_functions {
	TT_PQ_FUNCTIONS(TT_DLIB_FIELD)
};
extern struct tt_pq_functions tt_pq_fns;

int tt_pq_load(struct tt_error *err);

#define PQconnectdb	     (*tt_pq_fns.fn_PQconnectdb)
#define PQstatus	     (*tt_pq_fns.fn_PQstatus)
#define PQerrorMessage	     (*tt_pq_fns.fn_PQerrorMessage)
#define PQfinish	     (*tt_pq_fns.fn_PQfinish)
#define PQsetNoticeProcessor (*tt_pq_fns.fn_PQsetNoticeProcessor)
#define PQtransactionStatus  (*tt_pq_fns.fn_PQtransactionStatus)
#define PQexec		     (*tt_pq_fns.fn_PQexec)
#define PQprepare	     (*tt_pq_fns.fn_PQprepare)
#define PQexecPrepared	     (*tt_pq_fns.fn_PQexecPrepared)
#define PQsendQueryPrepared  (*tt_pq_fns.fn_PQsendQueryPrepared)
#define PQgetResult	     (*tt_pq_fns.fn_PQgetResult)
#define PQresultStatus	     (*tt_pq_fns.fn_PQresultStatus)
#define PQresultErrorField   (*tt_pq_fns.fn_PQresultErrorField)
#define PQcmdStatus	     (*tt_pq_fns.fn_PQcmdStatus)
#define PQntuples	     (*tt_pq_fns.fn_PQntuples)
#define PQnfields	     (*tt_pq_fns.fn_PQnfields)
#define PQgetvalue	     (*tt_pq_fns.fn_PQgetvalue)
#define PQgetisnull	     (*tt_pq_fns.fn_PQgetisnull)
#define PQclear		     (*tt_pq_fns.fn_PQclear)
#define PQenterPipelineMode  (*tt_pq_fns.fn_PQenterPipelineMode)
#define PQexitPipelineMode   (*tt_pq_fns.fn_PQexitPipelineMode)
#define PQpipelineStatus     (*tt_pq_fns.fn_PQpipelineStatus)
#define PQpipelineSync	     (*tt_pq_fns.fn_PQpipelineSync)

#endif

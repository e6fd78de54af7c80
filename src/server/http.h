/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internal to src/server: what the HTTP layer hands the API routes. */
#ifndef TT_SERVER_HTTP_H
#define TT_SERVER_HTTP_H

#include <jansson.h>
#include <stddef.h>

#include "tuxtape/server.h"

/* One API request, complete: method, path below /api/v1/, query, credentials, body. */
struct tt_api_request {
	const char *method;
	const char *path;   /* "hosts/h_1234" */
	const char *bearer; /* the Authorization: Bearer token, NULL when none */
	const char *body;
	size_t body_len;
	/* A query parameter (borrowed), NULL when absent. */
	const char *(*query)(void *ctx, const char *key);
	void *query_ctx;
};

struct tt_api_response {
	unsigned status;
	json_t *body; /* owned */
};

/* Route an API request on a store connection; always fills res. */
void tt_api_handle(struct tt_fleet_db *db, const struct tt_fleet_config *cfg,
		   const struct tt_api_request *req, struct tt_api_response *res);
/* The HTTP status for an error code of the service (see server.h). */
unsigned tt_api_status_of(int code);
/* {"error": {"code": ..., "message": ...}} for status. */
json_t *tt_api_error_body(unsigned status, const char *message);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internal to src/server: the patch pipeline's routes (docs/fleet-api.md, "Build jobs"). */
#ifndef TT_SERVER_PIPELINE_API_H
#define TT_SERVER_PIPELINE_API_H

#include <stdbool.h>

#include "http.h"

/*
 * Handle the routes of the job queue (jobs, jobs/claim, jobs/ID,
 * jobs/ID/artifact, jobs/ID/result, jobs/ID/approve) and the release stop,
 * which also pulls the module from the archive's metadata. Returns false,
 * leaving res alone, for any other path.
 */
bool tt_pipeline_api_route(struct tt_fleet_db *db, const struct tt_fleet_config *cfg,
			   const struct tt_api_request *req, struct tt_api_response *res);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internal to src/server: what the service files share. */
#ifndef TT_SERVER_SERVICE_H
#define TT_SERVER_SERVICE_H

#include <openssl/crypto.h>

#include "tuxtape/server.h"

/* Wall-clock seconds: every timestamp the service writes. */
int64_t tt_fleet_now(void);
/* End a write transaction: roll back when r < 0 (and return r), else commit. */
int tt_fleet_finish(struct tt_fleet_db *db, int r, struct tt_error *err);
/* Stop release id inside an open transaction, with its audit entry. */
int tt_fleet_stop_release_in_tx(struct tt_fleet_db *db, const char *actor, int64_t id,
				const char *reason, struct tt_error *err);

/* A token's secret does not outlive the request in memory. */
static inline void tt_token_wipe(struct tt_token *t)
{
	OPENSSL_cleanse(t->secret, sizeof(t->secret));
}

#endif

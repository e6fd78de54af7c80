/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TT_STORE_SCHEMA_H
#define TT_STORE_SCHEMA_H

#include "db.h"

/* Bring the store's schema to TT_STORE_SCHEMA_VERSION. */
int tt_schema_migrate(struct tt_db *db, struct tt_error *err);

#endif

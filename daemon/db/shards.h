/* The sharded mode's set-up (docs/scaling.md): `retentiond migrate
 * --shards`. Each shard gets retentiond's schema (the migrations) and must
 * already hold the warehouse's tables keyed by subscriber; the coordinator
 * gets a postgres_fdw server per shard and its tables keyed by subscriber
 * become tables partitioned by HASH (sub_id) over them
 * (sql/schema/011_shards.sql), in one transaction that also reads every
 * shard through them (a wrong address or password changes nothing).
 *
 * Ownership: nothing is kept; the caller owns the coordinator's connection
 * and the strings. */
#ifndef RETENTIOND_SHARDS_H
#define RETENTIOND_SHARDS_H

#include "db.h"

#include <stdbool.h>

/* Shards the coordinator (already migrated) over the n conninfos, in that
 * order (shard k holds the subscribers whose hash of sub_id modulo n is
 * k). A coordinator already sharded over n shards is left as it is; over
 * another number, it is an error. Failures are logged, one line each. */
bool shards_setup(struct db *coordinator, const char *const *conninfos, int n);

#endif

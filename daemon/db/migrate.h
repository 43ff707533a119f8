/* Migrations of retentiond's own schema (kpi): the embedded files
 * sql/schema/NNN_*.sql are applied in order, each in its own transaction,
 * recorded in kpi.schema_version, under an advisory lock so that two
 * migrating processes never interleave. Never touches dw. */
#ifndef RETENTIOND_MIGRATE_H
#define RETENTIOND_MIGRATE_H

#include "db.h"

#include <stdbool.h>

/* Applies what is missing, then migrate_grant(); *applied receives how
 * many were (may be NULL). */
bool migrate_run(struct db *db, int *applied);

/* Gives the daemon's grants (kpi.grant_daemon) again to every role recorded
 * in kpi.daemon_role that still exists: the tables added since are theirs
 * too. Run as the schema's owner, on a schema migrate_run() brought to
 * this binary's version. */
bool migrate_grant(struct db *db);

/* The highest migration embedded in this binary. */
int migrate_latest(void);

/* The schema version recorded in the database (0 = none). */
bool migrate_current(struct db *db, int *version);

#endif

/* `retentiond migrate`: creates or upgrades the project's schema (kpi);
 * with --shards, on the shards too, and shards the coordinator. */
#include "cmd.h"

#include "db.h"
#include "migrate.h"
#include "shards.h"

#include <stdio.h>

int cmd_migrate(const struct cli_args *args)
{
    struct db *db = NULL;
    int applied = 0, version = 0;
    int rc = 1;
    if (!cmd_db(args, &db))
        goto done; /* errors have been logged already */
    if (!migrate_run(db, &applied) || !migrate_current(db, &version))
        goto done;
    /* the sharding's foreign tables are the daemon's roles' too */
    if (args->shards &&
        (!shards_setup(db, args->positional, args->npositional) || !migrate_grant(db)))
        goto done;
    printf("schema version %d (%d migration%s applied)%s\n", version, applied,
           applied == 1 ? "" : "s", args->shards ? ", sharded" : "");
    rc = 0;
done:
    db_close(db);
    return rc;
}

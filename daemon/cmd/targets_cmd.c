/* `retentiond targets import FILE`. */
#include "cmd.h"

#include "db.h"
#include "targets.h"

#include <stdio.h>

int cmd_targets(const struct cli_args *args)
{
    struct db *db = NULL;
    char err[512];
    int imported = 0, rc = 1;
    if (!db_connect(cmd_conninfo(args), 0, &db))
        goto done;
    if (!targets_import(db, args->positional[1], &imported, err, sizeof err)) {
        if (*err) {
            fprintf(stderr, "retentiond: %s\n", err);
            rc = 2; /* a bad file: a bad argument */
        }
        goto done;
    }
    printf("%d target%s imported\n", imported, imported == 1 ? "" : "s");
    rc = 0;
done:
    db_close(db);
    return rc;
}

/* `retentiond cohort --year Y --refreeze`. */
#include "cmd.h"

#include "db.h"
#include "kpi.h"

#include <stdio.h>
#include <stdlib.h>

int cmd_cohort(const struct cli_args *args)
{
    struct db *db = NULL;
    long long cohort = -1, vips = -1;
    int rc = 1;
    if (!db_connect(cmd_conninfo(args), 0, &db) ||
        !kpi_refreeze(db, atoi(args->year), &cohort, &vips))
        goto done;
    if (cohort < 0)
        printf("year %s: K1 cohort not taken (baseline months not all closed);"
               " K2 snapshot %lld members\n",
               args->year, vips);
    else
        printf("year %s: K1 cohort %lld members; K2 snapshot %lld members\n", args->year, cohort,
               vips);
    rc = cmd_audit_change(db, "cohort_refreeze",
                          json_pack("{s:s, s:I, s:I}", "year", args->year, "cohort",
                                    (json_int_t)cohort, "vip_snapshot", (json_int_t)vips))
             ? 0
             : 1;
done:
    db_close(db);
    return rc;
}

/* `retentiond cohort --year Y --refreeze`. */
#include "cmd.h"

#include "db.h"
#include "kpi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Whether year has begun by the database's date: a year's cohort and VIP
 * snapshot are taken in it, never ahead (year 3000 froze today's members).
 * False with *rc 2 after one line on stderr, or 1 on a database error. */
static bool year_begun(struct db *db, const char *year, int *rc)
{
    struct db_result *res = NULL;
    const char *params[] = {year};
    *rc = 1;
    if (!db_query(db, "SELECT $1::int <= extract(year FROM current_date)::int", 1, params, &res))
        return false;
    bool begun = strcmp(db_value(res, 0, 0), "t") == 0;
    db_result_free(res);
    if (!begun) {
        fprintf(stderr,
                "retentiond: cohort: --year: %s has not begun: a year's cohort is taken "
                "in that year\n",
                year);
        *rc = 2;
    }
    return begun;
}

int cmd_cohort(const struct cli_args *args)
{
    struct db *db = NULL;
    long long cohort = -1, vips = -1;
    int rc = 1;
    if (!cmd_db(args, &db) || !year_begun(db, args->year, &rc) ||
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

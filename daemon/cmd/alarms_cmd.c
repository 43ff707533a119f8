/* `retentiond alarms list|set`. */
#include "cmd.h"

#include "buf.h"
#include "db.h"
#include "rules.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_alarms(const struct cli_args *args)
{
    struct db *db = NULL;
    struct buf out = BUF_INIT;
    char err[256] = "", *before = NULL;
    int rc = 1;
    struct rules_change c = {.kpi = args->positional[1],
                             .target_path = args->target_path,
                             .period = args->period,
                             .step = args->step,
                             .recover_margin = args->recover_margin,
                             .key_account_days = args->key_account_days};
    bool list = strcmp(args->positional[0], "list") == 0;
    if (!list && !rules_check(&c, err, sizeof err)) {
        fprintf(stderr, "retentiond: alarms set: %s\n", err);
        return 2;
    }
    if (!cmd_db(args, &db))
        goto done; /* logged */
    if (list ? !rules_list(db, &out) : !rules_set(db, &c, &before, err, sizeof err)) {
        if (!list && *err) {
            fprintf(stderr, "retentiond: alarms set: %s\n", err);
            rc = 2; /* refused (an unknown KPI): a bad argument */
        }
        goto done;
    }
    if (list)
        fwrite(out.data, 1, out.len, stdout);
    else
        printf("%s: alarm rule changed (used from the next compute run)\n", c.kpi);
    rc = list || cmd_audit_change(db, "alarm_rule_set",
                                  json_pack("{s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:o?}", "kpi",
                                            c.kpi, "target_path", c.target_path, "period", c.period,
                                            "step", c.step, "recover_margin", c.recover_margin,
                                            "key_account_days", c.key_account_days, "before",
                                            json_loads(before, 0, NULL)))
             ? 0
             : 1;
done:
    free(before);
    buf_release(&out);
    db_close(db);
    return rc;
}

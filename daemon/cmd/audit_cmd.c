/* `retentiond audit`: the audit log, newest first. */
#include "cmd.h"

#include "audit.h"
#include "buf.h"
#include "db.h"

#include <stdio.h>
#include <stdlib.h>

int cmd_audit(const struct cli_args *args)
{
    struct db *db = NULL;
    struct db_result *res = NULL;
    struct buf out = BUF_INIT;
    int rc = 1;
    char *end = NULL;
    long limit = args->limit ? strtol(args->limit, &end, 10) : 100;
    if (args->limit && (end == args->limit || *end || limit < 1 || limit > 1000000)) {
        fprintf(stderr, "retentiond: --limit must be a number 1..1000000\n");
        return 2;
    }
    char limit_text[16];
    snprintf(limit_text, sizeof limit_text, "%ld", limit);
    const char *params[] = {args->since, args->action, limit_text};
    if (!db_connect(cmd_conninfo(args), 0, &db) ||
        !db_query(db, audit_select_sql(), 3, params, &res))
        goto done; /* logged */
    audit_rows_text(res, &out);
    fwrite(out.data, 1, out.len, stdout);
    rc = 0;
done:
    db_result_free(res);
    buf_release(&out);
    db_close(db);
    return rc;
}

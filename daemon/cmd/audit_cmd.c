/* `retentiond audit`: the audit log, newest first; `audit verify FILE`:
 * whether a file's bytes were exported (an export row with its SHA-256) or
 * are a bulletin's (archived, or served by the daemon); `audit reproduce
 * ID` is report_cmd.c's. */
#include "cmd.h"

#include "audit.h"
#include "buf.h"
#include "db.h"
#include "digest.h"
#include "file.h"
#include "labels.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Prints the export rows of res whose recorded size is len (a row is
 * its time, who, client, params, id); the number printed. A row naming
 * the SHA-256 with another size (written by hand: no export writes one)
 * is said apart. */
static int verified_rows(const char *path, size_t len, struct db_result *res)
{
    int found = 0;
    for (int i = 0; i < db_rows(res); i++) {
        if (strtoull(db_value(res, i, 5), NULL, 10) != len) {
            printf("%s: row %s names this SHA-256 but %s bytes, not %zu: not an export of this "
                   "file\n",
                   path, db_value(res, i, 4), db_value(res, i, 5), len);
            continue;
        }
        printf("%s: exported %s by %s from %s (row %s): %s\n", path, db_value(res, i, 0),
               db_value(res, i, 1), db_value(res, i, 2), db_value(res, i, 4), db_value(res, i, 3));
        found++;
    }
    return found;
}

/* The bulletins whose archived files, or whose bytes served at
 * /bulletins/DATE (bulletin_download rows), have FILE's SHA-256 and size:
 * one line each; the number printed, or -1 on a database error (logged). */
static int verified_bulletins(struct db *db, const char *path, const char *sha, size_t len)
{
    static const char sql[] =
        "SELECT format('archived as the %s of the bulletin of %s for %s, version %s (run %s),"
        " generated %s by %s', f.format, b.as_of, b.branch_code, b.version, b.run_id,"
        " to_char(b.generated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
        " b.generated_by), b.generated_at"
        " FROM kpi.bulletin b CROSS JOIN LATERAL (VALUES ('HTML', b.html_sha256, b.html_bytes),"
        "  ('PDF', b.pdf_sha256, b.pdf_bytes), ('PNG', b.png_sha256, b.png_bytes)) f(format, sha,"
        "  bytes)"
        " WHERE f.sha = $1 AND f.bytes = $2::bigint"
        " UNION ALL"
        " SELECT format('served as the bulletin of %s for %s (run %s, %s) %s to %s from %s (row "
        "%s)',"
        " params->>'date', params->>'branch', params->>'run', params->>'format',"
        " to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), coalesce(who, '-'),"
        " coalesce(client_addr, '-'), audit_id), at"
        " FROM kpi.audit_log WHERE action = 'bulletin_download' AND outcome = 'ok'"
        " AND params->>'sha256' = $1 AND params->>'bytes' = $2::text"
        " ORDER BY 2";
    char size[32];
    snprintf(size, sizeof size, "%zu", len);
    const char *params[] = {sha, size};
    struct db_result *res = NULL;
    if (!db_query(db, sql, 2, params, &res))
        return -1;
    int n = db_rows(res);
    for (int i = 0; i < n; i++)
        printf("%s: %s\n", path, db_value(res, i, 0));
    db_result_free(res);
    return n;
}

static int verify(const struct cli_args *args)
{
    const char *path = args->positional[1];
    unsigned char *bytes = NULL;
    size_t len = 0;
    char err[4200], sha[DIGEST_HEX_LEN + 1];
    struct db *db = NULL;
    struct db_result *res = NULL;
    int rc = 1;
    if (!file_read_all(path, (size_t)1 << 30, &bytes, &len, err, sizeof err)) {
        fprintf(stderr, "retentiond: audit verify: %s\n", err);
        return 2;
    }
    digest_sha256_hex(bytes, len, sha);
    free(bytes);
    const char *params[] = {sha};
    if (!cmd_db(args, &db) ||
        !db_query(db,
                  "SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
                  " coalesce(who, '-'), coalesce(client_addr, '-'), params::text, audit_id::text,"
                  " coalesce(params->>'bytes', '-')"
                  " FROM kpi.audit_log WHERE action = 'export' AND outcome = 'ok'"
                  " AND params->>'sha256' = $1 ORDER BY at, audit_id",
                  1, params, &res))
        goto done; /* logged */
    int exports = verified_rows(path, len, res);
    int bulletins = verified_bulletins(db, path, sha, len);
    if (bulletins < 0)
        goto done; /* logged */
    if (exports + bulletins == 0) {
        printf("%s: not exported (no export in the audit log, and no bulletin archived or served, "
               "has SHA-256 %s and %zu bytes)\n",
               path, sha, len);
        goto done;
    }
    if (exports)
        printf("%s: a row's hash shows these bytes were recorded; `retentiond audit reproduce ID` "
               "makes the report again from the runs it names\n",
               path);
    rc = 0;
done:
    db_result_free(res);
    db_close(db);
    return rc;
}

/* Whether action is one retentiond writes, or one some entry has (an
 * older version's); a failed query: assumed so. */
static bool action_logged(struct db *db, const char *action)
{
    if (labels_audit_action(action))
        return true;
    struct db_result *res = NULL;
    const char *params[] = {action};
    bool any = !db_query(db, audit_action_seen_sql(), 1, params, &res) || db_rows(res) > 0;
    db_result_free(res);
    return any;
}

int cmd_audit(const struct cli_args *args)
{
    if (args->npositional == 2 && strcmp(args->positional[0], "reproduce") == 0)
        return cmd_audit_reproduce(args);
    if (args->npositional == 2)
        return verify(args);
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
    long long before = args->before ? strtoll(args->before, &end, 10) : 0;
    if (args->before && (end == args->before || *end || before < 1 || strlen(args->before) > 18)) {
        fprintf(stderr, "retentiond: --before must be a row id (a whole number from 1)\n");
        return 2;
    }
    if (args->action && !audit_action_name_ok(args->action)) {
        fprintf(stderr, "retentiond: --action must be an action name (lower-case letters and _)\n");
        return 2;
    }
    char limit_text[16];
    snprintf(limit_text, sizeof limit_text, "%ld", limit);
    /* a date's 00:00 in UTC, the zone of the times printed */
    const char *params[] = {args->since, args->action, limit_text, args->before,
                            "UTC",       NULL,         NULL}; /* every user and outcome */
    if (!cmd_db(args, &db) || !db_query(db, audit_select_sql(), 7, params, &res))
        goto done; /* logged */
    if (args->action && db_rows(res) == 0 && !action_logged(db, args->action)) {
        /* a typo must not read as "nothing of that kind happened" */
        fprintf(stderr,
                "retentiond: --action: no entry matches, and '%s' is none of the actions "
                "retentiond writes (docs/access.md lists them)\n",
                args->action);
        rc = 2;
        goto done;
    }
    audit_rows_text(res, &out);
    if (out.len) /* none: no buffer */
        fwrite(out.data, 1, out.len, stdout);
    rc = 0;
done:
    db_result_free(res);
    buf_release(&out);
    db_close(db);
    return rc;
}

/* retentiond report: the quarterly inspection report of a branch's subtree
 * as CSV or PDF, from the stored runs of the quarter's month ends, recorded
 * in the audit log with its SHA-256 (docs/report.md); `retentiond audit
 * reproduce ID`: an earlier export made again from the runs its audit row
 * names, its SHA-256 compared with the row's. Both are made by
 * http/report_make.c, as GET /api/v1/audit/ID/reproduction makes them. */
#include "cmd.h"

#include "audit.h"
#include "buf.h"
#include "digest.h"
#include "file.h"
#include "report_make.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What an export made again records of the row it reproduces. */
struct reproduction {
    long long of;    /* the row; 0: not a reproduction */
    bool same_bytes; /* its SHA-256 is the row's */
};

/* The export's audit row; false (logged) when it cannot be written. */
static bool audit_export(struct db *db, const struct rmake_job *j, const struct rmake_out *o,
                         const char *out, struct reproduction r)
{
    const struct buf *bytes = rmake_bytes(j, o);
    char sha[DIGEST_HEX_LEN + 1];
    digest_sha256_hex(bytes->data, bytes->len, sha);
    json_t *params =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:s}", "kind", "report", "quarter", o->v.quarter,
                  "branch", o->s->branches[o->v.branch].code, "format", j->format, "sha256", sha,
                  "bytes", (json_int_t)bytes->len, "via", r.of ? "reproduce" : "cli");
    view_report_lineage(&o->v, params);
    if (r.of) {
        json_object_set_new(params, "of", json_integer((json_int_t)r.of));
        json_object_set_new(params, "same_bytes", json_boolean(r.same_bytes));
    }
    char *file = strcmp(out, "-") != 0 ? file_absolute(out) : NULL;
    if (file)
        json_object_set_new(params, "file", json_string(file));
    free(file);
    /* the language: the same runs give other bytes in English */
    json_object_set_new(params, "lang", json_string(j->lang ? j->lang : "zh"));
    struct audit_row row = {.who = cmd_system_user(),
                            .action = "export",
                            .params = params,
                            .client = cmd_client(db),
                            .outcome = "ok"};
    bool ok = audit_insert(db, &row);
    json_decref(params);
    return ok;
}

/* The export's row, and its bytes on standard output: the row written in
 * a transaction committed once the bytes are all out, so that output cut
 * short (a full disk, a closed pipe; SIGPIPE ends the process and the
 * server rolls back) leaves no row saying it was exported. */
static bool export_stdout(struct db *db, const struct rmake_job *j, const struct rmake_out *o,
                          struct reproduction r)
{
    const struct buf *bytes = rmake_bytes(j, o);
    if (!db_begin(db) || !audit_export(db, j, o, "-", r)) {
        db_rollback(db);
        return false; /* logged */
    }
    if (!cmd_write_out("-", (const unsigned char *)bytes->data, bytes->len)) {
        db_rollback(db);
        fprintf(stderr, "retentiond: the report could not be written whole to standard output "
                        "(no audit row written)\n");
        return false;
    }
    if (!db_commit(db)) {
        fprintf(stderr, "retentiond: the report was written, its audit row could not be: %s\n",
                db_errmsg(db));
        return false;
    }
    return true;
}

/* The export's row and its bytes at out. A file is written beside its
 * place first, the row then, and the file renamed into place last: a file
 * that cannot be written leaves no row (an auditor would read that it was
 * exported), and no file stands without its row. On standard output:
 * export_stdout. False after one line on stderr (or logged). */
static bool export_out(struct db *db, const struct rmake_job *j, const struct rmake_out *o,
                       const char *out, struct reproduction r)
{
    const struct buf *bytes = rmake_bytes(j, o);
    if (strcmp(out, "-") == 0)
        return export_stdout(db, j, o, r);
    char err[4200];
    struct file_staged staged = {0};
    if (!file_stage(out, bytes->data, bytes->len, &staged, err, sizeof err)) {
        fprintf(stderr, "retentiond: %s\n", err);
        return false;
    }
    if (!audit_export(db, j, o, out, r)) {
        file_discard(&staged);
        return false; /* logged */
    }
    if (!file_publish(&staged, err, sizeof err)) {
        fprintf(stderr, "retentiond: %s (its audit row is written: the file is not there)\n", err);
        return false;
    }
    return true;
}

/* Makes j's report into o (fonts and a drawing context for a PDF). 0, or
 * the exit status after one line on stderr (2: not a quarter, 1: a quarter
 * without its runs, or a database or drawing error, logged). */
static int report_make(struct db *db, const char *cmd, const struct rmake_job *j,
                       struct rmake_out *o)
{
    char msg[300] = "";
    struct rmake_error err = {0};
    chart_fonts *fonts =
        rmake_is_pdf(j) ? chart_fonts_new("Noto Sans CJK SC", msg, sizeof msg) : NULL;
    chart_ctx *ctx = fonts ? chart_ctx_new(fonts, msg, sizeof msg) : NULL;
    bool ok = rmake_run(db, j, ctx, o, &err);
    if (!ok && (*msg || *err.message))
        fprintf(stderr, "retentiond: %s: %s\n", cmd, *msg ? msg : err.message);
    chart_ctx_free(ctx);
    chart_fonts_free(fonts);
    return ok ? 0 : err.status;
}

int cmd_report(const struct cli_args *a)
{
    struct db *db = NULL;
    struct rmake_out o = RMAKE_OUT_INIT;
    const struct rmake_job j = {.quarter = a->quarter,
                                .branch = a->branch,
                                .format = a->format,
                                .lang = a->lang,
                                .user = cmd_system_user()};
    int rc = 1;
    if (!cmd_db(a, &db) || (rc = report_make(db, "report", &j, &o)) != 0)
        goto done; /* said */
    rc = export_out(db, &j, &o, a->out, (struct reproduction){0}) ? 0 : 1;
done:
    rmake_out_free(&o);
    db_close(db);
    return rc;
}

/* ---- audit reproduce ----------------------------------------------------------------------- */

/* Says on to whether the bytes made again are the export's. */
static bool export_compare(FILE *to, const struct rmake_export *e, const struct buf *bytes)
{
    char sha[DIGEST_HEX_LEN + 1];
    const char *lang = rmake_export_param(e, "lang");
    digest_sha256_hex(bytes->data, bytes->len, sha);
    const char *want = rmake_export_param(e, "sha256");
    fprintf(to, "row %lld: the %s %s of %s (%s, runs %s), exported %.19sZ by %s\n", e->id,
            rmake_export_param(e, "quarter"), rmake_export_param(e, "format"),
            rmake_export_param(e, "branch"), lang ? lang : "zh", e->runs, e->at, e->who);
    if (strcmp(sha, want) == 0) {
        fprintf(to, "row %lld: reproduced: the same bytes (SHA-256 %s)\n", e->id, sha);
        return true;
    }
    fprintf(to, "row %lld: not reproduced: SHA-256 %s, the export's %s (%s)\n", e->id, sha, want,
            e->days_then ? "an export recorded without its days, made from the runs finished "
                           "then: one of them may have been removed since, or a branch renamed "
                           "or moved, another program version or a SOURCE_DATE_EPOCH differ"
                         : "the same runs: a branch renamed or moved, another program version "
                           "or a SOURCE_DATE_EPOCH differ");
    return false;
}

/* Row id of the audit log into e. 0, or the exit status after one line on
 * stderr: 2 when the row is not a report's export, 1 on a database error. */
static int export_read(struct db *db, const char *id, struct rmake_export *e)
{
    struct rmake_error err = {0};
    if (rmake_export_read(db, id, e, &err))
        return 0;
    if (*err.message)
        fprintf(stderr, "retentiond: audit reproduce: %s\n", err.message);
    return err.status;
}

int cmd_audit_reproduce(const struct cli_args *a)
{
    const char *id = a->positional[1];
    struct db *db = NULL;
    struct rmake_export e = {0};
    struct rmake_out o = RMAKE_OUT_INIT;
    char *gone = NULL;
    bool ok = false;
    int rc = 1;
    if (!cmd_db(a, &db) || (rc = export_read(db, id, &e)) != 0)
        goto done; /* said */
    rc = 1;
    gone = rmake_runs_gone(db, &e, &ok);
    if (!ok)
        goto done; /* logged */
    /* with the report on standard output, what is said goes to stderr */
    FILE *say = a->out && strcmp(a->out, "-") == 0 ? stderr : stdout;
    if (gone) {
        fprintf(say,
                "row %lld: not reproduced: run(s) %s, which the export read, are no longer "
                "stored\n",
                e.id, gone);
        goto done;
    }
    const struct rmake_job j = rmake_export_job(&e);
    if (report_make(db, "audit reproduce", &j, &o) != 0)
        goto done; /* said */
    const struct buf *bytes = rmake_bytes(&j, &o);
    bool same = export_compare(say, &e, bytes);
    /* written either way (a file that differs is for comparing), its row
     * saying whether it is the export's */
    if (a->out && !export_out(db, &j, &o, a->out, (struct reproduction){e.id, same}))
        goto done;
    rc = same ? 0 : 1;
done:
    free(gone);
    rmake_export_free(&e);
    rmake_out_free(&o);
    db_close(db);
    return rc;
}

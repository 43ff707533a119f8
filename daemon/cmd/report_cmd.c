/* retentiond report: the quarterly inspection report of a branch's subtree
 * as CSV or PDF, from the stored runs of the quarter's month ends, recorded
 * in the audit log with its SHA-256 (docs/report.md). */
#include "cmd.h"

#include "audit.h"
#include "buf.h"
#include "digest.h"
#include "file.h"
#include "report_csv.h"
#include "report_doc.h"
#include "snap_load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The export's audit row; false (logged) when it cannot be written. */
static bool audit_export(struct db *db, const struct cli_args *a, const struct view_report *v,
                         const struct buf *bytes)
{
    char sha[DIGEST_HEX_LEN + 1];
    digest_sha256_hex(bytes->data, bytes->len, sha);
    json_t *params = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:[III]}", "kind", "report",
                               "quarter", v->quarter, "branch", v->s->branches[v->branch].code,
                               "format", a->format, "sha256", sha, "bytes", (json_int_t)bytes->len,
                               "via", "cli", "runs", (json_int_t)v->runs[0]->run_id,
                               (json_int_t)v->runs[1]->run_id, (json_int_t)v->runs[2]->run_id);
    char *file = strcmp(a->out, "-") != 0 ? file_absolute(a->out) : NULL;
    if (file)
        json_object_set_new(params, "file", json_string(file));
    free(file);
    /* the language: the same runs give other bytes in English */
    json_object_set_new(params, "lang", json_string(a->lang ? a->lang : "zh"));
    struct audit_row row = {
        .who = cmd_system_user(), .action = "export", .params = params, .outcome = "ok"};
    bool ok = audit_insert(db, &row);
    json_decref(params);
    return ok;
}

/* The PDF of v into out (its bytes), the CSV of the same runs hashed on
 * its cover; false after one line on stderr. */
static bool pdf(const struct cli_args *a, const struct view_report *v, const struct buf *csv,
                struct buf *out)
{
    char msg[300], sha[DIGEST_HEX_LEN + 1];
    unsigned char *bytes = NULL;
    size_t len = 0;
    chart_fonts *fonts = chart_fonts_new("Noto Sans CJK SC", msg, sizeof msg);
    chart_ctx *ctx = fonts ? chart_ctx_new(fonts, msg, sizeof msg) : NULL;
    digest_sha256_hex(csv->data, csv->len, sha);
    bool ok = ctx && report_pdf(v, labels_get(a->lang), cmd_system_user(), sha, ctx, &bytes, &len,
                                msg, sizeof msg);
    if (ok)
        buf_append(out, bytes, len);
    else
        fprintf(stderr, "retentiond: report: %s\n", msg);
    free(bytes);
    chart_ctx_free(ctx);
    chart_fonts_free(fonts);
    return ok;
}

static bool query_db(void *ctx, const char *sql, int nparams, const char *const *params,
                     struct db_result **res)
{
    return db_query(ctx, sql, nparams, params, res);
}

/* The report's history read into h and taken by v; false after one line
 * on stderr. */
static bool history(struct db *db, struct view_report *v, struct snap_history *h)
{
    char first[11], last[11];
    struct view_error err = {0};
    view_report_range(v, first, last);
    if (!snap_history_read(v->s, first, last, query_db, db, h)) {
        fprintf(stderr, "retentiond: report: the quarter's runs and alarms could not be read\n");
        return false;
    }
    if (view_report_history(v, h, &err))
        return true;
    fprintf(stderr, "retentiond: report: %s\n", err.message);
    return false;
}

int cmd_report(const struct cli_args *a)
{
    struct db *db = NULL;
    struct snap *s = NULL;
    struct view_params p;
    struct view_error err = {0};
    struct view_report v = {0};
    struct snap_history hist = {0};
    struct buf csv = BUF_INIT, doc = BUF_INIT;
    int rc = 1;
    const char *pairs[] = {"quarter", a->quarter, "branch", a->branch, NULL};
    view_params_list(&p, pairs);
    /* every run, no zone members: the report reads values only; with the
     * quarter's month ends, also when they are older than the history */
    char from[11], to[11];
    bool quarter = view_report_quarter(a->quarter, from, to); /* else the view refuses it */
    const struct snap_filter values_only = {.month_ends_from = quarter ? from : NULL,
                                            .month_ends_to = quarter ? to : NULL};
    if (!db_connect(cmd_conninfo(a), 0, &db) || !snap_build_db(db, 92, NULL, &values_only, &s))
        goto done; /* logged */
    bool is_pdf = strcmp(a->format, "pdf") == 0;
    if (!view_report_build(s, &p, &v, &err)) {
        fprintf(stderr, "retentiond: report: --%s: %s\n", err.param ? err.param : "quarter",
                err.message);
        rc = err.status == 400 ? 2 : 1;
        goto done;
    }
    if (is_pdf && !history(db, &v, &hist))
        goto done;
    report_csv(&v, &csv);
    if (is_pdf && !pdf(a, &v, &csv, &doc))
        goto done;
    const struct buf *bytes = is_pdf ? &doc : &csv;
    /* the row first: a file on disk without its audit row cannot be verified */
    if (audit_export(db, a, &v, bytes) &&
        cmd_write_out(a->out, (const unsigned char *)bytes->data, bytes->len))
        rc = 0;
done:
    view_report_free(&v);
    snap_history_free(&hist);
    buf_release(&csv);
    buf_release(&doc);
    snap_unref(s);
    db_close(db);
    return rc;
}

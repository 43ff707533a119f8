/* retentiond report: the quarterly inspection report of a branch's subtree
 * as CSV or PDF, from the stored runs of the quarter's month ends, recorded
 * in the audit log with its SHA-256 (docs/report.md); `retentiond audit
 * reproduce ID`: an earlier export made again from the runs its audit row
 * names, its SHA-256 compared with the row's. */
#include "cmd.h"

#include "audit.h"
#include "buf.h"
#include "digest.h"
#include "file.h"
#include "mem.h"
#include "report_csv.h"
#include "report_doc.h"
#include "snap_load.h"
#include "sql_embed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What a report is made of: the command's arguments, or an export's row.
 * Every pointer is borrowed. */
struct report_job {
    const char *cmd; /* for the messages: "report", "audit reproduce" */
    const char *quarter, *branch, *format, *lang;
    const char *user; /* named on the PDF's cover */
    const char *runs; /* bigint[] literal: the month ends' runs; NULL: the newest */
    const char *days; /* bigint[] literal: the history's runs; NULL: each day's newest */
};

/* A report made: its snapshot, view, history and bytes (owned; freed by
 * report_out_free). */
struct report_out {
    struct snap *s;
    struct view_report v;
    struct snap_history hist;
    struct buf csv, doc;
};

static void report_out_free(struct report_out *o)
{
    view_report_free(&o->v);
    snap_history_free(&o->hist);
    buf_release(&o->csv);
    buf_release(&o->doc);
    snap_unref(o->s);
}

static bool is_pdf(const struct report_job *j)
{
    return strcmp(j->format, "pdf") == 0;
}

/* The bytes of o that j asked for: its PDF or its CSV. */
static const struct buf *report_bytes(const struct report_job *j, const struct report_out *o)
{
    return is_pdf(j) ? &o->doc : &o->csv;
}

/* What an export made again records of the row it reproduces. */
struct reproduction {
    long long of;    /* the row; 0: not a reproduction */
    bool same_bytes; /* its SHA-256 is the row's */
};

/* The export's audit row; false (logged) when it cannot be written. */
static bool audit_export(struct db *db, const struct report_job *j, const struct report_out *o,
                         const char *out, struct reproduction r)
{
    const struct buf *bytes = report_bytes(j, o);
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
    struct audit_row row = {
        .who = cmd_system_user(), .action = "export", .params = params, .outcome = "ok"};
    bool ok = audit_insert(db, &row);
    json_decref(params);
    return ok;
}

/* The PDF of o's view into o->doc, the CSV of the same runs hashed on its
 * cover; false after one line on stderr. */
static bool pdf(const struct report_job *j, struct report_out *o)
{
    char msg[300], sha[DIGEST_HEX_LEN + 1];
    unsigned char *bytes = NULL;
    size_t len = 0;
    chart_fonts *fonts = chart_fonts_new("Noto Sans CJK SC", msg, sizeof msg);
    chart_ctx *ctx = fonts ? chart_ctx_new(fonts, msg, sizeof msg) : NULL;
    digest_sha256_hex(o->csv.data, o->csv.len, sha);
    bool ok = ctx && report_pdf(&o->v, labels_get(j->lang), j->user, sha, ctx, &bytes, &len, msg,
                                sizeof msg);
    if (ok)
        buf_append(&o->doc, bytes, len);
    else
        fprintf(stderr, "retentiond: %s: %s\n", j->cmd, msg);
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

/* The report's history read into o->hist and taken by its view; false
 * after one line on stderr. */
static bool history(struct db *db, const struct report_job *j, struct report_out *o)
{
    char first[11], last[11];
    struct view_error err = {0};
    view_report_range(&o->v, first, last);
    if (!snap_history_read(o->s, first, last, j->days, query_db, db, &o->hist)) {
        fprintf(stderr, "retentiond: %s: the quarter's runs and alarms could not be read\n",
                j->cmd);
        return false;
    }
    if (view_report_history(&o->v, &o->hist, &err))
        return true;
    fprintf(stderr, "retentiond: %s: %s\n", j->cmd, err.message);
    return false;
}

/* Makes j's report into o: its CSV, and for a PDF its history and PDF.
 * 0, or the exit status after one line on stderr (2: not a quarter, 1: a
 * quarter without its runs, or a database or drawing error, logged). */
static int report_make(struct db *db, const struct report_job *j, struct report_out *o)
{
    struct view_params p;
    struct view_error err = {0};
    const char *pairs[] = {"quarter", j->quarter, "branch", j->branch, NULL};
    view_params_list(&p, pairs);
    /* every run, no zone members: the report reads values only; with the
     * quarter's month ends, also when they are older than the history; or
     * the runs given alone */
    char from[11], to[11];
    bool quarter = view_report_quarter(j->quarter, from, to); /* else the view refuses it */
    const struct snap_filter filter = {.run_ids = j->runs,
                                       .month_ends_from = quarter ? from : NULL,
                                       .month_ends_to = quarter ? to : NULL};
    if (!snap_build_db(db, 92, NULL, &filter, &o->s))
        return 1; /* logged */
    if (!view_report_build(o->s, &p, &o->v, &err)) {
        fprintf(stderr, "retentiond: %s: %s%s: %s\n", j->cmd, j->runs ? "the export's " : "--",
                err.param ? err.param : "quarter", err.message);
        return err.status == 400 ? 2 : 1;
    }
    if (is_pdf(j) && !history(db, j, o))
        return 1;
    report_csv(&o->v, &o->csv);
    return is_pdf(j) && !pdf(j, o) ? 1 : 0;
}

int cmd_report(const struct cli_args *a)
{
    struct db *db = NULL;
    struct report_out o = {.csv = BUF_INIT, .doc = BUF_INIT};
    const struct report_job j = {.cmd = "report",
                                 .quarter = a->quarter,
                                 .branch = a->branch,
                                 .format = a->format,
                                 .lang = a->lang,
                                 .user = cmd_system_user()};
    int rc = 1;
    if (!db_connect(cmd_conninfo(a), 0, &db) || (rc = report_make(db, &j, &o)) != 0)
        goto done; /* said */
    const struct buf *bytes = report_bytes(&j, &o);
    /* the row first: a file on disk without its audit row cannot be verified */
    rc = audit_export(db, &j, &o, a->out, (struct reproduction){0}) &&
                 cmd_write_out(a->out, (const unsigned char *)bytes->data, bytes->len)
             ? 0
             : 1;
done:
    report_out_free(&o);
    db_close(db);
    return rc;
}

/* ---- audit reproduce ----------------------------------------------------------------------- */

/* An export row as `audit reproduce` reads it (owned: free with
 * export_free). */
struct export_row {
    long long id;
    char *who, *at; /* at: UTC, ISO 8601 */
    json_t *params;
    char *runs, *days; /* bigint[] literals; days NULL: a CSV */
    bool days_then;    /* days not recorded: the runs finished at its time */
};

static void export_free(struct export_row *e)
{
    free(e->who);
    free(e->at);
    json_decref(e->params);
    free(e->runs);
    free(e->days);
}

/* A JSON array of run ids as a bigint[] literal; NULL when it is not one. */
static char *ids_literal(const json_t *ids)
{
    struct buf b = BUF_INIT;
    size_t i;
    const json_t *id;
    if (!json_is_array(ids) || json_array_size(ids) == 0)
        return NULL;
    buf_append(&b, "{", 1);
    json_array_foreach(ids, i, id)
    {
        if (!json_is_integer(id) || json_integer_value(id) < 1) {
            buf_release(&b);
            return NULL;
        }
        buf_printf(&b, "%s%lld", i ? "," : "", (long long)json_integer_value(id));
    }
    buf_append(&b, "}", 1);
    return b.data;
}

static const char *param(const struct export_row *e, const char *name)
{
    return json_string_value(json_object_get(e->params, name));
}

/* Whether e is a report's export with what making it again needs. */
static bool export_complete(const struct export_row *e)
{
    const char *format = param(e, "format");
    char first[11], last[11];
    return param(e, "kind") && strcmp(param(e, "kind"), "report") == 0 &&
           view_report_quarter(param(e, "quarter"), first, last) && param(e, "branch") &&
           param(e, "sha256") && format &&
           (strcmp(format, "csv") == 0 || strcmp(format, "pdf") == 0) && e->runs &&
           json_array_size(json_object_get(e->params, "runs")) == 3;
}

/* The runs of each day of the export's quarter that it read: its "days";
 * for an export written before they were recorded, the newest run of each
 * day finished when it was exported. False after one line on stderr. */
static bool export_days(struct db *db, struct export_row *e)
{
    char first[11], last[11];
    struct db_result *res = NULL;
    if ((e->days = ids_literal(json_object_get(e->params, "days"))) != NULL)
        return true;
    view_report_quarter(param(e, "quarter"), first, last);
    const char *params[] = {first, last, e->at};
    bool ok = db_query(db, sql_embed_get("api/report_runs_at.sql"), 3, params, &res) &&
              db_rows(res) == 1 && db_value(res, 0, 0);
    e->days_then = ok;
    if (ok)
        e->days = xstrdup(db_value(res, 0, 0));
    else
        fprintf(stderr, "retentiond: audit reproduce: the quarter's runs could not be read\n");
    db_result_free(res);
    return ok;
}

/* Row id of the audit log into e. 0, or the exit status after one line on
 * stderr: 2 when the row is not a report's export, 1 on a database error. */
static int export_read(struct db *db, const char *id, struct export_row *e)
{
    struct db_result *res = NULL;
    const char *params[] = {id};
    int rc = 1;
    if (!db_query(db,
                  "SELECT coalesce(who, '-'), to_char(at AT TIME ZONE 'UTC',"
                  " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), params::text, action, outcome"
                  " FROM kpi.audit_log WHERE audit_id = $1::bigint",
                  1, params, &res))
        goto done; /* logged */
    rc = 2;
    if (db_rows(res) == 0) {
        fprintf(stderr, "retentiond: audit reproduce: there is no audit row %s\n", id);
        goto done;
    }
    e->id = atoll(id);
    e->who = xstrdup(db_value(res, 0, 0));
    e->at = xstrdup(db_value(res, 0, 1));
    e->params = json_loads(db_value(res, 0, 2), 0, NULL);
    e->runs = ids_literal(json_object_get(e->params, "runs"));
    if (strcmp(db_value(res, 0, 3), "export") != 0 || strcmp(db_value(res, 0, 4), "ok") != 0 ||
        !export_complete(e)) {
        fprintf(stderr, "retentiond: audit reproduce: row %s is not a report's export (%s, %s)\n",
                id, db_value(res, 0, 3), db_value(res, 0, 4));
        goto done;
    }
    rc = strcmp(param(e, "format"), "pdf") == 0 && !export_days(db, e) ? 1 : 0;
done:
    db_result_free(res);
    return rc;
}

/* The runs the export read that are no longer stored ("12, 40"), NULL
 * when every one is; *ok false after a database error (logged). */
static char *export_runs_gone(struct db *db, const struct export_row *e, bool *ok)
{
    struct db_result *res = NULL;
    const char *params[] = {e->runs, e->days};
    char *gone = NULL;
    *ok = db_query(db,
                   "SELECT string_agg(x::text, ', ' ORDER BY x)"
                   " FROM unnest($1::bigint[] || coalesce($2::bigint[], '{}')) AS x"
                   " WHERE NOT EXISTS (SELECT 1 FROM kpi.run r"
                   " WHERE r.run_id = x AND r.finished_at IS NOT NULL)",
                   2, params, &res);
    if (*ok && db_value(res, 0, 0))
        gone = xstrdup(db_value(res, 0, 0));
    db_result_free(res);
    return gone;
}

/* Says on to whether the bytes made again are the export's. */
static bool export_compare(FILE *to, const struct export_row *e, const struct buf *bytes)
{
    char sha[DIGEST_HEX_LEN + 1];
    digest_sha256_hex(bytes->data, bytes->len, sha);
    const char *want = param(e, "sha256");
    fprintf(to, "row %lld: the %s %s of %s (%s, runs %s), exported %.19sZ by %s\n", e->id,
            param(e, "quarter"), param(e, "format"), param(e, "branch"),
            param(e, "lang") ? param(e, "lang") : "zh", e->runs, e->at, e->who);
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

int cmd_audit_reproduce(const struct cli_args *a)
{
    const char *id = a->positional[1];
    struct db *db = NULL;
    struct export_row e = {0};
    struct report_out o = {.csv = BUF_INIT, .doc = BUF_INIT};
    char *gone = NULL;
    bool ok = false;
    int rc = 1;
    if (!db_connect(cmd_conninfo(a), 0, &db) || (rc = export_read(db, id, &e)) != 0)
        goto done; /* said */
    rc = 1;
    gone = export_runs_gone(db, &e, &ok);
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
    const struct report_job j = {.cmd = "audit reproduce",
                                 .quarter = param(&e, "quarter"),
                                 .branch = param(&e, "branch"),
                                 .format = param(&e, "format"),
                                 .lang = param(&e, "lang"),
                                 .user = e.who,
                                 .runs = e.runs,
                                 .days = e.days};
    if (report_make(db, &j, &o) != 0)
        goto done; /* said */
    const struct buf *bytes = report_bytes(&j, &o);
    bool same = export_compare(say, &e, bytes);
    /* written either way (a file that differs is for comparing), its row
     * saying whether it is the export's */
    if (a->out && !(audit_export(db, &j, &o, a->out, (struct reproduction){e.id, same}) &&
                    cmd_write_out(a->out, (const unsigned char *)bytes->data, bytes->len)))
        goto done;
    rc = same ? 0 : 1;
done:
    free(gone);
    export_free(&e);
    report_out_free(&o);
    db_close(db);
    return rc;
}

/* The quarterly inspection report made from the database on one
 * connection; an export's audit row read to make it again (report_make.h). */
#include "report_make.h"

#include "digest.h"
#include "mem.h"
#include "report_csv.h"
#include "report_doc.h"
#include "sql_embed.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool fail(struct rmake_error *err, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool fail(struct rmake_error *err, int status, const char *fmt, ...)
{
    va_list ap;
    err->status = status;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return false;
}

void rmake_out_free(struct rmake_out *o)
{
    view_report_free(&o->v);
    snap_history_free(&o->hist);
    buf_release(&o->csv);
    buf_release(&o->doc);
    snap_unref(o->s);
}

bool rmake_is_pdf(const struct rmake_job *j)
{
    return strcmp(j->format, "pdf") == 0;
}

const struct buf *rmake_bytes(const struct rmake_job *j, const struct rmake_out *o)
{
    return rmake_is_pdf(j) ? &o->doc : &o->csv;
}

/* The PDF of o's view into o->doc, the CSV of the same runs hashed on its
 * cover. */
static bool pdf(const struct rmake_job *j, chart_ctx *cc, struct rmake_out *o,
                struct rmake_error *err)
{
    char msg[300], sha[DIGEST_HEX_LEN + 1];
    unsigned char *bytes = NULL;
    size_t len = 0;
    digest_sha256_hex(o->csv.data, o->csv.len, sha);
    if (!cc)
        return fail(err, 1, "no drawing context");
    if (!report_pdf(&o->v, labels_get(j->lang), j->user, sha, cc, &bytes, &len, msg, sizeof msg))
        return fail(err, 1, "%s", msg);
    buf_append(&o->doc, bytes, len);
    free(bytes);
    return true;
}

static bool query_db(void *ctx, const char *sql, int nparams, const char *const *params,
                     struct db_result **res)
{
    return db_query(ctx, sql, nparams, params, res);
}

/* The report's history read into o->hist and taken by its view. */
static bool history(struct db *db, const struct rmake_job *j, struct rmake_out *o,
                    struct rmake_error *err)
{
    char first[11], last[11];
    struct view_error verr = {0};
    view_report_range(&o->v, first, last);
    if (!snap_history_read(o->s, first, last, j->days, query_db, db, &o->hist)) {
        err->db_failed = true;
        return fail(err, 1, "the quarter's runs and alarms could not be read");
    }
    if (view_report_history(&o->v, &o->hist, &verr))
        return true;
    err->view_status = verr.status;
    return fail(err, 1, "%s", verr.message);
}

bool rmake_run(struct db *db, const struct rmake_job *j, chart_ctx *cc, struct rmake_out *o,
               struct rmake_error *err)
{
    struct view_params p;
    struct view_error verr = {0};
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
    if (!snap_build_db(db, 92, NULL, &filter, &o->s)) {
        err->db_failed = true;
        return fail(err, 1, "%s", ""); /* logged */
    }
    if (!view_report_build(o->s, &p, &o->v, &verr)) {
        err->view_status = verr.status;
        return fail(err, verr.status == 400 ? 2 : 1, "%s%s: %s", j->runs ? "the export's " : "--",
                    verr.param ? verr.param : "quarter", verr.message);
    }
    if (rmake_is_pdf(j) && !history(db, j, o, err))
        return false;
    report_csv(&o->v, &o->csv);
    return !rmake_is_pdf(j) || pdf(j, cc, o, err);
}

/* ---- an export's row ------------------------------------------------------------------------- */

void rmake_export_free(struct rmake_export *e)
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

const char *rmake_export_param(const struct rmake_export *e, const char *name)
{
    return json_string_value(json_object_get(e->params, name));
}

/* Whether e is a report's export with what making it again needs. */
static bool export_complete(const struct rmake_export *e)
{
    const char *format = rmake_export_param(e, "format"), *kind = rmake_export_param(e, "kind");
    char first[11], last[11];
    return kind && strcmp(kind, "report") == 0 &&
           view_report_quarter(rmake_export_param(e, "quarter"), first, last) &&
           rmake_export_param(e, "branch") && rmake_export_param(e, "sha256") && format &&
           (strcmp(format, "csv") == 0 || strcmp(format, "pdf") == 0) && e->runs &&
           json_array_size(json_object_get(e->params, "runs")) == 3;
}

/* The runs of each day of the export's quarter that it read: its "days";
 * for an export written before they were recorded, the newest run of each
 * day finished when it was exported. */
static bool export_days(struct db *db, struct rmake_export *e, struct rmake_error *err)
{
    char first[11], last[11];
    struct db_result *res = NULL;
    if ((e->days = ids_literal(json_object_get(e->params, "days"))) != NULL)
        return true;
    view_report_quarter(rmake_export_param(e, "quarter"), first, last);
    const char *params[] = {first, last, e->at};
    bool ok = db_query(db, sql_embed_get("api/report_runs_at.sql"), 3, params, &res) &&
              db_rows(res) == 1 && db_value(res, 0, 0);
    e->days_then = ok;
    if (ok)
        e->days = xstrdup(db_value(res, 0, 0));
    db_result_free(res);
    return ok || fail(err, 1, "the quarter's runs could not be read");
}

bool rmake_export_read(struct db *db, const char *id, struct rmake_export *e,
                       struct rmake_error *err)
{
    struct db_result *res = NULL;
    const char *params[] = {id};
    bool ok = false;
    if (!db_query(db,
                  "SELECT coalesce(who, '-'), to_char(at AT TIME ZONE 'UTC',"
                  " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), params::text, action, outcome"
                  " FROM kpi.audit_log WHERE audit_id = $1::bigint",
                  1, params, &res)) {
        fail(err, 1, "%s", ""); /* logged */
        goto done;
    }
    if (db_rows(res) == 0) {
        err->no_row = true;
        fail(err, 2, "there is no audit row %s", id);
        goto done;
    }
    e->id = atoll(id);
    e->who = xstrdup(db_value(res, 0, 0));
    e->at = xstrdup(db_value(res, 0, 1));
    e->params = json_loads(db_value(res, 0, 2), 0, NULL);
    e->runs = ids_literal(json_object_get(e->params, "runs"));
    if (strcmp(db_value(res, 0, 3), "export") != 0 || strcmp(db_value(res, 0, 4), "ok") != 0 ||
        !export_complete(e)) {
        fail(err, 2, "row %s is not a report's export (%s, %s)", id, db_value(res, 0, 3),
             db_value(res, 0, 4));
        goto done;
    }
    ok = strcmp(rmake_export_param(e, "format"), "pdf") != 0 || export_days(db, e, err);
done:
    db_result_free(res);
    return ok;
}

char *rmake_runs_gone(struct db *db, const struct rmake_export *e, bool *ok)
{
    struct db_result *res = NULL;
    const char *params[] = {e->runs, e->days};
    char *gone = NULL;
    *ok = db_query(db,
                   "SELECT string_agg(x::text, ', ' ORDER BY x)"
                   " FROM (SELECT DISTINCT x"
                   " FROM unnest($1::bigint[] || coalesce($2::bigint[], '{}')) AS x) AS ids"
                   " WHERE NOT EXISTS (SELECT 1 FROM kpi.run r"
                   " WHERE r.run_id = x AND r.finished_at IS NOT NULL)",
                   2, params, &res);
    if (*ok && db_value(res, 0, 0))
        gone = xstrdup(db_value(res, 0, 0));
    db_result_free(res);
    return gone;
}

struct rmake_job rmake_export_job(const struct rmake_export *e)
{
    return (struct rmake_job){.quarter = rmake_export_param(e, "quarter"),
                              .branch = rmake_export_param(e, "branch"),
                              .format = rmake_export_param(e, "format"),
                              .lang = rmake_export_param(e, "lang"),
                              .user = e->who,
                              .runs = e->runs,
                              .days = e->days};
}

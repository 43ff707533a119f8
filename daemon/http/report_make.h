/* The quarterly inspection report made from the database on one
 * connection, as `retentiond report` makes it and as an earlier export is
 * made again from the runs its audit row names (`retentiond audit
 * reproduce ID`, GET /api/v1/audit/ID/reproduction): the quarter's
 * month-end runs (or the runs given) read into a snapshot of their own,
 * the report's view, its CSV, and for a PDF the alarm history and the
 * document (docs/report.md).
 *
 * Ownership: a job's strings are borrowed; a made report (struct
 * rmake_out) and an export row (struct rmake_export) own what they hold
 * and are freed with rmake_out_free and rmake_export_free. */
#ifndef RETENTIOND_REPORT_MAKE_H
#define RETENTIOND_REPORT_MAKE_H

#include "buf.h"
#include "db.h"
#include "labels.h"
#include "report.h"
#include "snap_load.h"

#include <chart.h>
#include <jansson.h>
#include <stdbool.h>

/* What a report is made of: a command's arguments, or an export's row. */
struct rmake_job {
    const char *quarter, *branch, *format, *lang;
    const char *user; /* named on the PDF's cover */
    const char *runs; /* bigint[] literal: the month ends' runs; NULL: the newest */
    const char *days; /* bigint[] literal: the history's runs; NULL: each day's newest */
};

/* A report made: its snapshot, view, history and bytes. */
struct rmake_out {
    struct snap *s;
    struct view_report v;
    struct snap_history hist;
    struct buf csv, doc;
};
#define RMAKE_OUT_INIT                                                                             \
    {                                                                                              \
        .csv = BUF_INIT, .doc = BUF_INIT                                                           \
    }

/* What went wrong: the exit status a command gives (2: the job's quarter
 * or branch refused, 1: a database or drawing error), and one line saying
 * why (empty when it was logged). */
struct rmake_error {
    int status;
    bool no_row;     /* rmake_export_read: the log has no such row */
    bool db_failed;  /* a database error (logged): another try may do */
    int view_status; /* the view refused the report: its HTTP status (400,
                      * 404, 503 a history not yet refreshed); 0: it did not */
    char message[400];
};

void rmake_out_free(struct rmake_out *o);

bool rmake_is_pdf(const struct rmake_job *j);

/* The bytes of o that j asked for: its PDF or its CSV. */
const struct buf *rmake_bytes(const struct rmake_job *j, const struct rmake_out *o);

/* Makes j's report into o on db: its CSV, and for a PDF its history and
 * PDF, drawn with cc (needed for a PDF only). False with err set. */
bool rmake_run(struct db *db, const struct rmake_job *j, chart_ctx *cc, struct rmake_out *o,
               struct rmake_error *err);

/* An export's audit row, with what making it again needs. */
struct rmake_export {
    long long id;
    char *who, *at; /* at: UTC, ISO 8601 */
    json_t *params;
    char *runs, *days; /* bigint[] literals; days NULL: a CSV */
    bool days_then;    /* days not recorded: the runs finished at its time */
};

void rmake_export_free(struct rmake_export *e);

/* A string parameter of the export's row, or NULL. */
const char *rmake_export_param(const struct rmake_export *e, const char *name);

/* Row id (digits) of the audit log into e; false with err set (status 2:
 * no such row, or not a report's export; 1: a database error). */
bool rmake_export_read(struct db *db, const char *id, struct rmake_export *e,
                       struct rmake_error *err);

/* The runs the export read that are no longer stored ("12, 40", new
 * string), NULL when every one is; *ok false after a database error
 * (logged). */
char *rmake_runs_gone(struct db *db, const struct rmake_export *e, bool *ok);

/* The job that makes e again (borrowing e's strings). */
struct rmake_job rmake_export_job(const struct rmake_export *e);

#endif

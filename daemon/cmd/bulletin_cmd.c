/* retentiond bulletin: the daily bulletin of a date, for the province or a
 * branch, as HTML, PDF or PNG, from the stored runs (the same bytes as the
 * daemon's /bulletins/DATE for the same runs); --send: the date's
 * bulletins archived and mailed as the schedule would; log: the archive
 * and its deliveries; prune: the archive's old files removed as the
 * schedule does once a day; recipients: the extra addresses of a branch. */
#include "cmd.h"

#include "archive_id.h"
#include "bulletin_doc.h"
#include "bulletin_job.h"
#include "bulletin_prune.h"
#include "bulletin_store.h"
#include "cfg.h"
#include "log.h"
#include "mail_message.h"
#include "mem.h"
#include "snap_load.h"
#include "sql_embed.h"
#include "users.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum format { FMT_HTML, FMT_PDF, FMT_PNG, FMT_NONE };

static enum format format_of(const struct cli_args *a)
{
    static const char *const names[] = {"html", "pdf", "png"};
    const char *dot = strrchr(a->out, '.');
    const char *f = a->format ? a->format : dot ? dot + 1 : "";
    for (int i = 0; i < FMT_NONE; i++)
        if (strcmp(f, names[i]) == 0)
            return (enum format)i;
    return FMT_NONE;
}

/* The database as the daemon's configuration names it (--config, else the
 * default file when there is one; --db or RETENTIOND_DB over it): 0, or
 * the exit status after one line on stderr (2: the configuration). Every
 * bulletin command takes --config: log, recipients and the rendering
 * ignored it and read libpq's defaults. */
static int config_db(const struct cli_args *a, struct db **db)
{
    struct cfg cfg;
    if (!cmd_config(a, &cfg))
        return 2;
    int rc = cmd_db_cfg(a, &cfg, db) ? 0 : 1;
    cfg_free(&cfg);
    return rc;
}

/* The stored runs around the date: the history a daemon's snapshot holds. */
static struct snap *load(const struct cli_args *a)
{
    struct db *db = NULL;
    struct snap *s = NULL;
    if (config_db(a, &db) == 0)
        snap_build_db(db, 92, NULL, &(const struct snap_filter){0}, &s); /* values only; logged */
    db_close(db);
    return s;
}

/* fonts: the checked family of a PDF or PNG (NULL for HTML). */
static bool render(const struct cli_args *a, enum format f, const chart_fonts *fonts,
                   const struct view_bulletin *v, unsigned char **out, size_t *len)
{
    char msg[300], note[300] = "";
    chart_ctx *ctx = NULL;
    bool ok = false;
    const struct labels *l = labels_get(a->lang);
    if (f == FMT_HTML) {
        struct buf html = BUF_INIT;
        bulletin_html(v, l, &html);
        *out = (unsigned char *)buf_detach(&html, len);
        return true;
    }
    if (!(ctx = chart_ctx_new(fonts, msg, sizeof msg)))
        goto done;
    ok = f == FMT_PDF ? bulletin_pdf(v, l, ctx, out, len, msg, sizeof msg)
                      : bulletin_png(v, l, ctx, 0, out, len, note, sizeof note, msg, sizeof msg);
    if (*note)
        fprintf(stderr, "retentiond: bulletin: %s\n", note);
done:
    if (!ok)
        fprintf(stderr, "retentiond: bulletin: %s\n", msg);
    chart_ctx_free(ctx);
    return ok;
}

static int send_date(const struct cli_args *a)
{
    struct cfg cfg;
    struct db *db = NULL;
    struct snap *s = NULL;
    struct bulletin_job *job = NULL;
    char me[300], err[600] = "";
    int sent = 0, failed = 0, rc = 1;
    if (!cmd_config(a, &cfg))
        return 2;
    if (!archive_me(cfg.data_dir, me, sizeof me, err, sizeof err)) {
        fprintf(stderr, "retentiond: bulletin: %s\n", err);
        goto done;
    }
    struct bulletin_job_opts o;
    bulletin_job_opts_from_cfg(&cfg, me, &o);
    if (!cmd_db_cfg(a, &cfg, &db) ||
        !snap_build_db(db, cfg.history_days, NULL, &(const struct snap_filter){0}, &s))
        goto done; /* logged */
    if (!(job = bulletin_job_new(a->font ? a->font : cfg.chart_font, cfg.bulletin_threads, err,
                                 sizeof err)) ||
        !bulletin_job_send_date(job, db, s, &o, a->date, time(NULL), &sent, &failed, err,
                                sizeof err)) {
        fprintf(stderr, "retentiond: bulletin: %s\n", err);
        goto done;
    }
    printf("bulletin %s: %d sent, %d failed\n", a->date, sent, failed);
    rc = failed ? 1 : 0;
done:
    bulletin_job_free(job);
    snap_unref(s);
    db_close(db);
    cfg_free(&cfg);
    return rc;
}

/* What a prune did (dry: would do), a line per date and the total. */
static void print_prune(const struct bprune_opts *o, const struct bprune_report *r)
{
    const char *freed = o->dry_run ? "to free" : "freed";
    for (size_t i = 0; i < r->n; i++) {
        const struct bprune_date *d = &r->dates[i];
        printf("%s: %d bulletins, %ld files, %lld bytes %s", d->date, d->bulletins, d->files,
               d->bytes, freed);
        if (d->pending)
            printf(", %d kept (a delivery pending)", d->pending);
        printf("\n");
    }
    size_t dates = 0;
    for (size_t i = 0; i < r->n; i++)
        dates += r->dates[i].bulletins || r->dates[i].files;
    printf("total: %zu dates, %d bulletins, %ld files, %lld bytes %s (dates before %s)%s\n", dates,
           r->bulletins, r->files, r->bytes, freed, r->cutoff,
           o->dry_run ? "; dry run: nothing changed" : "");
}

/* bulletin prune: the archive pruned now, as the schedule does once a day,
 * with the configuration's bulletin.keep_days or --keep-days. */
static int prune(const struct cli_args *a)
{
    struct cfg cfg;
    struct db *db = NULL;
    struct bprune_report r = {0};
    char me[300] = "", err[600] = "";
    int rc = 1;
    if (!cmd_config(a, &cfg))
        return 2;
    bool named = archive_me(cfg.data_dir, me, sizeof me, err, sizeof err);
    struct bprune_opts o = {.data_dir = cfg.data_dir,
                            .me = me,
                            .timezone = cfg.timezone,
                            .send_at = cfg.bulletin_send_at,
                            .keep_days = a->keep_days ? atoi(a->keep_days) : cfg.bulletin_keep_days,
                            .dry_run = a->dry_run};
    if (!named) {
        fprintf(stderr, "retentiond: bulletin prune: %s\n", err);
    } else if (o.keep_days < 1) {
        printf("keep_days is 0: every bulletin is kept, nothing is pruned\n");
        rc = 0;
    } else if (!cmd_db_cfg(a, &cfg, &db)) {
        /* said why */
    } else if (!bprune_run(db, &o, time(NULL), &r)) {
        fprintf(stderr, "retentiond: bulletin prune: the archive could not be pruned (the "
                        "database: see the log); what was done stays\n");
    } else if (r.busy) {
        fprintf(stderr, "retentiond: bulletin prune: another process is pruning the archive; "
                        "nothing done\n");
    } else {
        print_prune(&o, &r);
        if (r.failures)
            fprintf(stderr,
                    "retentiond: bulletin prune: %d files or directories could not be removed "
                    "(see the log); the next prune tries again\n",
                    r.failures);
        /* files removed are audited: who made the archive forget what */
        bool audited =
            o.dry_run || (!r.bulletins && !r.files) ||
            cmd_audit_change(db, "bulletin_prune",
                             json_pack("{s:i, s:s, s:i, s:I, s:I}", "keep_days", o.keep_days,
                                       "before", r.cutoff, "bulletins", r.bulletins, "files",
                                       (json_int_t)r.files, "bytes", (json_int_t)r.bytes));
        rc = r.failures || !audited ? 1 : 0;
    }
    bprune_report_free(&r);
    db_close(db);
    cfg_free(&cfg);
    return rc;
}

/* bulletin log: the archive as lines, with each delivery below its
 * bulletin. */
static void print_log(json_t *list)
{
    size_t i, k;
    json_t *b, *d;
    json_array_foreach(list, i, b)
    {
        const char *pruned = json_string_value(json_object_get(b, "pruned_at"));
        printf("%s  %-8s v%-2lld run %-6lld data %s  %s  %s%s%s\n",
               json_string_value(json_object_get(b, "date")),
               json_string_value(json_object_get(b, "branch")),
               (long long)json_integer_value(json_object_get(b, "version")),
               (long long)json_integer_value(json_object_get(b, "run")),
               json_string_value(json_object_get(b, "data_as_of")),
               json_string_value(json_object_get(b, "path")),
               json_string_value(json_object_get(json_object_get(b, "sha256"), "html")),
               pruned ? "  pruned " : "", pruned ? pruned : "");
        json_array_foreach(json_object_get(b, "deliveries"), k, d)
        {
            const char *err = json_string_value(json_object_get(d, "error"));
            printf("    %-7s %s attempts %lld%s%s\n",
                   json_string_value(json_object_get(d, "status")),
                   json_string_value(json_object_get(d, "address")),
                   (long long)json_integer_value(json_object_get(d, "attempts")), err ? "  " : "",
                   err ? err : "");
        }
    }
}

static int show_log(const struct cli_args *a)
{
    struct db *db = NULL;
    struct db_result *res = NULL;
    int rc = 1;
    const char *params[] = {a->date, NULL, a->limit ? a->limit : "50", "true"};
    char *codes = NULL;
    int got = config_db(a, &db);
    if (got) {
        rc = got;
        goto done;
    }
    if (a->branch) {
        /* the branch's subtree, as the API reads it */
        const char *p[] = {a->branch};
        struct db_result *sub = NULL;
        if (!db_query(db,
                      "WITH RECURSIVE t AS (SELECT branch_id, code FROM dw.branch WHERE code = $1"
                      " UNION ALL SELECT c.branch_id, c.code FROM dw.branch c JOIN t"
                      " ON c.parent_id = t.branch_id) SELECT array_agg(code)::text FROM t",
                      1, p, &sub))
            goto done;
        bool known = db_value(sub, 0, 0) != NULL;
        codes = xstrdup(known ? db_value(sub, 0, 0) : "{}");
        db_result_free(sub);
        params[1] = codes;
        if (!known) {
            char q[200];
            fprintf(stderr,
                    "retentiond: bulletin log: --branch: no branch \"%s\" in the warehouse\n",
                    log_quote(q, sizeof q, a->branch));
            rc = 2;
            goto done;
        }
    }
    if (!db_query(db, sql_embed_get("api/bulletin_log.sql"), 4, params, &res))
        goto done;
    json_t *list = json_loads(db_value(res, 0, 0), 0, NULL);
    if (json_array_size(list) == 0) /* a person reads this listing: say it is empty */
        printf("no bulletin recorded%s%s%s%s\n", a->date ? " for " : "", a->date ? a->date : "",
               a->branch ? " in the subtree of " : "", a->branch ? a->branch : "");
    print_log(list);
    json_decref(list);
    rc = 0;
done:
    free(codes);
    db_result_free(res);
    db_close(db);
    return rc;
}

/* An extra recipient to add: a bare address (local@domain, as GMime reads
 * one) and a branch of the warehouse; to remove: any address the table may
 * hold (recipients_removal_ok), of any branch. False after one line on
 * stderr. */
static bool recipient_valid(struct db *db, const char *code, const char *address, bool add)
{
    char *name = NULL, *addr = NULL;
    bool ok = add ? mail_message_parse_mailbox(address, &name, &addr) && !name &&
                        strcmp(addr, address) == 0 && strchr(addr, '@')
                  : recipients_removal_ok(address);
    free(name);
    free(addr);
    char q[600];
    if (!ok) {
        fprintf(stderr, "retentiond: bulletin recipients: \"%s\" is not an e-mail address\n",
                log_quote(q, sizeof q, address));
        return false;
    }
    if (!add) /* a gone branch's address may still be removed */
        return true;
    bool known = false;
    ok = users_branch_known(db, code, &known) && known;
    if (!ok)
        fprintf(stderr, "retentiond: bulletin recipients: no branch \"%s\" in the warehouse\n",
                log_quote(q, sizeof q, code));
    return ok;
}

static int recipients(const struct cli_args *a)
{
    struct db *db = NULL;
    const char *verb = a->positional[1];
    int got = config_db(a, &db);
    bool flag = false, ok = got == 0;
    if (got == 2)
        return 2;
    if (ok && strcmp(verb, "list") != 0 &&
        !recipient_valid(db, a->positional[2], a->positional[3], strcmp(verb, "add") == 0)) {
        db_close(db);
        return 2;
    }
    if (ok && strcmp(verb, "list") == 0) {
        struct db_result *res = NULL;
        ok = db_query(db, "SELECT branch_code, address FROM kpi.bulletin_recipient ORDER BY 1, 2",
                      0, NULL, &res);
        for (int i = 0; ok && i < db_rows(res); i++)
            printf("%s\t%s\n", db_value(res, i, 0), db_value(res, i, 1));
        db_result_free(res);
    } else if (ok) {
        /* a change is audited in its transaction: who may receive which
         * branch's figures */
        const struct users_by by = {cmd_system_user(), cmd_client(db)};
        bool add = strcmp(verb, "add") == 0;
        ok = add ? recipients_add(db, &by, a->positional[2], a->positional[3], &flag)
                 : recipients_remove(db, &by, a->positional[2], a->positional[3], &flag);
        if (ok)
            printf("%s: %s %s\n", a->positional[2], a->positional[3],
                   add ? (flag ? "was already a recipient" : "added")
                       : (flag ? "removed" : "was not a recipient"));
    }
    if (!ok && db)
        fprintf(stderr, "retentiond: bulletin recipients: %s\n", db_errmsg(db));
    db_close(db);
    return ok ? 0 : 1;
}

int cmd_bulletin(const struct cli_args *a)
{
    if (a->npositional && strcmp(a->positional[0], "log") == 0)
        return show_log(a);
    if (a->npositional && strcmp(a->positional[0], "prune") == 0)
        return prune(a);
    if (a->npositional)
        return recipients(a);
    if (a->send)
        return send_date(a);
    enum format f = format_of(a);
    struct view_params p;
    struct view_error err = {0};
    struct view_bulletin v = {0};
    unsigned char *bytes = NULL;
    size_t len = 0;
    int rc = 1;
    if (f == FMT_NONE) {
        fprintf(stderr, "retentiond: bulletin: the format is html, pdf or png (--format or "
                        "--out's extension)\n");
        return 2;
    }
    char msg[300];
    chart_fonts *fonts = NULL;
    /* the font family first: a family not installed is a bad argument,
     * refused before the database is read */
    if (f != FMT_HTML && !(fonts = chart_fonts_new(a->font, msg, sizeof msg))) {
        fprintf(stderr, "retentiond: bulletin: %s\n", msg);
        return 2;
    }
    struct snap *s = load(a);
    if (!s) {
        chart_fonts_free(fonts);
        return 1; /* logged */
    }
    const char *pairs[] = {"date", a->date, "branch", a->branch, NULL};
    view_params_list(&p, pairs);
    if (!view_bulletin_build(s, &p, &v, &err)) {
        bool no_run = strcmp(err.code, "no_run") == 0 && a->date;
        fprintf(stderr, "retentiond: bulletin: %s%s%s%s%s%s%s\n", err.param ? "--" : "",
                err.param ? err.param : "", err.param ? ": " : "", err.message,
                no_run ? " (retentiond compute --as-of " : "", no_run ? a->date : "",
                no_run ? " computes it)" : "");
        rc = err.status == 400 ? 2 : 1; /* a bad argument, as the other commands */
        goto done;
    }
    if (render(a, f, fonts, &v, &bytes, &len))
        rc = cmd_write_out(a->out, bytes, len) ? 0 : 1;
done:
    chart_fonts_free(fonts);
    free(bytes);
    view_bulletin_free(&v);
    snap_unref(s);
    return rc;
}

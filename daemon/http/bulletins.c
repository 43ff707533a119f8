/* /bulletins/DATE?branch=&format=&lang=: the daily bulletin of DATE for a
 * branch within the caller's scope (default: the caller's root), as the
 * mail's HTML (default), the A4 PDF or the MMS PNG (render/bulletin_doc.h);
 * rendered once per snapshot and kept in its cache like the charts. Every
 * bulletin served, and every refusal, is a row of the audit log
 * (bulletin_download).
 *
 * /api/v1/bulletins?date=&branch=&limit=: what the schedule archived and
 * mailed (sql/api/bulletin_log.sql), for the branches of the caller's
 * scope (within it, branch's subtree). */
#include "handlers.h"

#include "bulletin_doc.h"
#include "date.h"
#include "digest.h"
#include "sql_embed.h"

#include <stdlib.h>
#include <string.h>

enum bulletin_format { FMT_HTML, FMT_PDF, FMT_PNG };

/* The served HTML is the mail's, styled inline: the default policy with
 * inline styles allowed (and still no script of any kind). */
#define BULLETIN_CSP                                                                               \
    "default-src 'self'; style-src 'unsafe-inline'; script-src 'none'; object-src 'none'; "        \
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

/* The date of the path and the format; false with err set. */
static bool bulletin_request(const struct http_request *req, const char **date,
                             enum bulletin_format *format, struct view_error *err)
{
    static const char *const names[] = {"html", "pdf", "png"};
    const char *f = http_arg(req, "format"), *lang = http_arg(req, "lang");
    *date = http_path(req) + strlen("/bulletins/");
    /* not written as a date: no such address; written as one and not one
     * (2026-13-01): the request is wrong */
    if (!date_shaped(*date))
        return view_fail(err, 404, "not_found", "date", "bulletins are /bulletins/YYYY-MM-DD");
    if (!date_valid(*date))
        return view_fail(err, 400, "invalid_date", "date", "date must be a date YYYY-MM-DD");
    *format = FMT_HTML;
    for (size_t i = 0; f && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(f, names[i]) == 0) {
            *format = (enum bulletin_format)i;
            f = NULL;
        }
    if (f)
        return view_fail(err, 400, "invalid_parameter", "format", "format is html, pdf or png");
    if (lang && strcmp(lang, "zh") != 0 && strcmp(lang, "en") != 0)
        return view_fail(err, 400, "invalid_parameter", "lang", "lang is zh or en");
    return true;
}

/* The parameters of the view: the path's date, the query's branch. */
struct bulletin_args {
    const struct http_request *req;
    const char *date;
};

static const char *bulletin_arg(const void *ctx, const char *name)
{
    const struct bulletin_args *a = ctx;
    return strcmp(name, "date") == 0 ? a->date : http_arg(a->req, name);
}

/* The bulletin's bytes in `format` (malloc'd); false with err set. */
static bool render(struct api *api, const struct view_bulletin *v, const struct labels *l,
                   enum bulletin_format format, unsigned char **out, size_t *len,
                   struct view_error *err)
{
    char msg[200], note[200];
    chart_ctx *cc = format == FMT_HTML ? NULL : api_thread_chart_ctx(api);
    if (format == FMT_HTML) {
        struct buf html = BUF_INIT;
        bulletin_html(v, l, &html);
        *out = (unsigned char *)buf_detach(&html, len);
        return true;
    }
    if (!cc)
        return view_fail(err, 500, "render_failed", NULL, "no render context (see the log)");
    bool ok = format == FMT_PDF
                  ? bulletin_pdf(v, l, cc, out, len, msg, sizeof msg)
                  : bulletin_png(v, l, cc, 0, out, len, note, sizeof note, msg, sizeof msg);
    return ok || view_fail(err, 500, "render_failed", NULL, "%s", msg);
}

/* A served bulletin's row: the date and branch asked, the branch, run and
 * format served, the bytes' SHA-256 (the same bytes the archive would
 * have for that run, docs/bulletin.md); or the refusal's code. A HEAD
 * that is answered sends no bulletin and writes no row; a browser's copy
 * revalidated (304) is a row with status 304 and no bytes. */
static void audit_download(struct api *api, const struct http_request *req, const char *date,
                           const struct snap *s, const struct snap_run *run, int branch,
                           const struct http_reply *reply, const struct view_error *err)
{
    static const char *const names[] = {"html", "pdf", "png"};
    bool ok = reply->status >= 200 && reply->status < 300;
    if (!api->audit || (ok && strcmp(http_method(req), "HEAD") == 0))
        return;
    bool unchanged = http_not_modified(req, reply);
    const char *format = http_arg(req, "format");
    json_t *params =
        json_pack("{s:s*, s:s*, s:s*, s:i}", "date", date, "branch_asked", http_arg(req, "branch"),
                  "format_asked", format, "status", unchanged ? 304 : (int)reply->status);
    if (ok) {
        json_object_del(params, "format_asked");
        json_object_set_new(params, "format", json_string(format ? format : names[0]));
        json_object_set_new(params, "branch", json_string(s->branches[branch].code));
        json_object_set_new(params, "run", json_integer(run->run_id));
        json_object_set_new(params, "lang", json_string(api_labels(req)->lang));
    }
    if (ok && !unchanged) {
        char sha[DIGEST_HEX_LEN + 1];
        const char *body = reply->shared ? reply->shared : reply->body.data;
        size_t len = reply->shared ? reply->shared_len : reply->body.len;
        digest_sha256_hex(body, len, sha);
        json_object_set_new(params, "sha256", json_string(sha));
        json_object_set_new(params, "bytes", json_integer((json_int_t)len));
    } else if (!ok && err->code) {
        json_object_set_new(params, "error", json_string(err->code));
    }
    api_audit(api, req, "bulletin_download", params, api_audit_outcome(reply->status));
    json_decref(params);
}

void api_h_bulletin_file(struct http_request *req, struct http_reply *reply, void *ctx)
{
    static const char *const types[] = {"text/html; charset=utf-8", "application/pdf", "image/png"};
    struct api *api = ctx;
    struct refresh_status st;
    struct view_params p = api_params(api, req);
    struct view_error err = {0};
    struct view_bulletin v = {0};
    struct buf key = BUF_INIT;
    unsigned char *bytes = NULL;
    size_t len = 0;
    enum bulletin_format format = FMT_HTML;
    struct bulletin_args args = {req, NULL};
    struct snap *s = NULL;
    const struct snap_run *run = NULL;
    int branch = -1;
    if (!bulletin_request(req, &args.date, &format, &err))
        goto failed;
    if (!(s = api_snapshot(api, &st, &err)))
        goto failed;
    p.arg = bulletin_arg;
    p.ctx = &args;
    if (!view_bulletin_pick(s, &p, &run, &branch, &err))
        goto failed;
    reply->content_type = types[format];
    if (format == FMT_HTML) /* the mail's layout: its styles are inline, it has no script */
        reply->csp = BULLETIN_CSP;
    api_cache_key(req, &p, &key);
    struct cache_body *hit = st.stale ? NULL : snap_cache_get(s, key.data);
    if (hit) {
        api_reply_cached(reply, s, &p, hit);
        goto done;
    }
    if (!view_bulletin_build(s, &p, &v, &err) ||
        !render(api, &v, api_labels(req), format, &bytes, &len, &err))
        goto failed;
    struct cache_body *cached = st.stale ? NULL : snap_cache_put(s, key.data, bytes, len);
    if (cached)
        api_reply_cached(reply, s, &p, cached);
    else
        buf_append(&reply->body, (const char *)bytes, len);
    goto done;
failed:
    reply->csp = NULL;
    api_reply_refusal(api, req, reply, s, &err);
done:
    audit_download(api, req, args.date && date_shaped(args.date) ? args.date : NULL, s, run, branch,
                   reply, &err);
    view_bulletin_free(&v);
    free(bytes);
    buf_release(&key);
    snap_unref(s);
}

/* ---- /api/v1/bulletins: the archive and its deliveries ----------------------------------------
 */

/* The codes of branch's subtree as a PostgreSQL text[] literal (codes are
 * [0-9A-Za-z] in the warehouse contract; quoted all the same). */
static void subtree_literal(const struct snap *s, int branch, bool subtree, struct buf *out)
{
    buf_puts(out, "{");
    for (size_t b = 0, n = 0; b < s->nbranches; b++) {
        if (subtree ? !snap_branch_within(s, (int)b, branch) : (int)b != branch)
            continue;
        buf_puts(out, n++ ? ",\"" : "\"");
        for (const char *c = s->branches[b].code; *c; c++)
            buf_printf(out, "%s%c", *c == '"' || *c == '\\' ? "\\" : "", *c);
        buf_puts(out, "\"");
    }
    buf_puts(out, "}");
}

/* subtree: true (the default: the branch and every branch below it) or
 * false (the branch alone). */
static bool log_subtree(const struct http_request *req, bool *subtree, struct view_error *err)
{
    const char *v = http_arg(req, "subtree");
    *subtree = !v || strcmp(v, "true") == 0;
    if (v && !*subtree && strcmp(v, "false") != 0)
        return view_fail(err, 400, "invalid_parameter", "subtree", "subtree is true or false");
    return true;
}

/* limit: 1..1000, default 50. */
static bool log_limit(const struct http_request *req, char out[8], struct view_error *err)
{
    const char *v = http_arg(req, "limit");
    char *end = NULL;
    long n = v ? strtol(v, &end, 10) : 50;
    if (v && (end == v || *end || n < 1 || n > 1000))
        return view_fail(err, 400, "invalid_parameter", "limit", "limit is a number 1..1000");
    snprintf(out, 8, "%ld", n);
    return true;
}

void api_h_bulletin_log(struct http_request *req, struct http_reply *reply, void *ctx)
{
    struct api *api = ctx;
    struct view_params p = api_params(api, req);
    struct view_error err = {0};
    struct buf codes = BUF_INIT;
    struct db_result *res = NULL;
    char date[11], limit[8];
    int branch = -1;
    bool subtree = true;
    struct snap *s = api_snapshot(api, NULL, &err);
    if (!s)
        goto failed;
    if (!view_param_date(&p, "date", date, &err) ||
        !view_param_branch(s, &p, "branch", &branch, &err) || !log_limit(req, limit, &err) ||
        !log_subtree(req, &subtree, &err))
        goto failed;
    subtree_literal(s, branch, subtree, &codes);
    enum role role = api_principal(req)->role;
    const char *internals = role == ROLE_ADMIN || role == ROLE_AUDITOR ? "true" : "false";
    const char *params[] = {*date ? date : NULL, codes.data, limit, internals};
    enum pool_status st =
        pool_query(api->pool, sql_embed_get("api/bulletin_log.sql"), 4, params, &res);
    if (st != POOL_OK) {
        metrics_db_error(api->metrics);
        view_fail(&err, 503, "database_unavailable", NULL,
                  "the bulletin log is read from the database, which does not answer");
        goto failed;
    }
    reply->content_type = "application/json";
    buf_puts(&reply->body, db_value(res, 0, 0));
    goto done;
failed:
    api_reply_error(reply, &err);
done:
    db_result_free(res);
    buf_release(&codes);
    snap_unref(s);
}

/* The daily bulletin's job: see bulletin_job.h. */
#include "bulletin_job.h"

#include "buf.h"
#include "bulletin_doc.h"
#include "bulletin_prune.h"
#include "bulletin_store.h"
#include "date.h"
#include "digest.h"
#include "file.h"
#include "log.h"
#include "mail_message.h"
#include "mem.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Render threads at most (bulletin.render_threads), and by default: each
 * holds some 20 MB more while it draws (a page's image, the PDF's
 * recording). */
#define MAX_THREADS     64
#define DEFAULT_THREADS 8

struct bulletin_job {
    chart_fonts *fonts;
    chart_ctx **ctx; /* one per render thread, the first the caller's */
    size_t nctx;
    /* the last date generated, from which snapshot, for which recipients:
     * the same again is not rendered again */
    char done_date[11];
    char done_key[DIGEST_HEX_LEN + 1];
    char pruned_on[11]; /* the local date of the last prune of the archive */
};

/* The three files of one bulletin. */
enum { F_HTML, F_PDF, F_PNG, NFILES };
static const char *const file_ext[NFILES] = {"html", "pdf", "png"};

struct rendered {
    struct view_bulletin v;
    unsigned char *bytes[NFILES];
    size_t len[NFILES];
    char sha[NFILES][DIGEST_HEX_LEN + 1];
    char figures_sha[DIGEST_HEX_LEN + 1]; /* figures_digest() */
    struct buf subject, text;
};

void bulletin_job_opts_from_cfg(const struct cfg *c, const char *me, struct bulletin_job_opts *o)
{
    *o = (struct bulletin_job_opts){
        .timezone = c->timezone,
        .send_at = c->bulletin_send_at,
        .wait_minutes = c->bulletin_wait_minutes,
        .catch_up_days = c->bulletin_catch_up_days,
        .catch_up_send = c->bulletin_catch_up_send,
        .lang = c->bulletin_lang,
        .png_bytes = (size_t)c->bulletin_png_bytes,
        .public_url = c->bulletin_public_url,
        .lease = c->bulletin_lease,
        .bottom_n = c->bottom_n,
        .data_dir = c->data_dir,
        .me = me,
        .keep_days = c->bulletin_keep_days,
        .retry = {.max_attempts = c->mail_retry_attempts,
                  .first_delay_ms = 1000L * c->mail_retry_delay,
                  .max_delay_ms = 600000L},
        .max_bytes = (size_t)c->mail_max_bytes,
    };
    mail_smtp_opts_from_cfg(c, &o->smtp);
}

struct bulletin_job *bulletin_job_new(const char *font, int threads, char *err, size_t errlen)
{
    struct bulletin_job *j = xcalloc(1, sizeof *j);
    long n = threads > 0 ? threads : sysconf(_SC_NPROCESSORS_ONLN);
    if (threads <= 0 && n > DEFAULT_THREADS)
        n = DEFAULT_THREADS;
    j->nctx = n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (size_t)n;
    j->ctx = xcalloc(j->nctx, sizeof *j->ctx);
    if (!(j->fonts = chart_fonts_new(font, err, errlen)))
        goto failed;
    for (size_t i = 0; i < j->nctx; i++)
        if (!(j->ctx[i] = chart_ctx_new(j->fonts, err, errlen)))
            goto failed;
    return j;
failed:
    bulletin_job_free(j);
    return NULL;
}

void bulletin_job_free(struct bulletin_job *j)
{
    if (!j)
        return;
    for (size_t i = 0; i < j->nctx; i++)
        chart_ctx_free(j->ctx[i]);
    free(j->ctx);
    chart_fonts_free(j->fonts);
    free(j);
}

/* ---- rendering ------------------------------------------------------------------------------- */

static void rendered_free(struct rendered *r)
{
    for (int f = 0; f < NFILES; f++)
        free(r->bytes[f]);
    buf_release(&r->subject);
    buf_release(&r->text);
    view_bulletin_free(&r->v);
    *r = (struct rendered){0};
}

/* The newest run of the snapshot on or before date, or NULL. */
static const struct snap_run *run_until(const struct snap *s, const char *date)
{
    for (size_t i = s->nruns; i-- > 0;)
        if (strcmp(s->runs[i]->as_of, date) <= 0)
            return s->runs[i];
    return NULL;
}

static const struct snap_run *run_by_id(const struct snap *s, long long id)
{
    for (size_t i = 0; i < s->nruns; i++)
        if (s->runs[i]->run_id == id)
            return s->runs[i];
    return NULL;
}

/* The image's Content-ID: the same for every version, so that the HTML of
 * unchanged figures is the same bytes. */
static void image_cid(const char *date, const char *code, char *out, size_t len)
{
    snprintf(out, len, "mms.%s.%s@retentiond", date, code);
}

/* The SHA-256 of what v says apart from its layout: the view's JSON (the
 * API's) without the run's id, with the bulletin's date and language, keys
 * sorted. The same figures from another run, or drawn by another release,
 * give the same digest. */
static void figures_digest(const struct view_bulletin *v, const char *lang, char *out)
{
    json_t *o = view_bulletin_json(v);
    json_object_del(o, "run_id");
    json_object_set_new(o, "date", json_string(v->date));
    json_object_set_new(o, "lang", json_string(lang));
    char *text = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT);
    json_decref(o);
    if (!text)
        mem_failed("json_dumps", 1, 0);
    digest_sha256_hex((const unsigned char *)text, strlen(text), out);
    free(text);
}

/* r's mail HTML (with its SHA-256), text and subject from its view, in
 * place of any before. */
static void render_words(const struct bulletin_job_opts *o, int version, struct rendered *r)
{
    char cid[96];
    const struct labels *l = labels_get(o->lang);
    struct buf html = BUF_INIT;
    free(r->bytes[F_HTML]);
    buf_reset(&r->text);
    buf_reset(&r->subject);
    image_cid(r->v.date, r->v.s->branches[r->v.branch].code, cid, sizeof cid);
    bulletin_mail(&r->v, l, cid, &html, &r->text);
    bulletin_subject(&r->v, l, version, &r->subject);
    r->bytes[F_HTML] = (unsigned char *)buf_detach(&html, &r->len[F_HTML]);
    digest_sha256_hex(r->bytes[F_HTML], r->len[F_HTML], r->sha[F_HTML]);
}

/* The view of (date, code) from `run`, and its HTML (with its SHA-256),
 * figures' digest, text and subject; named: the run it names (0: its own).
 * False (logged) on failure. */
static bool render_text(const struct snap *s, const struct bulletin_job_opts *o,
                        const struct snap_run *run, long long named, const char *date,
                        const char *code, int version, struct rendered *r)
{
    struct view_params p;
    struct view_error err = {0};
    const char *pairs[] = {"date", run->as_of, "branch", code, NULL};
    view_params_list(&p, pairs);
    p.bottom_n = o->bottom_n;
    if (!view_bulletin_build(s, &p, &r->v, &err)) {
        log_error("msg=\"bulletin not built\" date=%s branch=%s reason=\"%s\"", date, code,
                  err.message);
        return false;
    }
    snprintf(r->v.date, sizeof r->v.date, "%s", date);
    r->v.run_named = named;
    render_words(o, version, r);
    figures_digest(&r->v, o->lang, r->figures_sha);
    return true;
}

static double number_or_nan(const json_t *x)
{
    return json_is_number(x) ? json_number_value(x) : NAN;
}

/* Makes r's view version `version`, replacing the version before it made
 * from run was_run (0: not known): the figures that changed since, read
 * from the database. False (logged) on a database failure. */
static bool correct_view(struct db *db, int version, long long was_run, struct rendered *r)
{
    const struct snap *s = r->v.s;
    long long run = r->v.run_named ? r->v.run_named : r->v.run->run_id;
    bool known = false;
    json_t *changes = NULL;
    if (was_run &&
        !bstore_changes(db, was_run, run, s->branches[r->v.branch].code, &known, &changes))
        return false;
    size_t n = 0, i;
    json_t *x;
    struct view_bulletin_change *list = xcalloc(json_array_size(changes) + 1, sizeof *list);
    json_array_foreach(changes, i, x)
    {
        struct view_bulletin_change *c = &list[n];
        c->kpi = snap_kpi_parse(json_string_value(json_object_get(x, "kpi")));
        const char *code = json_string_value(json_object_get(x, "branch"));
        c->branch = code ? snap_branch_find(s, code) : -1;
        c->campaign = (int32_t)json_integer_value(json_object_get(x, "campaign"));
        const char *dim = json_string_value(json_object_get(x, "dim"));
        snprintf(c->dim, sizeof c->dim, "%s", dim ? dim : "");
        c->was = number_or_nan(json_object_get(x, "was"));
        c->now = number_or_nan(json_object_get(x, "now"));
        n += c->kpi >= 0 && c->branch >= 0; /* a branch or KPI this snapshot has not: not shown */
    }
    view_bulletin_correct(&r->v, version, version - 1, was_run, list, n, known);
    free(list);
    json_decref(changes);
    return true;
}

/* r as version `version` (a correction from 2 on) of its bulletin:
 * corrected and its words made again. */
static bool corrected(struct db *db, const struct bulletin_job_opts *o, int version,
                      long long was_run, struct rendered *r)
{
    if (version < 2)
        return true;
    if (!correct_view(db, version, was_run, r))
        return false;
    render_words(o, version, r);
    return true;
}

/* The PDF and the PNG of r's view (render_text() first), drawn with ctx,
 * with their SHA-256. False (logged) on failure. */
static bool render_files(chart_ctx *ctx, const struct bulletin_job_opts *o, struct rendered *r)
{
    char msg[300] = "", note[300] = "";
    const struct labels *l = labels_get(o->lang);
    bool ok = bulletin_pdf(&r->v, l, ctx, &r->bytes[F_PDF], &r->len[F_PDF], msg, sizeof msg) &&
              bulletin_png(&r->v, l, ctx, o->png_bytes, &r->bytes[F_PNG], &r->len[F_PNG], note,
                           sizeof note, msg, sizeof msg);
    const char *code = r->v.s->branches[r->v.branch].code;
    if (*note)
        log_info("msg=\"bulletin image shortened\" date=%s branch=%s note=\"%s\"", r->v.date, code,
                 note);
    if (!ok) {
        log_error("msg=\"bulletin not drawn\" date=%s branch=%s reason=\"%s\"", r->v.date, code,
                  msg);
        return false;
    }
    digest_sha256_hex(r->bytes[F_PDF], r->len[F_PDF], r->sha[F_PDF]);
    digest_sha256_hex(r->bytes[F_PNG], r->len[F_PNG], r->sha[F_PNG]);
    return true;
}

/* ---- generating and archiving ---------------------------------------------------------------- */

struct staged {
    struct file_staged files[NFILES];
    char said[300]; /* what the log says once the date's work commits ("": nothing new) */
};

/* The files of one version written beside their names; false (logged). */
static bool stage(const struct bulletin_job_opts *o, const char *rel, const struct rendered *r,
                  struct staged *st)
{
    char err[4200];
    struct buf path = BUF_INIT;
    bool ok = true;
    for (int f = 0; f < NFILES && ok; f++) {
        buf_reset(&path);
        buf_printf(&path, "%s/%s.%s", o->data_dir, rel, file_ext[f]);
        ok = file_stage(path.data, r->bytes[f], r->len[f], &st->files[f], err, sizeof err);
    }
    if (!ok)
        log_error("msg=\"bulletin not archived\" reason=\"%s\"", err);
    buf_release(&path);
    return ok;
}

static void staged_discard(struct staged *st)
{
    for (int f = 0; f < NFILES; f++)
        file_discard(&st->files[f]);
}

static bool staged_publish(struct staged *st)
{
    char err[4200];
    bool ok = true;
    for (int f = 0; f < NFILES; f++)
        if (st->files[f].tmp && !file_publish(&st->files[f], err, sizeof err)) {
            log_error("msg=\"bulletin not archived\" reason=\"%s\"", err);
            ok = false;
        }
    return ok;
}

/* The domain of the sender's address, for Message-IDs. */
static void mail_domain(const struct bulletin_job_opts *o, char *out, size_t len)
{
    const char *at = o->smtp.from ? strrchr(o->smtp.from, '@') : NULL;
    if (at)
        snprintf(out, len, "%.*s", (int)strcspn(at + 1, ">\" \t"), at + 1);
    else
        snprintf(out, len, "retentiond.invalid");
}

struct date_work {
    const struct snap *s;
    const struct snap_run *run;
    const char *date;
    bool mail;
    const struct bstore_recipient *recipients;
    size_t nrecipients;
    struct staged *staged; /* one per target */
};

/* A delivery of bulletin id to each of its branch's recipients (none
 * twice), claimed by this process. */
static bool add_deliveries(struct db *db, const struct bulletin_job_opts *o,
                           const struct date_work *w, const char *code, long long id)
{
    char domain[256];
    bool ok = true;
    mail_domain(o, domain, sizeof domain);
    for (size_t i = 0; ok && i < w->nrecipients; i++)
        if (strcmp(w->recipients[i].branch_code, code) == 0)
            ok = bstore_add_delivery(db, id, w->recipients[i].address, w->recipients[i].user_name,
                                     o->me, domain);
    return ok;
}

/* A bulletin of the date on its way: prepared (the newest archived
 * version, this one's HTML), drawn (when it is a new version: `fresh`),
 * archived. */
struct item {
    const char *code;
    struct rendered r;
    int latest;   /* the newest archived version, 0 = none */
    long long id; /* its record */
    bool fresh;   /* new figures: drawn and archived as version latest + 1 */
    bool drawn;   /* the PDF and the PNG are there */
};

/* Whether r's figures are those of the archived version `was`, made from
 * another run: r's HTML again, naming that run, is the archived HTML. */
static bool same_figures(const struct bulletin_job_opts *o, struct rendered *r,
                         const struct bstore_version *was)
{
    if (!was->version || was->run_id == r->v.run->run_id)
        return false;
    struct buf html = BUF_INIT, text = BUF_INIT;
    char cid[96], sha[DIGEST_HEX_LEN + 1];
    image_cid(r->v.date, r->v.s->branches[r->v.branch].code, cid, sizeof cid);
    r->v.run_named = was->run_id;
    bulletin_mail(&r->v, labels_get(o->lang), cid, &html, &text);
    r->v.run_named = 0;
    digest_sha256_hex((const unsigned char *)html.data, html.len, sha);
    buf_release(&html);
    buf_release(&text);
    return strcmp(sha, was->html_sha) == 0;
}

/* Whether r says something the archived version `was` does not: no version
 * yet; figures of their own (by their digest, whatever the layout, and
 * whatever the language: the same figures after bulletin.lang changed are
 * not a correction, and the archived version stays the date's); for a
 * version archived before the digest was recorded, another HTML that is not
 * the same figures from another run. */
static bool new_figures(const struct bulletin_job_opts *o, struct rendered *r,
                        const struct bstore_version *was)
{
    if (!was->version)
        return true;
    if (*was->figures_sha) {
        char in_its_language[DIGEST_HEX_LEN + 1];
        const char *sha = r->figures_sha; /* render_text()'s, in o->lang */
        if (!o->lang || strcmp(was->lang, o->lang) != 0) {
            figures_digest(&r->v, was->lang, in_its_language);
            sha = in_its_language;
        }
        return strcmp(sha, was->figures_sha) != 0;
    }
    return strcmp(r->sha[F_HTML], was->html_sha) != 0 && !same_figures(o, r, was);
}

/* The item's view and HTML, compared with its newest archived version: the
 * same figures (from the same run or a later one) are mailed now if they
 * are to be and were not (mail configured since, a recipient added); new
 * ones are to be drawn. */
static bool prepare_one(struct db *db, const struct bulletin_job_opts *o, struct date_work *w,
                        struct item *it)
{
    struct bstore_version was;
    if (!bstore_latest(db, w->date, it->code, &was) ||
        !render_text(w->s, o, w->run, 0, w->date, it->code, was.version + 1, &it->r))
        return false;
    it->latest = was.version;
    it->id = was.id;
    it->fresh = new_figures(o, &it->r, &was);
    if (!it->fresh)
        return !w->mail ||
               (bstore_set_mailed(db, it->id) && add_deliveries(db, o, w, it->code, it->id));
    return !was.version || corrected(db, o, was.version + 1, was.run_id, &it->r);
}

/* The new version of a drawn item: its files staged in st, its record
 * and its deliveries. False (logged) on failure. */
static bool archive_one(struct db *db, const struct bulletin_job_opts *o, struct date_work *w,
                        struct item *it, struct staged *st)
{
    char rel[128], dir[4200], err[4300];
    const struct rendered *r = &it->r;
    long long id = 0;
    int version = it->latest + 1;
    snprintf(rel, sizeof rel, "bulletins/%s/%s.v%d", w->date, it->code, version);
    snprintf(dir, sizeof dir, "%s/bulletins/%s", o->data_dir, w->date);
    if (!file_mkdirs(dir, err, sizeof err)) {
        log_error("msg=\"bulletin not archived\" reason=\"%s\"", err);
        return false;
    }
    if (!stage(o, rel, r, st))
        return false;
    struct bstore_bulletin rec = {.date = w->date,
                                  .branch_code = it->code,
                                  .lang = o->lang,
                                  .path = rel,
                                  .generated_by = o->me,
                                  .version = version,
                                  .run_id = w->run->run_id,
                                  .data_as_of = w->run->as_of,
                                  .html_bytes = r->len[F_HTML],
                                  .pdf_bytes = r->len[F_PDF],
                                  .png_bytes = r->len[F_PNG],
                                  .mailed = w->mail};
    memcpy(rec.html_sha, r->sha[F_HTML], sizeof rec.html_sha);
    memcpy(rec.pdf_sha, r->sha[F_PDF], sizeof rec.pdf_sha);
    memcpy(rec.png_sha, r->sha[F_PNG], sizeof rec.png_sha);
    memcpy(rec.figures_sha, r->figures_sha, sizeof rec.figures_sha);
    bool conflict = false;
    if (!bstore_insert(db, &rec, &id, &conflict))
        return false;
    bool ok = !w->mail || add_deliveries(db, o, w, it->code, id);
    snprintf(st->said, sizeof st->said,
             "date=%s branch=%s version=%d run=%lld data_as_of=%s html_bytes=%zu pdf_bytes=%zu "
             "png_bytes=%zu to_mail=%s",
             w->date, it->code, version, w->run->run_id, w->run->as_of, r->len[F_HTML],
             r->len[F_PDF], r->len[F_PNG], w->mail ? "yes" : "no");
    return ok;
}

/* ---- drawing on the job's threads ---- */

/* The items of a batch to draw, taken one at a time by the threads. */
struct draw_batch {
    const struct bulletin_job_opts *o;
    struct item *items;
    size_t n;
    atomic_size_t next;
};

struct drawer {
    struct draw_batch *b;
    chart_ctx *ctx;
    pthread_t thread;
    bool started;
};

static void *draw_items(void *arg)
{
    struct drawer *d = arg;
    struct draw_batch *b = d->b;
    for (size_t i; (i = atomic_fetch_add(&b->next, 1)) < b->n;) {
        struct item *it = &b->items[i];
        if (it->fresh)
            it->drawn = render_files(d->ctx, b->o, &it->r);
    }
    return NULL;
}

/* Draws the fresh items of items[0..n) with every context of the job: a
 * thread each, the caller's the first (a thread that cannot start leaves
 * its share to the others). */
static void draw_all(struct bulletin_job *j, const struct bulletin_job_opts *o, struct item *items,
                     size_t n)
{
    struct draw_batch b = {.o = o, .items = items, .n = n};
    struct drawer *d = xcalloc(j->nctx, sizeof *d);
    atomic_init(&b.next, 0);
    for (size_t t = 0; t < j->nctx; t++)
        d[t] = (struct drawer){.b = &b, .ctx = j->ctx[t]};
    for (size_t t = 1; t < j->nctx && t < n; t++)
        d[t].started = pthread_create(&d[t].thread, NULL, draw_items, &d[t]) == 0;
    draw_items(&d[0]);
    for (size_t t = 1; t < j->nctx; t++)
        if (d[t].started)
            pthread_join(d[t].thread, NULL);
    free(d);
}

/* The bulletins of codes[0..n), in batches of a few per thread: each
 * batch prepared (the database), drawn (the threads), then archived in
 * order (the database, w->staged[first + i]). False (logged) on the first
 * failure. */
static bool generate_all(struct bulletin_job *j, struct db *db, const struct bulletin_job_opts *o,
                         struct date_work *w, const char *const *codes, size_t n)
{
    size_t batch = 4 * j->nctx;
    struct item *items = xcalloc(batch, sizeof *items);
    bool ok = true;
    for (size_t first = 0; ok && first < n; first += batch) {
        size_t k = n - first < batch ? n - first : batch;
        for (size_t i = 0; i < k; i++)
            items[i] = (struct item){.code = codes[first + i]};
        for (size_t i = 0; ok && i < k; i++)
            ok = prepare_one(db, o, w, &items[i]);
        if (ok)
            draw_all(j, o, items, k);
        for (size_t i = 0; ok && i < k; i++)
            if (items[i].fresh)
                ok = items[i].drawn && archive_one(db, o, w, &items[i], &w->staged[first + i]);
        for (size_t i = 0; i < k; i++)
            rendered_free(&items[i].r);
    }
    free(items);
    return ok;
}

/* The branches whose bulletins are made: the province and every branch
 * with a recipient (known to the snapshot), each once. */
static size_t targets(const struct snap *s, const struct bstore_recipient *rc, size_t n,
                      const char **out)
{
    size_t k = 0;
    out[k++] = s->branches[snap_branch_root(s)].code;
    for (size_t i = 0; i < n; i++) {
        int b = snap_branch_find(s, rc[i].branch_code);
        bool seen = false;
        for (size_t t = 0; t < k && !seen; t++)
            seen = strcmp(out[t], rc[i].branch_code) == 0;
        if (b < 0 && !seen)
            log_warn("msg=\"bulletin recipient of an unknown branch\" branch=\"%s\"",
                     rc[i].branch_code);
        else if (!seen)
            out[k++] = s->branches[b].code;
    }
    return k;
}

/* What identifies a date's work: the snapshot and the recipients. */
static void work_key(const struct snap *s, const struct bstore_recipient *rc, size_t n, bool mail,
                     char out[DIGEST_HEX_LEN + 1])
{
    struct digest d;
    digest_init(&d);
    digest_add(&d, s->id, strlen(s->id));
    digest_add(&d, mail ? "m" : "-", 1);
    for (size_t i = 0; i < n; i++) {
        digest_add(&d, rc[i].branch_code, strlen(rc[i].branch_code) + 1);
        digest_add(&d, rc[i].address, strlen(rc[i].address) + 1);
    }
    digest_hex(&d, out);
}

enum outcome { DONE, WAITING, FAILED };

/* Every bulletin of date: see the header. */
static enum outcome generate_date(struct bulletin_job *j, struct db *db, const struct snap *s,
                                  const struct bulletin_job_opts *o, const char *date, bool mail,
                                  time_t now)
{
    struct date_work w = {.s = s, .date = date, .mail = mail, .run = run_until(s, date)};
    struct bstore_recipient *rc = NULL;
    size_t nrc = 0, ntargets = 0;
    const char **codes = NULL;
    char key[DIGEST_HEX_LEN + 1];
    enum outcome result = FAILED;
    time_t deadline = 0;
    if (!w.run) {
        log_warn("msg=\"no run for the bulletin\" date=%s", date);
        return FAILED;
    }
    if (strcmp(w.run->as_of, date) != 0) {
        if (!bstore_deadline(db, date, o->timezone, o->send_at, o->wait_minutes, &deadline))
            return FAILED;
        if (now < deadline) {
            log_debug("msg=\"bulletin waits for the day's run\" date=%s until=%lld", date,
                      (long long)deadline);
            return WAITING;
        }
    }
    if (!bstore_recipients(db, s->branches[snap_branch_root(s)].code, &rc, &nrc))
        return FAILED;
    work_key(s, rc, nrc, mail, key);
    if (strcmp(j->done_date, date) == 0 && strcmp(j->done_key, key) == 0) {
        bstore_recipients_free(rc, nrc);
        return DONE;
    }
    codes = xcalloc(nrc + 1, sizeof *codes);
    ntargets = targets(s, rc, nrc, codes);
    w.recipients = rc;
    w.nrecipients = nrc;
    w.staged = xcalloc(ntargets, sizeof *w.staged);
    bool ok =
        db_begin(db) && bstore_lock_date(db, date) && generate_all(j, db, o, &w, codes, ntargets);
    for (size_t t = 0; ok && t < ntargets; t++)
        ok = staged_publish(&w.staged[t]);
    if (ok && db_commit(db)) {
        for (size_t t = 0; t < ntargets; t++) /* archived now: files and rows together */
            if (*w.staged[t].said)
                log_info("msg=\"bulletin archived\" %s", w.staged[t].said);
        result = DONE;
        snprintf(j->done_date, sizeof j->done_date, "%s", date);
        memcpy(j->done_key, key, sizeof key);
    } else {
        db_rollback(db);
        log_warn("msg=\"bulletins not archived, nothing kept\" date=%s", date);
    }
    for (size_t t = 0; t < ntargets; t++)
        staged_discard(&w.staged[t]);
    free(w.staged);
    free(codes);
    bstore_recipients_free(rc, nrc);
    return result;
}

/* ---- delivering ------------------------------------------------------------------------------ */

/* The archived files of a delivery's bulletin, checked against their
 * SHA-256; false when one is missing or differs on this host. */
static bool read_archive(const struct bulletin_job_opts *o, const struct bstore_delivery *d,
                         struct rendered *r)
{
    const char *want[NFILES] = {d->html_sha, d->pdf_sha, d->png_sha};
    char err[4200];
    struct buf path = BUF_INIT;
    bool ok = true;
    for (int f = 0; f < NFILES && ok; f++) {
        buf_reset(&path);
        buf_printf(&path, "%s/%s.%s", o->data_dir, d->path, file_ext[f]);
        ok = file_read_all(path.data, 64u << 20, &r->bytes[f], &r->len[f], err, sizeof err);
        if (ok)
            digest_sha256_hex(r->bytes[f], r->len[f], r->sha[f]);
        ok = ok && strcmp(r->sha[f], want[f]) == 0;
    }
    buf_release(&path);
    return ok;
}

/* The run to render d from: its own, or when a recompute of its date
 * replaced it in the snapshot, the date's run naming d's (*named): the same
 * figures give the archived HTML, which delivery_bytes() checks. */
static const struct snap_run *delivery_run(const struct snap *s, const struct bstore_delivery *d,
                                           long long *named)
{
    const struct snap_run *run = run_by_id(s, d->run_id);
    *named = 0;
    if (run)
        return run;
    run = run_until(s, d->data_as_of);
    if (!run || strcmp(run->as_of, d->data_as_of) != 0)
        return NULL;
    *named = d->run_id;
    return run;
}

/* The bytes to mail for d: the archive's, or rebuilt from the snapshot
 * when its HTML is the archived one. False with a reason in err. */
static bool delivery_bytes(struct bulletin_job *j, struct db *db, const struct snap *s,
                           const struct bulletin_job_opts *o, const struct bstore_delivery *d,
                           struct rendered *r, char *err, size_t errlen)
{
    long long named = 0;
    const struct snap_run *run = delivery_run(s, d, &named);
    struct bulletin_job_opts same = *o;
    same.lang = d->lang;
    if (!run) {
        snprintf(err, errlen, "run %lld of the bulletin is no longer in the snapshot", d->run_id);
        return false;
    }
    struct rendered archived = {0};
    bool have = read_archive(o, d, &archived);
    bool ok = render_text(s, &same, run, named, d->date, d->branch_code, d->version, r) &&
              corrected(db, &same, d->version, d->replaces_run, r) &&
              (have || render_files(j->ctx[0], &same, r));
    if (ok && have) {
        for (int f = 0; f < NFILES; f++) {
            free(r->bytes[f]);
            r->bytes[f] = archived.bytes[f];
            r->len[f] = archived.len[f];
            memcpy(r->sha[f], archived.sha[f], sizeof r->sha[f]);
            archived.bytes[f] = NULL;
        }
    }
    rendered_free(&archived);
    if (ok && strcmp(r->sha[F_HTML], d->html_sha) != 0) {
        snprintf(err, errlen,
                 "the archive of the bulletin is not on this host and its run "
                 "no longer gives the same bulletin");
        return false;
    }
    if (!ok)
        snprintf(err, errlen, "the bulletin could not be rendered");
    return ok;
}

struct names {
    char *pdf, *png, *url;
};

static void names_of(const struct bulletin_job_opts *o, const struct bstore_delivery *d,
                     const struct rendered *r, struct names *n)
{
    struct buf b = BUF_INIT;
    bool en = strcmp(d->lang, "en") == 0;
    const char *word = en ? "bulletin" : "日通报";
    const char *branch = r->v.s->branches[r->v.branch].name;
    char version[24] = ""; /* a correction's files are told apart from the first's when saved */
    if (d->version > 1)
        snprintf(version, sizeof version, en ? "-v%d" : "-第%d版", d->version);
    buf_printf(&b, "%s-%s-%s%s.pdf", word, d->date, branch, version);
    n->pdf = buf_detach(&b, NULL);
    buf_printf(&b, "%s-%s-%s%s.png", word, d->date, branch, version);
    n->png = buf_detach(&b, NULL);
    n->url = NULL;
    if (o->public_url && *o->public_url) {
        size_t len = strlen(o->public_url);
        buf_printf(&b, "%s%sbulletins/%s?branch=%s&format=pdf&lang=%s", o->public_url,
                   o->public_url[len - 1] == '/' ? "" : "/", d->date, d->branch_code, d->lang);
        n->url = buf_detach(&b, NULL);
    }
}

static void names_free(struct names *n)
{
    free(n->pdf);
    free(n->png);
    free(n->url);
}

/* Whether the process stops (the scheduler's stop): what is not sent is
 * left for the next start. */
static bool job_stopping(const struct bulletin_job_opts *o)
{
    return o->smtp.stopped && o->smtp.stopped(o->smtp.stopped_ctx);
}

/* One delivery: compose, send with retries, record (or, cut by a stop,
 * leave for the next start). *login_refused: the server refused the
 * login. */
static bool deliver_one(struct bulletin_job *j, struct db *db, const struct snap *s,
                        const struct bulletin_job_opts *o, const struct bstore_delivery *d,
                        time_t now, bool *login_refused)
{
    char err[600] = "", cid[96];
    struct rendered r = {0};
    struct mail_message m = {0};
    struct mail_smtp_error se = {0};
    struct names n = {0};
    char *from_name = NULL, *from_addr = NULL;
    int attempts = 0;
    bool sent = false;
    if (d->pruned) { /* none can be pending (bulletin_prune.h): never sent */
        snprintf(err, sizeof err, "the bulletin was pruned from the archive: not sent");
        goto record;
    }
    if (!delivery_bytes(j, db, s, o, d, &r, err, sizeof err))
        goto record;
    if (!mail_message_parse_mailbox(o->smtp.from, &from_name, &from_addr)) {
        snprintf(err, sizeof err, "mail.from is not one mailbox");
        goto record;
    }
    names_of(o, d, &r, &n);
    image_cid(d->date, d->branch_code, cid, sizeof cid);
    struct mail_content c = {.from = {from_name, from_addr},
                             .to = {NULL, d->address},
                             .subject = r.subject.data,
                             .date = now,
                             .message_id = d->message_id,
                             .text = r.text.data,
                             .html = (const char *)r.bytes[F_HTML],
                             .image = r.bytes[F_PNG],
                             .image_len = r.len[F_PNG],
                             .image_cid = cid,
                             .image_name = n.png,
                             .pdf = r.bytes[F_PDF],
                             .pdf_len = r.len[F_PDF],
                             .pdf_name = n.pdf,
                             .pdf_url = n.url,
                             .max_bytes = o->max_bytes};
    if (!mail_message_compose(&c, &m)) {
        snprintf(err, sizeof err, "the message could not be composed (see the log)");
        goto record;
    }
    sent = mail_smtp_send_retry(&o->smtp, &o->retry, d->address, m.data, m.len, &se, &attempts);
    if (!sent)
        snprintf(err, sizeof err, "%s", se.text);
    *login_refused = se.login_refused;
record:;
    bool left = !sent && job_stopping(o);
    log_info("msg=\"bulletin %s\" date=%s branch=%s version=%d to=\"%s\" attempts=%d%s%s%s",
             sent   ? "sent"
             : left ? "left for the next start"
                    : "not sent",
             d->date, d->branch_code, d->version, d->address, attempts,
             sent || left ? "" : " reason=\"", sent || left ? "" : err, sent || left ? "" : "\"");
    bool recorded = left ? bstore_release(db, d, o->me)
                         : bstore_finish(db, d, o->me, sent, attempts, m.pdf_linked, se.reply, err);
    mail_message_release(&m);
    names_free(&n);
    free(from_name);
    free(from_addr);
    rendered_free(&r);
    return sent && recorded;
}

/* Every delivery this process is to make now. */
static bool deliver(struct bulletin_job *j, struct db *db, const struct snap *s,
                    const struct bulletin_job_opts *o, const char *retry_date, int retry_after,
                    time_t now, int *sent, int *failed)
{
    struct bstore_delivery *d = NULL;
    size_t n = 0;
    if (!o->smtp.url || !*o->smtp.url)
        return true;
    if (!bstore_claim(db, o->me, o->lease, retry_date, retry_after, &d, &n))
        return false;
    bool refused = false;
    for (size_t i = 0; i < n; i++) {
        if (job_stopping(o)) {
            bstore_release(db, &d[i], o->me); /* the next start takes it */
        } else if (refused) {                 /* one refused login a pass, not one per recipient */
            bstore_finish(db, &d[i], o->me, false, 0, false, 0,
                          "not tried: the SMTP server refused the login of an earlier message"
                          " (mail.user, mail.password)");
            (*failed)++;
        } else if (deliver_one(j, db, s, o, &d[i], now, &refused)) {
            (*sent)++;
        } else if (!job_stopping(o)) {
            (*failed)++;
        }
    }
    bstore_deliveries_free(d, n);
    return true;
}

/* ---- the schedule ---------------------------------------------------------------------------- */

/* Seconds after which the schedule tries a failed delivery of the day
 * again (each time with mail.retry_attempts attempts). */
#define RETRY_FAILED_AFTER 1800

/* The archive pruned (bulletin.keep_days) once a local day, after the
 * day's sends: a prune that failed, or found another process pruning, is
 * tried again on the next pass. */
static bool prune_daily(struct bulletin_job *j, struct db *db, const struct bulletin_job_opts *o,
                        time_t now)
{
    char today[11];
    struct bprune_report r;
    if (o->keep_days < 1)
        return true;
    struct bprune_opts po = {.data_dir = o->data_dir,
                             .me = o->me,
                             .timezone = o->timezone,
                             .send_at = o->send_at,
                             .keep_days = o->keep_days,
                             .stopped = o->smtp.stopped,
                             .stopped_ctx = o->smtp.stopped_ctx};
    if (!bprune_today(db, &po, now, today))
        return false;
    if (strcmp(today, j->pruned_on) == 0)
        return true;
    bool ok = bprune_run(db, &po, now, &r);
    if (ok && !r.busy)
        memcpy(j->pruned_on, today, sizeof today);
    bprune_report_free(&r);
    return ok;
}

bool bulletin_job_tick(struct bulletin_job *j, struct db *db, const struct snap *s,
                       const struct bulletin_job_opts *o, time_t now)
{
    char due[11], last[11], first[11], day[11], oldest_mailed[11];
    int sent = 0, failed = 0;
    bool mail = o->smtp.url && *o->smtp.url, ok = true;
    if (!s->nruns || !bstore_due_date(db, now, o->timezone, o->send_at, due) ||
        !bstore_last_date(db, last))
        return s->nruns == 0;
    date_shift(due, 0, -(o->catch_up_days - 1), first);
    date_shift(due, 0, -(o->catch_up_send - 1), oldest_mailed);
    if (*last && strcmp(last, first) >= 0 && strcmp(last, due) < 0)
        date_shift(last, 0, 1, first);
    if (!*last || strcmp(last, due) >= 0)
        snprintf(first, sizeof first, "%s", due);
    for (snprintf(day, sizeof day, "%s", first); ok && strcmp(day, due) <= 0;) {
        enum outcome r =
            generate_date(j, db, s, o, day, mail && strcmp(day, oldest_mailed) >= 0, now);
        ok = r != FAILED;
        if (r == WAITING)
            break; /* the later days wait for it: the archive stays in order */
        date_shift(day, 0, 1, day);
    }
    ok = deliver(j, db, s, o, due, RETRY_FAILED_AFTER, now, &sent, &failed) && ok;
    return prune_daily(j, db, o, now) && ok; /* also after a failure: it may be the disk's */
}

bool bulletin_job_send_date(struct bulletin_job *j, struct db *db, const struct snap *s,
                            const struct bulletin_job_opts *o, const char *date, time_t now,
                            int *sent, int *failed, char *err, size_t errlen)
{
    int ns = 0, nf = 0;
    if (!o->smtp.url || !*o->smtp.url) {
        snprintf(err, errlen, "mail.smtp_url is not set: nothing can be sent");
        return false;
    }
    const struct snap_run *run = run_until(s, date);
    if (!run) { /* said once, here, not also in the log */
        snprintf(err, errlen, "no compute run on or before %s: nothing to send", date);
        return false;
    }
    long recorded = 0, pruned = 0;
    if (!bstore_date_counts(db, date, &recorded, &pruned)) {
        snprintf(err, errlen, "the archive of %s could not be read (see the log)", date);
        return false;
    }
    /* A past date never computed (a typo, or a gap), with runs after it:
     * its first bulletins would be an older run's figures mailed under its
     * date. The schedule's late run (no run after the date) is waited for
     * and marked as before; a date already archived is sent as it is. */
    if (!recorded && strcmp(run->as_of, date) != 0 && strcmp(snap_latest(s)->as_of, date) > 0) {
        snprintf(err, errlen,
                 "no compute run of %s, and later runs exist: its bulletins would show the "
                 "figures of %s under its date; 'retentiond compute --as-of %s' computes it",
                 date, run->as_of, date);
        return false;
    }
    if (pruned) {
        snprintf(err, errlen,
                 "%ld bulletins of %s were pruned from the archive (bulletin.keep_days): "
                 "the date is not mailed again",
                 pruned, date);
        return false;
    }
    enum outcome r = generate_date(j, db, s, o, date, true, now);
    if (r == WAITING)
        snprintf(err, errlen, "the run of %s is not there yet, and its deadline has not passed",
                 date);
    else if (r == FAILED)
        snprintf(err, errlen, "the bulletins of %s could not be generated (see the log)", date);
    if (r != DONE)
        return false;
    bool ok = deliver(j, db, s, o, date, 0, now, &ns, &nf);
    if (sent)
        *sent = ns;
    if (failed)
        *failed = nf;
    if (!ok)
        snprintf(err, errlen, "the deliveries could not be read (see the log)");
    return ok;
}

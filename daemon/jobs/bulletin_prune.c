/* The bulletin archive's retention: see bulletin_prune.h. */
#include "bulletin_prune.h"

#include "archive_id.h"
#include "buf.h"
#include "bulletin_store.h"
#include "date.h"
#include "file.h"
#include "log.h"
#include "mem.h"
#include "sql_embed.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A file of the archive's names that no row records is a stray of a crash
 * once it is this old (seconds): never a generation under way. */
#define STRAY_AGE 86400

/* The prune's dates, and whose rows are ours: this archive's (owner) and
 * this host's made before identities (host), from o->me. */
struct days {
    char today[11], cutoff[11], due[11];
    char owner[320], host[320];
};

/* Strings, malloc'd. */
struct list {
    char **v;
    size_t n, cap;
};

static void list_add(struct list *l, const char *s)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->v = xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = xstrdup(s);
}

static void list_free(struct list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    *l = (struct list){0};
}

static int compare_text(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A date's bulletins as bulletin_prune_rows.sql tells them. */
enum state { S_PRUNED, S_PRUNABLE, S_PENDING, S_KEPT };

struct rows {
    struct db_result *res; /* path, state */
    enum state *state;
    int n;
};

static void rows_free(struct rows *r)
{
    db_result_free(r->res);
    free(r->state);
    *r = (struct rows){0};
}

static bool query_days(struct db *db, const struct bprune_opts *o, time_t now, struct days *d)
{
    char epoch[32], keep[16];
    snprintf(epoch, sizeof epoch, "%lld", (long long)now);
    snprintf(keep, sizeof keep, "%d", o->keep_days);
    const char *params[] = {epoch, o->timezone, keep, o->send_at};
    struct db_result *res = NULL;
    if (!db_query(db, sql_embed_get("jobs/bulletin_prune_days.sql"), 4, params, &res))
        return false;
    snprintf(d->today, sizeof d->today, "%s", db_value(res, 0, 0));
    snprintf(d->cutoff, sizeof d->cutoff, "%s", db_value(res, 0, 1));
    snprintf(d->due, sizeof d->due, "%s", db_value(res, 0, 2));
    db_result_free(res);
    return true;
}

/* The directory of a date's bulletins (or, date NULL, of every date). */
static void archive_dir(const struct bprune_opts *o, const char *date, struct buf *out)
{
    buf_reset(out);
    buf_printf(out, "%s/bulletins%s%s", o->data_dir, date ? "/" : "", date ? date : "");
}

/* The dates with a directory in the archive, added to l. */
static void dates_on_disk(const struct bprune_opts *o, struct list *l)
{
    struct buf path = BUF_INIT;
    archive_dir(o, NULL, &path);
    DIR *d = opendir(path.data);
    for (struct dirent *e; d && (e = readdir(d));)
        if (date_valid(e->d_name))
            list_add(l, e->d_name);
    if (d)
        closedir(d);
    buf_release(&path);
}

/* The dates to visit: those with bulletins of this archive left to prune and
 * those with a directory, oldest first, each once. */
static bool dates_to_visit(struct db *db, const struct bprune_opts *o, const struct days *days,
                           struct list *out)
{
    const char *params[] = {days->cutoff, days->owner, days->host};
    struct db_result *res = NULL;
    if (!db_query(db, sql_embed_get("jobs/bulletin_prune_dates.sql"), 3, params, &res))
        return false;
    struct list all = {0};
    for (int i = 0; i < db_rows(res); i++)
        list_add(&all, db_value(res, i, 0));
    db_result_free(res);
    dates_on_disk(o, &all);
    if (all.n)
        qsort(all.v, all.n, sizeof *all.v, compare_text);
    for (size_t i = 0; i < all.n; i++)
        if (!out->n || strcmp(out->v[out->n - 1], all.v[i]) != 0)
            list_add(out, all.v[i]);
    list_free(&all);
    return true;
}

static bool read_rows(struct db *db, const struct days *days, const char *date, struct rows *out)
{
    static const char *const names[] = {"pruned", "prunable", "pending", "kept"};
    const char *params[] = {date, days->cutoff, days->owner, days->due, days->host};
    *out = (struct rows){0};
    if (!db_query(db, sql_embed_get("jobs/bulletin_prune_rows.sql"), 5, params, &out->res))
        return false;
    out->n = db_rows(out->res);
    out->state = xcalloc(out->n ? (size_t)out->n : 1, sizeof *out->state);
    for (int i = 0; i < out->n; i++) {
        out->state[i] = S_KEPT;
        for (int s = 0; s < 4; s++)
            if (strcmp(db_value(out->res, i, 1), names[s]) == 0)
                out->state[i] = (enum state)s;
    }
    return true;
}

static int rows_in(const struct rows *r, enum state s)
{
    int n = 0;
    for (int i = 0; i < r->n; i++)
        n += r->state[i] == s;
    return n;
}

/* The date's bulletins that may go marked pruned and committed, under the
 * date's lock; *marked receives how many. */
static bool mark(struct db *db, const struct days *days, const char *date, int *marked)
{
    const char *params[] = {date, days->cutoff, days->owner, days->due, days->host};
    struct db_result *res = NULL;
    bool ok = db_begin(db) && bstore_lock_date(db, date) &&
              db_query(db, sql_embed_get("jobs/bulletin_prune_mark.sql"), 5, params, &res);
    *marked = ok ? db_rows(res) : 0;
    db_result_free(res);
    if (ok && db_commit(db))
        return true;
    db_rollback(db);
    *marked = 0;
    return false;
}

/* ---- the directory of a date ---- */

enum name_kind { NAME_FILE, NAME_TEMP, NAME_OTHER };

/* Whether name is one of the archive's: CODE.vN.EXT (EXT html, pdf or png)
 * or its temporary CODE.vN.EXT.tmp.PID.N (core/file.c); *base_len: the
 * length of CODE.vN. */
static enum name_kind name_kind(const char *name, size_t *base_len)
{
    static const char *const ext[] = {".html", ".pdf", ".png"};
    const char *p = name;
    size_t n = 0;
    while (isalnum((unsigned char)p[n]))
        n++;
    if (!n || strncmp(p + n, ".v", 2) != 0 || !isdigit((unsigned char)p[n + 2]))
        return NAME_OTHER;
    p += n + 2;
    p += strspn(p, "0123456789");
    *base_len = (size_t)(p - name);
    for (size_t e = 0; e < sizeof ext / sizeof ext[0]; e++) {
        size_t len = strlen(ext[e]);
        if (strncmp(p, ext[e], len) != 0)
            continue;
        p += len;
        if (!*p)
            return NAME_FILE;
        if (strncmp(p, ".tmp.", 5) != 0)
            return NAME_OTHER;
        p += 5 + strspn(p + 5, "0123456789");
        if (*p != '.' || !isdigit((unsigned char)p[1]))
            return NAME_OTHER;
        return p[1 + strspn(p + 1, "0123456789")] ? NAME_OTHER : NAME_TEMP;
    }
    return NAME_OTHER;
}

/* The state of the bulletin of path bulletins/DATE/BASE; -1: no row. */
static int state_of(const struct rows *r, const char *date, const char *name, size_t base_len)
{
    char path[300];
    snprintf(path, sizeof path, "bulletins/%s/%.*s", date, (int)base_len, name);
    for (int i = 0; i < r->n; i++)
        if (strcmp(db_value(r->res, i, 0), path) == 0)
            return (int)r->state[i];
    return -1;
}

/* What becomes of a file of the directory of date: removed or kept. */
struct sweep {
    const struct bprune_opts *o;
    const char *date;
    const struct rows *rows;
    bool old; /* the date is before the cutoff */
    time_t stray_before;
};

static bool goes(const struct sweep *w, const char *name, const struct stat *st)
{
    size_t base_len = 0;
    enum name_kind kind = name_kind(name, &base_len);
    char q[600];
    if (kind == NAME_OTHER) {
        log_warn("msg=\"bulletin archive: a file it did not write is kept\" date=%s file=\"%s\"",
                 w->date, log_quote(q, sizeof q, name));
        return false;
    }
    int state = state_of(w->rows, w->date, name, base_len);
    if (state < 0 || kind == NAME_TEMP) /* a stray of a crash, or a generation under way */
        return w->old && st->st_mtime < w->stray_before;
    return state == S_PRUNED || (w->o->dry_run && state == S_PRUNABLE);
}

static void failed(const char *err, int *failures)
{
    char q[4400];
    log_warn("msg=\"bulletin archive: not removed, tried again by the next prune\" reason=\"%s\"",
             log_quote(q, sizeof q, err));
    (*failures)++;
}

/* The names in dir, read whole before any is removed; a directory that is
 * not there has none. */
static void names_in(const char *dir, struct list *out, int *failures)
{
    char err[4300];
    DIR *d = opendir(dir);
    if (!d && errno != ENOENT) {
        snprintf(err, sizeof err, "cannot read the directory %s: %s", dir, strerror(errno));
        failed(err, failures);
    }
    for (struct dirent *e; d && (e = readdir(d));)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            list_add(out, e->d_name);
    if (d)
        closedir(d);
}

/* Removes (dry: counts) the files of the date's directory that go, syncs
 * the directory, and removes it when empty. */
static void sweep_dir(const struct sweep *w, struct bprune_date *out, int *failures)
{
    struct buf dir = BUF_INIT, path = BUF_INIT;
    struct list names = {0};
    char err[4300];
    struct stat st;
    bool removed = false;
    archive_dir(w->o, w->date, &dir);
    names_in(dir.data, &names, failures);
    for (size_t i = 0; i < names.n; i++) {
        buf_reset(&path);
        buf_printf(&path, "%s/%s", dir.data, names.v[i]);
        if (lstat(path.data, &st) != 0 || !S_ISREG(st.st_mode) || !goes(w, names.v[i], &st))
            continue;
        if (!w->o->dry_run && !file_remove(path.data, &removed, err, sizeof err)) {
            failed(err, failures);
            continue;
        }
        if (w->o->dry_run || removed) {
            out->files++;
            out->bytes += st.st_size;
        }
    }
    if (!w->o->dry_run && names.n && out->files && !file_sync_dir(dir.data, err, sizeof err))
        failed(err, failures);
    if (!w->o->dry_run && (w->old || out->files) &&
        !file_remove_dir_if_empty(dir.data, &removed, err, sizeof err))
        failed(err, failures);
    list_free(&names);
    buf_release(&path);
    buf_release(&dir);
}

/* The date's rows read (prune: under the date's lock, in a transaction of
 * its own) and its directory swept. */
static bool sweep_date(struct db *db, const struct bprune_opts *o, const struct days *days,
                       const char *date, bool old, struct bprune_date *out, int *failures)
{
    struct rows rows = {0};
    bool locked = !o->dry_run;
    bool ok = (!locked || (db_begin(db) && bstore_lock_date(db, date))) &&
              read_rows(db, days, date, &rows);
    if (ok) {
        struct sweep w = {o, date, &rows, old, time(NULL) - STRAY_AGE};
        out->pending = rows_in(&rows, S_PENDING);
        if (o->dry_run)
            out->bulletins = rows_in(&rows, S_PRUNABLE);
        sweep_dir(&w, out, failures);
    }
    rows_free(&rows);
    if (locked) {
        ok = ok && db_commit(db); /* nothing written: it ends the lock */
        if (!ok)
            db_rollback(db);
    }
    return ok;
}

/* Whether a date has pruned bulletins (whose files may be left). */
static bool has_pruned(struct db *db, const struct days *days, const char *date, bool *yes)
{
    struct rows rows = {0};
    bool ok = read_rows(db, days, date, &rows);
    *yes = ok && rows_in(&rows, S_PRUNED) > 0;
    rows_free(&rows);
    return ok;
}

/* One date: before the cutoff, its bulletins that may go are marked; then
 * its directory is swept (a later date's only when it has pruned ones). */
static bool prune_date(struct db *db, const struct bprune_opts *o, const struct days *days,
                       const char *date, struct bprune_date *out, int *failures)
{
    bool old = strcmp(date, days->cutoff) < 0, files_go = old;
    snprintf(out->date, sizeof out->date, "%s", date);
    if (old && !o->dry_run && !mark(db, days, date, &out->bulletins))
        return false;
    if (!old && !has_pruned(db, days, date, &files_go))
        return false;
    return !files_go || sweep_date(db, o, days, date, old, out, failures);
}

static void add_date(struct bprune_report *r, const struct bprune_date *d)
{
    r->bulletins += d->bulletins;
    r->pending += d->pending;
    r->files += d->files;
    r->bytes += d->bytes;
    if (d->bulletins || d->pending || d->files)
        r->dates[r->n++] = *d;
}

/* The prune's log line: what it did, in numbers. */
static void log_prune(const struct bprune_opts *o, const struct bprune_report *r, bool ok)
{
    size_t dates = 0;
    for (size_t i = 0; i < r->n; i++)
        dates += r->dates[i].bulletins || r->dates[i].files;
    log_write(ok ? LOG_LEVEL_INFO : LOG_LEVEL_WARN,
              "msg=\"%s\" keep_days=%d before=%s dates=%zu bulletins=%d files=%ld bytes=%lld "
              "pending=%d failures=%d",
              ok ? "bulletin archive pruned"
                 : "bulletin archive pruned in part, a database error (above)",
              o->keep_days, r->cutoff, dates, r->bulletins, r->files, r->bytes, r->pending,
              r->failures);
}

/* Takes the prune's session lock; *taken false when another process holds
 * it. */
static bool lock_prune(struct db *db, bool *taken)
{
    struct db_result *res = NULL;
    bool ok = db_query(db, sql_embed_get("jobs/bulletin_prune_lock.sql"), 0, NULL, &res);
    *taken = ok && strcmp(db_value(res, 0, 0), "t") == 0;
    db_result_free(res);
    return ok;
}

bool bprune_run(struct db *db, const struct bprune_opts *o, time_t now, struct bprune_report *out)
{
    struct days days;
    struct list dates = {0};
    bool locked = false, ok = false;
    *out = (struct bprune_report){0};
    if (o->keep_days < 1) /* 0: the archive is kept for ever */
        return true;
    if (!o->dry_run && !lock_prune(db, &locked))
        goto done;
    out->busy = !o->dry_run && !locked;
    archive_owner(o->me, days.owner, sizeof days.owner);
    archive_host(o->me, days.host, sizeof days.host);
    if (out->busy || !query_days(db, o, now, &days) || !dates_to_visit(db, o, &days, &dates)) {
        ok = out->busy;
        goto done;
    }
    snprintf(out->today, sizeof out->today, "%s", days.today);
    snprintf(out->cutoff, sizeof out->cutoff, "%s", days.cutoff);
    out->dates = xcalloc(dates.n ? dates.n : 1, sizeof *out->dates);
    ok = true;
    for (size_t i = 0; ok && i < dates.n && !(o->stopped && o->stopped(o->stopped_ctx)); i++) {
        struct bprune_date d = {0};
        ok = prune_date(db, o, &days, dates.v[i], &d, &out->failures);
        add_date(out, &d);
    }
    if (!o->dry_run)
        log_prune(o, out, ok);
done:
    if (locked && !db_query(db, sql_embed_get("jobs/bulletin_prune_unlock.sql"), 0, NULL, NULL))
        ok = false; /* the lock goes with the session */
    list_free(&dates);
    return ok;
}

bool bprune_today(struct db *db, const struct bprune_opts *o, time_t now, char out[11])
{
    struct days days;
    if (!query_days(db, o, now, &days))
        return false;
    memcpy(out, days.today, sizeof days.today);
    return true;
}

void bprune_report_free(struct bprune_report *r)
{
    free(r->dates);
    *r = (struct bprune_report){0};
}

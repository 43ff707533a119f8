/* The bulletin's rows in the database: see bulletin_store.h. */
#include "bulletin_store.h"

#include "log.h"
#include "mem.h"
#include "sql_embed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* One text value of a one-row query into out (outlen bytes); "" for NULL. */
static bool one_text(struct db *db, const char *sql, int n, const char *const *params, char *out,
                     size_t outlen)
{
    struct db_result *res = NULL;
    if (!db_query(db, sql, n, params, &res))
        return false;
    const char *v = db_rows(res) ? db_value(res, 0, 0) : NULL;
    snprintf(out, outlen, "%s", v ? v : "");
    db_result_free(res);
    return true;
}

bool bstore_due_date(struct db *db, time_t now, const char *zone, const char *send_at, char out[11])
{
    char epoch[32];
    snprintf(epoch, sizeof epoch, "%lld", (long long)now);
    const char *params[] = {epoch, zone, send_at};
    return one_text(db,
                    "SELECT CASE WHEN local::time >= $3::time THEN local::date"
                    " ELSE local::date - 1 END::text"
                    " FROM (SELECT to_timestamp($1::double precision) AT TIME ZONE $2 AS local) t",
                    3, params, out, 11);
}

bool bstore_deadline(struct db *db, const char *date, const char *zone, const char *send_at,
                     int wait_minutes, time_t *out)
{
    char wait[16], text[32];
    snprintf(wait, sizeof wait, "%d", wait_minutes);
    const char *params[] = {date, zone, send_at, wait};
    if (!one_text(db,
                  "SELECT extract(epoch FROM ($1::date + $3::time + make_interval(mins => $4::int))"
                  " AT TIME ZONE $2)::bigint",
                  4, params, text, sizeof text))
        return false;
    *out = (time_t)strtoll(text, NULL, 10);
    return true;
}

bool bstore_last_date(struct db *db, char out[11])
{
    return one_text(db, "SELECT max(as_of)::text FROM kpi.bulletin", 0, NULL, out, 11);
}

bool bstore_date_counts(struct db *db, const char *date, long *recorded, long *pruned)
{
    struct db_result *res = NULL;
    const char *params[] = {date};
    if (!db_query(db, "SELECT count(*), count(pruned_at) FROM kpi.bulletin WHERE as_of = $1::date",
                  1, params, &res))
        return false;
    *recorded = strtol(db_value(res, 0, 0), NULL, 10);
    *pruned = strtol(db_value(res, 0, 1), NULL, 10);
    db_result_free(res);
    return true;
}

bool bstore_lock_date(struct db *db, const char *date)
{
    const char *params[] = {date};
    return db_query(db,
                    "SELECT pg_advisory_xact_lock(hashtext('retentiond.bulletin'),"
                    " hashtext($1))",
                    1, params, NULL);
}

bool bstore_latest(struct db *db, const char *date, const char *branch, struct bstore_version *out)
{
    struct db_result *res = NULL;
    const char *params[] = {date, branch};
    if (!db_query(db,
                  "SELECT version, bulletin_id, run_id, html_sha256,"
                  " coalesce(figures_sha256, ''), lang FROM kpi.bulletin"
                  " WHERE as_of = $1::date AND branch_code = $2 ORDER BY version DESC LIMIT 1",
                  2, params, &res))
        return false;
    *out = (struct bstore_version){0};
    if (db_rows(res) > 0) {
        out->version = atoi(db_value(res, 0, 0));
        out->id = strtoll(db_value(res, 0, 1), NULL, 10);
        out->run_id = strtoll(db_value(res, 0, 2), NULL, 10);
        snprintf(out->html_sha, sizeof out->html_sha, "%s", db_value(res, 0, 3));
        snprintf(out->figures_sha, sizeof out->figures_sha, "%s", db_value(res, 0, 4));
        snprintf(out->lang, sizeof out->lang, "%s", db_value(res, 0, 5));
    }
    db_result_free(res);
    return true;
}

bool bstore_changes(struct db *db, long long was_run, long long run, const char *branch,
                    bool *known, json_t **changes)
{
    char a[32], b[32];
    snprintf(a, sizeof a, "%lld", was_run);
    snprintf(b, sizeof b, "%lld", run);
    const char *params[] = {a, b, branch};
    struct db_result *res = NULL;
    json_error_t jerr;
    *known = false;
    *changes = NULL;
    if (!db_query(db, sql_embed_get("jobs/bulletin_changes.sql"), 3, params, &res))
        return false;
    *known = strcmp(db_value(res, 0, 0), "t") == 0;
    *changes = json_loads(db_value(res, 0, 1), 0, &jerr);
    db_result_free(res);
    if (!json_is_array(*changes)) {
        log_error("msg=\"bulletin changes not read\" run=%lld reason=\"%s\"", run, jerr.text);
        json_decref(*changes);
        *changes = NULL;
        return false;
    }
    return true;
}

bool bstore_set_mailed(struct db *db, long long bulletin_id)
{
    char id[32];
    snprintf(id, sizeof id, "%lld", bulletin_id);
    const char *params[] = {id};
    return db_query(db,
                    "UPDATE kpi.bulletin SET mailed = true WHERE bulletin_id = $1::bigint"
                    " AND pruned_at IS NULL",
                    1, params, NULL);
}

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

bool bstore_recipients(struct db *db, const char *root_code, struct bstore_recipient **out,
                       size_t *n)
{
    struct db_result *res = NULL;
    const char *params[] = {root_code};
    *out = NULL;
    *n = 0;
    if (!db_query(db,
                  "SELECT code, address, name FROM ("
                  " SELECT CASE role WHEN 'executive' THEN $1 ELSE branch_code END AS code,"
                  " email AS address, name"
                  " FROM kpi.app_user WHERE NOT disabled AND email IS NOT NULL"
                  " AND role IN ('executive', 'branch_manager')"
                  " UNION"
                  " SELECT branch_code, address, NULL FROM kpi.bulletin_recipient) r"
                  " ORDER BY code, lower(address), name NULLS LAST, address",
                  1, params, &res))
        return false;
    size_t rows = (size_t)db_rows(res);
    *out = xcalloc(rows ? rows : 1, sizeof **out);
    for (size_t i = 0; i < rows; i++) {
        /* a user who is also an extra address, or an address given twice
         * in other cases (mail systems do not tell them apart), gets one
         * message, as the user when one of them is */
        if (*n && strcmp((*out)[*n - 1].branch_code, db_value(res, (int)i, 0)) == 0 &&
            strcasecmp((*out)[*n - 1].address, db_value(res, (int)i, 1)) == 0)
            continue;
        (*out)[*n] = (struct bstore_recipient){
            .branch_code = xstrdup(db_value(res, (int)i, 0)),
            .address = xstrdup(db_value(res, (int)i, 1)),
            .user_name = dup_or_null(db_value(res, (int)i, 2)),
        };
        (*n)++;
    }
    db_result_free(res);
    return true;
}

void bstore_recipients_free(struct bstore_recipient *r, size_t n)
{
    for (size_t i = 0; r && i < n; i++) {
        free(r[i].branch_code);
        free(r[i].address);
        free(r[i].user_name);
    }
    free(r);
}

bool bstore_insert(struct db *db, const struct bstore_bulletin *b, long long *id, bool *conflict)
{
    char version[16], run[32], hb[24], pb[24], gb[24];
    snprintf(version, sizeof version, "%d", b->version);
    snprintf(run, sizeof run, "%lld", b->run_id);
    snprintf(hb, sizeof hb, "%zu", b->html_bytes);
    snprintf(pb, sizeof pb, "%zu", b->pdf_bytes);
    snprintf(gb, sizeof gb, "%zu", b->png_bytes);
    const char *params[] = {b->date,
                            b->branch_code,
                            version,
                            run,
                            b->data_as_of,
                            b->lang,
                            b->path,
                            b->html_sha,
                            b->pdf_sha,
                            b->png_sha,
                            hb,
                            pb,
                            gb,
                            b->generated_by,
                            b->mailed ? "t" : "f",
                            b->figures_sha};
    struct db_result *res = NULL;
    *conflict = false;
    if (!db_query(db,
                  "INSERT INTO kpi.bulletin (as_of, branch_code, version, run_id, data_as_of,"
                  " lang, path, html_sha256, pdf_sha256, png_sha256, html_bytes, pdf_bytes,"
                  " png_bytes, generated_by, mailed, figures_sha256)"
                  " VALUES ($1::date, $2, $3::int, $4::bigint, $5::date, $6, $7, $8, $9, $10,"
                  " $11::int, $12::int, $13::int, $14, $15::boolean, $16)"
                  " ON CONFLICT (as_of, branch_code, version) DO NOTHING RETURNING bulletin_id",
                  16, params, &res))
        return false;
    *conflict = db_rows(res) == 0;
    *id = *conflict ? 0 : strtoll(db_value(res, 0, 0), NULL, 10);
    db_result_free(res);
    if (*conflict)
        log_warn("msg=\"bulletin already archived by another daemon\" date=%s branch=%s version=%d",
                 b->date, b->branch_code, b->version);
    return !*conflict;
}

bool bstore_add_delivery(struct db *db, long long bulletin_id, const char *address,
                         const char *user_name, const char *me, const char *mail_domain)
{
    char id[32];
    snprintf(id, sizeof id, "%lld", bulletin_id);
    const char *params[] = {id, address, user_name, me, mail_domain};
    return db_query(db,
                    "INSERT INTO kpi.bulletin_delivery (delivery_id, bulletin_id, address,"
                    " user_name, status, claimed_by, message_id)"
                    " SELECT s.id, $1::bigint, $2::text, $3::text, 'sending', $4::text,"
                    " format('bulletin.%s.%s.v%s.%s@%s', b.as_of, b.branch_code, b.version, s.id,"
                    " $5::text)"
                    " FROM (SELECT nextval('kpi.bulletin_delivery_delivery_id_seq') AS id) s,"
                    " kpi.bulletin b WHERE b.bulletin_id = $1::bigint AND b.pruned_at IS NULL"
                    " ON CONFLICT (bulletin_id, address) DO NOTHING",
                    5, params, NULL);
}

bool bstore_claim(struct db *db, const char *me, int lease, const char *retry_date, int retry_after,
                  struct bstore_delivery **out, size_t *n)
{
    char secs[16], after[16];
    snprintf(secs, sizeof secs, "%d", lease);
    snprintf(after, sizeof after, "%d", retry_after);
    const char *take[] = {me, secs, retry_date, after};
    struct db_result *res = NULL;
    *out = NULL;
    *n = 0;
    /* READ COMMITTED re-checks the WHERE on a row another daemon changed
     * meanwhile: of two daemons taking over one claim, one gets it. The
     * date's bulletins as an array (one InitPlan), not IN (subquery): each
     * arm of the OR is then an index scan (bulletin_delivery_open, the
     * (bulletin_id, address) key) under a BitmapOr; with IN the plan was a
     * sequential scan of every delivery ever made, on every pass of the job
     * (at least every 30 s), ~60 ms with two years of 165 branches and two
     * recipients each (240,000 rows), growing by the day. The failed ones
     * of a date are taken under the date's lock, its prune's: a bulletin
     * has none taken while it is being marked pruned, and none once it is. */
    bool locked = retry_date != NULL;
    if (locked && !(db_begin(db) && bstore_lock_date(db, retry_date)))
        goto failed;
    if (!db_query(db,
                  "UPDATE kpi.bulletin_delivery d SET claimed_by = $1, status = 'sending',"
                  " claimed_at = clock_timestamp()"
                  " WHERE (d.status = 'sending' AND d.claimed_by <> $1"
                  "        AND d.claimed_at < clock_timestamp() - make_interval(secs => $2::int))"
                  " OR (d.status = 'failed' AND $3::date IS NOT NULL"
                  "     AND d.claimed_at <= clock_timestamp() - make_interval(secs => $4::int)"
                  "     AND d.bulletin_id = ANY (ARRAY(SELECT bulletin_id FROM kpi.bulletin"
                  "                                    WHERE as_of = $3::date"
                  "                                    AND pruned_at IS NULL)))",
                  4, take, NULL) ||
        (locked && !db_commit(db)))
        goto failed;
    const char *mine[] = {me};
    if (!db_query(db,
                  "SELECT d.delivery_id, d.bulletin_id, b.run_id, b.as_of::text, b.branch_code,"
                  " d.address, d.message_id, b.path, b.lang, b.data_as_of::text, b.html_sha256,"
                  " b.pdf_sha256, b.png_sha256, b.version, d.attempts, b.pruned_at IS NOT NULL,"
                  " coalesce((SELECT p.run_id FROM kpi.bulletin p WHERE p.as_of = b.as_of"
                  "           AND p.branch_code = b.branch_code AND p.version = b.version - 1),"
                  "          0)"
                  " FROM kpi.bulletin_delivery d JOIN kpi.bulletin b USING (bulletin_id)"
                  " WHERE d.status = 'sending' AND d.claimed_by = $1 ORDER BY d.delivery_id",
                  1, mine, &res))
        return false;
    size_t rows = (size_t)db_rows(res);
    *out = xcalloc(rows ? rows : 1, sizeof **out);
    for (size_t i = 0; i < rows; i++) {
        int r = (int)i;
        (*out)[i] = (struct bstore_delivery){
            .delivery_id = strtoll(db_value(res, r, 0), NULL, 10),
            .bulletin_id = strtoll(db_value(res, r, 1), NULL, 10),
            .run_id = strtoll(db_value(res, r, 2), NULL, 10),
            .date = xstrdup(db_value(res, r, 3)),
            .branch_code = xstrdup(db_value(res, r, 4)),
            .address = xstrdup(db_value(res, r, 5)),
            .message_id = xstrdup(db_value(res, r, 6)),
            .path = xstrdup(db_value(res, r, 7)),
            .lang = xstrdup(db_value(res, r, 8)),
            .data_as_of = xstrdup(db_value(res, r, 9)),
            .html_sha = xstrdup(db_value(res, r, 10)),
            .pdf_sha = xstrdup(db_value(res, r, 11)),
            .png_sha = xstrdup(db_value(res, r, 12)),
            .version = atoi(db_value(res, r, 13)),
            .attempts = atoi(db_value(res, r, 14)),
            .pruned = strcmp(db_value(res, r, 15), "t") == 0,
            .replaces_run = strtoll(db_value(res, r, 16), NULL, 10),
        };
    }
    *n = rows;
    db_result_free(res);
    return true;
failed:
    if (locked)
        db_rollback(db);
    return false;
}

void bstore_deliveries_free(struct bstore_delivery *d, size_t n)
{
    for (size_t i = 0; d && i < n; i++) {
        char *fields[] = {d[i].date,    d[i].branch_code, d[i].address,    d[i].message_id,
                          d[i].path,    d[i].lang,        d[i].data_as_of, d[i].html_sha,
                          d[i].pdf_sha, d[i].png_sha};
        for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++)
            free(fields[f]);
    }
    free(d);
}

bool bstore_release(struct db *db, const struct bstore_delivery *d, const char *me)
{
    char id[32];
    snprintf(id, sizeof id, "%lld", d->delivery_id);
    const char *params[] = {id, me};
    return db_query(db,
                    "UPDATE kpi.bulletin_delivery SET claimed_at = '-infinity'"
                    " WHERE delivery_id = $1::bigint AND claimed_by = $2 AND status = 'sending'",
                    2, params, NULL);
}

bool bstore_finish(struct db *db, const struct bstore_delivery *d, const char *me, bool sent,
                   int attempts, bool pdf_linked, long reply, const char *error)
{
    char id[32], n[16], code[16];
    snprintf(id, sizeof id, "%lld", d->delivery_id);
    snprintf(n, sizeof n, "%d", attempts);
    snprintf(code, sizeof code, "%ld", reply);
    const char *params[] = {id,
                            me,
                            sent ? "sent" : "failed",
                            n,
                            pdf_linked ? "t" : "f",
                            reply ? code : NULL,
                            sent ? NULL : error};
    return db_query(db,
                    "UPDATE kpi.bulletin_delivery SET status = $3, attempts = attempts + $4::int,"
                    " pdf_linked = $5::boolean, smtp_reply = $6::int, error = $7,"
                    " sent_at = CASE WHEN $3 = 'sent' THEN clock_timestamp() END"
                    " WHERE delivery_id = $1::bigint AND claimed_by = $2",
                    7, params, NULL);
}

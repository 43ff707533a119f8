#include "auth.h"

#include "cache.h"
#include "digest.h"
#include "log.h"
#include "mem.h"
#include "password.h"
#include "random.h"
#include "throttle.h"
#include "users.h"
#include "utf8.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* What a cached session or token holds, and when it was read. */
struct cached {
    struct principal p;
    time_t fetched;
    time_t touched;       /* when last_seen (or a token's use) was last written */
    time_t created;       /* a session's sign-in */
    long long epoch;      /* auth.epoch when it was read (-1: forgotten while read) */
    long long user_epoch; /* its user's auth.user_epoch then */
};

#define CACHE_BYTES  (4 * 1024 * 1024)
#define TOUCH_EVERY  60   /* seconds between writes of a session's last_seen */
#define TOKEN_AUDIT  600  /* seconds between audit rows of one token's use */
#define PURGE_EVERY  3600 /* seconds between purges of sessions long over */
#define USER_BUCKETS 1024 /* of auth_forget_user(): a name's FNV-1a hash modulo this */

struct auth {
    struct pool *pool;
    struct audit *audit;
    struct throttle *throttle;
    struct cache *cache;
    atomic_int idle, absolute, cache_seconds;
    atomic_llong purged; /* when ended sessions were last purged */
    atomic_llong epoch;  /* auth_forget_all() makes every cached principal stale */
    /* auth_forget_user() makes the principals of the users whose names
     * hash to a bucket stale; forgets counts every forget of either kind,
     * so that a read can tell one happened meanwhile */
    atomic_llong user_epoch[USER_BUCKETS];
    atomic_llong forgets;
    /* the second of the last throttled sign-in audited, and how many were
     * not written since */
    atomic_llong throttled_audited, throttled_unwritten;
};

struct auth *auth_new(struct pool *pool, struct audit *audit, const struct auth_options *o)
{
    struct auth *a = xcalloc(1, sizeof *a);
    a->pool = pool;
    a->audit = audit;
    a->throttle = throttle_new();
    a->cache = cache_new(CACHE_BYTES);
    auth_configure(a, o);
    return a;
}

void auth_free(struct auth *a)
{
    if (!a)
        return;
    throttle_free(a->throttle);
    cache_free(a->cache);
    free(a);
}

void auth_configure(struct auth *a, const struct auth_options *o)
{
    atomic_store(&a->idle, o->idle_seconds);
    atomic_store(&a->absolute, o->absolute_seconds);
    atomic_store(&a->cache_seconds, o->cache_seconds);
}

bool auth_same_secret(const char *x, const char *y)
{
    size_t n = strlen(x), m = strlen(y);
    unsigned char diff = (unsigned char)(n != m);
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)(x[i] ^ (i < m ? y[i] : 0));
    return diff == 0;
}

static enum auth_result from_pool(enum pool_status st)
{
    return st == POOL_OK ? AUTH_OK : st == POOL_BUSY ? AUTH_BUSY : AUTH_ERROR;
}

/* A sign-in's audit row (or a password change's), with the fields of
 * extra (borrowed; NULL: none). A name no user can have (too long, other
 * bytes) is not stored whole: its length and its first bytes, escaped, so
 * that a form field of 60 KB is not 60 KB of the append-only log.
 * Throttled refusals are written at most once a second; the row says how
 * many were not. */
static void audit_login(struct auth *a, const char *name, const char *client, const char *action,
                        const char *outcome, const char *session, json_t *extra)
{
    bool possible = principal_name_ok(name), throttled = strcmp(outcome, "throttled") == 0;
    size_t len = strlen(name);
    struct buf shown = BUF_INIT;
    if (throttled) {
        long long now = (long long)time(NULL), last = atomic_load(&a->throttled_audited);
        if (now == last || !atomic_compare_exchange_strong(&a->throttled_audited, &last, now)) {
            atomic_fetch_add(&a->throttled_unwritten, 1);
            return;
        }
    }
    utf8_escape(&shown, name, possible || len < 32 ? len : 32);
    json_t *params = json_pack("{s:s%}", "user", shown.data ? shown.data : "", shown.len);
    buf_release(&shown);
    if (!possible)
        json_object_set_new(params, "user_bytes", json_integer((json_int_t)len));
    if (session)
        json_object_set_new(params, "session", json_string(session));
    if (extra)
        json_object_update(params, extra);
    long long unwritten = throttled ? atomic_exchange(&a->throttled_unwritten, 0) : 0;
    if (unwritten)
        json_object_set_new(params, "throttled_unwritten", json_integer(unwritten));
    struct audit_row row = {.who = possible ? name : NULL,
                            .action = action,
                            .params = params,
                            .client = client,
                            .outcome = outcome};
    audit_log(a->audit, &row);
    json_decref(params);
}

/* ---- signing in ----------------------------------------------------------------------------- */

/* The user's row: id, name, role, branch, password hash, disabled,
 * must_change. */
static enum auth_result find_user(struct auth *a, const char *name, struct db_result **res)
{
    const char *params[] = {name};
    return from_pool(pool_query(a->pool,
                                "SELECT user_id::text, name, role, coalesce(branch_code, ''),"
                                " password_hash, disabled, must_change FROM kpi.app_user"
                                " WHERE name = $1",
                                1, params, res));
}

/* Checks the password (against a dummy hash when there is no user to
 * check it against), so that every refusal takes the same time. */
static enum auth_result check_password(const struct db_result *user, const char *password)
{
    bool known = db_rows(user) == 1 && db_value(user, 0, 4);
    const char *phc = known ? db_value(user, 0, 4) : password_dummy();
    if (!phc)
        return AUTH_ERROR;
    enum password_result r = password_verify(phc, password);
    if (r == PASSWORD_BUSY)
        return AUTH_BUSY;
    if (r == PASSWORD_ERROR)
        return AUTH_ERROR;
    bool enabled = known && strcmp(db_value(user, 0, 5), "f") == 0;
    return r == PASSWORD_OK && enabled ? AUTH_OK : AUTH_DENIED;
}

/* A principal from the first row's columns user id, name, role, branch. */
static void principal_read(const struct db_result *res, struct principal *p)
{
    int role = role_parse(db_value(res, 0, 2));
    *p = (struct principal){.user_id = atoll(db_value(res, 0, 0)),
                            .role = role < 0 ? ROLE_BRANCH_MANAGER : (enum role)role};
    snprintf(p->name, sizeof p->name, "%s", db_value(res, 0, 1));
    snprintf(p->branch, sizeof p->branch, "%s", db_value(res, 0, 3));
}

/* A new session's secrets: its id into session_id, its hash into
 * p->session and its CSRF token into p->csrf. */
static bool new_secrets(struct principal *p, char session_id[AUTH_SESSION_LEN + 1])
{
    if (!random_hex(AUTH_SESSION_LEN / 2, session_id) || !random_hex(32, p->csrf))
        return false;
    digest_sha256_hex(session_id, strlen(session_id), p->session);
    return true;
}

/* Stores a new session for p; fills session_id, p->session and p->csrf. */
static enum auth_result new_session(struct auth *a, struct principal *p, const char *client,
                                    char session_id[AUTH_SESSION_LEN + 1])
{
    char user[32];
    if (!new_secrets(p, session_id))
        return AUTH_ERROR;
    snprintf(user, sizeof user, "%lld", p->user_id);
    const char *params[] = {p->session, user, p->csrf, client};
    return from_pool(
        pool_query(a->pool,
                   "INSERT INTO kpi.session (id_hash, user_id, csrf_token, client_addr)"
                   " VALUES ($1, $2::bigint, $3, $4)",
                   4, params, NULL));
}

/* Deletes the sessions that ended (or expired) more than a day ago, at
 * most once in PURGE_EVERY per daemon: kpi.session would grow by a row per
 * sign-in otherwise. The audit log keeps every sign-in and sign-out. */
static void purge(struct auth *a, time_t now)
{
    long long last = atomic_load(&a->purged);
    char absolute[16];
    if (now - last < PURGE_EVERY || !atomic_compare_exchange_strong(&a->purged, &last, now))
        return;
    snprintf(absolute, sizeof absolute, "%d", atomic_load(&a->absolute));
    const char *params[] = {absolute};
    if (pool_query(a->pool,
                   "DELETE FROM kpi.session WHERE ended_at < now() - interval '1 day'"
                   " OR created_at < now() - make_interval(secs => $1::int) - interval '1 day'",
                   1, params, NULL) != POOL_OK)
        log_warn("msg=\"could not purge old sessions\"");
}

enum auth_result auth_login(struct auth *a, const char *name, const char *password,
                            const char *client, char session_id[AUTH_SESSION_LEN + 1],
                            struct principal *out, long *retry_after)
{
    char ukey[128], akey[128];
    struct db_result *user = NULL;
    time_t now = time(NULL);
    snprintf(ukey, sizeof ukey, "user:%.100s", name);
    snprintf(akey, sizeof akey, "addr:%.100s", client);
    /* pending until settled: attempts made at once count against each other */
    *retry_after = throttle_attempt(a->throttle, ukey, akey, now);
    if (*retry_after > 0) {
        audit_login(a, name, client, "login_failed", "throttled", NULL, NULL);
        return AUTH_THROTTLED;
    }
    enum auth_result r = find_user(a, name, &user);
    if (r == AUTH_OK)
        r = check_password(user, password);
    /* a failure counts from when it is known, after the hash; busy, an
     * error or the right password settle as if no attempt was made */
    throttle_settle(a->throttle, ukey, r == AUTH_DENIED, time(NULL));
    throttle_settle(a->throttle, akey, r == AUTH_DENIED, time(NULL));
    if (r == AUTH_DENIED)
        audit_login(a, name, client, "login_failed", "denied", NULL, NULL);
    if (r == AUTH_OK) {
        principal_read(user, out);
        out->must_change = strcmp(db_value(user, 0, 6), "t") == 0;
        r = new_session(a, out, client, session_id);
    }
    if (r == AUTH_OK) {
        throttle_clear(a->throttle, ukey);
        audit_login(a, name, client, "login", "ok", out->session, NULL);
        purge(a, now);
    }
    db_result_free(user);
    return r;
}

/* ---- who asks -------------------------------------------------------------------------------- */

/* The cached principal under key into out; false when there is none. */
static bool cached_read(struct auth *a, const char *key, struct cached *out)
{
    struct cache_body *b = cache_get(a->cache, key);
    bool found = b && cache_body_len(b) == sizeof *out;
    if (found)
        memcpy(out, cache_body_data(b), sizeof *out);
    cache_body_unref(b);
    return found;
}

/* The bucket of user_epoch a user's name falls in (FNV-1a; two names in
 * one bucket: a forget of one reads the other again too). */
static size_t user_bucket(const char *name)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (const unsigned char *c = (const unsigned char *)name; *c; c++)
        h = (h ^ *c) * 0x100000001b3u;
    return (size_t)(h % USER_BUCKETS);
}

/* Stamps c, just read (begun: auth.forgets before the read), with the
 * epochs it stands for; a forget while it was read makes it stale at
 * once. */
static void stamp(struct auth *a, struct cached *c, long long begun)
{
    c->epoch = atomic_load(&a->epoch);
    c->user_epoch = atomic_load(&a->user_epoch[user_bucket(c->p.name)]);
    if (atomic_load(&a->forgets) != begun)
        c->epoch = -1;
}

/* Whether nothing was forgotten of c's user since c was read. */
static bool not_forgotten(struct auth *a, const struct cached *c)
{
    return c->epoch == atomic_load(&a->epoch) &&
           c->user_epoch == atomic_load(&a->user_epoch[user_bucket(c->p.name)]);
}

/* Whether a cached principal was read within cache_seconds. */
static bool fresh(struct auth *a, const struct cached *c)
{
    return time(NULL) - c->fetched < atomic_load(&a->cache_seconds) && not_forgotten(a, c);
}

static void cached_put(struct auth *a, const char *key, const struct cached *c)
{
    cache_remove(a->cache, key);
    cache_body_unref(cache_put(a->cache, key, c, sizeof *c));
}

/* Reads the live session id_hash from the database into c->p. */
static enum auth_result read_session(struct auth *a, const char *id_hash, struct cached *c)
{
    char idle[16], absolute[16];
    struct db_result *res = NULL;
    snprintf(idle, sizeof idle, "%d", atomic_load(&a->idle));
    snprintf(absolute, sizeof absolute, "%d", atomic_load(&a->absolute));
    long long begun = atomic_load(&a->forgets);
    const char *params[] = {id_hash, idle, absolute};
    enum auth_result r = from_pool(pool_query(
        a->pool,
        "SELECT u.user_id::text, u.name, u.role, coalesce(u.branch_code, ''), s.csrf_token,"
        " extract(epoch FROM s.last_seen)::bigint::text,"
        " extract(epoch FROM s.created_at)::bigint::text, u.must_change"
        " FROM kpi.session s JOIN kpi.app_user u ON u.user_id = s.user_id"
        " WHERE s.id_hash = $1 AND s.ended_at IS NULL AND NOT u.disabled"
        " AND s.last_seen > now() - make_interval(secs => $2::int)"
        " AND s.created_at > now() - make_interval(secs => $3::int)",
        3, params, &res));
    if (r == AUTH_OK && db_rows(res) != 1)
        r = AUTH_DENIED;
    if (r == AUTH_OK) {
        principal_read(res, &c->p);
        snprintf(c->p.csrf, sizeof c->p.csrf, "%s", db_value(res, 0, 4));
        snprintf(c->p.session, sizeof c->p.session, "%s", id_hash);
        c->touched = (time_t)atoll(db_value(res, 0, 5));
        c->created = (time_t)atoll(db_value(res, 0, 6));
        c->p.must_change = strcmp(db_value(res, 0, 7), "t") == 0;
        c->fetched = time(NULL);
        stamp(a, c, begun);
    }
    db_result_free(res);
    return r;
}

/* Writes the session's last_seen when it is older than TOUCH_EVERY, or a
 * quarter of the idle timeout when that is shorter (at the least idle of
 * 60 s, a session used every 20 s had ended at 60 s: its last use was
 * written once a minute). */
static void touch(struct auth *a, struct cached *c)
{
    time_t now = time(NULL), every = atomic_load(&a->idle) / 4;
    if (now - c->touched < (every < TOUCH_EVERY ? every : TOUCH_EVERY))
        return;
    const char *params[] = {c->p.session};
    if (pool_query(a->pool, "UPDATE kpi.session SET last_seen = now() WHERE id_hash = $1", 1,
                   params, NULL) == POOL_OK)
        c->touched = now;
}

/* Whether a principal this daemon read before may stand in while the
 * database does not answer (or no connection is free): read within the
 * idle timeout, (a session) not past its absolute lifetime, and not read
 * before a forget of its user (or of all): what a revocation, a disabled
 * user or a new role ended stays ended. Dashboards keep being served from
 * the snapshot during an outage; a new sign-in needs the database. */
static bool outage_grace(struct auth *a, const struct cached *c, bool known)
{
    time_t now = time(NULL);
    return known && not_forgotten(a, c) && now - c->fetched < atomic_load(&a->idle) &&
           (!c->created || now - c->created < atomic_load(&a->absolute));
}

/* The cache key "K:hash" of a session (kind 's') or a token ('t'): a
 * request's, so without printf. */
static void secret_key(char key[DIGEST_HEX_LEN + 3], char kind, const char hash[DIGEST_HEX_LEN + 1])
{
    key[0] = kind;
    key[1] = ':';
    memcpy(key + 2, hash, DIGEST_HEX_LEN + 1);
}

enum auth_result auth_session(struct auth *a, const char *session_id, struct principal *out)
{
    char key[DIGEST_HEX_LEN + 3], hash[DIGEST_HEX_LEN + 1];
    struct cached c = {0};
    if (strlen(session_id) != AUTH_SESSION_LEN)
        return AUTH_DENIED;
    digest_sha256_hex(session_id, strlen(session_id), hash);
    secret_key(key, 's', hash);
    bool known = cached_read(a, key, &c);
    if (!known || !fresh(a, &c)) {
        struct cached was = c;
        enum auth_result r = read_session(a, hash, &c);
        if (r == AUTH_DENIED)
            cache_remove(a->cache, key);
        if ((r == AUTH_ERROR || r == AUTH_BUSY) && outage_grace(a, &was, known)) {
            *out = was.p;
            return AUTH_OK;
        }
        if (r != AUTH_OK)
            return r;
        touch(a, &c);
        cached_put(a, key, &c);
    }
    *out = c.p;
    return AUTH_OK;
}

/* Reads a live token from the database. */
static enum auth_result read_token(struct auth *a, const char *hash, struct cached *c)
{
    struct db_result *res = NULL;
    const char *params[] = {hash};
    long long begun = atomic_load(&a->forgets);
    enum auth_result r = from_pool(pool_query(
        a->pool,
        "SELECT u.user_id::text, u.name, u.role, coalesce(u.branch_code, ''), t.token_id::text"
        " FROM kpi.api_token t JOIN kpi.app_user u ON u.user_id = t.user_id"
        " WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND NOT u.disabled",
        1, params, &res));
    if (r == AUTH_OK && db_rows(res) != 1)
        r = AUTH_DENIED;
    if (r == AUTH_OK) {
        principal_read(res, &c->p);
        c->p.token_id = atoll(db_value(res, 0, 4));
        c->fetched = time(NULL);
        stamp(a, c, begun);
    }
    db_result_free(res);
    return r;
}

/* Audits a token's use (and writes last_used_at) at most every TOKEN_AUDIT. */
static void token_used(struct auth *a, struct cached *c, const char *client)
{
    time_t now = time(NULL);
    char id[32];
    if (now - c->touched < TOKEN_AUDIT)
        return;
    c->touched = now;
    snprintf(id, sizeof id, "%lld", c->p.token_id);
    const char *params[] = {id};
    pool_query(a->pool, "UPDATE kpi.api_token SET last_used_at = now() WHERE token_id = $1::bigint",
               1, params, NULL);
    json_t *p = json_pack("{s:I}", "token_id", (json_int_t)c->p.token_id);
    struct audit_row row = {
        .who = c->p.name, .action = "token_use", .params = p, .client = client, .outcome = "ok"};
    audit_log(a->audit, &row);
    json_decref(p);
}

enum auth_result auth_token(struct auth *a, const char *token, const char *client,
                            struct principal *out)
{
    char key[DIGEST_HEX_LEN + 3], hash[DIGEST_HEX_LEN + 1];
    struct cached c = {0};
    digest_sha256_hex(token, strlen(token), hash);
    secret_key(key, 't', hash);
    bool known = cached_read(a, key, &c); /* keeps when its use was last audited */
    if (!known || !fresh(a, &c)) {
        time_t audited = known ? c.touched : 0;
        struct cached was = c;
        enum auth_result r = read_token(a, hash, &c);
        if ((r == AUTH_ERROR || r == AUTH_BUSY) && outage_grace(a, &was, known)) {
            *out = was.p;
            return AUTH_OK;
        }
        if (r != AUTH_OK) {
            if (r == AUTH_DENIED)
                cache_remove(a->cache, key);
            return r;
        }
        c.touched = audited;
        token_used(a, &c, client);
        cached_put(a, key, &c);
    }
    *out = c.p;
    return AUTH_OK;
}

void auth_forget_all(struct auth *a)
{
    atomic_fetch_add(&a->forgets, 1); /* first: see stamp() */
    atomic_fetch_add(&a->epoch, 1);
}

void auth_forget_user(struct auth *a, const char *name)
{
    if (!name || !*name) {
        auth_forget_all(a);
        return;
    }
    atomic_fetch_add(&a->forgets, 1);
    atomic_fetch_add(&a->user_epoch[user_bucket(name)], 1);
}

/* ---- a new password -------------------------------------------------------------------------- */

/* The new password's PHC string into *phc (the caller frees). */
static enum auth_result hash_new(const char *password, char **phc)
{
    enum password_result r = password_hash(password, phc);
    return r == PASSWORD_OK ? AUTH_OK : r == PASSWORD_BUSY ? AUTH_BUSY : AUTH_ERROR;
}

/* In one statement: the new hash replaces old_phc (not a hash changed
 * meanwhile, not a user disabled meanwhile), every live session of the
 * user ends and a new one begins for out. *ended: the sessions ended. */
static enum auth_result replace_password(struct auth *a, struct principal *out, const char *old_phc,
                                         const char *new_phc, const char *client,
                                         char session_id[AUTH_SESSION_LEN + 1], long long *ended)
{
    char user[32];
    struct db_result *res = NULL;
    if (!new_secrets(out, session_id))
        return AUTH_ERROR;
    snprintf(user, sizeof user, "%lld", out->user_id);
    const char *params[] = {user, new_phc, old_phc, out->session, out->csrf, client, out->name};
    enum auth_result r = from_pool(pool_query(
        a->pool,
        "WITH u AS (UPDATE kpi.app_user SET password_hash = $2, must_change = false,"
        " changed_at = now() WHERE user_id = $1::bigint AND password_hash = $3 AND NOT disabled "
        "RETURNING user_id),"
        " e AS (UPDATE kpi.session SET ended_at = now()"
        " WHERE user_id IN (SELECT user_id FROM u) AND ended_at IS NULL RETURNING 1),"
        " n AS (INSERT INTO kpi.session (id_hash, user_id, csrf_token, client_addr)"
        " SELECT $4, user_id, $5, $6 FROM u RETURNING user_id)"
        " SELECT (SELECT count(*) FROM n)::text, count(*)::text,"
        " pg_notify('" USERS_ACCESS_CHANNEL "', $7) FROM e",
        7, params, &res));
    if (r == AUTH_OK && strcmp(db_value(res, 0, 0), "1") != 0) {
        log_warn("msg=\"password not changed: changed or disabled meanwhile\" user=%lld",
                 out->user_id);
        r = AUTH_ERROR;
    }
    if (r == AUTH_OK) {
        out->must_change = false;
        *ended = atoll(db_value(res, 0, 1));
        auth_forget_user(a, out->name); /* the sessions it ended end here at once */
    }
    db_result_free(res);
    return r;
}

/* p's current password checked as a sign-in's, throttled with the
 * sign-ins of p's account and client (ukey: the account's key); a wrong
 * one or a throttled attempt audited as `action`. *user: p's row on
 * AUTH_OK (the caller frees it). */
static enum auth_result confirm(struct auth *a, const struct principal *p, const char *current,
                                const char *client, const char *action, char ukey[128],
                                struct db_result **user, long *retry_after)
{
    char akey[128];
    snprintf(ukey, 128, "user:%.100s", p->name);
    snprintf(akey, sizeof akey, "addr:%.100s", client);
    *user = NULL;
    *retry_after = throttle_attempt(a->throttle, ukey, akey, time(NULL));
    if (*retry_after > 0) {
        audit_login(a, p->name, client, action, "throttled", NULL, NULL);
        return AUTH_THROTTLED;
    }
    enum auth_result r = find_user(a, p->name, user);
    if (r == AUTH_OK)
        r = check_password(*user, current);
    if (r == AUTH_OK && atoll(db_value(*user, 0, 0)) != p->user_id)
        r = AUTH_DENIED;
    throttle_settle(a->throttle, ukey, r == AUTH_DENIED, time(NULL));
    throttle_settle(a->throttle, akey, r == AUTH_DENIED, time(NULL));
    if (r == AUTH_DENIED)
        audit_login(a, p->name, client, action, "denied", NULL, NULL);
    if (r != AUTH_OK) {
        db_result_free(*user);
        *user = NULL;
    }
    return r;
}

enum auth_result auth_confirm_password(struct auth *a, const struct principal *p,
                                       const char *current, const char *client, const char *action,
                                       long *retry_after)
{
    char ukey[128];
    struct db_result *user = NULL;
    enum auth_result r = confirm(a, p, current, client, action, ukey, &user, retry_after);
    if (r == AUTH_OK)
        throttle_clear(a->throttle, ukey);
    db_result_free(user);
    return r;
}

enum auth_result auth_change_password(struct auth *a, const struct principal *p,
                                      const char *current, const char *password, const char *client,
                                      char session_id[AUTH_SESSION_LEN + 1], struct principal *out,
                                      long *retry_after)
{
    char ukey[128], *phc = NULL;
    struct db_result *user = NULL;
    long long ended = 0;
    *out = *p;
    enum auth_result r =
        confirm(a, p, current, client, "password_change", ukey, &user, retry_after);
    if (r == AUTH_OK)
        r = hash_new(password, &phc);
    if (r == AUTH_OK)
        r = replace_password(a, out, db_value(user, 0, 4), phc, client, session_id, &ended);
    if (r == AUTH_OK) {
        json_t *extra = json_pack("{s:I}", "sessions_ended", (json_int_t)ended);
        throttle_clear(a->throttle, ukey);
        audit_login(a, p->name, client, "password_change", "ok", out->session, extra);
        json_decref(extra);
    }
    free(phc);
    db_result_free(user);
    return r;
}

void auth_logout(struct auth *a, const struct principal *p, const char *client)
{
    char key[DIGEST_HEX_LEN + 3];
    if (!*p->session)
        return;
    const char *params[] = {p->session, p->name};
    snprintf(key, sizeof key, "s:%s", p->session);
    cache_remove(a->cache, key);
    enum pool_status st = pool_query(a->pool,
                                     "WITH e AS (UPDATE kpi.session SET ended_at = now()"
                                     " WHERE id_hash = $1 AND ended_at IS NULL RETURNING 1)"
                                     " SELECT pg_notify('" USERS_ACCESS_CHANNEL "', $2) FROM e",
                                     2, params, NULL);
    audit_login(a, p->name, client, "logout", st == POOL_OK ? "ok" : "failed", p->session, NULL);
}

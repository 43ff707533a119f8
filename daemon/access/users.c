#include "users.h"

#include "audit.h"
#include "digest.h"
#include "log.h"
#include "password.h"
#include "principal.h"
#include "random.h"
#include "utf8.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool users_password_ok(const char *password, char *err, size_t errlen)
{
    size_t n = strlen(password);
    if (n >= PASSWORD_MIN_LENGTH && n <= PASSWORD_MAX_LENGTH)
        return true;
    snprintf(err, errlen, "a password has %d to %d bytes", PASSWORD_MIN_LENGTH,
             PASSWORD_MAX_LENGTH);
    return false;
}

/* Whether a change may end someone's access (a role, a branch, a
 * password, a disabled user, a revoked token). */
static bool ends_access(const char *action)
{
    static const char *const actions[] = {"user_set", "user_passwd", "user_disable",
                                          "token_revoke"};
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
        if (strcmp(action, actions[i]) == 0)
            return true;
    return false;
}

/* One row of the audit log for a change, in its transaction: by who and
 * from where (by: an administrator over HTTP, or a command: the system user
 * from cli:HOST role:ROLE), or with by NULL (a test's setup) by cli:ROLE,
 * the database role running it. A change that may end access also
 * notifies the daemons (retentiond_access, the user's name as payload, ""
 * when not known: delivered at commit), which then read that user's
 * sessions and tokens again at once, not after access.session_cache. */
static bool audit_change(struct db *db, const struct users_by *by, const char *action,
                         const char *user, json_t *params)
{
    struct db_result *res = NULL;
    const char *notify[] = {user ? user : ""};
    bool ok = (!ends_access(action) ||
               db_query(db, "SELECT pg_notify('" USERS_ACCESS_CHANNEL "', $1)", 1, notify, NULL)) &&
              (by || db_query(db, "SELECT 'cli:' || current_user", 0, NULL, &res));
    if (ok) {
        struct audit_row row = {.who = by ? by->who : db_value(res, 0, 0),
                                .action = action,
                                .params = params,
                                .client = by ? by->client : NULL,
                                .outcome = "ok",
                                .detail = user};
        ok = audit_insert(db, &row);
    }
    db_result_free(res);
    json_decref(params);
    return ok;
}

/* Runs sql (one row back when it applied) and the audit row in one
 * transaction; *applied tells whether a row came back. With key, the audit
 * row's params[key] is the first value of that row: what the statement
 * found, not what was typed. */
static bool change_returning(struct db *db, const struct users_by *by, const char *sql, int n,
                             const char *const *params, const char *action, const char *user,
                             json_t *audit_params, const char *key, bool *applied)
{
    struct db_result *res = NULL;
    *applied = false;
    if (!db_begin(db)) {
        json_decref(audit_params);
        return false;
    }
    bool ok = db_query(db, sql, n, params, &res);
    *applied = ok && db_rows(res) > 0;
    if (*applied && key)
        json_object_set_new(audit_params, key, json_string(db_value(res, 0, 0)));
    db_result_free(res);
    ok = ok && (!*applied || audit_change(db, by, action, user, audit_params));
    if (!*applied)
        json_decref(audit_params);
    if (ok && db_commit(db))
        return true;
    db_rollback(db);
    return false;
}

static bool change(struct db *db, const struct users_by *by, const char *sql, int n,
                   const char *const *params, const char *action, const char *user,
                   json_t *audit_params, bool *applied)
{
    return change_returning(db, by, sql, n, params, action, user, audit_params, NULL, applied);
}

bool recipients_address_ok(const char *address)
{
    return users_email_ok(address) && !strpbrk(address, "<>\",") && strlen(address) <= 254;
}

bool recipients_removal_ok(const char *address)
{
    size_t n = strlen(address);
    if (n == 0 || n > 320 || !strchr(address, '@') || !utf8_valid(address, n))
        return false;
    for (const unsigned char *c = (const unsigned char *)address; *c; c++)
        if (*c <= ' ' || *c == 0x7f)
            return false;
    return true;
}

bool recipients_add(struct db *db, const struct users_by *by, const char *branch,
                    const char *address, bool *exists)
{
    const char *params[] = {branch, address};
    bool applied = false;
    bool ok = change(db, by,
                     /* one row per branch and lower(address): migration 017 */
                     "INSERT INTO kpi.bulletin_recipient (branch_code, address) VALUES ($1, $2)"
                     " ON CONFLICT DO NOTHING RETURNING 1",
                     2, params, "bulletin_recipient_add", branch,
                     json_pack("{s:s, s:s}", "branch", branch, "address", address), &applied);
    *exists = ok && !applied;
    return ok;
}

bool recipients_remove(struct db *db, const struct users_by *by, const char *branch,
                       const char *address, bool *found)
{
    const char *params[] = {branch, address};
    /* the address audited as stored (the address a bulletin went to), not as typed */
    bool ok = change_returning(db, by,
                               "DELETE FROM kpi.bulletin_recipient WHERE branch_code = $1"
                               " AND lower(address) = lower($2) RETURNING address",
                               2, params, "bulletin_recipient_remove", branch,
                               json_pack("{s:s}", "branch", branch), "address", found);
    return ok;
}

bool users_email_ok(const char *email)
{
    const char *at = strchr(email, '@');
    if (!at || at == email || !at[1] || strchr(at + 1, '@'))
        return false;
    /* printable ASCII only: the tables' CHECK refuses any [:space:] (in a
     * UTF-8 database also U+3000 and U+00A0, which an input method types),
     * and mail is sent to ASCII addresses only (mail/) */
    for (const unsigned char *c = (const unsigned char *)email; *c; c++)
        if (*c <= ' ' || *c >= 0x7f)
            return false;
    return true;
}

/* Whether `sql` ($1 = value) finds a row (*found); false on a database
 * error (logged). */
static bool row_found(struct db *db, const char *sql, const char *value, bool *found)
{
    const char *params[] = {value};
    struct db_result *res = NULL;
    bool ok = db_query(db, sql, 1, params, &res);
    *found = ok && db_rows(res) > 0;
    db_result_free(res);
    return ok;
}

bool users_known(struct db *db, const char *name, bool *known)
{
    return row_found(db, "SELECT 1 FROM kpi.app_user WHERE name = $1", name, known);
}

bool users_branch_known(struct db *db, const char *code, bool *known)
{
    return row_found(db, "SELECT 1 FROM dw.branch WHERE code = $1", code, known);
}

/* Whether a user of that name exists (false also on a database error,
 * logged). */
static bool user_exists(struct db *db, const char *name)
{
    bool known = false;
    return users_known(db, name, &known) && known;
}

/* Why a user was not added: the name taken, or the branch unknown. */
static void why_not_added(struct db *db, const char *name, const char *branch, char *err,
                          size_t errlen)
{
    char q[200];
    if (user_exists(db, name))
        snprintf(err, errlen, "user '%s' exists already", name);
    else
        snprintf(err, errlen, "no branch with code '%s' in dw.branch",
                 log_quote(q, sizeof q, branch));
}

bool users_add(struct db *db, const struct users_by *by, const char *name, const char *role,
               const char *branch, const char *email, const char *password, bool temporary,
               char *err, size_t errlen)
{
    char *phc = NULL;
    err[0] = '\0';
    if (!users_password_ok(password, err, errlen))
        return false;
    if (password_hash(password, &phc) != PASSWORD_OK)
        return false; /* logged */
    bool ok = users_add_phc(db, by, name, role, branch, email, phc, temporary, err, errlen);
    free(phc);
    return ok;
}

/* Why a role and a branch do not go together: a branch manager's missing,
 * or another role's given. */
static void branch_said(const char *role, char *err, size_t errlen)
{
    if (strcmp(role, "branch_manager") == 0)
        snprintf(err, errlen, "a branch_manager needs --branch CODE");
    else
        snprintf(err, errlen, "--branch: a%s %s has no branch (only a branch_manager has one)",
                 role[0] && strchr("aeiou", role[0]) ? "n" : "", role);
}

bool users_add_phc(struct db *db, const struct users_by *by, const char *name, const char *role,
                   const char *branch, const char *email, const char *phc, bool temporary,
                   char *err, size_t errlen)
{
    bool applied = false, ok = false;
    err[0] = '\0';
    int r = role_parse(role);
    if (!principal_name_ok(name)) {
        snprintf(err, errlen, "a user name has 1 to 64 letters, digits, '_', '.', '@' or '-'");
        return false;
    }
    if (email && !users_email_ok(email)) {
        char q[120];
        snprintf(err, errlen, "--email '%s' is not an e-mail address",
                 log_quote(q, sizeof q, email));
        return false;
    }
    if (r < 0) {
        snprintf(err, errlen, "--role must be executive, branch_manager, auditor or admin");
        return false;
    }
    if ((r == ROLE_BRANCH_MANAGER) != (branch != NULL)) {
        branch_said(role, err, errlen);
        return false;
    }
    const char *params[] = {name, role, branch, email, phc, temporary ? "true" : "false"};
    ok = change(db, by,
                "INSERT INTO kpi.app_user (name, role, branch_code, email, password_hash,"
                " must_change) SELECT $1, $2, $3, $4, $5, $6::boolean"
                " WHERE $3::text IS NULL OR EXISTS (SELECT 1 FROM dw.branch WHERE code = $3)"
                " ON CONFLICT (name) DO NOTHING RETURNING user_id",
                6, params, "user_add", name,
                json_pack("{s:s, s:s, s:o, s:o, s:b}", "name", name, "role", role, "branch",
                          branch ? json_string(branch) : json_null(), "email",
                          email ? json_string(email) : json_null(), "temporary", temporary),
                &applied);
    if (ok && !applied)
        why_not_added(db, name, branch, err, errlen);
    return ok && applied;
}

bool users_passwd(struct db *db, const struct users_by *by, const char *name, const char *password,
                  bool temporary, char *err, size_t errlen)
{
    char *phc = NULL;
    err[0] = '\0';
    if (!users_password_ok(password, err, errlen) || password_hash(password, &phc) != PASSWORD_OK)
        return false;
    bool ok = users_passwd_phc(db, by, name, phc, temporary, err, errlen);
    free(phc);
    return ok;
}

bool users_passwd_phc(struct db *db, const struct users_by *by, const char *name, const char *phc,
                      bool temporary, char *err, size_t errlen)
{
    bool applied = false;
    err[0] = '\0';
    const char *params[] = {name, phc, temporary ? "true" : "false"};
    bool ok = change(db, by,
                     "WITH u AS (UPDATE kpi.app_user SET password_hash = $2,"
                     " must_change = $3::boolean, changed_at = now()"
                     " WHERE name = $1 RETURNING user_id),"
                     " s AS (UPDATE kpi.session SET ended_at = now()"
                     " WHERE user_id IN (SELECT user_id FROM u) AND ended_at IS NULL)"
                     " SELECT user_id FROM u",
                     3, params, "user_passwd", name,
                     json_pack("{s:s, s:b}", "name", name, "temporary", temporary), &applied);
    if (ok && !applied)
        snprintf(err, errlen, "no user named '%s'", name);
    return ok && applied;
}

bool users_disable(struct db *db, const struct users_by *by, const char *name, char *err,
                   size_t errlen)
{
    bool applied = false;
    const char *params[] = {name};
    err[0] = '\0';
    bool ok = change(db, by,
                     "WITH u AS (UPDATE kpi.app_user SET disabled = true, changed_at = now()"
                     " WHERE name = $1 RETURNING user_id),"
                     " s AS (UPDATE kpi.session SET ended_at = now()"
                     " WHERE user_id IN (SELECT user_id FROM u) AND ended_at IS NULL)"
                     " SELECT user_id FROM u",
                     1, params, "user_disable", name, json_pack("{s:s}", "name", name), &applied);
    if (ok && !applied)
        snprintf(err, errlen, "no user named '%s'", name);
    return ok && applied;
}

bool users_enable(struct db *db, const struct users_by *by, const char *name, bool *already,
                  char *err, size_t errlen)
{
    bool applied = false;
    const char *params[] = {name};
    err[0] = '\0';
    *already = false;
    bool ok = change(db, by,
                     "UPDATE kpi.app_user SET disabled = false, changed_at = now()"
                     " WHERE name = $1 AND disabled RETURNING user_id",
                     1, params, "user_enable", name, json_pack("{s:s}", "name", name), &applied);
    if (ok && !applied && !(*already = user_exists(db, name)))
        snprintf(err, errlen, "no user named '%s'", name);
    return ok && (applied || *already);
}

/* What a user set refuses before reading the user. */
static bool set_args_ok(const struct user_change *c, char *err, size_t errlen)
{
    const char *why = NULL;
    char q[120];
    if (!c->role && !c->branch && !c->email && !c->no_email)
        why = "user set needs --role, --branch, --email or --no-email";
    else if (c->email && c->no_email)
        why = "--email and --no-email cannot be given together";
    else if (c->role && role_parse(c->role) < 0)
        why = "--role must be executive, branch_manager, auditor or admin";
    bool bad_email = !why && c->email && !users_email_ok(c->email);
    if (why)
        snprintf(err, errlen, "%s", why);
    else if (bad_email)
        snprintf(err, errlen, "--email '%s' is not an e-mail address",
                 log_quote(q, sizeof q, c->email));
    return !why && !bad_email;
}

/* The user's new role, branch and address (out[0..2]) from the old ones
 * and the change; false (err) when the branch does not fit the role. */
static bool set_resolve(const char *const old[3], const struct user_change *c, const char *out[3],
                        char *err, size_t errlen)
{
    out[0] = c->role ? c->role : old[0];
    bool manager = strcmp(out[0], "branch_manager") == 0;
    out[1] = !manager ? NULL : c->branch ? c->branch : old[1];
    out[2] = c->no_email ? NULL : c->email ? c->email : old[2];
    if (manager == (out[1] != NULL) && (manager || !c->branch))
        return true;
    branch_said(out[0], err, errlen);
    return false;
}

static bool same_text(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* Writes the new values (ending the sessions when the scope changed) and
 * the audit row; false with err when the branch is unknown. */
static bool set_write(struct db *db, const struct users_by *by, const char *name,
                      const char *const old[3], const char *const now[3], bool ended, char *err,
                      size_t errlen)
{
    char q[200];
    struct db_result *res = NULL;
    const char *params[] = {name, now[0], now[1], now[2], ended ? "t" : "f"};
    bool ok = db_query(db,
                       "WITH u AS (UPDATE kpi.app_user SET role = $2, branch_code = $3,"
                       " email = $4, changed_at = now() WHERE name = $1 AND ($3::text IS NULL"
                       " OR EXISTS (SELECT 1 FROM dw.branch WHERE code = $3)) RETURNING user_id),"
                       " s AS (UPDATE kpi.session SET ended_at = now()"
                       " WHERE $5::boolean AND user_id IN (SELECT user_id FROM u)"
                       " AND ended_at IS NULL)"
                       " SELECT user_id FROM u",
                       5, params, &res);
    bool applied = ok && db_rows(res) > 0;
    db_result_free(res);
    if (ok && !applied)
        snprintf(err, errlen, "no branch with code '%s' in dw.branch",
                 log_quote(q, sizeof q, now[1]));
    return applied &&
           audit_change(
               db, by, "user_set", name,
               json_pack("{s:s, s:s, s:o, s:o, s:{s:s, s:o, s:o}, s:b}", "name", name, "role",
                         now[0], "branch", now[1] ? json_string(now[1]) : json_null(), "email",
                         now[2] ? json_string(now[2]) : json_null(), "before", "role", old[0],
                         "branch", old[1] ? json_string(old[1]) : json_null(), "email",
                         old[2] ? json_string(old[2]) : json_null(), "sessions_ended", ended));
}

bool users_set(struct db *db, const struct users_by *by, const char *name,
               const struct user_change *c, bool *ended, bool *unchanged, char *err, size_t errlen)
{
    struct db_result *res = NULL;
    const char *params[] = {name}, *old[3], *now[3];
    bool ok = false;
    err[0] = '\0';
    *ended = *unchanged = false;
    if (!set_args_ok(c, err, errlen) || !db_begin(db))
        return false;
    if (!db_query(db,
                  "SELECT role, branch_code, email FROM kpi.app_user WHERE name = $1 FOR UPDATE", 1,
                  params, &res))
        goto done;
    if (db_rows(res) == 0) {
        char q[200];
        snprintf(err, errlen, "no user named '%s'", log_quote(q, sizeof q, name));
        goto done;
    }
    for (int i = 0; i < 3; i++)
        old[i] = db_value(res, 0, i);
    if (!set_resolve(old, c, now, err, errlen))
        goto done;
    *ended = !same_text(old[0], now[0]) || !same_text(old[1], now[1]);
    *unchanged = !*ended && same_text(old[2], now[2]);
    ok = *unchanged || set_write(db, by, name, old, now, *ended, err, errlen);
    ok = ok && db_commit(db);
done:
    if (!ok)
        db_rollback(db);
    db_result_free(res);
    return ok;
}

bool users_list(struct db *db, struct buf *out)
{
    struct db_result *res = NULL;
    if (!db_query(db,
                  "SELECT u.name, u.role, coalesce(u.branch_code, '-'), coalesce(u.email, '-'),"
                  " CASE WHEN u.disabled THEN 'disabled' ELSE 'enabled' END,"
                  " (SELECT count(*) FROM kpi.session s"
                  "  WHERE s.user_id = u.user_id AND s.ended_at IS NULL)::text,"
                  " (SELECT count(*) FROM kpi.api_token t"
                  "  WHERE t.user_id = u.user_id AND t.revoked_at IS NULL)::text"
                  " FROM kpi.app_user u ORDER BY u.name",
                  0, NULL, &res))
        return false;
    buf_printf(out, "%-20s %-15s %-8s %-30s %-8s %8s %6s\n", "name", "role", "branch", "email",
               "status", "sessions", "tokens");
    for (int i = 0; i < db_rows(res); i++)
        buf_printf(out, "%-20s %-15s %-8s %-30s %-8s %8s %6s\n", db_value(res, i, 0),
                   db_value(res, i, 1), db_value(res, i, 2), db_value(res, i, 3),
                   db_value(res, i, 4), db_value(res, i, 5), db_value(res, i, 6));
    db_result_free(res);
    return true;
}

bool tokens_add(struct db *db, const struct users_by *by, const char *user, char out[TOKEN_LEN + 1],
                long long *id, char *err, size_t errlen)
{
    char secret[65], hash[DIGEST_HEX_LEN + 1];
    struct db_result *res = NULL;
    bool ok = false;
    err[0] = '\0';
    if (!random_hex(32, secret))
        return false;
    snprintf(out, TOKEN_LEN + 1, "rt_%s", secret);
    digest_sha256_hex(out, strlen(out), hash);
    char max[16];
    snprintf(max, sizeof max, "%d", TOKENS_MAX);
    const char *params[] = {user, hash, max};
    if (!db_begin(db))
        goto done;
    /* the user's row locked first (a statement of its own: the count below
     * sees what a concurrent add committed), so that two adds at once count
     * one another */
    if (!db_query(db, "SELECT disabled FROM kpi.app_user WHERE name = $1 FOR UPDATE", 1, params,
                  &res))
        goto done;
    if (db_rows(res) == 0 || strcmp(db_value(res, 0, 0), "t") == 0) {
        snprintf(err, errlen, db_rows(res) ? "the user '%s' is disabled" : "no user named '%s'",
                 user);
        goto done;
    }
    db_result_free(res);
    res = NULL;
    if (!db_query(db,
                  "INSERT INTO kpi.api_token (user_id, token_hash)"
                  " SELECT u.user_id, $2 FROM kpi.app_user u WHERE u.name = $1 AND NOT u.disabled"
                  " AND (SELECT count(*) FROM kpi.api_token t WHERE t.user_id = u.user_id"
                  " AND t.revoked_at IS NULL) < $3::int"
                  " RETURNING token_id::text",
                  3, params, &res))
        goto done;
    if (db_rows(res) == 0) {
        snprintf(err, errlen, "'%s' has %d live tokens, the most a user may have: revoke one", user,
                 TOKENS_MAX);
        goto done;
    }
    *id = atoll(db_value(res, 0, 0));
    ok = audit_change(db, by, "token_add", user,
                      json_pack("{s:s, s:I}", "user", user, "token_id", (json_int_t)*id)) &&
         db_commit(db);
done:
    if (!ok)
        db_rollback(db);
    db_result_free(res);
    memset(secret, 0, sizeof secret);
    return ok;
}

bool tokens_revoke(struct db *db, const struct users_by *by, long long id, const char *owner,
                   char *err, size_t errlen)
{
    char text[32];
    bool applied = false;
    snprintf(text, sizeof text, "%lld", id);
    const char *params[] = {text, owner};
    err[0] = '\0';
    bool ok = change(db, by,
                     "UPDATE kpi.api_token t SET revoked_at = now() FROM kpi.app_user u"
                     " WHERE t.token_id = $1::bigint AND t.revoked_at IS NULL"
                     " AND u.user_id = t.user_id AND ($2::text IS NULL OR u.name = $2)"
                     " RETURNING t.token_id",
                     2, params, "token_revoke", owner,
                     json_pack("{s:I}", "token_id", (json_int_t)id), &applied);
    if (ok && !applied)
        snprintf(err, errlen, "no live token with id %lld", id);
    return ok && applied;
}

bool tokens_list(struct db *db, const char *user, struct buf *out, char *err, size_t errlen)
{
    struct db_result *res = NULL;
    const char *params[] = {user};
    err[0] = '\0';
    if (user && !user_exists(db, user)) {
        snprintf(err, errlen, "no user named '%s'", user);
        return false;
    }
    if (!db_query(
            db,
            "SELECT t.token_id::text, u.name,"
            " to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'),"
            " coalesce(to_char(t.last_used_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), '-'),"
            " coalesce(to_char(t.revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), '-')"
            " FROM kpi.api_token t JOIN kpi.app_user u USING (user_id)"
            " WHERE $1::text IS NULL OR u.name = $1 ORDER BY t.token_id",
            1, params, &res))
        return false;
    buf_printf(out, "%6s %-20s %-16s %-16s %-16s\n", "id", "user", "created (UTC)", "last used",
               "revoked");
    for (int i = 0; i < db_rows(res); i++)
        buf_printf(out, "%6s %-20s %-16s %-16s %-16s\n", db_value(res, i, 0), db_value(res, i, 1),
                   db_value(res, i, 2), db_value(res, i, 3), db_value(res, i, 4));
    db_result_free(res);
    return true;
}

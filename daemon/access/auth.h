/* Signing in and knowing who asks (docs/access.md), for the daemon:
 *
 * - auth_login(): throttled per account and per client address before any
 *   password is hashed; the password checked with argon2id (an unknown or
 *   disabled user costs the same hash); a new session id (256 bits from the
 *   CSPRNG) at every sign-in, stored as its SHA-256 with a CSRF token.
 * - auth_session(): a session id (the cookie) to a principal, through a
 *   short cache (access.session_cache seconds) in front of kpi.session, so
 *   that two daemons on one database share sessions and a restart signs
 *   nobody out; idle (access.session_idle) and absolute
 *   (access.session_absolute) expiry, the user disabled, and a sign-out
 *   end it. last_seen is written at most once a minute. While the
 *   database does not answer, a session (or token) this daemon read within
 *   the idle timeout stands (not past its absolute lifetime), so that the
 *   snapshot keeps being served; a sign-in needs the database.
 * - auth_token(): a bearer token to a principal (tokens are stored as
 *   their SHA-256); each token's use is audited at most once in ten minutes.
 * - auth_logout(): ends the session on the server.
 * - auth_change_password(): a signed-in user's new password, the current
 *   one checked and throttled as a sign-in; every session of the user
 *   ends and the browser that asked gets a new one.
 *
 * Every sign-in, failed sign-in and sign-out is written to the audit log.
 * Passwords, session ids and tokens are never logged (a session is named
 * by its hash).
 *
 * Ownership: auth_new() gives the caller an auth to auth_free(); it
 * borrows the pool and the audit writer, which must outlive it. */
#ifndef RETENTIOND_AUTH_H
#define RETENTIOND_AUTH_H

#include "audit.h"
#include "pool.h"
#include "principal.h"

#include <stdbool.h>

/* A session id as the cookie carries it: 64 hex digits. */
#define AUTH_SESSION_LEN 64

struct auth_options {
    int idle_seconds;     /* access.session_idle */
    int absolute_seconds; /* access.session_absolute */
    int cache_seconds;    /* access.session_cache */
};

enum auth_result {
    AUTH_OK,
    AUTH_DENIED,    /* no such session or token, a wrong name or password, expired, disabled */
    AUTH_THROTTLED, /* too many failures: *retry_after seconds */
    AUTH_BUSY,      /* the database pool or the password hashes are all busy */
    AUTH_ERROR      /* the database failed (logged) */
};

struct auth;

struct auth *auth_new(struct pool *pool, struct audit *audit, const struct auth_options *o);
void auth_free(struct auth *a);
void auth_configure(struct auth *a, const struct auth_options *o);

/* Signs name in with password from client (an IP address): on AUTH_OK,
 * session_id receives the new session's id (to set as the cookie) and out
 * the principal. */
enum auth_result auth_login(struct auth *a, const char *name, const char *password,
                            const char *client, char session_id[AUTH_SESSION_LEN + 1],
                            struct principal *out, long *retry_after);
enum auth_result auth_session(struct auth *a, const char *session_id, struct principal *out);
enum auth_result auth_token(struct auth *a, const char *token, const char *client,
                            struct principal *out);
/* Ends p's session (a no-op for a token) and audits it. */
void auth_logout(struct auth *a, const struct principal *p, const char *client);

/* Changes the password of p (a session's principal) from `current` to
 * `password` (acceptable: users_password_ok()), asked from client. The
 * current password is checked as a sign-in's, and throttled with the
 * sign-ins of p's account and client: a wrong one counts as a failed
 * sign-in (AUTH_DENIED; AUTH_THROTTLED with *retry_after). On AUTH_OK the
 * new hash, the end of every live session of the user (this one too) and
 * a new session for client commit together: session_id receives its id
 * (the new cookie) and out its principal. Audited as password_change (ok
 * with the new session's hash and sessions_ended, denied, throttled). */
enum auth_result auth_change_password(struct auth *a, const struct principal *p,
                                      const char *current, const char *password, const char *client,
                                      char session_id[AUTH_SESSION_LEN + 1], struct principal *out,
                                      long *retry_after);

/* Checks p's current password as auth_change_password does (throttled with
 * the sign-ins of p's account and client; a wrong one counts as a failed
 * sign-in): for what a stolen session must not do alone (make a token).
 * A wrong or throttled attempt is audited as `action`. */
enum auth_result auth_confirm_password(struct auth *a, const struct principal *p,
                                       const char *current, const char *client, const char *action,
                                       long *retry_after);

/* Makes every session and token this daemon has cached be read again from
 * the database at its next use: what a change there ended (a new password,
 * the user's own or an administrator's, a disabled user) ends here at
 * once, not after access.session_cache. */
void auth_forget_all(struct auth *a);
/* The same for one user's sessions and tokens (name: the user's; NULL or
 * "": every user's). A user's new password, new role or branch, disabling
 * and a revoked token forget that user: the others' stay cached (and keep
 * standing in while the database is away). */
void auth_forget_user(struct auth *a, const char *name);

/* Whether two secrets are equal, in time independent of where they differ. */
bool auth_same_secret(const char *a, const char *b);

#endif

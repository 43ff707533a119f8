/* Users and bearer tokens (kpi.app_user, kpi.api_token), managed by the
 * commands `retentiond user ...` and `retentiond token ...`, and users also
 * by administrators over HTTP (daemon/http/users_admin.c); and the
 * bulletin's extra recipients (kpi.bulletin_recipient: who else receives a
 * branch's figures), by `retentiond bulletin recipients ...` and
 * administrators over HTTP (daemon/http/recipients_admin.c). Every change is
 * written to the audit log in the same transaction ("who" is the database
 * role running the command, as cli:ROLE, when by is NULL; else by's who:
 * the administrator or user over HTTP, or the system user running
 * `bulletin recipients`).
 *
 * Ownership: strings are borrowed for the call; the caller's buffers
 * receive the results. */
#ifndef RETENTIOND_USERS_H
#define RETENTIOND_USERS_H

#include "buf.h"
#include "db.h"

#include <stdbool.h>
#include <stddef.h>

/* A bearer token: "rt_" and 64 hex digits (256 bits from the CSPRNG). */
#define TOKEN_LEN 67

/* The channel a change that may end someone's access is notified on, in
 * its transaction, with the user's name as payload ("" when not known:
 * every user): every daemon (snapshot/refresh.c LISTENs) then reads that
 * user's sessions and tokens again at once, not after
 * access.session_cache. */
#define USERS_ACCESS_CHANNEL "retentiond_access"

/* Who makes a change over HTTP: an administrator's name and client
 * address, for the audit row. The commands pass NULL (who: cli:ROLE, the
 * database role running them). Borrowed for the call. */
struct users_by {
    const char *who;
    const char *client;
};

/* Each returns false with one line in err for a refusal (bad name, role,
 * branch, password; an unknown or duplicate user), or with err empty after
 * a database error (logged). */
/* temporary: the user must change the password (on /account) before
 * their sessions reach anything else (kpi.app_user.must_change). */
bool users_add(struct db *db, const struct users_by *by, const char *name, const char *role,
               const char *branch, const char *email, const char *password, bool temporary,
               char *err, size_t errlen);
/* users_add with the password's PHC string (password_hash()'s), for a
 * caller that hashes before it holds a connection. */
bool users_add_phc(struct db *db, const struct users_by *by, const char *name, const char *role,
                   const char *branch, const char *email, const char *phc, bool temporary,
                   char *err, size_t errlen);
/* A new password ends the user's sessions; temporary as users_add's (a
 * password that is not clears the mark). */
bool users_passwd(struct db *db, const struct users_by *by, const char *name, const char *password,
                  bool temporary, char *err, size_t errlen);
/* users_passwd with the password's PHC string. */
bool users_passwd_phc(struct db *db, const struct users_by *by, const char *name, const char *phc,
                      bool temporary, char *err, size_t errlen);
/* A disabled user's sessions end and tokens stop working. */
bool users_disable(struct db *db, const struct users_by *by, const char *name, char *err,
                   size_t errlen);
/* A disabled user may sign in again (with the password they had; their
 * tokens that were not revoked work again). *already: the user was
 * enabled (nothing changed, nothing audited). */
bool users_enable(struct db *db, const struct users_by *by, const char *name, bool *already,
                  char *err, size_t errlen);
/* What `user set` changes; NULL fields keep what the user has. */
struct user_change {
    const char *role;   /* a role; away from branch_manager drops the branch */
    const char *branch; /* a branch manager's branch (a branch_manager only) */
    const char *email;  /* a new address */
    bool no_email;      /* remove the address */
};
/* Changes a user's role, branch or e-mail address. A new role or branch
 * ends the user's sessions (*ended): their pages were of the old scope.
 * *unchanged: the user had all that already (nothing written, nothing
 * audited). */
bool users_set(struct db *db, const struct users_by *by, const char *name,
               const struct user_change *c, bool *ended, bool *unchanged, char *err, size_t errlen);
/* One line per user: name, role, branch, email, disabled, live sessions, tokens. */
bool users_list(struct db *db, struct buf *out);

/* A user's live (not revoked) tokens at most: an add beyond is refused. */
#define TOKENS_MAX 20
/* A new token for the user (enabled, with fewer than TOKENS_MAX live
 * tokens): out receives it (shown once; only its SHA-256 is stored) and
 * *id its id. by: who asks (NULL: a command). */
bool tokens_add(struct db *db, const struct users_by *by, const char *user, char out[TOKEN_LEN + 1],
                long long *id, char *err, size_t errlen);
/* Revokes the live token id; owner: only when it is that user's (NULL: any
 * user's). A token not live (or not owner's) is refused with err. */
bool tokens_revoke(struct db *db, const struct users_by *by, long long id, const char *owner,
                   char *err, size_t errlen);
/* One line per token (of user, or of all when NULL): id, user, created,
 * last used, revoked (UTC); never the token. An unknown user is refused
 * (err), not an empty list. */
bool tokens_list(struct db *db, const char *user, struct buf *out, char *err, size_t errlen);

/* An extra recipient of a branch's bulletin: added unless the branch has
 * the address already, in any case (*exists); removed in any case (*found
 * false when it was not there). The branch must exist, the address pass
 * recipients_address_ok (else the database refuses: false). A change is
 * audited in its transaction (bulletin_recipient_add|remove, by; a removal
 * names the address as it was stored, not as typed). */
bool recipients_add(struct db *db, const struct users_by *by, const char *branch,
                    const char *address, bool *exists);
bool recipients_remove(struct db *db, const struct users_by *by, const char *branch,
                       const char *address, bool *found);
/* Whether an address fits kpi.bulletin_recipient's CHECK: one @, text on
 * both sides, no spaces, no < > " or comma. */
bool recipients_address_ok(const char *address);
/* Whether an address may name a stored recipient to remove: any the table
 * may hold, also what recipients_address_ok refuses now and an earlier
 * version let in (non-ASCII): one line of UTF-8, 1-320 bytes, with an @ and
 * no ASCII space. Whether it is there, the removal says. */
bool recipients_removal_ok(const char *address);

/* Whether a user of that name exists, or a branch of that code in
 * dw.branch (*known); false on a database error (logged). */
bool users_known(struct db *db, const char *name, bool *known);
bool users_branch_known(struct db *db, const char *code, bool *known);

/* Whether an address has one @ with text on both sides, and only
 * printable ASCII without spaces (kpi.app_user's CHECK, and what mail/
 * sends to). */
bool users_email_ok(const char *email);
/* Whether a password is acceptable (length PASSWORD_MIN_LENGTH..MAX). */
bool users_password_ok(const char *password, char *err, size_t errlen);

#endif

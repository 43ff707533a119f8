/* Who asks: a signed-in user (through a session or a bearer token), with
 * the role and the scope that decide what they may see (docs/access.md).
 *
 * Ownership: a plain value; copy it freely. */
#ifndef RETENTIOND_PRINCIPAL_H
#define RETENTIOND_PRINCIPAL_H

#include <stdbool.h>

enum role { ROLE_EXECUTIVE, ROLE_BRANCH_MANAGER, ROLE_AUDITOR, ROLE_ADMIN, ROLE_COUNT };

struct principal {
    long long user_id;
    char name[65];
    enum role role;
    char branch[65];    /* a branch manager's branch code; "" = every branch */
    char csrf[65];      /* the session's CSRF token; "" for a bearer token */
    char session[65];   /* hex SHA-256 of the session id; "" for a bearer token */
    long long token_id; /* the bearer token's id; 0 for a session */
    /* a session's user has a temporary password to change before anything
     * else (kpi.app_user.must_change); false for a bearer token */
    bool must_change;
};

const char *role_name(enum role r);
/* -1 when unknown */
int role_parse(const char *name);

/* Whether name can be a user's: 1..64 letters, digits and _ . @ -
 * (kpi.app_user's CHECK). */
bool principal_name_ok(const char *name);

/* The branch (code) whose subtree p may see, or NULL for every branch. */
const char *principal_scope(const struct principal *p);

#endif

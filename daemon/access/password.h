/* Passwords: argon2id (libargon2) with OWASP's parameters (m = 19 MiB,
 * t = 2, p = 1), stored as PHC strings ("$argon2id$v=19$m=19456,t=2,p=1$..."),
 * with a 16-byte salt from the system's CSPRNG. Each hash takes 19 MiB and
 * tens of milliseconds, so at most `limit` are computed at once: a caller
 * waits for a free place up to a deadline, then gives up (the HTTP layer
 * answers 503).
 *
 * Ownership: password_hash() gives the caller a string to free(). */
#ifndef RETENTIOND_PASSWORD_H
#define RETENTIOND_PASSWORD_H

#include <stdbool.h>

#define PASSWORD_M_COST_KIB 19456 /* 19 MiB */
#define PASSWORD_T_COST     2
#define PASSWORD_LANES      1
#define PASSWORD_MIN_LENGTH 8
#define PASSWORD_MAX_LENGTH 1024

enum password_result { PASSWORD_OK, PASSWORD_MISMATCH, PASSWORD_BUSY, PASSWORD_ERROR };

/* How many hashes may run at once (default: 2); wait_ms: how long a caller
 * waits for a place (default 2000). */
void password_set_limit(int limit, int wait_ms);

/* A PHC string of password; PASSWORD_BUSY when no place came free in time. */
enum password_result password_hash(const char *password, char **phc);
/* Whether password matches phc (PASSWORD_OK or PASSWORD_MISMATCH). */
enum password_result password_verify(const char *phc, const char *password);

/* A PHC string of a random password, to verify against when the user is
 * unknown, so that an unknown name takes as long as a wrong password. */
const char *password_dummy(void);

#endif

/* Secrets from the system's CSPRNG (getrandom(2)): session ids, CSRF
 * tokens, API tokens, salts.
 *
 * Ownership: results go into the caller's buffers. */
#ifndef RETENTIOND_RANDOM_H
#define RETENTIOND_RANDOM_H

#include <stdbool.h>
#include <stddef.h>

/* n random bytes into out; false (logged) when the system cannot give
 * them (never falls back to a weaker source). */
bool random_bytes(void *out, size_t n);
/* n random bytes as 2n hex digits and a NUL into out (2n + 1 bytes). */
bool random_hex(size_t n, char *out);

#endif

/* Memory: the daemon's one policy for allocation failure. Every allocation
 * in daemon/ goes through these; when the C library cannot give the memory
 * they log one error line (with the size asked for) and abort(): no caller
 * checks for NULL, and no half-built state is ever served.
 *
 * Ownership: what they return is the caller's, freed with free(). Never
 * NULL. A size of 0 is allocated as 1 byte, so that the result is a valid,
 * unique pointer. */
#ifndef RETENTIOND_MEM_H
#define RETENTIOND_MEM_H

#include <stddef.h>

void *xmalloc(size_t size) __attribute__((malloc));
/* Zeroed n * size bytes; n * size overflowing counts as a failure. */
void *xcalloc(size_t n, size_t size) __attribute__((malloc));
/* realloc(p, size): on failure p is not lost, the process ends. */
void *xrealloc(void *p, size_t size);
/* A copy of s, which must not be NULL. */
char *xstrdup(const char *s) __attribute__((malloc, nonnull(1)));
/* A copy of at most n bytes of s (which must not be NULL), NUL-terminated. */
char *xstrndup(const char *s, size_t n) __attribute__((malloc, nonnull(1)));

/* For a library call that allocates inside (tsearch, ...) and failed: logs
 * the call and the size it needed, and aborts as the x* functions do. */
void mem_failed(const char *call, size_t count, size_t size) __attribute__((noreturn));

#endif

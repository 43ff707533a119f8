/* A growable byte buffer for building JSON, CSV, SQL-free text output.
 *
 * Ownership: the buffer owns `data` until buf_detach() hands it to the
 * caller (who frees it with free()) or buf_release() frees it. `data` is
 * always NUL-terminated once anything has been appended. Allocation failure
 * is logged and aborts the process (mem.h), as everywhere in the daemon. */
#ifndef RETENTIOND_BUF_H
#define RETENTIOND_BUF_H

#include <stddef.h>

struct buf {
    char *data;
    size_t len;
    size_t cap;
};

#define BUF_INIT                                                                                   \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

void buf_init(struct buf *b);
void buf_release(struct buf *b);
/* Returns the contents (caller frees) and leaves the buffer empty. Never
 * NULL: an empty buffer detaches as "". */
char *buf_detach(struct buf *b, size_t *len);

void buf_append(struct buf *b, const void *data, size_t len);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_reset(struct buf *b);

#endif

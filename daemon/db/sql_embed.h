/* SQL files embedded into the binary at build time (see sql/embed.py).
 * All returned pointers are to static storage: never free them. */
#ifndef RETENTIOND_SQL_EMBED_H
#define RETENTIOND_SQL_EMBED_H

#include <stddef.h>

struct sql_embed_file {
    const char *name; /* path relative to sql/, e.g. "kpi/k1_retention.sql" */
    const char *text; /* NUL-terminated */
};

/* All embedded files, in build order; *count receives their number. */
const struct sql_embed_file *sql_embed_files(size_t *count);
/* The text of the named file, or NULL if no such file was embedded. */
const char *sql_embed_get(const char *name);

#endif

/* The dashboard's assets (web/), embedded into the binary at build time by
 * web/embed.py. Every pointer is to static storage: never free it. */
#ifndef RETENTIOND_WEB_EMBED_H
#define RETENTIOND_WEB_EMBED_H

#include <stddef.h>

struct web_asset {
    const char *name;          /* path relative to web/, e.g. "style.css" */
    const unsigned char *data; /* len bytes, then a NUL */
    size_t len;
    const char *content_type; /* from the name's extension */
    const char *version;      /* 16 hex digits of the bytes' SHA-256 */
};

/* Every asset; *count receives their number. */
const struct web_asset *web_assets(size_t *count);
/* The asset named name, or NULL. */
const struct web_asset *web_asset_get(const char *name);

#endif

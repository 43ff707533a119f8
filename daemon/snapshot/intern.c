#include "snap_int.h"

#include "log.h"
#include "mem.h"

#include <pthread.h>
#include <string.h>

/* Interned strings: dims, periods, reasons and data-quality rules come from small fixed sets;
 * they are interned once for the life of the process so that runs shared by
 * several snapshots (or read from a file) agree on the numbers. Append-only:
 * an id handed out is published to other threads by the snapshot swap. */

#define MAX_STRINGS 65535

static char *strings[MAX_STRINGS + 1];
static size_t nstrings = 1; /* id 0 = NULL */
static pthread_mutex_t strings_mu = PTHREAD_MUTEX_INITIALIZER;

uint16_t snap_intern(const char *text)
{
    if (!text)
        return 0;
    uint16_t id = 0;
    pthread_mutex_lock(&strings_mu);
    for (size_t i = 1; i < nstrings; i++)
        if (strcmp(strings[i], text) == 0) {
            id = (uint16_t)i;
            goto done;
        }
    if (nstrings <= MAX_STRINGS) {
        strings[nstrings] = xstrdup(text);
        id = (uint16_t)nstrings++;
    } else {
        char quoted[256];
        log_error("msg=\"too many distinct strings in the snapshot\" text=\"%s\"",
                  log_quote(quoted, sizeof quoted, text));
    }
done:
    pthread_mutex_unlock(&strings_mu);
    return id;
}

const char *snap_str(uint16_t id)
{
    return id ? strings[id] : NULL;
}

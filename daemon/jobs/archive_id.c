#include "archive_id.h"

#include "file.h"
#include "random.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ID_FILE "archive-id"

/* The identity in a file's bytes: 32 lower-case hex digits, a newline
 * after them or not. */
static bool id_of(const unsigned char *bytes, size_t len, char out[ARCHIVE_ID_LEN + 1])
{
    if (len == ARCHIVE_ID_LEN + 1 && bytes[ARCHIVE_ID_LEN] == '\n')
        len--;
    if (len != ARCHIVE_ID_LEN)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((bytes[i] >= '0' && bytes[i] <= '9') || (bytes[i] >= 'a' && bytes[i] <= 'f')))
            return false;
    memcpy(out, bytes, ARCHIVE_ID_LEN);
    out[ARCHIVE_ID_LEN] = '\0';
    return true;
}

static bool read_id(const char *path, char out[ARCHIVE_ID_LEN + 1], char *err, size_t errlen)
{
    unsigned char *bytes = NULL;
    size_t len = 0;
    if (!file_read_all(path, 256, &bytes, &len, err, errlen))
        return false;
    bool ok = id_of(bytes, len, out);
    if (!ok)
        snprintf(err, errlen, "%s holds no archive identity (32 hex digits)", path);
    free(bytes);
    return ok;
}

/* A new identity linked into place at path, unless another process's got
 * there first (then that one stays). */
static bool make_id(const char *data_dir, const char *path, char *err, size_t errlen)
{
    char id[ARCHIVE_ID_LEN + 2];
    struct file_staged s = {0};
    bool ok = false;
    if (!random_hex(ARCHIVE_ID_LEN / 2, id)) {
        snprintf(err, errlen, "no random bytes for %s", path);
        return false;
    }
    strcat(id, "\n");
    if (!file_stage(path, id, strlen(id), &s, err, errlen))
        return false;
    if (link(s.tmp, path) == 0)
        ok = file_sync_dir(data_dir, err, errlen);
    else if (errno == EEXIST)
        ok = true;
    else
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
    file_discard(&s);
    return ok;
}

bool archive_id(const char *data_dir, char out[ARCHIVE_ID_LEN + 1], char *err, size_t errlen)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", data_dir, ID_FILE) >= (int)sizeof path) {
        snprintf(err, errlen, "the data directory's path is too long");
        return false;
    }
    /* the directory itself, not its parents (docs/configuration.md): a
     * typo in data_dir is not a second archive grown in a new tree */
    if (mkdir(data_dir, 0750) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create the data directory %s: %s (its parent must exist)",
                 data_dir, strerror(errno));
        return false;
    }
    if (access(path, F_OK) != 0 && errno == ENOENT && !make_id(data_dir, path, err, errlen))
        return false;
    return read_id(path, out, err, errlen);
}

bool archive_me(const char *data_dir, char *out, size_t len, char *err, size_t errlen)
{
    char id[ARCHIVE_ID_LEN + 1], host[256];
    if (!archive_id(data_dir, id, err, errlen))
        return false;
    if (gethostname(host, sizeof host - 1) != 0)
        snprintf(host, sizeof host, "localhost");
    host[sizeof host - 1] = '\0';
    if (snprintf(out, len, "%s/%s:%ld", host, id, (long)getpid()) >= (int)len) {
        snprintf(err, errlen, "the host's name is too long");
        return false;
    }
    return true;
}

void archive_owner(const char *me, char *out, size_t len)
{
    const char *colon = strrchr(me, ':');
    int n = colon ? (int)(colon - me) : (int)strlen(me);
    snprintf(out, len, "%.*s", n, me);
}

void archive_host(const char *me, char *out, size_t len)
{
    archive_owner(me, out, len);
    out[strcspn(out, "/")] = '\0';
}

/* Atomic file writes: see file.h. */
#include "file.h"

#include "buf.h"
#include "mem.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static atomic_uint stage_seq;

bool file_mkdirs(const char *dir, char *err, size_t errlen)
{
    char *path = xstrdup(dir);
    bool ok = true;
    for (char *p = path + 1; ok; p++) {
        bool end = *p == '\0';
        if (*p != '/' && !end)
            continue;
        *p = '\0';
        if (mkdir(path, 0750) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
            ok = false;
        }
        if (end)
            break;
        *p = '/';
    }
    free(path);
    return ok;
}

/* Writes all of bytes to fd; false with errno set. */
static bool write_all(int fd, const unsigned char *bytes, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, bytes, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        bytes += n;
        len -= (size_t)n;
    }
    return true;
}

bool file_stage(const char *path, const void *bytes, size_t len, struct file_staged *out, char *err,
                size_t errlen)
{
    struct buf tmp = BUF_INIT;
    buf_printf(&tmp, "%s.tmp.%ld.%u", path, (long)getpid(), atomic_fetch_add(&stage_seq, 1));
    *out = (struct file_staged){0};
    int fd = open(tmp.data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    bool ok = fd >= 0 && write_all(fd, bytes, len) && fsync(fd) == 0;
    int saved = errno;
    if (fd >= 0 && close(fd) != 0 && ok) {
        ok = false;
        saved = errno;
    }
    if (!ok) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(saved));
        if (fd >= 0)
            unlink(tmp.data);
        buf_release(&tmp);
        return false;
    }
    out->tmp = buf_detach(&tmp, NULL);
    out->path = xstrdup(path);
    return true;
}

/* Syncs the directory that holds path (a rename is durable only then). */
static bool sync_dir(const char *path)
{
    char *copy = xstrdup(path);
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    bool ok = fd >= 0 && fsync(fd) == 0;
    if (fd >= 0)
        close(fd);
    free(copy);
    return ok;
}

bool file_publish(struct file_staged *s, char *err, size_t errlen)
{
    bool ok = rename(s->tmp, s->path) == 0;
    if (!ok)
        snprintf(err, errlen, "cannot rename %s into place: %s", s->path, strerror(errno));
    else if (!sync_dir(s->path)) {
        snprintf(err, errlen, "cannot sync the directory of %s: %s", s->path, strerror(errno));
        ok = false;
    }
    if (!ok)
        unlink(s->tmp);
    free(s->tmp);
    free(s->path);
    *s = (struct file_staged){0};
    return ok;
}

void file_discard(struct file_staged *s)
{
    if (s->tmp)
        unlink(s->tmp);
    free(s->tmp);
    free(s->path);
    *s = (struct file_staged){0};
}

bool file_write_atomic(const char *path, const void *bytes, size_t len, char *err, size_t errlen)
{
    struct file_staged s;
    return file_stage(path, bytes, len, &s, err, errlen) && file_publish(&s, err, errlen);
}

bool file_remove(const char *path, bool *removed, char *err, size_t errlen)
{
    *removed = unlink(path) == 0;
    if (*removed || errno == ENOENT)
        return true;
    snprintf(err, errlen, "cannot remove %s: %s", path, strerror(errno));
    return false;
}

bool file_sync_dir(const char *dir, char *err, size_t errlen)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    bool ok = fd >= 0 && fsync(fd) == 0;
    if (!ok)
        snprintf(err, errlen, "cannot sync the directory %s: %s", dir, strerror(errno));
    if (fd >= 0)
        close(fd);
    return ok;
}

bool file_remove_dir_if_empty(const char *dir, bool *removed, char *err, size_t errlen)
{
    *removed = rmdir(dir) == 0;
    if (!*removed && (errno == ENOTEMPTY || errno == EEXIST || errno == ENOENT))
        return true;
    if (!*removed) {
        snprintf(err, errlen, "cannot remove the directory %s: %s", dir, strerror(errno));
        return false;
    }
    if (!sync_dir(dir)) {
        snprintf(err, errlen, "cannot sync the directory of %s: %s", dir, strerror(errno));
        return false;
    }
    return true;
}

bool file_read_all(const char *path, size_t max, unsigned char **out, size_t *len, char *err,
                   size_t errlen)
{
    FILE *f = fopen(path, "rb");
    struct buf b = BUF_INIT;
    char chunk[16384];
    size_t n;
    bool ok = f != NULL;
    while (ok && (n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        buf_append(&b, chunk, n);
        ok = b.len <= max;
    }
    if (f && ferror(f))
        ok = false;
    if (!ok)
        snprintf(err, errlen, "cannot read %s: %s", path,
                 !f || ferror(f) ? strerror(errno) : "larger than expected");
    if (f)
        fclose(f);
    if (!ok) {
        buf_release(&b);
        return false;
    }
    *out = (unsigned char *)buf_detach(&b, len);
    return true;
}

char *file_absolute(const char *path)
{
    char cwd[4096];
    if (path[0] == '/' || !getcwd(cwd, sizeof cwd))
        return xstrdup(path);
    struct buf abs = BUF_INIT;
    buf_printf(&abs, "%s%s%s", cwd, strcmp(cwd, "/") ? "/" : "", path);
    return buf_detach(&abs, NULL);
}

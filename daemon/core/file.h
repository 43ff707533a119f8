/* Files written so that a reader never sees half of one: the bytes go to a
 * temporary name beside the target (same directory, so the rename is
 * atomic), are fsync'd, and are renamed into place; the directory is
 * fsync'd after the rename, so that the new name survives a crash too.
 *
 * Two steps when several files and a database row must appear together
 * (the bulletin archive): file_stage() writes and syncs the temporary file,
 * file_publish() renames it, file_discard() removes it.
 *
 * Removal (file_remove() and the directory's sync) is the other way round:
 * the name goes, then the directory is fsync'd.
 *
 * Ownership: a struct file_staged holds its two paths (malloc'd) until
 * file_publish() or file_discard(), which free them. */
#ifndef RETENTIOND_FILE_H
#define RETENTIOND_FILE_H

#include <stdbool.h>
#include <stddef.h>

struct file_staged {
    char *tmp;  /* PATH.tmp.PID.N */
    char *path; /* the target */
};

/* Creates dir and its missing parents (mode 0750); false with a reason in
 * err (errlen bytes). */
bool file_mkdirs(const char *dir, char *err, size_t errlen);

/* Writes len bytes to a temporary file beside path and syncs it; false
 * (nothing left behind) with "cannot write PATH: reason" in err. */
bool file_stage(const char *path, const void *bytes, size_t len, struct file_staged *out, char *err,
                size_t errlen);
/* Renames the staged file into place and syncs its directory; false with a
 * reason in err (the temporary file is removed). Frees s's paths. */
bool file_publish(struct file_staged *s, char *err, size_t errlen);
/* Removes the staged file; frees s's paths. Safe on a zeroed struct. */
void file_discard(struct file_staged *s);

/* file_stage() and file_publish() in one. */
bool file_write_atomic(const char *path, const void *bytes, size_t len, char *err, size_t errlen);

/* Removal, for an archive that is pruned: file_remove() unlinks path (a
 * file already gone is no error: *removed false), file_sync_dir() makes
 * the removals in dir durable, file_remove_dir_if_empty() removes dir when
 * nothing is left in it (*removed false when something is, or it is gone)
 * and syncs its parent. False with a reason in err (errlen bytes). */
bool file_remove(const char *path, bool *removed, char *err, size_t errlen);
bool file_sync_dir(const char *dir, char *err, size_t errlen);
bool file_remove_dir_if_empty(const char *dir, bool *removed, char *err, size_t errlen);

/* path as the absolute path it names, for a record of where a file is (an
 * audit row): a relative path under the working directory, as given when
 * that cannot be read; not resolved further (no symbolic links followed, it
 * need not exist). A new string: the caller frees it. */
char *file_absolute(const char *path);

/* Reads the whole file into *out (malloc'd, NUL added after len bytes);
 * false with a reason in err. At most max bytes (larger: false). */
bool file_read_all(const char *path, size_t max, unsigned char **out, size_t *len, char *err,
                   size_t errlen);

#endif

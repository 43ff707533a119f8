/* Whose bulletin archive a row's files are in (docs/bulletin.md, "The
 * archive"). A bulletin's row names its maker in generated_by, and the
 * prune removes only the files of its own archive's rows. The host alone
 * did not tell two daemons on one host apart: each marked the other's rows
 * pruned, and their files were left for ever in the other's directory.
 *
 * So a data directory has an identity of its own, DATA_DIR/archive-id (32
 * hex digits, made on first use), and a process names itself
 * "HOST/ID:PID" (archive_me()); the part before the last ':' is the
 * archive (archive_owner()). A row made before the identity existed names
 * "HOST:PID": it counts as this host's archive's, as it did.
 *
 * Ownership: results go into the caller's buffers. */
#ifndef RETENTIOND_ARCHIVE_ID_H
#define RETENTIOND_ARCHIVE_ID_H

#include <stdbool.h>
#include <stddef.h>

#define ARCHIVE_ID_LEN 32

/* The identity of data_dir (created with the directory when missing: random,
 * written to a temporary name, synced, and linked into place, so that two
 * processes starting at once agree on the one that got there first). False
 * with a reason in err (errlen bytes): the directory or the file cannot be
 * made or read, or the file holds something else than an identity. */
bool archive_id(const char *data_dir, char out[ARCHIVE_ID_LEN + 1], char *err, size_t errlen);

/* This process's name in generated_by and the deliveries' claims:
 * "HOST/ID:PID" (len bytes at most). False as archive_id(). */
bool archive_me(const char *data_dir, char *out, size_t len, char *err, size_t errlen);

/* The archive of a process's name (its part before the last ':'), into
 * out (len bytes): "HOST/ID", or "HOST" for a name made before identities. */
void archive_owner(const char *me, char *out, size_t len);

/* The host of a process's name (the archive's part before its '/'), into
 * out (len bytes): the archive of this host's rows made before identities. */
void archive_host(const char *me, char *out, size_t len);

#endif

/* `retentiond targets import FILE`. */
#include "cmd.h"

#include "db.h"
#include "digest.h"
#include "file.h"
#include "targets.h"

#include <stdio.h>
#include <stdlib.h>

/* The import's audit parameters: the file, its SHA-256 (which targets
 * came in) and how many. */
static json_t *targets_audit(const char *path, int imported)
{
    unsigned char *bytes = NULL;
    size_t len = 0;
    char err[300], sha[DIGEST_HEX_LEN + 1] = "";
    if (file_read_all(path, (size_t)64 << 20, &bytes, &len, err, sizeof err))
        digest_sha256_hex(bytes, len, sha);
    free(bytes);
    char *file = file_absolute(path); /* where it was read, not the name as typed */
    json_t *params = json_pack("{s:s, s:s?, s:i}", "file", file, "sha256", *sha ? sha : NULL,
                               "targets", imported);
    free(file);
    return params;
}

int cmd_targets(const struct cli_args *args)
{
    struct db *db = NULL;
    char err[512];
    int imported = 0, rc = 1;
    if (!cmd_db(args, &db))
        goto done;
    if (!targets_import(db, args->positional[1], &imported, err, sizeof err)) {
        if (*err) {
            fprintf(stderr, "retentiond: %s\n", err);
            rc = 2; /* a bad file: a bad argument */
        }
        goto done;
    }
    printf("%d target%s imported\n", imported, imported == 1 ? "" : "s");
    rc = cmd_audit_change(db, "targets_import", targets_audit(args->positional[1], imported)) ? 0
                                                                                              : 1;
done:
    db_close(db);
    return rc;
}

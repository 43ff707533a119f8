/* libFuzzer target: the configuration file (core/cfg.h, through libinih).
 * Input: the file's bytes, written to a temporary file that cfg_load reads.
 *
 * Properties: a file is read, or refused with "path:line: reason"; a read
 * configuration has every key within its bounds (an integer key between
 * its min and max) and survives a copy. */
#include "cfg.h"
#include "fuzz.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(path, sizeof path, "/tmp/retentiond-fuzz-cfg.%d", (int)getpid());
    return 0;
}

static void check_bounds(const struct cfg *c)
{
    size_t n;
    const struct cfg_key *keys = cfg_keys(&n);
    for (size_t i = 0; i < n; i++) {
        if (keys[i].type != CFG_INT)
            continue;
        int v = *(const int *)((const char *)c + keys[i].offset);
        if (v < keys[i].min || v > keys[i].max)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
    struct cfg c, copy;
    char err[512] = "";
    if (cfg_load(path, &c, err, sizeof err)) {
        check_bounds(&c);
        cfg_copy(&copy, &c);
        cfg_free(&copy);
        cfg_free(&c);
    } else if (strncmp(err, path, strlen(path)) != 0) {
        abort();
    }
    unlink(path);
    return 0;
}

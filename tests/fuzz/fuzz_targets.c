/* libFuzzer target: the targets file of `retentiond targets import`
 * (compute/targets.h), line by line as the import reads it. Input: the
 * file's bytes.
 *
 * Properties: every line is a row, skipped or bad with a reason; a row has
 * six fields, a known KPI and finite numbers in range (a fraction for a
 * rate, a score for satisfaction). */
#include "fuzz.h"
#include "targets.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check_row(char *const f[6])
{
    for (int i = 4; i < 6; i++) {
        if (!*f[i])
            continue;
        double v = strtod(f[i], NULL);
        bool rate = strncmp(f[0], "satisfaction", 12) != 0;
        if (!isfinite(v) || v < 0 || v > (rate ? 1 : 100))
            abort();
    }
    if (!*f[4] && !*f[5])
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    int lineno = 0;
    for (char *line = text, *next; line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char *fields[6], reason[256] = "";
        switch (targets_parse_line(line, ++lineno, fields, reason, sizeof reason)) {
        case TARGETS_ROW:
            check_row(fields);
            break;
        case TARGETS_BAD:
            if (!*reason)
                abort();
            break;
        case TARGETS_SKIP:
            break;
        }
    }
    free(text);
    return 0;
}

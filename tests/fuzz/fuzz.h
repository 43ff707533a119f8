/* What the libFuzzer targets (tests/fuzz/fuzz_*.c) share: libFuzzer's entry
 * points, declared for -Wmissing-prototypes, and the input as a string.
 *
 * Ownership: fuzz_text() gives the caller a malloc'd copy to free(). */
#ifndef RETENTIOND_FUZZ_H
#define RETENTIOND_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input's bytes with a NUL after them (a NUL inside ends the text). */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
    char *t = malloc(size + 1);
    if (!t)
        abort();
    memcpy(t, data, size);
    t[size] = '\0';
    return t;
}

#endif

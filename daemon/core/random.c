#include "random.h"

#include "digest.h"
#include "log.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

bool random_bytes(void *out, size_t n)
{
    unsigned char *p = out;
    while (n > 0) {
        ssize_t got = getrandom(p, n, 0);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            log_error("msg=\"no random bytes from the system\" reason=\"%s\"", strerror(errno));
            return false;
        }
        p += got;
        n -= (size_t)got;
    }
    return true;
}

bool random_hex(size_t n, char *out)
{
    unsigned char bytes[64];
    if (n > sizeof bytes || !random_bytes(bytes, n))
        return false;
    digest_to_hex(bytes, n, out);
    memset(bytes, 0, sizeof bytes);
    return true;
}

#include "digest.h"

#include "mem.h"

#include <gnutls/crypto.h>

void digest_init(struct digest *d)
{
    gnutls_hash_hd_t hd;
    if (gnutls_hash_init(&hd, GNUTLS_DIG_SHA256) < 0)
        mem_failed("gnutls_hash_init", 1, 0);
    d->hd = hd;
}

void digest_add(struct digest *d, const void *data, size_t len)
{
    gnutls_hash(d->hd, data, len);
}

void digest_to_hex(const unsigned char *bytes, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[bytes[i] >> 4];
        out[2 * i + 1] = hex[bytes[i] & 0xf];
    }
    out[2 * n] = '\0';
}

void digest_hex(struct digest *d, char out[DIGEST_HEX_LEN + 1])
{
    unsigned char sum[32];
    gnutls_hash_deinit(d->hd, sum);
    d->hd = NULL;
    digest_to_hex(sum, sizeof sum, out);
}

void digest_sha256_hex(const void *data, size_t len, char out[DIGEST_HEX_LEN + 1])
{
    unsigned char sum[32];
    if (gnutls_hash_fast(GNUTLS_DIG_SHA256, data, len, sum) < 0)
        mem_failed("gnutls_hash_fast", 1, len);
    digest_to_hex(sum, sizeof sum, out);
}

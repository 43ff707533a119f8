/* SHA-256 through GnuTLS (the TLS library libmicrohttpd already uses): the
 * identity of a snapshot's contents, and later of the files the daemon
 * exports (bulletins, reports), as lower-case hex.
 *
 * Ownership: a struct digest is the caller's (on the stack is fine);
 * every digest_init() is finished by digest_hex(). */
#ifndef RETENTIOND_DIGEST_H
#define RETENTIOND_DIGEST_H

#include <stddef.h>

#define DIGEST_HEX_LEN 64

struct digest {
    void *hd; /* gnutls_hash_hd_t */
};

/* Starts a SHA-256; allocation failure aborts (mem.h's policy). */
void digest_init(struct digest *d);
void digest_add(struct digest *d, const void *data, size_t len);
/* Finishes into out (64 hex digits and a NUL) and releases d. */
void digest_hex(struct digest *d, char out[DIGEST_HEX_LEN + 1]);

/* n bytes as 2n lower-case hex digits and a NUL (out holds 2n + 1). */
void digest_to_hex(const unsigned char *bytes, size_t n, char *out);

/* The SHA-256 of one buffer. */
void digest_sha256_hex(const void *data, size_t len, char out[DIGEST_HEX_LEN + 1]);

#endif

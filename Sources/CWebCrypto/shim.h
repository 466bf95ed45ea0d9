#ifndef ACTIVITY_CWEBCRYPTO_SHIM_H
#define ACTIVITY_CWEBCRYPTO_SHIM_H
// libcrypt (libxcrypt): yescrypt password hashes through crypt_gensalt_rn and crypt_rn,
// the reentrant calls with caller-owned buffers.
#include <crypt.h>
// OpenSSL's libcrypto: SHA-256 of session tokens, RAND_bytes, CRYPTO_memcmp (constant time).
#include <openssl/sha.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
// zlib: gzip of large API answers for clients that accept it.
#include <zlib.h>
#include <string.h>
// gzip `in` into `out` (capacity `cap`, at least deflateBound + 18); returns the length, 0 on failure.
// deflateInit2 is a macro Swift cannot call.
static inline size_t activity_gzip(const unsigned char *in, size_t n, unsigned char *out, size_t cap) {
    z_stream s;
    memset(&s, 0, sizeof s);
    if (deflateInit2(&s, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return 0;
    s.next_in = (unsigned char *)in;
    s.avail_in = (uInt)n;
    s.next_out = out;
    s.avail_out = (uInt)cap;
    int rc = deflate(&s, Z_FINISH);
    size_t len = s.total_out;
    deflateEnd(&s);
    return rc == Z_STREAM_END ? len : 0;
}
static inline size_t activity_gzip_bound(size_t n) { return n + n / 1000 + 64; }
#endif

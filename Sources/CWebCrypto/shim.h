#ifndef ACTIVITY_CWEBCRYPTO_SHIM_H
#define ACTIVITY_CWEBCRYPTO_SHIM_H
// libcrypt (libxcrypt): yescrypt password hashes through crypt_gensalt_rn and crypt_rn,
// the reentrant calls with caller-owned buffers.
#include <crypt.h>
// OpenSSL's libcrypto: SHA-256 of session tokens, RAND_bytes, CRYPTO_memcmp (constant time).
#include <openssl/sha.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#endif

#ifndef VIGIL_CTLS_SHIM_H
#define VIGIL_CTLS_SHIM_H
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

/// SSL_set_tlsext_host_name is a macro; Swift cannot import it. Sends the server name (SNI).
static inline long vigil_tls_set_server_name(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}

/// Macros Swift cannot import: TLS 1.2 is the oldest version offered, and a peer that closes the
/// connection without close_notify ends the stream instead of failing it (HTTP servers do this).
static inline long vigil_tls_configure(SSL_CTX *ctx) {
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
    return SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
}
#endif

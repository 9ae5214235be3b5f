/* SPDX-License-Identifier: MIT */
/*
 * The server's TLS identity: a certificate and key it creates on first
 * start (or that the operator gives), and the SHA-256 fingerprint of
 * the certificate that the join command carries, so that nodes pin it
 * instead of trusting any CA.
 */
#ifndef CVPC_CONTROL_CERT_H
#define CVPC_CONTROL_CERT_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

enum { CERT_FINGERPRINT_HEX = 64 };

/*
 * Creates cert_path and key_path (0600) if neither exists: a self-signed
 * P-256 certificate for the names in sans ("DNS:x" or "IP:1.2.3.4",
 * NULL-terminated), valid ten years. Returns 0 or -1 with err.
 */
int cert_ensure(const char *cert_path, const char *key_path,
		const char *const *sans, char *err, size_t errlen);
/* A TLS 1.2+ server context for the pair; NULL with err. */
SSL_CTX *cert_server_ctx(const char *cert_path, const char *key_path,
			 char *err, size_t errlen);
/* SHA-256 of the certificate's DER encoding, as lowercase hex. */
bool cert_fingerprint(const char *cert_path,
		      char out[static CERT_FINGERPRINT_HEX + 1]);
bool cert_fingerprint_x509(X509 *cert, char out[static CERT_FINGERPRINT_HEX + 1]);

#endif

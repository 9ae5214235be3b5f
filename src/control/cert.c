// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "base/hex.h"
#include "control/cert.h"
#include "crypto/util.h"

static void ssl_error(char *err, size_t errlen, const char *what)
{
	char detail[160];

	ERR_error_string_n(ERR_get_error(), detail, sizeof(detail));
	snprintf(err, errlen, "%s: %s", what, detail);
	ERR_clear_error();
}

static bool add_ext(X509 *cert, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	bool ok;

	X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ext)
		return false;
	ok = X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return ok;
}

static X509 *make_cert(EVP_PKEY *key, const char *const *sans)
{
	X509 *cert = X509_new();
	X509_NAME *name;
	uint8_t serial[16];
	BIGNUM *bn = NULL;
	char san[1024] = "";
	bool ok = false;

	if (!cert)
		return NULL;
	for (const char *const *s = sans; *s; s++) {
		if (strlen(san) + strlen(*s) + 2 >= sizeof(san))
			break;
		if (*san)
			strcat(san, ",");
		strcat(san, *s);
	}
	if (!random_bytes(serial, sizeof(serial)))
		goto out;
	serial[0] &= 0x7f;
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	name = X509_get_subject_name(cert);
	ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) &&
	     X509_set_version(cert, 2) &&
	     X509_gmtime_adj(X509_getm_notBefore(cert), -3600) &&
	     X509_gmtime_adj(X509_getm_notAfter(cert), 10L * 365 * 86400) &&
	     X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
					(const uint8_t *)"cvpc server", -1, -1, 0) &&
	     X509_set_issuer_name(cert, name) && X509_set_pubkey(cert, key) &&
	     add_ext(cert, NID_basic_constraints, "critical,CA:FALSE") &&
	     add_ext(cert, NID_ext_key_usage, "serverAuth") &&
	     (!*san || add_ext(cert, NID_subject_alt_name, san)) &&
	     X509_sign(cert, key, EVP_sha256());
out:
	BN_free(bn);
	if (!ok) {
		X509_free(cert);
		return NULL;
	}
	return cert;
}

/* Writes with the given mode from creation on: the key is never readable. */
static bool write_pem(const char *path, mode_t mode, EVP_PKEY *key, X509 *cert)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	FILE *f;
	bool ok;

	if (fd < 0)
		return false;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return false;
	}
	ok = key ? PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL)
		 : PEM_write_X509(f, cert);
	ok = !fflush(f) && !fsync(fileno(f)) && ok;
	return !fclose(f) && ok;
}

int cert_ensure(const char *cert_path, const char *key_path,
		const char *const *sans, char *err, size_t errlen)
{
	bool have_cert = !access(cert_path, F_OK), have_key = !access(key_path, F_OK);
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	int ret = -1;

	if (have_cert && have_key)
		return 0;
	if (have_cert != have_key) {
		snprintf(err, errlen, "%s exists without %s", have_cert ?
			 cert_path : key_path, have_cert ? key_path : cert_path);
		return -1;
	}
	key = EVP_EC_gen("P-256");
	if (!key) {
		ssl_error(err, errlen, "generating the server key");
		goto out;
	}
	cert = make_cert(key, sans);
	if (!cert) {
		ssl_error(err, errlen, "creating the server certificate");
		goto out;
	}
	if (!write_pem(key_path, 0600, key, NULL) ||
	    !write_pem(cert_path, 0644, NULL, cert)) {
		snprintf(err, errlen, "writing %s: %s", cert_path, strerror(errno));
		unlink(key_path);
		unlink(cert_path);
		goto out;
	}
	ret = 0;
out:
	X509_free(cert);
	EVP_PKEY_free(key);
	return ret;
}

SSL_CTX *cert_server_ctx(const char *cert_path, const char *key_path,
			 char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (!ctx) {
		ssl_error(err, errlen, "TLS context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert_path) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key_path, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		ssl_error(err, errlen, cert_path);
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

bool cert_fingerprint_x509(X509 *cert, char out[static CERT_FINGERPRINT_HEX + 1])
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (!X509_digest(cert, EVP_sha256(), md, &len) || len != 32)
		return false;
	hex_encode(out, md, len);
	return true;
}

bool cert_fingerprint(const char *cert_path,
		      char out[static CERT_FINGERPRINT_HEX + 1])
{
	FILE *f = fopen(cert_path, "re");
	X509 *cert;
	bool ok;

	if (!f)
		return false;
	cert = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	ok = cert && cert_fingerprint_x509(cert, out);
	X509_free(cert);
	return ok;
}

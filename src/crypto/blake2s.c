// SPDX-License-Identifier: MIT
#include <pthread.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "crypto/blake2s.h"
#include "crypto/util.h"

enum { HMAC_BLOCK_LEN = 64 };

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static EVP_MD *blake2s_md;
static EVP_MAC *blake2s_mac;
static pthread_key_t thread_key;
static bool have_thread_key;

/*
 * OpenSSL contexts must not be shared between threads, and the handshake
 * and cookie paths should not allocate one per call, so each thread keeps
 * its own. thread_exit() frees them when the thread ends.
 */
static __thread EVP_MD_CTX *md_ctx;
static __thread EVP_MAC_CTX *mac_ctx;

static void thread_exit(void *unused)
{
	(void)unused;
	EVP_MD_CTX_free(md_ctx);
	md_ctx = NULL;
	EVP_MAC_CTX_free(mac_ctx);
	mac_ctx = NULL;
}

static void init(void)
{
	blake2s_md = EVP_MD_fetch(NULL, "BLAKE2S-256", NULL);
	blake2s_mac = EVP_MAC_fetch(NULL, "BLAKE2SMAC", NULL);
	have_thread_key = pthread_key_create(&thread_key, thread_exit) == 0;
}

/* The key's value only has to be non-NULL for the destructor to run. */
static void track_thread(void)
{
	if (have_thread_key && !pthread_getspecific(thread_key))
		pthread_setspecific(thread_key, &md_ctx);
}

static EVP_MD_CTX *get_md_ctx(void)
{
	pthread_once(&init_once, init);
	if (!blake2s_md)
		return NULL;
	if (!md_ctx) {
		md_ctx = EVP_MD_CTX_new();
		if (md_ctx)
			track_thread();
	}
	return md_ctx;
}

static EVP_MAC_CTX *get_mac_ctx(void)
{
	pthread_once(&init_once, init);
	if (!blake2s_mac)
		return NULL;
	if (!mac_ctx) {
		mac_ctx = EVP_MAC_CTX_new(blake2s_mac);
		if (mac_ctx)
			track_thread();
	}
	return mac_ctx;
}

bool blake2s_hash2(uint8_t out[static BLAKE2S_HASH_LEN], const void *a,
		   size_t a_len, const void *b, size_t b_len)
{
	EVP_MD_CTX *ctx = get_md_ctx();
	bool ret;

	if (!ctx)
		return false;
	/* The cached context saves its own allocation; OpenSSL 3.0 still
	 * reallocates the small provider state on each init (later releases
	 * reuse it), which the unit test bounds. */
	ret = EVP_DigestInit_ex2(ctx, blake2s_md, NULL) == 1 &&
	      EVP_DigestUpdate(ctx, a, a_len) == 1 &&
	      EVP_DigestUpdate(ctx, b, b_len) == 1 &&
	      EVP_DigestFinal_ex(ctx, out, NULL) == 1;
	/* Final cleanses the state; after a failure, freeing it does. */
	if (!ret)
		EVP_MD_CTX_reset(ctx);
	return ret;
}

/*
 * The MAC context keeps a copy of the last key and, after a failure, a
 * keyed state. Re-keying with zeros overwrites both; it costs no
 * compression, because BLAKE2 holds the key block back until more input
 * or the final call arrives.
 */
static void scrub_mac(EVP_MAC_CTX *ctx)
{
	static const uint8_t zero_key[BLAKE2S_KEY_MAX];

	EVP_MAC_init(ctx, zero_key, sizeof(zero_key), NULL);
}

bool blake2s_keyed(uint8_t *out, size_t out_len, const uint8_t *key,
		   size_t key_len, const void *in, size_t in_len)
{
	EVP_MAC_CTX *ctx;
	OSSL_PARAM params[2];
	size_t written = 0;
	bool ret;

	/* BLAKE2SMAC refuses an empty key, and the digest length is a
	 * one-byte parameter bounded by the hash size. */
	if (!out_len || out_len > BLAKE2S_HASH_LEN || !key_len ||
	    key_len > BLAKE2S_KEY_MAX)
		return false;
	ctx = get_mac_ctx();
	if (!ctx)
		return false;
	params[0] = OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &out_len);
	params[1] = OSSL_PARAM_construct_end();
	ret = EVP_MAC_init(ctx, key, key_len, params) == 1 &&
	      EVP_MAC_update(ctx, in, in_len) == 1 &&
	      EVP_MAC_final(ctx, out, &written, out_len) == 1 &&
	      written == out_len;
	scrub_mac(ctx);
	return ret;
}

bool hmac_blake2s(uint8_t out[static BLAKE2S_HASH_LEN], const uint8_t *key,
		  size_t key_len, const void *in, size_t in_len)
{
	uint8_t pad[HMAC_BLOCK_LEN] = { 0 };
	uint8_t inner[BLAKE2S_HASH_LEN];
	bool ret = false;
	size_t i;

	/* RFC 2104: a key longer than the block is hashed first; a shorter
	 * one is zero-padded, which the initialiser above already did. */
	if (key_len > HMAC_BLOCK_LEN) {
		if (!blake2s_hash2(pad, key, key_len, NULL, 0))
			goto out;
	} else if (key_len) {
		memcpy(pad, key, key_len);
	}

	for (i = 0; i < HMAC_BLOCK_LEN; i++)
		pad[i] ^= 0x36;
	if (!blake2s_hash2(inner, pad, sizeof(pad), in, in_len))
		goto out;

	/* Turn the inner pad into the outer one without keeping the key. */
	for (i = 0; i < HMAC_BLOCK_LEN; i++)
		pad[i] ^= 0x36 ^ 0x5c;
	if (!blake2s_hash2(out, pad, sizeof(pad), inner, sizeof(inner)))
		goto out;
	ret = true;

out:
	memzero_explicit(pad, sizeof(pad));
	memzero_explicit(inner, sizeof(inner));
	return ret;
}

bool wg_kdf(uint8_t *t1, uint8_t *t2, uint8_t *t3, const uint8_t *data,
	    size_t data_len, const uint8_t ck[static BLAKE2S_HASH_LEN])
{
	uint8_t *const dst[3] = { t1, t2, t3 };
	uint8_t t[3][BLAKE2S_HASH_LEN];
	uint8_t msg[BLAKE2S_HASH_LEN + 1];
	uint8_t t0[BLAKE2S_HASH_LEN];
	int n = t3 ? 3 : t2 ? 2 : t1 ? 1 : 0;
	bool ret = false;
	int i;

	if (!hmac_blake2s(t0, ck, BLAKE2S_HASH_LEN, data, data_len))
		goto out;

	/* Each output chains on the previous one, so t3 needs t1 and t2
	 * even when the caller passed NULL for them. */
	for (i = 0; i < n; i++) {
		size_t len = 0;

		if (i) {
			memcpy(msg, t[i - 1], BLAKE2S_HASH_LEN);
			len = BLAKE2S_HASH_LEN;
		}
		msg[len++] = (uint8_t)(i + 1);
		if (!hmac_blake2s(t[i], t0, sizeof(t0), msg, len))
			goto out;
	}

	/* Only now, with ck and data consumed, may the outputs alias them. */
	for (i = 0; i < n; i++) {
		if (dst[i])
			memcpy(dst[i], t[i], BLAKE2S_HASH_LEN);
	}
	ret = true;

out:
	memzero_explicit(t0, sizeof(t0));
	memzero_explicit(t, sizeof(t));
	memzero_explicit(msg, sizeof(msg));
	return ret;
}

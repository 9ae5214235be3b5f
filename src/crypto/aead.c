// SPDX-License-Identifier: MIT
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "base/bytes.h"
#include "crypto/aead.h"
#include "crypto/chacha20poly1305.h"
#include "crypto/util.h"

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static EVP_CIPHER *cipher;
static pthread_key_t thread_key;
static bool have_thread_key;
/* Our AVX-512 construction, unless the CPU lacks it or CVPC_NO_AVX512 is
 * set (which tests use to keep the OpenSSL path covered). */
static bool use_simd;

/*
 * One context per thread: OpenSSL contexts are not thread-safe, and the
 * data path seals and opens every packet, so it must not allocate.
 *
 * The context keeps the last ChaCha20 key until the thread's next call
 * re-keys it or the thread ends (freeing cleanses it); Final has already
 * cleansed the one-time Poly1305 key. Re-keying with zeros after every
 * packet measured 8-12% of single-core throughput, for a key that its
 * keypair holds in memory anyway until the keypair expires.
 */
static __thread EVP_CIPHER_CTX *cipher_ctx;
/*
 * The key the context holds, so that packets of one session (the common
 * case: a batch is mostly one peer) only set the nonce; the ChaCha20 key
 * schedule is cheap, but the provider's re-keying path is not.
 */
static __thread uint8_t ctx_key[AEAD_KEY_LEN];
static __thread bool ctx_keyed;
static __thread int ctx_enc = -1;

static void thread_exit(void *unused)
{
	(void)unused;
	EVP_CIPHER_CTX_free(cipher_ctx);
	cipher_ctx = NULL;
	memzero_explicit(ctx_key, sizeof(ctx_key));
	ctx_keyed = false;
}

/* Starts a message: re-keys only when the key or direction changed. */
static bool begin(EVP_CIPHER_CTX *ctx, const uint8_t key[AEAD_KEY_LEN],
		  const uint8_t nonce[AEAD_NONCE_LEN], int enc)
{
	if (ctx_keyed && ctx_enc == enc && crypto_equal(ctx_key, key, AEAD_KEY_LEN))
		return EVP_CipherInit_ex2(ctx, NULL, NULL, nonce, enc, NULL) == 1;
	ctx_keyed = false;
	if (EVP_CipherInit_ex2(ctx, NULL, key, nonce, enc, NULL) != 1)
		return false;
	memcpy(ctx_key, key, AEAD_KEY_LEN);
	ctx_enc = enc;
	ctx_keyed = true;
	return true;
}

/* The tag, through the provider's parameters rather than the ctrl shim. */
static bool tag_param(EVP_CIPHER_CTX *ctx, uint8_t tag[AEAD_TAG_LEN], bool get)
{
	OSSL_PARAM params[2] = {
		OSSL_PARAM_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag,
					AEAD_TAG_LEN),
		OSSL_PARAM_END,
	};

	return get ? EVP_CIPHER_CTX_get_params(ctx, params) == 1 :
		     EVP_CIPHER_CTX_set_params(ctx, params) == 1;
}

static void init(void)
{
	cipher = EVP_CIPHER_fetch(NULL, "ChaCha20-Poly1305", NULL);
	have_thread_key = pthread_key_create(&thread_key, thread_exit) == 0;
	use_simd = !getenv("CVPC_NO_AVX512") && chacha20poly1305_simd_usable();
}

/*
 * The cipher is bound once here; later calls pass a NULL cipher with the
 * key and nonce, which re-keys the provider state in place instead of
 * freeing and allocating it.
 */
static EVP_CIPHER_CTX *get_ctx(void)
{
	pthread_once(&init_once, init);
	if (!cipher)
		return NULL;
	if (cipher_ctx)
		return cipher_ctx;

	cipher_ctx = EVP_CIPHER_CTX_new();
	if (!cipher_ctx)
		return NULL;
	if (EVP_CipherInit_ex2(cipher_ctx, cipher, NULL, NULL, 1, NULL) != 1) {
		EVP_CIPHER_CTX_free(cipher_ctx);
		cipher_ctx = NULL;
		return NULL;
	}
	if (have_thread_key)
		pthread_setspecific(thread_key, &cipher_ctx);
	return cipher_ctx;
}

/* Feeds the associated data, then the text; both may be empty. */
static bool absorb(EVP_CIPHER_CTX *ctx, uint8_t *dst, const uint8_t *src,
		   size_t len, const uint8_t *ad, size_t ad_len)
{
	int out_len;

	if (ad_len && EVP_CipherUpdate(ctx, NULL, &out_len, ad,
				       (int)ad_len) != 1)
		return false;
	if (len && (EVP_CipherUpdate(ctx, dst, &out_len, src, (int)len) != 1 ||
		    out_len != (int)len))
		return false;
	/* dst is NULL for an empty text: NULL + 0 is undefined in C. */
	return EVP_CipherFinal_ex(ctx, len ? dst + len : dst, &out_len) == 1;
}

bool chacha20poly1305_seal(uint8_t *dst, const uint8_t *src, size_t src_len,
			   const uint8_t *ad, size_t ad_len,
			   const uint8_t nonce[static AEAD_NONCE_LEN],
			   const uint8_t key[static AEAD_KEY_LEN])
{
	EVP_CIPHER_CTX *ctx;

	/* OpenSSL counts in int; both paths take the same inputs. */
	if (src_len > INT_MAX || ad_len > INT_MAX)
		return false;
	pthread_once(&init_once, init);
	if (use_simd) {
		chacha20poly1305_simd_seal(dst, src, src_len, ad, ad_len, nonce,
					   key);
		return true;
	}
	ctx = get_ctx();
	if (!ctx)
		return false;

	return begin(ctx, key, nonce, 1) &&
	       absorb(ctx, dst, src, src_len, ad, ad_len) &&
	       tag_param(ctx, dst + src_len, true);
}

bool chacha20poly1305_open(uint8_t *dst, const uint8_t *src, size_t src_len,
			   const uint8_t *ad, size_t ad_len,
			   const uint8_t nonce[static AEAD_NONCE_LEN],
			   const uint8_t key[static AEAD_KEY_LEN])
{
	uint8_t tag[AEAD_TAG_LEN];
	EVP_CIPHER_CTX *ctx;
	size_t len;
	bool ret;

	if (src_len < AEAD_TAG_LEN || src_len > INT_MAX || ad_len > INT_MAX)
		return false;
	pthread_once(&init_once, init);
	if (use_simd)
		return chacha20poly1305_simd_open(dst, src, src_len, ad, ad_len,
						  nonce, key);
	ctx = get_ctx();
	if (!ctx)
		return false;
	len = src_len - AEAD_TAG_LEN;
	/* A copy, because the parameter interface takes a non-const pointer. */
	memcpy(tag, src + len, AEAD_TAG_LEN);

	ret = begin(ctx, key, nonce, 0) && tag_param(ctx, tag, false) &&
	      absorb(ctx, dst, src, len, ad, ad_len);
	/* Unauthenticated plaintext must not reach anyone by mistake. */
	if (!ret && len)
		memzero_explicit(dst, len);
	return ret;
}

void wg_aead_nonce(uint8_t nonce[static AEAD_NONCE_LEN], uint64_t counter)
{
	memset(nonce, 0, 4);
	put_le64(nonce + 4, counter);
}

bool wg_aead_seal(uint8_t *dst, const uint8_t *src, size_t src_len,
		  const uint8_t *ad, size_t ad_len, uint64_t counter,
		  const uint8_t key[static AEAD_KEY_LEN])
{
	uint8_t nonce[AEAD_NONCE_LEN];

	wg_aead_nonce(nonce, counter);
	return chacha20poly1305_seal(dst, src, src_len, ad, ad_len, nonce, key);
}

bool wg_aead_open(uint8_t *dst, const uint8_t *src, size_t src_len,
		  const uint8_t *ad, size_t ad_len, uint64_t counter,
		  const uint8_t key[static AEAD_KEY_LEN])
{
	uint8_t nonce[AEAD_NONCE_LEN];

	wg_aead_nonce(nonce, counter);
	return chacha20poly1305_open(dst, src, src_len, ad, ad_len, nonce, key);
}

static void batch(struct wg_aead_msg *msgs, unsigned int n,
		  const uint8_t key[AEAD_KEY_LEN], bool seal)
{
	pthread_once(&init_once, init);
	if (use_simd) {
		chacha20poly1305_simd_wg_batch(msgs, n, key, seal);
		return;
	}
	for (unsigned int i = 0; i < n; i++) {
		struct wg_aead_msg *m = &msgs[i];

		m->ok = seal ? wg_aead_seal(m->data, m->data, m->len, NULL, 0,
					    m->counter, key) :
			       wg_aead_open(m->data, m->data, m->len, NULL, 0,
					    m->counter, key);
	}
}

void wg_aead_seal_batch(struct wg_aead_msg *msgs, unsigned int n,
			const uint8_t key[static AEAD_KEY_LEN])
{
	batch(msgs, n, key, true);
}

void wg_aead_open_batch(struct wg_aead_msg *msgs, unsigned int n,
			const uint8_t key[static AEAD_KEY_LEN])
{
	batch(msgs, n, key, false);
}

/* draft-irtf-cfrg-xchacha-03 §2: the first 16 nonce bytes select a
 * subkey, the last 8 become an RFC 8439 nonce behind 4 zero bytes. */
static void xchacha_derive(uint8_t subkey[static AEAD_KEY_LEN],
			   uint8_t inner[static AEAD_NONCE_LEN],
			   const uint8_t nonce[static XAEAD_NONCE_LEN],
			   const uint8_t key[static AEAD_KEY_LEN])
{
	hchacha20(subkey, nonce, key);
	memset(inner, 0, 4);
	memcpy(inner + 4, nonce + HCHACHA20_NONCE_LEN, 8);
}

bool xchacha20poly1305_seal(uint8_t *dst, const uint8_t *src, size_t src_len,
			    const uint8_t *ad, size_t ad_len,
			    const uint8_t nonce[static XAEAD_NONCE_LEN],
			    const uint8_t key[static AEAD_KEY_LEN])
{
	uint8_t subkey[AEAD_KEY_LEN];
	uint8_t inner[AEAD_NONCE_LEN];
	bool ret;

	xchacha_derive(subkey, inner, nonce, key);
	ret = chacha20poly1305_seal(dst, src, src_len, ad, ad_len, inner,
				    subkey);
	memzero_explicit(subkey, sizeof(subkey));
	return ret;
}

bool xchacha20poly1305_open(uint8_t *dst, const uint8_t *src, size_t src_len,
			    const uint8_t *ad, size_t ad_len,
			    const uint8_t nonce[static XAEAD_NONCE_LEN],
			    const uint8_t key[static AEAD_KEY_LEN])
{
	uint8_t subkey[AEAD_KEY_LEN];
	uint8_t inner[AEAD_NONCE_LEN];
	bool ret;

	xchacha_derive(subkey, inner, nonce, key);
	ret = chacha20poly1305_open(dst, src, src_len, ad, ad_len, inner,
				    subkey);
	memzero_explicit(subkey, sizeof(subkey));
	return ret;
}

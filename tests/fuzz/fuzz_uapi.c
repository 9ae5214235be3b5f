// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the UAPI session: whatever a local process writes
 * to /var/run/wireguard/IFNAME.sock, fed to uapi_session_feed() of a real
 * device (no sockets: it is never up, so listen_port binds nothing).
 *
 * Input: two bytes choose where the stream is cut into two feeds (the
 * line buffer must not care), one byte may arm a failure of the Nth
 * allowed-IPs allocation (ENOMEM half way through applying a request),
 * and the rest is the byte stream itself.
 *
 * Beyond "no crash", each input is checked against three oracles:
 *  - every reply ends in "errno=N\n\n";
 *  - the allowed-IPs tries keep their invariants (allowedips_debug.h);
 *  - what "get=1" reports, turned back into a set request and applied to
 *    a second device, reads back identically from that device.
 *
 * Every input starts from the same baseline device (one peer, known
 * keys), so inputs can edit an existing peer, and peers do not pile up
 * across inputs. Restoring it costs nothing when the input left it alone.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/list.h"
#include "base/log.h"
#include "base/loop.h"
#include "base/strbuf.h"
#include "wg/allowedips.h"
#include "wg/allowedips_debug.h"
#include "wg/config.h"
#include "wg/device.h"
#include "wg/peer.h"
#include "wg/uapi.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The baseline, in the syntax wg(8) sends: what the seeds build on. Keys
 * are clamped SHA-256 of "cvpc fuzz device" and "cvpc fuzz peer" (public
 * 644c69...); tests/fuzz/corpus/README lists the others.
 */
static const char baseline[] =
	"set=1\n"
	"private_key=582ac9f3c85eb4bd69e034437ff957eaa6f35ace0d566480f5f624403818d66a\n"
	"listen_port=0\n"
	"fwmark=0\n"
	"replace_peers=true\n"
	"public_key=644c697af3aa1ac6b5b978fd92e03708dcdcb4239e581308802a6527b12d8e2e\n"
	"preshared_key=0000000000000000000000000000000000000000000000000000000000000000\n"
	"endpoint=192.0.2.1:51820\n"
	"persistent_keepalive_interval=0\n"
	"replace_allowed_ips=true\n"
	"allowed_ip=10.0.0.0/24\n"
	"allowed_ip=fd00::/64\n"
	"\n";

/* Keys a get reply holds that a set request takes back. */
static const char *const settable[] = {
	"private_key=", "listen_port=", "fwmark=", "public_key=",
	"preshared_key=", "protocol_version=", "endpoint=",
	"persistent_keepalive_interval=", "allowed_ip=",
};

static struct loop *loop;
static struct wg_device *wg;       /* the device under test */
static struct wg_device *wg_check; /* the get/set round trip's target */
static struct strbuf baseline_get = STRBUF_INIT;

static void die(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_uapi: %s%s%s\n", what, detail ? ": " : "",
		detail ? detail : "");
	abort();
}

/* Sends a whole request to dev on a fresh session; it must succeed. */
static void apply(struct wg_device *dev, const char *request, size_t len)
{
	struct uapi_session *s = uapi_session_new(dev);
	struct strbuf out = STRBUF_INIT;

	if (!s)
		die("out of memory", NULL);
	if (!uapi_session_feed(s, request, len, &out) || !out.buf ||
	    strcmp(out.buf, "errno=0\n\n"))
		die("a well-formed request failed", out.buf);
	strbuf_free(&out);
	uapi_session_free(s);
}

/* The device's get=1 lines, without the errno trailer. */
static void get(struct wg_device *dev, struct strbuf *out)
{
	static const char trailer[] = "errno=0\n\n";
	struct uapi_session *s = uapi_session_new(dev);

	strbuf_reset(out);
	if (!s || !uapi_session_feed(s, "get=1\n\n", 7, out))
		die("get failed", NULL);
	uapi_session_free(s);
	if (!out->buf || out->len < sizeof(trailer) - 1 ||
	    strcmp(out->buf + out->len - (sizeof(trailer) - 1), trailer))
		die("get failed", out->buf);
	out->len -= sizeof(trailer) - 1;
	out->buf[out->len] = '\0';
}

static void reset(void)
{
	apply(wg, baseline, sizeof(baseline) - 1);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *level = getenv("LOG_LEVEL");
	enum log_level l = LOGL_SILENT;

	(void)argc;
	(void)argv;
	if (level)
		log_level_parse(level, &l);
	log_set_level(l);
	if (loop_new(&loop) < 0 || wg_device_new(loop, "fuzz0", &wg) < 0 ||
	    wg_device_new(loop, "fuzz1", &wg_check) < 0)
		die("cannot create the devices", NULL);
	reset();
	get(wg, &baseline_get);
	return 0;
}

/* Every reply is a block that ends in an errno line and a blank line. */
static void check_replies(const struct strbuf *out)
{
	const char *last;

	if (!out->len)
		return;
	if (out->len < 2 || strcmp(out->buf + out->len - 2, "\n\n"))
		die("reply not terminated by a blank line", out->buf);
	last = out->buf + out->len - 2;
	while (last > out->buf && last[-1] != '\n')
		last--;
	if (strncmp(last, "errno=", 6))
		die("reply does not end in errno", out->buf);
}

static void check_allowedips(void)
{
	const char *why;

	if (allowedips_debug_check(wg->peer_allowedips, &why) < 0)
		die("allowed-IPs invariant broken", why);
}

static bool is_settable(const char *line, size_t len)
{
	for (size_t i = 0; i < sizeof(settable) / sizeof(settable[0]); i++) {
		size_t n = strlen(settable[i]);

		if (len >= n && !memcmp(line, settable[i], n))
			return true;
	}
	return false;
}

/*
 * wg syncconf does exactly this: what one device reports must configure
 * another into the same state.
 */
static void check_round_trip(const struct strbuf *got)
{
	struct strbuf request = STRBUF_INIT, again = STRBUF_INIT;
	const char *line = got->buf;

	strbuf_addf(&request, "set=1\nprivate_key=%064d\nlisten_port=0\n"
			      "fwmark=0\nreplace_peers=true\n", 0);
	while (*line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);

		if (is_settable(line, len)) {
			strbuf_add(&request, line, len);
			strbuf_add(&request, "\n", 1);
		}
		line += len + (end ? 1 : 0);
	}
	strbuf_add(&request, "\n", 1);
	if (request.oom)
		die("out of memory", NULL);
	apply(wg_check, request.buf, request.len);
	get(wg_check, &again);
	if (strcmp(got->buf, again.buf)) {
		fprintf(stderr, "first device:\n%s\nsecond device:\n%s\n",
			got->buf, again.buf);
		die("get/set round trip differs", NULL);
	}
	strbuf_free(&request);
	strbuf_free(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf out = STRBUF_INIT, got = STRBUF_INIT;
	const char *text = (const char *)data + 3;
	struct uapi_session *s;
	size_t len, cut;
	uint8_t fail;

	if (size < 3)
		return 0;
	len = size - 3;
	cut = ((size_t)data[0] << 8 | data[1]) % (len + 1);
	/* Mostly off: an allocation failure ends most requests early. */
	fail = data[2] >= 0xf0 ? (uint8_t)(data[2] - 0xef) : 0;

	s = uapi_session_new(wg);
	if (!s)
		die("out of memory", NULL);
	allowedips_debug_fail_alloc(wg->peer_allowedips, fail);
	/* A false return means the server would hang up: stop there. */
	if (uapi_session_feed(s, text, cut, &out))
		uapi_session_feed(s, text + cut, len - cut, &out);
	allowedips_debug_fail_alloc(wg->peer_allowedips, 0);
	uapi_session_free(s);
	check_replies(&out);
	strbuf_free(&out);

	check_allowedips();
	get(wg, &got);
	if (strcmp(got.buf, baseline_get.buf)) {
		check_round_trip(&got);
		reset();
	}
	strbuf_free(&got);
	return 0;
}

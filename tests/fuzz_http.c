/*
 * tests/fuzz_http.c: the response parser on arbitrary bytes.
 *
 * Input: byte 0 holds the http_resp_init() flags, byte 1 the number of
 * piece lengths that follow (0-15; none means byte by byte), then those
 * lengths (1-256 each, used in turn), then the response.  It is fed in
 * those pieces, each copied to a fenced buffer of its own size so that a
 * read past it is caught, and again in one piece; then the connection
 * closes.
 * Both runs must agree on everything, and every call must keep the
 * parser's promises: no more used than given, body views inside what was
 * used, states that only move forward, nothing used once finished.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzutil.h"
#include "http.h"

struct run {
	struct http_resp r;
	size_t		 used;
	size_t		 blen;
	uint64_t	 hash;	/* FNV-1a of the body bytes */
};

static struct run	split, whole;

static void
check(int ok)
{
	if (!ok)
		abort();
}

static void
hash(struct run *x, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		x->hash = (x->hash ^ (unsigned char)p[i]) * 0x100000001b3ULL;
	x->blen += n;
}

/* Feeds s[0..n) as one piece, the way a caller does. */
static void
piece(struct run *x, const uint8_t *s, size_t n)
{
	const char *body;
	char *in;
	size_t off = 0, k, blen;
	int before, after;

	if (n == 0)
		return;
	in = fz_copy(s, n);
	while (off < n) {
		before = http_resp_state(&x->r);
		k = http_resp_feed(&x->r, in + off, n - off, &body, &blen);
		after = http_resp_state(&x->r);
		check(k <= n - off);
		check(after >= before);
		check((after == HTTP_FAILED) == (http_resp_error(&x->r) != 0));
		check(x->r.hlen <= HTTP_HEAD_MAX);
		if (before >= HTTP_DONE)
			check(k == 0 && body == NULL && after == before);
		else
			check(k > 0);
		if (body == NULL)
			check(blen == 0);
		else {
			check(blen > 0 && blen <= k);
			check(body >= in + off && body + blen <= in + off + k);
			check(before == HTTP_BODY);
			hash(x, body, blen);
		}
		if (after == HTTP_BODY || after == HTTP_DONE)
			check(x->r.status >= 100 && x->r.status <= 999 &&
			    (x->r.status / 100 != 1 || x->r.status == 101));
		x->used += k;
		off += k;
		if (k == 0)
			break;
	}
}

static void
start(struct run *x, unsigned flags)
{
	memset(x, 0, sizeof *x);
	x->hash = 0xcbf29ce484222325ULL;
	http_resp_init(&x->r, flags);
}

/* What a caller can see of a response, the same in both runs. */
static void
same(const struct run *a, const struct run *b)
{
	const char *va, *vb;
	size_t la = 0, lb = 0;

	check(a->used == b->used && a->blen == b->blen && a->hash == b->hash);
	check(http_resp_state(&a->r) == http_resp_state(&b->r));
	check(http_resp_error(&a->r) == http_resp_error(&b->r));
	check(a->r.status == b->r.status && a->r.minor == b->r.minor);
	check(a->r.keepalive == b->r.keepalive);
	check(a->r.chunked == b->r.chunked && a->r.length == b->r.length);
	check(a->r.retry_after == b->r.retry_after);
	va = http_resp_header(&a->r, "content-length", &la);
	vb = http_resp_header(&b->r, "content-length", &lb);
	check((va == NULL) == (vb == NULL));
	if (va != NULL)
		check(la == lb && memcmp(va, vb, la) == 0);
	check(http_resp_has_token(&a->r, "connection", "close") ==
	    http_resp_has_token(&b->r, "connection", "close"));
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *lens, *in;
	size_t nlens, n, off, k, i;
	unsigned flags;

	if (size < 2)
		return 0;
	flags = data[0] & (HTTP_NOBODY | HTTP_CONNECT);
	nlens = data[1] & 15;
	if (size < 2 + nlens)
		return 0;
	lens = data + 2;
	in = data + 2 + nlens;
	n = size - 2 - nlens;

	start(&split, flags);
	for (off = 0, i = 0; off < n; off += k, i++) {
		k = nlens == 0 ? 1 : (size_t)lens[i % nlens] + 1;
		if (k > n - off)
			k = n - off;
		piece(&split, in + off, k);
	}
	start(&whole, flags);
	piece(&whole, in, n);
	same(&split, &whole);

	/* Only a finished response may be followed by another. */
	if (split.r.keepalive)
		check(http_resp_state(&split.r) != HTTP_FAILED);
	if (http_resp_state(&split.r) == HTTP_DONE)
		check(split.used <= n);
	else
		check(split.used == n ||
		    http_resp_state(&split.r) == HTTP_FAILED);

	http_resp_eof(&split.r);
	http_resp_eof(&whole.r);
	same(&split, &whole);
	check(http_resp_state(&split.r) >= HTTP_DONE);
	check(http_strerror(http_resp_error(&split.r)) != NULL);
	return 0;
}

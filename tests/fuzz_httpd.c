/*
 * tests/fuzz_httpd.c: the request parser on arbitrary bytes.
 *
 * Input: byte 0 says whether the connection closes after the input (bit
 * 0), byte 1 the number of piece lengths that follow (0-15; none means
 * byte by byte), then those lengths (1-256 each, used in turn), then the
 * request bytes.  They are fed in those pieces, each copied to a fenced
 * area of its own size (fz_copy) so that a read past it is caught, and
 * again in one piece; after a finished request the next one is parsed
 * from what is left, as a kept-alive connection would.  Both runs must
 * agree on everything, and every call must keep the parser's promises: no
 * more used than given, body views inside what was used, states that only
 * move forward, nothing used once finished, at most length body bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzutil.h"
#include "httpd.h"

#define REQS	8	/* requests of one input compared */

struct run {
	struct httpd_req r;
	size_t		 used;		/* of the current request */
	size_t		 blen;
	uint64_t	 hash;		/* FNV-1a of the body bytes */
	int		 n;		/* requests finished */
	struct {
		int	 state, err, minor, keepalive, expect;
		unsigned long long length;
		size_t	 used, blen, mlen, tlen;
		uint64_t hash;
	}		 seen[REQS];
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

static void
start(struct run *x)
{
	httpd_init(&x->r);
	x->used = x->blen = 0;
	x->hash = 0xcbf29ce484222325ULL;
}

/* A request ended (or failed): note it, and start the next one. */
static void
note(struct run *x)
{
	const char *v;
	size_t len;
	int st = httpd_state(&x->r);

	if (x->n < REQS) {
		x->seen[x->n].state = st;
		x->seen[x->n].err = httpd_error(&x->r);
		x->seen[x->n].minor = x->r.minor;
		x->seen[x->n].keepalive = x->r.keepalive;
		x->seen[x->n].expect = x->r.expect;
		x->seen[x->n].length = x->r.length;
		x->seen[x->n].used = x->used;
		x->seen[x->n].blen = x->blen;
		x->seen[x->n].mlen = x->r.mlen;
		x->seen[x->n].tlen = x->r.tlen;
		x->seen[x->n].hash = x->hash;
	}
	x->n++;
	if (st == HTTPD_DONE) {
		check(x->blen == x->r.length);
		check(x->r.method != NULL && x->r.mlen > 0 && x->r.tlen > 0);
		v = httpd_header(&x->r, "host", &len);
		check(v == NULL || (v >= x->r.head && v + len <= x->r.head +
		    x->r.hlen));
		check(httpd_status(httpd_error(&x->r)) == 0);
	} else {
		check(httpd_status(httpd_error(&x->r)) >= 400 ||
		    httpd_error(&x->r) == HTTPD_ETRUNC);
		check(x->r.keepalive == 0);
	}
	check(httpd_strerror(httpd_error(&x->r))[0] != '\0');
	start(x);
}

/* Feeds s[0..n) as one piece, the way the server does. */
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
		before = httpd_state(&x->r);
		if (before == HTTPD_FAILED) {
			/* A failed connection reads nothing more. */
			check(httpd_feed(&x->r, in + off, n - off, &body,
			    &blen) == 0);
			break;
		}
		k = httpd_feed(&x->r, in + off, n - off, &body, &blen);
		after = httpd_state(&x->r);
		check(k <= n - off);
		check(after >= before);
		check((after == HTTPD_FAILED) == (httpd_error(&x->r) != 0));
		check(x->r.hlen <= HTTPD_HEAD_MAX);
		if (body == NULL)
			check(blen == 0);
		else {
			check(blen > 0 && blen <= k && before == HTTPD_BODY);
			check(body >= in + off && body + blen <= in + off + k);
			hash(x, body, blen);
		}
		x->used += k;
		off += k;
		if (after == HTTPD_DONE)
			note(x);
		else if (k == 0)
			check(0);
	}
}

static void
same(const struct run *a, const struct run *b)
{
	int i;

	check(a->n == b->n);
	for (i = 0; i < a->n && i < REQS; i++)
		check(memcmp(&a->seen[i], &b->seen[i], sizeof a->seen[i]) == 0);
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *lens, *in;
	size_t nlens, n, off, k, i;
	int eof;

	if (size < 2)
		return 0;
	eof = data[0] & 1;
	nlens = data[1] & 15;
	if (size < 2 + nlens)
		return 0;
	lens = data + 2;
	in = data + 2 + nlens;
	n = size - 2 - nlens;

	memset(&split, 0, sizeof split);
	memset(&whole, 0, sizeof whole);
	start(&split);
	start(&whole);
	for (off = 0, i = 0; off < n; off += k, i++) {
		k = nlens == 0 ? 1 : (size_t)lens[i % nlens] + 1;
		if (k > n - off)
			k = n - off;
		piece(&split, in + off, k);
	}
	piece(&whole, in, n);
	if (eof) {
		if (httpd_eof(&split.r) == HTTPD_FAILED)
			note(&split);
		if (httpd_eof(&whole.r) == HTTPD_FAILED)
			note(&whole);
	}
	if (httpd_state(&split.r) == HTTPD_FAILED)
		note(&split);
	if (httpd_state(&whole.r) == HTTPD_FAILED)
		note(&whole);
	same(&split, &whole);
	return 0;
}

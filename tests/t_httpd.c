/*
 * tests/t_httpd.c: the request parser and the answer's head (httpd.c).
 *
 * Each request case is a complete input with the outcome it must have,
 * replayed in one piece, cut in two at every position, and byte by byte;
 * every piece is copied against a guard page, so that a read past what
 * was given faults.  Malformed requests come first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "httpd.h"
#include "testutil.h"

#define S(s)	s, sizeof(s) - 1

struct rcase {
	const char	*in;
	size_t		 len;
	int		 eof;		/* the connection closes after in */
	int		 err;		/* HTTPD_EOK: the request is whole */
	const char	*method;	/* NULL: not checked */
	const char	*target;
	int		 minor;
	int		 keepalive;
	int		 expect;
	unsigned long long length;
	const char	*body;		/* NULL: none */
	size_t		 rest;		/* bytes left unused at the end */
	const char	*hname;		/* a header to look up, or NULL */
	const char	*hval;		/* its value; NULL: absent */
};

struct outcome {
	int		 state, err;
	size_t		 used;
	char		 body[256];
	size_t		 blen;
	int		 broke;		/* a promise of httpd_feed() broken */
};

static struct httpd_req	req;

/* Feeds s[0..n) as one piece, the way a caller does: until all is used. */
static void
piece(struct outcome *o, const char *s, size_t n)
{
	const char *in = tu_guarded(s, n), *body;
	size_t off = 0, k, blen;
	int before;

	if (in == NULL) {
		o->broke = 1;
		return;
	}
	while (off < n) {
		before = httpd_state(&req);
		k = httpd_feed(&req, in + off, n - off, &body, &blen);
		if (k > n - off || httpd_state(&req) < before)
			o->broke = 1;
		if ((body == NULL) != (blen == 0) || (body != NULL &&
		    (body < in + off || body + blen > in + off + k)))
			o->broke = 1;
		if (body != NULL && blen <= sizeof o->body - o->blen) {
			memcpy(o->body + o->blen, body, blen);
			o->blen += blen;
		}
		o->used += k;
		off += k;
		if (k == 0) {
			if (before < HTTPD_DONE)
				o->broke = 1;
			break;
		}
	}
}

/* mode 0: one piece; 1: cut at cut; 2: byte by byte. */
static void
replay(const struct rcase *c, int mode, size_t cut, struct outcome *o)
{
	size_t i;

	memset(o, 0, sizeof *o);
	httpd_init(&req);
	if (mode == 0)
		piece(o, c->in, c->len);
	else if (mode == 1) {
		piece(o, c->in, cut);
		piece(o, c->in + cut, c->len - cut);
	} else
		for (i = 0; i < c->len; i++)
			piece(o, c->in + i, 1);
	if (c->eof)
		httpd_eof(&req);
	o->state = httpd_state(&req);
	o->err = httpd_error(&req);
}

static int
view_is(const char *p, size_t n, const char *want)
{
	return want == NULL || (p != NULL && n == strlen(want) &&
	    memcmp(p, want, n) == 0);
}

static int
outcome_ok(const struct rcase *c, const struct outcome *o)
{
	size_t blen = c->body != NULL ? strlen(c->body) : 0, vlen;
	const char *v;

	if (o->broke || o->used != c->len - c->rest)
		return 0;
	if (c->err != HTTPD_EOK)
		return o->state == HTTPD_FAILED && o->err == c->err &&
		    req.keepalive == 0;
	if (o->state != HTTPD_DONE || o->err != HTTPD_EOK ||
	    !view_is(req.method, req.mlen, c->method) ||
	    !view_is(req.target, req.tlen, c->target) ||
	    req.minor != c->minor || req.keepalive != c->keepalive ||
	    req.expect != c->expect || req.length != c->length ||
	    o->blen != blen || memcmp(o->body, c->body ? c->body : "", blen))
		return 0;
	if (c->hname != NULL) {
		v = httpd_header(&req, c->hname, &vlen);
		if (c->hval == NULL)
			return v == NULL;
		return view_is(v, vlen, c->hval);
	}
	return 1;
}

/* Every case of a table, in every split. */
static void
replay_all(const struct rcase *c, size_t n)
{
	static const char *const modes[] = { "one piece", "cut", "bytes" };
	struct outcome o;
	size_t i, cut;
	int mode;

	for (i = 0; i < n; i++)
		for (mode = 0; mode < 3; mode++)
			for (cut = 0; cut <= (mode == 1 ? c[i].len : 0); cut++) {
				replay(&c[i], mode, cut, &o);
				if (CHECK(outcome_ok(&c[i], &o)))
					continue;
				fprintf(stderr, "  case %zu (%s %zu): state %d "
				    "err %d used %zu body %zu%s\n", i,
				    modes[mode], cut, o.state, o.err, o.used,
				    o.blen, o.broke ? " BROKE" : "");
				mode = 3;
				break;
			}
}

#define HOST	"Host: bot.example\r\n"

/* ---- malformed requests ---- */

static const struct rcase bad_line[] = {
	{ S("GET\r\n"), .err = HTTPD_ELINE },
	{ S("GET /\r\n"), .err = HTTPD_ELINE },
	{ S("GET / \r\n"), .err = HTTPD_ELINE },
	{ S("GET / HTTP/1.1 \r\n"), .err = HTTPD_ELINE },
	{ S("GET / HTTP/1.1 x\r\n"), .err = HTTPD_ELINE },
	{ S("GET  / HTTP/1.1\r\n"), .err = HTTPD_ELINE },
	{ S("GET /  HTTP/1.1\r\n"), .err = HTTPD_ELINE },
	{ S("GET\t/ HTTP/1.1\r\n"), .err = HTTPD_ELINE },
	{ S(" GET / HTTP/1.1\r\n"), .err = HTTPD_ELINE },
	{ S("G@T / HTTP/1.1\r\n"), .err = HTTPD_ELINE },
	{ S("GET / http/1.1\r\n"), .err = HTTPD_ELINE },
	{ S("GET / HTTP/1.x\r\n"), .err = HTTPD_ELINE },
	{ S("GET / HTTP/1.10\r\n"), .err = HTTPD_ELINE },
	{ S("GET / HTTP/11\r\n"), .err = HTTPD_ELINE },
	{ S("GET / HTTP/1.\r\n"), .err = HTTPD_ELINE },
	{ S("GET / HTTP/\r\n"), .err = HTTPD_ELINE },
	{ S("GET /a\xff HTTP/1.1\r\n"), .err = HTTPD_ELINE },
	{ S("GET / HTTP/1.1\r\r\n"), .err = HTTPD_ELINE },
	{ S("GET /a\rb HTTP/1.1\r\n"), .err = HTTPD_ELINE },
	{ S("SSH-2.0-OpenSSH_9.6\r\n"), .err = HTTPD_ELINE },
	/* Control characters fail at once, before the line ends. */
	{ S("GET /\x01"), .err = HTTPD_ELINE },
	{ S("GET /\0 HTTP/1.1\r\n"), .err = HTTPD_ELINE, .rest = 11 },
	{ S("GET /\x7f"), .err = HTTPD_ELINE },
	{ S("\x16\x03\x01\x02\x00\x01\x00\x01\xfc"), .err = HTTPD_ELINE,
	    .rest = 8 },
	{ S("\r\n\x1b"), .err = HTTPD_ELINE },
	/* Versions other than 1.x are refused in their own words. */
	{ S("GET / HTTP/2.0\r\n"), .err = HTTPD_EVERSION },
	{ S("GET / HTTP/0.9\r\n"), .err = HTTPD_EVERSION },
	{ S("GET / HTTP/3.1\r\n" HOST "\r\n"), .err = HTTPD_EVERSION,
	    .rest = sizeof(HOST "\r\n") - 1 },
};

static const struct rcase bad_header[] = {
	{ S("GET / HTTP/1.1\r\nHost : x\r\n"), .err = HTTPD_EHEADER },
	{ S("GET / HTTP/1.1\r\nHost\t: x\r\n"), .err = HTTPD_EHEADER },
	{ S("GET / HTTP/1.1\r\n Host: x\r\n"), .err = HTTPD_EHEADER },
	{ S("GET / HTTP/1.1\r\n" HOST "X-A: 1\r\n 2\r\n"),
	    .err = HTTPD_EHEADER },
	{ S("GET / HTTP/1.1\r\n" HOST "X-A: 1\r\n\t2\r\n"),
	    .err = HTTPD_EHEADER },
	{ S("GET / HTTP/1.1\r\nNoColon\r\n"), .err = HTTPD_EHEADER },
	{ S("GET / HTTP/1.1\r\n: no name\r\n"), .err = HTTPD_EHEADER },
	{ S("GET / HTTP/1.1\r\nX(A): 1\r\n"), .err = HTTPD_EHEADER },
	{ S("GET / HTTP/1.1\r\nX-\xc3\xa4: 1\r\n"), .err = HTTPD_EHEADER },
	{ S("GET / HTTP/1.1\r\nX-A: a\rb\r\n"), .err = HTTPD_EHEADER },
	{ S("GET / HTTP/1.1\r\nX-A: a\r\r\n"), .err = HTTPD_EHEADER },
	{ S("GET / HTTP/1.1\r\nX-A: a\x01"), .err = HTTPD_EHEADER },
	{ S("GET / HTTP/1.1\r\nX-A: a\0b\r\n"), .err = HTTPD_EHEADER,
	    .rest = 3 },
	{ S("GET / HTTP/1.1\r\nX-A: \x7f\r\n"), .err = HTTPD_EHEADER,
	    .rest = 2 },
	{ S("GET / HTTP/1.1\r\n\r\r\n"), .err = HTTPD_EHEADER },
	{ S("GET / HTTP/1.1\r\n\rx\r\n"), .err = HTTPD_EHEADER },
};

static const struct rcase bad_host[] = {
	{ S("GET / HTTP/1.1\r\n\r\n"), .err = HTTPD_EHOST },
	{ S("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n"),
	    .err = HTTPD_EHOST },
	{ S("GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n"),
	    .err = HTTPD_EHOST },
	{ S("GET / HTTP/1.1\r\nX-Host: a\r\n\r\n"), .err = HTTPD_EHOST },
};

static const struct rcase bad_length[] = {
	{ S("POST / HTTP/1.1\r\n" HOST "Content-Length: -1\r\n\r\n"),
	    .err = HTTPD_ELENGTH },
	{ S("POST / HTTP/1.1\r\n" HOST "Content-Length: +5\r\n\r\n"),
	    .err = HTTPD_ELENGTH },
	{ S("POST / HTTP/1.1\r\n" HOST "Content-Length: abc\r\n\r\n"),
	    .err = HTTPD_ELENGTH },
	{ S("POST / HTTP/1.1\r\n" HOST "Content-Length:\r\n\r\n"),
	    .err = HTTPD_ELENGTH },
	{ S("POST / HTTP/1.1\r\n" HOST "Content-Length: 1 2\r\n\r\n"),
	    .err = HTTPD_ELENGTH },
	{ S("POST / HTTP/1.1\r\n" HOST "Content-Length: 0x10\r\n\r\n"),
	    .err = HTTPD_ELENGTH },
	{ S("POST / HTTP/1.1\r\n" HOST "Content-Length: 1, 2\r\n\r\n"),
	    .err = HTTPD_ELENGTH },
	{ S("POST / HTTP/1.1\r\n" HOST "Content-Length: 1,\r\n\r\n"),
	    .err = HTTPD_ELENGTH },
	{ S("POST / HTTP/1.1\r\n" HOST "Content-Length: 2\r\n"
	    "Content-Length: 3\r\n\r\n"), .err = HTTPD_ELENGTH },
	{ S("POST / HTTP/1.1\r\n" HOST "Content-Length: "
	    "99999999999999999999999\r\n\r\n"), .err = HTTPD_ELENGTH },
};

static const struct rcase bad_coding[] = {
	{ S("POST / HTTP/1.1\r\n" HOST "Transfer-Encoding: chunked\r\n\r\n"),
	    .err = HTTPD_ECODING },
	{ S("POST / HTTP/1.1\r\n" HOST "Transfer-Encoding: gzip\r\n\r\n"),
	    .err = HTTPD_ECODING },
	{ S("POST / HTTP/1.1\r\n" HOST "Content-Length: 3\r\n"
	    "Transfer-Encoding: chunked\r\n\r\nabc"), .err = HTTPD_ECODING,
	    .rest = 3 },
	{ S("POST / HTTP/1.1\r\n" HOST "Expect: 100-continue, x\r\n"
	    "Content-Length: 3\r\n\r\nabc"), .err = HTTPD_EEXPECT,
	    .rest = 3 },
	{ S("POST / HTTP/1.1\r\n" HOST "Expect: magic\r\n\r\n"),
	    .err = HTTPD_EEXPECT },
};

static const struct rcase truncated[] = {
	{ S("G"), .eof = 1, .err = HTTPD_ETRUNC },
	{ S("GET / HTTP/1.1\r\n"), .eof = 1, .err = HTTPD_ETRUNC },
	{ S("GET / HTTP/1.1\r\n" HOST "\r"), .eof = 1, .err = HTTPD_ETRUNC },
	{ S("POST / HTTP/1.1\r\n" HOST "Content-Length: 5\r\n\r\nabcd"),
	    .eof = 1, .err = HTTPD_ETRUNC },
};

static void
t_bad_line(void)
{
	replay_all(bad_line, nitems(bad_line));
}

static void
t_bad_header(void)
{
	replay_all(bad_header, nitems(bad_header));
}

static void
t_bad_host(void)
{
	replay_all(bad_host, nitems(bad_host));
}

static void
t_bad_length(void)
{
	replay_all(bad_length, nitems(bad_length));
}

static void
t_bad_coding(void)
{
	replay_all(bad_coding, nitems(bad_coding));
}

static void
t_truncated(void)
{
	replay_all(truncated, nitems(truncated));
}

/* A head of exactly n bytes: the request line, one long header, blank. */
static size_t
long_head(char *buf, size_t n)
{
	static const char start[] = "GET / HTTP/1.1\r\n" HOST "X-Pad: ";
	size_t k = sizeof start - 1;

	memcpy(buf, start, k);
	memset(buf + k, 'p', n - k - 4);
	memcpy(buf + n - 4, "\r\n\r\n", 4);
	return n;
}

static void
t_head_limit(void)
{
	static char buf[HTTPD_HEAD_MAX + 64];
	struct rcase c = { .in = buf, .minor = 1, .keepalive = 1 };
	struct outcome o;
	size_t cut;

	/* Exactly the limit passes. */
	c.len = long_head(buf, HTTPD_HEAD_MAX);
	replay_all(&c, 1);
	/* One byte more fails at that byte, however it is cut. */
	c.len = long_head(buf, HTTPD_HEAD_MAX + 1);
	c.err = HTTPD_EHEADBIG;
	c.rest = 0;
	for (cut = 0; cut <= c.len; cut += 97) {
		replay(&c, 1, cut, &o);
		CHECK(o.state == HTTPD_FAILED && o.err == HTTPD_EHEADBIG);
		CHECK_EQ(o.used, HTTPD_HEAD_MAX + 1);
	}
	/* Blank lines before the request count too. */
	memset(buf, '\n', HTTPD_HEAD_MAX + 1);
	replay(&(struct rcase){ .in = buf, .len = HTTPD_HEAD_MAX + 1 }, 0, 0,
	    &o);
	CHECK(o.state == HTTPD_FAILED && o.err == HTTPD_EHEADBIG);
}

/* ---- good requests ---- */

static const struct rcase good[] = {
	{ S("GET /healthz HTTP/1.1\r\n" HOST "\r\n"), .method = "GET",
	    .target = "/healthz", .minor = 1, .keepalive = 1 },
	{ S("POST /slack/events HTTP/1.1\r\n" HOST "Content-Length: 5\r\n"
	    "\r\nhello"), .method = "POST", .target = "/slack/events",
	    .minor = 1, .keepalive = 1, .length = 5, .body = "hello" },
	/* Bare LF line ends, and empty lines before the request line. */
	{ S("\r\n\nPOST /x?a=b HTTP/1.1\nhost: h\ncontent-length: 2\n\nok"),
	    .method = "POST", .target = "/x?a=b", .minor = 1,
	    .keepalive = 1, .length = 2, .body = "ok" },
	/* The next request is left alone. */
	{ S("GET / HTTP/1.1\r\n" HOST "\r\nGET / HTTP/1.1\r\n"),
	    .method = "GET", .target = "/", .minor = 1, .keepalive = 1,
	    .rest = 16 },
	{ S("POST / HTTP/1.1\r\n" HOST "Content-Length: 3\r\n\r\nabcdef"),
	    .minor = 1, .keepalive = 1, .length = 3, .body = "abc",
	    .rest = 3 },
	/* Keep-alive by version and Connection. */
	{ S("GET / HTTP/1.0\r\n\r\n"), .minor = 0, .keepalive = 0 },
	{ S("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"), .minor = 0,
	    .keepalive = 1 },
	{ S("GET / HTTP/1.1\r\n" HOST "Connection: close\r\n\r\n"),
	    .minor = 1, .keepalive = 0 },
	{ S("GET / HTTP/1.1\r\n" HOST "Connection: Upgrade, CLOSE\r\n\r\n"),
	    .minor = 1, .keepalive = 0 },
	{ S("GET / HTTP/1.9\r\n" HOST "\r\n"), .minor = 9, .keepalive = 1 },
	/* Content-Length repeated with the same value. */
	{ S("POST / HTTP/1.1\r\n" HOST "Content-Length: 2, 2\r\n"
	    "Content-Length: 2\r\n\r\nhi"), .minor = 1, .keepalive = 1,
	    .length = 2, .body = "hi" },
	{ S("POST / HTTP/1.1\r\n" HOST "Content-Length: 0\r\n\r\n"),
	    .minor = 1, .keepalive = 1 },
	/* Expect: 100-continue counts only with a body. */
	{ S("POST / HTTP/1.1\r\n" HOST "Expect: 100-Continue\r\n"
	    "Content-Length: 1\r\n\r\nx"), .minor = 1, .keepalive = 1,
	    .expect = 1, .length = 1, .body = "x" },
	{ S("GET / HTTP/1.1\r\n" HOST "Expect: 100-continue\r\n\r\n"),
	    .minor = 1, .keepalive = 1 },
	/* Lookups: case, blanks, obs-text, empty values, absent ones. */
	{ S("GET / HTTP/1.1\r\n" HOST "X-Slack-Signature: \t v0=ab \t\r\n"
	    "\r\n"), .minor = 1, .keepalive = 1,
	    .hname = "x-slack-signature", .hval = "v0=ab" },
	{ S("GET / HTTP/1.1\r\n" HOST "X-A:\xc3\xa4 b\r\n\r\n"), .minor = 1,
	    .keepalive = 1, .hname = "X-A", .hval = "\xc3\xa4 b" },
	{ S("GET / HTTP/1.1\r\n" HOST "X-A:\r\nX-A: 2\r\n\r\n"), .minor = 1,
	    .keepalive = 1, .hname = "x-a", .hval = "" },
	{ S("GET / HTTP/1.1\r\n" HOST "X-AB: 1\r\n\r\n"), .minor = 1,
	    .keepalive = 1, .hname = "X-A", .hval = NULL },
	/* Methods are tokens and keep their case. */
	{ S("post * HTTP/1.1\r\n" HOST "\r\n"), .method = "post",
	    .target = "*", .minor = 1, .keepalive = 1 },
	/* A close after a whole request changes nothing. */
	{ S("GET / HTTP/1.1\r\n" HOST "\r\n"), .eof = 1, .minor = 1,
	    .keepalive = 1 },
};

static void
t_good(void)
{
	replay_all(good, nitems(good));
}

/* Nothing moves once a request is done or failed; init starts anew. */
static void
t_sticky(void)
{
	static const char a[] = "GET / HTTP/1.1\r\n" HOST "\r\n";
	const char *body;
	size_t blen;

	httpd_init(&req);
	CHECK_EQ(httpd_feed(&req, S(a), &body, &blen), sizeof a - 1);
	CHECK_EQ(httpd_state(&req), HTTPD_DONE);
	CHECK_EQ(httpd_feed(&req, S(a), &body, &blen), 0);
	CHECK(body == NULL && blen == 0);
	CHECK_EQ(httpd_eof(&req), HTTPD_DONE);
	httpd_init(&req);
	CHECK_EQ(httpd_feed(&req, S("GET\r\n"), &body, &blen), 5);
	CHECK_EQ(httpd_state(&req), HTTPD_FAILED);
	CHECK_EQ(httpd_feed(&req, S(a), &body, &blen), 0);
	CHECK(httpd_header(&req, "host", &blen) == NULL);
	httpd_init(&req);
	CHECK(!httpd_started(&req));
	CHECK_EQ(httpd_feed(&req, S("\r\n"), &body, &blen), 2);
	CHECK(!httpd_started(&req));
	CHECK_EQ(httpd_eof(&req), HTTPD_HEAD);
	CHECK_EQ(httpd_error(&req), HTTPD_EOK);
	CHECK_EQ(httpd_feed(&req, S("G"), &body, &blen), 1);
	CHECK(httpd_started(&req));
}

/* The head is complete before any body byte is taken. */
static void
t_stops(void)
{
	static const char a[] = "POST / HTTP/1.1\r\n" HOST
	    "Content-Length: 4\r\n\r\nbody";
	const char *body;
	size_t blen, k;

	httpd_init(&req);
	k = httpd_feed(&req, S(a), &body, &blen);
	CHECK_EQ(k, sizeof a - 5);
	CHECK(body == NULL && httpd_state(&req) == HTTPD_BODY);
	CHECK_EQ(req.length, 4);
	k = httpd_feed(&req, a + k, 4, &body, &blen);
	CHECK(k == 4 && blen == 4 && memcmp(body, "body", 4) == 0);
	CHECK_EQ(httpd_state(&req), HTTPD_DONE);
}

static void
t_status(void)
{
	static const struct { int err, status; } map[] = {
		{ HTTPD_EOK, 0 }, { HTTPD_ELINE, 400 }, { HTTPD_EVERSION, 505 },
		{ HTTPD_EHEADER, 400 }, { HTTPD_EHEADBIG, 431 },
		{ HTTPD_EHOST, 400 }, { HTTPD_ELENGTH, 400 },
		{ HTTPD_ECODING, 411 }, { HTTPD_EEXPECT, 417 },
		{ HTTPD_ETRUNC, 0 },
	};
	size_t i;

	for (i = 0; i < nitems(map); i++) {
		CHECK_EQ(httpd_status(map[i].err), map[i].status);
		CHECK(httpd_strerror(map[i].err)[0] != '\0');
		if (map[i].status != 0)
			CHECK(httpd_reason(map[i].status)[0] != '\0');
	}
	CHECK(strcmp(httpd_strerror(999), "") != 0);
	CHECK(strcmp(httpd_reason(404), "Not Found") == 0);
	CHECK(strcmp(httpd_reason(299), "") == 0);
}

static void
t_answer(void)
{
	static const char want[] =
	    "HTTP/1.1 503 Service Unavailable\r\n"
	    "Date: Thu, 12 Jul 2018 18:36:58 GMT\r\n"
	    "Content-Type: text/plain\r\n"
	    "Content-Length: 5\r\n"
	    "Connection: close\r\n"
	    "Retry-After: 1\r\n"
	    "\r\n";
	static const char bare[] =
	    "HTTP/1.1 200 OK\r\n"
	    "Date: Thu, 01 Jan 1970 00:00:00 GMT\r\n"
	    "Content-Length: 0\r\n"
	    "\r\n";
	char out[512];
	size_t n, cap;

	n = httpd_answer(out, sizeof out, 503, "text/plain", 5, 1,
	    "Retry-After: 1\r\n", 1531420618);
	CHECK(n == sizeof want - 1 && memcmp(out, want, n) == 0);
	n = httpd_answer(out, sizeof out, 200, NULL, 0, 0, NULL, 0);
	CHECK(n == sizeof bare - 1 && memcmp(out, bare, n) == 0);
	/* Exactly its length fits; one byte less does not, and no more is
	   written than cap. */
	for (cap = 0; cap < sizeof want - 1; cap++) {
		memset(out, '#', sizeof out);
		CHECK_EQ(httpd_answer(out, cap, 503, "text/plain", 5, 1,
		    "Retry-After: 1\r\n", 1531420618), 0);
		CHECK(out[cap] == '#');
	}
	CHECK_EQ(httpd_answer(out, sizeof want - 1, 503, "text/plain", 5, 1,
	    "Retry-After: 1\r\n", 1531420618), sizeof want - 1);
}

static const struct t_case cases[] = {
	{ "bad_line", t_bad_line },
	{ "bad_header", t_bad_header },
	{ "bad_host", t_bad_host },
	{ "bad_length", t_bad_length },
	{ "bad_coding", t_bad_coding },
	{ "truncated", t_truncated },
	{ "head_limit", t_head_limit },
	{ "good", t_good },
	{ "sticky", t_sticky },
	{ "stops", t_stops },
	{ "status", t_status },
	{ "answer", t_answer },
};

int
main(int argc, char **argv)
{
	return t_run(cases, nitems(cases), argc, argv);
}

/*
 * tests/t_http.c: URL parsing, request heads, form escaping, Basic
 * credentials and the response parser.
 *
 * Every response case is a complete input with the outcome it must have;
 * each is replayed in one piece, cut in two at every position, and byte by
 * byte.  Each piece is copied so that it ends against an unreadable page:
 * a read past the end of what was given faults at once.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "harness.h"
#include "http.h"

#define S(s)	s, sizeof(s) - 1

/* Room for the largest input a case builds (heads and trailers). */
#define BIG	(3 * HTTP_HEAD_MAX)

/* ---- pieces against a guard page ---- */

static char	*guard_end;	/* first byte of the PROT_NONE page */

static void
guard_init(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t room = ((size_t)BIG + (size_t)pg - 1) / (size_t)pg * (size_t)pg;
	char *p;

	p = mmap(NULL, room + (size_t)pg, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || mprotect(p + room, (size_t)pg, PROT_NONE) != 0) {
		perror("t_http: guard page");
		exit(1);
	}
	guard_end = p + room;
}

/* s[0..n) copied so that its last byte is the last readable one. */
static const char *
guarded(const char *s, size_t n)
{
	if (n > 0)
		memcpy(guard_end - n, s, n);
	return guard_end - n;
}

/* ---- the response replay ---- */

struct rcase {
	const char	*in;
	size_t		 len;
	unsigned	 flags;
	int		 eof;		/* the connection closes after in */
	int		 state;		/* HTTP_FAILED when err is set */
	int		 err;
	int		 status;
	int		 keepalive;
	int		 chunked;
	long long	 length;
	const char	*body;		/* NULL: none */
	size_t		 blen;		/* 0: strlen(body) */
	size_t		 rest;		/* bytes left unused at the end */
	const char	*hname;		/* a header to look up, or NULL */
	const char	*hval;		/* its value; NULL: absent */
};

struct outcome {
	int		 state, err, status, keepalive, chunked;
	long long	 length;
	long		 retry;
	size_t		 used;
	char		 body[BIG];
	size_t		 blen;
	int		 broke;		/* an invariant did not hold */
};

static struct http_resp	resp;

/* Feeds in[0..n) as one piece the way a caller does: until all is used. */
static void
piece(struct outcome *o, const char *s, size_t n)
{
	const char *in = guarded(s, n), *body;
	size_t off = 0, k, blen;
	int before;

	while (off < n) {
		before = http_resp_state(&resp);
		k = http_resp_feed(&resp, in + off, n - off, &body, &blen);
		if (k > n - off || http_resp_state(&resp) < before)
			o->broke = 1;
		if (body != NULL && (body < in + off || blen == 0 ||
		    blen > k || body + blen > in + off + k))
			o->broke = 1;
		if (body == NULL && blen != 0)
			o->broke = 1;
		if (body != NULL && blen <= sizeof o->body - o->blen) {
			memcpy(o->body + o->blen, body, blen);
			o->blen += blen;
		}
		o->used += k;
		off += k;
		if (k == 0) {
			/* Only a finished parser may refuse bytes. */
			if (before < HTTP_DONE)
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
	http_resp_init(&resp, c->flags);
	if (mode == 0)
		piece(o, c->in, c->len);
	else if (mode == 1) {
		piece(o, c->in, cut);
		piece(o, c->in + cut, c->len - cut);
	} else
		for (i = 0; i < c->len; i++)
			piece(o, c->in + i, 1);
	if (c->eof)
		http_resp_eof(&resp);
	o->state = http_resp_state(&resp);
	o->err = http_resp_error(&resp);
	o->status = resp.status;
	o->keepalive = resp.keepalive;
	o->chunked = resp.chunked;
	o->length = resp.length;
	o->retry = resp.retry_after;
}

static int
outcome_ok(const struct rcase *c, const struct outcome *o)
{
	const char *v;
	size_t vlen, blen = c->blen;

	if (blen == 0 && c->body != NULL)
		blen = strlen(c->body);
	if (o->broke || o->used != c->len - c->rest)
		return 0;
	if (c->err != HTTP_EOK)
		return o->state == HTTP_FAILED && o->err == c->err &&
		    o->keepalive == 0 && (c->body == NULL ||
		    (o->blen == blen && memcmp(o->body, c->body, blen) == 0));
	if (o->state != c->state || o->err != HTTP_EOK ||
	    o->status != c->status || o->keepalive != c->keepalive ||
	    o->chunked != c->chunked || o->length != c->length ||
	    o->blen != blen || memcmp(o->body, c->body ? c->body : "", blen))
		return 0;
	if (c->hname != NULL) {
		v = http_resp_header(&resp, c->hname, &vlen);
		if (c->hval == NULL)
			return v == NULL;
		return v != NULL && vlen == strlen(c->hval) &&
		    memcmp(v, c->hval, vlen) == 0;
	}
	return 1;
}

static const char *const modes[] = { "one piece", "cut at", "byte by byte" };

/* Every case of a table, in every split. */
static void
replay_all(const struct rcase *c, size_t n)
{
	static struct outcome o;
	unsigned char pre[3];
	size_t i, cut;

	for (i = 0; i < n; i++) {
		/* tests/fuzz_http.c: flags, one piece length, 7 */
		pre[0] = (unsigned char)c[i].flags;
		pre[1] = 1;
		pre[2] = 6;
		t_seed("http", pre, sizeof pre, c[i].in, c[i].len);
		replay(&c[i], 0, 0, &o);
		if (!CHECK(outcome_ok(&c[i], &o)))
			fprintf(stderr, "  case %zu (%s): state %d err %d "
			    "status %d keepalive %d length %lld used %zu "
			    "body %zu%s\n", i, modes[0], o.state, o.err,
			    o.status, o.keepalive, o.length, o.used, o.blen,
			    o.broke ? " BROKE" : "");
		for (cut = 0; cut <= c[i].len; cut++) {
			replay(&c[i], 1, cut, &o);
			if (!CHECK(outcome_ok(&c[i], &o))) {
				fprintf(stderr, "  case %zu (%s %zu)\n", i,
				    modes[1], cut);
				break;
			}
		}
		replay(&c[i], 2, 0, &o);
		if (!CHECK(outcome_ok(&c[i], &o)))
			fprintf(stderr, "  case %zu (%s)\n", i, modes[2]);
	}
}

/* ---- malformed responses ---- */

static const struct rcase bad_status[] = {
	{ S("HTTP/2 200 OK\r\n\r\n"), .err = HTTP_ESTATUS, .rest = 2 },
	{ S("HTTP/2.0 200 OK\r\n"), .err = HTTP_ESTATUS },
	{ S("HTTP/1.1\r\n"), .err = HTTP_ESTATUS },
	{ S("HTTP/1.1 \r\n"), .err = HTTP_ESTATUS },
	{ S("http/1.1 200 OK\r\n"), .err = HTTP_ESTATUS },
	{ S("HTTP/1.10 200 OK\r\n"), .err = HTTP_ESTATUS },
	{ S("HTTP/1. 200 OK\r\n"), .err = HTTP_ESTATUS },
	{ S("HTTP/1.x 200 OK\r\n"), .err = HTTP_ESTATUS },
	{ S("HTTP/11 200 OK\r\n"), .err = HTTP_ESTATUS },
	{ S(" HTTP/1.1 200 OK\r\n"), .err = HTTP_ESTATUS },
	{ S("HTTP/1.1  200 OK\r\n"), .err = HTTP_ESTATUS },
	{ S("HTTP/1.1\t200 OK\r\n"), .err = HTTP_ESTATUS },
	{ S("HTTP/1.1 20 OK\r\n"), .err = HTTP_ESTATUS },
	{ S("HTTP/1.1 2000 OK\r\n"), .err = HTTP_ESTATUS },
	{ S("HTTP/1.1 099 OK\r\n"), .err = HTTP_ESTATUS },
	{ S("HTTP/1.1 000\r\n"), .err = HTTP_ESTATUS },
	{ S("HTTP/1.1 2x0 OK\r\n"), .err = HTTP_ESTATUS },
	{ S("HTTP/1.1 -20 OK\r\n"), .err = HTTP_ESTATUS },
	{ S("HTTP/1.1 200\tOK\r\n"), .err = HTTP_ESTATUS },
	{ S("HTTP/1.1 200OK\r\n"), .err = HTTP_ESTATUS },
	{ S("HTTP/1.1 200X\r\n"), .err = HTTP_ESTATUS },
	{ S("HTTP/1.1 2001\n"), .err = HTTP_ESTATUS },
	{ S("HTTP/1.1 200 O\x01K\r\n"), .err = HTTP_ESTATUS },
	{ S("HTTP/1.1 200 O\0K\r\n"), .err = HTTP_ESTATUS },
	{ S("HTTP/1.1 200 O\x7fK\r\n"), .err = HTTP_ESTATUS },
	{ S("HTTP/1.1 200 O\rK\r\n"), .err = HTTP_ESTATUS },
	{ S("HTTP/1.1 200 OK\r\r\n"), .err = HTTP_ESTATUS },
	{ S("HTTP/1.1 200 OK\x1b\n"), .err = HTTP_ESTATUS },
	{ S("\r\nHTTP/1.1 200 OK\r\n\r\n"), .err = HTTP_ESTATUS,
	    .rest = 19 },
	{ S("\n"), .err = HTTP_ESTATUS },
	{ S("SSH-2.0-OpenSSH_9.6\r\n"), .err = HTTP_ESTATUS },
	{ S("<html>\n"), .err = HTTP_ESTATUS },
	/* A reply cut short, at the close. */
	{ S(""), .eof = 1, .err = HTTP_ETRUNC },
	{ S("HTTP/1.1 200 OK"), .eof = 1, .err = HTTP_ETRUNC },
	{ S("HTTP/1.1 200 OK\r\n"), .eof = 1, .err = HTTP_ETRUNC },
	{ S("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n"), .eof = 1,
	    .err = HTTP_ETRUNC },
	{ S("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r"), .eof = 1,
	    .err = HTTP_ETRUNC },
};

static const struct rcase bad_header[] = {
	{ S("HTTP/1.1 200 OK\r\nContent-Length : 0\r\n"),
	    .err = HTTP_EHEADER },
	{ S("HTTP/1.1 200 OK\r\nContent-Length\t: 0\r\n"),
	    .err = HTTP_EHEADER },
	{ S("HTTP/1.1 200 OK\r\n Content-Length: 0\r\n"),
	    .err = HTTP_EHEADER },
	{ S("HTTP/1.1 200 OK\r\nX-A: 1\r\n 2\r\n"), .err = HTTP_EHEADER },
	{ S("HTTP/1.1 200 OK\r\nX-A: 1\r\n\t2\r\n"), .err = HTTP_EHEADER },
	{ S("HTTP/1.1 200 OK\r\nNoColon\r\n"), .err = HTTP_EHEADER },
	{ S("HTTP/1.1 200 OK\r\n: value\r\n"), .err = HTTP_EHEADER },
	{ S("HTTP/1.1 200 OK\r\nNa(me: v\r\n"), .err = HTTP_EHEADER },
	{ S("HTTP/1.1 200 OK\r\nNa/me: v\r\n"), .err = HTTP_EHEADER },
	{ S("HTTP/1.1 200 OK\r\nX\x80: v\r\n"), .err = HTTP_EHEADER },
	{ S("HTTP/1.1 200 OK\r\nX-A: a\x01z\r\n"), .err = HTTP_EHEADER },
	{ S("HTTP/1.1 200 OK\r\nX-A: a\0z\r\n"), .err = HTTP_EHEADER },
	{ S("HTTP/1.1 200 OK\r\nX-A: a\x7fz\r\n"), .err = HTTP_EHEADER },
	{ S("HTTP/1.1 200 OK\r\nX-A: a\rz\r\n"), .err = HTTP_EHEADER },
	{ S("HTTP/1.1 200 OK\r\nX-A: a\r\r\n"), .err = HTTP_EHEADER },
	{ S("HTTP/1.1 200 OK\r\nX-A: a\x0bz\n"), .err = HTTP_EHEADER },
	{ S("HTTP/1.1 200 OK\r\nX-A: a\x0cz\n"), .err = HTTP_EHEADER },
	{ S("HTTP/1.1 200 OK\r\n\r\r\n"), .err = HTTP_EHEADER },
	{ S("HTTP/1.1 200 OK\r\n\x00\r\n"), .err = HTTP_EHEADER },
	/* A bad line inside a dropped 1xx head counts too. */
	{ S("HTTP/1.1 100 Continue\r\nBad\r\n"), .err = HTTP_EHEADER },
	{ S("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nBad\r\n"),
	    .err = HTTP_EHEADER },
	{ S("HTTP/1.1 100 Continue\r\n\r\nHTTP/2 200 OK\r\n"),
	    .err = HTTP_ESTATUS },
	/* The error is found at the line end; what follows is not used. */
	{ S("HTTP/1.1 200 OK\r\nBad\r\nContent-Length: 0\r\n\r\n"),
	    .err = HTTP_EHEADER, .rest = 21 },
};

static const struct rcase bad_length[] = {
	{ S("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"),
	    .err = HTTP_ELENGTH },
	{ S("HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n"),
	    .err = HTTP_ELENGTH },
	{ S("HTTP/1.1 200 OK\r\nContent-Length: 5a\r\n\r\n"),
	    .err = HTTP_ELENGTH },
	{ S("HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n"),
	    .err = HTTP_ELENGTH },
	{ S("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n"),
	    .err = HTTP_ELENGTH },
	{ S("HTTP/1.1 200 OK\r\nContent-Length:  \r\n\r\n"),
	    .err = HTTP_ELENGTH },
	{ S("HTTP/1.1 200 OK\r\nContent-Length: 1 2\r\n\r\n"),
	    .err = HTTP_ELENGTH },
	{ S("HTTP/1.1 200 OK\r\nContent-Length: 1.0\r\n\r\n"),
	    .err = HTTP_ELENGTH },
	{ S("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n"
	    "\r\n"), .err = HTTP_ELENGTH },
	{ S("HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775808\r\n"
	    "\r\n"), .err = HTTP_ELENGTH },
	{ S("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n"
	    "\r\n"), .err = HTTP_ELENGTH },
	{ S("HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n"),
	    .err = HTTP_ELENGTH },
	{ S("HTTP/1.1 200 OK\r\nContent-Length: 5,\r\n\r\n"),
	    .err = HTTP_ELENGTH },
	{ S("HTTP/1.1 200 OK\r\nContent-Length: ,5\r\n\r\n"),
	    .err = HTTP_ELENGTH },
	{ S("HTTP/1.1 200 OK\r\nContent-Length: 5,,5\r\n\r\n"),
	    .err = HTTP_ELENGTH },
	{ S("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: x\r\n"
	    "\r\n"), .err = HTTP_ELENGTH },
	/* Short bodies at the close. */
	{ S("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabcd"), .eof = 1,
	    .err = HTTP_ETRUNC },
	{ S("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"), .eof = 1,
	    .err = HTTP_ETRUNC },
};

static const struct rcase bad_coding[] = {
	{ S("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n"),
	    .err = HTTP_ECODING },
	{ S("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
	    .err = HTTP_ECODING },
	{ S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"),
	    .err = HTTP_ECODING },
	{ S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n"
	    "\r\n"), .err = HTTP_ECODING },
	{ S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n"), .err = HTTP_ECODING },
	{ S("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n"), .err = HTTP_ECODING },
	{ S("HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\n"),
	    .err = HTTP_ECODING },
	{ S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked;q=1\r\n\r\n"),
	    .err = HTTP_ECODING },
	{ S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunk\r\n\r\n"),
	    .err = HTTP_ECODING },
	{ S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunkedx\r\n\r\n"),
	    .err = HTTP_ECODING },
	{ S("HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n\r\n"),
	    .err = HTTP_ECODING },
	{ S("HTTP/1.1 200 OK\r\nTransfer-Encoding: ,\r\n\r\n"),
	    .err = HTTP_ECODING },
	/* RFC 9112 6.1: in HTTP/1.0 the framing is faulty. */
	{ S("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
	    .err = HTTP_ECODING },
	/* Chosen before Content-Length is looked at. */
	{ S("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n"
	    "Content-Length: 5\r\n\r\nhello"), .err = HTTP_ECODING,
	    .rest = 5 },
};

#define CH	"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
#define A10	"aaaaaaaaaa"
#define A100	A10 A10 A10 A10 A10 A10 A10 A10 A10 A10
#define EXT900	"5;" A100 A100 A100 A100 A100 A100 A100 A100 A100

static const struct rcase bad_chunk[] = {
	{ S(CH "x\r\n"), .err = HTTP_ECHUNK, .rest = 2 },
	{ S(CH "\r\n"), .err = HTTP_ECHUNK, .rest = 1 },
	{ S(CH "\n"), .err = HTTP_ECHUNK },
	{ S(CH ";ext\r\n"), .err = HTTP_ECHUNK, .rest = 5 },
	{ S(CH " 5\r\n"), .err = HTTP_ECHUNK, .rest = 3 },
	{ S(CH "-5"), .err = HTTP_ECHUNK, .rest = 1 },
	{ S(CH "+5"), .err = HTTP_ECHUNK, .rest = 1 },
	{ S(CH "0x5"), .err = HTTP_ECHUNK, .rest = 1 },
	{ S(CH "5x"), .err = HTTP_ECHUNK },
	{ S(CH "5 5"), .err = HTTP_ECHUNK },
	{ S(CH "5 x"), .err = HTTP_ECHUNK },
	{ S(CH "5\rx"), .err = HTTP_ECHUNK },
	{ S(CH "5\r\r"), .err = HTTP_ECHUNK },
	{ S(CH "5;a\x01"), .err = HTTP_ECHUNK },
	{ S(CH "5;a\0"), .err = HTTP_ECHUNK },
	{ S(CH "5;a\x7f"), .err = HTTP_ECHUNK },
	{ S(CH "5;a\rb"), .err = HTTP_ECHUNK },
	/* 17 hex digits overflow 64 bits. */
	{ S(CH "10000000000000000"), .err = HTTP_ECHUNK },
	{ S(CH "fffffffffffffffff"), .err = HTTP_ECHUNK },
	/* The line end after the data. */
	{ S(CH "5\r\nhelloX"), .err = HTTP_ECHUNK },
	{ S(CH "5\r\nhello\rX"), .err = HTTP_ECHUNK },
	{ S(CH "5\r\nhello\r\r"), .err = HTTP_ECHUNK },
	{ S(CH "5\r\nhello5\r\n"), .err = HTTP_ECHUNK, .rest = 2 },
	/* Trailers. */
	{ S(CH "0\r\nX\r\n"), .err = HTTP_ECHUNK, .rest = 1 },
	{ S(CH "0\r\n folded: x\r\n"), .err = HTTP_ECHUNK, .rest = 11 },
	{ S(CH "0\r\nX : y\r\n"), .err = HTTP_ECHUNK, .rest = 5 },
	{ S(CH "0\r\n: y\r\n"), .err = HTTP_ECHUNK, .rest = 4 },
	{ S(CH "0\r\nX: a\x01"), .err = HTTP_ECHUNK },
	{ S(CH "0\r\nX: a\rb"), .err = HTTP_ECHUNK },
	{ S(CH "0\r\nX: a\r\r"), .err = HTTP_ECHUNK },
	{ S(CH "0\r\n\rX"), .err = HTTP_ECHUNK },
	{ S(CH "0\r\nX: y\r\n\rX"), .err = HTTP_ECHUNK },
	/* A chunk-size line longer than 1024 bytes. */
	{ S(CH EXT900 EXT900 "\r\n"), .err = HTTP_ECHUNK, .rest = 781 },
	/* Cut short, at the close. */
	{ S(CH), .eof = 1, .err = HTTP_ETRUNC },
	{ S(CH "5"), .eof = 1, .err = HTTP_ETRUNC },
	{ S(CH "5\r\n"), .eof = 1, .err = HTTP_ETRUNC },
	{ S(CH "5\r\nhel"), .eof = 1, .err = HTTP_ETRUNC },
	{ S(CH "5\r\nhello"), .eof = 1, .err = HTTP_ETRUNC },
	{ S(CH "5\r\nhello\r\n"), .eof = 1, .err = HTTP_ETRUNC },
	{ S(CH "5\r\nhello\r\n0\r\n"), .eof = 1, .err = HTTP_ETRUNC },
	{ S(CH "5\r\nhello\r\n0\r\nX: y\r\n"), .eof = 1,
	    .err = HTTP_ETRUNC },
	{ S(CH "ffffffffffffffff\r\nabc"), .eof = 1, .err = HTTP_ETRUNC },
};

static void
t_bad_status(void)
{
	replay_all(bad_status, nitems(bad_status));
}

static void
t_bad_header(void)
{
	replay_all(bad_header, nitems(bad_header));
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
t_bad_chunk(void)
{
	replay_all(bad_chunk, nitems(bad_chunk));
}

/* ---- heads and trailer sections at their limit ---- */

static char	bigbuf[BIG];

/*
 * A head of exactly len bytes: a status line, one long X-Pad header and
 * Content-Length: 2, then the body "ok" and a pipelined byte.
 */
static size_t
head_of(size_t len)
{
	static const char a[] = "HTTP/1.1 200 OK\r\nX-Pad: ";
	static const char b[] = "\r\nContent-Length: 2\r\n\r\n";
	size_t pad = len - (sizeof a - 1) - (sizeof b - 1), n = 0;

	memcpy(bigbuf, a, sizeof a - 1);
	n += sizeof a - 1;
	memset(bigbuf + n, 'p', pad);
	n += pad;
	memcpy(bigbuf + n, b, sizeof b - 1);
	n += sizeof b - 1;
	memcpy(bigbuf + n, "okH", 3);
	return n + 3;
}

static void
t_head_limit(void)
{
	struct rcase c[3];
	size_t n;

	memset(c, 0, sizeof c);
	n = head_of(HTTP_HEAD_MAX);
	c[0] = (struct rcase){ bigbuf, n, .state = HTTP_DONE, .status = 200,
	    .keepalive = 1, .length = 2, .body = "ok", .rest = 1 };
	replay_all(&c[0], 1);

	/* One byte more: the byte that does not fit is the error. */
	n = head_of(HTTP_HEAD_MAX + 1);
	c[1] = (struct rcase){ bigbuf, n, .err = HTTP_EHEADBIG,
	    .rest = n - HTTP_HEAD_MAX - 1 };
	replay_all(&c[1], 1);

	/* A first line that never ends. */
	memset(bigbuf, 'H', HTTP_HEAD_MAX + 100);
	c[2] = (struct rcase){ bigbuf, HTTP_HEAD_MAX + 100,
	    .err = HTTP_EHEADBIG, .rest = 99 };
	replay_all(&c[2], 1);
}

/* Each interim head has its own HTTP_HEAD_MAX. */
static void
t_head_limit_interim(void)
{
	static const char a[] = "HTTP/1.1 103 Early Hints\r\nLink: ";
	static char two[2 * HTTP_HEAD_MAX + 3];
	struct rcase c;
	size_t pad = HTTP_HEAD_MAX - (sizeof a - 1) - 4, k;

	memcpy(two, a, sizeof a - 1);
	memset(two + sizeof a - 1, 'l', pad);
	memcpy(two + sizeof a - 1 + pad, "\r\n\r\n", 4);
	k = head_of(HTTP_HEAD_MAX);
	memcpy(two + HTTP_HEAD_MAX, bigbuf, k);
	c = (struct rcase){ two, HTTP_HEAD_MAX + k, .state = HTTP_DONE,
	    .status = 200, .keepalive = 1, .length = 2, .body = "ok",
	    .rest = 1 };
	replay_all(&c, 1);
}

/* A trailer section of exactly len bytes, its blank line included. */
static size_t
trailers_of(size_t len)
{
	static const char a[] = CH "2\r\nok\r\n0\r\nX-T: ";
	size_t n = sizeof a - 1, pad = len - 5 - 2 - 2;

	memcpy(bigbuf, a, n);
	memset(bigbuf + n, 't', pad);
	n += pad;
	memcpy(bigbuf + n, "\r\n\r\nH", 5);
	return n + 5;
}

static void
t_trailer_limit(void)
{
	struct rcase c;
	size_t n;

	n = trailers_of(HTTP_HEAD_MAX);
	c = (struct rcase){ bigbuf, n, .state = HTTP_DONE, .status = 200,
	    .keepalive = 1, .chunked = 1, .length = -1, .body = "ok",
	    .rest = 1 };
	replay_all(&c, 1);

	n = trailers_of(HTTP_HEAD_MAX + 1);
	c = (struct rcase){ bigbuf, n, .err = HTTP_ECHUNK, .rest = 1 };
	replay_all(&c, 1);
}

/* ---- well-formed responses ---- */

static const struct rcase good_length[] = {
	{ S("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"),
	    .state = HTTP_DONE, .status = 200, .keepalive = 1, .length = 5,
	    .body = "hello", .hname = "content-length", .hval = "5" },
	{ S("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
	    .state = HTTP_DONE, .status = 200, .keepalive = 1, .length = 0 },
	/* The next response on the connection is left alone. */
	{ S("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
	    "HTTP/1.1 204 No Content\r\n\r\n"), .state = HTTP_DONE,
	    .status = 200, .keepalive = 1, .length = 5, .body = "hello",
	    .rest = 27 },
	{ S("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP"),
	    .state = HTTP_DONE, .status = 200, .keepalive = 1, .length = 0,
	    .rest = 4 },
	{ S("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel"),
	    .state = HTTP_BODY, .status = 200, .keepalive = 1, .length = 5,
	    .body = "hel" },
	/* Identical repeats are one value. */
	{ S("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n"
	    "\r\nabc"), .state = HTTP_DONE, .status = 200, .keepalive = 1,
	    .length = 3, .body = "abc" },
	{ S("HTTP/1.1 200 OK\r\nContent-Length: 3, 3 ,3\r\n\r\nabc"),
	    .state = HTTP_DONE, .status = 200, .keepalive = 1, .length = 3,
	    .body = "abc" },
	{ S("HTTP/1.1 200 OK\r\nContent-Length: 0003\r\n\r\nabc"),
	    .state = HTTP_DONE, .status = 200, .keepalive = 1, .length = 3,
	    .body = "abc" },
	{ S("HTTP/1.1 200 OK\r\ncontent-LENGTH:\t 2 \t\r\n\r\nab"),
	    .state = HTTP_DONE, .status = 200, .keepalive = 1, .length = 2,
	    .body = "ab" },
	{ S("HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775807\r\n"
	    "\r\nabc"), .state = HTTP_BODY, .status = 200, .keepalive = 1,
	    .length = 9223372036854775807LL, .body = "abc" },
	/* The body may hold anything, line ends and NULs included. */
	{ S("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n\r\n\r\n\0x"),
	    .state = HTTP_DONE, .status = 200, .keepalive = 1, .length = 6,
	    .body = "\r\n\r\n\0x", .blen = 6 },
	/* Bare LF line ends (RFC 9112 2.2), alone or mixed with CRLF. */
	{ S("HTTP/1.1 200 OK\nContent-Length: 2\n\nhi"), .state = HTTP_DONE,
	    .status = 200, .keepalive = 1, .length = 2, .body = "hi" },
	{ S("HTTP/1.1 200 OK\r\nContent-Length: 2\n\r\nhi"),
	    .state = HTTP_DONE, .status = 200, .keepalive = 1, .length = 2,
	    .body = "hi" },
	{ S("HTTP/1.1 200 OK\nContent-Length: 2\r\n\nhi"),
	    .state = HTTP_DONE, .status = 200, .keepalive = 1, .length = 2,
	    .body = "hi" },
	/* Status lines. */
	{ S("HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n"),
	    .state = HTTP_DONE, .status = 404, .keepalive = 1, .length = 0 },
	{ S("HTTP/1.1 503\r\nContent-Length: 0\r\n\r\n"),
	    .state = HTTP_DONE, .status = 503, .keepalive = 1, .length = 0 },
	{ S("HTTP/1.1 999 Whatever\r\nContent-Length: 0\r\n\r\n"),
	    .state = HTTP_DONE, .status = 999, .keepalive = 1, .length = 0 },
	{ S("HTTP/1.1 200 \xc3\x87" "a va\tbien  \r\n"
	    "Content-Length: 0\r\n\r\n"),
	    .state = HTTP_DONE, .status = 200, .keepalive = 1, .length = 0 },
	{ S("HTTP/1.1 200 OK\r\n\r\n"), .state = HTTP_BODY, .status = 200,
	    .length = -1 },
	/* Header values: blanks around trimmed, empty values, obs-text. */
	{ S("HTTP/1.1 200 OK\r\nX-Empty:\r\nContent-Length: 0\r\n\r\n"),
	    .state = HTTP_DONE, .status = 200, .keepalive = 1, .length = 0,
	    .hname = "x-empty", .hval = "" },
	{ S("HTTP/1.1 200 OK\r\nX-A: \t a b\t \r\nContent-Length: 0\r\n\r\n"),
	    .state = HTTP_DONE, .status = 200, .keepalive = 1, .length = 0,
	    .hname = "X-A", .hval = "a b" },
	{ S("HTTP/1.1 200 OK\r\nX-A:\xff\x80\r\nContent-Length: 0\r\n\r\n"),
	    .state = HTTP_DONE, .status = 200, .keepalive = 1, .length = 0,
	    .hname = "x-a", .hval = "\xff\x80" },
	{ S("HTTP/1.1 200 OK\r\nX-Slack-Req-Id: 1a2b\r\nX-Slack-Req-Id: "
	    "3c\r\nContent-Length: 0\r\n\r\n"), .state = HTTP_DONE,
	    .status = 200, .keepalive = 1, .length = 0,
	    .hname = "X-SLACK-REQ-ID", .hval = "1a2b" },
	{ S("HTTP/1.1 200 OK\r\n!#$%&'*+-.^_`|~09Az: t\r\n"
	    "Content-Length: 0\r\n\r\n"), .state = HTTP_DONE, .status = 200,
	    .keepalive = 1, .length = 0, .hname = "!#$%&'*+-.^_`|~09aZ",
	    .hval = "t" },
	{ S("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
	    .state = HTTP_DONE, .status = 200, .keepalive = 1, .length = 0,
	    .hname = "Content-Lengt", .hval = NULL },
	{ S("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
	    .state = HTTP_DONE, .status = 200, .keepalive = 1, .length = 0,
	    .hname = "Content-Length:", .hval = NULL },
};

static const struct rcase good_chunked[] = {
	{ S(CH "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"), .state = HTTP_DONE,
	    .status = 200, .keepalive = 1, .chunked = 1, .length = -1,
	    .body = "hello world" },
	{ S(CH "0\r\n\r\n"), .state = HTTP_DONE, .status = 200,
	    .keepalive = 1, .chunked = 1, .length = -1 },
	{ S(CH "5\r\nhello\r\n0\r\n\r\nHTTP/1.1"), .state = HTTP_DONE,
	    .status = 200, .keepalive = 1, .chunked = 1, .length = -1,
	    .body = "hello", .rest = 8 },
	{ S(CH "A\r\n0123456789\r\na\r\nabcdefghij\r\n0\r\n\r\n"),
	    .state = HTTP_DONE, .status = 200, .keepalive = 1, .chunked = 1,
	    .length = -1, .body = "0123456789abcdefghij" },
	{ S(CH "0000000000000000000005\r\nhello\r\n000\r\n\r\n"),
	    .state = HTTP_DONE, .status = 200, .keepalive = 1, .chunked = 1,
	    .length = -1, .body = "hello" },
	/* Chunk data holding line ends. */
	{ S(CH "4\r\n\r\n\r\n\r\n0\r\n\r\n"), .state = HTTP_DONE,
	    .status = 200, .keepalive = 1, .chunked = 1, .length = -1,
	    .body = "\r\n\r\n" },
	/* Extensions, ignored. */
	{ S(CH "5;name=value\r\nhello\r\n0;last\r\n\r\n"), .state = HTTP_DONE,
	    .status = 200, .keepalive = 1, .chunked = 1, .length = -1,
	    .body = "hello" },
	{ S(CH "5 ; a=\"q;x\\\"\" ;b\r\nhello\r\n0 \t\r\n\r\n"),
	    .state = HTTP_DONE, .status = 200, .keepalive = 1, .chunked = 1,
	    .length = -1, .body = "hello" },
	{ S(CH EXT900 "\r\nhello\r\n0\r\n\r\n"), .state = HTTP_DONE,
	    .status = 200, .keepalive = 1, .chunked = 1, .length = -1,
	    .body = "hello" },
	/* Trailers, ignored. */
	{ S(CH "5\r\nhello\r\n0\r\nX-T: 1\r\nX-U:\t2 \r\n\r\nH"),
	    .state = HTTP_DONE, .status = 200, .keepalive = 1, .chunked = 1,
	    .length = -1, .body = "hello", .rest = 1 },
	/* Bare LF everywhere a line ends. */
	{ S("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n"
	    "5\nhello\n0\nX: y\n\n"), .state = HTTP_DONE, .status = 200,
	    .keepalive = 1, .chunked = 1, .length = -1, .body = "hello" },
	{ S(CH "5 \nhello\n0;x\n\n"), .state = HTTP_DONE, .status = 200,
	    .keepalive = 1, .chunked = 1, .length = -1, .body = "hello" },
	{ S(CH "5\r\nhello\n0\nX: y\r\n\n"), .state = HTTP_DONE,
	    .status = 200, .keepalive = 1, .chunked = 1, .length = -1,
	    .body = "hello" },
	/* Names and lists. */
	{ S("HTTP/1.1 200 OK\r\ntransfer-encoding:  CHUNKED \r\n\r\n"
	    "2\r\nok\r\n0\r\n\r\n"), .state = HTTP_DONE, .status = 200,
	    .keepalive = 1, .chunked = 1, .length = -1, .body = "ok" },
	{ S("HTTP/1.1 200 OK\r\nTransfer-Encoding: ,chunked,\r\n\r\n"
	    "2\r\nok\r\n0\r\n\r\n"), .state = HTTP_DONE, .status = 200,
	    .keepalive = 1, .chunked = 1, .length = -1, .body = "ok" },
	/* Chunked wins over Content-Length; the connection is not reused. */
	{ S("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
	    .state = HTTP_DONE, .status = 200, .keepalive = 0, .chunked = 1,
	    .length = -1, .body = "hello" },
	{ S("HTTP/1.1 200 OK\r\nContent-Length: nonsense\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
	    .state = HTTP_DONE, .status = 200, .keepalive = 0, .chunked = 1,
	    .length = -1, .body = "hello" },
	/* Part way through. */
	{ S(CH "5\r\nhel"), .state = HTTP_BODY, .status = 200,
	    .keepalive = 1, .chunked = 1, .length = -1, .body = "hel" },
	{ S(CH "ffffffffffffffff\r\nabc"), .state = HTTP_BODY, .status = 200,
	    .keepalive = 1, .chunked = 1, .length = -1, .body = "abc" },
};

static const struct rcase good_close[] = {
	/* No length, not chunked: the body runs to the close. */
	{ S("HTTP/1.1 200 OK\r\n\r\nall of it\r\n\r\nHTTP/1.1 200"),
	    .eof = 1, .state = HTTP_DONE, .status = 200, .length = -1,
	    .body = "all of it\r\n\r\nHTTP/1.1 200" },
	{ S("HTTP/1.1 200 OK\r\n\r\n"), .eof = 1, .state = HTTP_DONE,
	    .status = 200, .length = -1 },
	{ S("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\nabc"),
	    .eof = 1, .state = HTTP_DONE, .status = 200, .length = -1,
	    .body = "abc" },
	{ S("HTTP/1.1 500 Oops\r\nContent-Type: text/plain\r\n\r\noops"),
	    .state = HTTP_BODY, .status = 500, .length = -1, .body = "oops" },
	/* A close after the end changes nothing. */
	{ S("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx"), .eof = 1,
	    .state = HTTP_DONE, .status = 200, .keepalive = 1, .length = 1,
	    .body = "x" },
};

static const struct rcase good_keepalive[] = {
	{ S("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n"
	    "\r\n"), .state = HTTP_DONE, .status = 200, .length = 0 },
	{ S("HTTP/1.1 200 OK\r\nConnection: Upgrade, CLOSE\r\n"
	    "Content-Length: 0\r\n\r\n"), .state = HTTP_DONE, .status = 200,
	    .length = 0 },
	{ S("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nConnection: "
	    "close\r\nContent-Length: 0\r\n\r\n"), .state = HTTP_DONE,
	    .status = 200, .length = 0 },
	{ S("HTTP/1.1 200 OK\r\nConnection: closed\r\nContent-Length: 0\r\n"
	    "\r\n"), .state = HTTP_DONE, .status = 200, .keepalive = 1,
	    .length = 0 },
	{ S("HTTP/1.1 200 OK\r\nX-Connection: close\r\nContent-Length: 0\r\n"
	    "\r\n"), .state = HTTP_DONE, .status = 200, .keepalive = 1,
	    .length = 0 },
	{ S("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"),
	    .state = HTTP_DONE, .status = 200, .length = 0 },
	{ S("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\n"
	    "Content-Length: 0\r\n\r\n"), .state = HTTP_DONE, .status = 200,
	    .keepalive = 1, .length = 0 },
	{ S("HTTP/1.0 200 OK\r\nConnection: keep-alive, close\r\n"
	    "Content-Length: 0\r\n\r\n"), .state = HTTP_DONE, .status = 200,
	    .length = 0 },
	{ S("HTTP/1.2 200 OK\r\nContent-Length: 0\r\n\r\n"),
	    .state = HTTP_DONE, .status = 200, .keepalive = 1, .length = 0 },
};

static const struct rcase good_nobody[] = {
	/* 1xx but 101 are dropped, with their headers. */
	{ S("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"
	    "Content-Length: 2\r\n\r\nok"), .state = HTTP_DONE, .status = 200,
	    .keepalive = 1, .length = 2, .body = "ok" },
	{ S("HTTP/1.1 103 Early Hints\r\nLink: </a>\r\nContent-Length: 9\r\n"
	    "\r\nHTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 200 OK\r\n"
	    "Content-Length: 2\r\n\r\nok"), .state = HTTP_DONE, .status = 200,
	    .keepalive = 1, .length = 2, .body = "ok", .hname = "link",
	    .hval = NULL },
	{ S("HTTP/1.1 100 Continue\r\n\r\n"), .state = HTTP_HEAD,
	    .length = -1 },
	/* 101: done at the head; the rest belongs to the next protocol. */
	{ S("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\n\r\n\x81\x02hi"), .state = HTTP_DONE,
	    .status = 101, .length = -1, .rest = 4, .hname = "upgrade",
	    .hval = "websocket" },
	/* 204 and 304: no body, whatever the headers say. */
	{ S("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nHTTP/"),
	    .state = HTTP_DONE, .status = 204, .keepalive = 1, .length = 5,
	    .rest = 5 },
	{ S("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: gzip\r\n"
	    "Content-Length: x\r\n\r\n"), .state = HTTP_DONE, .status = 304,
	    .keepalive = 1, .length = -1 },
	{ S("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"),
	    .state = HTTP_DONE, .status = 204, .length = -1 },
	/* An answer to HEAD. */
	{ S("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHTTP/"),
	    .flags = HTTP_NOBODY, .state = HTTP_DONE, .status = 200,
	    .keepalive = 1, .length = 5, .rest = 5 },
	{ S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
	    .flags = HTTP_NOBODY, .state = HTTP_DONE, .status = 200,
	    .keepalive = 1, .length = -1 },
	{ S("HTTP/1.1 200 OK\r\n\r\n"), .flags = HTTP_NOBODY,
	    .state = HTTP_DONE, .status = 200, .keepalive = 1, .length = -1 },
	/* An answer to CONNECT: a 2xx is a tunnel. */
	{ S("HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x03"),
	    .flags = HTTP_CONNECT, .state = HTTP_DONE, .status = 200,
	    .length = -1, .rest = 3 },
	{ S("HTTP/1.0 200 OK\r\nContent-Length: 9\r\n"
	    "Transfer-Encoding: zip\r\n\r\n\x16"), .flags = HTTP_CONNECT,
	    .state = HTTP_DONE, .status = 200, .length = 9, .rest = 1 },
	{ S("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n\x16"),
	    .flags = HTTP_CONNECT, .state = HTTP_DONE, .status = 200,
	    .length = -1, .rest = 1 },
	{ S("HTTP/1.1 407 Proxy Authentication Required\r\n"
	    "Proxy-Authenticate: Basic realm=\"p\"\r\nContent-Length: 4\r\n"
	    "\r\ndeny"), .flags = HTTP_CONNECT, .state = HTTP_DONE,
	    .status = 407, .keepalive = 1, .length = 4, .body = "deny",
	    .hname = "proxy-authenticate", .hval = "Basic realm=\"p\"" },
	{ S("HTTP/1.1 502 Bad Gateway\r\n\r\nno"), .flags = HTTP_CONNECT,
	    .eof = 1, .state = HTTP_DONE, .status = 502, .length = -1,
	    .body = "no" },
	/* Without the flag, a 200 to anything else has a body. */
	{ S("HTTP/1.1 200 OK\r\n\r\n\x16"), .state = HTTP_BODY,
	    .status = 200, .length = -1, .body = "\x16" },
};

static void
t_good_length(void)
{
	replay_all(good_length, nitems(good_length));
}

static void
t_good_chunked(void)
{
	replay_all(good_chunked, nitems(good_chunked));
}

static void
t_good_close(void)
{
	replay_all(good_close, nitems(good_close));
}

static void
t_good_keepalive(void)
{
	replay_all(good_keepalive, nitems(good_keepalive));
}

static void
t_good_nobody(void)
{
	replay_all(good_nobody, nitems(good_nobody));
}

/* ---- single behaviours ---- */

static void
t_retry_after(void)
{
	static const struct {
		const char	*in;
		long		 want;
	} c[] = {
		{ "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 30\r\n"
		    "Content-Length: 0\r\n\r\n", 30 },
		{ "HTTP/1.1 429 x\r\nRetry-After:  120 \r\n\r\n", 120 },
		{ "HTTP/1.1 429 x\r\nretry-after: 0\r\n\r\n", 0 },
		{ "HTTP/1.1 503 x\r\nRetry-After: Fri, 31 Dec 1999 23:59:59 "
		    "GMT\r\n\r\n", -1 },
		{ "HTTP/1.1 429 x\r\nRetry-After: -5\r\n\r\n", -1 },
		{ "HTTP/1.1 429 x\r\nRetry-After: 1.5\r\n\r\n", -1 },
		{ "HTTP/1.1 429 x\r\nRetry-After:\r\n\r\n", -1 },
		{ "HTTP/1.1 429 x\r\nRetry-After: "
		    "99999999999999999999999\r\n\r\n", -1 },
		{ "HTTP/1.1 429 x\r\nRetry-After: 7\r\nRetry-After: 9\r\n"
		    "\r\n", 7 },
		{ "HTTP/1.1 429 x\r\n\r\n", -1 },
		{ "HTTP/1.1 100 Continue\r\nRetry-After: 5\r\n\r\n"
		    "HTTP/1.1 429 x\r\n\r\n", -1 },
	};
	const char *body;
	size_t i, n, used, blen;

	for (i = 0; i < nitems(c); i++) {
		http_resp_init(&resp, 0);
		n = strlen(c[i].in);
		used = http_resp_feed(&resp, c[i].in, n, &body, &blen);
		CHECK_EQ(used, n);
		CHECK(http_resp_state(&resp) != HTTP_FAILED);
		if (!CHECK_EQ(resp.retry_after, c[i].want))
			fprintf(stderr, "  case %zu\n", i);
	}
}

static void
feed_str(const char *s, unsigned flags)
{
	const char *body;
	size_t blen;

	http_resp_init(&resp, flags);
	http_resp_feed(&resp, s, strlen(s), &body, &blen);
}

static void
t_lookups(void)
{
	const char *v;
	size_t len = 99;

	feed_str("HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: WebSocket\r\nConnection: keep-alive , Upgrade\r\n"
	    "Connection:\r\nConnection: ,,x-Y,\r\n"
	    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n", 0);
	CHECK_EQ(http_resp_state(&resp), HTTP_DONE);
	CHECK(http_resp_has_token(&resp, "connection", "upgrade"));
	CHECK(http_resp_has_token(&resp, "CONNECTION", "Keep-Alive"));
	CHECK(http_resp_has_token(&resp, "connection", "x-y"));
	CHECK(!http_resp_has_token(&resp, "connection", "x"));
	CHECK(!http_resp_has_token(&resp, "connection", "keep"));
	CHECK(!http_resp_has_token(&resp, "connection", "keep-alive ,"));
	CHECK(!http_resp_has_token(&resp, "connection", ""));
	CHECK(http_resp_has_token(&resp, "upgrade", "websocket"));
	CHECK(!http_resp_has_token(&resp, "upgrad", "websocket"));
	CHECK(!http_resp_has_token(&resp, "x-none", "websocket"));
	v = http_resp_header(&resp, "sec-websocket-accept", &len);
	CHECK(v != NULL && len == 28 &&
	    memcmp(v, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", 28) == 0);
	v = http_resp_header(&resp, "connection", &len);
	CHECK(v != NULL && len == 20 && memcmp(v, "keep-alive , Upgrade",
	    20) == 0);
	CHECK(http_resp_header(&resp, "", &len) == NULL);

	/* Nothing before the head is complete. */
	feed_str("HTTP/1.1 200 OK\r\nX-A: 1\r\n", 0);
	CHECK_EQ(http_resp_state(&resp), HTTP_HEAD);
	CHECK(http_resp_header(&resp, "x-a", &len) == NULL);
	CHECK(!http_resp_has_token(&resp, "x-a", "1"));

	/* Nor after a failure in the head. */
	feed_str("HTTP/1.1 200 OK\r\nX-A: 1\r\nBad\r\n", 0);
	CHECK_EQ(http_resp_error(&resp), HTTP_EHEADER);
	CHECK(http_resp_header(&resp, "x-a", &len) == NULL);
	CHECK_EQ(resp.status, 0);

	/* But after a failure once the head is read, the head is kept. */
	feed_str("HTTP/1.1 200 OK\r\nX-Slack-Req-Id: r1\r\n"
	    "Content-Length: 1, 2\r\n\r\n", 0);
	CHECK_EQ(http_resp_error(&resp), HTTP_ELENGTH);
	v = http_resp_header(&resp, "x-slack-req-id", &len);
	CHECK(v != NULL && len == 2 && memcmp(v, "r1", 2) == 0);
	CHECK_EQ(resp.status, 200);

	/* A new response forgets the old head. */
	http_resp_init(&resp, 0);
	CHECK(http_resp_header(&resp, "x-slack-req-id", &len) == NULL);
	CHECK_EQ(resp.length, -1);
	CHECK_EQ(resp.retry_after, -1);
	CHECK_EQ(http_resp_error(&resp), HTTP_EOK);
}

/* Once done or failed, nothing more is taken, and the error stays. */
static void
t_sticky(void)
{
	static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
	const char *body = ok;
	size_t blen = 9;

	feed_str(ok, 0);
	CHECK_EQ(http_resp_state(&resp), HTTP_DONE);
	CHECK_EQ(http_resp_feed(&resp, ok, sizeof ok - 1, &body, &blen), 0);
	CHECK(body == NULL && blen == 0);
	CHECK_EQ(http_resp_eof(&resp), HTTP_DONE);
	CHECK_EQ(resp.keepalive, 1);

	feed_str("HTTP/1.1 200 OK\r\nBad\r\n", 0);
	CHECK_EQ(http_resp_error(&resp), HTTP_EHEADER);
	CHECK_EQ(http_resp_feed(&resp, ok, sizeof ok - 1, &body, &blen), 0);
	CHECK_EQ(http_resp_eof(&resp), HTTP_FAILED);
	CHECK_EQ(http_resp_error(&resp), HTTP_EHEADER);

	/* Feeding nothing is not an error. */
	http_resp_init(&resp, 0);
	CHECK_EQ(http_resp_feed(&resp, ok, 0, &body, &blen), 0);
	CHECK_EQ(http_resp_state(&resp), HTTP_HEAD);
	CHECK(body == NULL);
}

/* The head is given back before any body byte, even in one feed. */
static void
t_stops(void)
{
	static const char in[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n"
	    "abcHTTP";
	const char *body;
	size_t blen, k;

	http_resp_init(&resp, 0);
	k = http_resp_feed(&resp, in, sizeof in - 1, &body, &blen);
	CHECK_EQ(k, sizeof in - 1 - 7);
	CHECK(body == NULL);
	CHECK_EQ(http_resp_state(&resp), HTTP_BODY);
	k += http_resp_feed(&resp, in + k, sizeof in - 1 - k, &body, &blen);
	CHECK_EQ(k, sizeof in - 1 - 4);
	CHECK(body == in + sizeof in - 1 - 7 && blen == 3);
	CHECK_EQ(http_resp_state(&resp), HTTP_DONE);
}

static void
t_strerror(void)
{
	int i, j;

	for (i = HTTP_EOK; i <= HTTP_ETRUNC; i++) {
		CHECK(http_strerror(i) != NULL && strlen(http_strerror(i)) > 5);
		for (j = HTTP_EOK; j < i; j++)
			CHECK(strcmp(http_strerror(i), http_strerror(j)) != 0);
	}
	CHECK(strcmp(http_strerror(HTTP_EHEADBIG),
	    "response header too large") == 0);
	CHECK(strcmp(http_strerror(HTTP_ECHUNK),
	    "malformed chunked encoding") == 0);
	CHECK(http_strerror(-1) != NULL && http_strerror(HTTP_ETRUNC + 1));
}

/* ---- URLs ---- */

struct ucase {
	const char	*s;
	const char	*host;
	const char	*path;
	const char	*user;		/* NULL: none */
	unsigned	 port;
	int		 tls;
	int		 ws;
};

static const char *const bad_urls[] = {
	"", "h", "http", "http:", "http:/", "http://", "http:h", "http:/h",
	"//h/", "://h/", "ftp://h/", "htp://h/", "httpx://h/", "http2://h/",
	"ws+unix://h/", " http://h/", "http ://h/", "http:///x",
	/* blanks, controls, non-ASCII */
	"http:// h/", "http://h /", "http://h/a b", "http://h/\t",
	"http://h/\x7f", "http://h/\x80", "http://h\r\n/", "http://h/\n",
	"http://h/caf\xc3\xa9",
	/* ports */
	"http://h:/", "http://h:", "http://h:0/", "http://h:65536/",
	"http://h:99999999999999999999/", "http://h:-1/", "http://h:8a/",
	"http://h:+80/", "http://h:80:80/", "http://h: 80/",
	"http://[::1]:/", "http://[::1]:0/",
	/* hosts */
	"http://:80/", "http://user@/", "http://user@:80/", "http://@/",
	"http://h%4/", "http://h%zz/", "http://h%/", "http://h%4",
	"http://a@b@c/",
	"http://h[/", "http://h]/", "http://h^/", "http://h\\x/",
	"http://h\"/", "http://h{/", "http://h|/", "http://h`/",
	"http://[::1/", "http://[]/", "http://[::1]x/", "http://[::1]]/",
	"http://[[::1]]/", "http://[::1]:80x/", "http://::1/",
	"http://[1:2:3:4:5:6:7:8:9]/", "http://[1:2:3:4:5:6:7]/",
	"http://[1::2:3:4:5:6:7:8]/", "http://[:::]/", "http://[1:::2]/",
	"http://[::1::]/", "http://[1::2::3]/", "http://[:1::]/",
	"http://[1:]/", "http://[1::2:]/", "http://[g::1]/",
	"http://[12345::]/", "http://[::1%25eth0]/", "http://[v1.x]/",
	"http://[1.2.3.4]/", "http://[::1.2.3]/", "http://[::1.2.3.4.5]/",
	"http://[::256.1.1.1]/", "http://[::01.1.1.1]/",
	"http://[::1.2.3.4:1]/", "http://[1.2.3.4::]/",
	"http://[::ffff:1.2.3.4:5]/", "http://[1:2:3:4:5:6:7:1.2.3.4]/",
	/* userinfo */
	"http://us er@h/", "http://u%zz@h/", "http://u%2@h/", "http://u[@h/",
	"http://u\"@h/",
	/* a query with no path */
	"http://h?q=1", "https://h:443?q",
};

static const struct ucase good_urls[] = {
	{ "http://example.com", "example.com", "/", NULL, 80, 0, 0 },
	{ "HTTPS://Slack.COM/api/", "Slack.COM", "/api/", NULL, 443, 1, 0 },
	{ "Ws://h", "h", "/", NULL, 80, 0, 1 },
	{ "wSS://h/", "h", "/", NULL, 443, 1, 1 },
	{ "wss://wss-primary.slack.com/link/?ticket=abc-1&app_id=A1",
	    "wss-primary.slack.com", "/link/?ticket=abc-1&app_id=A1", NULL,
	    443, 1, 1 },
	{ "ws://h:8080/x#frag", "h", "/x", NULL, 8080, 0, 1 },
	{ "https://h/p?q=1#f#g", "h", "/p?q=1", NULL, 443, 1, 0 },
	{ "http://h#", "h", "/", NULL, 80, 0, 0 },
	{ "http://h#x/y", "h", "/", NULL, 80, 0, 0 },
	{ "http://h/?", "h", "/?", NULL, 80, 0, 0 },
	{ "http://h:1", "h", "/", NULL, 1, 0, 0 },
	{ "https://h:65535/", "h", "/", NULL, 65535, 1, 0 },
	{ "http://h:0080/", "h", "/", NULL, 80, 0, 0 },
	{ "https://h:80/", "h", "/", NULL, 80, 1, 0 },
	{ "http://192.0.2.1:3128", "192.0.2.1", "/", NULL, 3128, 0, 0 },
	{ "http://999.1.1.1/", "999.1.1.1", "/", NULL, 80, 0, 0 },
	{ "http://user:p%40ss@proxy:3128", "proxy", "/", "user:p%40ss",
	    3128, 0, 0 },
	{ "http://u:@h/", "h", "/", "u:", 80, 0, 0 },
	{ "http://@h/", "h", "/", "", 80, 0, 0 },
	{ "http://a-b._~!$&'()*+,;=:%2F@h/", "h", "/",
	    "a-b._~!$&'()*+,;=:%2F", 80, 0, 0 },
	{ "http://a.b-c_d~e!$&'()*+,;=/", "a.b-c_d~e!$&'()*+,;=", "/", NULL,
	    80, 0, 0 },
	{ "http://h%41b/", "h%41b", "/", NULL, 80, 0, 0 },
	{ "http://[::1]:8080/", "::1", "/", NULL, 8080, 0, 0 },
	{ "https://[2001:DB8::7]", "2001:DB8::7", "/", NULL, 443, 1, 0 },
	{ "http://[::]/", "::", "/", NULL, 80, 0, 0 },
	{ "http://[1::]/", "1::", "/", NULL, 80, 0, 0 },
	{ "http://[1:2:3:4:5:6:7:8]/", "1:2:3:4:5:6:7:8", "/", NULL, 80, 0,
	    0 },
	{ "http://[1:2:3:4:5:6:7::]/", "1:2:3:4:5:6:7::", "/", NULL, 80, 0,
	    0 },
	{ "http://[::ffff:192.0.2.1]/", "::ffff:192.0.2.1", "/", NULL, 80, 0,
	    0 },
	{ "http://[1:2:3:4:5:6:1.2.3.4]/", "1:2:3:4:5:6:1.2.3.4", "/", NULL,
	    80, 0, 0 },
	{ "http://[::255.0.0.0]/", "::255.0.0.0", "/", NULL, 80, 0, 0 },
	{ "http://u@[::1]:99/p", "::1", "/p", "u", 99, 0, 0 },
	{ "http://h/a%zz[]|{}", "h", "/a%zz[]|{}", NULL, 80, 0, 0 },
};

static int
view_is(const char *p, size_t n, const char *want)
{
	if (want == NULL)
		return p == NULL && n == 0;
	return p != NULL && n == strlen(want) && memcmp(p, want, n) == 0;
}

static int
url_is(const struct url *u, const struct ucase *c)
{
	return view_is(u->host, u->hostlen, c->host) &&
	    view_is(u->path, u->pathlen, c->path) &&
	    view_is(u->user, u->userlen, c->user) && u->port == c->port &&
	    u->tls == c->tls && u->ws == c->ws;
}

/* A URL written back from its parts, with the port always given. */
static size_t
url_unparse(char *out, size_t cap, const struct url *u)
{
	static const char *const sch[2][2] = { { "http", "ws" },
	    { "https", "wss" } };
	int v6 = memchr(u->host, ':', u->hostlen) != NULL;
	int n;

	n = snprintf(out, cap, "%s://%.*s%s%s%.*s%s:%u%.*s",
	    sch[u->tls != 0][u->ws != 0], (int)u->userlen,
	    u->user ? u->user : "", u->user ? "@" : "", v6 ? "[" : "",
	    (int)u->hostlen, u->host, v6 ? "]" : "", u->port,
	    (int)u->pathlen, u->path);
	return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

static void
t_url_bad(void)
{
	struct url u, keep;
	size_t i;

	memset(&keep, 0x5a, sizeof keep);
	for (i = 0; i < nitems(bad_urls); i++) {
		t_seed("url", NULL, 0, bad_urls[i], strlen(bad_urls[i]));
		u = keep;
		if (!CHECK_EQ(http_url_parse(&u, bad_urls[i],
		    strlen(bad_urls[i])), -1))
			fprintf(stderr, "  \"%s\"\n", bad_urls[i]);
		CHECK(memcmp(&u, &keep, sizeof u) == 0);
	}
	/* The length given is the end, not a NUL. */
	CHECK_EQ(http_url_parse(&u, "http://h/\0x", 11), -1);
	CHECK_EQ(http_url_parse(&u, "http://h/", 6), -1);
	CHECK_EQ(http_url_parse(&u, NULL, 0), -1);
}

static void
t_url_good(void)
{
	struct url u, v;
	char buf[256];
	size_t i, n;
	const char *s;

	for (i = 0; i < nitems(good_urls); i++) {
		t_seed("url", NULL, 0, good_urls[i].s, strlen(good_urls[i].s));
		memset(&u, 0, sizeof u);
		s = guarded(good_urls[i].s, strlen(good_urls[i].s));
		if (!CHECK_EQ(http_url_parse(&u, s, strlen(good_urls[i].s)),
		    0) || !CHECK(url_is(&u, &good_urls[i]))) {
			fprintf(stderr, "  \"%s\"\n", good_urls[i].s);
			continue;
		}
		/* Views into the input, but for the default path. */
		CHECK(u.host >= s && u.host + u.hostlen <= guard_end);
		CHECK(u.path == NULL || (u.path >= s && u.path + u.pathlen <=
		    guard_end) || strcmp(good_urls[i].path, "/") == 0);
		/* Written back and read again: the same parts. */
		n = url_unparse(buf, sizeof buf, &u);
		CHECK(n > 0);
		CHECK_EQ(http_url_parse(&v, buf, n), 0);
		CHECK(url_is(&v, &good_urls[i]));
	}
	/* Only n bytes are read. */
	CHECK_EQ(http_url_parse(&u, "http://h:80/xyz", 11), 0);
	CHECK(view_is(u.host, u.hostlen, "h") && u.port == 80 &&
	    view_is(u.path, u.pathlen, "/"));
	CHECK_EQ(http_url_parse(&u, "http://h:8080/", 10), 0);
	CHECK_EQ(u.port, 8);
}

/* ---- request heads ---- */

#define UA	"User-Agent: slackbot/" SLACKBOT_VERSION "\r\n"

struct qcase {
	const char	*method;
	const char	*url;
	const char	*bearer;
	const char	*ctype;
	long long	 clen;
	const char	*extra;
	const char	*want;
};

static const struct qcase good_reqs[] = {
	{ "POST", "https://slack.com/api/chat.postMessage", "xoxb-1-2-abc",
	    "application/json; charset=utf-8", 81, NULL,
	    "POST /api/chat.postMessage HTTP/1.1\r\nHost: slack.com\r\n" UA
	    "Authorization: Bearer xoxb-1-2-abc\r\n"
	    "Content-Type: application/json; charset=utf-8\r\n"
	    "Content-Length: 81\r\n\r\n" },
	{ "GET", "wss://wss-primary.slack.com:8443/link/?ticket=t#x", NULL,
	    NULL, -1, "Upgrade: websocket\r\nConnection: Upgrade\r\n",
	    "GET /link/?ticket=t HTTP/1.1\r\n"
	    "Host: wss-primary.slack.com:8443\r\n" UA
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n" },
	{ "CONNECT", "https://slack.com/api/x", NULL, NULL, -1,
	    "Proxy-Authorization: Basic dTpw\r\n",
	    "CONNECT slack.com:443 HTTP/1.1\r\nHost: slack.com:443\r\n" UA
	    "Proxy-Authorization: Basic dTpw\r\n\r\n" },
	{ "CONNECT", "wss://[2001:db8::1]", NULL, NULL, -1, "",
	    "CONNECT [2001:db8::1]:443 HTTP/1.1\r\n"
	    "Host: [2001:db8::1]:443\r\n" UA "\r\n" },
	{ "GET", "http://[::1]:8080/x", NULL, NULL, -1, NULL,
	    "GET /x HTTP/1.1\r\nHost: [::1]:8080\r\n" UA "\r\n" },
	{ "GET", "http://[::1]/", NULL, NULL, -1, NULL,
	    "GET / HTTP/1.1\r\nHost: [::1]\r\n" UA "\r\n" },
	{ "GET", "http://h:443", NULL, NULL, -1, NULL,
	    "GET / HTTP/1.1\r\nHost: h:443\r\n" UA "\r\n" },
	{ "GET", "https://h:80", NULL, NULL, -1, NULL,
	    "GET / HTTP/1.1\r\nHost: h:80\r\n" UA "\r\n" },
	{ "GET", "ws://h:80", NULL, NULL, -1, NULL,
	    "GET / HTTP/1.1\r\nHost: h\r\n" UA "\r\n" },
	{ "POST", "https://files.slack.com/upload/v1/CwAB", NULL,
	    "application/octet-stream", 0, NULL,
	    "POST /upload/v1/CwAB HTTP/1.1\r\nHost: files.slack.com\r\n" UA
	    "Content-Type: application/octet-stream\r\n"
	    "Content-Length: 0\r\n\r\n" },
	{ "PUT", "http://h/", NULL, NULL, 9223372036854775807LL,
	    "X-A:\r\nX-B: \tb\xff\r\n",
	    "PUT / HTTP/1.1\r\nHost: h\r\n" UA
	    "Content-Length: 9223372036854775807\r\nX-A:\r\nX-B: \tb\xff\r\n"
	    "\r\n" },
};

static size_t
req(char *out, size_t cap, const struct qcase *c, struct url *u)
{
	struct http_req q;

	if (http_url_parse(u, c->url, strlen(c->url)) != 0)
		return (size_t)-1;
	q.method = c->method;
	q.url = u;
	q.bearer = c->bearer;
	q.ctype = c->ctype;
	q.clen = c->clen;
	q.extra = c->extra;
	return http_req_head(out, cap, &q);
}

static void
t_req_good(void)
{
	static char out[1024];
	struct url u;
	size_t i, cap, n, want;

	for (i = 0; i < nitems(good_reqs); i++) {
		want = strlen(good_reqs[i].want);
		n = req(out, sizeof out, &good_reqs[i], &u);
		if (!CHECK_EQ(n, want) || !CHECK(memcmp(out,
		    good_reqs[i].want, want) == 0)) {
			fprintf(stderr, "  case %zu: %.*s\n", i,
			    n == (size_t)-1 ? 0 : (int)n, out);
			continue;
		}
		/* Every cap: exactly enough fits, one byte less does not. */
		for (cap = 0; cap <= want + 1; cap++) {
			memset(out, '#', sizeof out);
			n = req(out, cap, &good_reqs[i], &u);
			if (cap < want)
				CHECK_EQ(n, 0);
			else
				CHECK(n == want && memcmp(out,
				    good_reqs[i].want, want) == 0);
			CHECK(out[cap] == '#');
		}
	}
}

static void
t_req_injection(void)
{
	/* method, bearer, ctype, extra */
	static const char *const c[][4] = {
		{ "GET", "a\r\nX-Injected: y", NULL, NULL },
		{ "GET", "a\nb", NULL, NULL },
		{ "GET", "a\rb", NULL, NULL },
		{ "GET", "a\x01", NULL, NULL },
		{ "GET", "a\x7f", NULL, NULL },
		{ "GET", NULL, "text/plain\r\n\r\nBODY", NULL },
		{ "GET", NULL, "text/plain\n", NULL },
		{ "GET", NULL, NULL, "X-A: y" },
		{ "GET", NULL, NULL, "X-A: y\n" },
		{ "GET", NULL, NULL, "X-A: y\r" },
		{ "GET", NULL, NULL, "X-A: y\r\nZ" },
		{ "GET", NULL, NULL, "\r\n" },
		{ "GET", NULL, NULL, "X-A: y\r\n\r\n" },
		{ "GET", NULL, NULL, "X-A: y\r\n\r\nBODY" },
		{ "GET", NULL, NULL, "X-A: y\r\n folded\r\n" },
		{ "GET", NULL, NULL, "X-A: a\rb\r\n" },
		{ "GET", NULL, NULL, "X-A: a\nb\r\n" },
		{ "GET", NULL, NULL, "X-A : y\r\n" },
		{ "GET", NULL, NULL, "NoColon\r\n" },
		{ "GET", NULL, NULL, ": y\r\n" },
		{ "GET /x HTTP/1.1\r\nX:", NULL, NULL, NULL },
		{ "GET\r\n", NULL, NULL, NULL },
		{ "", NULL, NULL, NULL },
		{ "G(T", NULL, NULL, NULL },
	};
	static char out[1024];
	struct http_req q;
	struct url u;
	size_t i;

	for (i = 0; i < nitems(c); i++) {
		struct qcase qc = { c[i][0], "http://h/", c[i][1], c[i][2], -1,
		    c[i][3], NULL };

		if (!CHECK_EQ(req(out, sizeof out, &qc, &u), 0))
			fprintf(stderr, "  case %zu\n", i);
	}

	/* A struct url made by hand is checked too. */
	memset(&q, 0, sizeof q);
	q.method = "GET";
	q.url = &u;
	q.clen = -1;
	CHECK_EQ(http_url_parse(&u, "http://h/", 9), 0);
	CHECK(http_req_head(out, sizeof out, &q) > 0);
	u.host = "h\r\nX-Injected: y";
	u.hostlen = strlen(u.host);
	CHECK_EQ(http_req_head(out, sizeof out, &q), 0);
	u.host = "h h";
	u.hostlen = 3;
	CHECK_EQ(http_req_head(out, sizeof out, &q), 0);
	u.host = "";
	u.hostlen = 0;
	CHECK_EQ(http_req_head(out, sizeof out, &q), 0);
	CHECK_EQ(http_url_parse(&u, "http://h/", 9), 0);
	u.path = "/a b";
	u.pathlen = 4;
	CHECK_EQ(http_req_head(out, sizeof out, &q), 0);
	u.path = "/a\r\nX: y";
	u.pathlen = strlen(u.path);
	CHECK_EQ(http_req_head(out, sizeof out, &q), 0);
	u.path = "a";
	u.pathlen = 1;
	CHECK_EQ(http_req_head(out, sizeof out, &q), 0);
	u.path = "";
	u.pathlen = 0;
	CHECK_EQ(http_req_head(out, sizeof out, &q), 0);
	u.path = "/";
	u.pathlen = 1;
	u.port = 0;
	CHECK_EQ(http_req_head(out, sizeof out, &q), 0);
	u.port = 65536;
	CHECK_EQ(http_req_head(out, sizeof out, &q), 0);
	u.port = 80;
	CHECK(http_req_head(out, sizeof out, &q) > 0);
	q.url = NULL;
	CHECK_EQ(http_req_head(out, sizeof out, &q), 0);
	q.url = &u;
	q.method = NULL;
	CHECK_EQ(http_req_head(out, sizeof out, &q), 0);
}

/* ---- form values and Basic credentials ---- */

static void
t_form_escape(void)
{
	static const char in[] = "a b&c=d/\xc3\xa9~-._+%\r\n\0Z";
	static const char want[] =
	    "a%20b%26c%3Dd%2F%C3%A9~-._%2B%25%0D%0A%00Z";
	char out[64];
	size_t cap, n, wlen = sizeof want - 1;

	for (cap = 0; cap <= wlen + 1; cap++) {
		memset(out, '#', sizeof out);
		n = http_form_escape(out, cap, in, sizeof in - 1);
		if (cap < wlen)
			CHECK(n == (size_t)-1);
		else
			CHECK(n == wlen && memcmp(out, want, wlen) == 0);
		CHECK(out[cap] == '#');
	}
	CHECK_EQ(http_form_escape(out, 0, "", 0), 0);
	n = http_form_escape(out, sizeof out,
	    "ABCXYZabcxyz0189", 16);
	CHECK(n == 16 && memcmp(out, "ABCXYZabcxyz0189", 16) == 0);
}

static void
t_basic_auth(void)
{
	static const struct {
		const char	*in;
		const char	*want;
	} c[] = {
		/* RFC 7617's example, its space escaped as a URL has it. */
		{ "Aladdin:open%20sesame",
		    "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==" },
		{ "user:pa%40ss", "Basic dXNlcjpwYUBzcw==" },
		{ "us%3Aer:p%3a", "Basic dXM6ZXI6cDo=" },
		{ "user", "Basic dXNlcjo=" },
		{ "u:", "Basic dTo=" },
		{ ":", "Basic Og==" },
		{ "", "Basic Og==" },
		{ "abc:", "Basic YWJjOg==" },
		{ "ab:c", "Basic YWI6Yw==" },
		{ "%00:%ff", "Basic ADr/" },
	};
	static const char *const bad[] = { "u:%", "u:%4", "u:%zz", "%g0:p",
	    "u:%4g" };
	char out[64];
	size_t i, cap, n, wlen;

	for (i = 0; i < nitems(c); i++) {
		wlen = strlen(c[i].want);
		for (cap = 0; cap <= wlen + 1; cap++) {
			memset(out, '#', sizeof out);
			n = http_basic_auth(out, cap, c[i].in, strlen(c[i].in));
			if (cap < wlen)
				CHECK_EQ(n, 0);
			else if (!CHECK(n == wlen &&
			    memcmp(out, c[i].want, wlen) == 0))
				fprintf(stderr, "  \"%s\": %.*s\n", c[i].in,
				    (int)n, out);
			CHECK(out[cap] == '#');
		}
	}
	for (i = 0; i < nitems(bad); i++)
		CHECK_EQ(http_basic_auth(out, sizeof out, bad[i],
		    strlen(bad[i])), 0);
	/* A URL's userinfo, from the parser. */
	{
		struct url u;
		static const char s[] = "http://bot:s%3Ac%2Fr@proxy:3128";

		CHECK_EQ(http_url_parse(&u, s, sizeof s - 1), 0);
		n = http_basic_auth(out, sizeof out, u.user, u.userlen);
		CHECK(n == 18 && memcmp(out, "Basic Ym90OnM6Yy9y", 18) == 0);
	}
}

static const struct t_case cases[] = {
	{ "bad_status", t_bad_status },
	{ "bad_header", t_bad_header },
	{ "bad_length", t_bad_length },
	{ "bad_coding", t_bad_coding },
	{ "bad_chunk", t_bad_chunk },
	{ "head_limit", t_head_limit },
	{ "head_limit_interim", t_head_limit_interim },
	{ "trailer_limit", t_trailer_limit },
	{ "good_length", t_good_length },
	{ "good_chunked", t_good_chunked },
	{ "good_close", t_good_close },
	{ "good_keepalive", t_good_keepalive },
	{ "good_nobody", t_good_nobody },
	{ "retry_after", t_retry_after },
	{ "lookups", t_lookups },
	{ "sticky", t_sticky },
	{ "stops", t_stops },
	{ "strerror", t_strerror },
	{ "url_bad", t_url_bad },
	{ "url_good", t_url_good },
	{ "req_good", t_req_good },
	{ "req_injection", t_req_injection },
	{ "form_escape", t_form_escape },
	{ "basic_auth", t_basic_auth },
};

int
main(int argc, char **argv)
{
	guard_init();
	return t_run(cases, nitems(cases), argc, argv);
}

/*
 * tests/fuzz_ws.c: libFuzzer target for ws.c.
 *
 * Input: byte 0 picks the mode (top two bits: frames, text wrapped in
 * frames, a close payload wrapped in a frame, handshake) and the message
 * buffer size (the rest), byte 1 how many of the following bytes are
 * piece lengths; the rest is the stream.
 *
 * Frames: the stream goes to ws_feed() whole, and again cut into pieces
 * of the chosen lengths (each piece in a fenced copy of its own size, so
 * reading past it is caught).  Both runs must give the same events and error as a
 * plain whole-buffer parser written here from RFC 6455, and every call
 * must keep the documented contract (used counts, views inside the input,
 * the message buffer or the struct, lengths, valid UTF-8 in text, sticky
 * errors).  Each event also goes back out through the writer.
 *
 * Handshake: the stream is an HTTP response to a handshake made with the
 * RFC 6455 sample key, fed in pieces to http_resp_feed(); a complete head
 * goes to ws_handshake_check(), and whatever follows it to ws_feed().
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzutil.h"
#include "http.h"
#include "ws.h"

#define MAXEV	4096

struct ev {
	int	type;
	int	code;
	size_t	len;
	size_t	off;
};

struct log {
	struct ev	ev[MAXEV];
	size_t		nev;
	int		err;
	size_t		used;
	unsigned char	arena[1 << 20];
};

static struct log	one, split, ref;
static struct ws	w;
static unsigned char	msgbuf[4096];
static size_t		cap;

static int
within(const void *p, size_t n, const void *base, size_t len)
{
	const unsigned char *a = p, *b = base;

	return a >= b && a <= b + len && n <= (size_t)(b + len - a);
}

static void
add(struct log *lg, int type, int code, const unsigned char *p, size_t len)
{
	if (lg->nev == MAXEV || len > sizeof lg->arena - lg->used)
		abort();
	lg->ev[lg->nev].type = type;
	lg->ev[lg->nev].code = code;
	lg->ev[lg->nev].len = len;
	lg->ev[lg->nev].off = lg->used;
	if (len > 0)
		memcpy(lg->arena + lg->used, p, len);
	lg->used += len;
	lg->nev++;
}

/* UTF-8 decoded the long way; partial: a cut last sequence is allowed. */
static int
utf8_ok(const unsigned char *p, size_t n, int partial)
{
	uint32_t cp, min;
	size_t i = 0, need, k;

	while (i < n) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if (p[i] >= 0xc0 && p[i] < 0xe0) {
			need = 1;
			cp = p[i] & 0x1f;
			min = 0x80;
		} else if (p[i] >= 0xe0 && p[i] < 0xf0) {
			need = 2;
			cp = p[i] & 0x0f;
			min = 0x800;
		} else if (p[i] >= 0xf0 && p[i] < 0xf8) {
			need = 3;
			cp = p[i] & 0x07;
			min = 0x10000;
		} else
			return 0;
		for (k = 1; k <= need && i + k < n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if (k <= need) {
			/* Cut short: could the bytes seen still lead to a
			 * good code point?  Complete it with the smallest
			 * and the largest continuations and see. */
			if (!partial)
				return 0;
			for (; k <= need; k++)
				cp <<= 6;
			if (cp + (((uint32_t)1 << 6 * (need - (n - i - 1))) -
			    1) < min || cp > 0x10ffff ||
			    (cp >= 0xd800 && cp <= 0xdfff))
				return 0;
			return 1;
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += need + 1;
	}
	return 1;
}

static int
close_ok(int c)
{
	return (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1014) ||
	    (c >= 3000 && c <= 4999);
}

/* The reference: RFC 6455 read straight from a whole buffer. */
static void
reference(struct log *lg, const unsigned char *in, size_t n)
{
	static unsigned char msg[sizeof msgbuf];
	size_t pos = 0, h, avail, mlen = 0, i;
	uint64_t len;
	int op, fin, msgop = 0, closed = 0, code;

	memset(lg, 0, offsetof(struct log, arena));
	while (pos < n) {
		if (closed) {
			lg->err = WS_ECLOSED;
			return;
		}
		if (n - pos < 2)
			return;
		fin = in[pos] >> 7;
		op = in[pos] & 0xf;
		len = in[pos + 1] & 0x7f;
		if (in[pos] & 0x70) {
			lg->err = WS_ERSV;
			return;
		}
		if (op != 0 && op != 1 && op != 2 && op != 8 && op != 9 &&
		    op != 10) {
			lg->err = WS_EOPCODE;
			return;
		}
		if (in[pos + 1] & 0x80) {
			lg->err = WS_EMASKED;
			return;
		}
		if (op >= 8) {
			lg->err = !fin ? WS_ECTLFRAG : len > 125 ? WS_ECTLBIG :
			    op == 8 && len == 1 ? WS_ECLOSELEN : 0;
		} else if (op == 0 && msgop == 0)
			lg->err = WS_ECONT;
		else if (op != 0 && msgop != 0)
			lg->err = WS_EINTERLEAVE;
		if (lg->err)
			return;
		h = len == 126 ? 4 : len == 127 ? 10 : 2;
		if (n - pos < h)
			return;
		if (len == 126) {
			len = (uint64_t)in[pos + 2] << 8 | in[pos + 3];
			if (len < 126)
				lg->err = WS_ELENGTH;
		} else if (len == 127) {
			for (len = 0, i = 2; i < 10; i++)
				len = len << 8 | in[pos + i];
			if (len >> 63)
				lg->err = WS_ELENGTH64;
			else if (len < 65536)
				lg->err = WS_ELENGTH;
		}
		if (lg->err)
			return;
		if (op < 8) {
			if (len > cap - (op == 0 ? mlen : 0)) {
				lg->err = WS_ETOOBIG;
				return;
			}
			if (op != 0) {
				msgop = op;
				mlen = 0;
			}
		}
		avail = n - pos - h;
		if (avail > len)
			avail = (size_t)len;
		if (op < 8) {
			memcpy(msg + mlen, in + pos + h, avail);
			mlen += avail;
			if (msgop == 1 && !utf8_ok(msg, mlen, 1)) {
				lg->err = WS_EUTF8;
				return;
			}
		}
		if (avail < len)
			return;
		pos += h;
		if (op == 8) {
			code = WS_CLOSE_NOCODE;
			if (len >= 2) {
				code = in[pos] << 8 | in[pos + 1];
				if (!close_ok(code))
					lg->err = WS_ECLOSECODE;
				else if (!utf8_ok(in + pos + 2, len - 2, 0))
					lg->err = WS_ECLOSEUTF8;
				if (lg->err)
					return;
			}
			add(lg, op, code, in + pos + (len >= 2 ? 2 : 0),
			    len >= 2 ? len - 2 : 0);
			closed = 1;
		} else if (op >= 8)
			add(lg, op, 0, in + pos, len);
		else if (fin) {
			if (msgop == 1 && !utf8_ok(msg, mlen, 0)) {
				lg->err = WS_EUTF8;
				return;
			}
			add(lg, msgop, 0, msg, mlen);
			msgop = 0;
		}
		pos += len;
	}
}

/* Sends an event back out through the writer and unmasks it. */
static void
rewrite(const struct ws_msg *m)
{
	static const unsigned char key[4] = { 0x5a, 0x01, 0xff, 0x80 };
	static unsigned char out[sizeof msgbuf + 16], back[sizeof msgbuf];
	size_t n, h, i, pre = 0;
	int op = m->type;

	switch (m->type) {
	case WS_OP_PONG:
		return;		/* nothing answers a pong */
	case WS_OP_PING:
		n = ws_write_pong(out, sizeof out, m, key);
		op = WS_OP_PONG;
		break;
	case WS_OP_CLOSE:
		n = ws_write_close(out, sizeof out, m->code,
		    (const char *)m->data, m->len, key);
		pre = m->code != WS_CLOSE_NOCODE ? 2 : 0;
		break;
	default:
		n = ws_write(out, sizeof out, m->type, m->data, m->len, key);
		break;
	}
	h = ws_hdrlen(pre + m->len);
	if (n != h + pre + m->len || out[0] != (0x80 | op) ||
	    (out[1] & 0x80) == 0 || memcmp(out + h - 4, key, 4) != 0)
		abort();
	for (i = 0; i < pre + m->len; i++)
		back[i] = out[h + i] ^ key[i & 3];
	if ((pre == 2 && (back[0] << 8 | back[1]) != m->code) ||
	    memcmp(back + pre, m->data, m->len) != 0)
		abort();
}

/* Checks one ws_feed() call against the contract; records the event. */
static int
checked_feed(struct log *lg, const unsigned char *p, size_t n, size_t *used)
{
	struct ws_msg m;
	size_t buffered;
	int ev, err;

	ev = ws_feed(&w, p, n, used, &m);
	if (*used > n)
		abort();
	if (ws_receiving(&w, &buffered) != 0 && buffered > cap)
		abort();
	if (ev < 0) {
		err = ws_error(&w);
		if (ev != -1 || err <= WS_EOK || err >= WS_EHEAD ||
		    ws_close_code(err) == 0)
			abort();
		lg->err = err;
		/* Sticky. */
		if (ws_feed(&w, p, n, used, &m) != -1 || *used != 0 ||
		    ws_error(&w) != err)
			abort();
		return -1;
	}
	if (ev == WS_NONE) {
		if (*used != n || ws_error(&w) != WS_EOK)
			abort();
		return 0;
	}
	if (*used == 0 || m.type != ev || m.data == NULL)
		abort();
	if (!within(m.data, m.len, p, n) && !within(m.data, m.len, msgbuf,
	    cap) && !within(m.data, m.len, &w, sizeof w))
		abort();
	switch (ev) {
	case WS_OP_TEXT:
		if (!utf8_ok(m.data, m.len, 0))
			abort();
		/* FALLTHROUGH */
	case WS_OP_BINARY:
		if (m.len > cap)
			abort();
		break;
	case WS_OP_CLOSE:
		if (m.len > 123 || (m.code != WS_CLOSE_NOCODE &&
		    !close_ok(m.code)) || (m.code == WS_CLOSE_NOCODE &&
		    m.len != 0) || !utf8_ok(m.data, m.len, 0))
			abort();
		break;
	case WS_OP_PING:
	case WS_OP_PONG:
		if (m.len > 125)
			abort();
		break;
	default:
		abort();
	}
	add(lg, ev, ev == WS_OP_CLOSE ? m.code : 0, m.data, m.len);
	rewrite(&m);
	return ev;
}

/* Feeds in[0, n) in pieces of the given lengths (cycled); none: whole. */
static void
drive(struct log *lg, const unsigned char *in, size_t n,
    const unsigned char *lens, size_t nlens)
{
	unsigned char *piece;
	size_t off = 0, len, k = 0, pos, used;
	int ev;

	memset(lg, 0, offsetof(struct log, arena));
	ws_init(&w, msgbuf, cap);
	while (off < n) {
		len = nlens == 0 ? n : (size_t)lens[k++ % nlens] + 1;
		if (len > n - off)
			len = n - off;
		piece = (unsigned char *)fz_copy(in + off, len);
		for (pos = 0; pos < len; pos += used) {
			ev = checked_feed(lg, piece + pos, len - pos, &used);
			if (ev < 0)
				return;
		}
		off += len;
	}
	lg->err = ws_error(&w);
}

static int
same(const struct log *a, const struct log *b)
{
	size_t i;

	if (a->err != b->err || a->nev != b->nev)
		return 0;
	for (i = 0; i < a->nev; i++)
		if (a->ev[i].type != b->ev[i].type ||
		    a->ev[i].code != b->ev[i].code ||
		    a->ev[i].len != b->ev[i].len ||
		    memcmp(a->arena + a->ev[i].off, b->arena + b->ev[i].off,
		    a->ev[i].len) != 0)
			return 0;
	return 1;
}

static void
frames(const unsigned char *in, size_t n, const unsigned char *lens,
    size_t nlens)
{
	reference(&ref, in, n);
	drive(&one, in, n, NULL, 0);
	if (!same(&one, &ref))
		abort();
	drive(&split, in, n, lens, nlens);
	if (!same(&split, &ref))
		abort();
}

/*
 * Frames built around the stream, so that random bytes reach the UTF-8
 * and close code checks: the payload of a text message fragmented at the
 * piece lengths, or of a close frame (its first 125 bytes).
 */
static void
wrapped(int close, const unsigned char *s, size_t n,
    const unsigned char *lens, size_t nlens)
{
	static unsigned char in[4 * MAXEV];
	size_t o = 0, off = 0, k = 0, len;
	int first = 1;

	if (close) {
		len = n > 125 ? 125 : n;
		in[o++] = 0x80 | WS_OP_CLOSE;
		in[o++] = (unsigned char)len;
		memcpy(in + o, s, len);
		frames(in, o + len, lens, nlens);
		return;
	}
	do {
		len = nlens == 0 ? n : (size_t)lens[k++ % nlens];
		/* Empty fragments only in the first round: progress. */
		if (len == 0 && k > nlens)
			len = 1;
		if (len > n - off)
			len = n - off;
		if (len > 125)
			len = 125;
		in[o++] = (unsigned char)((off + len == n ? 0x80 : 0) |
		    (first ? WS_OP_TEXT : WS_OP_CONT));
		in[o++] = (unsigned char)len;
		memcpy(in + o, s + off, len);
		o += len;
		off += len;
		first = 0;
	} while (off < n);
	frames(in, o, lens, nlens);
}

/*
 * Feeds the answer to http_resp_feed() in pieces until its head is
 * complete, checks it against a handshake made with the RFC 6455 sample
 * key, and returns the error (WS_EOK: accepted); *rest is where the bytes
 * after the head begin.
 */
static int
answer(struct http_resp *r, const unsigned char *in, size_t n,
    const unsigned char *lens, size_t nlens, size_t *rest)
{
	static const unsigned char key[WS_KEY_LEN] = "the sample nonce";
	static const char accept[] = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
	static const char where[] = "ws://server.example.com/chat";
	const char *body, *v;
	char req[512], words[128];
	size_t off = 0, k = 0, len, used, blen;
	struct url u;
	struct ws_msg m;
	char *piece;
	int err;

	http_resp_init(r, 0);
	while (off < n && http_resp_state(r) == HTTP_HEAD) {
		len = nlens == 0 ? n : (size_t)lens[k++ % nlens] + 1;
		if (len > n - off)
			len = n - off;
		piece = fz_copy(in + off, len);
		used = http_resp_feed(r, piece, len, &body, &blen);
		/* http.h: the head stops the feed; nothing else does. */
		if (used > len || (used < len &&
		    http_resp_state(r) == HTTP_HEAD))
			abort();
		off += used;
	}
	*rest = off;
	if (http_url_parse(&u, where, sizeof where - 1) != 0)
		abort();
	ws_init(&w, msgbuf, cap);
	if (ws_handshake(&w, req, sizeof req, &u, key, NULL) == 0)
		abort();
	if (ws_handshake_check(&w, r) == 0) {
		v = http_resp_header(r, "Sec-WebSocket-Accept", &len);
		if (r->status != 101 || v == NULL ||
		    len != sizeof accept - 1 || memcmp(v, accept, len) != 0 ||
		    !http_resp_has_token(r, "Upgrade", "websocket") ||
		    !http_resp_has_token(r, "Connection", "upgrade"))
			abort();
		return WS_EOK;
	}
	err = ws_error(&w);
	if (err < WS_EHEAD || err >= WS_ECOUNT || ws_close_code(err) != 0 ||
	    ws_strerror(&w, words, sizeof words)[0] == '\0' ||
	    ws_feed(&w, (const unsigned char *)"\x81\x00", 2, &used, &m) !=
	    -1 || used != 0)
		abort();
	return err;
}

/* The same answer whole and in pieces; then the frames after it. */
static void
handshake(const unsigned char *in, size_t n, const unsigned char *lens,
    size_t nlens)
{
	static struct http_resp r1, r2;
	size_t rest1, rest2;
	int e1, e2;

	e1 = answer(&r1, in, n, NULL, 0, &rest1);
	e2 = answer(&r2, in, n, lens, nlens, &rest2);
	if (e1 != e2 || rest1 != rest2)
		abort();
	if (e1 == WS_EOK)
		frames(in + rest1, n - rest1, lens, nlens);
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const unsigned char *s, *lens;
	size_t nlens, n;

	if (size < 2)
		return 0;
	nlens = data[1] % 16;
	if (size - 2 < nlens)
		return 0;
	lens = data + 2;
	s = data + 2 + nlens;
	n = size - 2 - nlens;
	/* Every event takes 2 bytes or more: at most MAXEV of them. */
	if (n > 2 * MAXEV)
		return 0;
	/* Buffers of 0 to 124 bytes, and 4096. */
	cap = (data[0] & 0x3f) == 0x3f ? sizeof msgbuf :
	    (size_t)(data[0] & 0x3f) * 2;
	switch (data[0] >> 6) {
	case 0:
		frames(s, n, lens, nlens);
		break;
	case 1:
	case 2:
		if (n <= sizeof msgbuf)
			wrapped(data[0] >> 6 == 2, s, n, lens, nlens);
		break;
	case 3:
		handshake(s, n, lens, nlens);
		break;
	}
	return 0;
}

/*
 * ws.c: see ws.h.
 *
 * Parser invariants, true whenever ws_feed() returns:
 *
 * - msglen <= cap.  msg[0, msglen) holds the payload received so far of
 *   the open data message, msgop its opcode; msgop is 0 between messages.
 *   msgop is set when a data frame's header is accepted and cleared when
 *   the message's FIN frame is handed out.
 * - A data frame's length was checked against cap - msglen before any of
 *   its payload was taken, so copying can never run past msg[cap).
 * - rx == RX_HEAD: hdr[0, hlen) are the first bytes of the next frame
 *   header and hlen < hneed (2 until the first two bytes tell 4 or 10).
 * - rx == RX_BODY: the current header (fin, op, flen) was accepted and
 *   fgot < flen; a frame whose payload is complete is finished in the same
 *   call, so a call never starts with nothing left to take.
 * - A payload is handed out in place (a view into the caller's input) only
 *   when none of it was taken before and all of it lies in the input:
 *   control frames, and data frames that are a whole message (FIN, not a
 *   continuation).  Otherwise it is copied as it arrives: data into msg,
 *   control payloads (<= 125 bytes) into ctl[].
 * - utf8 is the UTF-8 decoder state after msg[0, msglen) of a text
 *   message.  It is never U_BAD: an invalid byte is an error at once, so
 *   a bad message is refused before the rest of it arrives.  The one
 *   exception is ws_lazy_utf8(): a whole one-frame text message handed
 *   out in place is then not run through the decoder at all, and
 *   unchecked says so until the next ws_feed().
 * - closed: a close frame was handed out; nothing may follow it.
 * - err != WS_EOK is final until ws_init().
 */
#include <stdint.h>
#include <string.h>
#include <bearssl.h>

#include "http.h"
#include "util.h"
#include "ws.h"

enum { RX_HEAD, RX_BODY };

/*
 * UTF-8 (RFC 3629) as a state machine over byte classes.  The states say
 * what the next byte must be; U_BAD is final.
 */
enum {
	U_OK,		/* between code points */
	U_BAD,
	U_1,		/* one more 80-BF */
	U_2,		/* two more 80-BF */
	U_E0,		/* A0-BF (no overlong 3-byte form), then one */
	U_ED,		/* 80-9F (no surrogate), then one */
	U_3,		/* three more 80-BF */
	U_F0,		/* 90-BF (no overlong 4-byte form), then two */
	U_F4,		/* 80-8F (nothing above U+10FFFF), then two */
	U_NSTATE
};

/*
 * Byte classes: 0 ASCII, 1 80-8F, 2 90-9F, 3 A0-BF, 4 C2-DF, 5 E0,
 * 6 E1-EC EE-EF, 7 ED, 8 F0, 9 F1-F3, 10 F4, 11 never valid (C0 C1 F5-FF).
 */
static const unsigned char utf8_class[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 00 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 40 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 80 */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,	/* 90 */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,	/* A0 */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
	11, 11, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,	/* C0 */
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	5, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 7, 6, 6,	/* E0 */
	8, 9, 9, 9, 10, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11 /* F0 */
};

static const unsigned char utf8_next[U_NSTATE][12] = {
	/* columns: the byte classes 0-11 above */
	[U_OK] = { U_OK, U_BAD, U_BAD, U_BAD, U_1, U_E0, U_2, U_ED, U_F0, U_3,
	    U_F4, U_BAD },
	[U_BAD] = { U_BAD, U_BAD, U_BAD, U_BAD, U_BAD, U_BAD, U_BAD, U_BAD,
	    U_BAD, U_BAD, U_BAD, U_BAD },
	[U_1] = { U_BAD, U_OK, U_OK, U_OK, U_BAD, U_BAD, U_BAD, U_BAD, U_BAD,
	    U_BAD, U_BAD, U_BAD },
	[U_2] = { U_BAD, U_1, U_1, U_1, U_BAD, U_BAD, U_BAD, U_BAD, U_BAD,
	    U_BAD, U_BAD, U_BAD },
	[U_E0] = { U_BAD, U_BAD, U_BAD, U_1, U_BAD, U_BAD, U_BAD, U_BAD, U_BAD,
	    U_BAD, U_BAD, U_BAD },
	[U_ED] = { U_BAD, U_1, U_1, U_BAD, U_BAD, U_BAD, U_BAD, U_BAD, U_BAD,
	    U_BAD, U_BAD, U_BAD },
	[U_3] = { U_BAD, U_2, U_2, U_2, U_BAD, U_BAD, U_BAD, U_BAD, U_BAD,
	    U_BAD, U_BAD, U_BAD },
	[U_F0] = { U_BAD, U_BAD, U_2, U_2, U_BAD, U_BAD, U_BAD, U_BAD, U_BAD,
	    U_BAD, U_BAD, U_BAD },
	[U_F4] = { U_BAD, U_2, U_BAD, U_BAD, U_BAD, U_BAD, U_BAD, U_BAD, U_BAD,
	    U_BAD, U_BAD, U_BAD },
};

/* Status codes a close frame may carry (RFC 6455 7.4). */
static const struct {
	int	lo, hi;
} close_codes[] = {
	{ 1000, 1003 },
	{ 1007, 1014 },	/* 1012-1014: registered with IANA since RFC 6455 */
	{ 3000, 4999 },
};

/* Errors: the close code they call for, and words. */
static const struct {
	int		 close;
	const char	*words;
} errors[WS_ECOUNT] = {
	[WS_EOK] = { 0, "no error" },
	[WS_ERSV] = { 1002, "frame with a reserved bit set (no extension "
	    "was negotiated)" },
	[WS_EOPCODE] = { 1002, "frame with an unknown opcode" },
	[WS_EMASKED] = { 1002, "masked frame from the server" },
	[WS_ECTLFRAG] = { 1002, "fragmented control frame" },
	[WS_ECTLBIG] = { 1002, "control frame longer than 125 bytes" },
	[WS_ECONT] = { 1002, "continuation frame without a message to "
	    "continue" },
	[WS_EINTERLEAVE] = { 1002, "new message inside a fragmented one" },
	[WS_ELENGTH] = { 1002, "frame length not in its shortest form" },
	[WS_ELENGTH64] = { 1002, "64-bit frame length with the top bit set" },
	[WS_ECLOSELEN] = { 1002, "close frame with a 1-byte payload" },
	[WS_ECLOSECODE] = { 1002, "close frame with a status code that may "
	    "not be sent" },
	[WS_ECLOSED] = { 1002, "frame after the close frame" },
	[WS_EUTF8] = { 1007, "text message is not valid UTF-8" },
	[WS_ECLOSEUTF8] = { 1007, "close reason is not valid UTF-8" },
	[WS_ETOOBIG] = { 1009, "message larger than the message buffer" },
	[WS_EHEAD] = { 0, "no complete HTTP answer to the handshake" },
	[WS_ESTATUS] = { 0, "server answered %d instead of upgrading" },
	[WS_EUPGRADE] = { 0, "server did not upgrade to websocket (Upgrade "
	    "header)" },
	[WS_ECONNECTION] = { 0, "server did not confirm the upgrade "
	    "(Connection header)" },
	[WS_ENOACCEPT] = { 0, "no Sec-WebSocket-Accept in the answer" },
	[WS_EACCEPT] = { 0, "wrong Sec-WebSocket-Accept" },
	[WS_EEXTENSION] = { 0, "server chose an extension we did not offer" },
	[WS_EPROTOCOL] = { 0, "server chose a subprotocol we did not offer" },
};

/* Appended to the client's key to form the accept value (RFC 6455 4.2.2). */
static const char ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

static int
fail(struct ws *w, int err)
{
	if (w->err == WS_EOK)
		w->err = err;
	return -1;
}

/*
 * Runs the UTF-8 machine from state s over p[0, n).  ASCII runs are
 * skipped 32 or 8 bytes at a time between code points.
 */
HOT static unsigned
utf8_run(unsigned s, const unsigned char *p, size_t n)
{
	uint64_t v, w[4];
	size_t i = 0;

	while (i < n) {
		if (s == U_OK) {
			/*
			 * ASCII 32 bytes at a time, then 8; one memcpy() per
			 * word, as one of 32 bytes may become a string move.
			 */
			while (n - i >= 32) {
				memcpy(&w[0], p + i, 8);
				memcpy(&w[1], p + i + 8, 8);
				memcpy(&w[2], p + i + 16, 8);
				memcpy(&w[3], p + i + 24, 8);
				if ((w[0] | w[1] | w[2] | w[3]) &
				    0x8080808080808080ULL)
					break;
				i += 32;
			}
			while (n - i >= 8) {
				memcpy(&v, p + i, 8);
				if (v & 0x8080808080808080ULL)
					break;
				i += 8;
			}
			if (i == n)
				break;
		}
		s = utf8_next[s][utf8_class[p[i++]]];
		if (s == U_BAD)
			break;
	}
	return s;
}

static int
close_allowed(int code)
{
	size_t i;

	for (i = 0; i < sizeof close_codes / sizeof close_codes[0]; i++)
		if (code >= close_codes[i].lo && code <= close_codes[i].hi)
			return 1;
	return 0;
}

/* see ws.h */
const char *
ws_opname(int op)
{
	switch (op) {
	case WS_OP_CONT:
		return "continuation";
	case WS_OP_TEXT:
		return "text";
	case WS_OP_BINARY:
		return "binary";
	case WS_OP_CLOSE:
		return "close";
	case WS_OP_PING:
		return "ping";
	case WS_OP_PONG:
		return "pong";
	}
	return "unknown";
}

/* see ws.h */
int
ws_partial(const struct ws *w)
{
	return w->hlen > 0 || w->rx == RX_BODY || w->msgop != 0;
}

/* see ws.h */
void
ws_init(struct ws *w, unsigned char *msg, size_t cap)
{
	memset(w, 0, sizeof *w);
	w->msg = msg;
	w->cap = cap;
	w->rx = RX_HEAD;
	w->hneed = 2;
	w->utf8 = U_OK;
}

/* see ws.h */
void
ws_lazy_utf8(struct ws *w)
{
	w->lazy = 1;
}

/* see ws.h */
int
ws_check_text(struct ws *w, const unsigned char *data, size_t len)
{
	if (!w->unchecked)
		return 0;
	w->unchecked = 0;
	if (utf8_run(U_OK, data, len) != U_OK)
		return fail(w, WS_EUTF8);
	return 0;
}

/* see ws.h */
size_t
ws_handshake(struct ws *w, char *out, size_t cap, const struct url *u,
    const unsigned char *key, const char *extra)
{
	unsigned char digest[br_sha1_SIZE];
	br_sha1_context sc;
	struct http_req rq;
	const char *lines[3];
	char k64[32];
	size_t n, len, i;

	base64_encode(k64, sizeof k64, key, WS_KEY_LEN);
	br_sha1_init(&sc);
	br_sha1_update(&sc, k64, strlen(k64));
	br_sha1_update(&sc, ws_guid, sizeof ws_guid - 1);
	br_sha1_out(&sc, digest);
	base64_encode(w->accept, sizeof w->accept, digest, sizeof digest);

	/*
	 * http.c writes the common head and checks the caller's lines; the
	 * head is then reopened before its blank line for ours.
	 */
	memset(&rq, 0, sizeof rq);
	rq.method = "GET";
	rq.url = u;
	rq.clen = -1;
	rq.extra = extra;
	n = http_req_head(out, cap, &rq);
	if (n < 4 || memcmp(out + n - 4, "\r\n\r\n", 4) != 0)
		return 0;
	n -= 2;
	lines[0] = "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: ";
	lines[1] = k64;
	lines[2] = "\r\nSec-WebSocket-Version: 13\r\n\r\n";
	for (i = 0; i < 3; i++) {
		len = strlen(lines[i]);
		if (len > cap - n)
			return 0;
		memcpy(out + n, lines[i], len);
		n += len;
	}
	return n;
}

/* see ws.h */
int
ws_handshake_check(struct ws *w, const struct http_resp *r)
{
	const char *v;
	size_t len;
	int st;

	if (w->err != WS_EOK)
		return -1;
	st = http_resp_state(r);
	if (st != HTTP_BODY && st != HTTP_DONE)
		return fail(w, WS_EHEAD);
	w->status = r->status;
	if (r->status != 101)
		return fail(w, WS_ESTATUS);
	if (!http_resp_has_token(r, "Upgrade", "websocket"))
		return fail(w, WS_EUPGRADE);
	if (!http_resp_has_token(r, "Connection", "upgrade"))
		return fail(w, WS_ECONNECTION);
	if ((v = http_resp_header(r, "Sec-WebSocket-Accept", &len)) == NULL)
		return fail(w, WS_ENOACCEPT);
	if (w->accept[0] == '\0' || len != strlen(w->accept) ||
	    memcmp(v, w->accept, len) != 0)
		return fail(w, WS_EACCEPT);
	/* An empty header names nothing, so it is no extension. */
	if (http_resp_header(r, "Sec-WebSocket-Extensions", &len) != NULL &&
	    len > 0)
		return fail(w, WS_EEXTENSION);
	if (http_resp_header(r, "Sec-WebSocket-Protocol", &len) != NULL &&
	    len > 0)
		return fail(w, WS_EPROTOCOL);
	return 0;
}

/* The first two header bytes: everything but the extended length. */
static int
head_start(struct ws *w)
{
	unsigned b0 = w->hdr[0], b1 = w->hdr[1], len7 = b1 & 0x7f;

	w->fin = (b0 & 0x80) != 0;
	w->op = b0 & 0x0f;
	if (b0 & 0x70)
		return fail(w, WS_ERSV);
	switch (w->op) {
	case WS_OP_CONT:
	case WS_OP_TEXT:
	case WS_OP_BINARY:
	case WS_OP_CLOSE:
	case WS_OP_PING:
	case WS_OP_PONG:
		break;
	default:
		return fail(w, WS_EOPCODE);
	}
	if (b1 & 0x80)
		return fail(w, WS_EMASKED);
	if (w->op & 0x8) {
		if (!w->fin)
			return fail(w, WS_ECTLFRAG);
		if (len7 > WS_CTL_MAX)
			return fail(w, WS_ECTLBIG);
		if (w->op == WS_OP_CLOSE && len7 == 1)
			return fail(w, WS_ECLOSELEN);
	} else if (w->op == WS_OP_CONT && w->msgop == 0)
		return fail(w, WS_ECONT);
	else if (w->op != WS_OP_CONT && w->msgop != 0)
		return fail(w, WS_EINTERLEAVE);
	w->hneed = len7 == 126 ? 4 : len7 == 127 ? 10 : 2;
	return 0;
}

/* The whole header is in: the length, and a new message if one begins. */
static int
head_done(struct ws *w)
{
	uint64_t len;
	unsigned i;

	len = w->hdr[1] & 0x7f;
	if (len == 126) {
		len = (uint64_t)w->hdr[2] << 8 | w->hdr[3];
		if (len < 126)
			return fail(w, WS_ELENGTH);
	} else if (len == 127) {
		if (w->hdr[2] & 0x80)
			return fail(w, WS_ELENGTH64);
		for (len = 0, i = 2; i < 10; i++)
			len = len << 8 | w->hdr[i];
		if (len < 65536)
			return fail(w, WS_ELENGTH);
	}
	if (!(w->op & 0x8)) {
		/* Refused before a byte of it is copied. */
		if (len > w->cap - w->msglen)
			return fail(w, WS_ETOOBIG);
		if (w->op != WS_OP_CONT) {
			w->msgop = w->op;
			w->msglen = 0;
			w->utf8 = U_OK;
		}
	}
	w->flen = len;
	w->fgot = 0;
	return 0;
}

/*
 * A frame's payload p[0, len) is complete: the whole message for a data
 * frame.  Returns the event, WS_NONE when the message goes on, or -1.
 */
static int
frame_done(struct ws *w, const unsigned char *p, size_t len,
    struct ws_msg *m)
{
	int code = 0;

	if (w->op & 0x8) {
		if (w->op == WS_OP_CLOSE) {
			if (len == 0)
				code = WS_CLOSE_NOCODE;
			else {
				code = p[0] << 8 | p[1];
				if (!close_allowed(code))
					return fail(w, WS_ECLOSECODE);
				p += 2;
				len -= 2;
				if (utf8_run(U_OK, p, len) != U_OK)
					return fail(w, WS_ECLOSEUTF8);
			}
			w->closed = 1;
		}
		m->type = w->op;
	} else {
		if (!w->fin)
			return WS_NONE;
		if (w->msgop == WS_OP_TEXT && w->utf8 != U_OK)
			return fail(w, WS_EUTF8);
		m->type = w->msgop;
		w->msgop = 0;
		w->msglen = 0;
	}
	m->data = p;
	m->len = len;
	m->code = code;
	return m->type;
}

/* see ws.h */
int
ws_feed(struct ws *w, const unsigned char *in, size_t n, size_t *used,
    struct ws_msg *m)
{
	const unsigned char *p;
	unsigned char *dst;
	size_t off = 0, k, len;
	int ctl, text, ev;

	*used = 0;
	w->unchecked = 0;
	m->type = WS_NONE;
	m->data = in;
	m->len = 0;
	m->code = 0;
	if (w->err != WS_EOK)
		return -1;
	if (w->closed && n > 0)
		return fail(w, WS_ECLOSED);
	for (;;) {
		switch (w->rx) {
		case RX_HEAD:
			if (off == n)
				goto more;
			w->hdr[w->hlen++] = in[off++];
			if (w->hlen == 2 && head_start(w) < 0)
				goto out;
			if (w->hlen < 2 || w->hlen < w->hneed)
				break;
			if (head_done(w) < 0)
				goto out;
			w->rx = RX_BODY;
			break;
		case RX_BODY:
			ctl = (w->op & 0x8) != 0;
			text = !ctl && w->msgop == WS_OP_TEXT;
			/* flen fits a size_t: checked against cap or 125. */
			k = (size_t)(w->flen - w->fgot);
			if (w->fgot == 0 && k <= n - off &&
			    (ctl || (w->fin && w->op != WS_OP_CONT))) {
				/* All of it is here: no copy. */
				p = in + off;
				len = k;
				off += k;
				if (text && w->lazy)
					w->unchecked = 1;
				else if (text && (w->utf8 = utf8_run(U_OK, p,
				    len)) == U_BAD) {
					fail(w, WS_EUTF8);
					goto out;
				}
			} else {
				if (k > n - off)
					k = n - off;
				dst = ctl ? w->ctl + w->fgot :
				    w->msg + w->msglen;
				if (k > 0)
					memcpy(dst, in + off, k);
				if (text && (w->utf8 = utf8_run(w->utf8, dst,
				    k)) == U_BAD) {
					fail(w, WS_EUTF8);
					goto out;
				}
				off += k;
				w->fgot += k;
				if (!ctl)
					w->msglen += k;
				if (w->fgot < w->flen)
					goto more;
				p = ctl ? w->ctl : w->msg;
				len = ctl ? (size_t)w->flen : w->msglen;
			}
			w->rx = RX_HEAD;
			w->hlen = 0;
			w->hneed = 2;
			ev = frame_done(w, p, len, m);
			if (ev < 0)
				goto out;
			if (ev != WS_NONE) {
				*used = off;
				return ev;
			}
			break;
		}
	}
more:
	*used = off;
	return WS_NONE;
out:
	*used = off;
	return -1;
}

/* see ws.h */
int
ws_receiving(const struct ws *w, size_t *buffered)
{
	if (buffered != NULL)
		*buffered = w->msgop != 0 ? w->msglen : 0;
	return w->msgop;
}

/* see ws.h */
size_t
ws_hdrlen(size_t len)
{
	return len < 126 ? 6 : len < 65536 ? 8 : 14;
}

/*
 * XORs p[0, n) with the key repeated, eight bytes at a time; memcpy keeps
 * unaligned access defined, and the compiler turns it into plain loads.
 */
static void
mask(unsigned char *p, size_t n, const unsigned char *key)
{
	unsigned char k8[8];
	uint64_t k, v;
	size_t i;

	memcpy(k8, key, 4);
	memcpy(k8 + 4, key, 4);
	memcpy(&k, k8, 8);
	for (i = 0; n - i >= 8; i += 8) {
		memcpy(&v, p + i, 8);
		v ^= k;
		memcpy(p + i, &v, 8);
	}
	for (; i < n; i++)
		p[i] ^= key[i & 3];
}

/* see ws.h */
size_t
ws_write(unsigned char *out, size_t cap, int op, const void *data,
    size_t len, const unsigned char *key)
{
	unsigned char k[4];
	size_t h = ws_hdrlen(len), i;

	switch (op) {
	case WS_OP_TEXT:
	case WS_OP_BINARY:
		break;
	case WS_OP_CLOSE:
	case WS_OP_PING:
	case WS_OP_PONG:
		if (len > WS_CTL_MAX)
			return 0;
		break;
	default:
		return 0;
	}
	if (h > cap || len > cap - h)
		return 0;
	/* Payload first: data may overlap out (built in place). */
	memcpy(k, key, 4);
	if (len > 0)
		memmove(out + h, data, len);
	out[0] = (unsigned char)(0x80 | op);
	if (len < 126)
		out[1] = (unsigned char)(0x80 | len);
	else if (len < 65536) {
		out[1] = 0x80 | 126;
		out[2] = (unsigned char)(len >> 8);
		out[3] = (unsigned char)len;
	} else {
		out[1] = 0x80 | 127;
		for (i = 0; i < 8; i++)
			out[2 + i] = (unsigned char)((uint64_t)len >>
			    (56 - 8 * i));
	}
	memcpy(out + h - 4, k, 4);
	mask(out + h, len, k);
	return h + len;
}

/* see ws.h */
size_t
ws_write_text(unsigned char *out, size_t cap, const char *s, size_t n,
    const unsigned char *key)
{
	return ws_write(out, cap, WS_OP_TEXT, s, n, key);
}

/* see ws.h */
size_t
ws_write_pong(unsigned char *out, size_t cap, const struct ws_msg *ping,
    const unsigned char *key)
{
	return ws_write(out, cap, WS_OP_PONG, ping->data, ping->len, key);
}

/* see ws.h */
size_t
ws_write_close(unsigned char *out, size_t cap, int code, const char *reason,
    size_t n, const unsigned char *key)
{
	unsigned char p[WS_CTL_MAX];

	if (code == WS_CLOSE_NOCODE)
		return n == 0 ? ws_write(out, cap, WS_OP_CLOSE, NULL, 0, key) :
		    0;
	if (!close_allowed(code) || n > WS_CTL_MAX - 2)
		return 0;
	p[0] = (unsigned char)(code >> 8);
	p[1] = (unsigned char)code;
	if (n > 0)
		memcpy(p + 2, reason, n);
	return ws_write(out, cap, WS_OP_CLOSE, p, n + 2, key);
}

/* see ws.h */
int
ws_error(const struct ws *w)
{
	return w->err;
}

/* see ws.h */
int
ws_close_code(int err)
{
	if (err < 0 || err >= WS_ECOUNT)
		return 0;
	return errors[err].close;
}

/* see ws.h */
const char *
ws_strerror(const struct ws *w, char *buf, size_t len)
{
	const char *s = "unknown error";
	char num[12];
	size_t o = 0, i, k;
	unsigned v;

	if (len == 0)
		return buf;
	if (w->err >= 0 && w->err < WS_ECOUNT && errors[w->err].words != NULL)
		s = errors[w->err].words;
	for (; *s != '\0' && o + 1 < len; s++) {
		if (s[0] != '%' || s[1] != 'd') {
			buf[o++] = *s;
			continue;
		}
		/* The status, 100-999 from the parser; any int here. */
		v = w->status < 0 ? 0 : (unsigned)w->status;
		k = 0;
		do
			num[k++] = (char)('0' + v % 10);
		while ((v /= 10) != 0 && k < sizeof num);
		for (i = k; i > 0 && o + 1 < len; i--)
			buf[o++] = num[i - 1];
		s++;
	}
	buf[o] = '\0';
	return buf;
}

/*
 * tests/t_ws.c: the WebSocket client framing and handshake.
 *
 * Parser cases are replayed whole, cut at every position, cut at every
 * pair of positions (short inputs) and byte by byte; each piece is fed
 * from its own buffer, which is scribbled over once fed, so an event whose
 * data was not taken before the next call shows up as a mismatch.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "harness.h"
#include "ws.h"

#define S(x)	(x), (sizeof(x) - 1)

#define BIG	(70 * 1024)
#define NOBUF	((size_t)-1)	/* tcase: a 0-byte message buffer */

/* What a run of the parser produced; payloads are copied into arena[]. */
struct rec {
	int	type;
	int	code;
	size_t	len;
	size_t	off;
};

struct run {
	struct rec	ev[16];
	size_t		nev;
	int		err;
	int		bad;		/* an invariant broke */
	size_t		used;
	unsigned char	arena[4 * BIG];
};

/* An expected event. */
struct want {
	int		 type;
	const char	*data;
	size_t		 len;
	int		 code;
};

static struct ws	w;
static unsigned char	msgbuf[2 * BIG];
static unsigned char	piece[2 * BIG];
static struct run	run;

static int
within(const void *p, size_t n, const void *base, size_t len)
{
	const unsigned char *a = p, *b = base;

	return a >= b && a <= b + len && n <= (size_t)(b + len - a);
}

/* Feeds in[0..n) as one ws_feed() caller would; 0, or -1 after an error. */
static int
feed_piece(struct run *r, size_t cap, const unsigned char *src, size_t n)
{
	struct ws_msg m;
	size_t off = 0, used;
	int ev;

	memcpy(piece, src, n);
	while (off < n) {
		ev = ws_feed(&w, piece + off, n - off, &used, &m);
		if (used > n - off)
			r->bad = 1;
		if (ev < 0) {
			r->err = ws_error(&w);
			if (r->err == WS_EOK)
				r->bad = 1;
			break;
		}
		if (ev == WS_NONE) {
			if (used != n - off)
				r->bad = 1;
			off = n;
			break;
		}
		if (used == 0 || r->nev == nitems(r->ev) ||
		    m.type != ev || m.len > sizeof r->arena - r->used ||
		    !(within(m.data, m.len, piece + off, n - off) ||
		    within(m.data, m.len, msgbuf, cap) ||
		    within(m.data, m.len, &w, sizeof w))) {
			r->bad = 1;
			break;
		}
		r->ev[r->nev].type = ev;
		r->ev[r->nev].code = m.code;
		r->ev[r->nev].len = m.len;
		r->ev[r->nev].off = r->used;
		if (m.len > 0)
			memcpy(r->arena + r->used, m.data, m.len);
		r->used += m.len;
		r->nev++;
		off += used;
	}
	memset(piece, 0xee, n);
	if (r->err != WS_EOK) {
		/* Sticky: nothing more is taken. */
		ev = ws_feed(&w, (const unsigned char *)"\x81\x00", 2, &used,
		    &m);
		if (ev != -1 || used != 0 || ws_error(&w) != r->err)
			r->bad = 1;
		return -1;
	}
	return 0;
}

/* Feeds in[] cut at cuts[0..ncut) (ascending). */
static void
feed_cuts(struct run *r, size_t cap, const unsigned char *in, size_t n,
    const size_t *cuts, size_t ncut)
{
	size_t i, from = 0, to;

	memset(r, 0, offsetof(struct run, arena));
	ws_init(&w, msgbuf, cap);
	for (i = 0; i <= ncut; i++) {
		to = i < ncut ? cuts[i] : n;
		if (feed_piece(r, cap, in + from, to - from) < 0)
			return;
		from = to;
	}
	r->err = ws_error(&w);
}

static int
matches(const struct run *r, const struct want *want, size_t nwant,
    int werr)
{
	size_t i;

	if (r->bad || r->err != werr || r->nev != nwant)
		return 0;
	for (i = 0; i < nwant; i++) {
		if (r->ev[i].type != want[i].type ||
		    r->ev[i].len != want[i].len ||
		    memcmp(r->arena + r->ev[i].off, want[i].data,
		    want[i].len) != 0)
			return 0;
		if (want[i].type == WS_OP_CLOSE &&
		    r->ev[i].code != want[i].code)
			return 0;
	}
	return 1;
}

static void
report(const char *name, const char *how, size_t a, size_t b)
{
	size_t i;

	fprintf(stderr, "%s: %s %zu %zu: err %d bad %d, %zu events:", name,
	    how, a, b, run.err, run.bad, run.nev);
	for (i = 0; i < run.nev; i++)
		fprintf(stderr, " %d/%zu/%d", run.ev[i].type, run.ev[i].len,
		    run.ev[i].code);
	fprintf(stderr, "\n");
}

/*
 * Runs in[0..n) whole, cut once at every position (long inputs: near the
 * ends and at a stride), cut twice at every pair (short inputs) and byte
 * by byte, and checks each run against want and werr.
 */
static void
check_splits(const char *name, const unsigned char *in, size_t n, size_t cap,
    const struct want *want, size_t nwant, int werr)
{
	static size_t cuts[2 * BIG];
	unsigned char pre[3];
	size_t i, j;

	/* tests/fuzz_ws.c: frames, a buffer of cap (or 4096), 7-byte pieces */
	pre[0] = cap < 126 ? (unsigned char)(cap / 2) : 0x3f;
	pre[1] = 1;
	pre[2] = 6;
	t_seed("ws", pre, sizeof pre, in, n);
	feed_cuts(&run, cap, in, n, NULL, 0);
	if (!CHECK(matches(&run, want, nwant, werr))) {
		report(name, "whole", 0, 0);
		return;
	}
	for (i = 0; i <= n; i++) {
		if (n > 512 && i > 40 && i + 40 < n && i % 509 != 0)
			continue;
		cuts[0] = i;
		feed_cuts(&run, cap, in, n, cuts, 1);
		if (!CHECK(matches(&run, want, nwant, werr))) {
			report(name, "cut", i, 0);
			return;
		}
	}
	for (i = 0; n <= 48 && i <= n; i++)
		for (j = i; j <= n; j++) {
			cuts[0] = i;
			cuts[1] = j;
			feed_cuts(&run, cap, in, n, cuts, 2);
			if (!CHECK(matches(&run, want, nwant, werr))) {
				report(name, "cuts", i, j);
				return;
			}
		}
	for (i = 0; i < n; i++)
		cuts[i] = i + 1;
	feed_cuts(&run, cap, in, n, cuts, n > 0 ? n - 1 : 0);
	if (!CHECK(matches(&run, want, nwant, werr)))
		report(name, "bytes", 0, 0);
}

/* Writes an unmasked (server) frame; returns its length. */
static size_t
sframe(unsigned char *out, int b0, const void *p, size_t len)
{
	size_t h;

	out[0] = (unsigned char)b0;
	if (len < 126) {
		out[1] = (unsigned char)len;
		h = 2;
	} else if (len < 65536) {
		out[1] = 126;
		out[2] = (unsigned char)(len >> 8);
		out[3] = (unsigned char)len;
		h = 4;
	} else {
		out[1] = 127;
		for (h = 0; h < 8; h++)
			out[2 + h] = (unsigned char)((uint64_t)len >>
			    (56 - 8 * h));
		h = 10;
	}
	if (len > 0)
		memcpy(out + h, p, len);
	return h + len;
}

/*
 * Scripted cases: input, message buffer size (0: sizeof msgbuf), events,
 * and the error at the end (WS_EOK: none).
 */
static const struct tcase {
	const char	*name;
	const char	*in;
	size_t		 n;
	size_t		 cap;
	int		 err;
	struct want	 ev[3];
} tcases[] = {
	/* RFC 6455 5.7. */
	{ "rfc hello", S("\x81\x05Hello"), 0, WS_EOK,
	    { { WS_OP_TEXT, S("Hello"), 0 } } },
	{ "rfc masked hello", S("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51"
	    "\x58"), 0, WS_EMASKED, { { 0, NULL, 0, 0 } } },
	{ "rfc fragmented", S("\x01\x03Hel\x80\x02lo"), 0, WS_EOK,
	    { { WS_OP_TEXT, S("Hello"), 0 } } },
	{ "rfc ping", S("\x89\x05Hello"), 0, WS_EOK,
	    { { WS_OP_PING, S("Hello"), 0 } } },
	{ "rfc masked pong", S("\x8a\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51"
	    "\x58"), 0, WS_EMASKED, { { 0, NULL, 0, 0 } } },

	/* Events. */
	{ "two messages", S("\x81\x05Hello\x82\x03" "abc"), 0, WS_EOK,
	    { { WS_OP_TEXT, S("Hello"), 0 },
	      { WS_OP_BINARY, S("abc"), 0 } } },
	{ "empty text", S("\x81\x00"), 0, WS_EOK,
	    { { WS_OP_TEXT, S(""), 0 } } },
	{ "empty binary", S("\x82\x00"), 0, WS_EOK,
	    { { WS_OP_BINARY, S(""), 0 } } },
	{ "empty fragments", S("\x01\x00\x00\x00\x80\x00"), 0, WS_EOK,
	    { { WS_OP_TEXT, S(""), 0 } } },
	{ "three fragments", S("\x02\x01" "a\x00\x00\x00\x02" "bc\x80\x01"
	    "d"), 0, WS_EOK, { { WS_OP_BINARY, S("abcd"), 0 } } },
	{ "pong", S("\x8a\x00"), 0, WS_EOK, { { WS_OP_PONG, S(""), 0 } } },
	{ "ping 125", S("\x89\x7d"
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "4567890123456789012345678901234567890123456789012345678901234"),
	    0, WS_EOK, { { WS_OP_PING, S(
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "4567890123456789012345678901234567890123456789012345678901234"),
	    0 } } },
	{ "ping between fragments", S("\x01\x03Hel\x89\x02hi\x80\x02lo"), 0,
	    WS_EOK, { { WS_OP_PING, S("hi"), 0 },
	      { WS_OP_TEXT, S("Hello"), 0 } } },
	{ "pong and ping between", S("\x02\x01" "a\x8a\x00\x89\x01p\x80\x01"
	    "b"), 0, WS_EOK, { { WS_OP_PONG, S(""), 0 },
	      { WS_OP_PING, S("p"), 0 }, { WS_OP_BINARY, S("ab"), 0 } } },
	{ "close empty", S("\x88\x00"), 0, WS_EOK,
	    { { WS_OP_CLOSE, S(""), WS_CLOSE_NOCODE } } },
	{ "close 1000", S("\x88\x02\x03\xe8"), 0, WS_EOK,
	    { { WS_OP_CLOSE, S(""), 1000 } } },
	{ "close reason", S("\x88\x05\x03\xe9" "bye"), 0, WS_EOK,
	    { { WS_OP_CLOSE, S("bye"), 1001 } } },
	{ "close utf-8 reason", S("\x88\x06\x0f\xa0\xe2\x82\xac!"), 0,
	    WS_EOK, { { WS_OP_CLOSE, S("\xe2\x82\xac!"), 4000 } } },
	{ "close between fragments", S("\x01\x01" "a\x88\x02\x03\xe8"), 0,
	    WS_EOK, { { WS_OP_CLOSE, S(""), 1000 } } },
	{ "after close", S("\x88\x00\x81\x00"), 0, WS_ECLOSED,
	    { { WS_OP_CLOSE, S(""), WS_CLOSE_NOCODE } } },
	{ "binary not utf-8", S("\x82\x02\xff\xfe"), 0, WS_EOK,
	    { { WS_OP_BINARY, S("\xff\xfe"), 0 } } },
	{ "code point across fragments", S("\x01\x02\xe2\x82\x80\x01\xac"),
	    0, WS_EOK, { { WS_OP_TEXT, S("\xe2\x82\xac"), 0 } } },
	{ "code point across 4 fragments", S("\x01\x01\xf0\x00\x01\x9f"
	    "\x00\x01\x98\x80\x01\x80"), 0, WS_EOK,
	    { { WS_OP_TEXT, S("\xf0\x9f\x98\x80"), 0 } } },

	/* Header errors. */
	{ "rsv1", S("\xc1\x05Hello"), 0, WS_ERSV, { { 0, NULL, 0, 0 } } },
	{ "rsv2", S("\xa1\x05Hello"), 0, WS_ERSV, { { 0, NULL, 0, 0 } } },
	{ "rsv3", S("\x91\x05Hello"), 0, WS_ERSV, { { 0, NULL, 0, 0 } } },
	{ "rsv on ping", S("\xc9\x00"), 0, WS_ERSV, { { 0, NULL, 0, 0 } } },
	{ "rsv after message", S("\x81\x00\xf1\x00"), 0, WS_ERSV,
	    { { WS_OP_TEXT, S(""), 0 } } },
	{ "opcode 3", S("\x83\x00"), 0, WS_EOPCODE, { { 0, NULL, 0, 0 } } },
	{ "opcode 4", S("\x84\x00"), 0, WS_EOPCODE, { { 0, NULL, 0, 0 } } },
	{ "opcode 5", S("\x85\x00"), 0, WS_EOPCODE, { { 0, NULL, 0, 0 } } },
	{ "opcode 6", S("\x86\x00"), 0, WS_EOPCODE, { { 0, NULL, 0, 0 } } },
	{ "opcode 7", S("\x87\x00"), 0, WS_EOPCODE, { { 0, NULL, 0, 0 } } },
	{ "opcode b", S("\x8b\x00"), 0, WS_EOPCODE, { { 0, NULL, 0, 0 } } },
	{ "opcode c", S("\x8c\x00"), 0, WS_EOPCODE, { { 0, NULL, 0, 0 } } },
	{ "opcode d", S("\x8d\x00"), 0, WS_EOPCODE, { { 0, NULL, 0, 0 } } },
	{ "opcode e", S("\x8e\x00"), 0, WS_EOPCODE, { { 0, NULL, 0, 0 } } },
	{ "opcode f", S("\x8f\x00"), 0, WS_EOPCODE, { { 0, NULL, 0, 0 } } },
	{ "opcode 3 no fin", S("\x03\x00"), 0, WS_EOPCODE,
	    { { 0, NULL, 0, 0 } } },
	{ "masked empty", S("\x82\x80\x01\x02\x03\x04"), 0, WS_EMASKED,
	    { { 0, NULL, 0, 0 } } },
	{ "masked close", S("\x88\x80\x01\x02\x03\x04"), 0, WS_EMASKED,
	    { { 0, NULL, 0, 0 } } },
	{ "ping without fin", S("\x09\x00"), 0, WS_ECTLFRAG,
	    { { 0, NULL, 0, 0 } } },
	{ "close without fin", S("\x08\x00"), 0, WS_ECTLFRAG,
	    { { 0, NULL, 0, 0 } } },
	{ "pong without fin", S("\x0a\x00"), 0, WS_ECTLFRAG,
	    { { 0, NULL, 0, 0 } } },
	{ "ping 126", S("\x89\x7e\x00\x7e"), 0, WS_ECTLBIG,
	    { { 0, NULL, 0, 0 } } },
	{ "pong 64-bit", S("\x8a\x7f\x00\x00\x00\x00\x00\x01\x00\x00"), 0,
	    WS_ECTLBIG, { { 0, NULL, 0, 0 } } },
	{ "close 126", S("\x88\x7e\x00\x80"), 0, WS_ECTLBIG,
	    { { 0, NULL, 0, 0 } } },
	{ "lone continuation", S("\x80\x02lo"), 0, WS_ECONT,
	    { { 0, NULL, 0, 0 } } },
	{ "lone continuation no fin", S("\x00\x02lo"), 0, WS_ECONT,
	    { { 0, NULL, 0, 0 } } },
	{ "continuation after message", S("\x81\x01" "a\x80\x01" "b"), 0,
	    WS_ECONT, { { WS_OP_TEXT, S("a"), 0 } } },
	{ "text inside text", S("\x01\x03Hel\x81\x02lo"), 0, WS_EINTERLEAVE,
	    { { 0, NULL, 0, 0 } } },
	{ "binary inside text", S("\x01\x03Hel\x02\x02lo"), 0,
	    WS_EINTERLEAVE, { { 0, NULL, 0, 0 } } },
	{ "text inside binary", S("\x02\x01" "a\x89\x00\x81\x00"), 0,
	    WS_EINTERLEAVE, { { WS_OP_PING, S(""), 0 } } },
	{ "16-bit length 0", S("\x82\x7e\x00\x00"), 0, WS_ELENGTH,
	    { { 0, NULL, 0, 0 } } },
	{ "16-bit length 125", S("\x82\x7e\x00\x7d"), 0, WS_ELENGTH,
	    { { 0, NULL, 0, 0 } } },
	{ "64-bit length 0", S("\x82\x7f\x00\x00\x00\x00\x00\x00\x00\x00"),
	    0, WS_ELENGTH, { { 0, NULL, 0, 0 } } },
	{ "64-bit length 125", S("\x82\x7f\x00\x00\x00\x00\x00\x00\x00"
	    "\x7d"), 0, WS_ELENGTH, { { 0, NULL, 0, 0 } } },
	{ "64-bit length 65535", S("\x82\x7f\x00\x00\x00\x00\x00\x00\xff"
	    "\xff"), 0, WS_ELENGTH, { { 0, NULL, 0, 0 } } },
	{ "64-bit top bit", S("\x82\x7f\x80\x00\x00\x00\x00\x00\x00\x00"),
	    0, WS_ELENGTH64, { { 0, NULL, 0, 0 } } },
	{ "64-bit all ones", S("\x82\x7f\xff\xff\xff\xff\xff\xff\xff\xff"),
	    0, WS_ELENGTH64, { { 0, NULL, 0, 0 } } },
	{ "close 1 byte", S("\x88\x01\x03"), 0, WS_ECLOSELEN,
	    { { 0, NULL, 0, 0 } } },
	{ "close reason not utf-8", S("\x88\x04\x03\xe8\xc0\xaf"), 0,
	    WS_ECLOSEUTF8, { { 0, NULL, 0, 0 } } },
	{ "close reason cut", S("\x88\x04\x03\xe8\xe2\x82"), 0,
	    WS_ECLOSEUTF8, { { 0, NULL, 0, 0 } } },

	/* Message buffer limit. */
	{ "fits exactly", S("\x81\x05Hello"), 5, WS_EOK,
	    { { WS_OP_TEXT, S("Hello"), 0 } } },
	{ "too big", S("\x81\x05Hello"), 4, WS_ETOOBIG,
	    { { 0, NULL, 0, 0 } } },
	{ "too big header only", S("\x82\x05"), 4, WS_ETOOBIG,
	    { { 0, NULL, 0, 0 } } },
	{ "fragments fit", S("\x01\x03Hel\x80\x02lo"), 5, WS_EOK,
	    { { WS_OP_TEXT, S("Hello"), 0 } } },
	{ "fragments too big", S("\x01\x03Hel\x80\x02lo"), 4, WS_ETOOBIG,
	    { { 0, NULL, 0, 0 } } },
	{ "too big 16-bit", S("\x82\x7e\x01\x00"), 255, WS_ETOOBIG,
	    { { 0, NULL, 0, 0 } } },
	{ "too big 64-bit", S("\x82\x7f\x7f\xff\xff\xff\xff\xff\xff\xff"),
	    0, WS_ETOOBIG, { { 0, NULL, 0, 0 } } },
	{ "buffer 0 empty ok", S("\x81\x00"), NOBUF, WS_EOK,
	    { { WS_OP_TEXT, S(""), 0 } } },
	{ "control not counted", S("\x01\x02Hi\x89\x03" "abc\x80\x02!!"), 4,
	    WS_EOK, { { WS_OP_PING, S("abc"), 0 },
	      { WS_OP_TEXT, S("Hi!!"), 0 } } },

	/* UTF-8 of text messages. */
	{ "text ends in code point", S("\x81\x02\xe2\x82"), 0, WS_EUTF8,
	    { { 0, NULL, 0, 0 } } },
	{ "fragments end in code point", S("\x01\x01\xe2\x80\x01\x82"), 0,
	    WS_EUTF8, { { 0, NULL, 0, 0 } } },
	{ "bad byte in 2nd fragment", S("\x01\x01" "a\x80\x01\xff"), 0,
	    WS_EUTF8, { { 0, NULL, 0, 0 } } },
	{ "bad across fragments", S("\x01\x01\xed\x80\x02\xa0\x80"), 0,
	    WS_EUTF8, { { 0, NULL, 0, 0 } } },
};

static void
t_tcases(void)
{
	size_t i, k, cap;

	for (i = 0; i < nitems(tcases); i++) {
		for (k = 0; k < nitems(tcases[i].ev); k++)
			if (tcases[i].ev[k].type == 0)
				break;
		cap = tcases[i].cap == 0 ? sizeof msgbuf :
		    tcases[i].cap == NOBUF ? 0 : tcases[i].cap;
		check_splits(tcases[i].name,
		    (const unsigned char *)tcases[i].in, tcases[i].n, cap,
		    tcases[i].ev, k, tcases[i].err);
	}
}

/* RFC 6455 5.7: 256 bytes and 64 KiB of binary data. */
static void
t_rfc_lengths(void)
{
	static unsigned char in[BIG], data[65536];
	struct want want;
	size_t i, n;

	for (i = 0; i < sizeof data; i++)
		data[i] = (unsigned char)(i * 7 + (i >> 8));
	n = sframe(in, 0x82, data, 256);
	CHECK(memcmp(in, "\x82\x7e\x01\x00", 4) == 0);
	want.type = WS_OP_BINARY;
	want.data = (const char *)data;
	want.len = 256;
	check_splits("256 bytes", in, n, sizeof msgbuf, &want, 1, WS_EOK);
	check_splits("256 bytes, buffer 255", in, n, 255, &want, 0,
	    WS_ETOOBIG);

	n = sframe(in, 0x82, data, 65536);
	CHECK(memcmp(in, "\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10) ==
	    0);
	want.len = 65536;
	check_splits("64 KiB", in, n, sizeof msgbuf, &want, 1, WS_EOK);
	check_splits("64 KiB, buffer 65535", in, n, 65535, &want, 0,
	    WS_ETOOBIG);

	/* 65535 is the largest 16-bit length. */
	n = sframe(in, 0x82, data, 65535);
	CHECK(memcmp(in, "\x82\x7e\xff\xff", 4) == 0);
	want.len = 65535;
	check_splits("65535 bytes", in, n, sizeof msgbuf, &want, 1, WS_EOK);

	/* 126 is the smallest. */
	n = sframe(in, 0x81, "0123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "4567890123456789012345", 126);
	CHECK(memcmp(in, "\x81\x7e\x00\x7e", 4) == 0);
	want.type = WS_OP_TEXT;
	want.data = (const char *)in + 4;
	want.len = 126;
	check_splits("126 bytes", in, n, sizeof msgbuf, &want, 1, WS_EOK);
}

/* A 64 KiB message in fragments of every size class. */
static void
t_big_fragments(void)
{
	static unsigned char in[BIG], data[65536 + 200];
	struct want want;
	size_t i, n = 0;

	for (i = 0; i < sizeof data; i++)
		data[i] = (unsigned char)('a' + i % 26);
	n += sframe(in + n, 0x01, data, 100);
	n += sframe(in + n, 0x89, "x", 1);
	n += sframe(in + n, 0x00, data + 100, 65536);
	n += sframe(in + n, 0x80, data + 100 + 65536, 100);
	want.type = WS_OP_TEXT;
	want.data = (const char *)data;
	want.len = 65736;
	feed_cuts(&run, sizeof msgbuf, in, n, NULL, 0);
	CHECK_EQ(run.nev, 2);
	CHECK_EQ(run.ev[0].type, WS_OP_PING);
	CHECK_EQ(run.err, WS_EOK);
	CHECK_EQ(run.ev[1].type, WS_OP_TEXT);
	CHECK_EQ(run.ev[1].len, 65736);
	CHECK(memcmp(run.arena + run.ev[1].off, data, 65736) == 0);
	/* The ping before the refused fragment still comes out. */
	want.type = WS_OP_PING;
	want.data = "x";
	want.len = 1;
	check_splits("64 KiB fragments, buffer 65735", in, n, 65735, &want,
	    1, WS_ETOOBIG);
}

/* Close status codes: allowed ones are events, the rest 1002. */
static void
t_close_codes(void)
{
	static const int ok[] = { 1000, 1001, 1002, 1003, 1007, 1008, 1009,
	    1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999 };
	static const int bad[] = { 0, 1, 999, 1004, 1005, 1006,
	    1015, 1016, 1100, 2000, 2999, 5000, 65535 };
	unsigned char in[4];
	struct want want;
	size_t i;

	in[0] = 0x88;
	in[1] = 2;
	want.type = WS_OP_CLOSE;
	want.data = "";
	want.len = 0;
	for (i = 0; i < nitems(ok); i++) {
		in[2] = (unsigned char)(ok[i] >> 8);
		in[3] = (unsigned char)ok[i];
		want.code = ok[i];
		check_splits("close code ok", in, 4, sizeof msgbuf, &want, 1,
		    WS_EOK);
	}
	for (i = 0; i < nitems(bad); i++) {
		in[2] = (unsigned char)(bad[i] >> 8);
		in[3] = (unsigned char)bad[i];
		check_splits("close code bad", in, 4, sizeof msgbuf, &want, 0,
		    WS_ECLOSECODE);
	}
}

/*
 * UTF-8 cases in the manner of the Autobahn test suite (section 6), each
 * sent as one text frame and as two fragments cut at every byte.
 */
static const struct {
	const char	*s;
	size_t		 n;
	int		 ok;
} utf8[] = {
	{ S(""), 1 },
	{ S("Hello-\xc2\xb5@\xc3\x9f\xc3\xb6\xc3\xa4\xc3\xbc\xc3\xa0\xc3\xa1"
	    "-UTF-8!!"), 1 },
	{ S("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"), 1 },
	/* First and last code points of each length. */
	{ S("\x00"), 1 },
	{ S("\xc2\x80"), 1 },
	{ S("\xe0\xa0\x80"), 1 },
	{ S("\xf0\x90\x80\x80"), 1 },
	{ S("\x7f"), 1 },
	{ S("\xdf\xbf"), 1 },
	{ S("\xef\xbf\xbf"), 1 },
	{ S("\xf4\x8f\xbf\xbf"), 1 },
	/* Around the surrogates and other boundaries. */
	{ S("\xed\x9f\xbf"), 1 },
	{ S("\xee\x80\x80"), 1 },
	{ S("\xef\xbf\xbd"), 1 },
	{ S("\xef\xbf\xbe"), 1 },
	{ S("\xf1\x80\x80\x80\xf3\xbf\xbf\xbf"), 1 },
	{ S("\xf0\x9f\x98\x80 ascii after a 4-byte one 0123456789"), 1 },
	/* Beyond U+10FFFF, and bytes that never appear. */
	{ S("\xf4\x90\x80\x80"), 0 },
	{ S("\xf5\x80\x80\x80"), 0 },
	{ S("\xf7\xbf\xbf\xbf"), 0 },
	{ S("\xf8\x88\x80\x80\x80"), 0 },
	{ S("\xfc\x84\x80\x80\x80\x80"), 0 },
	{ S("\xfe"), 0 },
	{ S("\xff"), 0 },
	{ S("\xfe\xfe\xff\xff"), 0 },
	/* Continuation bytes without a start. */
	{ S("\x80"), 0 },
	{ S("\xbf"), 0 },
	{ S("\x80\xbf\x80"), 0 },
	{ S("a\x80"), 0 },
	/* Overlong forms. */
	{ S("\xc0\xaf"), 0 },
	{ S("\xc0\x80"), 0 },
	{ S("\xc1\xbf"), 0 },
	{ S("\xe0\x80\xaf"), 0 },
	{ S("\xe0\x9f\xbf"), 0 },
	{ S("\xf0\x80\x80\xaf"), 0 },
	{ S("\xf0\x8f\xbf\xbf"), 0 },
	/* Surrogates, single and paired. */
	{ S("\xed\xa0\x80"), 0 },
	{ S("\xed\xad\xbf"), 0 },
	{ S("\xed\xae\x80"), 0 },
	{ S("\xed\xaf\xbf"), 0 },
	{ S("\xed\xb0\x80"), 0 },
	{ S("\xed\xbe\x80"), 0 },
	{ S("\xed\xbf\xbf"), 0 },
	{ S("\xed\xa0\x80\xed\xb0\x80"), 0 },
	{ S("\xed\xaf\xbf\xed\xbf\xbf"), 0 },
	/* Sequences cut short, at the end or followed by something. */
	{ S("\xc2"), 0 },
	{ S("\xe0\xa0"), 0 },
	{ S("\xf0\x90\x80"), 0 },
	{ S("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce"), 0 },
	{ S("\xc0 "), 0 },
	{ S("\xe1\x80 "), 0 },
	{ S("\xf1\x80\x80 "), 0 },
	{ S("\xc2\xc2\x80"), 0 },
	{ S("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80"
	    "edited"), 0 },
	{ S("0123456789abcdef0123456789abcdef\xc0"), 0 },
	{ S("0123456789abcdef\xe2\x82\xac" "0123456789abcdef\x80"), 0 },
};

static void
t_utf8(void)
{
	unsigned char in[256];
	struct want want;
	size_t i, k, n;
	char name[64];

	for (i = 0; i < nitems(utf8); i++) {
		snprintf(name, sizeof name, "utf8 %zu", i);
		want.type = WS_OP_TEXT;
		want.data = utf8[i].s;
		want.len = utf8[i].n;
		n = sframe(in, 0x81, utf8[i].s, utf8[i].n);
		check_splits(name, in, n, sizeof msgbuf, &want,
		    utf8[i].ok ? 1 : 0, utf8[i].ok ? WS_EOK : WS_EUTF8);
		for (k = 0; k <= utf8[i].n; k++) {
			n = sframe(in, 0x01, utf8[i].s, k);
			n += sframe(in + n, 0x80, utf8[i].s + k,
			    utf8[i].n - k);
			check_splits(name, in, n, sizeof msgbuf, &want,
			    utf8[i].ok ? 1 : 0, utf8[i].ok ? WS_EOK : WS_EUTF8);
		}
		/* The same as a close reason. */
		if (utf8[i].n > 123)
			continue;
		in[0] = 0x88;
		in[1] = (unsigned char)(utf8[i].n + 2);
		in[2] = 0x03;
		in[3] = 0xe8;
		memcpy(in + 4, utf8[i].s, utf8[i].n);
		want.type = WS_OP_CLOSE;
		want.code = 1000;
		check_splits(name, in, utf8[i].n + 4, sizeof msgbuf, &want,
		    utf8[i].ok ? 1 : 0, utf8[i].ok ? WS_EOK : WS_ECLOSEUTF8);
	}
}

/*
 * A code point, good or bad, at every position of an ASCII run: the
 * decoder skips ASCII a word at a time and must see every other byte.
 */
static void
t_utf8_positions(void)
{
	static const struct {
		const char	*s;
		size_t		 n;
		int		 ok;
	} cp[] = {
		{ S("\x80"), 0 },
		{ S("\xff"), 0 },
		{ S("\xc0\xaf"), 0 },
		{ S("\xed\xa0\x80"), 0 },
		{ S("\xc2\xa9"), 1 },
		{ S("\xe2\x82\xac"), 1 },
		{ S("\xf0\x9f\x98\x80"), 1 },
	};
	unsigned char text[48], in[64];
	struct want want;
	size_t i, k, n;

	for (i = 0; i < nitems(cp); i++)
		for (k = 0; k + cp[i].n <= 40; k++) {
			memset(text, 'a', 40);
			memcpy(text + k, cp[i].s, cp[i].n);
			n = sframe(in, 0x81, text, 40);
			want.type = WS_OP_TEXT;
			want.data = (const char *)text;
			want.len = 40;
			feed_cuts(&run, sizeof msgbuf, in, n, NULL, 0);
			CHECK(matches(&run, &want, cp[i].ok, cp[i].ok ?
			    WS_EOK : WS_EUTF8));
			/* Cut so that the copy starts at every offset. */
			feed_cuts(&run, sizeof msgbuf, in, n, &(size_t){ 2 + k %
			    8 }, 1);
			CHECK(matches(&run, &want, cp[i].ok, cp[i].ok ?
			    WS_EOK : WS_EUTF8));
		}
}

/*
 * Invalid UTF-8 is refused at the byte that makes it so, before the rest
 * of the frame arrives (fail fast); a message cut in a code point only at
 * its end.
 */
static void
t_utf8_fail_fast(void)
{
	static const unsigned char in[] = "\x81\x64\xce\xba\xe1\xbd\xb9\xcf"
	    "\x83\xce\xbc\xce\xb5\xed\xa0\x80";
	struct ws_msg m;
	size_t used;

	ws_init(&w, msgbuf, sizeof msgbuf);
	CHECK_EQ(ws_feed(&w, in, 13, &used, &m), WS_NONE);
	CHECK_EQ(used, 13);
	CHECK_EQ(ws_feed(&w, in + 13, 2, &used, &m), -1);
	CHECK_EQ(ws_error(&w), WS_EUTF8);

	/* Cut in a code point: not yet an error. */
	ws_init(&w, msgbuf, sizeof msgbuf);
	CHECK_EQ(ws_feed(&w, in, 14, &used, &m), WS_NONE);
	CHECK_EQ(ws_error(&w), WS_EOK);
}

/*
 * ws_lazy_utf8(): a whole one-frame text message goes out unchecked and
 * ws_check_text() checks it; fragments are still checked as they come.
 */
static void
t_lazy_utf8(void)
{
	static const unsigned char bad[] = "\x81\x04" "ab\xc0\xaf";
	static const unsigned char good[] = "\x81\x04" "a\xc2\xa9" "b";
	static const unsigned char frag[] = "\x01\x02" "a\xff";
	struct ws_msg m;
	size_t used;

	ws_init(&w, msgbuf, sizeof msgbuf);
	ws_lazy_utf8(&w);
	CHECK_EQ(ws_feed(&w, bad, sizeof bad - 1, &used, &m), WS_OP_TEXT);
	CHECK(m.data == bad + 2);
	CHECK_EQ(ws_error(&w), WS_EOK);
	CHECK_EQ(ws_check_text(&w, m.data, m.len), -1);
	CHECK_EQ(ws_error(&w), WS_EUTF8);
	CHECK_EQ(ws_close_code(ws_error(&w)), 1007);
	CHECK_EQ(ws_feed(&w, good, sizeof good - 1, &used, &m), -1);

	ws_init(&w, msgbuf, sizeof msgbuf);
	ws_lazy_utf8(&w);
	CHECK_EQ(ws_feed(&w, good, sizeof good - 1, &used, &m), WS_OP_TEXT);
	CHECK_EQ(ws_check_text(&w, m.data, m.len), 0);
	CHECK_EQ(ws_error(&w), WS_EOK);
	/* Only the message just handed out is the caller's to check. */
	CHECK_EQ(ws_feed(&w, bad, 0, &used, &m), WS_NONE);
	CHECK_EQ(ws_check_text(&w, bad + 2, 4), 0);
	CHECK_EQ(ws_error(&w), WS_EOK);

	ws_init(&w, msgbuf, sizeof msgbuf);
	ws_lazy_utf8(&w);
	CHECK_EQ(ws_feed(&w, frag, sizeof frag - 1, &used, &m), -1);
	CHECK_EQ(ws_error(&w), WS_EUTF8);

	/* Without ws_lazy_utf8(), ws_feed() checks it, as always. */
	ws_init(&w, msgbuf, sizeof msgbuf);
	CHECK_EQ(ws_feed(&w, bad, sizeof bad - 1, &used, &m), -1);
	CHECK_EQ(ws_error(&w), WS_EUTF8);
}

/* An error is detected from the header alone, before any payload byte. */
static void
t_early_errors(void)
{
	struct ws_msg m;
	size_t used;

	ws_init(&w, msgbuf, 1000);
	CHECK_EQ(ws_feed(&w, (const unsigned char *)"\x82\x7e\x03\xe9", 4,
	    &used, &m), -1);
	CHECK_EQ(ws_error(&w), WS_ETOOBIG);
	CHECK_EQ(ws_close_code(ws_error(&w)), 1009);

	ws_init(&w, msgbuf, 1000);
	CHECK_EQ(ws_feed(&w, (const unsigned char *)"\x02\x7e\x01\xf4", 4,
	    &used, &m), WS_NONE);
	CHECK_EQ(ws_feed(&w, msgbuf + 2000, 500, &used, &m), WS_NONE);
	CHECK_EQ(ws_feed(&w, (const unsigned char *)"\x80\x7e\x01\xf5", 4,
	    &used, &m), -1);
	CHECK_EQ(ws_error(&w), WS_ETOOBIG);

	/* The masked bit is refused with the first two bytes. */
	ws_init(&w, msgbuf, 1000);
	CHECK_EQ(ws_feed(&w, (const unsigned char *)"\x81\xfe", 2, &used,
	    &m), -1);
	CHECK_EQ(ws_error(&w), WS_EMASKED);

	/* ws_init() forgets the error. */
	ws_init(&w, msgbuf, 1000);
	CHECK_EQ(ws_error(&w), WS_EOK);
	CHECK_EQ(ws_feed(&w, (const unsigned char *)"\x81\x00", 2, &used,
	    &m), WS_OP_TEXT);
}

/* Whole unfragmented frames come out as views into the input. */
static void
t_zero_copy(void)
{
	static const unsigned char in[] = "\x81\x05Hello\x89\x02hi"
	    "\x01\x03Hel\x80\x02lo";
	struct ws_msg m;
	size_t used, off = 0;

	ws_init(&w, msgbuf, sizeof msgbuf);
	CHECK_EQ(ws_feed(&w, in, sizeof in - 1, &used, &m), WS_OP_TEXT);
	CHECK(m.data == in + 2);
	CHECK_EQ(used, 7);
	off += used;
	CHECK_EQ(ws_feed(&w, in + off, sizeof in - 1 - off, &used, &m),
	    WS_OP_PING);
	CHECK(m.data == in + 9);
	off += used;
	/* Fragments are reassembled in the message buffer. */
	CHECK_EQ(ws_feed(&w, in + off, sizeof in - 1 - off, &used, &m),
	    WS_OP_TEXT);
	CHECK(m.data == msgbuf);
	CHECK(memcmp(m.data, "Hello", 5) == 0);
	off += used;
	CHECK_EQ(off, sizeof in - 1);

	/* Header in one call, the whole payload in the next: a view. */
	ws_init(&w, msgbuf, sizeof msgbuf);
	CHECK_EQ(ws_feed(&w, in, 2, &used, &m), WS_NONE);
	CHECK_EQ(ws_feed(&w, in + 2, 5, &used, &m), WS_OP_TEXT);
	CHECK(m.data == in + 2);

	/* Payload in two calls: copied. */
	ws_init(&w, msgbuf, sizeof msgbuf);
	CHECK_EQ(ws_feed(&w, in, 4, &used, &m), WS_NONE);
	CHECK_EQ(ws_receiving(&w, &used), WS_OP_TEXT);
	CHECK_EQ(used, 2);
	CHECK_EQ(ws_feed(&w, in + 4, 3, &used, &m), WS_OP_TEXT);
	CHECK(m.data == msgbuf);
	CHECK(memcmp(m.data, "Hello", 5) == 0);

	/* A split ping is kept inside the struct. */
	ws_init(&w, msgbuf, sizeof msgbuf);
	CHECK_EQ(ws_feed(&w, in + 7, 3, &used, &m), WS_NONE);
	CHECK_EQ(ws_feed(&w, in + 10, 1, &used, &m), WS_OP_PING);
	CHECK(within(m.data, 2, &w, sizeof w));
	CHECK(memcmp(m.data, "hi", 2) == 0);
}

/* ws_receiving() tells whether a message is under way. */
static void
t_receiving(void)
{
	static const unsigned char in[] = "\x02\x03" "abc\x89\x00\x80\x02"
	    "de";
	struct ws_msg m;
	size_t used, buffered = 99;

	ws_init(&w, msgbuf, sizeof msgbuf);
	CHECK_EQ(ws_receiving(&w, &buffered), 0);
	CHECK_EQ(buffered, 0);
	CHECK_EQ(ws_feed(&w, in, 5, &used, &m), WS_NONE);
	CHECK_EQ(ws_receiving(&w, &buffered), WS_OP_BINARY);
	CHECK_EQ(buffered, 3);
	CHECK_EQ(ws_feed(&w, in + 5, 2, &used, &m), WS_OP_PING);
	CHECK_EQ(ws_receiving(&w, NULL), WS_OP_BINARY);
	CHECK_EQ(ws_feed(&w, in + 7, 3, &used, &m), WS_NONE);
	CHECK_EQ(ws_receiving(&w, &buffered), WS_OP_BINARY);
	CHECK_EQ(buffered, 4);
	CHECK_EQ(ws_feed(&w, in + 10, 1, &used, &m), WS_OP_BINARY);
	CHECK_EQ(m.len, 5);
	CHECK_EQ(ws_receiving(&w, &buffered), 0);
	CHECK_EQ(buffered, 0);
}

/* Input that ends exactly at a page with no access rights. */
static void
t_guard_page(void)
{
	static const char text[] = "a text message of 47 bytes, \xe2\x82\xac "
	    "and ascii.";
	unsigned char frame[64], *page, *p;
	long psz = sysconf(_SC_PAGESIZE);
	struct ws_msg m;
	size_t n, used, cut;

	page = mmap(NULL, 2 * (size_t)psz, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!CHECK(page != MAP_FAILED))
		return;
	CHECK(mprotect(page + psz, (size_t)psz, PROT_NONE) == 0);
	n = sframe(frame, 0x81, text, sizeof text - 1);
	for (cut = 0; cut <= n; cut++) {
		ws_init(&w, msgbuf, sizeof msgbuf);
		p = page + psz - cut;
		memcpy(p, frame, cut);
		CHECK_EQ(ws_feed(&w, p, cut, &used, &m), cut < n ? WS_NONE :
		    WS_OP_TEXT);
		p = page + psz - (n - cut);
		memcpy(p, frame + cut, n - cut);
		if (cut < n) {
			CHECK_EQ(ws_feed(&w, p, n - cut, &used, &m),
			    WS_OP_TEXT);
		}
		CHECK_EQ(m.len, sizeof text - 1);
	}
	/* The writer reads its payload up to the guard as well. */
	p = page + psz - (sizeof text - 1);
	memcpy(p, text, sizeof text - 1);
	CHECK_EQ(ws_write(frame, sizeof frame, WS_OP_TEXT, p,
	    sizeof text - 1, (const unsigned char *)"\1\2\3\4"),
	    sizeof text - 1 + 6);
	munmap(page, 2 * (size_t)psz);
}

/* Errors map to close codes and have words. */
static void
t_errors(void)
{
	char buf[128];
	int e;

	CHECK_EQ(ws_close_code(WS_EOK), 0);
	for (e = WS_ERSV; e <= WS_ECLOSED; e++)
		CHECK_EQ(ws_close_code(e), 1002);
	CHECK_EQ(ws_close_code(WS_EUTF8), 1007);
	CHECK_EQ(ws_close_code(WS_ECLOSEUTF8), 1007);
	CHECK_EQ(ws_close_code(WS_ETOOBIG), 1009);
	for (e = WS_EHEAD; e < WS_ECOUNT; e++)
		CHECK_EQ(ws_close_code(e), 0);
	CHECK_EQ(ws_close_code(-1), 0);
	CHECK_EQ(ws_close_code(WS_ECOUNT), 0);

	ws_init(&w, msgbuf, sizeof msgbuf);
	CHECK(strcmp(ws_strerror(&w, buf, sizeof buf), "no error") == 0);
	for (e = WS_ERSV; e < WS_ECOUNT; e++) {
		w.err = e;
		w.status = 403;
		ws_strerror(&w, buf, sizeof buf);
		CHECK(strlen(buf) > 8);
		CHECK(strcmp(buf, "unknown error") != 0);
	}
	w.err = WS_ETOOBIG;
	CHECK(strcmp(ws_strerror(&w, buf, sizeof buf),
	    "message larger than the message buffer") == 0);
	w.err = WS_ESTATUS;
	CHECK(strcmp(ws_strerror(&w, buf, sizeof buf),
	    "server answered 403 instead of upgrading") == 0);
	/* Cut to fit, always terminated. */
	CHECK(strcmp(ws_strerror(&w, buf, 10), "server an") == 0);
	CHECK(strcmp(ws_strerror(&w, buf, 1), "") == 0);
	w.err = WS_ECOUNT;
	CHECK(strcmp(ws_strerror(&w, buf, sizeof buf), "unknown error") == 0);
}

/* Writer: RFC 6455 5.7 masked frames, byte for byte. */
static void
t_write_rfc(void)
{
	static const unsigned char key[4] = { 0x37, 0xfa, 0x21, 0x3d };
	unsigned char out[64];
	struct ws_msg ping;

	CHECK_EQ(ws_write_text(out, sizeof out, "Hello", 5, key), 11);
	CHECK(memcmp(out, "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58",
	    11) == 0);
	ping.type = WS_OP_PING;
	ping.data = (const unsigned char *)"Hello";
	ping.len = 5;
	CHECK_EQ(ws_write_pong(out, sizeof out, &ping, key), 11);
	CHECK(memcmp(out, "\x8a\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58",
	    11) == 0);
	CHECK_EQ(ws_write(out, sizeof out, WS_OP_BINARY, "Hello", 5, key), 11);
	CHECK(memcmp(out, "\x82\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58",
	    11) == 0);
	CHECK_EQ(ws_write(out, sizeof out, WS_OP_PING, NULL, 0, key), 6);
	CHECK(memcmp(out, "\x89\x80\x37\xfa\x21\x3d", 6) == 0);
}

/* Writer: length encodings, limits and refusals. */
static void
t_write_lengths(void)
{
	static unsigned char out[BIG], data[BIG];
	static const unsigned char zero[4];
	static const struct {
		size_t		 len;
		size_t		 hdr;
		const char	*head;
	} l[] = {
		{ 0, 6, "\x81\x80" },
		{ 125, 6, "\x81\xfd" },
		{ 126, 8, "\x81\xfe\x00\x7e" },
		{ 65535, 8, "\x81\xfe\xff\xff" },
		{ 65536, 14, "\x81\xff\x00\x00\x00\x00\x00\x01\x00\x00" },
		{ 70000, 14, "\x81\xff\x00\x00\x00\x00\x00\x01\x11\x70" },
	};
	size_t i;

	memset(data, 'x', sizeof data);
	for (i = 0; i < nitems(l); i++) {
		CHECK_EQ(ws_hdrlen(l[i].len), l[i].hdr);
		CHECK_EQ(ws_write(out, l[i].hdr + l[i].len, WS_OP_TEXT, data,
		    l[i].len, zero), l[i].hdr + l[i].len);
		CHECK(memcmp(out, l[i].head, l[i].hdr - 4) == 0);
		CHECK(memcmp(out + l[i].hdr - 4, zero, 4) == 0);
		CHECK(memcmp(out + l[i].hdr, data, l[i].len) == 0);
		CHECK_EQ(ws_write(out, l[i].hdr + l[i].len - 1, WS_OP_TEXT,
		    data, l[i].len, zero), 0);
	}
	CHECK_EQ(ws_hdrlen((size_t)-1), 14);
	CHECK_EQ(ws_write(out, sizeof out, WS_OP_TEXT, data, (size_t)-1,
	    zero), 0);
	CHECK_EQ(ws_write(out, 0, WS_OP_PONG, NULL, 0, zero), 0);
	CHECK_EQ(ws_write(out, 5, WS_OP_PONG, NULL, 0, zero), 0);
	/* Control frames: at most 125 bytes. */
	CHECK_EQ(ws_write(out, sizeof out, WS_OP_PING, data, 125, zero), 131);
	CHECK_EQ(ws_write(out, sizeof out, WS_OP_PING, data, 126, zero), 0);
	CHECK_EQ(ws_write(out, sizeof out, WS_OP_PONG, data, 126, zero), 0);
	CHECK_EQ(ws_write(out, sizeof out, WS_OP_CLOSE, data, 126, zero), 0);
	/* Only real opcodes. */
	CHECK_EQ(ws_write(out, sizeof out, WS_OP_CONT, data, 1, zero), 0);
	CHECK_EQ(ws_write(out, sizeof out, 3, data, 1, zero), 0);
	CHECK_EQ(ws_write(out, sizeof out, 0xb, data, 1, zero), 0);
	CHECK_EQ(ws_write(out, sizeof out, 0x11, data, 1, zero), 0);
	CHECK_EQ(ws_write(out, sizeof out, -1, data, 1, zero), 0);
}

/* Writer: close frames. */
static void
t_write_close(void)
{
	static const unsigned char key[4] = { 0x01, 0x02, 0x04, 0x08 };
	static char reason[130];
	unsigned char out[256];

	CHECK_EQ(ws_write_close(out, sizeof out, 1000, "bye", 3, key), 11);
	CHECK(memcmp(out, "\x88\x85\x01\x02\x04\x08\x02\xea\x66\x71\x64",
	    11) == 0);
	CHECK_EQ(ws_write_close(out, sizeof out, 1002, NULL, 0, key), 8);
	CHECK(memcmp(out, "\x88\x82\x01\x02\x04\x08\x02\xe8", 8) == 0);
	CHECK_EQ(ws_write_close(out, sizeof out, WS_CLOSE_NOCODE, NULL, 0,
	    key), 6);
	CHECK(memcmp(out, "\x88\x80\x01\x02\x04\x08", 6) == 0);
	CHECK_EQ(ws_write_close(out, sizeof out, WS_CLOSE_NOCODE, "x", 1,
	    key), 0);
	CHECK_EQ(ws_write_close(out, sizeof out, 4999, NULL, 0, key), 8);
	CHECK(memcmp(out + 6, "\x12\x85", 2) == 0);
	CHECK_EQ(ws_write_close(out, sizeof out, 1006, NULL, 0, key), 0);
	CHECK_EQ(ws_write_close(out, sizeof out, 1015, NULL, 0, key), 0);
	CHECK_EQ(ws_write_close(out, sizeof out, 999, NULL, 0, key), 0);
	CHECK_EQ(ws_write_close(out, sizeof out, 5000, NULL, 0, key), 0);
	memset(reason, 'r', sizeof reason);
	CHECK_EQ(ws_write_close(out, sizeof out, 1000, reason, 123, key),
	    131);
	CHECK_EQ(ws_write_close(out, sizeof out, 1000, reason, 124, key), 0);
	CHECK_EQ(ws_write_close(out, 130, 1000, reason, 123, key), 0);
}

/* The test's own server side: unmasks a client frame into data. */
static size_t
unmask(const unsigned char *f, size_t n, int *op, unsigned char *data)
{
	uint64_t len;
	size_t h, i;

	if (n < 2 || (f[0] & 0xf0) != 0x80 || (f[1] & 0x80) == 0)
		return (size_t)-1;
	*op = f[0] & 0x0f;
	len = f[1] & 0x7f;
	h = 2;
	if (len == 126) {
		len = (uint64_t)f[2] << 8 | f[3];
		h = 4;
	} else if (len == 127) {
		for (len = 0, i = 0; i < 8; i++)
			len = len << 8 | f[2 + i];
		h = 10;
	}
	if (n != h + 4 + len)
		return (size_t)-1;
	for (i = 0; i < len; i++)
		data[i] = f[h + 4 + i] ^ f[h + i % 4];
	return (size_t)len;
}

/*
 * Writer and parser: every length up to 300, then some large ones, at
 * odd alignments of payload and output, and built in place.
 */
static void
t_roundtrip(void)
{
	static unsigned char data[BIG + 8], out[BIG + 32], back[BIG],
	    srv[BIG + 16];
	static const size_t big[] = { 1000, 4095, 65535, 65536, 65537, BIG };
	unsigned char key[4];
	struct want want;
	size_t i, k, len, n, a;
	int op;

	for (i = 0; i < sizeof data; i++)
		data[i] = (unsigned char)(i * 31 + 7);
	for (k = 0; k < 300 + nitems(big); k++) {
		len = k < 300 ? k : big[k - 300];
		a = k % 8;
		key[0] = (unsigned char)k;
		key[1] = (unsigned char)(k >> 3);
		key[2] = 0xa5;
		key[3] = (unsigned char)~k;
		n = ws_write(out + a, sizeof out - a, WS_OP_BINARY,
		    data + (k % 5), len, key);
		CHECK_EQ(n, ws_hdrlen(len) + len);
		CHECK_EQ(unmask(out + a, n, &op, back), len);
		CHECK_EQ(op, WS_OP_BINARY);
		CHECK(memcmp(back, data + (k % 5), len) == 0);

		/* In place: payload already after the reserved header. */
		memcpy(out + a + ws_hdrlen(len), data + (k % 5), len);
		CHECK_EQ(ws_write(out + a, sizeof out - a, WS_OP_BINARY,
		    out + a + ws_hdrlen(len), len, key), n);
		CHECK_EQ(unmask(out + a, n, &op, back), len);
		CHECK(memcmp(back, data + (k % 5), len) == 0);

		/* Back through the parser as a server frame. */
		n = sframe(srv, 0x82, back, len);
		want.type = WS_OP_BINARY;
		want.data = (const char *)data + (k % 5);
		want.len = len;
		feed_cuts(&run, sizeof msgbuf, srv, n, NULL, 0);
		CHECK(matches(&run, &want, 1, WS_EOK));
	}
	/* Control frames answer with what came in. */
	n = ws_write_close(out, sizeof out, 1001, "going", 5, key);
	CHECK_EQ(unmask(out, n, &op, back), 7);
	CHECK_EQ(op, WS_OP_CLOSE);
	n = sframe(srv, 0x88, back, 7);
	want.type = WS_OP_CLOSE;
	want.data = "going";
	want.len = 5;
	want.code = 1001;
	feed_cuts(&run, sizeof msgbuf, srv, n, NULL, 0);
	CHECK(matches(&run, &want, 1, WS_EOK));
}

/* RFC 6455 1.3: the key "the sample nonce" and the answer it calls for. */
static const unsigned char sample_key[WS_KEY_LEN] = "the sample nonce";

static const char rfc_request[] =
    "GET /chat HTTP/1.1\r\n"
    "Host: server.example.com\r\n"
    "User-Agent: slackbot/" SLACKBOT_VERSION "\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "\r\n";

static int
url(struct url *u, const char *s)
{
	return http_url_parse(u, s, strlen(s));
}

static void
t_handshake_request(void)
{
	static const char with_extra[] =
	    "GET /link/?ticket=5a1c&app_id=7f3c HTTP/1.1\r\n"
	    "Host: wss-primary.slack.com\r\n"
	    "User-Agent: slackbot/" SLACKBOT_VERSION "\r\n"
	    "Origin: https://api.slack.com\r\n"
	    "X-Test: 1\r\n"
	    "Upgrade: websocket\r\n"
	    "Connection: Upgrade\r\n"
	    "Sec-WebSocket-Key: AAECAwQFBgcICQoLDA0ODw==\r\n"
	    "Sec-WebSocket-Version: 13\r\n"
	    "\r\n";
	unsigned char key[WS_KEY_LEN];
	char out[512];
	struct url u;
	size_t n, cap, i;

	if (!CHECK(url(&u, "ws://server.example.com/chat") == 0))
		return;
	ws_init(&w, msgbuf, sizeof msgbuf);
	n = ws_handshake(&w, out, sizeof out, &u, sample_key, NULL);
	CHECK_EQ(n, sizeof rfc_request - 1);
	CHECK(n == sizeof rfc_request - 1 && memcmp(out, rfc_request, n) == 0);
	CHECK(strcmp(w.accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") == 0);

	/* Exactly the room needed, and every size short of it. */
	for (cap = 0; cap <= n; cap++)
		CHECK_EQ(ws_handshake(&w, out, cap, &u, sample_key, NULL),
		    cap == n ? n : 0);
	CHECK(memcmp(out, rfc_request, n) == 0);

	/* A wss URL with a query, the default port, extra lines. */
	for (i = 0; i < WS_KEY_LEN; i++)
		key[i] = (unsigned char)i;
	if (!CHECK(url(&u, "wss://wss-primary.slack.com/link/?ticket=5a1c&"
	    "app_id=7f3c") == 0))
		return;
	n = ws_handshake(&w, out, sizeof out, &u, key,
	    "Origin: https://api.slack.com\r\nX-Test: 1\r\n");
	CHECK_EQ(n, sizeof with_extra - 1);
	CHECK(n == sizeof with_extra - 1 && memcmp(out, with_extra, n) == 0);
	for (cap = 0; cap < n; cap++)
		CHECK_EQ(ws_handshake(&w, out, cap, &u, key,
		    "Origin: https://api.slack.com\r\nX-Test: 1\r\n"), 0);

	/* Another port is named; lines that could break the head are not
	 * taken. */
	if (!CHECK(url(&u, "ws://127.0.0.1:8080/") == 0))
		return;
	n = ws_handshake(&w, out, sizeof out, &u, key, NULL);
	CHECK(n > 40 && memcmp(out,
	    "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n", 38) == 0);
	CHECK_EQ(ws_handshake(&w, out, sizeof out, &u, key, "X: 1"), 0);
	CHECK_EQ(ws_handshake(&w, out, sizeof out, &u, key,
	    "X: 1\r\n\r\nGET / HTTP/1.1\r\n"), 0);
}

/* Answers to the RFC's sample request. */
static const struct {
	const char	*resp;
	int		 err;
} answers[] = {
	{ "HTTP/1.1 101 Switching Protocols\r\n"
	  "Upgrade: websocket\r\n"
	  "Connection: Upgrade\r\n"
	  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
	  "\r\n", WS_EOK },
	{ "HTTP/1.1 101 Web Socket Protocol Handshake\r\n"
	  "Date: Tue, 24 Nov 2026 10:00:00 GMT\r\n"
	  "connection: keep-alive, UPGRADE\r\n"
	  "Server: test\r\n"
	  "UPGRADE: WebSocket\r\n"
	  "sec-websocket-accept:   s3pPLMBiTxaQ9kYGzzhZRbK+xOo=  \r\n"
	  "Sec-WebSocket-Version: 13\r\n"
	  "X-Other: 1\r\n"
	  "\r\n", WS_EOK },
	{ "HTTP/1.1 101 \n"
	  "Upgrade: websocket\n"
	  "Connection: keep-alive\n"
	  "Connection: Upgrade\n"
	  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\n"
	  "Sec-WebSocket-Extensions:\n"
	  "\n", WS_EOK },
	{ "HTTP/1.1 403 Forbidden\r\n"
	  "Content-Length: 0\r\n"
	  "\r\n", WS_ESTATUS },
	{ "HTTP/1.1 200 OK\r\n"
	  "Upgrade: websocket\r\n"
	  "Connection: Upgrade\r\n"
	  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
	  "Content-Length: 2\r\n"
	  "\r\n"
	  "ok", WS_ESTATUS },
	{ "HTTP/1.1 426 Upgrade Required\r\n"
	  "Sec-WebSocket-Version: 13\r\n"
	  "Content-Length: 0\r\n"
	  "\r\n", WS_ESTATUS },
	{ "HTTP/1.1 101 Switching Protocols\r\n"
	  "Connection: Upgrade\r\n"
	  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
	  "\r\n", WS_EUPGRADE },
	{ "HTTP/1.1 101 Switching Protocols\r\n"
	  "Upgrade: h2c\r\n"
	  "Connection: Upgrade\r\n"
	  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
	  "\r\n", WS_EUPGRADE },
	{ "HTTP/1.1 101 Switching Protocols\r\n"
	  "Upgrade: websockets\r\n"
	  "Connection: Upgrade\r\n"
	  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
	  "\r\n", WS_EUPGRADE },
	{ "HTTP/1.1 101 Switching Protocols\r\n"
	  "Upgrade: websocket\r\n"
	  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
	  "\r\n", WS_ECONNECTION },
	{ "HTTP/1.1 101 Switching Protocols\r\n"
	  "Upgrade: websocket\r\n"
	  "Connection: close\r\n"
	  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
	  "\r\n", WS_ECONNECTION },
	{ "HTTP/1.1 101 Switching Protocols\r\n"
	  "Upgrade: websocket\r\n"
	  "Connection: Upgraded\r\n"
	  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
	  "\r\n", WS_ECONNECTION },
	{ "HTTP/1.1 101 Switching Protocols\r\n"
	  "Upgrade: websocket\r\n"
	  "Connection: Upgrade\r\n"
	  "\r\n", WS_ENOACCEPT },
	{ "HTTP/1.1 101 Switching Protocols\r\n"
	  "Upgrade: websocket\r\n"
	  "Connection: Upgrade\r\n"
	  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo\r\n"
	  "\r\n", WS_EACCEPT },
	{ "HTTP/1.1 101 Switching Protocols\r\n"
	  "Upgrade: websocket\r\n"
	  "Connection: Upgrade\r\n"
	  "Sec-WebSocket-Accept: S3PPLMBITXAQ9KYGZZHZRBK+XOO=\r\n"
	  "\r\n", WS_EACCEPT },
	{ "HTTP/1.1 101 Switching Protocols\r\n"
	  "Upgrade: websocket\r\n"
	  "Connection: Upgrade\r\n"
	  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=x\r\n"
	  "\r\n", WS_EACCEPT },
	{ "HTTP/1.1 101 Switching Protocols\r\n"
	  "Upgrade: websocket\r\n"
	  "Connection: Upgrade\r\n"
	  "Sec-WebSocket-Accept: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	  "\r\n", WS_EACCEPT },
	{ "HTTP/1.1 101 Switching Protocols\r\n"
	  "Upgrade: websocket\r\n"
	  "Connection: Upgrade\r\n"
	  "Sec-WebSocket-Accept:\r\n"
	  "\r\n", WS_EACCEPT },
	{ "HTTP/1.1 101 Switching Protocols\r\n"
	  "Upgrade: websocket\r\n"
	  "Connection: Upgrade\r\n"
	  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
	  "Sec-WebSocket-Extensions: permessage-deflate\r\n"
	  "\r\n", WS_EEXTENSION },
	{ "HTTP/1.1 101 Switching Protocols\r\n"
	  "Upgrade: websocket\r\n"
	  "Connection: Upgrade\r\n"
	  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
	  "Sec-WebSocket-Protocol: chat\r\n"
	  "\r\n", WS_EPROTOCOL },
	{ "HTTP/1.1 101 Switching Protocols\r\n"
	  "Upgrade: websocket\r\n"
	  "Connection: Upgrade\r\n"
	  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
	  "Sec-WebSocket-Protocol: x\r\n"
	  "Sec-WebSocket-Extensions: y\r\n"
	  "\r\n", WS_EEXTENSION },
	/* The head never completes, or is not HTTP. */
	{ "HTTP/1.1 101 Switching Protocols\r\n"
	  "Upgrade: websocket\r\n", WS_EHEAD },
	{ "SSH-2.0-OpenSSH_9.2\r\n\r\n", WS_EHEAD },
};

/*
 * Feeds resp[0, n) to a fresh http_resp cut at cut (n: whole; n + 1: byte
 * by byte) until its head is complete, and checks it with a handshake made
 * from the sample key.  Returns the error (WS_EOK when accepted); *rest is
 * where the bytes after the head begin.
 */
static int
answer(const char *resp, size_t n, size_t cut, size_t *rest)
{
	static struct http_resp r;
	static const unsigned char pre[3] = { 0xff, 1, 6 };	/* handshake */
	const char *body;
	size_t off = 0, end, blen, k;
	char req[512];
	struct url u;

	t_seed("ws", pre, sizeof pre, resp, n);
	http_resp_init(&r, 0);
	while (off < n && http_resp_state(&r) == HTTP_HEAD) {
		end = cut > n ? off + 1 : off < cut ? cut : n;
		k = http_resp_feed(&r, resp + off, end - off, &body, &blen);
		off += k;
		if (k == 0)
			break;
	}
	*rest = off;
	url(&u, "ws://server.example.com/chat");
	ws_init(&w, msgbuf, sizeof msgbuf);
	ws_handshake(&w, req, sizeof req, &u, sample_key, NULL);
	if (ws_handshake_check(&w, &r) == 0)
		return WS_EOK;
	return ws_error(&w);
}

static void
t_handshake_answers(void)
{
	struct ws_msg m;
	char buf[128];
	size_t i, cut, n, rest;
	int err;

	for (i = 0; i < nitems(answers); i++) {
		n = strlen(answers[i].resp);
		for (cut = 0; cut <= n + 1; cut++) {
			err = answer(answers[i].resp, n, cut, &rest);
			if (!CHECK_EQ(err, answers[i].err)) {
				fprintf(stderr, "answer %zu, cut %zu\n", i,
				    cut);
				break;
			}
			/* Refused: no close frame, and nothing more. */
			CHECK_EQ(ws_close_code(err), 0);
			if (err != WS_EOK) {
				CHECK_EQ(ws_feed(&w, (const unsigned char *)
				    "\x81\x00", 2, &rest, &m), -1);
				CHECK_EQ(ws_error(&w), err);
			}
		}
	}
	CHECK_EQ(answer(answers[3].resp, strlen(answers[3].resp), 0, &rest),
	    WS_ESTATUS);
	CHECK(strcmp(ws_strerror(&w, buf, sizeof buf),
	    "server answered 403 instead of upgrading") == 0);
	CHECK_EQ(answer(answers[13].resp, strlen(answers[13].resp), 0, &rest),
	    WS_EACCEPT);
	CHECK(strcmp(ws_strerror(&w, buf, sizeof buf),
	    "wrong Sec-WebSocket-Accept") == 0);
}

/* The first frames often arrive in the same read as the 101. */
static void
t_handshake_then_frames(void)
{
	static const char in[] =
	    "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\n"
	    "Connection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
	    "\r\n"
	    "\x81\x05Hello\x89\x00";
	struct ws_msg m;
	size_t rest, used, head = sizeof in - 1 - 9, cut;

	for (cut = 0; cut <= sizeof in; cut++) {
		if (!CHECK_EQ(answer(in, sizeof in - 1, cut, &rest), WS_EOK))
			return;
		CHECK_EQ(rest, head);
		CHECK_EQ(ws_feed(&w, (const unsigned char *)in + rest,
		    sizeof in - 1 - rest, &used, &m), WS_OP_TEXT);
		CHECK(m.len == 5 && memcmp(m.data, "Hello", 5) == 0);
		rest += used;
		CHECK_EQ(ws_feed(&w, (const unsigned char *)in + rest,
		    sizeof in - 1 - rest, &used, &m), WS_OP_PING);
	}
}

/* A check without a request made, or after a failure, is refused. */
static void
t_handshake_order(void)
{
	static struct http_resp r;
	const char *body, *ok = answers[0].resp;
	size_t blen;

	http_resp_init(&r, 0);
	http_resp_feed(&r, ok, strlen(ok), &body, &blen);
	ws_init(&w, msgbuf, sizeof msgbuf);
	CHECK_EQ(ws_handshake_check(&w, &r), -1);
	CHECK_EQ(ws_error(&w), WS_EACCEPT);
	/* Sticky: the first error stays. */
	http_resp_init(&r, 0);
	CHECK_EQ(ws_handshake_check(&w, &r), -1);
	CHECK_EQ(ws_error(&w), WS_EACCEPT);
}

static const struct t_case cases[] = {
	{ "tcases", t_tcases },
	{ "lazy_utf8", t_lazy_utf8 },
	{ "rfc_lengths", t_rfc_lengths },
	{ "big_fragments", t_big_fragments },
	{ "close_codes", t_close_codes },
	{ "utf8", t_utf8 },
	{ "utf8_positions", t_utf8_positions },
	{ "utf8_fail_fast", t_utf8_fail_fast },
	{ "early_errors", t_early_errors },
	{ "zero_copy", t_zero_copy },
	{ "receiving", t_receiving },
	{ "guard_page", t_guard_page },
	{ "errors", t_errors },
	{ "write_rfc", t_write_rfc },
	{ "write_lengths", t_write_lengths },
	{ "write_close", t_write_close },
	{ "roundtrip", t_roundtrip },
	{ "handshake_request", t_handshake_request },
	{ "handshake_answers", t_handshake_answers },
	{ "handshake_then_frames", t_handshake_then_frames },
	{ "handshake_order", t_handshake_order },
};

int
main(int argc, char **argv)
{
	return t_run(cases, nitems(cases), argc, argv);
}

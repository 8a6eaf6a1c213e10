/*
 * json.c: see json.h.
 *
 * json_parse() is one loop over the input with an explicit stack of open
 * containers; it never recurses and never looks back.  Invariants:
 * - Every byte before p belongs to a valid prefix of a JSON text, so the
 *   first byte that cannot is where the error is, and running out of input
 *   where more is needed is JSON_EPART at len.
 * - stk[0..depth) are the open containers, innermost last, and
 *   depth <= JSON_DEPTH_MAX.  A value with d containers around it is
 *   stored when d <= keep; a stored container's token is finished (len,
 *   next, size, flags) when its closing bracket is read.
 * - n tokens are stored and n <= max; tok[n..] is never written.
 * The tokenizer is HOT (config.h), the rest of the file built for size.
 * Bytes are classified by tables: the string body loop and the blank
 * loop touch one table entry per byte, and UTF-8 is decoded only where a
 * byte >= 0x80 appears.
 *
 * Writer invariant: while err == 0, len < cap (room is left for the NUL)
 * and buf[0..len) is a prefix of a valid JSON text; lvl[0..depth] says,
 * per level, whether it is an object, whether it holds an item (so the
 * next one needs a comma) and whether a key awaits its value.
 */
#include <limits.h>
#include <string.h>

#include "json.h"

/* String body classes: what the scanning loop must stop for. */
enum { S_PLAIN, S_QUOTE, S_BSLASH, S_CTRL, S_HIGH };

#define R_CTRL	S_CTRL, S_CTRL, S_CTRL, S_CTRL, S_CTRL, S_CTRL, S_CTRL, \
		S_CTRL, S_CTRL, S_CTRL, S_CTRL, S_CTRL, S_CTRL, S_CTRL, \
		S_CTRL, S_CTRL
#define R_PLAIN	S_PLAIN, S_PLAIN, S_PLAIN, S_PLAIN, S_PLAIN, S_PLAIN, \
		S_PLAIN, S_PLAIN, S_PLAIN, S_PLAIN, S_PLAIN, S_PLAIN, \
		S_PLAIN, S_PLAIN, S_PLAIN, S_PLAIN
#define R_HIGH	S_HIGH, S_HIGH, S_HIGH, S_HIGH, S_HIGH, S_HIGH, S_HIGH, \
		S_HIGH, S_HIGH, S_HIGH, S_HIGH, S_HIGH, S_HIGH, S_HIGH, \
		S_HIGH, S_HIGH

static const unsigned char scls[256] = {
	R_CTRL,					/* 0x00 */
	R_CTRL,					/* 0x10 */
	S_PLAIN, S_PLAIN, S_QUOTE, S_PLAIN,	/* 0x20: " */
	S_PLAIN, S_PLAIN, S_PLAIN, S_PLAIN,
	S_PLAIN, S_PLAIN, S_PLAIN, S_PLAIN,
	S_PLAIN, S_PLAIN, S_PLAIN, S_PLAIN,
	R_PLAIN,				/* 0x30 */
	R_PLAIN,				/* 0x40 */
	S_PLAIN, S_PLAIN, S_PLAIN, S_PLAIN,	/* 0x50: \ at 0x5c */
	S_PLAIN, S_PLAIN, S_PLAIN, S_PLAIN,
	S_PLAIN, S_PLAIN, S_PLAIN, S_PLAIN,
	S_BSLASH, S_PLAIN, S_PLAIN, S_PLAIN,
	R_PLAIN,				/* 0x60 */
	R_PLAIN,				/* 0x70 */
	R_HIGH, R_HIGH, R_HIGH, R_HIGH,		/* 0x80 */
	R_HIGH, R_HIGH, R_HIGH, R_HIGH,
};

/* Other classes, as bits: blanks, digits, hex digits, escape letters. */
#define C_WS	0x01
#define C_DIG	0x02
#define C_HEX	0x04
#define C_ESC	0x08	/* may follow a backslash */
#define C_NL	0x10	/* a newline (a blank: JSON_NEWLINE) */

#define W	C_WS
#define N	(C_WS | C_NL)
#define D	(C_DIG | C_HEX)
#define H	C_HEX
#define E	C_ESC
#define HE	(C_HEX | C_ESC)
#define R_0	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0

static const unsigned char ccls[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, W, N, 0, 0, W, 0, 0,	/* 0x00 */
	R_0,							/* 0x10 */
	W, 0, E, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, E,	/* 0x20 */
	D, D, D, D, D, D, D, D, D, D, 0, 0, 0, 0, 0, 0,	/* 0x30 */
	0, H, H, H, H, H, H, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x40 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, E, 0, 0, 0,	/* 0x50 */
	0, H, HE, H, H, H, HE, 0, 0, 0, 0, 0, 0, 0, E, 0,	/* 0x60 */
	0, 0, E, 0, E, E, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x70 */
	R_0, R_0, R_0, R_0, R_0, R_0, R_0, R_0			/* 0x80 */
};

#undef W
#undef N
#undef D
#undef H
#undef E
#undef HE

/* Value of a hex digit that ccls marked C_HEX: '0'-'9', 'A'-'F', 'a'-'f'. */
#define HEXVAL(c)	(((c) & 0x0f) + ((c) >> 6) * 9)

/*
 * Checks the UTF-8 sequence at p, where p[0] >= 0x80 (RFC 3629 table 3:
 * no overlong forms, no surrogates, nothing above U+10FFFF).  Returns its
 * length; 0 when it is invalid, with *bad at the first byte that cannot
 * belong to it; -1 when the input ends inside it.
 */
HOT static int
utf8_seq(const unsigned char *p, const unsigned char *end,
    const unsigned char **bad)
{
	unsigned int c = p[0], lo = 0x80, hi = 0xbf;
	int need, i;

	if (c < 0xc2 || c > 0xf4) {
		*bad = p;
		return 0;
	}
	if (c < 0xe0)
		need = 1;
	else if (c < 0xf0) {
		need = 2;
		if (c == 0xe0)
			lo = 0xa0;	/* overlong below U+0800 */
		else if (c == 0xed)
			hi = 0x9f;	/* U+D800-DFFF */
	} else {
		need = 3;
		if (c == 0xf0)
			lo = 0x90;	/* overlong below U+10000 */
		else if (c == 0xf4)
			hi = 0x8f;	/* above U+10FFFF */
	}
	for (i = 1; i <= need; i++) {
		if (p + i == end)
			return -1;
		if (p[i] < lo || p[i] > hi) {
			*bad = p + i;
			return 0;
		}
		lo = 0x80;
		hi = 0xbf;
	}
	return need + 1;
}

/*
 * String bodies are scanned a word at a time where that can be done
 * portably: stops(p) marks the bytes of the WORD bytes at p that end a
 * run of plain string bytes (", \\, control characters, bytes >= 0x80),
 * and STOP_AT() gives the offset of the first mark.
 *
 * Without SSE2, on a little-endian machine, a mark is a byte's top bit.
 * Per byte x, x - 0x20 has it when x < 0x20, (x ^ '"') - 1 when x is '"'
 * and (x ^ '\\') - 1 when x is '\\'; each term can also set it for a byte
 * >= 0x80, which is marked anyway.  Only the lowest mark is exact (a
 * borrow may mark bytes above it), and on a little-endian machine that is
 * the first such byte in memory.  Big-endian machines go byte by byte.
 */
#if defined(__SSE2__)
/* With SSE2 (every x86-64), 16 bytes at once, one bit each, exact. */
#include <emmintrin.h>

#define WORD_SCAN	1
#define WORD		16

HOT static inline unsigned long
stops(const unsigned char *p)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);

	/*
	 * x ^ 2 is below 0x21 for a control character and for '"' (0x20)
	 * only, and, compared signed, for every byte >= 0x80: one compare
	 * for three of the four classes.
	 */
	return (unsigned long)_mm_movemask_epi8(_mm_or_si128(
	    _mm_cmplt_epi8(_mm_xor_si128(v, _mm_set1_epi8(2)),
	    _mm_set1_epi8(0x21)),
	    _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
}

#define STOP_AT(m)	((unsigned)__builtin_ctzl(m))
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ \
    && defined(__GNUC__)
#define WORD_SCAN	1
#define WORD		sizeof(unsigned long)
#define ONES		(~0UL / 255)

HOT static inline unsigned long
stops(const unsigned char *p)
{
	unsigned long v;

	memcpy(&v, p, sizeof v);
	return ((v - ONES * 0x20) | ((v ^ ONES * '"') - ONES) |
	    ((v ^ ONES * '\\') - ONES) | v) & ONES * 0x80;
}

#define STOP_AT(m)	((unsigned)__builtin_ctzl(m) / 8)
#else
#define WORD_SCAN	0
#endif

/*
 * Scans a string body from p (after the opening quote).  Returns the
 * closing quote; or NULL with *err and *at set.  Sets *flags to
 * JSON_ESCAPED when a backslash is seen.
 */
HOT static const unsigned char *
scan_string(const unsigned char *p, const unsigned char *end,
    uint8_t *flags, int *err, const unsigned char **at)
{
	const unsigned char *bad;
	int i, k;

	for (;;) {
#if WORD_SCAN
		while ((size_t)(end - p) >= WORD) {
			unsigned long m = stops(p);

			if (m != 0) {
				p += STOP_AT(m);
				break;
			}
			p += WORD;
		}
#endif
		while (p < end && scls[*p] == S_PLAIN)
			p++;
		if (p == end)
			goto part;
		switch (scls[*p]) {
		case S_QUOTE:
			return p;
		case S_BSLASH:
			*flags = JSON_ESCAPED;
			if (p + 1 == end)
				goto part;
			if (!(ccls[p[1]] & C_ESC)) {
				*at = p + 1;
				*err = JSON_EINVAL;
				return NULL;
			}
			if (p[1] != 'u') {
				p += 2;
				break;
			}
			for (i = 2; i < 6; i++) {
				if (p + i == end)
					goto part;
				if (!(ccls[p[i]] & C_HEX)) {
					*at = p + i;
					*err = JSON_EINVAL;
					return NULL;
				}
			}
			p += 6;
			break;
		case S_CTRL:
			*at = p;
			*err = JSON_EINVAL;
			return NULL;
		default:	/* S_HIGH */
			k = utf8_seq(p, end, &bad);
			if (k < 0)
				goto part;
			if (k == 0) {
				*at = bad;
				*err = JSON_EUTF8;
				return NULL;
			}
			p += k;
			break;
		}
	}
part:
	*at = end;
	*err = JSON_EPART;
	return NULL;
}

/*
 * scan_string() with its common case inline: a run of plain bytes up to
 * the closing quote.
 */
HOT static inline const unsigned char *
string_end(const unsigned char *p, const unsigned char *end,
    uint8_t *flags, int *err, const unsigned char **at)
{
	const unsigned char *q = p;

#if WORD_SCAN
	while ((size_t)(end - q) >= WORD) {
		unsigned long m = stops(q);

		if (m != 0) {
			q += STOP_AT(m);
			if (*q == '"')
				return q;
			break;
		}
		q += WORD;
	}
#endif
	return scan_string(q, end, flags, err, at);
}

/*
 * Checks the number at p (a '-' or a digit) against RFC 8259's grammar.
 * Returns the byte after it; or NULL with *err and *at.
 */
HOT static const unsigned char *
scan_number(const unsigned char *p, const unsigned char *end, int *err,
    const unsigned char **at)
{
	if (*p == '-' && ++p == end)
		goto part;
	if (*p == '0')
		p++;
	else if (ccls[*p] & C_DIG) {
		do
			p++;
		while (p < end && (ccls[*p] & C_DIG));
	} else
		goto bad;
	if (p < end && *p == '.') {
		if (++p == end)
			goto part;
		if (!(ccls[*p] & C_DIG))
			goto bad;
		do
			p++;
		while (p < end && (ccls[*p] & C_DIG));
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		if (++p == end)
			goto part;
		if ((*p == '+' || *p == '-') && ++p == end)
			goto part;
		if (!(ccls[*p] & C_DIG))
			goto bad;
		do
			p++;
		while (p < end && (ccls[*p] & C_DIG));
	}
	return p;
bad:
	*at = p;
	*err = JSON_EINVAL;
	return NULL;
part:
	*at = end;
	*err = JSON_EPART;
	return NULL;
}

/*
 * Checks the literal at p (its first byte is t, f or n).  Returns the
 * byte after it and sets *type; or NULL with *err and *at.
 */
HOT static const unsigned char *
literal_bytes(const unsigned char *p, const unsigned char *end, int *type,
    int *err, const unsigned char **at)
{
	const char *lit = *p == 't' ? "true" : *p == 'f' ? "false" : "null";
	size_t i;

	*type = *p == 't' ? JSON_TRUE : *p == 'f' ? JSON_FALSE : JSON_NULL;
	for (i = 1; lit[i] != '\0'; i++) {
		if (p + i == end) {
			*at = end;
			*err = JSON_EPART;
			return NULL;
		}
		if (p[i] != (unsigned char)lit[i]) {
			*at = p + i;
			*err = JSON_EINVAL;
			return NULL;
		}
	}
	return p + i;
}

/* 1 when p[0..4) are the bytes of s: one load, in either byte order. */
HOT static inline int
is4(const unsigned char *p, const char *s)
{
	uint32_t a, b;

	memcpy(&a, p, sizeof a);
	memcpy(&b, s, sizeof b);
	return a == b;
}

/*
 * literal_bytes() with the whole literal compared at once where the input
 * holds it; byte by byte only to find where it goes wrong.
 */
HOT static inline const unsigned char *
scan_literal(const unsigned char *p, const unsigned char *end, int *type,
    int *err, const unsigned char **at)
{
	if ((size_t)(end - p) >= 5 || ((size_t)(end - p) == 4 && *p != 'f')) {
		if (*p == 't' && is4(p, "true")) {
			*type = JSON_TRUE;
			return p + 4;
		}
		if (*p == 'n' && is4(p, "null")) {
			*type = JSON_NULL;
			return p + 4;
		}
		if (*p == 'f' && is4(p + 1, "alse")) {
			*type = JSON_FALSE;
			return p + 5;
		}
	}
	return literal_bytes(p, end, type, err, at);
}

/*
 * The contents of a container whose children are not stored, validated
 * with no token bookkeeping: p is just past its opening bracket (an
 * object's when obj), depth counts the containers open including it.
 * The same grammar, checks and error offsets as json_parse(), which
 * hands such containers here.  Returns the closing bracket, sets *size
 * to the direct children and adds the classes of its blanks to *blanks;
 * or NULL with *err and *at.
 */
HOT static const unsigned char *
skip(const unsigned char *p, const unsigned char *end, unsigned int depth,
    int obj, uint32_t *size, unsigned char *blanks, int *err,
    const unsigned char **at)
{
	unsigned char isobj[JSON_DEPTH_MAX + 1];	/* per level below */
	unsigned int lvl = 0;		/* levels open below the first */
	uint32_t n = 0;
	uint8_t flags;
	unsigned char bl = 0;		/* classes of the blanks seen */
	unsigned char cur = (unsigned char)obj;	/* isobj[lvl] */
	int type;

#define SKIP_WS()	while (p < end && (ccls[*p] & C_WS)) bl |= ccls[*p++]
#define FAIL(e, where)	do { *err = (e); *at = (where); return NULL; } \
			    while (0)
#define NEED(c)		do { if (p == end) goto part; if (*p != (c)) \
			    FAIL(JSON_EINVAL, p); } while (0)
#define CLOSER()	(cur ? '}' : ']')

	/*
	 * Blanks are looked for only where the expected byte is not found:
	 * Slack's JSON has none, and each check costs as much as the rest.
	 */
first:
	/* just past an opening bracket: its closer, or its first child */
	if (p == end)
		goto part;
	if (*p == CLOSER())
		goto close;
	if (ccls[*p] & C_WS) {
		SKIP_WS();
		goto first;
	}
	if (cur)
		goto member;
	if (lvl == 0)
		n++;

value:
	if (p == end)
		goto part;
	switch (*p) {
	case '"':
		if ((p = string_end(p + 1, end, &flags, err, at)) == NULL)
			return NULL;
		p++;
		goto more;
	case ' ':
	case '\t':
	case '\n':
	case '\r':
		SKIP_WS();
		goto value;
	case '{':
	case '[':
		if (depth == JSON_DEPTH_MAX)
			FAIL(JSON_EDEPTH, p);
		depth++;
		isobj[lvl++] = cur;
		cur = *p++ == '{';
		goto first;
	case 't':
	case 'f':
	case 'n':
		if ((p = scan_literal(p, end, &type, err, at)) == NULL)
			return NULL;
		goto more;
	default:
		if (*p != '-' && !(ccls[*p] & C_DIG))
			FAIL(JSON_EINVAL, p);
		if ((p = scan_number(p, end, err, at)) == NULL)
			return NULL;
		goto more;
	}

member:
	/* a key is due */
	if (p == end)
		goto part;
	if (*p != '"') {
		if (!(ccls[*p] & C_WS))
			FAIL(JSON_EINVAL, p);
		SKIP_WS();
		goto member;
	}
key:
	/* p is at its opening quote */
	if (lvl == 0)
		n++;
	if ((p = string_end(p + 1, end, &flags, err, at)) == NULL)
		return NULL;
	p++;
	if ((size_t)(end - p) >= 2 && p[0] == ':' && p[1] == '"') {
		/* "key":"value", most members: no dispatch on the value */
		if ((p = string_end(p + 2, end, &flags, err, at)) == NULL)
			return NULL;
		p++;
		/* and ,"next key" */
		if ((size_t)(end - p) >= 2 && p[0] == ',' && p[1] == '"') {
			p++;
			goto key;
		}
		goto more;
	}
	if (p < end && *p == ':') {
		p++;
		goto value;
	}
	SKIP_WS();
	NEED(':');
	p++;
	goto value;

more:
	if (p == end)
		goto part;
	if (*p == ',') {
		p++;
		if (cur)
			goto member;
		if (lvl == 0)
			n++;
		goto value;
	}
	if (*p != CLOSER()) {
		if (!(ccls[*p] & C_WS))
			FAIL(JSON_EINVAL, p);
		SKIP_WS();
		goto more;
	}

close:
	if (lvl == 0) {
		*size = n;
		*blanks |= bl;
		return p;
	}
	cur = isobj[--lvl];
	depth--;
	p++;
	goto more;

part:
	FAIL(JSON_EPART, end);
#undef SKIP_WS
#undef FAIL
#undef NEED
#undef CLOSER
}

/* Fills a scalar token. */
HOT static inline void
scalar(struct json_tok *t, int type, const unsigned char *s,
    const unsigned char *from, const unsigned char *to, uint32_t next,
    uint8_t flags)
{
	t->type = (uint8_t)type;
	t->start = (uint32_t)(from - s);
	t->len = (uint32_t)(to - from);
	t->next = next;
	t->size = 0;
	t->flags = flags;
}

/* see json.h */
HOT int
json_parse(const char *js, size_t len, struct json_tok *tok, size_t ntok,
    unsigned int keep, size_t *erroff)
{
	struct {
		uint32_t	tok;	/* its token */
		/* size and cur of the container around it */
		uint32_t	upsize;
		unsigned char	upobj;
	} stk[JSON_DEPTH_MAX];
	const unsigned char *s = (const unsigned char *)js, *p = s;
	const unsigned char *end = s + len, *q, *at;
	struct json_tok *t;
	unsigned int depth = 0;
	uint32_t n = 0, max, size = 0;	/* the innermost's children so far */
	uint8_t flags;
	unsigned char blanks = 0;	/* classes of the blanks seen */
	unsigned char cur = 0;		/* the innermost is an object */
	int err, type;

#define SKIP_WS()	while (p < end && (ccls[*p] & C_WS)) blanks |= ccls[*p++]
#define FAIL(e, where)	do { err = (e); q = (where); goto fail; } \
			    while (0)
#define NEED(c)		do { if (p == end) goto part; if (*p != (c)) \
			    FAIL(JSON_EINVAL, p); } while (0)
	/*
	 * The next token.  Every value met here is stored: the children of a
	 * container that are not are all met by skip().
	 */
#define ALLOC()		do { if (n == max) FAIL(JSON_ENOMEM, p); \
			    t = &tok[n++]; } while (0)
/* A string token from the quote at p; p then just past its end. */
#define STRING()	do { ALLOC(); flags = 0; q = string_end(p + 1, end, \
			    &flags, &err, &at); if (q == NULL) FAIL(err, at); \
			    scalar(t, JSON_STRING, s, p + 1, q, n, flags); \
			    p = q + 1; } while (0)
#define CLOSER()	(cur ? '}' : ']')

	if (len > UINT32_MAX)
		FAIL(JSON_EBIG, s);
	max = ntok > INT_MAX ? INT_MAX : (uint32_t)ntok;

	/* Blanks are looked for only where the expected byte is not found. */
value:
	if (p == end)
		goto part;
	switch (*p) {
	case ' ':
	case '\t':
	case '\n':
	case '\r':
		SKIP_WS();
		goto value;
	case '{':
	case '[':
		if (depth == JSON_DEPTH_MAX)
			FAIL(JSON_EDEPTH, p);
		ALLOC();
		t->type = *p == '{' ? JSON_OBJECT : JSON_ARRAY;
		t->start = (uint32_t)(p - s);
		t->flags = 0;
		stk[depth].tok = n - 1;
		stk[depth].upsize = size;
		stk[depth].upobj = cur;
		depth++;
		size = 0;
		cur = *p++ == '{';
		if (depth > keep) {
			/* its children are not stored */
			q = skip(p, end, depth, cur, &size, &blanks, &err,
			    &at);
			if (q == NULL)
				FAIL(err, at);
			p = q;
			goto close;
		}
	first:
		/* its closer, or its first child */
		if (p == end)
			goto part;
		if (*p == CLOSER())
			goto close;
		if (ccls[*p] & C_WS) {
			SKIP_WS();
			goto first;
		}
		if (cur)
			goto member;
		size++;
		goto value;
	case '"':
		STRING();
		goto more;
	case '-':
	case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		ALLOC();
		if ((q = scan_number(p, end, &err, &at)) == NULL)
			FAIL(err, at);
		scalar(t, JSON_NUMBER, s, p, q, n, 0);
		p = q;
		goto more;
	case 't':
	case 'f':
	case 'n':
		ALLOC();
		if ((q = scan_literal(p, end, &type, &err, &at)) == NULL)
			FAIL(err, at);
		scalar(t, type, s, p, q, n, 0);
		p = q;
		goto more;
	default:
		FAIL(JSON_EINVAL, p);
	}

member:
	/* a key is due */
	if (p == end)
		goto part;
	if (*p != '"') {
		if (!(ccls[*p] & C_WS))
			FAIL(JSON_EINVAL, p);
		SKIP_WS();
		goto member;
	}
key:
	/* p is at its opening quote */
	size++;
	STRING();
	if ((size_t)(end - p) >= 2 && p[0] == ':' && p[1] == '"') {
		/* "key":"value", most members: no dispatch on the value */
		p++;
		STRING();
		/* and ,"next key" */
		if ((size_t)(end - p) >= 2 && p[0] == ',' && p[1] == '"') {
			p++;
			goto key;
		}
		goto more;
	}
	if (p < end && *p == ':') {
		p++;
		goto value;
	}
	SKIP_WS();
	NEED(':');
	p++;
	goto value;

more:
	/* a value ended just before p */
	if (depth == 0)
		goto done;
	if (p == end)
		goto part;
	if (*p == ',') {
		p++;
		if (cur)
			goto member;
		size++;
		goto value;
	}
	if (*p != CLOSER()) {
		if (!(ccls[*p] & C_WS))
			FAIL(JSON_EINVAL, p);
		SKIP_WS();
		goto more;
	}
	/* FALLTHROUGH */

close:
	/* p is at the bracket that closes stk[depth - 1] */
	depth--;
	t = &tok[stk[depth].tok];
	t->len = (uint32_t)(p + 1 - s) - t->start;
	t->next = n;
	t->size = size;
	if (depth == keep && size > 0)
		t->flags = JSON_FOLDED;
	size = stk[depth].upsize;
	cur = stk[depth].upobj;
	p++;
	goto more;

done:
	SKIP_WS();
	if (p != end)
		FAIL(JSON_EINVAL, p);
	if (blanks & C_NL)
		tok[0].flags |= JSON_NEWLINE;
	if (erroff != NULL)
		*erroff = len;
	return (int)n;

part:
	err = JSON_EPART;
	q = end;
fail:
	if (erroff != NULL)
		*erroff = (size_t)(q - s);
	return err;
#undef SKIP_WS
#undef FAIL
#undef NEED
#undef CLOSER
#undef ALLOC
#undef STRING
}

/* see json.h */
int
json_first(const struct json_tok *tok, int i)
{
	if ((tok[i].type != JSON_OBJECT && tok[i].type != JSON_ARRAY) ||
	    (tok[i].flags & JSON_FOLDED) || tok[i].size == 0)
		return -1;
	return i + 1;
}

/* see json.h */
int
json_next(const struct json_tok *tok, int parent, int child)
{
	uint32_t j;

	if (tok[parent].type == JSON_OBJECT)
		j = tok[child + 1].next;
	else
		j = tok[child].next;
	return j < tok[parent].next ? (int)j : -1;
}

/*
 * Decodes the escape at p (a backslash, complete and valid since the
 * tokenizer checked it) into *cp.  A high surrogate escape followed by a
 * low one makes one code point; any other surrogate reads as U+FFFD.
 * Returns the byte after what was read.
 */
static const unsigned char *
unescape1(const unsigned char *p, const unsigned char *end, uint32_t *cp)
{
	uint32_t u, lo;

	switch (p[1]) {
	case 'b':	*cp = '\b'; return p + 2;
	case 'f':	*cp = '\f'; return p + 2;
	case 'n':	*cp = '\n'; return p + 2;
	case 'r':	*cp = '\r'; return p + 2;
	case 't':	*cp = '\t'; return p + 2;
	case 'u':	break;
	default:	*cp = p[1]; return p + 2;	/* " \ / */
	}
	u = (uint32_t)(HEXVAL(p[2]) << 12 | HEXVAL(p[3]) << 8 |
	    HEXVAL(p[4]) << 4 | HEXVAL(p[5]));
	p += 6;
	if (u < 0xd800 || u > 0xdfff) {
		*cp = u;
		return p;
	}
	*cp = 0xfffd;
	if (u > 0xdbff || end - p < 6 || p[0] != '\\' || p[1] != 'u')
		return p;
	lo = (uint32_t)(HEXVAL(p[2]) << 12 | HEXVAL(p[3]) << 8 |
	    HEXVAL(p[4]) << 4 | HEXVAL(p[5]));
	if (lo < 0xdc00 || lo > 0xdfff)
		return p;
	*cp = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
	return p + 6;
}

/* Writes cp as UTF-8 into out[0..4); returns the length. */
static size_t
utf8_put(uint32_t cp, unsigned char *out)
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xc0 | cp >> 6);
		out[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xe0 | cp >> 12);
		out[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (unsigned char)(0xf0 | cp >> 18);
	out[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/* see json.h */
int
json_eq(const char *js, const struct json_tok *t, const char *s)
{
	const unsigned char *p, *end, *u = (const unsigned char *)s;
	unsigned char b[4];
	uint32_t cp;
	size_t k, i;

	if (t->type != JSON_STRING)
		return 0;
	if (!(t->flags & JSON_ESCAPED))
		return strncmp(js + t->start, s, t->len) == 0 &&
		    s[t->len] == '\0';
	p = (const unsigned char *)js + t->start;
	end = p + t->len;
	while (p < end) {
		if (*p != '\\') {
			/* a NUL in s ends it: it differs from any raw byte */
			if (*u++ != *p++)
				return 0;
			continue;
		}
		p = unescape1(p, end, &cp);
		k = utf8_put(cp, b);
		for (i = 0; i < k; i++)
			if (*u == '\0' || *u++ != b[i])
				return 0;
	}
	return *u == '\0';
}

/* see json.h */
int
json_find(const char *js, const struct json_tok *tok, int obj,
    const char *key)
{
	int k;

	if (tok[obj].type != JSON_OBJECT)
		return -1;
	for (k = json_first(tok, obj); k >= 0; k = json_next(tok, obj, k))
		if (json_eq(js, &tok[k], key))
			return k + 1;
	return -1;
}

/* see json.h */
int
json_unescape(const char *js, const struct json_tok *t, char *buf,
    size_t cap, size_t *n)
{
	const unsigned char *p, *end, *run;
	unsigned char b[4];
	uint32_t cp;
	size_t o = 0, k;

	if (t->type != JSON_STRING)
		goto fail;
	p = (const unsigned char *)js + t->start;
	end = p + t->len;
	while (p < end) {
		run = p;
		while (p < end && *p != '\\')
			p++;
		k = (size_t)(p - run);
		if (k >= cap - o)
			goto fail;
		memcpy(buf + o, run, k);
		o += k;
		if (p == end)
			break;
		p = unescape1(p, end, &cp);
		k = utf8_put(cp, b);
		if (k >= cap - o)
			goto fail;
		memcpy(buf + o, b, k);
		o += k;
	}
	if (o >= cap)
		goto fail;
	buf[o] = '\0';
	if (n != NULL)
		*n = o;
	return 0;
fail:
	if (cap > 0)
		buf[0] = '\0';
	return -1;
}

/* see json.h */
int
json_int(const char *js, const struct json_tok *t, long long *out)
{
	const char *p = js + t->start, *end = p + t->len;
	unsigned long long v = 0, lim = LLONG_MAX;
	unsigned int d;
	int neg = 0;

	if (t->type != JSON_NUMBER)
		return -1;
	if (*p == '-') {
		neg = 1;
		lim = (unsigned long long)LLONG_MAX + 1;
		p++;
	}
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return -1;	/* fraction or exponent */
		d = (unsigned int)(*p - '0');
		if (v > (lim - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (!neg)
		*out = (long long)v;
	else if (v == (unsigned long long)LLONG_MAX + 1)
		*out = LLONG_MIN;
	else
		*out = -(long long)v;
	return 0;
}

/* see json.h */
int
json_bool(const struct json_tok *t, int *out)
{
	if (t->type != JSON_TRUE && t->type != JSON_FALSE)
		return -1;
	*out = t->type == JSON_TRUE;
	return 0;
}

static const char *const errors[] = {
	"no error",
	"not JSON",					/* JSON_EINVAL */
	"JSON has more values than tokens",		/* JSON_ENOMEM */
	"JSON ends early",				/* JSON_EPART */
	"JSON nested too deeply",			/* JSON_EDEPTH */
	"invalid UTF-8 in a JSON string",		/* JSON_EUTF8 */
	"JSON text of 4 GiB or more",			/* JSON_EBIG */
	"JSON output larger than its buffer",		/* JSON_ENOSPACE */
	"JSON writer calls out of order",		/* JSON_EMISUSE */
};

/* see json.h */
const char *
json_strerror(int err)
{
	if (err > 0 || err < -(int)(sizeof(errors) / sizeof(errors[0]) - 1))
		return "unknown JSON error";
	return errors[-err];
}

/* Writer levels: lvl[d] bits. */
#define W_OBJ	0x01	/* an object */
#define W_ITEM	0x02	/* holds a member or element already */
#define W_KEY	0x04	/* a key was written, its value is due */

static void
w_fail(struct json_w *w, int err)
{
	if (w->err == 0)
		w->err = err;
}

static void
w_put(struct json_w *w, const void *s, size_t n)
{
	if (w->err != 0)
		return;
	if (w->cap - w->len <= n) {
		w_fail(w, JSON_ENOSPACE);
		return;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

/* Before any value: the comma, or the check that a key came first. */
static int
w_value(struct json_w *w)
{
	unsigned char *l = &w->lvl[w->depth];

	if (w->err != 0)
		return -1;
	if (*l & W_OBJ) {
		if (!(*l & W_KEY))
			w_fail(w, JSON_EMISUSE);
		*l &= (unsigned char)~W_KEY;
	} else if (*l & W_ITEM) {
		if (w->depth == 0)
			w_fail(w, JSON_EMISUSE);
		w_put(w, ",", 1);
	}
	*l |= W_ITEM;
	return w->err != 0 ? -1 : 0;
}

/* A string with its quotes, escaped; invalid UTF-8 becomes U+FFFD. */
static void
w_string(struct json_w *w, const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)str, *end = p + n;
	const unsigned char *run, *bad;
	char e[6];
	int k;

	w_put(w, "\"", 1);
	while (p < end && w->err == 0) {
		run = p;
		while (p < end && scls[*p] == S_PLAIN)
			p++;
		w_put(w, run, (size_t)(p - run));
		if (p == end)
			break;
		switch (scls[*p]) {
		case S_QUOTE:
			w_put(w, "\\\"", 2);
			p++;
			break;
		case S_BSLASH:
			w_put(w, "\\\\", 2);
			p++;
			break;
		case S_CTRL:
			e[0] = '\\';
			e[1] = *p == '\b' ? 'b' : *p == '\f' ? 'f' :
			    *p == '\n' ? 'n' : *p == '\r' ? 'r' :
			    *p == '\t' ? 't' : 'u';
			if (e[1] != 'u')
				w_put(w, e, 2);
			else {
				e[2] = '0';
				e[3] = '0';
				e[4] = hex[*p >> 4];
				e[5] = hex[*p & 0x0f];
				w_put(w, e, 6);
			}
			p++;
			break;
		default:	/* S_HIGH */
			k = utf8_seq(p, end, &bad);
			if (k > 0) {
				w_put(w, p, (size_t)k);
				p += k;
				break;
			}
			w_put(w, "\xef\xbf\xbd", 3);
			if (k < 0)
				p = end;	/* cut short: one U+FFFD */
			else
				p = bad > p ? bad : p + 1;
			break;
		}
	}
	w_put(w, "\"", 1);
}

/* see json.h */
void
json_w_init(struct json_w *w, char *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->err = 0;
	w->depth = 0;
	w->lvl[0] = 0;
}

static void
w_open(struct json_w *w, unsigned char kind)
{
	if (w_value(w) < 0)
		return;
	if (w->depth == JSON_DEPTH_MAX) {
		w_fail(w, JSON_EDEPTH);
		return;
	}
	w_put(w, kind == W_OBJ ? "{" : "[", 1);
	w->lvl[++w->depth] = kind;
}

static void
w_close(struct json_w *w, unsigned char kind)
{
	unsigned char l = w->lvl[w->depth];

	if (w->err != 0)
		return;
	if (w->depth == 0 || (l & W_OBJ) != kind || (l & W_KEY)) {
		w_fail(w, JSON_EMISUSE);
		return;
	}
	w_put(w, kind == W_OBJ ? "}" : "]", 1);
	w->depth--;
}

/* see json.h */
void
json_w_object(struct json_w *w)
{
	w_open(w, W_OBJ);
}

/* see json.h */
void
json_w_object_end(struct json_w *w)
{
	w_close(w, W_OBJ);
}

/* see json.h */
void
json_w_array(struct json_w *w)
{
	w_open(w, 0);
}

/* see json.h */
void
json_w_array_end(struct json_w *w)
{
	w_close(w, 0);
}

/* see json.h */
void
json_w_keyn(struct json_w *w, const char *s, size_t n)
{
	unsigned char *l = &w->lvl[w->depth];

	if (w->err != 0)
		return;
	if (!(*l & W_OBJ) || (*l & W_KEY)) {
		w_fail(w, JSON_EMISUSE);
		return;
	}
	if (*l & W_ITEM)
		w_put(w, ",", 1);
	w_string(w, s, n);
	w_put(w, ":", 1);
	*l |= W_ITEM | W_KEY;
}

/* see json.h */
void
json_w_key(struct json_w *w, const char *s)
{
	json_w_keyn(w, s, strlen(s));
}

/* see json.h */
void
json_w_strn(struct json_w *w, const char *s, size_t n)
{
	if (w_value(w) == 0)
		w_string(w, s, n);
}

/* see json.h */
void
json_w_str(struct json_w *w, const char *s)
{
	json_w_strn(w, s, strlen(s));
}

/* see json.h */
void
json_w_int(struct json_w *w, long long v)
{
	char b[24];
	unsigned long long u;
	size_t i = sizeof(b);

	if (w_value(w) < 0)
		return;
	u = v < 0 ? 0 - (unsigned long long)v : (unsigned long long)v;
	do {
		b[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		b[--i] = '-';
	w_put(w, b + i, sizeof(b) - i);
}

/* see json.h */
void
json_w_bool(struct json_w *w, int v)
{
	if (w_value(w) == 0)
		w_put(w, v ? "true" : "false", v ? 4 : 5);
}

/* see json.h */
void
json_w_null(struct json_w *w)
{
	if (w_value(w) == 0)
		w_put(w, "null", 4);
}

/* see json.h */
void
json_w_raw(struct json_w *w, const char *s, size_t n)
{
	if (n == 0)
		w_fail(w, JSON_EMISUSE);
	if (w_value(w) == 0)
		w_put(w, s, n);
}

/* see json.h */
void
json_w_tok(struct json_w *w, const char *js, const struct json_tok *t)
{
	if (t->type == JSON_STRING)
		json_w_raw(w, js + t->start - 1, t->len + 2);
	else
		json_w_raw(w, js + t->start, t->len);
}

/* see json.h */
int
json_w_finish(struct json_w *w, size_t *n)
{
	if (w->err == 0 && (w->depth != 0 || !(w->lvl[0] & W_ITEM)))
		w_fail(w, JSON_EMISUSE);
	if (w->err == 0 && w->cap == 0)
		w_fail(w, JSON_ENOSPACE);
	if (w->err != 0) {
		if (w->cap > 0)
			w->buf[0] = '\0';
		return w->err;
	}
	w->buf[w->len] = '\0';
	if (n != NULL)
		*n = w->len;
	return 0;
}

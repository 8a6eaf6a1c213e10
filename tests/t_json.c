/*
 * tests/t_json.c: unit tests of json.c.
 *
 * Every tokenizer case is replayed with its input cut at every length.
 * Inputs and writer buffers are placed right before an inaccessible page,
 * so a read or write one byte too far stops the test.  Token arrays are
 * filled with a pattern first, so a write past the count given is seen.
 */
#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "json.h"
#include "testutil.h"
#include "harness.h"

#define S(s)		(s), sizeof(s) - 1
#define NTOK		512
#define GUARD_ROOM	(64 * 1024)

static struct json_tok	toks[NTOK];
static char		*guard;	/* GUARD_ROOM bytes, then no access */

/* Places s[0..n) so that its last byte is the last accessible one. */
static char *
guarded(const char *s, size_t n)
{
	long pg;
	char *p;

	if (guard == NULL) {
		pg = sysconf(_SC_PAGESIZE);
		p = mmap(NULL, GUARD_ROOM + (size_t)pg, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED || mprotect(p + GUARD_ROOM, (size_t)pg,
		    PROT_NONE) != 0) {
			perror("t_json: guard page");
			_exit(2);
		}
		guard = p;
	}
	if (n > GUARD_ROOM) {
		fprintf(stderr, "t_json: input of %zu bytes too large\n", n);
		_exit(2);
	}
	if (n > 0)
		memcpy(guard + GUARD_ROOM - n, s, n);
	return guard + GUARD_ROOM - n;
}

/* Tokenizes a guarded copy; checks that nothing past tok[ntok] moved. */
static int
parse(const char *s, size_t n, size_t ntok, unsigned depth, size_t *off)
{
	const char *g = guarded(s, n);
	unsigned char *p;
	size_t i;
	int r;

	memset(toks, 0xa5, sizeof(toks));
	*off = 12345;
	r = json_parse(g, n, toks, ntok, depth, off);
	p = (unsigned char *)(toks + ntok);
	for (i = 0; i < (NTOK - ntok) * sizeof(toks[0]); i++)
		if (!CHECK(p[i] == 0xa5))
			break;
	return r;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Tokens in words: type letter, start:len, #size>next for containers. */
static const char *
render(const struct json_tok *t, int n)
{
	static char out[4096];
	static const char letter[] = "?oasntfz";
	size_t k = 0;
	int i;

	out[0] = '\0';
	for (i = 0; i < n && k < sizeof(out) - 64; i++) {
		k += (size_t)snprintf(out + k, sizeof(out) - k, "%s%c%u:%u",
		    i ? " " : "", t[i].type < 8 ? letter[t[i].type] : '?',
		    t[i].start, t[i].len);
		if (t[i].type == JSON_OBJECT || t[i].type == JSON_ARRAY)
			k += (size_t)snprintf(out + k, sizeof(out) - k,
			    "#%u>%u", t[i].size, t[i].next);
		if (t[i].flags & JSON_ESCAPED)
			out[k++] = 'e';
		if (t[i].flags & JSON_FOLDED)
			out[k++] = 'F';
		out[k] = '\0';
	}
	return out;
}

/*
 * What must hold for any successful result: subtrees nest, children add
 * up to size, extents match the brackets and quotes of the input.
 */
static void
check_tree(const char *js, size_t len, const struct json_tok *t, int n)
{
	int i, c, kids, last;

	/* A raw newline can only be a blank; the first token says so. */
	if (n > 0)
		CHECK(((t[0].flags & JSON_NEWLINE) != 0) ==
		    (memchr(js, '\n', len) != NULL));
	for (i = 0; i < n; i++) {
		if (!CHECK(i == 0 || (t[i].flags & JSON_NEWLINE) == 0) ||
		    !CHECK((int)t[i].next > i && (int)t[i].next <= n) ||
		    !CHECK((uint64_t)t[i].start + t[i].len <= len))
			return;
		switch (t[i].type) {
		case JSON_STRING:
			CHECK(t[i].start >= 1 && js[t[i].start - 1] == '"');
			CHECK(t[i].start + t[i].len < len &&
			    js[t[i].start + t[i].len] == '"');
			CHECK((memchr(js + t[i].start, '\\', t[i].len) !=
			    NULL) == ((t[i].flags & JSON_ESCAPED) != 0));
			/* FALLTHROUGH */
		case JSON_NUMBER:
		case JSON_TRUE:
		case JSON_FALSE:
		case JSON_NULL:
			CHECK_EQ(t[i].next, i + 1);
			CHECK_EQ(t[i].size, 0);
			CHECK((t[i].flags & JSON_FOLDED) == 0);
			break;
		case JSON_OBJECT:
		case JSON_ARRAY:
			CHECK(js[t[i].start] ==
			    (t[i].type == JSON_OBJECT ? '{' : '['));
			CHECK(js[t[i].start + t[i].len - 1] ==
			    (t[i].type == JSON_OBJECT ? '}' : ']'));
			if (t[i].flags & JSON_FOLDED) {
				CHECK_EQ(t[i].next, i + 1);
				CHECK(t[i].size > 0);
				CHECK_EQ(json_first(t, i), -1);
				break;
			}
			kids = 0;
			last = i + 1;
			for (c = json_first(t, i); c >= 0;
			    c = json_next(t, i, c)) {
				CHECK_EQ(c, last);
				if (t[i].type == JSON_OBJECT) {
					CHECK_EQ(t[c].type, JSON_STRING);
					last = (int)t[c + 1].next;
				} else
					last = (int)t[c].next;
				if (!CHECK(kids++ < n))
					return;
			}
			CHECK_EQ(kids, t[i].size);
			CHECK_EQ(last, t[i].next);
			break;
		default:
			CHECK(0);
		}
	}
	if (n > 0)
		CHECK_EQ(t[0].next, n);
}

struct pcase {
	const char	*in;
	size_t		 len;
	int		 want;	/* tokens, or JSON_E* */
	size_t		 off;	/* where the error is */
	const char	*toks;	/* render() of the tokens, or NULL */
};

static const struct pcase pcases[] = {
	/* scalars at the top */
	{ S("0"), 1, 1, "n0:1" },
	{ S("-0"), 1, 2, "n0:2" },
	{ S("7"), 1, 1, "n0:1" },
	{ S("-12.5e+3"), 1, 8, "n0:8" },
	{ S("1E-2"), 1, 4, "n0:4" },
	{ S("0.0"), 1, 3, "n0:3" },
	{ S("1e5"), 1, 3, "n0:3" },
	{ S("10.25E09"), 1, 8, "n0:8" },
	{ S("123456789012345678901234567890"), 1, 30, "n0:30" },
	{ S("-9223372036854775809"), 1, 20, "n0:20" },
	{ S("true"), 1, 4, "t0:4" },
	{ S("false"), 1, 5, "f0:5" },
	{ S("null"), 1, 4, "z0:4" },
	{ S(" \t\r\n1 \t\r\n"), 1, 10, "n4:1" },
	{ S(" null "), 1, 6, "z1:4" },
	/* strings */
	{ S("\"\""), 1, 2, "s1:0" },
	{ S("\"abc\""), 1, 5, "s1:3" },
	{ S("\"a/b\x7f\""), 1, 6, "s1:4" },
	{ S("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\""), 1, 24, "s1:22e" },
	{ S("\"\\u0000\""), 1, 8, "s1:6e" },
	{ S("\"\\uD83D\\uDE00\""), 1, 14, "s1:12e" },
	{ S("\"\\ud800\""), 1, 8, "s1:6e" },
	{ S("\"\\udc00\""), 1, 8, "s1:6e" },
	{ S("\"\\ud800\\u0041\""), 1, 14, "s1:12e" },
	{ S("\"\\uDBFF\""), 1, 8, "s1:6e" },
	{ S("\"\\uabcd\\uEF01\""), 1, 14, "s1:12e" },
	/* UTF-8 at the edges of each form */
	{ S("\"\xc2\x80\""), 1, 4, "s1:2" },
	{ S("\"\xdf\xbf\""), 1, 4, "s1:2" },
	{ S("\"\xc3\xa9t\xc3\xa9\""), 1, 7, "s1:5" },
	{ S("\"\xe0\xa0\x80\""), 1, 5, "s1:3" },
	{ S("\"\xe2\x82\xac\""), 1, 5, "s1:3" },
	{ S("\"\xed\x9f\xbf\""), 1, 5, "s1:3" },
	{ S("\"\xee\x80\x80\""), 1, 5, "s1:3" },
	{ S("\"\xef\xbf\xbf\""), 1, 5, "s1:3" },
	{ S("\"\xf0\x90\x80\x80\""), 1, 6, "s1:4" },
	{ S("\"\xf0\x9f\x98\x80\""), 1, 6, "s1:4" },
	{ S("\"\xf3\xbf\xbf\xbf\""), 1, 6, "s1:4" },
	{ S("\"\xf4\x8f\xbf\xbf\""), 1, 6, "s1:4" },
	{ S("\"long plain text long plain text long plain text \xc3\xa9"
	    " and more plain text to cross several words\""), 1, 95,
	    "s1:93" },
	/* containers */
	{ S("{}"), 1, 2, "o0:2#0>1" },
	{ S("[]"), 1, 2, "a0:2#0>1" },
	{ S(" [ ] "), 1, 5, "a1:3#0>1" },
	{ S("{ }"), 1, 3, "o0:3#0>1" },
	{ S("[[[]]]"), 3, 6, "a0:6#1>3 a1:4#1>3 a2:2#0>3" },
	{ S("[1,\"a\",true,false,null,{},[]]"), 8, 29,
	    "a0:29#7>8 n1:1 s4:1 t7:4 f12:5 z18:4 o23:2#0>7 a26:2#0>8" },
	{ S("{\"a\":[1,2]}"), 5, 11, "o0:11#1>5 s2:1 a5:5#2>5 n6:1 n8:1" },
	{ S("{\"a\":{\"b\":[1,2]},\"c\":[],\"d\":3}"), 11, 30,
	    "o0:30#3>11 s2:1 o5:11#1>7 s7:1 a10:5#2>7 n11:1 n13:1 s18:1 "
	    "a21:2#0>9 s25:1 n28:1" },
	{ S(" { \"k\" : [ 1 , { } ] , \"l\" : \"v\" } "), 7, 35,
	    "o1:33#2>7 s4:1 a9:11#2>5 n11:1 o15:3#0>5 s24:1 s30:1" },
	{ S("{\"a\":1,\"a\":2}"), 5, 13, "o0:13#2>5 s2:1 n5:1 s8:1 n11:1" },
	{ S("{\"\\u0061\":\"\\/\"}"), 3, 15, "o0:15#1>3 s2:6e s11:2e" },
	{ S("[-1,0.5,1e-7]"), 4, 13, "a0:13#3>4 n1:2 n4:3 n8:4" },

	/* nothing, or nothing yet */
	{ S(""), JSON_EPART, 0, NULL },
	{ S("   "), JSON_EPART, 3, NULL },
	{ S("["), JSON_EPART, 1, NULL },
	{ S("[1"), JSON_EPART, 2, NULL },
	{ S("[1,"), JSON_EPART, 3, NULL },
	{ S("{"), JSON_EPART, 1, NULL },
	{ S("{\"a\""), JSON_EPART, 4, NULL },
	{ S("{\"a\":"), JSON_EPART, 5, NULL },
	{ S("{\"a\":1"), JSON_EPART, 6, NULL },
	{ S("{\"a\":1,"), JSON_EPART, 7, NULL },
	{ S("[{\"a\":[{}]"), JSON_EPART, 10, NULL },
	/* structure */
	{ S("x"), JSON_EINVAL, 0, NULL },
	{ S("]"), JSON_EINVAL, 0, NULL },
	{ S("}"), JSON_EINVAL, 0, NULL },
	{ S(","), JSON_EINVAL, 0, NULL },
	{ S(":"), JSON_EINVAL, 0, NULL },
	{ S("[1,]"), JSON_EINVAL, 3, NULL },
	{ S("[,1]"), JSON_EINVAL, 1, NULL },
	{ S("[1,,2]"), JSON_EINVAL, 3, NULL },
	{ S("[1 2]"), JSON_EINVAL, 3, NULL },
	{ S("[1:2]"), JSON_EINVAL, 2, NULL },
	{ S("{\"a\" 1}"), JSON_EINVAL, 5, NULL },
	{ S("{\"a\"::1}"), JSON_EINVAL, 5, NULL },
	{ S("{\"a\":1,}"), JSON_EINVAL, 7, NULL },
	{ S("{\"a\",1}"), JSON_EINVAL, 4, NULL },
	{ S("{\"a\"}"), JSON_EINVAL, 4, NULL },
	{ S("{\"a\":}"), JSON_EINVAL, 5, NULL },
	{ S("{,}"), JSON_EINVAL, 1, NULL },
	{ S("{1:1}"), JSON_EINVAL, 1, NULL },
	{ S("{true:1}"), JSON_EINVAL, 1, NULL },
	{ S("{[]:1}"), JSON_EINVAL, 1, NULL },
	{ S("{'a':1}"), JSON_EINVAL, 1, NULL },
	{ S("{a:1}"), JSON_EINVAL, 1, NULL },
	{ S("{\"a\":1,1:2}"), JSON_EINVAL, 7, NULL },
	{ S("{\"a\":1 \"b\":2}"), JSON_EINVAL, 7, NULL },
	{ S("[1}"), JSON_EINVAL, 2, NULL },
	{ S("{\"a\":1]"), JSON_EINVAL, 6, NULL },
	{ S("[]]"), JSON_EINVAL, 2, NULL },
	{ S("[[]}"), JSON_EINVAL, 3, NULL },
	{ S("{} {}"), JSON_EINVAL, 3, NULL },
	{ S("[],"), JSON_EINVAL, 2, NULL },
	{ S("1 2"), JSON_EINVAL, 2, NULL },
	{ S("\"a\" \"b\""), JSON_EINVAL, 4, NULL },
	{ S("1\0"), JSON_EINVAL, 1, NULL },
	{ S("\0"), JSON_EINVAL, 0, NULL },
	{ S("[\0]"), JSON_EINVAL, 1, NULL },
	{ S("\f1"), JSON_EINVAL, 0, NULL },
	{ S("1\v"), JSON_EINVAL, 1, NULL },
	{ S("[\xc2\xa0]"), JSON_EINVAL, 1, NULL },
	{ S("\xef\xbb\xbf{}"), JSON_EINVAL, 0, NULL },
	{ S("\xff"), JSON_EINVAL, 0, NULL },
	{ S("[\x80]"), JSON_EINVAL, 1, NULL },
	{ S("/* */ 1"), JSON_EINVAL, 0, NULL },
	{ S("[1]x"), JSON_EINVAL, 3, NULL },
	/* numbers */
	{ S("-"), JSON_EPART, 1, NULL },
	{ S("-a"), JSON_EINVAL, 1, NULL },
	{ S("--1"), JSON_EINVAL, 1, NULL },
	{ S("- 1"), JSON_EINVAL, 1, NULL },
	{ S("+1"), JSON_EINVAL, 0, NULL },
	{ S(".5"), JSON_EINVAL, 0, NULL },
	{ S("01"), JSON_EINVAL, 1, NULL },
	{ S("-01"), JSON_EINVAL, 2, NULL },
	{ S("00"), JSON_EINVAL, 1, NULL },
	{ S("0x1"), JSON_EINVAL, 1, NULL },
	{ S("1."), JSON_EPART, 2, NULL },
	{ S("1.a"), JSON_EINVAL, 2, NULL },
	{ S("1.e5"), JSON_EINVAL, 2, NULL },
	{ S("1.5.2"), JSON_EINVAL, 3, NULL },
	{ S("1e"), JSON_EPART, 2, NULL },
	{ S("1E"), JSON_EPART, 2, NULL },
	{ S("1e+"), JSON_EPART, 3, NULL },
	{ S("1e-"), JSON_EPART, 3, NULL },
	{ S("1ea"), JSON_EINVAL, 2, NULL },
	{ S("1e+a"), JSON_EINVAL, 3, NULL },
	{ S("1e+-1"), JSON_EINVAL, 3, NULL },
	{ S("1e5.0"), JSON_EINVAL, 3, NULL },
	{ S("1e5e5"), JSON_EINVAL, 3, NULL },
	{ S("[1.]"), JSON_EINVAL, 3, NULL },
	{ S("[-]"), JSON_EINVAL, 2, NULL },
	{ S("Infinity"), JSON_EINVAL, 0, NULL },
	{ S("-Infinity"), JSON_EINVAL, 1, NULL },
	{ S("NaN"), JSON_EINVAL, 0, NULL },
	{ S("1_000"), JSON_EINVAL, 1, NULL },
	/* literals */
	{ S("t"), JSON_EPART, 1, NULL },
	{ S("tru"), JSON_EPART, 3, NULL },
	{ S("fals"), JSON_EPART, 4, NULL },
	{ S("nul"), JSON_EPART, 3, NULL },
	{ S("trux"), JSON_EINVAL, 3, NULL },
	{ S("True"), JSON_EINVAL, 0, NULL },
	{ S("nulll"), JSON_EINVAL, 4, NULL },
	{ S("falsee"), JSON_EINVAL, 5, NULL },
	{ S("truefalse"), JSON_EINVAL, 4, NULL },
	{ S("[nil]"), JSON_EINVAL, 2, NULL },
	{ S("undefined"), JSON_EINVAL, 0, NULL },
	/* strings */
	{ S("\"abc"), JSON_EPART, 4, NULL },
	{ S("\"\\"), JSON_EPART, 2, NULL },
	{ S("\"\\u"), JSON_EPART, 3, NULL },
	{ S("\"\\u12"), JSON_EPART, 5, NULL },
	{ S("\"\\ud800\\"), JSON_EPART, 8, NULL },
	{ S("\"\\x\""), JSON_EINVAL, 2, NULL },
	{ S("\"\\U0041\""), JSON_EINVAL, 2, NULL },
	{ S("\"\\'\""), JSON_EINVAL, 2, NULL },
	{ S("\"\\u12\""), JSON_EINVAL, 5, NULL },
	{ S("\"\\u12G4\""), JSON_EINVAL, 5, NULL },
	{ S("\"\\u-123\""), JSON_EINVAL, 3, NULL },
	{ S("\"\\\xc3\xa9\""), JSON_EINVAL, 2, NULL },
	{ S("\"a\tb\""), JSON_EINVAL, 2, NULL },
	{ S("\"a\nb\""), JSON_EINVAL, 2, NULL },
	{ S("\"\0\""), JSON_EINVAL, 1, NULL },
	{ S("\"\x1f\""), JSON_EINVAL, 1, NULL },
	{ S("'a'"), JSON_EINVAL, 0, NULL },
	/* UTF-8 in strings */
	{ S("\"\x80\""), JSON_EUTF8, 1, NULL },
	{ S("\"\xbf\""), JSON_EUTF8, 1, NULL },
	{ S("\"\xc0\x80\""), JSON_EUTF8, 1, NULL },
	{ S("\"\xc1\xbf\""), JSON_EUTF8, 1, NULL },
	{ S("\"\xc2\""), JSON_EUTF8, 2, NULL },
	{ S("\"\xc2\x41\""), JSON_EUTF8, 2, NULL },
	{ S("\"\xc2\xc0\""), JSON_EUTF8, 2, NULL },
	{ S("\"\xc3\xa9\xa9\""), JSON_EUTF8, 3, NULL },
	{ S("\"\xe0\x80\x80\""), JSON_EUTF8, 2, NULL },
	{ S("\"\xe0\x9f\xbf\""), JSON_EUTF8, 2, NULL },
	{ S("\"\xe2\x82\""), JSON_EUTF8, 3, NULL },
	{ S("\"\xe2\x82\x41\""), JSON_EUTF8, 3, NULL },
	{ S("\"\xed\xa0\x80\""), JSON_EUTF8, 2, NULL },
	{ S("\"\xed\xbf\xbf\""), JSON_EUTF8, 2, NULL },
	{ S("\"\xf0\x80\x80\x80\""), JSON_EUTF8, 2, NULL },
	{ S("\"\xf0\x8f\xbf\xbf\""), JSON_EUTF8, 2, NULL },
	{ S("\"\xf0\x9f\x98\""), JSON_EUTF8, 4, NULL },
	{ S("\"\xf4\x90\x80\x80\""), JSON_EUTF8, 2, NULL },
	{ S("\"\xf5\x80\x80\x80\""), JSON_EUTF8, 1, NULL },
	{ S("\"\xf8\x88\x80\x80\x80\""), JSON_EUTF8, 1, NULL },
	{ S("\"\xfc\x84\x80\x80\x80\x80\""), JSON_EUTF8, 1, NULL },
	{ S("\"\xfe\""), JSON_EUTF8, 1, NULL },
	{ S("\"\xff\""), JSON_EUTF8, 1, NULL },
	{ S("{\"\xc3\x28\":1}"), JSON_EUTF8, 3, NULL },
	{ S("[\"ok\",\"\xe2\x28\xa1\"]"), JSON_EUTF8, 8, NULL },
	{ S("\"\xe2\x82"), JSON_EPART, 3, NULL },
	{ S("\"\xf0\x9f\x98"), JSON_EPART, 4, NULL },
};

/* The prefix s[0..c) is one number with blanks around it. */
static int
is_number_text(const char *s, size_t c)
{
	size_t i = 0, j = c, k;

	while (i < j && is_blank(s[i]))
		i++;
	while (j > i && is_blank(s[j - 1]))
		j--;
	if (i == j || !(s[i] == '-' || is_digit(s[i])))
		return 0;
	for (k = i; k < j; k++)
		if (!is_digit(s[k]) && strchr("-+.eE", s[k]) == NULL)
			return 0;
	return is_digit(s[j - 1]);
}

static void
t_parse_table(void)
{
	const struct pcase *c;
	size_t i, off;
	int r;

	for (i = 0; i < nitems(pcases); i++) {
		c = &pcases[i];
		t_seed("json", NULL, 0, c->in, c->len);
		r = parse(c->in, c->len, NTOK, JSON_FULL, &off);
		if (!CHECK_EQ(r, c->want) ||
		    !CHECK_EQ(off, c->want > 0 ? c->len : c->off)) {
			fprintf(stderr, "  case %zu: \"%.*s\"\n", i,
			    (int)c->len, c->in);
			continue;
		}
		if (r > 0) {
			check_tree(guarded(c->in, c->len), c->len, toks, r);
			if (!CHECK(strcmp(render(toks, r), c->toks) == 0))
				fprintf(stderr, "  case %zu: got %s\n", i,
				    render(toks, r));
		}
	}
}

/*
 * Whether s[0..c), known to be valid so far, is a whole JSON text: one
 * number ending in a digit, or a value whose end is the last non-blank
 * byte.  Written without the tokenizer's logic, by counting brackets.
 */
static int
is_whole(const char *s, size_t c)
{
	size_t i = 0, j = c, k;
	int in_str = 0, esc = 0, depth = 0;

	while (i < j && is_blank(s[i]))
		i++;
	while (j > i && is_blank(s[j - 1]))
		j--;
	if (i == j)
		return 0;
	if (s[i] == '-' || is_digit(s[i]))
		return is_number_text(s, c);
	if (s[i] == 't' || s[i] == 'n')
		return j - i == 4;
	if (s[i] == 'f')
		return j - i == 5;
	for (k = i; k < j; k++) {
		if (in_str) {
			if (esc)
				esc = 0;
			else if (s[k] == '\\')
				esc = 1;
			else if (s[k] == '"') {
				in_str = 0;
				if (depth == 0)
					return k == j - 1;
			}
		} else if (s[k] == '"')
			in_str = 1;
		else if (s[k] == '[' || s[k] == '{')
			depth++;
		else if ((s[k] == ']' || s[k] == '}') && --depth == 0)
			return k == j - 1;
	}
	return 0;
}

/*
 * Cut at every length: past the error the same error at the same offset;
 * before it (or anywhere in a valid text) JSON_EPART, except where the
 * prefix is itself a whole text: a number ("12" cut to "1"), or the value
 * without some of the blanks after it.
 */
static void
t_parse_prefixes(void)
{
	const struct pcase *c;
	size_t i, cut, off, lim, e;
	int r;

	for (i = 0; i < nitems(pcases); i++) {
		c = &pcases[i];
		lim = c->want > 0 ? c->len : c->off;
		for (cut = 0; cut <= c->len; cut++) {
			r = parse(c->in, cut, NTOK, JSON_FULL, &off);
			if (cut > lim) {
				CHECK_EQ(r, c->want);
				CHECK_EQ(off, c->off);
			} else if (is_whole(c->in, cut)) {
				if (!CHECK(r > 0))
					continue;
				CHECK_EQ(off, cut);
				check_tree(guarded(c->in, cut), cut, toks, r);
				for (e = cut; is_blank(c->in[e - 1]); e--)
					;
				CHECK_EQ(toks[0].start + toks[0].len +
				    (toks[0].type == JSON_STRING), e);
				if (toks[0].type != JSON_NUMBER && c->want > 0)
					CHECK_EQ(r, c->want);
			} else if (!CHECK_EQ(r, JSON_EPART) ||
			    !CHECK_EQ(off, cut))
				fprintf(stderr, "  case %zu cut %zu: "
				    "\"%.*s\"\n", i, cut, (int)cut, c->in);
		}
	}
}

/* The whole value ends before the last blanks: any cut there is whole. */
static void
t_parse_trailing_blanks(void)
{
	static const char in[] = "[1, 2] \t\r\n";
	size_t cut, off;

	for (cut = 6; cut <= sizeof(in) - 1; cut++) {
		CHECK_EQ(parse(in, cut, NTOK, JSON_FULL, &off), 3);
		CHECK_EQ(off, cut);
		CHECK(strcmp(render(toks, 3), "a0:6#2>3 n1:1 n4:1") == 0);
	}
}

/* Offset in the input of the value that token t stands for. */
static size_t
value_off(const struct json_tok *t)
{
	return t->type == JSON_STRING ? t->start - 1 : t->start;
}

/* Too few tokens: JSON_ENOMEM at the value that did not fit. */
static void
t_parse_nomem(void)
{
	struct json_tok full[NTOK];
	const struct pcase *c;
	size_t i, off;
	int n, k;

	for (i = 0; i < nitems(pcases); i++) {
		c = &pcases[i];
		if (c->want <= 0)
			continue;
		n = parse(c->in, c->len, NTOK, JSON_FULL, &off);
		if (!CHECK_EQ(n, c->want))
			continue;
		memcpy(full, toks, sizeof(full));
		for (k = 0; k < n; k++) {
			CHECK_EQ(parse(c->in, c->len, (size_t)k, JSON_FULL,
			    &off), JSON_ENOMEM);
			CHECK_EQ(off, value_off(&full[k]));
		}
		CHECK_EQ(parse(c->in, c->len, (size_t)n, JSON_FULL, &off), n);
	}
	/* no array at all */
	CHECK_EQ(json_parse("1", 1, NULL, 0, JSON_FULL, &off), JSON_ENOMEM);
	CHECK_EQ(off, 0);
	CHECK_EQ(json_parse(" ", 1, NULL, 0, JSON_FULL, &off), JSON_EPART);
	CHECK_EQ(json_parse("x", 1, NULL, 0, JSON_FULL, &off), JSON_EINVAL);
}

struct scase {
	const char	*in;
	size_t		 len;
	unsigned int	 depth;
	int		 want;
	const char	*toks;
};

static const struct scase scases[] = {
	{ S("{\"a\":{\"b\":[1,2]},\"c\":[],\"d\":3}"), 0, 1, "o0:30#3>1F" },
	{ S("{\"a\":{\"b\":[1,2]},\"c\":[],\"d\":3}"), 1, 7,
	    "o0:30#3>7 s2:1 o5:11#1>3F s18:1 a21:2#0>5 s25:1 n28:1" },
	{ S("{\"a\":{\"b\":[1,2]},\"c\":[],\"d\":3}"), 2, 9,
	    "o0:30#3>9 s2:1 o5:11#1>5 s7:1 a10:5#2>5F s18:1 a21:2#0>7 "
	    "s25:1 n28:1" },
	{ S("{\"a\":{\"b\":[1,2]},\"c\":[],\"d\":3}"), 3, 11,
	    "o0:30#3>11 s2:1 o5:11#1>7 s7:1 a10:5#2>7 n11:1 n13:1 s18:1 "
	    "a21:2#0>9 s25:1 n28:1" },
	{ S("[]"), 0, 1, "a0:2#0>1" },
	{ S("{}"), 0, 1, "o0:2#0>1" },
	{ S("[[],[[]],{}]"), 0, 1, "a0:12#3>1F" },
	{ S("[[],[[]],{}]"), 1, 4, "a0:12#3>4 a1:2#0>2 a4:4#1>3F o9:2#0>4" },
	{ S("\"x\""), 0, 1, "s1:1" },
	{ S("12"), 0, 1, "n0:2" },
	/* errors below the stored levels are still found */
	{ S("{\"a\":[1,2,]}"), 0, JSON_EINVAL, NULL },
	{ S("[[\"\xc0\"]]"), 1, JSON_EUTF8, NULL },
	{ S("[[\"\\q\"]]"), 0, JSON_EINVAL, NULL },
	{ S("[[1]"), 0, JSON_EPART, NULL },
	{ S("[[1]]]"), 1, JSON_EINVAL, NULL },
};

static void
t_parse_shallow(void)
{
	const struct scase *c;
	size_t i, off;
	int r;

	for (i = 0; i < nitems(scases); i++) {
		c = &scases[i];
		r = parse(c->in, c->len, NTOK, c->depth, &off);
		if (!CHECK_EQ(r, c->want)) {
			fprintf(stderr, "  case %zu\n", i);
			continue;
		}
		if (r > 0) {
			check_tree(guarded(c->in, c->len), c->len, toks, r);
			if (!CHECK(strcmp(render(toks, r), c->toks) == 0))
				fprintf(stderr, "  case %zu: got %s\n", i,
				    render(toks, r));
		}
	}
	/* a folded text of any size needs one token */
	r = parse(S("[[1,2,3],{\"a\":[4]},\"x\"]"), 1, 0, &off);
	CHECK_EQ(r, 1);
	CHECK(strcmp(render(toks, 1), "a0:23#3>1F") == 0);
}

/*
 * JSON_NEWLINE: a newline among the blanks, at any depth, stored or
 * folded; never for a blank without one or an escaped \n.
 */
static void
t_parse_newline(void)
{
	static const struct {
		const char	*in;
		size_t		 len;
		int		 nl;
	} c[] = {
		{ S("{\"a\":[1,{\"b\":\"x\\ny\"}]}"), 0 },
		{ S(" {\"a\" :\t[1 ,\r{ \"b\": \"x\"} ] } "), 0 },
		{ S("\n{\"a\":[1,{\"b\":\"x\"}]}"), 1 },
		{ S("{\"a\":[1,{\"b\":\"x\"}]}\r\n"), 1 },
		{ S("{\"a\"\n:[1,{\"b\":\"x\"}]}"), 1 },
		{ S("{\"a\":[1,\n{\"b\":\"x\"}]}"), 1 },
		{ S("{\"a\":[1,{\"b\":\"x\"\n}]}"), 1 },
		{ S("[[[[\n]]]]"), 1 },
		{ S("\"s\"\n"), 1 },
	};
	unsigned int depth[] = { 0, 1, 2, 3, JSON_FULL };
	size_t i, k, off;
	int r;

	for (i = 0; i < nitems(c); i++)
		for (k = 0; k < nitems(depth); k++) {
			r = parse(c[i].in, c[i].len, NTOK, depth[k], &off);
			if (!CHECK(r > 0))
				continue;
			if (!CHECK_EQ((toks[0].flags & JSON_NEWLINE) != 0,
			    c[i].nl))
				fprintf(stderr, "  case %zu depth %u\n", i,
				    depth[k]);
		}
}

/*
 * For every valid case and stored depth: the shallow tokens are the full
 * tokens at that depth or above, in order, with folded containers.
 */
static void
t_parse_shallow_all(void)
{
	struct json_tok full[NTOK];
	uint32_t end[JSON_DEPTH_MAX + 2];
	unsigned d, lvl[NTOK];
	const struct pcase *c;
	size_t i, off;
	int n, r, k, j, sp;

	for (i = 0; i < nitems(pcases); i++) {
		c = &pcases[i];
		if (c->want <= 0)
			continue;
		n = parse(c->in, c->len, NTOK, JSON_FULL, &off);
		if (!CHECK_EQ(n, c->want))
			continue;
		memcpy(full, toks, sizeof(full));
		for (sp = 0, k = 0; k < n; k++) {
			while (sp > 0 && (uint32_t)k >= end[sp - 1])
				sp--;
			lvl[k] = (unsigned)sp;
			if (full[k].type == JSON_OBJECT ||
			    full[k].type == JSON_ARRAY)
				end[sp++] = full[k].next;
		}
		for (d = 0; d <= 4; d++) {
			r = parse(c->in, c->len, NTOK, d, &off);
			if (!CHECK(r > 0))
				continue;
			check_tree(guarded(c->in, c->len), c->len, toks, r);
			for (j = 0, k = 0; k < n; k++) {
				if (lvl[k] > d)
					continue;
				if (!CHECK(j < r))
					break;
				CHECK_EQ(toks[j].type, full[k].type);
				CHECK_EQ(toks[j].start, full[k].start);
				CHECK_EQ(toks[j].len, full[k].len);
				CHECK_EQ(toks[j].size, full[k].size);
				CHECK_EQ(toks[j].flags & JSON_ESCAPED,
				    full[k].flags & JSON_ESCAPED);
				CHECK_EQ((toks[j].flags & JSON_FOLDED) != 0,
				    lvl[k] == d && full[k].size > 0 &&
				    (full[k].type == JSON_OBJECT ||
				    full[k].type == JSON_ARRAY));
				j++;
			}
			CHECK_EQ(j, r);
		}
	}
}

/* n brackets of `open`, a value, then the closing ones, into buf. */
static size_t
nest(char *buf, size_t n, int obj)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (obj) {
			memcpy(buf + k, "{\"k\":", 5);
			k += 5;
		} else
			buf[k++] = '[';
	}
	buf[k++] = '0';
	for (i = 0; i < n; i++)
		buf[k++] = obj ? '}' : ']';
	return k;
}

static void
t_parse_depth(void)
{
	static char buf[16 * (JSON_DEPTH_MAX + 2)];
	size_t n, off, cut, at;
	int obj, r;

	for (obj = 0; obj <= 1; obj++) {
		/* exactly at the limit */
		n = nest(buf, JSON_DEPTH_MAX, obj);
		r = parse(buf, n, NTOK, JSON_FULL, &off);
		CHECK_EQ(r, JSON_DEPTH_MAX * (obj ? 2 : 1) + 1);
		if (r > 0)
			check_tree(guarded(buf, n), n, toks, r);
		CHECK_EQ(parse(buf, n, NTOK, 0, &off), 1);
		/* one past it, in full and shallow modes, at every cut */
		n = nest(buf, JSON_DEPTH_MAX + 1, obj);
		at = JSON_DEPTH_MAX * (obj ? 5 : 1);
		CHECK_EQ(parse(buf, n, NTOK, JSON_FULL, &off), JSON_EDEPTH);
		CHECK_EQ(off, at);
		CHECK_EQ(parse(buf, n, NTOK, 0, &off), JSON_EDEPTH);
		CHECK_EQ(off, at);
		for (cut = 0; cut <= n; cut++) {
			r = parse(buf, cut, NTOK, 2, &off);
			CHECK_EQ(r, cut > at ? JSON_EDEPTH : JSON_EPART);
			CHECK_EQ(off, cut > at ? at : cut);
		}
	}
	/* depth counts open containers, not values seen before */
	CHECK_EQ(parse(S("[[[]],[[]],[[]]]"), NTOK, JSON_FULL, &off), 7);
}

static void
t_parse_limits(void)
{
	size_t off = 1;

	/* offsets are 32-bit: larger inputs are refused before any read */
	if (sizeof(size_t) > 4) {
		CHECK_EQ(json_parse("1", (size_t)UINT32_MAX + 1, toks, NTOK,
		    JSON_FULL, &off), JSON_EBIG);
		CHECK_EQ(off, 0);
	}
	/* the offset is optional */
	CHECK_EQ(json_parse("[1]", 3, toks, NTOK, JSON_FULL, NULL), 2);
	CHECK_EQ(json_parse("[1,]", 4, toks, NTOK, JSON_FULL, NULL),
	    JSON_EINVAL);
	CHECK_EQ(sizeof(struct json_tok), 20);
}

/* A long text: a few thousand tokens, long strings, every kind. */
static void
t_parse_long(void)
{
	static char buf[GUARD_ROOM];
	static struct json_tok many[4096];
	size_t k = 0, off;
	int i, r;

	buf[k++] = '[';
	for (i = 0; i < 300; i++) {
		k += (size_t)snprintf(buf + k, sizeof(buf) - k,
		    "%s{\"id\":%d,\"text\":\"line %d: plain words, "
		    "\\\"quoted\\\", caf\xc3\xa9 \xf0\x9f\x98\x80 "
		    "\\ud83d\\ude00\",\"ok\":true,\"n\":null,\"x\":-%d.5e-3}",
		    i ? "," : "", i, i, i);
	}
	buf[k++] = ']';
	r = json_parse(buf, k, many, nitems(many), JSON_FULL, &off);
	CHECK_EQ(r, 1 + 300 * 11);
	if (r > 0)
		check_tree(buf, k, many, r);
	r = json_parse(buf, k, many, 300, JSON_FULL, &off);
	CHECK_EQ(r, JSON_ENOMEM);
	r = json_parse(buf, k, many, 301, 1, &off);
	CHECK_EQ(r, 301);
	/* the same text with one bad byte near the end */
	buf[k - 20] = '\x01';
	CHECK_EQ(json_parse(buf, k, many, nitems(many), 1, &off),
	    JSON_EINVAL);
	CHECK_EQ(off, k - 20);
}

/*
 * The reference for string bodies, one byte at a time and written apart
 * from json.c: s[i..n) follows an opening quote.  Returns 0 and sets
 * *off to the closing quote, or returns the error and sets *off to where
 * json_parse() must report it.
 */
static int
ref_string(const unsigned char *s, size_t n, size_t i, size_t *off)
{
	static const char esc[] = "\"\\/bfnrt";
	unsigned int c, lo, hi, k, need;

	for (;;) {
		if (i == n) {
			*off = n;
			return JSON_EPART;
		}
		c = s[i];
		if (c == '"') {
			*off = i;
			return 0;
		}
		if (c == '\\') {
			if (i + 1 == n) {
				*off = n;
				return JSON_EPART;
			}
			if (s[i + 1] != 'u') {
				if (s[i + 1] == '\0' ||
				    strchr(esc, s[i + 1]) == NULL) {
					*off = i + 1;
					return JSON_EINVAL;
				}
				i += 2;
				continue;
			}
			for (k = 2; k < 6; k++) {
				if (i + k == n) {
					*off = n;
					return JSON_EPART;
				}
				if (!isxdigit(s[i + k])) {
					*off = i + k;
					return JSON_EINVAL;
				}
			}
			i += 6;
			continue;
		}
		if (c < 0x20) {
			*off = i;
			return JSON_EINVAL;
		}
		if (c < 0x80) {
			i++;
			continue;
		}
		/* RFC 3629, table 3 */
		lo = 0x80, hi = 0xbf;
		if (c >= 0xc2 && c <= 0xdf)
			need = 1;
		else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			lo = c == 0xe0 ? 0xa0 : 0x80;
			hi = c == 0xed ? 0x9f : 0xbf;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			lo = c == 0xf0 ? 0x90 : 0x80;
			hi = c == 0xf4 ? 0x8f : 0xbf;
		} else {
			*off = i;
			return JSON_EUTF8;
		}
		for (k = 1; k <= need; k++) {
			if (i + k == n) {
				*off = n;
				return JSON_EPART;
			}
			if (s[i + k] < lo || s[i + k] > hi) {
				*off = i + k;
				return JSON_EUTF8;
			}
			lo = 0x80, hi = 0xbf;
		}
		i += need + 1;
	}
}

/*
 * body[0..n) after an opening quote, as json_parse() sees it: the string
 * alone (stored), as a key (stored) and in an array whose children are
 * not stored, each against the guard page, checked against ref_string().
 * Inputs end where the reference says the string ends, or just past it
 * ("]" or ":1}" follow), so the scan meets the end of the buffer at every
 * distance.
 */
static void
string_vs_ref(const unsigned char *body, size_t n)
{
	static const struct {
		const char	*pre, *post;
		unsigned	 depth;
		int		 ntok;
		int		 at;	/* its token, or -1 */
	} ctx[] = {
		{ "\"", "", JSON_FULL, 1, 0 },
		{ "{\"", ":1}", JSON_FULL, 3, 1 },
		{ "[\"", "]", 0, 1, -1 },
		/* a member's value, and the key after one */
		{ "{\"a\":\"", "}", JSON_FULL, 3, 2 },
		{ "{\"a\":\"", "}", 0, 1, -1 },
		{ "{\"a\":\"x\",\"", ":1}", JSON_FULL, 5, 3 },
		{ "{\"a\":\"x\",\"", ":1}", 0, 1, -1 },
		{ "[{\"a\":\"x\",\"", ":1}]", 0, 1, -1 },
	};
	static unsigned char buf[512];
	size_t i, pl, pol, off, roff;
	int r, want;

	if (n + 8 > sizeof(buf))
		return;
	for (i = 0; i < nitems(ctx); i++) {
		pl = strlen(ctx[i].pre);
		pol = strlen(ctx[i].post);
		memcpy(buf, ctx[i].pre, pl);
		memcpy(buf + pl, body, n);
		want = ref_string(buf, pl + n, pl, &roff);
		if (want == 0) {
			/* cut after the closing quote, then the rest added */
			memcpy(buf + roff + 1, ctx[i].post, pol);
			r = parse((const char *)buf, roff + 1 + pol, NTOK,
			    ctx[i].depth, &off);
			if (!CHECK_EQ(r, ctx[i].ntok) ||
			    !CHECK_EQ(off, roff + 1 + pol))
				goto fail;
			if (ctx[i].at >= 0 && (!CHECK_EQ(toks[ctx[i].at].type,
			    JSON_STRING) || !CHECK_EQ(toks[ctx[i].at].start,
			    pl) || !CHECK_EQ(toks[ctx[i].at].len, roff - pl) ||
			    !CHECK_EQ((toks[ctx[i].at].flags & JSON_ESCAPED) !=
			    0, memchr(buf + pl, '\\', roff - pl) != NULL)))
				goto fail;
			continue;
		}
		r = parse((const char *)buf, pl + n, NTOK, ctx[i].depth, &off);
		if (!CHECK_EQ(r, want) || !CHECK_EQ(off, roff))
			goto fail;
	}
	return;
fail:
	fprintf(stderr, "  context %zu, body of %zu bytes:", i, n);
	for (off = 0; off < n; off++)
		fprintf(stderr, " %02x", body[off]);
	fprintf(stderr, "\n");
}

/*
 * The string scan, which reads several bytes at a time where it can,
 * against the reference: every byte value at every offset from 0 to 40
 * (across word boundaries) of plain text, with the text ending right
 * after it or a few bytes later (the buffer's end at every distance);
 * then random bodies mixing plain bytes, escapes, UTF-8 and bad bytes.
 */
static void
t_parse_string_scan(void)
{
	static const char *const pieces[] = {
		"a", "abcdefgh", "0123456789abcdef", "\"", "\\", "\\n", "\\/",
		"\\u00e9", "\\uD83D", "\\x", "\\u12g4", "\xc3\xa9",
		"\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xed\xa0\x80", "\xc0\xaf",
		"\xf4\x90\x80\x80", "\xe0\x80", "\x7f", "\x1f", "\t", " ",
	};
	static const size_t tails[] = { 0, 1, 2, 7, 15, 16, 17, 33 };
	unsigned char body[256];
	uint64_t x = 12345;
	size_t k, t, n, m, len;
	unsigned b;
	int i, j;

	for (k = 0; k <= 40; k++)
		for (b = 0; b < 256; b++)
			for (t = 0; t < nitems(tails); t++) {
				memset(body, 'a', sizeof(body));
				body[k] = (unsigned char)b;
				string_vs_ref(body, k + 1 + tails[t]);
				/* and closed right after */
				body[k + 1 + tails[t]] = '"';
				string_vs_ref(body, k + 2 + tails[t]);
			}
	for (i = 0; i < 20000; i++) {
		n = 0;
		m = (size_t)(x >> 7) % 12;
		for (j = 0; j < (int)m; j++) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			if ((x >> 60) < 4) {
				/* any byte */
				body[n++] = (unsigned char)(x >> 40);
				continue;
			}
			len = strlen(pieces[(x >> 33) % nitems(pieces)]);
			if (n + len > 200)
				break;
			memcpy(body + n, pieces[(x >> 33) % nitems(pieces)],
			    len);
			n += len;
		}
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		string_vs_ref(body, n);
		body[n] = '"';
		string_vs_ref(body, n + 1);
	}
}

/*
 * true, false and null, in each place a value goes: every byte after the
 * first replaced by every other value is an error at that byte, and every
 * cut is JSON_EPART, with the literal ending the buffer.
 */
static void
t_parse_literals(void)
{
	static const char *const lits[] = { "true", "false", "null" };
	static const struct {
		const char	*pre;
		unsigned	 depth;
	} ctx[] = {
		{ "", JSON_FULL }, { "[", JSON_FULL }, { "[", 0 },
		{ "{\"k\":", JSON_FULL }, { "{\"k\":", 0 }, { "[1,", 0 },
	};
	char buf[32];
	size_t c, i, j, l, pl, off;
	unsigned b;
	int r;

	for (c = 0; c < nitems(ctx); c++)
		for (l = 0; l < nitems(lits); l++) {
			pl = strlen(ctx[c].pre);
			memcpy(buf, ctx[c].pre, pl);
			memcpy(buf + pl, lits[l], strlen(lits[l]));
			for (i = 1; i < strlen(lits[l]); i++) {
				for (b = 0; b < 256; b++) {
					if (b == (unsigned char)lits[l][i])
						continue;
					buf[pl + i] = (char)b;
					/* the rest of it, or the end */
					for (j = i + 1; j <= strlen(lits[l]);
					    j++) {
						r = parse(buf, pl + j, NTOK,
						    ctx[c].depth, &off);
						if (!CHECK_EQ(r, JSON_EINVAL) ||
						    !CHECK_EQ(off, pl + i))
							fprintf(stderr, "  %s "
							    "in %s, byte %zu "
							    "%02x\n", lits[l],
							    ctx[c].pre, i, b);
					}
				}
				buf[pl + i] = lits[l][i];
			}
			for (i = 1; i < strlen(lits[l]); i++) {
				r = parse(buf, pl + i, NTOK, ctx[c].depth,
				    &off);
				CHECK_EQ(r, JSON_EPART);
				CHECK_EQ(off, pl + i);
			}
			/* whole, then closed where something is open */
			r = parse(buf, pl + strlen(lits[l]), NTOK,
			    ctx[c].depth, &off);
			CHECK_EQ(r, pl == 0 ? 1 : JSON_EPART);
		}
}

struct ucase {
	const char	*json;	/* one string value */
	const char	*want;	/* its unescaped bytes */
	size_t		 wlen;
};

#define U(j, w)	{ (j), (w), sizeof(w) - 1 }

static const struct ucase ucases[] = {
	U("\"\"", ""),
	U("\"abc\"", "abc"),
	U("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t"),
	U("\"\\u0041\\u00e9\\u20AC\"", "A\xc3\xa9\xe2\x82\xac"),
	U("\"\\u007f\\u0080\\u07ff\\u0800\\uffff\"",
	    "\x7f\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf"),
	U("\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80"),
	U("\"\\uD83D\\uDE00x\"", "\xf0\x9f\x98\x80x"),
	U("\"\\ud800\\udc00\"", "\xf0\x90\x80\x80"),
	U("\"\\udbff\\udfff\"", "\xf4\x8f\xbf\xbf"),
	U("\"\\ud800\"", "\xef\xbf\xbd"),
	U("\"\\udc00\"", "\xef\xbf\xbd"),
	U("\"\\udfff\\ud800\"", "\xef\xbf\xbd\xef\xbf\xbd"),
	U("\"\\udc00\\udc00\"", "\xef\xbf\xbd\xef\xbf\xbd"),
	U("\"\\ud800\\u0041\"", "\xef\xbf\xbd" "A"),
	U("\"\\ud800\\ud800\\udc00\"", "\xef\xbf\xbd\xf0\x90\x80\x80"),
	U("\"\\ud800\\\\\"", "\xef\xbf\xbd\\"),
	U("\"\\ud800\\n\"", "\xef\xbf\xbd\n"),
	U("\"\\ud800x\"", "\xef\xbf\xbdx"),
	U("\"a\\ud83d\"", "a\xef\xbf\xbd"),
	U("\"\\u0000\"", "\0"),
	U("\"a\\u0000b\"", "a\0b"),
	U("\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
	    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
	U("\"wss:\\/\\/wss-primary.slack.com\\/link\\/?ticket=1\"",
	    "wss://wss-primary.slack.com/link/?ticket=1"),
};

static void
t_unescape(void)
{
	char buf[128], big[128];
	const struct ucase *c;
	size_t i, cap, n, off;

	for (i = 0; i < nitems(ucases); i++) {
		c = &ucases[i];
		if (!CHECK_EQ(parse(c->json, strlen(c->json), NTOK, JSON_FULL,
		    &off), 1))
			continue;
		CHECK_EQ(toks[0].type, JSON_STRING);
		for (cap = 0; cap <= c->wlen + 1; cap++) {
			memset(buf, 'Z', sizeof(buf));
			n = 999;
			if (cap <= c->wlen) {
				CHECK_EQ(json_unescape(guard + GUARD_ROOM -
				    strlen(c->json), &toks[0], buf, cap, &n),
				    -1);
				CHECK(buf[0] == (cap == 0 ? 'Z' : '\0'));
				CHECK(buf[cap] == 'Z');
				continue;
			}
			if (!CHECK_EQ(json_unescape(guard + GUARD_ROOM -
			    strlen(c->json), &toks[0], buf, cap, &n), 0)) {
				fprintf(stderr, "  case %zu\n", i);
				continue;
			}
			CHECK_EQ(n, c->wlen);
			CHECK(memcmp(buf, c->want, c->wlen) == 0);
			CHECK(buf[n] == '\0');
			CHECK(buf[n + 1] == 'Z');
		}
		/* the same through json_eq, and near misses */
		if (memchr(c->want, '\0', c->wlen) == NULL) {
			CHECK_EQ(json_eq(guard + GUARD_ROOM - strlen(c->json),
			    &toks[0], c->want), 1);
			snprintf(big, sizeof(big), "%sx", c->want);
			CHECK_EQ(json_eq(guard + GUARD_ROOM - strlen(c->json),
			    &toks[0], big), 0);
			if (c->wlen > 0) {
				memcpy(big, c->want, c->wlen - 1);
				big[c->wlen - 1] = '\0';
				CHECK_EQ(json_eq(guard + GUARD_ROOM -
				    strlen(c->json), &toks[0], big), 0);
			}
		} else {
			CHECK_EQ(json_eq(guard + GUARD_ROOM - strlen(c->json),
			    &toks[0], c->want), 0);
			CHECK_EQ(json_eq(guard + GUARD_ROOM - strlen(c->json),
			    &toks[0], ""), 0);
		}
	}
	/* NULL length pointer; not a string */
	CHECK_EQ(parse(S("[\"ab\",1]"), NTOK, JSON_FULL, &off), 3);
	CHECK_EQ(json_unescape(guard + GUARD_ROOM - 8, &toks[1], buf,
	    sizeof(buf), NULL), 0);
	CHECK(strcmp(buf, "ab") == 0);
	CHECK_EQ(json_unescape(guard + GUARD_ROOM - 8, &toks[2], buf,
	    sizeof(buf), &n), -1);
	CHECK_EQ(json_unescape(guard + GUARD_ROOM - 8, &toks[0], buf,
	    sizeof(buf), &n), -1);
	CHECK_EQ(json_eq(guard + GUARD_ROOM - 8, &toks[0], "ab"), 0);
	CHECK_EQ(json_eq(guard + GUARD_ROOM - 8, &toks[2], "1"), 0);
}

static void
t_find(void)
{
	static const char in[] = "{\"\\u0061\":1,\"b\\/c\":2,"
	    "\"\\ud83d\\ude00\":3,\"a\":4,\"\":5,\"\\u0000\":6,"
	    "\"o\":{\"a\":7},\"s\":\"a\"}";
	const char *js;
	size_t off;
	int r;

	r = parse(S(in), NTOK, JSON_FULL, &off);
	if (!CHECK_EQ(r, 19))
		return;
	js = guard + GUARD_ROOM - (sizeof(in) - 1);
	CHECK_EQ(json_find(js, toks, 0, "a"), 2);
	CHECK_EQ(json_find(js, toks, 0, "b/c"), 4);
	CHECK_EQ(json_find(js, toks, 0, "\xf0\x9f\x98\x80"), 6);
	CHECK_EQ(json_find(js, toks, 0, ""), 10);
	CHECK_EQ(json_find(js, toks, 0, "o"), 14);
	CHECK_EQ(json_find(js, toks, 14, "a"), 16);
	CHECK_EQ(json_find(js, toks, 0, "x"), -1);
	CHECK_EQ(json_find(js, toks, 0, "b\\/c"), -1);
	CHECK_EQ(json_find(js, toks, 0, "s"), 18);
	CHECK_EQ(json_find(js, toks, 18, "a"), -1);	/* a string */
	CHECK_EQ(json_find(js, toks, 1, "a"), -1);
	/* a folded object has no members to find */
	r = parse(S(in), NTOK, 0, &off);
	CHECK_EQ(r, 1);
	CHECK_EQ(json_find(js, toks, 0, "a"), -1);
	r = parse(S(in), NTOK, 1, &off);
	CHECK_EQ(r, 17);
	CHECK_EQ(json_find(js, toks, 0, "s"), 16);
	CHECK_EQ(json_find(js, toks, 0, "o"), 14);
	CHECK(toks[14].flags & JSON_FOLDED);
	CHECK_EQ(json_find(js, toks, 14, "a"), -1);
}

static void
t_walk(void)
{
	static const char in[] = "[1,[2,3],{\"a\":4,\"b\":[5]},[],6]";
	size_t off;
	int r, c;

	r = parse(S(in), NTOK, JSON_FULL, &off);
	if (!CHECK_EQ(r, 13))
		return;
	c = json_first(toks, 0);
	CHECK_EQ(c, 1);
	c = json_next(toks, 0, c);
	CHECK_EQ(c, 2);
	CHECK_EQ(json_first(toks, 2), 3);
	CHECK_EQ(json_next(toks, 2, 3), 4);
	CHECK_EQ(json_next(toks, 2, 4), -1);
	c = json_next(toks, 0, c);
	CHECK_EQ(c, 5);
	CHECK_EQ(json_first(toks, 5), 6);
	CHECK_EQ(json_next(toks, 5, 6), 8);
	CHECK_EQ(json_next(toks, 5, 8), -1);
	c = json_next(toks, 0, c);
	CHECK_EQ(c, 11);
	CHECK_EQ(json_first(toks, 11), -1);
	c = json_next(toks, 0, c);
	CHECK_EQ(c, 12);
	CHECK_EQ(json_next(toks, 0, c), -1);
	CHECK_EQ(json_first(toks, 1), -1);
	/* folded: nothing to walk, though size says how many */
	r = parse(S(in), NTOK, 0, &off);
	CHECK_EQ(toks[0].size, 5);
	CHECK_EQ(json_first(toks, 0), -1);
}

static void
t_int(void)
{
	static const struct {
		const char	*in;
		int		 ok;
		long long	 want;
	} c[] = {
		{ "0", 0, 0 },
		{ "-0", 0, 0 },
		{ "7", 0, 7 },
		{ "-123", 0, -123 },
		{ "1732531200", 0, 1732531200 },
		{ "9223372036854775807", 0, LLONG_MAX },
		{ "-9223372036854775808", 0, LLONG_MIN },
		{ "9223372036854775808", -1, 0 },
		{ "-9223372036854775809", -1, 0 },
		{ "10000000000000000000000", -1, 0 },
		{ "1.0", -1, 0 },
		{ "1e2", -1, 0 },
		{ "1E2", -1, 0 },
		{ "-1.5", -1, 0 },
		{ "0e0", -1, 0 },
		{ "true", -1, 0 },
		{ "null", -1, 0 },
		{ "\"1\"", -1, 0 },
		{ "[1]", -1, 0 },
	};
	long long v;
	size_t i, off;

	for (i = 0; i < nitems(c); i++) {
		if (!CHECK(parse(c[i].in, strlen(c[i].in), NTOK, JSON_FULL,
		    &off) > 0))
			continue;
		v = 42;
		if (!CHECK_EQ(json_int(guard + GUARD_ROOM - strlen(c[i].in),
		    &toks[0], &v), c[i].ok))
			fprintf(stderr, "  case %s\n", c[i].in);
		CHECK_EQ(v, c[i].ok == 0 ? c[i].want : 42);
	}
}

static void
t_bool(void)
{
	size_t off;
	int v;

	CHECK_EQ(parse(S("[true,false,null,1,\"true\"]"), NTOK, JSON_FULL,
	    &off), 6);
	v = 7;
	CHECK_EQ(json_bool(&toks[1], &v), 0);
	CHECK_EQ(v, 1);
	CHECK_EQ(json_bool(&toks[2], &v), 0);
	CHECK_EQ(v, 0);
	v = 7;
	CHECK_EQ(json_bool(&toks[3], &v), -1);
	CHECK_EQ(json_bool(&toks[4], &v), -1);
	CHECK_EQ(json_bool(&toks[5], &v), -1);
	CHECK_EQ(json_bool(&toks[0], &v), -1);
	CHECK_EQ(v, 7);
}

static void
t_strerror(void)
{
	const char *s[9];
	int i, j;

	for (i = 1; i <= 8; i++) {
		s[i] = json_strerror(-i);
		CHECK(s[i] != NULL && s[i][0] != '\0');
		for (j = 1; j < i; j++)
			CHECK(strcmp(s[i], s[j]) != 0);
	}
	CHECK(strcmp(json_strerror(JSON_EDEPTH), "JSON nested too deeply")
	    == 0);
	CHECK(json_strerror(0) != NULL);
	CHECK(json_strerror(-9) != NULL);
	CHECK(json_strerror(5) != NULL);
	CHECK(strcmp(json_strerror(-9), json_strerror(JSON_EINVAL)) != 0);
}

/* Writer output is placed before the guard page, cap bytes. */
static char *
wbuf(size_t cap)
{
	char *p = guarded("", 0) - cap;

	memset(p, 'Z', cap);
	return p;
}

static void
build_doc(struct json_w *w)
{
	json_w_object(w);
	json_w_key(w, "a");
	json_w_int(w, -12);
	json_w_key(w, "b");
	json_w_array(w);
	json_w_bool(w, 1);
	json_w_bool(w, 0);
	json_w_null(w);
	json_w_str(w, "x");
	json_w_array(w);
	json_w_array_end(w);
	json_w_object(w);
	json_w_object_end(w);
	json_w_int(w, 0);
	json_w_array_end(w);
	json_w_key(w, "c\"d");
	json_w_raw(w, "{\"r\":1}", 7);
	json_w_keyn(w, "e\0f", 3);
	json_w_int(w, LLONG_MIN);
	json_w_key(w, "g");
	json_w_int(w, LLONG_MAX);
	json_w_key(w, "h");
	json_w_strn(w, "1\0002", 3);
	json_w_object_end(w);
}

static const char doc[] = "{\"a\":-12,\"b\":[true,false,null,\"x\",[],{},0],"
    "\"c\\\"d\":{\"r\":1},\"e\\u0000f\":-9223372036854775808,"
    "\"g\":9223372036854775807,\"h\":\"1\\u00002\"}";

static void
t_writer_doc(void)
{
	struct json_w w;
	size_t cap, n, off;
	char *b;

	/* every buffer size: too small is an error and an empty string */
	for (cap = 0; cap <= sizeof(doc); cap++) {
		b = wbuf(cap);
		json_w_init(&w, b, cap);
		build_doc(&w);
		n = 999;
		if (cap < sizeof(doc)) {
			CHECK_EQ(json_w_finish(&w, &n), JSON_ENOSPACE);
			CHECK_EQ(n, 999);
			if (cap > 0)
				CHECK(b[0] == '\0');
			continue;
		}
		CHECK_EQ(json_w_finish(&w, &n), 0);
		CHECK_EQ(n, sizeof(doc) - 1);
		if (!CHECK(strcmp(b, doc) == 0))
			fprintf(stderr, "  got %s\n", b);
	}
	/* and it reads back */
	CHECK_EQ(parse(S(doc), NTOK, JSON_FULL, &off), 22);
	/* the length is optional */
	b = wbuf(sizeof(doc));
	json_w_init(&w, b, sizeof(doc));
	build_doc(&w);
	CHECK_EQ(json_w_finish(&w, NULL), 0);
	CHECK(strcmp(b, doc) == 0);
}

struct ecase {
	const char	*in;
	size_t		 len;
	const char	*want;	/* as written, quotes included */
};

static const struct ecase ecases[] = {
	{ S(""), "\"\"" },
	{ S("a\"b\\c/d"), "\"a\\\"b\\\\c/d\"" },
	{ S("\b\f\n\r\t"), "\"\\b\\f\\n\\r\\t\"" },
	{ S("\x01\x1f\0"), "\"\\u0001\\u001f\\u0000\"" },
	{ S("\x7f~ "), "\"\x7f~ \"" },
	{ S("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf"),
	    "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf\"" },
	{ S("\x80"), "\"\xef\xbf\xbd\"" },
	{ S("\xc3"), "\"\xef\xbf\xbd\"" },
	{ S("\xc3\x41"), "\"\xef\xbf\xbd" "A\"" },
	{ S("\xe2\x82\x41"), "\"\xef\xbf\xbd" "A\"" },
	{ S("\xe2\x82"), "\"\xef\xbf\xbd\"" },
	{ S("\xe2\x82\""), "\"\xef\xbf\xbd\\\"\"" },
	{ S("\xed\xa0\x80"), "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },
	{ S("\xe0\x80\x80"), "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },
	{ S("\xe0\xa0"), "\"\xef\xbf\xbd\"" },
	{ S("\xf0\x9f\x98"), "\"\xef\xbf\xbd\"" },
	{ S("\xf0\x90\x80" "a"), "\"\xef\xbf\xbd" "a\"" },
	{ S("\xf4\x90\x80\x80"),
	    "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },
	{ S("\xc0\x80"), "\"\xef\xbf\xbd\xef\xbf\xbd\"" },
	{ S("\xff\xfe"), "\"\xef\xbf\xbd\xef\xbf\xbd\"" },
	{ S("a\xf0\x9f\x98\x80" "b\xf0\x9f\x98"),
	    "\"a\xf0\x9f\x98\x80" "b\xef\xbf\xbd\"" },
	{ S("\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80"),
	    "\"\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\"" },
};

static void
t_writer_escape(void)
{
	struct json_w w;
	const struct ecase *c;
	char *b;
	size_t i, n, cap, wl;

	for (i = 0; i < nitems(ecases); i++) {
		c = &ecases[i];
		wl = strlen(c->want);
		for (cap = 0; cap <= wl + 1; cap++) {
			b = wbuf(cap);
			json_w_init(&w, b, cap);
			json_w_strn(&w, c->in, c->len);
			if (cap <= wl) {
				CHECK_EQ(json_w_finish(&w, &n), JSON_ENOSPACE);
				continue;
			}
			CHECK_EQ(json_w_finish(&w, &n), 0);
			CHECK_EQ(n, wl);
			if (!CHECK(strcmp(b, c->want) == 0))
				fprintf(stderr, "  case %zu: got %s\n", i, b);
		}
		/* as a key, the same escaping */
		b = wbuf(256);
		json_w_init(&w, b, 256);
		json_w_object(&w);
		json_w_keyn(&w, c->in, c->len);
		json_w_null(&w);
		json_w_object_end(&w);
		CHECK_EQ(json_w_finish(&w, &n), 0);
		CHECK_EQ(n, wl + 7);
		CHECK(strncmp(b + 1, c->want, wl) == 0);
	}
	/* C string forms stop at the NUL */
	b = wbuf(64);
	json_w_init(&w, b, 64);
	json_w_str(&w, "a\0b");
	CHECK_EQ(json_w_finish(&w, &n), 0);
	CHECK(strcmp(b, "\"a\"") == 0);
}

/*
 * Writer then tokenizer: any bytes become one string that reads back as
 * the same bytes when they were valid UTF-8, and as valid UTF-8 holding
 * U+FFFD when they were not.
 */
static void
t_writer_roundtrip(void)
{
	static const unsigned char alpha[] = {
		0x00, 0x01, 0x1f, 0x20, 0x22, 0x2f, 0x41, 0x5c, 0x7f, 0x80,
		0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0,
		0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5,
		0xf8, 0xfe, 0xff
	};
	unsigned char in[8];
	char out[64], back[64];
	struct json_w w;
	uint32_t seed = 12345;
	size_t n, k, wn, bn, off;
	long iter;
	int valid;

	for (iter = 0; iter < 200000; iter++) {
		if (iter < 256) {
			n = 1;
			in[0] = (unsigned char)iter;
		} else if (iter < 256 + 65536) {
			n = 2;
			in[0] = (unsigned char)((iter - 256) >> 8);
			in[1] = (unsigned char)(iter - 256);
		} else {
			seed = seed * 1103515245 + 12345;
			n = 3 + (seed >> 16) % 6;
			for (k = 0; k < n; k++) {
				seed = seed * 1103515245 + 12345;
				in[k] = alpha[(seed >> 16) % sizeof(alpha)];
			}
		}
		json_w_init(&w, out, sizeof(out));
		json_w_strn(&w, (const char *)in, n);
		if (!CHECK_EQ(json_w_finish(&w, &wn), 0))
			return;
		if (!CHECK_EQ(json_parse(out, wn, toks, NTOK, JSON_FULL, &off),
		    1) || !CHECK_EQ(toks[0].type, JSON_STRING))
			return;
		if (!CHECK_EQ(json_unescape(out, &toks[0], back, sizeof(back),
		    &bn), 0))
			return;
		valid = tu_utf8_valid(in, n);
		if (valid)
			CHECK(bn == n && memcmp(back, in, n) == 0);
		else
			CHECK(tu_has_fffd(back, bn));
		if (t_case_failed) {
			fprintf(stderr, "  input of %zu bytes: %02x %02x "
			    "%02x\n", n, in[0], n > 1 ? in[1] : 0,
			    n > 2 ? in[2] : 0);
			return;
		}
	}
}

/* A little language for call sequences: one character per call. */
static int
run_calls(const char *ops, char *buf, size_t cap, size_t *n)
{
	struct json_w w;

	json_w_init(&w, buf, cap);
	for (; *ops != '\0'; ops++) {
		switch (*ops) {
		case '{':	json_w_object(&w); break;
		case '}':	json_w_object_end(&w); break;
		case '[':	json_w_array(&w); break;
		case ']':	json_w_array_end(&w); break;
		case 'k':	json_w_key(&w, "k"); break;
		case 'i':	json_w_int(&w, 1); break;
		case 's':	json_w_str(&w, "s"); break;
		case 'n':	json_w_null(&w); break;
		case 'b':	json_w_bool(&w, 7); break;
		case 'f':	json_w_bool(&w, 0); break;
		case 'r':	json_w_raw(&w, "2", 1); break;
		case '0':	json_w_raw(&w, "", 0); break;
		}
	}
	return json_w_finish(&w, n);
}

static void
t_writer_calls(void)
{
	static const struct {
		const char	*ops;
		int		 want;
		const char	*out;
	} c[] = {
		{ "i", 0, "1" },
		{ "s", 0, "\"s\"" },
		{ "n", 0, "null" },
		{ "b", 0, "true" },
		{ "f", 0, "false" },
		{ "r", 0, "2" },
		{ "[]", 0, "[]" },
		{ "{}", 0, "{}" },
		{ "{ki}", 0, "{\"k\":1}" },
		{ "{ki ks kn kb kr k[] k{}}", 0,
		    "{\"k\":1,\"k\":\"s\",\"k\":null,\"k\":true,\"k\":2,"
		    "\"k\":[],\"k\":{}}" },
		{ "[i[i]{ki}s[[]]]", 0, "[1,[1],{\"k\":1},\"s\",[[]]]" },
		{ "", JSON_EMISUSE, NULL },
		{ "k", JSON_EMISUSE, NULL },
		{ "ki", JSON_EMISUSE, NULL },
		{ "{kk", JSON_EMISUSE, NULL },
		{ "{kki}", JSON_EMISUSE, NULL },
		{ "{i}", JSON_EMISUSE, NULL },
		{ "{[]}", JSON_EMISUSE, NULL },
		{ "[k]", JSON_EMISUSE, NULL },
		{ "}", JSON_EMISUSE, NULL },
		{ "]", JSON_EMISUSE, NULL },
		{ "[}", JSON_EMISUSE, NULL },
		{ "{]", JSON_EMISUSE, NULL },
		{ "{k}", JSON_EMISUSE, NULL },
		{ "[]]", JSON_EMISUSE, NULL },
		{ "ii", JSON_EMISUSE, NULL },
		{ "[]i", JSON_EMISUSE, NULL },
		{ "{}{}", JSON_EMISUSE, NULL },
		{ "[", JSON_EMISUSE, NULL },
		{ "{ki", JSON_EMISUSE, NULL },
		{ "0", JSON_EMISUSE, NULL },
		{ "[0]", JSON_EMISUSE, NULL },
	};
	char *b;
	size_t i, n;

	for (i = 0; i < nitems(c); i++) {
		b = wbuf(128);
		n = 999;
		if (!CHECK_EQ(run_calls(c[i].ops, b, 128, &n), c[i].want)) {
			fprintf(stderr, "  case %s\n", c[i].ops);
			continue;
		}
		if (c[i].want == 0) {
			CHECK_EQ(n, strlen(c[i].out));
			CHECK(strcmp(b, c[i].out) == 0);
		} else {
			CHECK_EQ(n, 999);
			CHECK(b[0] == '\0');
		}
	}
	/* the first error sticks: misuse, then too much output */
	b = wbuf(8);
	CHECK_EQ(run_calls("k[iiiiiiiiiiiiii]", b, 8, &n), JSON_EMISUSE);
	/* too much output, then misuse */
	b = wbuf(8);
	CHECK_EQ(run_calls("[iiiiiiiiiiiiii]]", b, 8, &n), JSON_ENOSPACE);
	/* no room even for the NUL */
	CHECK_EQ(run_calls("i", NULL, 0, &n), JSON_ENOSPACE);
	b = wbuf(1);
	CHECK_EQ(run_calls("i", b, 1, &n), JSON_ENOSPACE);
	CHECK(b[0] == '\0');
	b = wbuf(2);
	CHECK_EQ(run_calls("i", b, 2, &n), 0);
	CHECK(strcmp(b, "1") == 0);
}

static void
t_writer_depth(void)
{
	char ops[3 * JSON_DEPTH_MAX + 8], *b;
	size_t i, k, n;
	int obj;

	for (obj = 0; obj <= 1; obj++) {
		for (n = JSON_DEPTH_MAX; n <= JSON_DEPTH_MAX + 1; n++) {
			k = 0;
			for (i = 0; i < n; i++) {
				ops[k++] = obj ? '{' : '[';
				if (obj)
					ops[k++] = 'k';
			}
			ops[k++] = 'i';
			for (i = 0; i < n; i++)
				ops[k++] = obj ? '}' : ']';
			ops[k] = '\0';
			b = wbuf(512);
			if (n > JSON_DEPTH_MAX) {
				CHECK_EQ(run_calls(ops, b, 512, &k),
				    JSON_EDEPTH);
				continue;
			}
			if (!CHECK_EQ(run_calls(ops, b, 512, &k), 0))
				continue;
			CHECK_EQ(json_parse(b, k, toks, NTOK, JSON_FULL, NULL),
			    (int)(obj ? 2 * n + 1 : n + 1));
		}
	}
}

static void
t_writer_tok(void)
{
	static const char in[] = "{\"s\":\"a\\\"b\",\"n\":-1.5e3,"
	    "\"o\":{\"x\":[1, 2]},\"t\":true}";
	static const char want[] = "[\"a\\\"b\",-1.5e3,{\"x\":[1, 2]},true,"
	    "\"s\"]";
	struct json_w w;
	const char *js;
	char *b;
	size_t n, off;
	int i;

	/* offsets are the same in the copy parse() made and in `in` */
	if (!CHECK_EQ(parse(S(in), NTOK, 1, &off), 9))
		return;
	js = in;
	b = wbuf(sizeof(want));
	json_w_init(&w, b, sizeof(want));
	json_w_array(&w);
	for (i = json_first(toks, 0); i >= 0; i = json_next(toks, 0, i))
		json_w_tok(&w, js, &toks[i + 1]);
	json_w_tok(&w, js, &toks[1]);
	json_w_array_end(&w);
	CHECK_EQ(json_w_finish(&w, &n), 0);
	CHECK_EQ(n, sizeof(want) - 1);
	if (!CHECK(strcmp(b, want) == 0))
		fprintf(stderr, "  got %s\n", b);
}

static const struct t_case cases[] = {
	{ "parse_table", t_parse_table },
	{ "parse_prefixes", t_parse_prefixes },
	{ "parse_trailing_blanks", t_parse_trailing_blanks },
	{ "parse_nomem", t_parse_nomem },
	{ "parse_shallow", t_parse_shallow },
	{ "parse_newline", t_parse_newline },
	{ "parse_shallow_all", t_parse_shallow_all },
	{ "parse_depth", t_parse_depth },
	{ "parse_limits", t_parse_limits },
	{ "parse_long", t_parse_long },
	{ "parse_string_scan", t_parse_string_scan },
	{ "parse_literals", t_parse_literals },
	{ "unescape", t_unescape },
	{ "find", t_find },
	{ "walk", t_walk },
	{ "int", t_int },
	{ "bool", t_bool },
	{ "strerror", t_strerror },
	{ "writer_doc", t_writer_doc },
	{ "writer_escape", t_writer_escape },
	{ "writer_roundtrip", t_writer_roundtrip },
	{ "writer_calls", t_writer_calls },
	{ "writer_depth", t_writer_depth },
	{ "writer_tok", t_writer_tok },
};

int
main(int argc, char **argv)
{
	return t_run(cases, nitems(cases), argc, argv);
}

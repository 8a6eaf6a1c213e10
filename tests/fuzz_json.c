/*
 * tests/fuzz_json.c: libFuzzer target for json.c.
 *
 * For any bytes: the tokenizer agrees with itself in full and shallow
 * modes (one depth per input, picked by its length), and an error at
 * offset k is the same error when the input is cut just after k.  Where
 * the bytes are valid JSON: every string unescapes (and compares equal to
 * what it unescaped to), integers read back as strtoll() reads them, keys
 * are found, and the document written again with the writer (unescaped
 * strings, raw numbers) tokenizes to the same structure and values, and
 * writes again to the same bytes.  The writer is also fed the raw bytes
 * as one string, at a full and a tight buffer.
 *
 * Each check runs once per input, not once per pass over it: the
 * contracts of json_unescape() on the first reading of each string only,
 * json_find() on the first keys of each object only.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "testutil.h"

#define IN_MAX	(256 * 1024)
#define TOK_CAP	(IN_MAX + 1)	/* a token needs one byte at least */
#define OUT_CAP	(6 * IN_MAX + 64)
#define FIND_MAX	16	/* keys of an object looked up */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct json_tok	tok[TOK_CAP], tok2[TOK_CAP], stok[TOK_CAP];
static char		out[OUT_CAP], out2[OUT_CAP], small[128];
static char		ubuf[OUT_CAP], ubuf2[OUT_CAP];

#define ASSERT(c)	do { if (!(c)) abort(); } while (0)

static int
is_container(const struct json_tok *t)
{
	return t->type == JSON_OBJECT || t->type == JSON_ARRAY;
}

/* Unescapes string t into buf (t->len + 1 bytes at least). */
static size_t
unescape(const char *js, const struct json_tok *t, char *buf)
{
	size_t n;

	ASSERT(json_unescape(js, t, buf, t->len + 1, &n) == 0);
	ASSERT(n <= t->len && buf[n] == '\0');
	return n;
}

/* As unescape(), checking the buffer-size contract on the way. */
static size_t
unescape_checked(const char *js, const struct json_tok *t, char *buf)
{
	size_t n, m;

	n = unescape(js, t, buf);
	ASSERT(json_unescape(js, t, buf, n, &m) == -1);
	ASSERT(n == 0 || buf[0] == '\0');
	ASSERT(json_unescape(js, t, buf, n + 1, &m) == 0 && m == n);
	if (memchr(buf, '\0', n) == NULL)
		ASSERT(json_eq(js, t, buf) == 1);
	else
		ASSERT(json_eq(js, t, buf) == 0);
	return n;
}

static void
check_int(const char *js, const struct json_tok *t)
{
	char text[64], *end;
	long long v, w;
	int r;

	r = json_int(js, t, &v);
	if (t->len >= sizeof(text)) {
		ASSERT(r == -1);	/* 64 digits overflow anyway */
		return;
	}
	memcpy(text, js + t->start, t->len);
	text[t->len] = '\0';
	if (strpbrk(text, ".eE") != NULL) {
		ASSERT(r == -1);
		return;
	}
	errno = 0;
	w = strtoll(text, &end, 10);
	ASSERT(*end == '\0');
	if (errno == ERANGE)
		ASSERT(r == -1);
	else
		ASSERT(r == 0 && v == w);
}

/*
 * Writes the subtree at i; returns the index after it.  checked: check
 * the unescaping contract, json_find() on the first FIND_MAX keys of each
 * object (all of them would take time quadratic in its size) and the
 * integers.
 */
static int
emit(struct json_w *w, const char *js, const struct json_tok *t, int i,
    int checked)
{
	size_t n;
	int c, v, b, k = 0;

	switch (t[i].type) {
	case JSON_OBJECT:
		json_w_object(w);
		for (c = json_first(t, i); c >= 0; c = json_next(t, i, c)) {
			n = checked ? unescape_checked(js, &t[c], ubuf) :
			    unescape(js, &t[c], ubuf);
			if (checked && k++ < FIND_MAX &&
			    memchr(ubuf, '\0', n) == NULL) {
				v = json_find(js, t, i, ubuf);
				ASSERT(v >= 1 && v <= c + 1);
				ASSERT(json_eq(js, &t[v - 1], ubuf));
			}
			json_w_keyn(w, ubuf, n);
			emit(w, js, t, c + 1, checked);
		}
		json_w_object_end(w);
		break;
	case JSON_ARRAY:
		json_w_array(w);
		for (c = json_first(t, i); c >= 0; c = json_next(t, i, c))
			emit(w, js, t, c, checked);
		json_w_array_end(w);
		break;
	case JSON_STRING:
		n = checked ? unescape_checked(js, &t[i], ubuf) :
		    unescape(js, &t[i], ubuf);
		json_w_strn(w, ubuf, n);
		break;
	case JSON_NUMBER:
		if (checked)
			check_int(js, &t[i]);
		json_w_raw(w, js + t[i].start, t[i].len);
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		ASSERT(json_bool(&t[i], &b) == 0);
		ASSERT(b == (t[i].type == JSON_TRUE));
		json_w_bool(w, b);
		break;
	default:
		ASSERT(t[i].type == JSON_NULL);
		ASSERT(json_bool(&t[i], &b) == -1);
		json_w_null(w);
		break;
	}
	return (int)t[i].next;
}

/* Structure and values of two parses of the same document agree. */
static void
compare(const char *a, const struct json_tok *ta, const char *b,
    const struct json_tok *tb, int n)
{
	size_t na, nb;
	int i;

	for (i = 0; i < n; i++) {
		ASSERT(ta[i].type == tb[i].type);
		ASSERT(ta[i].size == tb[i].size);
		ASSERT(ta[i].next == tb[i].next);
		if (ta[i].type == JSON_STRING) {
			na = unescape(a, &ta[i], ubuf);
			memcpy(ubuf2, ubuf, na);
			nb = unescape(b, &tb[i], ubuf);
			ASSERT(na == nb && memcmp(ubuf, ubuf2, na) == 0);
		} else if (!is_container(&ta[i]))
			ASSERT(ta[i].len == tb[i].len && memcmp(a +
			    ta[i].start, b + tb[i].start, ta[i].len) == 0);
	}
}

/* Invariants of any successful result. */
static void
check_tree(const char *js, size_t len, const struct json_tok *t, int n)
{
	int i, c, kids, last;

	ASSERT(n >= 1 && (int)t[0].next == n);
	for (i = 0; i < n; i++) {
		ASSERT((int)t[i].next > i && (int)t[i].next <= n);
		ASSERT((uint64_t)t[i].start + t[i].len <= len);
		if (!is_container(&t[i])) {
			ASSERT((int)t[i].next == i + 1 && t[i].size == 0);
			if (t[i].type == JSON_STRING)
				ASSERT(js[t[i].start - 1] == '"' &&
				    js[t[i].start + t[i].len] == '"');
			continue;
		}
		if (t[i].flags & JSON_FOLDED) {
			ASSERT((int)t[i].next == i + 1 && t[i].size > 0);
			continue;
		}
		kids = 0;
		last = i + 1;
		for (c = json_first(t, i); c >= 0; c = json_next(t, i, c)) {
			ASSERT(c == last);
			last = (int)(t[i].type == JSON_OBJECT ? t[c + 1].next :
			    t[c].next);
			kids++;
		}
		ASSERT((uint32_t)kids == t[i].size && last == (int)t[i].next);
	}
}

/* The writer given raw bytes: always one valid string. */
static void
write_bytes(const char *in, size_t n)
{
	struct json_w w;
	size_t wn, sn, cap;
	int r;

	json_w_init(&w, out, sizeof(out));
	json_w_strn(&w, in, n);
	ASSERT(json_w_finish(&w, &wn) == 0);
	ASSERT(json_parse(out, wn, tok2, TOK_CAP, JSON_FULL, NULL) == 1);
	ASSERT(tok2[0].type == JSON_STRING);
	sn = unescape(out, &tok2[0], ubuf);
	if (tu_utf8_valid((const unsigned char *)in, n))
		ASSERT(sn == n && memcmp(ubuf, in, n) == 0);
	else
		ASSERT(tu_has_fffd(ubuf, sn));
	cap = n % sizeof(small);
	json_w_init(&w, small, cap);
	json_w_strn(&w, in, n);
	r = json_w_finish(&w, &sn);
	if (r == 0)
		ASSERT(sn == wn && memcmp(small, out, wn + 1) == 0);
	else
		ASSERT(r == JSON_ENOSPACE && wn + 1 > cap &&
		    (cap == 0 || small[0] == '\0'));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *js = (const char *)data;
	struct json_w w;
	size_t off, soff, n, n2;
	unsigned int d;
	int r, rs, r2;

	if (size > IN_MAX)
		return 0;
	r = json_parse(js, size, tok, TOK_CAP, JSON_FULL, &off);
	ASSERT(r != JSON_ENOMEM && r != JSON_EBIG);
	/* Shallow, to a depth the length picks; depth 0 in one token. */
	d = size % 4;
	rs = json_parse(js, size, stok, d == 0 ? 1 : TOK_CAP, d, &soff);
	ASSERT(soff == off);
	if (r < 0)
		ASSERT(rs == r);
	else {
		ASSERT(rs >= 1 && rs <= r && (d > 0 || rs == 1));
		ASSERT(stok[0].type == tok[0].type &&
		    stok[0].len == tok[0].len && stok[0].size == tok[0].size);
		check_tree(js, size, stok, rs);
	}
	write_bytes(js, size);
	if (r < 0) {
		ASSERT(off <= size);
		if (r == JSON_EPART)
			ASSERT(off == size);
		else {
			/* the error is decided by the bytes up to it */
			ASSERT(off < size);
			ASSERT(json_parse(js, off + 1, stok, TOK_CAP, JSON_FULL,
			    &soff) == r && soff == off);
		}
		return 0;
	}
	ASSERT(off == size);
	check_tree(js, size, tok, r);

	json_w_init(&w, out, sizeof(out));
	emit(&w, js, tok, 0, 1);
	ASSERT(json_w_finish(&w, &n) == 0);
	r2 = json_parse(out, n, tok2, TOK_CAP, JSON_FULL, NULL);
	ASSERT(r2 == r);
	compare(js, tok, out, tok2, r);
	json_w_init(&w, out2, sizeof(out2));
	emit(&w, out, tok2, 0, 0);
	ASSERT(json_w_finish(&w, &n2) == 0);
	ASSERT(n2 == n && memcmp(out, out2, n) == 0);
	return 0;
}

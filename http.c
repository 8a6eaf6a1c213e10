/*
 * http.c: see http.h.
 *
 * The response parser keeps these invariants:
 *
 * - In HTTP_HEAD, head[0..hlen) holds the head read so far (interim 1xx
 *   heads are dropped once read): head[0..scan) are complete lines, each
 *   one already checked (the status line, then field lines), and
 *   head[scan..hlen) is the line still open, with no LF in it.
 *   hlen <= HTTP_HEAD_MAX always.
 * - A head is copied once and read twice more once it is complete: for the
 *   framing headers here, and for the caller's lookups later.  Both walk
 *   lines that were checked when they ended, so they need no checks.
 * - In HTTP_BODY exactly one framing holds: chunked (cstate says where),
 *   a Content-Length (remain > 0 bytes still due), or neither (the body
 *   runs to the close).
 * - Line ends are CRLF or a bare LF, everywhere.  Errors are found at a
 *   fixed byte (a line's LF, or the first byte that cannot be right), and
 *   that byte is counted as used: the outcome and the count do not depend
 *   on how the input was split.
 * - A failure sets state and err once, and keepalive to 0; no feed moves
 *   anything after HTTP_DONE or HTTP_FAILED.  A failure inside the head
 *   also forgets the head (hlen 0, status 0) so that lookups find nothing.
 */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "config.h"
#include "http.h"
#include "util.h"

/* A chunk-size line with its extensions, line end included. */
#define CHUNK_LINE_MAX	1024

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

/* Where the chunked decoder is (cstate). */
enum {
	CH_SIZE,	/* hex digits of a chunk size */
	CH_SIZE_WS,	/* blanks after them */
	CH_EXT,		/* chunk extensions, ignored */
	CH_SIZE_LF,	/* the CR that ends the size line seen */
	CH_DATA,	/* remain bytes of chunk data */
	CH_DATA_END,	/* the line end after the data */
	CH_DATA_LF,	/* its CR seen */
	CH_TRAILER,	/* start of a trailer line, or of the final blank one */
	CH_TNAME,	/* a trailer field name */
	CH_TVALUE,	/* a trailer field value, ignored */
	CH_TLINE_LF,	/* the CR that ends a trailer line seen */
	CH_END_LF	/* the CR of the final blank line seen */
};

static const struct {
	const char	*name;
	unsigned	 port;
	int		 tls;
	int		 ws;
} schemes[] = {
	{ "http",	80,	0, 0 },
	{ "https",	443,	1, 0 },
	{ "ws",		80,	0, 1 },
	{ "wss",	443,	1, 1 },
};

static const char *const errors[] = {
	[HTTP_EOK] =		"no error",
	[HTTP_ESTATUS] =	"malformed status line",
	[HTTP_EHEADER] =	"malformed response header",
	[HTTP_EHEADBIG] =	"response header too large",
	[HTTP_ELENGTH] =	"bad or conflicting Content-Length",
	[HTTP_ECODING] =	"unsupported Transfer-Encoding",
	[HTTP_ECHUNK] =		"malformed chunked encoding",
	[HTTP_ETRUNC] =		"connection closed before the response ended",
};

/* ---- characters ---- */

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
hexval(int c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* RFC 9110 5.6.2: the characters of a token (a field name, a method). */
static int
is_tchar(int c)
{
	return is_alpha(c) || is_digit(c) ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/*
 * RFC 9110 5.5: what a field value may hold (field-vchar, obs-text and
 * the blanks between them).  Everything else is a control character,
 * which would let a value end its line early or hide a NUL.
 */
static int
is_vchar(int c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static int
is_blank(int c)
{
	return c == ' ' || c == '\t';
}

/* RFC 3986 2.3 and 2.2. */
static int
is_unreserved(int c)
{
	return is_alpha(c) || is_digit(c) || c == '-' || c == '.' ||
	    c == '_' || c == '~';
}

static int
is_subdelim(int c)
{
	return c != '\0' && strchr("!$&'()*+,;=", c) != NULL;
}

/* a[0..n) and b[0..n) are equal but for ASCII case. */
static int
ieq(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return 0;
	return 1;
}

/* s[0..n) is name, but for case. */
static int
is_name(const char *s, size_t n, const char *name)
{
	return strlen(name) == n && ieq(s, name, n);
}

/* ---- URLs ---- */

/*
 * s[0..n) is made of unreserved characters, sub-delims, the characters in
 * more and well-formed %XX escapes.
 */
static int
uri_chars(const char *s, size_t n, const char *more)
{
	size_t i;
	int c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '%') {
			if (n - i < 3 || hexval((unsigned char)s[i + 1]) < 0 ||
			    hexval((unsigned char)s[i + 2]) < 0)
				return 0;
			i += 2;
		} else if (!is_unreserved(c) && !is_subdelim(c) &&
		    (c == '\0' || strchr(more, c) == NULL))
			return 0;
	}
	return 1;
}

/* RFC 3986 3.2.2 IPv4address: four dec-octets, without leading zeros. */
static int
ipv4_ok(const char *s, size_t n)
{
	size_t i = 0, digits;
	int part, v;

	for (part = 0; part < 4; part++) {
		if (part > 0) {
			if (i >= n || s[i] != '.')
				return 0;
			i++;
		}
		for (v = 0, digits = 0; i < n && digits < 3 &&
		    is_digit((unsigned char)s[i]); i++, digits++)
			v = v * 10 + (s[i] - '0');
		if (digits == 0 || v > 255 || (digits > 1 &&
		    s[i - digits] == '0'))
			return 0;
	}
	return i == n;
}

/*
 * RFC 3986 3.2.2 IPv6address: eight groups of 1-4 hex digits, one run of
 * them replaced by "::" at most once, the last two possibly written as an
 * IPv4 address.  Zone identifiers and IPvFuture are not taken.
 */
static int
ipv6_ok(const char *s, size_t n)
{
	size_t i = 0, start, hex;
	int groups = 0, gap = 0;

	if (n >= 2 && s[0] == ':' && s[1] == ':') {
		gap = 1;
		i = 2;
	}
	while (i < n) {
		start = i;
		for (hex = 0; i < n && hex < 5 &&
		    hexval((unsigned char)s[i]) >= 0; i++)
			hex++;
		if (i < n && s[i] == '.') {
			if (!ipv4_ok(s + start, n - start))
				return 0;
			groups += 2;
			break;
		}
		if (hex == 0 || hex > 4)
			return 0;
		groups++;
		if (i == n)
			break;
		if (s[i++] != ':' || i == n)
			return 0;
		if (s[i] == ':') {
			if (gap)
				return 0;
			gap = 1;
			i++;
		}
	}
	return gap ? groups <= 7 : groups == 8;
}

/* see http.h */
int
http_url_parse(struct url *u, const char *s, size_t n)
{
	struct url v;
	const char *end, *auth, *aend, *h, *hend, *at, *colon, *hash;
	size_t i, k;
	uint64_t port;

	if (s == NULL || n == 0)
		return -1;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return -1;
	end = s + n;
	if ((colon = memchr(s, ':', n)) == NULL)
		return -1;
	k = (size_t)(colon - s);
	for (i = 0; i < nitems(schemes); i++)
		if (is_name(s, k, schemes[i].name))
			break;
	if (i == nitems(schemes) || end - colon < 3 || colon[1] != '/' ||
	    colon[2] != '/')
		return -1;
	memset(&v, 0, sizeof v);
	v.port = schemes[i].port;
	v.tls = schemes[i].tls;
	v.ws = schemes[i].ws;

	/* authority = [ userinfo "@" ] host [ ":" port ] */
	auth = colon + 3;
	for (aend = auth; aend < end && *aend != '/' && *aend != '?' &&
	    *aend != '#'; aend++)
		;
	h = auth;
	if ((at = memchr(auth, '@', (size_t)(aend - auth))) != NULL) {
		if (!uri_chars(auth, (size_t)(at - auth), ":"))
			return -1;
		v.user = auth;
		v.userlen = (size_t)(at - auth);
		h = at + 1;
	}
	if (h < aend && *h == '[') {
		hend = memchr(h, ']', (size_t)(aend - h));
		if (hend == NULL || !ipv6_ok(h + 1, (size_t)(hend - h - 1)))
			return -1;
		v.host = h + 1;
		v.hostlen = (size_t)(hend - h - 1);
		colon = hend + 1;
		if (colon < aend && *colon != ':')
			return -1;
	} else {
		if ((colon = memchr(h, ':', (size_t)(aend - h))) == NULL)
			colon = aend;
		if (colon == h || !uri_chars(h, (size_t)(colon - h), ""))
			return -1;
		v.host = h;
		v.hostlen = (size_t)(colon - h);
	}
	if (colon < aend) {
		if (parse_u64(colon + 1, (size_t)(aend - colon - 1), 65535,
		    &port) < 0 || port == 0)
			return -1;
		v.port = (unsigned)port;
	}

	/*
	 * The path and query go into request lines as they are, so the path
	 * must start with '/': "http://h?q" would need a '/' that the input
	 * does not have.
	 */
	if (aend == end || *aend == '#') {
		v.path = "/";
		v.pathlen = 1;
	} else if (*aend == '?')
		return -1;
	else {
		hash = memchr(aend, '#', (size_t)(end - aend));
		v.path = aend;
		v.pathlen = (size_t)((hash != NULL ? hash : end) - aend);
	}
	*u = v;
	return 0;
}

/* ---- request heads ---- */

/* A bounded writer: once something did not fit, nothing more is written. */
struct wbuf {
	char	*p;
	size_t	 cap;
	size_t	 len;
	int	 full;
};

static void
put(struct wbuf *w, const char *s, size_t n)
{
	if (w->full || n > w->cap - w->len) {
		w->full = 1;
		return;
	}
	if (n > 0)
		memcpy(w->p + w->len, s, n);
	w->len += n;
}

static void
put_str(struct wbuf *w, const char *s)
{
	put(w, s, strlen(s));
}

static void
put_num(struct wbuf *w, unsigned long long v)
{
	char d[24];
	size_t i = sizeof d;

	do
		d[--i] = (char)('0' + v % 10);
	while ((v /= 10) > 0);
	put(w, d + i, sizeof d - i);
}

/* The host, in brackets when it is an IPv6 literal, and the port. */
static void
put_host(struct wbuf *w, const struct url *u, int port)
{
	int v6 = memchr(u->host, ':', u->hostlen) != NULL;

	if (v6)
		put(w, "[", 1);
	put(w, u->host, u->hostlen);
	if (v6)
		put(w, "]", 1);
	if (port) {
		put(w, ":", 1);
		put_num(w, u->port);
	}
}

static int
token_ok(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!is_tchar((unsigned char)*s))
			return 0;
	return 1;
}

static int
value_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if (!is_vchar((unsigned char)*s))
			return 0;
	return 1;
}

/* s[0..n) is a field line without its line end: name ":" value. */
static int
field_ok(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && is_tchar((unsigned char)s[i]); i++)
		;
	if (i == 0 || i == n || s[i] != ':')
		return 0;
	for (i++; i < n; i++)
		if (!is_vchar((unsigned char)s[i]))
			return 0;
	return 1;
}

/* s is a run of field lines, each ending in CRLF. */
static int
lines_ok(const char *s)
{
	const char *eol;

	while (*s != '\0') {
		if ((eol = strstr(s, "\r\n")) == NULL ||
		    !field_ok(s, (size_t)(eol - s)))
			return 0;
		s = eol + 2;
	}
	return 1;
}

/* The URL's parts can go into a head without breaking it. */
static int
url_ok(const struct url *u, int connect)
{
	size_t i;

	if (u->host == NULL || u->hostlen == 0 || u->port == 0 ||
	    u->port > 65535)
		return 0;
	if (memchr(u->host, ':', u->hostlen) != NULL ?
	    !ipv6_ok(u->host, u->hostlen) : !uri_chars(u->host, u->hostlen, ""))
		return 0;
	if (connect)
		return 1;
	if (u->path == NULL || u->pathlen == 0 || u->path[0] != '/')
		return 0;
	for (i = 0; i < u->pathlen; i++)
		if ((unsigned char)u->path[i] <= 0x20 ||
		    (unsigned char)u->path[i] >= 0x7f || u->path[i] == '#')
			return 0;
	return 1;
}

/* see http.h */
size_t
http_req_head(char *out, size_t cap, const struct http_req *q)
{
	struct wbuf w = { out, cap, 0, 0 };
	const struct url *u;
	int connect;

	if (q == NULL || q->method == NULL || (u = q->url) == NULL ||
	    !token_ok(q->method))
		return 0;
	connect = strcmp(q->method, "CONNECT") == 0;
	if (!url_ok(u, connect) ||
	    (q->bearer != NULL && !value_ok(q->bearer)) ||
	    (q->ctype != NULL && !value_ok(q->ctype)) ||
	    (q->extra != NULL && !lines_ok(q->extra)))
		return 0;

	put_str(&w, q->method);
	put(&w, " ", 1);
	if (connect)
		put_host(&w, u, 1);
	else
		put(&w, u->path, u->pathlen);
	put_str(&w, " HTTP/1.1\r\nHost: ");
	put_host(&w, u, connect || u->port != (u->tls ? 443u : 80u));
	put_str(&w, "\r\nUser-Agent: slackbot/" SLACKBOT_VERSION "\r\n");
	if (q->bearer != NULL) {
		put_str(&w, "Authorization: Bearer ");
		put_str(&w, q->bearer);
		put(&w, "\r\n", 2);
	}
	if (q->ctype != NULL) {
		put_str(&w, "Content-Type: ");
		put_str(&w, q->ctype);
		put(&w, "\r\n", 2);
	}
	if (q->clen >= 0) {
		put_str(&w, "Content-Length: ");
		put_num(&w, (unsigned long long)q->clen);
		put(&w, "\r\n", 2);
	}
	if (q->extra != NULL)
		put_str(&w, q->extra);
	put(&w, "\r\n", 2);
	return w.full ? 0 : w.len;
}

/* see http.h */
size_t
http_form_escape(char *out, size_t cap, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, o = 0;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (is_unreserved(c)) {
			if (cap - o < 1)
				return (size_t)-1;
			out[o++] = (char)c;
		} else {
			if (cap - o < 3)
				return (size_t)-1;
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	return o;
}

/* see http.h */
int
http_form_add(char *buf, size_t cap, size_t *len, const char *key,
    size_t klen, const char *val, size_t vlen)
{
	size_t n = *len, k;

	if (n > 0) {
		if (n >= cap)
			return -1;
		buf[n++] = '&';
	}
	if ((k = http_form_escape(buf + n, cap - n, key, klen)) == (size_t)-1)
		return -1;
	n += k;
	if (n >= cap)
		return -1;
	buf[n++] = '=';
	if ((k = http_form_escape(buf + n, cap - n, val, vlen)) == (size_t)-1)
		return -1;
	*len = n + k;
	return 0;
}

/* Appends the base64 of g[0..n), n <= 3, at out[*o]. */
static int
put_b64(char *out, size_t cap, size_t *o, const unsigned char *g, size_t n)
{
	char enc[12];
	size_t k;

	if ((k = base64_encode(enc, sizeof enc, g, n)) == 0 || cap - *o < k)
		return -1;
	memcpy(out + *o, enc, k);
	*o += k;
	return 0;
}

/*
 * see http.h
 *
 * Decoded and encoded three bytes at a time: no scratch buffer, and no
 * limit on the length of the credentials but cap.
 */
size_t
http_basic_auth(char *out, size_t cap, const char *s, size_t n)
{
	unsigned char g[3];
	size_t i, o = 6, k = 0;
	int hi, lo, colon = n > 0 && memchr(s, ':', n) != NULL;

	if (cap < 6)
		return 0;
	memcpy(out, "Basic ", 6);
	for (i = 0; i < n || !colon; i++) {
		if (i >= n) {
			g[k++] = ':';
			colon = 1;
		} else if (s[i] == '%') {
			if (n - i < 3 ||
			    (hi = hexval((unsigned char)s[i + 1])) < 0 ||
			    (lo = hexval((unsigned char)s[i + 2])) < 0)
				return 0;
			g[k++] = (unsigned char)(hi << 4 | lo);
			i += 2;
		} else
			g[k++] = (unsigned char)s[i];
		if (k == 3) {
			if (put_b64(out, cap, &o, g, 3) < 0)
				return 0;
			k = 0;
		}
	}
	if (k > 0 && put_b64(out, cap, &o, g, k) < 0)
		return 0;
	return o;
}

/* ---- the response parser ---- */

/* see http.h */
void
http_resp_init(struct http_resp *r, unsigned flags)
{
	r->status = 0;
	r->minor = 0;
	r->keepalive = 0;
	r->chunked = 0;
	r->length = -1;
	r->retry_after = -1;
	r->state = HTTP_HEAD;
	r->err = HTTP_EOK;
	r->flags = flags;
	r->cstate = CH_SIZE;
	r->hlen = 0;
	r->scan = 0;
	r->line = 0;
	r->remain = 0;
}

/* Fails r with err; returns used, for the feed to hand back. */
static size_t
fail(struct http_resp *r, int err, size_t used)
{
	if (r->state == HTTP_HEAD) {
		r->hlen = 0;
		r->status = 0;
		r->minor = 0;
	}
	r->state = HTTP_FAILED;
	r->err = err;
	r->keepalive = 0;
	return used;
}

/*
 * "HTTP/1.x SP 3DIGIT SP reason".  RFC 9112 4 has the server send the
 * second space even with no reason; a status line that ends right after
 * the code is taken too (as common clients do), since nothing about where
 * it ends is in doubt.
 */
static int
status_line(struct http_resp *r, const char *s, size_t n)
{
	size_t i;

	if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 ||
	    !is_digit((unsigned char)s[7]) || s[8] != ' ' ||
	    s[9] < '1' || s[9] > '9' || !is_digit((unsigned char)s[10]) ||
	    !is_digit((unsigned char)s[11]) || (n > 12 && s[12] != ' '))
		return -1;
	for (i = 13; i < n; i++)
		if (!is_vchar((unsigned char)s[i]))
			return -1;
	r->minor = s[7] - '0';
	r->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
	return 0;
}

/* A field line of a complete head. */
struct field {
	const char	*name;
	size_t		 nlen;
	const char	*val;		/* blanks around it trimmed */
	size_t		 vlen;
};

/*
 * The field line at head[*at] (0: the first one, after the status line),
 * moving *at past it.  Returns 0, or -1 at the blank line that ends the
 * head.  The lines were checked as they came in.
 */
static int
field_next(const struct http_resp *r, size_t *at, struct field *f)
{
	const char *p, *e, *lf, *colon;

	if (*at == 0) {
		if ((lf = memchr(r->head, '\n', r->hlen)) == NULL)
			return -1;
		*at = (size_t)(lf - r->head) + 1;
	}
	p = r->head + *at;
	if ((lf = memchr(p, '\n', r->hlen - *at)) == NULL)
		return -1;
	*at = (size_t)(lf - r->head) + 1;
	e = lf > p && lf[-1] == '\r' ? lf - 1 : lf;
	if (e == p || (colon = memchr(p, ':', (size_t)(e - p))) == NULL)
		return -1;
	f->name = p;
	f->nlen = (size_t)(colon - p);
	for (p = colon + 1; p < e && is_blank((unsigned char)*p); p++)
		;
	while (e > p && is_blank((unsigned char)e[-1]))
		e--;
	f->val = p;
	f->vlen = (size_t)(e - p);
	return 0;
}

/*
 * The next element of the comma-separated list v[0..n), from *at on,
 * blanks trimmed; it may be empty.  Returns 0, or -1 after the last one.
 */
static int
list_next(const char *v, size_t n, size_t *at, const char **e, size_t *elen)
{
	const char *p, *q, *comma;

	if (*at > n)
		return -1;
	p = v + *at;
	if ((comma = memchr(p, ',', n - *at)) == NULL)
		comma = v + n;
	*at = (size_t)(comma - v) + 1;
	for (q = comma; q > p && is_blank((unsigned char)q[-1]); q--)
		;
	while (p < q && is_blank((unsigned char)*p))
		p++;
	*e = p;
	*elen = (size_t)(q - p);
	return 0;
}

/*
 * The blank line ended a head.  Drops an interim one; else reads the
 * framing headers and picks how the body ends (RFC 9112 6.3).  Returns 0
 * or an error.
 */
static int
head_done(struct http_resp *r)
{
	struct field f;
	const char *e;
	size_t at = 0, i, elen;
	uint64_t cl = 0, v;
	int haslen = 0, nlen = 0, badlen = 0, hascoding = 0, chunks = 0;
	int others = 0;
	int close = 0, keep = 0, retry = 0, bodiless;

	if (r->status / 100 == 1 && r->status != 101) {
		r->hlen = r->scan = 0;
		r->status = r->minor = 0;
		return 0;
	}
	while (field_next(r, &at, &f) == 0) {
		if (is_name(f.name, f.nlen, "content-length")) {
			haslen = 1;
			i = 0;
			while (list_next(f.val, f.vlen, &i, &e, &elen) == 0)
				if (parse_u64(e, elen, INT64_MAX, &v) < 0 ||
				    (nlen++ > 0 && v != cl))
					badlen = 1;
				else
					cl = v;
		} else if (is_name(f.name, f.nlen, "transfer-encoding")) {
			hascoding = 1;
			i = 0;
			while (list_next(f.val, f.vlen, &i, &e, &elen) == 0)
				if (is_name(e, elen, "chunked"))
					chunks++;
				else if (elen > 0)
					others++;
		} else if (is_name(f.name, f.nlen, "connection")) {
			i = 0;
			while (list_next(f.val, f.vlen, &i, &e, &elen) == 0)
				if (is_name(e, elen, "close"))
					close = 1;
				else if (is_name(e, elen, "keep-alive"))
					keep = 1;
		} else if (is_name(f.name, f.nlen, "retry-after") && !retry) {
			/* delay-seconds; an HTTP-date is left to the caller */
			retry = 1;
			if (parse_u64(f.val, f.vlen, LONG_MAX, &v) == 0)
				r->retry_after = (long)v;
		}
	}

	r->state = HTTP_BODY;	/* the head is complete, whatever follows */
	r->keepalive = !close && (r->minor >= 1 || keep);
	bodiless = (r->flags & HTTP_NOBODY) || r->status == 101 ||
	    r->status == 204 || r->status == 304 ||
	    ((r->flags & HTTP_CONNECT) && r->status / 100 == 2);
	if (bodiless) {
		/* The rest of the connection is not HTTP any more. */
		if (r->status == 101 || (r->flags & HTTP_CONNECT))
			r->keepalive = 0;
		if (haslen && !badlen)
			r->length = (long long)cl;
		r->state = HTTP_DONE;
		return 0;
	}
	if (hascoding) {
		if (r->minor == 0 || chunks != 1 || others != 0)
			return HTTP_ECODING;
		r->chunked = 1;
		r->cstate = CH_SIZE;
		r->line = 0;
		r->remain = 0;
		/* Framed twice: whoever sent it may not agree with us. */
		if (haslen)
			r->keepalive = 0;
	} else if (haslen) {
		if (badlen)
			return HTTP_ELENGTH;
		r->length = (long long)cl;
		r->remain = cl;
		if (cl == 0)
			r->state = HTTP_DONE;
	} else
		r->keepalive = 0;
	return 0;
}

/*
 * A line of the head ended at head[hlen - 1], its LF.  Checks it, or ends
 * the head at a blank line.  Returns 0 or an error.
 */
static int
head_line(struct http_resp *r)
{
	const char *s = r->head + r->scan;
	size_t n = r->hlen - 1 - r->scan;
	int first = r->scan == 0;

	if (n > 0 && s[n - 1] == '\r')
		n--;
	r->scan = r->hlen;
	if (first)
		return status_line(r, s, n) == 0 ? 0 : HTTP_ESTATUS;
	if (n > 0)
		return field_ok(s, n) ? 0 : HTTP_EHEADER;
	return head_done(r);
}

static size_t
feed_head(struct http_resp *r, const char *in, size_t n)
{
	const char *lf;
	size_t used = 0, room, k;
	int err;

	while (used < n && r->state == HTTP_HEAD) {
		room = sizeof r->head - r->hlen;
		k = n - used < room ? n - used : room;
		if ((lf = memchr(in + used, '\n', k)) == NULL) {
			/* The byte after a full head[] is the error. */
			if (n - used > room)
				return fail(r, HTTP_EHEADBIG, used + room + 1);
			memcpy(r->head + r->hlen, in + used, k);
			r->hlen += k;
			return n;
		}
		k = (size_t)(lf - (in + used)) + 1;
		memcpy(r->head + r->hlen, in + used, k);
		r->hlen += k;
		used += k;
		if ((err = head_line(r)) != HTTP_EOK)
			return fail(r, err, used);
	}
	return used;
}

/* The size line ended: chunk data next, or the trailer section. */
static void
size_done(struct http_resp *r)
{
	r->line = 0;
	r->cstate = r->remain > 0 ? CH_DATA : CH_TRAILER;
}

static size_t
feed_chunked(struct http_resp *r, const char *in, size_t n,
    const char **body, size_t *blen)
{
	size_t i = 0, k;
	int c, d;

	while (i < n) {
		if (r->cstate == CH_DATA) {
			k = n - i < r->remain ? n - i : (size_t)r->remain;
			*body = in + i;
			*blen = k;
			if ((r->remain -= k) == 0)
				r->cstate = CH_DATA_END;
			return i + k;
		}
		c = (unsigned char)in[i++];
		if (r->cstate <= CH_SIZE_LF && ++r->line > CHUNK_LINE_MAX)
			return fail(r, HTTP_ECHUNK, i);
		if (r->cstate >= CH_TRAILER && ++r->line > HTTP_HEAD_MAX)
			return fail(r, HTTP_ECHUNK, i);
		switch (r->cstate) {
		case CH_SIZE:
			if ((d = hexval(c)) >= 0) {
				if (r->remain > ULLONG_MAX >> 4)
					return fail(r, HTTP_ECHUNK, i);
				r->remain = r->remain << 4 | (unsigned)d;
			} else if (r->line == 1)
				return fail(r, HTTP_ECHUNK, i);
			else if (c == ';')
				r->cstate = CH_EXT;
			else if (is_blank(c))
				r->cstate = CH_SIZE_WS;
			else if (c == '\r')
				r->cstate = CH_SIZE_LF;
			else if (c == '\n')
				size_done(r);
			else
				return fail(r, HTTP_ECHUNK, i);
			break;
		case CH_SIZE_WS:
			if (c == ';')
				r->cstate = CH_EXT;
			else if (c == '\r')
				r->cstate = CH_SIZE_LF;
			else if (c == '\n')
				size_done(r);
			else if (!is_blank(c))
				return fail(r, HTTP_ECHUNK, i);
			break;
		case CH_EXT:
			if (c == '\r')
				r->cstate = CH_SIZE_LF;
			else if (c == '\n')
				size_done(r);
			else if (!is_vchar(c))
				return fail(r, HTTP_ECHUNK, i);
			break;
		case CH_SIZE_LF:
			if (c != '\n')
				return fail(r, HTTP_ECHUNK, i);
			size_done(r);
			break;
		case CH_DATA_END:
			if (c == '\r')
				r->cstate = CH_DATA_LF;
			else if (c == '\n')
				r->cstate = CH_SIZE;
			else
				return fail(r, HTTP_ECHUNK, i);
			break;
		case CH_DATA_LF:
			if (c != '\n')
				return fail(r, HTTP_ECHUNK, i);
			r->cstate = CH_SIZE;
			break;
		case CH_TRAILER:
			if (c == '\r')
				r->cstate = CH_END_LF;
			else if (c == '\n') {
				r->state = HTTP_DONE;
				return i;
			} else if (is_tchar(c))
				r->cstate = CH_TNAME;
			else
				return fail(r, HTTP_ECHUNK, i);
			break;
		case CH_TNAME:
			if (c == ':')
				r->cstate = CH_TVALUE;
			else if (!is_tchar(c))
				return fail(r, HTTP_ECHUNK, i);
			break;
		case CH_TVALUE:
			if (c == '\r')
				r->cstate = CH_TLINE_LF;
			else if (c == '\n')
				r->cstate = CH_TRAILER;
			else if (!is_vchar(c))
				return fail(r, HTTP_ECHUNK, i);
			break;
		case CH_TLINE_LF:
			if (c != '\n')
				return fail(r, HTTP_ECHUNK, i);
			r->cstate = CH_TRAILER;
			break;
		case CH_END_LF:
			if (c != '\n')
				return fail(r, HTTP_ECHUNK, i);
			r->state = HTTP_DONE;
			return i;
		}
	}
	return i;
}

/* see http.h */
size_t
http_resp_feed(struct http_resp *r, const char *in, size_t n,
    const char **body, size_t *blen)
{
	size_t k;

	*body = NULL;
	*blen = 0;
	if (n == 0)
		return 0;
	if (r->state == HTTP_HEAD)
		return feed_head(r, in, n);
	if (r->state != HTTP_BODY)
		return 0;
	if (r->chunked)
		return feed_chunked(r, in, n, body, blen);
	k = n;
	if (r->length >= 0) {
		if (k > r->remain)
			k = (size_t)r->remain;
		if ((r->remain -= k) == 0)
			r->state = HTTP_DONE;
	}
	*body = in;
	*blen = k;
	return k;
}

/* see http.h */
int
http_resp_eof(struct http_resp *r)
{
	if (r->state == HTTP_BODY && !r->chunked && r->length < 0)
		r->state = HTTP_DONE;
	else if (r->state == HTTP_HEAD || r->state == HTTP_BODY)
		fail(r, HTTP_ETRUNC, 0);
	return r->state;
}

/* see http.h */
const char *
http_resp_header(const struct http_resp *r, const char *name, size_t *len)
{
	struct field f;
	size_t at = 0;

	if (r->state == HTTP_HEAD)
		return NULL;
	while (field_next(r, &at, &f) == 0)
		if (is_name(f.name, f.nlen, name)) {
			*len = f.vlen;
			return f.val;
		}
	return NULL;
}

/* see http.h */
int
http_resp_has_token(const struct http_resp *r, const char *name,
    const char *token)
{
	struct field f;
	const char *e;
	size_t at = 0, i, elen;

	if (r->state == HTTP_HEAD || *token == '\0')
		return 0;
	while (field_next(r, &at, &f) == 0) {
		if (!is_name(f.name, f.nlen, name))
			continue;
		i = 0;
		while (list_next(f.val, f.vlen, &i, &e, &elen) == 0)
			if (is_name(e, elen, token))
				return 1;
	}
	return 0;
}

/* see http.h */
int
http_resp_state(const struct http_resp *r)
{
	return r->state;
}

/* see http.h */
int
http_resp_error(const struct http_resp *r)
{
	return r->err;
}

/* see http.h */
const char *
http_strerror(int err)
{
	if (err < 0 || (size_t)err >= nitems(errors) || errors[err] == NULL)
		return "unknown HTTP error";
	return errors[err];
}

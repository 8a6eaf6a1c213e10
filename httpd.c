/*
 * httpd.c: see httpd.h.
 *
 * The parser keeps these invariants:
 *
 * - In HTTPD_HEAD, head[0..hlen) is the head read so far, without the
 *   blank bytes before it (counted in lead); head[0..line) are whole
 *   lines, each checked when its LF arrived, and head[line..hlen) is the
 *   line still open: no LF in it, and no control character but tab and
 *   CR (those fail at once).  hlen and lead never exceed HTTPD_HEAD_MAX.
 * - Each header line is noted in field[] as it is checked, so that the
 *   framing headers at the end of the head and the caller's lookups later
 *   walk a short table instead of the text.  More lines than the table
 *   holds fail as a head too large (431).
 * - A failure sets state, err and keepalive once, at a fixed byte (a
 *   control character, the LF ending a bad line, the first byte past a
 *   limit) and counts that byte as used, so that neither the outcome nor
 *   the count depends on how the input was split.  Nothing moves after
 *   HTTPD_DONE or HTTPD_FAILED.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "httpd.h"
#include "util.h"

static const char *const errors[] = {
	[HTTPD_EOK] =		"no error",
	[HTTPD_ELINE] =		"malformed request line",
	[HTTPD_EVERSION] =	"not HTTP/1.x",
	[HTTPD_EHEADER] =	"malformed header line",
	[HTTPD_EHEADBIG] =	"request header too large",
	[HTTPD_EHOST] =		"no Host, or more than one",
	[HTTPD_ELENGTH] =	"bad or conflicting Content-Length",
	[HTTPD_ECODING] =	"a Transfer-Encoding instead of Content-Length",
	[HTTPD_EEXPECT] =	"an Expect other than 100-continue",
	[HTTPD_ETRUNC] =	"connection closed in the middle of a request",
};

static const int statuses[] = {
	[HTTPD_ELINE] = 400, [HTTPD_EVERSION] = 505, [HTTPD_EHEADER] = 400,
	[HTTPD_EHEADBIG] = 431, [HTTPD_EHOST] = 400, [HTTPD_ELENGTH] = 400,
	[HTTPD_ECODING] = 411, [HTTPD_EEXPECT] = 417,
};

static const struct {
	int		 status;
	const char	*reason;
} reasons[] = {
	{ 100, "Continue" },
	{ 200, "OK" },
	{ 400, "Bad Request" },
	{ 401, "Unauthorized" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 408, "Request Timeout" },
	{ 411, "Length Required" },
	{ 413, "Content Too Large" },
	{ 417, "Expectation Failed" },
	{ 431, "Request Header Fields Too Large" },
	{ 500, "Internal Server Error" },
	{ 503, "Service Unavailable" },
	{ 505, "HTTP Version Not Supported" },
};

/* ---- characters ---- */

/* RFC 9110 5.6.2: a token's characters are visible ASCII but delimiters. */
static int
tchar(int c)
{
	return c > ' ' && c < 0x7f && strchr("\"(),/:;<=>?@[\\]{}", c) == NULL;
}

/* Control characters that no line of a head may hold (tab and CR may). */
static int
forbidden(int c)
{
	return (c < ' ' && c != '\t' && c != '\r' && c != '\n') || c == 0x7f;
}

static int
blank(int c)
{
	return c == ' ' || c == '\t';
}

/* s[0..n) equals the lower-case word, but for ASCII case. */
static int
word(const char *s, size_t n, const char *lower)
{
	size_t i;
	int c;

	if (strlen(lower) != n)
		return 0;
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if ((c >= 'A' && c <= 'Z' ? c + 32 : c) != lower[i])
			return 0;
	}
	return 1;
}

/* s[0..*n) without the blanks at both ends; returns the new start. */
static const char *
trim(const char *s, size_t *n)
{
	while (*n > 0 && blank((unsigned char)*s))
		s++, (*n)--;
	while (*n > 0 && blank((unsigned char)s[*n - 1]))
		(*n)--;
	return s;
}

/*
 * Cuts the next element off the comma-separated list *v (length *n):
 * returns it (blanks trimmed, maybe empty) with its length in *elen and
 * moves *v past its comma.  Returns NULL once the list is used up.
 */
static const char *
element(const char **v, size_t *n, size_t *elen, int *more)
{
	const char *e = *v, *comma;

	if (!*more)
		return NULL;
	if ((comma = memchr(e, ',', *n)) == NULL) {
		*elen = *n;
		*more = 0;
	} else {
		*elen = (size_t)(comma - e);
		*n -= *elen + 1;
		*v = comma + 1;
	}
	return trim(e, elen);
}

/* ---- the parser ---- */

/* see httpd.h */
void
httpd_init(struct httpd_req *r)
{
	r->method = r->target = NULL;
	r->mlen = r->tlen = 0;
	r->minor = 0;
	r->keepalive = 0;
	r->expect = 0;
	r->length = 0;
	r->state = HTTPD_HEAD;
	r->err = HTTPD_EOK;
	r->lead = r->hlen = r->line = 0;
	r->nfield = 0;
	r->remain = 0;
}

/* Fails r with err; returns used, for the feed to hand back. */
static size_t
fail(struct httpd_req *r, int err, size_t used)
{
	r->state = HTTPD_FAILED;
	r->err = err;
	r->keepalive = 0;
	r->method = r->target = NULL;
	r->mlen = r->tlen = 0;
	r->nfield = 0;
	return used;
}

/* "METHOD SP target SP HTTP/1.x", the line end already gone. */
static int
request_line(struct httpd_req *r, const char *s, size_t n)
{
	const char *v;
	size_t i, t;

	for (i = 0; i < n && tchar((unsigned char)s[i]); i++)
		;
	if (i == 0 || i == n || s[i] != ' ')
		return HTTPD_ELINE;
	r->method = s;
	r->mlen = i;
	for (t = ++i; i < n && s[i] > ' ' && s[i] < 0x7f; i++)
		;
	if (i == t || i == n || s[i] != ' ')
		return HTTPD_ELINE;
	r->target = s + t;
	r->tlen = i - t;
	v = s + i + 1;
	if (n - i - 1 != 8 || memcmp(v, "HTTP/", 5) != 0 || v[5] < '0' ||
	    v[5] > '9' || v[6] != '.' || v[7] < '0' || v[7] > '9')
		return HTTPD_ELINE;
	if (v[5] != '1')
		return HTTPD_EVERSION;
	r->minor = v[7] - '0';
	return HTTPD_EOK;
}

/* The name and value of field line k. */
static void
field_at(const struct httpd_req *r, size_t k, const char **name,
    size_t *nlen, const char **val, size_t *vlen)
{
	const char *s = r->head + r->field[k].at;
	const char *colon = memchr(s, ':', r->field[k].len);

	*name = s;
	*nlen = (size_t)(colon - s);
	*vlen = r->field[k].len - *nlen - 1;
	*val = trim(colon + 1, vlen);
}

/*
 * The blank line ended the head: the framing headers (RFC 9112 6.3),
 * Host, Connection and Expect.  Returns 0 or an error.
 */
static int
head_done(struct httpd_req *r)
{
	const char *name, *v, *e;
	size_t k, nlen, vlen, elen;
	uint64_t cl = 0, x;
	int hosts = 0, lengths = 0, badlen = 0, coding = 0, close = 0;
	int keep = 0, expect = 0, badexpect = 0, more;

	for (k = 0; k < r->nfield; k++) {
		field_at(r, k, &name, &nlen, &v, &vlen);
		more = 1;
		if (word(name, nlen, "host"))
			hosts++;
		else if (word(name, nlen, "content-length"))
			while ((e = element(&v, &vlen, &elen, &more)) != NULL)
				if (parse_u64(e, elen, INT64_MAX, &x) < 0 ||
				    (lengths++ > 0 && x != cl))
					badlen = 1;
				else
					cl = x;
		else if (word(name, nlen, "transfer-encoding"))
			coding = 1;
		else if (word(name, nlen, "connection"))
			while ((e = element(&v, &vlen, &elen, &more)) != NULL) {
				close |= word(e, elen, "close");
				keep |= word(e, elen, "keep-alive");
			}
		else if (word(name, nlen, "expect")) {
			if (word(v, vlen, "100-continue"))
				expect = 1;
			else
				badexpect = 1;
		}
	}
	if (hosts > 1 || (hosts == 0 && r->minor >= 1))
		return HTTPD_EHOST;
	if (coding)
		return HTTPD_ECODING;
	if (badlen)
		return HTTPD_ELENGTH;
	if (badexpect)
		return HTTPD_EEXPECT;
	r->keepalive = !close && (r->minor >= 1 || keep);
	r->length = r->remain = cl;
	r->expect = expect && cl > 0;
	r->state = cl > 0 ? HTTPD_BODY : HTTPD_DONE;
	return HTTPD_EOK;
}

/* A header line: a token, the colon right after it, then the value. */
static int
field_line(struct httpd_req *r, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && tchar((unsigned char)s[i]); i++)
		;
	if (i == 0 || i == n || s[i] != ':')
		return HTTPD_EHEADER;
	if (r->nfield == sizeof r->field / sizeof r->field[0])
		return HTTPD_EHEADBIG;
	r->field[r->nfield].at = (uint16_t)(s - r->head);
	r->field[r->nfield].len = (uint16_t)n;
	r->nfield++;
	return HTTPD_EOK;
}

/* The line ending at head[hlen - 1], its LF, is complete. */
static int
line_done(struct httpd_req *r)
{
	const char *s = r->head + r->line;
	size_t n = r->hlen - 1 - r->line;
	int first = r->line == 0;

	r->line = r->hlen;
	if (n > 0 && s[n - 1] == '\r')
		n--;
	if (memchr(s, '\r', n) != NULL)
		return first ? HTTPD_ELINE : HTTPD_EHEADER;
	if (first)
		return request_line(r, s, n);
	if (n == 0)
		return head_done(r);
	return field_line(r, s, n);
}

static size_t
feed_head(struct httpd_req *r, const char *in, size_t n)
{
	size_t i;
	int c, err;

	for (i = 0; i < n; i++) {
		c = (unsigned char)in[i];
		if (r->hlen == 0 && (c == '\r' || c == '\n')) {
			if (++r->lead > HTTPD_HEAD_MAX)
				return fail(r, HTTPD_EHEADBIG, i + 1);
			continue;
		}
		if (forbidden(c))
			return fail(r, r->line == 0 ? HTTPD_ELINE :
			    HTTPD_EHEADER, i + 1);
		if (r->hlen == sizeof r->head)
			return fail(r, HTTPD_EHEADBIG, i + 1);
		r->head[r->hlen++] = (char)c;
		if (c != '\n')
			continue;
		if ((err = line_done(r)) != HTTPD_EOK)
			return fail(r, err, i + 1);
		if (r->state != HTTPD_HEAD)
			return i + 1;
	}
	return n;
}

/* see httpd.h */
size_t
httpd_feed(struct httpd_req *r, const char *in, size_t n, const char **body,
    size_t *blen)
{
	size_t k;

	*body = NULL;
	*blen = 0;
	switch (r->state) {
	case HTTPD_HEAD:
		return feed_head(r, in, n);
	case HTTPD_BODY:
		k = n < r->remain ? n : (size_t)r->remain;
		if (k == 0)
			return 0;
		*body = in;
		*blen = k;
		if ((r->remain -= k) == 0)
			r->state = HTTPD_DONE;
		return k;
	}
	return 0;
}

/* see httpd.h */
int
httpd_eof(struct httpd_req *r)
{
	if (r->state == HTTPD_BODY || (r->state == HTTPD_HEAD && r->hlen > 0))
		fail(r, HTTPD_ETRUNC, 0);
	return r->state;
}

/* see httpd.h */
int
httpd_started(const struct httpd_req *r)
{
	return r->hlen > 0 || r->state != HTTPD_HEAD;
}

/* see httpd.h */
const char *
httpd_header(const struct httpd_req *r, const char *name, size_t *len)
{
	const char *n, *v;
	size_t k, nlen, want = strlen(name), i;

	if (r->state != HTTPD_BODY && r->state != HTTPD_DONE)
		return NULL;
	for (k = 0; k < r->nfield; k++) {
		field_at(r, k, &n, &nlen, &v, len);
		if (nlen != want)
			continue;
		for (i = 0; i < nlen; i++)
			if ((n[i] | 0x20) != (name[i] | 0x20))
				break;
		if (i == nlen)
			return v;
	}
	*len = 0;
	return NULL;
}

/* see httpd.h */
int
httpd_state(const struct httpd_req *r)
{
	return r->state;
}

/* see httpd.h */
int
httpd_error(const struct httpd_req *r)
{
	return r->err;
}

/* see httpd.h */
int
httpd_status(int err)
{
	if (err < 0 || (size_t)err >= sizeof statuses / sizeof statuses[0])
		return 0;
	return statuses[err];
}

/* see httpd.h */
const char *
httpd_strerror(int err)
{
	if (err < 0 || (size_t)err >= sizeof errors / sizeof errors[0])
		return "unknown error";
	return errors[err];
}

/* see httpd.h */
const char *
httpd_reason(int status)
{
	size_t i;

	for (i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
		if (reasons[i].status == status)
			return reasons[i].reason;
	return "";
}

/* see httpd.h */
size_t
httpd_answer(char *out, size_t cap, int status, const char *ctype,
    size_t clen, int close, const char *extra, time_t now)
{
	static const char days[] = "SunMonTueWedThuFriSat";
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	char buf[1024];
	struct tm tm;
	int n;

	if (gmtime_r(&now, &tm) == NULL)
		memset(&tm, 0, sizeof tm);
	n = snprintf(buf, sizeof buf, "HTTP/1.1 %d %s\r\n"
	    "Date: %.3s, %02d %.3s %04d %02d:%02d:%02d GMT\r\n"
	    "%s%s%s"
	    "Content-Length: %zu\r\n"
	    "%s%s\r\n", status, httpd_reason(status),
	    days + 3 * (tm.tm_wday % 7), tm.tm_mday,
	    months + 3 * (tm.tm_mon % 12), tm.tm_year + 1900, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, ctype != NULL ? "Content-Type: " : "",
	    ctype != NULL ? ctype : "", ctype != NULL ? "\r\n" : "", clen,
	    close ? "Connection: close\r\n" : "", extra != NULL ? extra : "");
	if (n < 0 || (size_t)n >= sizeof buf || (size_t)n > cap)
		return 0;
	memcpy(out, buf, (size_t)n);
	return (size_t)n;
}

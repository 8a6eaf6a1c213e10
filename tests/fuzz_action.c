/*
 * tests/fuzz_action.c: what a --pipe handler's lines become, down to the
 * HTTP request.
 *
 * Input: byte 0 picks the buffers (below 0x80: those handler.c lends;
 * else a body of byte0 & 0x7f bytes and a string of half that, nothing
 * around them accessible), then
 * lines separated by LF, each given to action_read() in a fenced copy of
 * its own size.  Every result must say what the line holds:
 *
 *  - nothing but CR and spaces: ACTION_NONE; otherwise linelen ends on
 *    something else and the rest is CR and spaces;
 *  - a method call: the form decodes, pair by pair, to the args as
 *    written (strings unescaped, other values as JSON);
 *  - a response_url: an https:// URL, and the body is JSON holding every
 *    other member with the same value; or one too long, said with its
 *    length;
 *  - a post: the body is the line's object, with a channel of 63 bytes at
 *    most and a text, blocks or attachments;
 *  - with small buffers: ACTION_TOO_BIG or what the full buffers give.
 *
 * The request a call or a response_url makes (api.c) must have a
 * well-formed head, with the path the line asked for, or none at all
 * when that path is not a URL's.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "config.h"
#include "fuzzutil.h"
#include "http.h"
#include "json.h"

#define ASSERT(c)	do { if (!(c)) abort(); } while (0)
#define NTOK		512	/* as handler.c */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct json_tok	tok[NTOK], tok2[NTOK], all[PIPE_LINE_MAX];
static char		body[API_REQ_MAX], str[ENV_BUF_MAX];
static char		body2[API_REQ_MAX], str2[ENV_BUF_MAX];
static char		ubuf[PIPE_LINE_MAX], ubuf2[PIPE_LINE_MAX];
static char		head[16384], path[RESPONSE_URL_MAX + 64];

static int
blank(char c)
{
	return c == '\r' || c == ' ';
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decodes f[0..n) (http_form_escape() output) into out. */
static size_t
undo_form(const char *f, size_t n, char *out)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (f[i] != '%') {
			ASSERT((f[i] >= 'a' && f[i] <= 'z') ||
			    (f[i] >= 'A' && f[i] <= 'Z') ||
			    (f[i] >= '0' && f[i] <= '9') ||
			    strchr("-._~", f[i]) != NULL);
			out[k++] = f[i];
			continue;
		}
		ASSERT(i + 2 < n && hexval(f[i + 1]) >= 0 &&
		    hexval(f[i + 2]) >= 0);
		out[k++] = (char)(hexval(f[i + 1]) << 4 | hexval(f[i + 2]));
		i += 2;
	}
	return k;
}

/* The text of t as the form carries it: unescaped, or the JSON itself. */
static size_t
value(const char *js, const struct json_tok *t, char *out)
{
	size_t n;

	if (t->type != JSON_STRING) {
		memcpy(out, js + t->start, t->len);
		return t->len;
	}
	ASSERT(json_unescape(js, t, out, t->len + 1, &n) == 0);
	return n;
}

/* The form of a call holds the args, in order. */
static void
check_form(const char *line, const struct action *a)
{
	const char *f = a->body, *end = f + a->len, *amp, *eq;
	size_t n, m;
	int args, i;

	args = json_find(line, tok2, 0, "args");
	i = args >= 0 ? json_first(tok2, args) : -1;
	for (; i >= 0; i = json_next(tok2, args, i)) {
		ASSERT(f < end);
		if ((amp = memchr(f, '&', (size_t)(end - f))) == NULL)
			amp = end;
		eq = memchr(f, '=', (size_t)(amp - f));
		ASSERT(eq != NULL);
		n = undo_form(f, (size_t)(eq - f), ubuf);
		m = value(line, &tok2[i], ubuf2);
		ASSERT(n == m && memcmp(ubuf, ubuf2, n) == 0);
		n = undo_form(eq + 1, (size_t)(amp - eq - 1), ubuf);
		m = value(line, &tok2[i + 1], ubuf2);
		ASSERT(n == m && memcmp(ubuf, ubuf2, n) == 0);
		f = amp < end ? amp + 1 : end;
	}
	ASSERT(f == end);
}

/* The message of a response_url: the other members, the same values. */
static void
check_message(const char *line, const struct action *a)
{
	int r, i, j;
	size_t n, m;

	r = json_parse(a->body, a->len, all, PIPE_LINE_MAX, JSON_FULL, NULL);
	ASSERT(r >= 1 && all[0].type == JSON_OBJECT);
	j = json_first(all, 0);
	for (i = json_first(tok2, 0); i >= 0; i = json_next(tok2, 0, i)) {
		if (json_eq(line, &tok2[i], "response_url"))
			continue;
		ASSERT(j >= 0);
		n = value(line, &tok2[i], ubuf);
		m = value(a->body, &all[j], ubuf2);
		ASSERT(n == m && memcmp(ubuf, ubuf2, n) == 0);
		/* Values are copied as written. */
		ASSERT(tok2[i + 1].len == all[j + 1].len &&
		    memcmp(line + tok2[i + 1].start, a->body +
		    all[j + 1].start, all[j + 1].len) == 0);
		j = json_next(all, 0, j);
	}
	ASSERT(j < 0);
}

/*
 * Every CR and LF ends a CRLF, the blank line is last, and there are the
 * lines expected: POST p, Host, User-Agent, Authorization (auth),
 * Content-Type, Content-Length: clen.
 */
static void
check_head(const char *h, size_t n, const char *p, size_t plen, int auth,
    size_t clen)
{
	char want[64];
	size_t i, lines = 0;

	ASSERT(n >= 4 && memcmp(h + n - 4, "\r\n\r\n", 4) == 0);
	for (i = 0; i < n; i++) {
		ASSERT(h[i] != '\0');
		if (h[i] == '\r')
			ASSERT(i + 1 < n && h[i + 1] == '\n');
		if (h[i] == '\n') {
			ASSERT(i > 0 && h[i - 1] == '\r');
			lines++;
		}
	}
	ASSERT(lines == (auth ? 7u : 6u));
	ASSERT(memcmp(h, "POST ", 5) == 0 && memcmp(h + 5, p, plen) == 0 &&
	    memcmp(h + 5 + plen, " HTTP/1.1\r\n", 11) == 0);
	snprintf(want, sizeof want, "\r\nContent-Length: %zu\r\n", clen);
	ASSERT(strstr(h, want) != NULL);
}

/* 1 when a request's path may hold p[0..n) (http_req_head()). */
static int
path_ok(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] <= 0x20 ||
		    (unsigned char)p[i] >= 0x7f || p[i] == '#')
			return 0;
	return 1;
}

/* The request api.c makes of it: POST base path + method. */
static void
request(const struct action *a)
{
	struct http_req q;
	struct url u;
	size_t n, plen;

	memset(&q, 0, sizeof q);
	q.method = "POST";
	q.url = &u;
	q.clen = (long long)a->len;
	if (a->kind == ACTION_CALL) {
		memset(&u, 0, sizeof u);
		u.host = "slack.com";
		u.hostlen = 9;
		u.port = 443;
		u.tls = 1;
		plen = (size_t)snprintf(path, sizeof path, "/api/%s",
		    a->target);
		u.path = path;
		u.pathlen = plen;
		q.bearer = "xoxb-1-fuzz";
		q.ctype = "application/x-www-form-urlencoded";
	} else {
		if (http_url_parse(&u, a->target, strlen(a->target)) != 0 ||
		    !u.tls || u.ws)
			return;
		memcpy(path, u.path, u.pathlen);
		plen = u.pathlen;
		q.ctype = "application/json; charset=utf-8";
	}
	n = http_req_head(head, sizeof head - 1, &q);
	if (!path_ok(path, plen)) {
		ASSERT(n == 0);
		return;
	}
	ASSERT(n > 0);
	head[n] = '\0';
	check_head(head, n, path, plen, q.bearer != NULL, a->len);
}

/* The string member name, unescaped into ubuf: its length, or -1. */
static long
member(const char *line, const char *name)
{
	int i = json_find(line, tok2, 0, name);

	if (i < 0 || tok2[i].type != JSON_STRING)
		return -1;
	return (long)value(line, &tok2[i], ubuf);
}

/* The target is the member, cut at a NUL it may hold. */
static void
check_target(const char *line, const struct action *a, const char *name)
{
	long k = member(line, name);

	ASSERT(k >= 0 && (size_t)k < sizeof a->target);
	ASSERT(strlen(a->target) <= (size_t)k &&
	    memcmp(a->target, ubuf, strlen(a->target)) == 0);
}

static void
one(const char *line, size_t n, const struct action_buf *b,
    const struct action_buf *full)
{
	struct action a, f;
	size_t i;
	int r;

	action_read(line, n, b, &a);
	ASSERT(a.linelen <= n);
	for (i = a.linelen; i < n; i++)
		ASSERT(blank(line[i]));
	if (a.kind == ACTION_NONE) {
		ASSERT(a.linelen == 0);
		return;
	}
	ASSERT(!blank(line[a.linelen - 1]));
	r = json_parse(line, a.linelen, tok2, NTOK, 2, NULL);
	if (r < 1 || tok2[0].type != JSON_OBJECT) {
		ASSERT(a.kind == ACTION_NOT_JSON);
		return;
	}
	ASSERT(a.kind != ACTION_NOT_JSON);
	if (b != full) {
		/* Smaller buffers: too big, or the same. */
		action_read(line, n, full, &f);
		if (a.kind != ACTION_TOO_BIG)
			ASSERT(f.kind == a.kind &&
			    strcmp(f.target, a.target) == 0 && f.len == a.len);
		if (a.kind == ACTION_CALL || a.kind == ACTION_HOOK ||
		    a.kind == ACTION_POST)
			ASSERT(memcmp(f.body, a.body, a.len) == 0);
	}
	switch (a.kind) {
	case ACTION_CALL:
		check_target(line, &a, "method");
		ASSERT(a.body == b->body && a.len <= b->bodycap);
		check_form(line, &a);
		request(&a);
		break;
	case ACTION_HOOK:
		ASSERT(member(line, "method") < 0 || member(line, "method") >=
		    (long)sizeof a.target);
		check_target(line, &a, "response_url");
		ASSERT(strncmp(a.target, "https://", 8) == 0);
		ASSERT(a.body == b->body && a.len < b->bodycap);
		check_message(line, &a);
		request(&a);
		break;
	case ACTION_POST:
		ASSERT(member(line, "method") < 0 || member(line, "method") >=
		    (long)sizeof a.target);
		ASSERT(member(line, "response_url") < 0);
		check_target(line, &a, "channel");
		ASSERT(strlen(a.target) < 64);
		ASSERT(a.body == line + tok2[0].start && a.len == tok2[0].len);
		ASSERT(json_find(line, tok2, 0, "text") >= 0 ||
		    json_find(line, tok2, 0, "blocks") >= 0 ||
		    json_find(line, tok2, 0, "attachments") >= 0);
		break;
	case ACTION_URL_TOO_LONG:
		ASSERT(member(line, "method") < 0 || member(line, "method") >=
		    (long)sizeof a.target);
		ASSERT(member(line, "response_url") >= (long)sizeof a.target);
		ASSERT(a.len == tok2[json_find(line, tok2, 0,
		    "response_url")].len);
		break;
	case ACTION_TOO_BIG:
	case ACTION_UNKNOWN:
		break;
	default:
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct action_buf full = { tok, NTOK, body, sizeof body,
	    str, sizeof str };
	struct action_buf small = { tok, NTOK, body2, 0, str2, 0 };
	const struct action_buf *b = &full;
	const char *in, *nl;
	size_t n;

	if (size < 1)
		return 0;
	if (data[0] & 0x80) {
		small.bodycap = data[0] & 0x7f;
		small.strcap = small.bodycap / 2;
		fz_limit(body2, sizeof body2, small.bodycap);
		fz_limit(str2, sizeof str2, small.strcap);
		b = &small;
	}
	in = (const char *)data + 1;
	n = size - 1;
	while (n > 0) {
		if ((nl = memchr(in, '\n', n)) == NULL)
			nl = in + n;
		one(fz_copy(in, (size_t)(nl - in)), (size_t)(nl - in), b,
		    &full);
		n -= (size_t)(nl - in) + (nl < in + n);
		in = nl + 1;
	}
	return 0;
}

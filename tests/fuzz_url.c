/*
 * tests/fuzz_url.c: http_url_parse() on arbitrary bytes.
 *
 * The input is copied to a fenced buffer of its own size, so that a read
 * past it is caught.  When it parses, the views must lie inside it (but for the
 * default path), the parts must make sense, and a URL written back from
 * them (port always given) must parse to the same parts.  The request
 * heads built from it must be well-formed, and its userinfo must give
 * Basic credentials.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzutil.h"
#include "http.h"

static void
check(int ok)
{
	if (!ok)
		abort();
}

static int
same_view(const char *a, size_t alen, const char *b, size_t blen)
{
	if (a == NULL || b == NULL)
		return a == b && alen == 0 && blen == 0;
	return alen == blen && memcmp(a, b, alen) == 0;
}

static void
inside(const char *p, size_t n, const char *s, size_t len)
{
	check(p >= s && n <= len && p - s <= (ptrdiff_t)(len - n));
}

/* Every LF ends a CRLF, every CR starts one, the blank line is last. */
static void
well_formed(const char *h, size_t n)
{
	size_t i;

	check(n >= 4 && memcmp(h + n - 4, "\r\n\r\n", 4) == 0);
	for (i = 0; i < n; i++) {
		if (h[i] == '\r')
			check(i + 1 < n && h[i + 1] == '\n');
		if (h[i] == '\n') {
			check(i > 0 && h[i - 1] == '\r');
			if (i >= 3 && h[i - 2] == '\n')
				check(i == n - 1);
		}
		check(h[i] != '\0');
	}
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char again[8192], head[16384], auth[8192];
	static const char *const sch[2][2] = { { "http", "ws" },
	    { "https", "wss" } };
	struct url u, v;
	struct http_req q;
	char *s;
	size_t n;
	int len, v6;

	s = fz_copy(data, size);
	if (http_url_parse(&u, s, size) != 0)
		goto done;

	check(u.hostlen > 0 && u.port >= 1 && u.port <= 65535);
	check(u.pathlen > 0 && u.path[0] == '/');
	inside(u.host, u.hostlen, s, size);
	if (!(u.pathlen == 1 && (u.path < s || u.path >= s + size)))
		inside(u.path, u.pathlen, s, size);
	if (u.user != NULL)
		inside(u.user, u.userlen, s, size);
	check(memchr(u.path, '#', u.pathlen) == NULL);

	/* Written back and parsed again. */
	v6 = memchr(u.host, ':', u.hostlen) != NULL;
	len = snprintf(again, sizeof again, "%s://%.*s%s%s%.*s%s:%u%.*s",
	    sch[u.tls != 0][u.ws != 0], (int)u.userlen,
	    u.user != NULL ? u.user : "", u.user != NULL ? "@" : "",
	    v6 ? "[" : "", (int)u.hostlen, u.host, v6 ? "]" : "", u.port,
	    (int)u.pathlen, u.path);
	/* The buffers below hold what an input of 4 KiB can make. */
	if (size > 4096 || len < 0 || (size_t)len >= sizeof again)
		goto done;
	check(http_url_parse(&v, again, (size_t)len) == 0);
	check(same_view(u.host, u.hostlen, v.host, v.hostlen));
	check(same_view(u.path, u.pathlen, v.path, v.pathlen));
	check(same_view(u.user, u.userlen, v.user, v.userlen));
	check(u.port == v.port && u.tls == v.tls && u.ws == v.ws);

	/* Heads from it, plain and for a tunnel. */
	memset(&q, 0, sizeof q);
	q.url = &u;
	q.clen = (long long)size;
	q.method = "GET";
	n = http_req_head(head, sizeof head, &q);
	check(n > 0);
	well_formed(head, n);
	q.method = "CONNECT";
	n = http_req_head(head, sizeof head, &q);
	check(n > 0);
	well_formed(head, n);

	if (u.user != NULL) {
		n = http_basic_auth(auth, sizeof auth, u.user, u.userlen);
		check(n >= 10 && memcmp(auth, "Basic ", 6) == 0);
	}
done:
	return 0;
}

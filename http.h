/*
 * http.h: the HTTP/1.1 client pieces, without I/O.
 *
 * URL parsing, request heads written into a caller's buffer, and an
 * incremental response parser that accepts the bytes of a response in any
 * split.  Nothing here touches a descriptor or allocates.  The WebSocket
 * handshake (ws.c) and the proxy tunnel (CONNECT) are HTTP exchanges too
 * and use the same parser.
 */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>

#include "config.h"

/*
 * A parsed URL.  Every pointer is a view into the string given to
 * http_url_parse(), which must outlive the struct; none is NUL-terminated.
 * The one exception is path when the URL has none: a static "/".
 */
struct url {
	const char	*host;		/* without [ ] for IPv6 literals */
	size_t		 hostlen;
	const char	*path;		/* path and query; starts with '/' */
	size_t		 pathlen;
	const char	*user;		/* "user:pass" before '@', or NULL */
	size_t		 userlen;
	unsigned	 port;		/* as given, or the scheme's default */
	int		 tls;		/* https, wss */
	int		 ws;		/* ws, wss */
};

/*
 * Parses an absolute http, https, ws or wss URL (scheme case-insensitive;
 * a fragment is dropped).  The host is an RFC 3986 reg-name (an IPv4
 * address is one) or an IPv6 literal in brackets; userinfo and host may
 * hold %XX escapes, which are checked but left as they are.  Refuses other
 * schemes, an empty or malformed host, a bad escape, a ":" without a port,
 * a port outside 1-65535, a query with no path before it ("http://h?q"),
 * and any byte that is not visible ASCII (spaces, controls, UTF-8).
 * Returns 0, or -1 (and *u is left alone).
 */
int	http_url_parse(struct url *, const char *s, size_t n);

/* The fields of a request head; see http_req_head(). */
struct http_req {
	const char		*method;	/* "POST", "GET", "CONNECT" */
	const struct url	*url;		/* CONNECT: the far end */
	const char		*bearer;	/* Bearer token, or NULL */
	const char		*ctype;		/* Content-Type, or NULL */
	long long		 clen;		/* Content-Length; -1: none */
	const char		*extra;		/* lines "...\r\n", or NULL */
};

/*
 * Writes a request head: the request line (CONNECT: "host:port"), Host
 * (with the port when it is not the scheme's default, and always for
 * CONNECT; IPv6 literals in brackets), User-Agent: slackbot/VERSION,
 * Authorization, Content-Type, Content-Length, the extra lines and the
 * blank line.  No NUL is written: a head of exactly cap bytes fits.
 * Returns its length, or 0 when it does not fit in cap bytes (nothing
 * useful is left in out then) or when a field could break the head: a
 * method that is not a token, a host or path that is not a URL's, a
 * control character (CR, LF, ...) in bearer or ctype, or extra that is
 * not a run of "name: value\r\n" lines.
 */
size_t	http_req_head(char *out, size_t cap, const struct http_req *);

/*
 * Writes s[0..n) percent-encoded for an application/x-www-form-urlencoded
 * value (RFC 3986 unreserved characters kept, everything else %XX, so a
 * space is %20).  No NUL is written.  Returns the encoded length, or
 * (size_t)-1 when it does not fit in cap.
 */
size_t	http_form_escape(char *out, size_t cap, const char *s, size_t n);

/*
 * Appends "key=value" (both form-escaped), after a '&' unless *len is 0,
 * to buf at *len (no NUL).  Returns 0 and moves *len on, or -1 when it
 * does not fit in cap (*len is then unchanged; buf past it is not).
 */
int	http_form_add(char *buf, size_t cap, size_t *len, const char *key,
	    size_t klen, const char *val, size_t vlen);

/*
 * Writes "Basic BASE64" for a URL's "user:pass" (percent-decoded first,
 * as URLs carry them; a userinfo with no ':' stands for "user:", an empty
 * password).  No NUL is written.  Returns the length, or 0 when it does
 * not fit or userinfo has a bad %XX escape.
 */
size_t	http_basic_auth(char *out, size_t cap, const char *userinfo,
	    size_t n);

/*
 * The response parser.  Lines end in CRLF or in a bare LF (RFC 9112 2.2
 * lets a recipient accept LF; the same rule holds in the head, chunk-size
 * lines, after chunk data and in trailers); any other CR, a NUL or another
 * control character inside a line is refused, and so are obs-fold
 * continuation lines.  Interim 1xx responses but 101 are read and
 * dropped.  The status line needs "HTTP/1.x", a space and three digits
 * (100-999); the space and reason after them may be missing.
 */

/* Response parser states, in the order they are reached. */
enum {
	HTTP_HEAD,	/* reading the status line and headers */
	HTTP_BODY,	/* head complete; body bytes follow */
	HTTP_DONE,	/* the response is complete */
	HTTP_FAILED	/* see http_resp_error() */
};

/* Errors (http_resp_error()); http_strerror() has them in words. */
enum {
	HTTP_EOK,
	HTTP_ESTATUS,	/* malformed status line or version */
	HTTP_EHEADER,	/* malformed header line */
	HTTP_EHEADBIG,	/* head larger than HTTP_HEAD_MAX */
	HTTP_ELENGTH,	/* bad or conflicting Content-Length */
	HTTP_ECODING,	/* a Transfer-Encoding other than chunked */
	HTTP_ECHUNK,	/* malformed chunked framing */
	HTTP_ETRUNC	/* connection closed before the end of the response */
};

/* http_resp_init() flags. */
#define HTTP_NOBODY	0x1	/* answer to HEAD: no body, whatever it says */
#define HTTP_CONNECT	0x2	/* answer to CONNECT: a 2xx has no body */

/*
 * keepalive: HTTP/1.1 (and later minors) unless "Connection: close";
 * HTTP/1.0 only with "Connection: keep-alive".  Never after a body that
 * runs to the close, a chunked body that also had a Content-Length, a 101,
 * a CONNECT 2xx or a failure; and only once the state is HTTP_DONE does it
 * mean the next response may follow on this connection.
 *
 * Framing (RFC 9112 6.3): no body for HTTP_NOBODY, 101, 204, 304 and a
 * CONNECT 2xx, whatever Content-Length or Transfer-Encoding say (they are
 * not checked then; length still reports a valid Content-Length).  Else
 * Transfer-Encoding must be exactly "chunked" (HTTP_ECODING otherwise, and
 * in an HTTP/1.0 response) and wins over Content-Length, which is then
 * ignored; else Content-Length, where identical repeats ("5, 5") are
 * taken as one value; else the body runs until http_resp_eof().  length
 * is -1 when there is no Content-Length or the body is chunked.
 *
 * retry_after: the first Retry-After in delay-seconds, or -1 when there is
 * none or it is an HTTP-date (the caller then waits its own default).
 */
struct http_resp {
	/*
	 * Valid once the head is complete (state HTTP_BODY or HTTP_DONE, or
	 * HTTP_FAILED when the failure came later).
	 */
	int		 status;	/* 100-999; never 1xx but 101 */
	int		 minor;		/* HTTP/1.minor */
	int		 keepalive;	/* see above */
	int		 chunked;	/* the body is chunked */
	long long	 length;	/* Content-Length, or -1 (see above) */
	long		 retry_after;	/* Retry-After seconds, or -1 */

	/* Private. */
	int		 state;
	int		 err;
	unsigned	 flags;
	int		 cstate;	/* where in the chunked framing */
	size_t		 hlen;		/* bytes in head[] */
	size_t		 scan;		/* head[] checked up to here */
	size_t		 line;		/* bytes of a chunk-size line, or of
					   the trailer section */
	unsigned long long remain;	/* body or chunk bytes still due */
	char		 head[HTTP_HEAD_MAX];
};

/* Prepares r for a new response; flags as above. */
void	http_resp_init(struct http_resp *, unsigned flags);

/*
 * Feeds the next n bytes of the response.  Returns how many were used.
 * When body bytes were found, *body and *blen give them (a view into in);
 * otherwise *body is NULL and *blen 0.  Stops as soon as the head is
 * complete, so that the caller can look at the status and headers before
 * any body byte (after a 101 or a CONNECT 2xx the rest of the input
 * belongs to the next protocol), and after each run of body bytes.  Call
 * it again with the rest until everything is used or the state is
 * HTTP_DONE or HTTP_FAILED.  Never reads past the end of the response:
 * bytes after it (a pipelined response) are left unused.  On a failure
 * the count includes the byte that showed the error, so it does not depend
 * on how the input was split.  In HTTP_DONE or HTTP_FAILED it uses
 * nothing and returns 0.  A head may be at most HTTP_HEAD_MAX bytes, line
 * ends included; so may the trailer section.
 */
size_t	http_resp_feed(struct http_resp *, const char *in, size_t n,
	    const char **body, size_t *blen);

/*
 * The connection was closed.  Completes a body that runs until the close;
 * anywhere else it is HTTP_ETRUNC.  Returns the new state.
 */
int	http_resp_eof(struct http_resp *);

/*
 * The value of the first header called name (case-insensitive), without
 * surrounding blanks, or NULL; *len is its length (the value is not
 * NUL-terminated).  Valid once the head is complete, until the next
 * http_resp_init(); NULL before that and after a failure in the head.
 */
const char *http_resp_header(const struct http_resp *, const char *name,
	    size_t *len);

/*
 * 1 when token (case-insensitive) is an element of the comma-separated
 * list of any header called name ("Connection: keep-alive, Upgrade"),
 * else 0.  Valid when http_resp_header() is.
 */
int	http_resp_has_token(const struct http_resp *, const char *name,
	    const char *token);

/* The state; the error that failed it (HTTP_EOK if none). */
int	http_resp_state(const struct http_resp *);
int	http_resp_error(const struct http_resp *);

/* An error in words for a log line ("response header too large"). */
const char *http_strerror(int);

#endif

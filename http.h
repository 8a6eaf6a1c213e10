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
 */
struct url {
	const char	*host;		/* without [ ] for IPv6 literals */
	size_t		 hostlen;
	const char	*path;		/* path and query; "/" when absent */
	size_t		 pathlen;
	const char	*user;		/* "user:pass" before '@', or NULL */
	size_t		 userlen;
	unsigned	 port;		/* as given, or the scheme's default */
	int		 tls;		/* https, wss */
	int		 ws;		/* ws, wss */
};

/*
 * Parses an absolute http, https, ws or wss URL (scheme case-insensitive;
 * a fragment is dropped).  Refuses other schemes, an empty or malformed
 * host, a port outside 1-65535, spaces and control characters.
 * Returns 0, or -1.
 */
int	http_url_parse(struct url *, const char *s, size_t n);

/* The fields of a request head; see http_req_head(). */
struct http_req {
	const char		*method;	/* "POST", "GET", "CONNECT" */
	const struct url	*url;		/* CONNECT: the tunnel's end */
	const char		*bearer;	/* Authorization: Bearer, or NULL */
	const char		*ctype;		/* Content-Type, or NULL */
	long long		 clen;		/* Content-Length, or -1: none */
	const char		*extra;		/* more lines, each "...\r\n" */
};

/*
 * Writes a request head: the request line (CONNECT: "host:port"), Host
 * (with the port when it is not the scheme's default), User-Agent:
 * slackbot/VERSION, Authorization, Content-Type, Content-Length, the extra
 * lines and the blank line.  Returns its length, or 0 when it does not fit
 * in cap bytes (nothing useful is left in out then).
 */
size_t	http_req_head(char *out, size_t cap, const struct http_req *);

/*
 * Appends s[0..n) percent-encoded for an application/x-www-form-urlencoded
 * value (RFC 3986 unreserved characters kept, everything else %XX).
 * Returns the encoded length, or (size_t)-1 when it does not fit in cap.
 */
size_t	http_form_escape(char *out, size_t cap, const char *s, size_t n);

/*
 * Writes "Basic BASE64" for a URL's "user:pass" (percent-decoded first,
 * as URLs carry them).  Returns the length, or 0 when it does not fit.
 */
size_t	http_basic_auth(char *out, size_t cap, const char *userinfo,
	    size_t n);

/* Response parser states. */
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
	HTTP_ETRUNC	/* connection closed before the end of the body */
};

/* http_resp_init() flags. */
#define HTTP_NOBODY	0x1	/* answer to HEAD: no body, whatever it says */
#define HTTP_CONNECT	0x2	/* answer to CONNECT: a 2xx has no body */

struct http_resp {
	/* Valid once the head is complete (state HTTP_BODY or HTTP_DONE). */
	int		 status;	/* 100-999; never 1xx but 101 */
	int		 minor;		/* HTTP/1.minor */
	int		 keepalive;	/* the connection may carry another */
	int		 chunked;
	long long	 length;	/* Content-Length, -1 when absent */
	long		 retry_after;	/* Retry-After seconds, -1 if none */

	/* Private. */
	int		 state;
	int		 err;
	unsigned	 flags;
	int		 cstate;	/* where in the chunked framing */
	size_t		 hlen;		/* bytes in head[] */
	size_t		 scan;		/* head[] checked up to here */
	size_t		 line;		/* length of a chunk or trailer line */
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
 * HTTP_DONE or HTTP_FAILED.  Never reads past the end of the response.
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
 * surrounding blanks, or NULL.  Valid once the head is complete, until the
 * next http_resp_init().
 */
const char *http_resp_header(const struct http_resp *, const char *name,
	    size_t *len);

/*
 * 1 when token (case-insensitive) is an element of the comma-separated
 * lists in every header called name ("Connection: keep-alive, Upgrade").
 */
int	http_resp_has_token(const struct http_resp *, const char *name,
	    const char *token);

int	http_resp_state(const struct http_resp *);
int	http_resp_error(const struct http_resp *);
const char *http_strerror(int);

#endif

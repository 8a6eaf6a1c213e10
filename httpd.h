/*
 * httpd.h: the HTTP/1.1 server pieces, without I/O: an incremental
 * request parser and the head of an answer.
 *
 * The parser takes the bytes of a request in any split and stops at its
 * end, so that what follows (the next request on a kept-alive connection)
 * is left to the caller.  It keeps the head (request line and headers) in
 * the struct and hands the body back as views of the input, for the
 * caller to copy where it wants: the body's room and its limit are the
 * caller's, decided once the head is complete.  Nothing here touches a
 * descriptor or allocates.
 *
 * What it accepts (RFC 9112): lines end in CRLF or a bare LF; empty lines
 * before the request line are skipped; the request line is a token
 * method, one space, a target of visible ASCII, one space and HTTP/1.x;
 * header names are tokens with the colon right after them, values hold no
 * control character but tab; obs-fold continuation lines are refused.  An
 * HTTP/1.1 request needs exactly one Host.  A body is framed by
 * Content-Length only: a request with Transfer-Encoding is refused (411,
 * which RFC 9112 6.3 allows a server that wants a length).
 */
#ifndef HTTPD_H
#define HTTPD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"

/* Parser states, in the order they are reached. */
enum {
	HTTPD_HEAD,	/* reading the request line and headers */
	HTTPD_BODY,	/* head complete; length body bytes follow */
	HTTPD_DONE,	/* the request is complete */
	HTTPD_FAILED	/* see httpd_error() */
};

/* Errors; httpd_status() gives the answer to each, httpd_strerror() words. */
enum {
	HTTPD_EOK,
	HTTPD_ELINE,	/* malformed request line (400) */
	HTTPD_EVERSION,	/* a version other than HTTP/1.x (505) */
	HTTPD_EHEADER,	/* malformed header line (400) */
	HTTPD_EHEADBIG,	/* head larger than HTTPD_HEAD_MAX (431) */
	HTTPD_EHOST,	/* no Host in HTTP/1.1, or more than one (400) */
	HTTPD_ELENGTH,	/* bad or conflicting Content-Length (400) */
	HTTPD_ECODING,	/* a Transfer-Encoding: we want Content-Length (411) */
	HTTPD_EEXPECT,	/* an Expect other than 100-continue (417) */
	HTTPD_ETRUNC	/* closed in the middle of a request (no answer) */
};

/*
 * One request.  The views (method, target) point into head and are
 * valid once the head is complete (state HTTPD_BODY or HTTPD_DONE), until
 * the next httpd_init().
 */
struct httpd_req {
	const char	*method;	/* a token, case-sensitive */
	size_t		 mlen;
	const char	*target;	/* as sent: "/slack/events?x=1" */
	size_t		 tlen;
	int		 minor;		/* HTTP/1.minor */
	int		 keepalive;	/* another request may follow: HTTP/1.1
					   without "Connection: close", or
					   1.0 with "keep-alive" */
	int		 expect;	/* Expect: 100-continue, with a body */
	unsigned long long length;	/* body bytes (Content-Length, or 0) */

	/* Private. */
	int		 state;
	int		 err;
	size_t		 lead;		/* blank bytes skipped before the head */
	size_t		 hlen;		/* bytes in head[] */
	size_t		 line;		/* where the open line starts */
	size_t		 nfield;	/* header lines in field[] */
	struct {
		uint16_t at, len;	/* a header line in head[], without
					   its line end */
	}		 field[HTTPD_FIELDS];
	unsigned long long remain;	/* body bytes still due */
	char		 head[HTTPD_HEAD_MAX];
};

/* Prepares r for a new request. */
void	httpd_init(struct httpd_req *);

/*
 * Feeds the next n bytes.  Returns how many were used.  When body bytes
 * were found, *body and *blen give them (a view into in); otherwise *body
 * is NULL and *blen 0.  Stops as soon as the head is complete (so that
 * the caller can decide on the body before any of it arrives) and after
 * each run of body bytes; call it again with the rest.  Never uses a byte
 * past the end of the request.  On a failure the count includes the byte
 * that showed it, so it does not depend on the split.  In HTTPD_DONE or
 * HTTPD_FAILED it uses nothing and returns 0.
 */
size_t	httpd_feed(struct httpd_req *, const char *in, size_t n,
	    const char **body, size_t *blen);

/*
 * The connection was closed.  A request under way fails (HTTPD_ETRUNC);
 * before its first byte nothing happens.  Returns the state.
 */
int	httpd_eof(struct httpd_req *);

/* 1 once a byte of the request (blank lines before it aside) arrived. */
int	httpd_started(const struct httpd_req *);

/*
 * The value of the first header called name (case-insensitive), without
 * the blanks around it, or NULL; *len is its length (not NUL-terminated).
 * Valid when the views are.
 */
const char *httpd_header(const struct httpd_req *, const char *name,
	    size_t *len);

/* The state; the error that failed it (HTTPD_EOK if none). */
int	httpd_state(const struct httpd_req *);
int	httpd_error(const struct httpd_req *);

/* The status to answer an error with; 0 for HTTPD_EOK and HTTPD_ETRUNC. */
int	httpd_status(int err);

/* An error in words, for a log line ("malformed request line"). */
const char *httpd_strerror(int err);

/* The reason phrase of a status ("Not Found"); "" for one not known. */
const char *httpd_reason(int status);

/*
 * Writes the head of an answer: the status line, Date (of now), Content-
 * Type (unless ctype is NULL), Content-Length, "Connection: close" when
 * close is set, the extra lines ("Name: value\r\n"..., or NULL) and the
 * blank line.  No NUL is written.  Returns its length, or 0 when it does
 * not fit in cap.
 */
size_t	httpd_answer(char *out, size_t cap, int status, const char *ctype,
	    size_t clen, int close, const char *extra, time_t now);

#endif

/*
 * server.c: see server.h.
 *
 * A connection's life (enum hc_state):
 *
 *   accept -> HANDSHAKE (HTTPS) -> READ <-> WRITE -> LINGER -> free
 *                                   |  ^
 *                                   v  |
 *                                   WAIT (a large body waits for room)
 *
 * READ with no byte of a request yet is a kept-alive connection at rest:
 * it may be closed to make room for a new one.  WRITE sends the answer;
 * then READ again, or LINGER when the connection must end: our side is
 * shut (TLS close_notify, TCP FIN) and what the client still sends is
 * read and dropped for a moment, so that an early answer (413 before the
 * body) is not destroyed by a reset.
 *
 * Bodies.  Each connection holds a body of up to HTTPD_BODY_ROOM bytes;
 * a larger one (up to HTTPD_BODY_MAX) borrows one of HTTPD_BIG_BODIES
 * buffers from the moment its head is read to its answer.  When none is
 * free the connection stops reading (WAIT) until one is, within its
 * deadline.
 *
 * Invariants: a connection's deadline is always set for its state (the
 * idle time at rest, the request time once a request began, the handshake
 * time from accept, a second in LINGER); out[ooff..olen) is the answer
 * not yet handed to the socket or the TLS engine; io[ioff..ilen) is
 * plain-HTTP input not yet parsed (TLS keeps its own in the engine).
 */
#define _GNU_SOURCE		/* accept4() */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "httpd.h"
#include "inbound.h"
#include "log.h"
#include "server.h"
#include "tlsd.h"
#include "util.h"

#define ACCEPTS		8	/* accept() calls in one turn */
#define LINGER_MS	1000
#define OUT_MAX		1536	/* one answer: head and short body */
#define CHALLENGE_MAX	1024	/* a url_verification challenge */

enum hc_state { HC_FREE, HC_HANDSHAKE, HC_READ, HC_WAIT, HC_WRITE, HC_LINGER };

struct hconn {
	enum hc_state	 state;
	int		 fd;
	int		 routed;	/* the head has been looked at */
	int		 close;		/* end the connection after answering */
	int		 shut;		/* LINGER: our side is shut */
	int		 eof;		/* plain HTTP: the client is done */
	int		 big;		/* borrowed buffer, or -1 */
	int64_t		 deadline;
	int64_t		 t_rest;	/* at rest since (READ, nothing yet) */
	char		 peer[64];
	struct tlsd	 t;
	int		 tls;
	struct httpd_req req;
	char		*body;		/* small, or a big buffer */
	size_t		 bcap, blen;
	size_t		 ioff, ilen;	/* plain HTTP: unparsed io[] */
	size_t		 ooff, olen;
	char		 out[OUT_MAX];
	char		 small[HTTPD_BODY_ROOM];
	unsigned char	 io[BR_SSL_BUFSIZE_MONO];	/* TLS engine buffer,
							   or plain input */
};

static struct {
	struct server_opts o;
	int		 lfd;
	int		 ready;
	int		 stopping;
	int		 https;
	char		 url[128];
	char		 cert[160];
	int		 big_used[HTTPD_BIG_BODIES];
} srv = { .lfd = -1 };

static struct hconn	conns[HTTPD_CONNS];

static void	free_conn(struct hconn *);
static char		big[HTTPD_BIG_BODIES][HTTPD_BODY_MAX];
static char		scratch[HTTPD_SLASH_MAX];
static struct json_tok	tok[JSON_TOK_MAX];

/* ---- set-up ---- */

/* see server.h */
int
server_addr(const char *spec, struct sockaddr_storage *ss, socklen_t *len,
    char *err, size_t errlen)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	const char *colon = strrchr(spec, ':'), *port = spec;
	char host[64];
	size_t hlen = 0;
	uint64_t p;

	memset(ss, 0, sizeof *ss);
	if (colon != NULL) {
		port = colon + 1;
		hlen = (size_t)(colon - spec);
		if (hlen >= 2 && spec[0] == '[' && spec[hlen - 1] == ']')
			spec++, hlen -= 2;
		else if (memchr(spec, ':', hlen) != NULL)
			hlen = sizeof host;	/* IPv6 without brackets */
	}
	if (parse_u64(port, strlen(port), 65535, &p) < 0 ||
	    hlen >= sizeof host || (colon != NULL && hlen == 0))
		goto bad;
	memcpy(host, spec, hlen);
	host[hlen] = '\0';
	if (hlen == 0 || strcmp(host, "localhost") == 0)
		snprintf(host, sizeof host, "127.0.0.1");
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)p);
		*len = sizeof *in4;
		return 0;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)p);
		*len = sizeof *in6;
		return 0;
	}
bad:
	snprintf(err, errlen, "--http wants [ADDRESS:]PORT, such as 3000, "
	    "0.0.0.0:3000 or [::]:3000 (an address of this machine, in "
	    "numbers), not \"%.80s\"", spec == port ? port : spec);
	return -1;
}

/* "ADDR:PORT" or "[ADDR]:PORT" of sa into buf. */
static const char *
addr_str(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	const struct sockaddr_in *in4 = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
	char a[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET6 && inet_ntop(AF_INET6, &in6->sin6_addr,
	    a, sizeof a) != NULL)
		snprintf(buf, len, "[%s]:%u", a, ntohs(in6->sin6_port));
	else if (ss->ss_family == AF_INET && inet_ntop(AF_INET,
	    &in4->sin_addr, a, sizeof a) != NULL)
		snprintf(buf, len, "%s:%u", a, ntohs(in4->sin_port));
	else
		snprintf(buf, len, "?");
	return buf;
}

/* see server.h */
int
server_init(const struct server_opts *o, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char where[96], warn[320];
	int i, one = 1, zero = 0, fd;

	srv.o = *o;
	for (i = 0; i < HTTPD_CONNS; i++) {
		conns[i].state = HC_FREE;
		conns[i].fd = -1;
		tlsd_init(&conns[i].t);
	}
	if (server_addr(o->listen, &ss, &len, err, errlen) < 0)
		return -1;
	srv.https = o->cert != NULL;
	if (srv.https) {
		if (tlsd_load(o->cert, o->key, srv.cert, sizeof srv.cert, warn,
		    sizeof warn, err, errlen) < 0)
			return -1;
		if (warn[0] != '\0')
			log_msg(LOG_WARN, "HTTPS: %s", warn);
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) < 0) {
		snprintf(err, errlen, "--http %s: %s", o->listen,
		    strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	/* [::] takes IPv4 too. */
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 128) < 0) {
		snprintf(err, errlen, "--http %s: %s%s", addr_str(&ss, where,
		    sizeof where), strerror(errno), errno == EADDRINUSE ?
		    " (is another slackbot or server listening there?)" :
		    errno == EACCES ? " (ports below 1024 need root or "
		    "CAP_NET_BIND_SERVICE)" : errno == EADDRNOTAVAIL ?
		    " (no such address on this machine)" : "");
		close(fd);
		return -1;
	}
	len = sizeof ss;
	getsockname(fd, (struct sockaddr *)&ss, &len);
	srv.lfd = fd;
	snprintf(srv.url, sizeof srv.url, "%s://%s/slack/events", srv.https ?
	    "https" : "http", addr_str(&ss, where, sizeof where));
	return 0;
}

/* see server.h */
const char *
server_url(void)
{
	return srv.url;
}

/* see server.h */
const char *
server_cert(void)
{
	return srv.https ? srv.cert : "";
}

/* see server.h */
void
server_ready(int ready)
{
	srv.ready = ready;
}

/* see server.h */
int
server_reload(char *err, size_t errlen)
{
	char warn[320], what[sizeof srv.cert];
	int i;

	if (!srv.https)
		return 0;
	/* The set about to be filled may not be under a handshake. */
	for (i = 0; i < HTTPD_CONNS; i++)
		if (conns[i].state == HC_HANDSHAKE &&
		    tlsd_in_use(&conns[i].t, 1 - tlsd_current())) {
			log_msg(LOG_DEBUG, "HTTPS: %s: handshake dropped for "
			    "the new certificate", conns[i].peer);
			free_conn(&conns[i]);
		}
	if (tlsd_load(srv.o.cert, srv.o.key, what, sizeof what, warn,
	    sizeof warn, err, errlen) < 0)
		return -1;
	memcpy(srv.cert, what, sizeof what);
	if (warn[0] != '\0')
		log_msg(LOG_WARN, "HTTPS: %s", warn);
	return 0;
}

/* ---- connections ---- */

static void
free_conn(struct hconn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->t.l.fd = -1;
	if (c->big >= 0)
		srv.big_used[c->big] = 0;
	c->big = -1;
	c->state = HC_FREE;
}

/* At rest: waiting for a request, none begun. */
static int
at_rest(const struct hconn *c)
{
	return c->state == HC_READ && !httpd_started(&c->req) &&
	    c->ooff == c->olen;
}

/* Ready for the next request on the connection. */
static void
rest(struct hconn *c, int64_t now)
{
	httpd_init(&c->req);
	if (c->big >= 0)
		srv.big_used[c->big] = 0;
	c->big = -1;
	c->body = c->small;
	c->bcap = sizeof c->small;
	c->blen = 0;
	c->routed = 0;
	c->state = HC_READ;
	c->t_rest = now;
	c->deadline = now + HTTPD_IDLE_MS;
}

/* Ends the connection once the answer is out (LINGER). */
static void
linger(struct hconn *c, int64_t now)
{
	c->state = HC_LINGER;
	c->shut = 0;
	c->deadline = now + LINGER_MS;
}

/* The idle connection at rest longest, or NULL. */
static struct hconn *
evictable(void)
{
	struct hconn *best = NULL;
	int i;

	for (i = 0; i < HTTPD_CONNS; i++)
		if (at_rest(&conns[i]) && (best == NULL ||
		    conns[i].t_rest < best->t_rest))
			best = &conns[i];
	return best;
}

static struct hconn *
free_slot(void)
{
	int i;

	for (i = 0; i < HTTPD_CONNS; i++)
		if (conns[i].state == HC_FREE)
			return &conns[i];
	return NULL;
}

static void
accept_one(int64_t now)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	struct hconn *c;
	char why[160];
	int fd, one = 1;

	if ((c = free_slot()) == NULL) {
		if ((c = evictable()) == NULL)
			return;
		log_msg(LOG_DEBUG, "HTTP: %s: closing an idle connection to "
		    "make room", c->peer);
		free_conn(c);
	}
	if ((fd = accept4(srv.lfd, (struct sockaddr *)&ss, &len,
	    SOCK_NONBLOCK | SOCK_CLOEXEC)) < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR && errno != ECONNABORTED)
			log_msg(LOG_WARN, "HTTP: accept: %s", strerror(errno));
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	c->fd = fd;
	c->big = -1;
	c->ioff = c->ilen = 0;
	c->ooff = c->olen = 0;
	c->close = 0;
	c->eof = 0;
	c->tls = srv.https;
	addr_str(&ss, c->peer, sizeof c->peer);
	rest(c, now);
	log_msg(LOG_TRACE, "HTTP: %s: connected", c->peer);
	if (!c->tls)
		return;
	c->state = HC_HANDSHAKE;
	c->deadline = now + HTTPD_REQUEST_MS;
	if (tlsd_start(&c->t, fd, c->io, sizeof c->io) < 0) {
		log_msg(LOG_WARN, "HTTPS: %s: %s", c->peer,
		    tlsd_strerror(&c->t, why, sizeof why));
		free_conn(c);
	}
}

/*
 * Queues an answer: status, an optional body (text/plain unless ctype
 * says otherwise) and extra header lines.  The connection ends after it
 * when the request or the state asks for that.
 */
static void
answer(struct hconn *c, int status, const char *ctype, const char *body,
    size_t blen, const char *extra, int64_t now)
{
	size_t n;
	int head = c->req.mlen == 4 && memcmp(c->req.method, "HEAD", 4) == 0;

	if (!c->req.keepalive || srv.stopping || httpd_state(&c->req) ==
	    HTTPD_FAILED)
		c->close = 1;
	if (body == NULL)
		body = "", blen = 0;
	if (ctype == NULL && blen > 0)
		ctype = "text/plain; charset=utf-8";
	n = httpd_answer(c->out + c->olen, sizeof c->out - c->olen, status,
	    ctype, blen, c->close, extra, time(NULL));
	if (n == 0 || (!head && blen > sizeof c->out - c->olen - n)) {
		/* Cannot happen with our answers; end it rather than lie. */
		log_msg(LOG_ERR, "HTTP: an answer of %zu bytes does not fit "
		    "(please report this)", blen);
		c->close = 1;
		linger(c, now);
		return;
	}
	c->olen += n;
	if (!head) {
		memcpy(c->out + c->olen, body, blen);
		c->olen += blen;
	}
	log_msg(LOG_TRACE, "HTTP: %s: %.*s %.*s: %d", c->peer,
	    (int)c->req.mlen, c->req.method ? c->req.method : "-",
	    (int)(c->req.tlen > 100 ? 100 : c->req.tlen),
	    c->req.target ? c->req.target : "-", status);
	c->state = HC_WRITE;
	c->deadline = now + HTTPD_REQUEST_MS;
}

/* A short text answer. */
static void
say(struct hconn *c, int status, const char *text, const char *extra,
    int64_t now)
{
	answer(c, status, NULL, text, strlen(text), extra, now);
}

/* The request is whole: an event, a challenge, or a refusal. */
static void
slack_request(struct hconn *c, int64_t now)
{
	const char *ts, *sig, *retry;
	char json[CHALLENGE_MAX + 32];
	struct inbound_msg m;
	size_t tslen, siglen, rlen;
	int v, n;

	ts = httpd_header(&c->req, "x-slack-request-timestamp", &tslen);
	sig = httpd_header(&c->req, "x-slack-signature", &siglen);
	if ((v = inbound_verify(srv.o.secret, ts, tslen, sig, siglen, c->body,
	    c->blen, (int64_t)time(NULL))) != INBOUND_OK) {
		log_msg(LOG_WARN, "HTTP: refused a request from %s (401): %s",
		    c->peer, inbound_strerror(v));
		say(c, 401, "the request is not signed by Slack for this "
		    "app\n", NULL, now);
		return;
	}
	if ((retry = httpd_header(&c->req, "x-slack-retry-num", &rlen)) ==
	    NULL)
		retry = "0", rlen = 1;
	switch (inbound_read(c->body, c->blen, scratch, sizeof scratch, tok,
	    sizeof tok / sizeof tok[0], &m)) {
	case INBOUND_BAD:
		log_msg(LOG_WARN, "HTTP: a signed request from %s is not what "
		    "Slack sends (400): %s", c->peer, m.why);
		say(c, 400, "not an Events API request, slash command or "
		    "interaction\n", NULL, now);
		return;
	case INBOUND_SKIP:
		log_msg(LOG_DEBUG, "HTTP: %s: skipped %s", c->peer, m.why);
		say(c, 200, "", NULL, now);
		return;
	case INBOUND_RATE_LIMITED:
		log_msg(LOG_WARN, "Slack says this app was sent more events "
		    "than it allows (app_rate_limited): it holds some back for "
		    "a while");
		say(c, 200, "", NULL, now);
		return;
	case INBOUND_CHALLENGE:
		n = snprintf(json, sizeof json, "{\"challenge\":\"%.*s\"}",
		    (int)m.chlen, m.challenge);
		if (m.chlen > CHALLENGE_MAX || n < 0 ||
		    (size_t)n >= sizeof json) {
			say(c, 400, "challenge too long\n", NULL, now);
			return;
		}
		log_msg(LOG_INFO, "answered Slack's URL verification of %s",
		    srv.url);
		answer(c, 200, "application/json", json, (size_t)n, NULL, now);
		return;
	case INBOUND_EVENT:
		break;
	}
	if (!srv.ready) {
		log_msg(LOG_DEBUG, "HTTP: %s: an event before auth.test has "
		    "answered; Slack will send it again (503)", c->peer);
		say(c, 503, "starting\n", "Retry-After: 5\r\n", now);
		return;
	}
	switch (srv.o.deliver(m.payload, m.rec, m.reclen, m.key)) {
	case SERVER_QUEUED:
		if (rlen != 1 || retry[0] != '0')
			log_msg(LOG_DEBUG, "HTTP: %s: retry %.*s of an event "
			    "not seen before: delivered", c->peer, (int)rlen,
			    retry);
		say(c, 200, "", NULL, now);
		return;
	case SERVER_REPEAT:
		log_msg(LOG_DEBUG, "HTTP: %s: event delivered again (retry "
		    "%.*s); answered, not repeated", c->peer, (int)rlen, retry);
		say(c, 200, "", NULL, now);
		return;
	case SERVER_LATER:
		log_msg(LOG_INFO, "HTTP: no room for an event from %s now; "
		    "Slack will send it again (503)", c->peer);
		say(c, 503, "busy\n", "Retry-After: 1\r\n", now);
		return;
	default:
		say(c, 413, "event too large\n", NULL, now);
		return;
	}
}

/* The path of the target, without the query. */
static int
path_is(const struct httpd_req *r, const char *path)
{
	const char *q = memchr(r->target, '?', r->tlen);
	size_t n = q != NULL ? (size_t)(q - r->target) : r->tlen;

	return n == strlen(path) && memcmp(r->target, path, n) == 0;
}

static int
method_is(const struct httpd_req *r, const char *m)
{
	return r->mlen == strlen(m) && memcmp(r->method, m, r->mlen) == 0;
}

/* 1 when a large body buffer is free. */
static int
big_free(void)
{
	int i;

	for (i = 0; i < HTTPD_BIG_BODIES; i++)
		if (!srv.big_used[i])
			return 1;
	return 0;
}

/* Borrows a large body buffer; 0, or -1 when none is free. */
static int
borrow(struct hconn *c)
{
	int i;

	for (i = 0; i < HTTPD_BIG_BODIES; i++)
		if (!srv.big_used[i]) {
			srv.big_used[i] = 1;
			c->big = i;
			c->body = big[i];
			c->bcap = sizeof big[i];
			return 0;
		}
	return -1;
}

/*
 * The head is complete: answers what needs no body at once, and picks
 * the room for a body.  An answer given before the body ends the
 * connection (the body is not read).
 */
static void
route(struct hconn *c, int64_t now)
{
	struct httpd_req *r = &c->req;

	c->routed = 1;
	if (r->length > 0 && !path_is(r, "/slack/events"))
		c->close = 1;
	if (path_is(r, "/healthz")) {
		if (!method_is(r, "GET") && !method_is(r, "HEAD"))
			say(c, 405, "GET or HEAD\n", "Allow: GET, HEAD\r\n",
			    now);
		else if (srv.ready && !srv.stopping)
			say(c, 200, "ok\n", NULL, now);
		else
			say(c, 503, srv.stopping ? "stopping\n" :
			    "starting\n", "Retry-After: 5\r\n", now);
		return;
	}
	if (!path_is(r, "/slack/events")) {
		say(c, 404, "not found: Slack's requests go to /slack/events\n",
		    NULL, now);
		return;
	}
	if (!method_is(r, "POST")) {
		c->close |= r->length > 0;
		say(c, 405, "POST\n", "Allow: POST\r\n", now);
		return;
	}
	if (r->length > HTTPD_BODY_MAX) {
		c->close = 1;
		log_msg(LOG_WARN, "HTTP: refused a body of %llu bytes from %s "
		    "(413): the limit is %d", r->length, c->peer,
		    HTTPD_BODY_MAX);
		say(c, 413, "body too large\n", NULL, now);
		return;
	}
	if (r->length > c->bcap && borrow(c) < 0) {
		c->state = HC_WAIT;
		return;
	}
	if (r->expect && c->olen + 25 <= sizeof c->out) {
		memcpy(c->out + c->olen, "HTTP/1.1 100 Continue\r\n\r\n", 25);
		c->olen += 25;
	}
}

/* Parsed input of the connection: a view, and marking it used. */
static const char *
input(struct hconn *c, size_t *n)
{
	if (c->tls)
		return (const char *)tls_peek(&c->t.l, n);
	*n = c->ilen - c->ioff;
	return *n > 0 ? (const char *)c->io + c->ioff : NULL;
}

static void
used(struct hconn *c, size_t n)
{
	if (c->tls) {
		tlsd_consume(&c->t, n);
		return;
	}
	c->ioff += n;
	if (c->ioff == c->ilen)
		c->ioff = c->ilen = 0;
}

/* Parses what arrived, up to one request, and answers it. */
static void
parse(struct hconn *c, int64_t now)
{
	const char *p, *body;
	size_t n, k, blen;
	int st, tls_hello;

	while (c->state == HC_READ && (p = input(c, &n)) != NULL) {
		tls_hello = !c->tls && !httpd_started(&c->req) &&
		    (unsigned char)p[0] == 0x16;
		if (!httpd_started(&c->req))
			c->deadline = now + HTTPD_REQUEST_MS;
		k = httpd_feed(&c->req, p, n, &body, &blen);
		if (blen > 0) {
			/* route() made room for all of it. */
			memcpy(c->body + c->blen, body, blen);
			c->blen += blen;
		}
		used(c, k);
		st = httpd_state(&c->req);
		if (st == HTTPD_FAILED) {
			log_msg(LOG_DEBUG, "HTTP: %s: %s (%d)%s", c->peer,
			    httpd_strerror(httpd_error(&c->req)),
			    httpd_status(httpd_error(&c->req)),
			    tls_hello ? "; a TLS handshake? This server "
			    "speaks plain HTTP (HTTPS needs --tls-cert and "
			    "--tls-key)" : "");
			say(c, httpd_status(httpd_error(&c->req)),
			    httpd_strerror(httpd_error(&c->req)), NULL, now);
			return;
		}
		if (st >= HTTPD_BODY && !c->routed)
			route(c, now);
		if (c->state == HC_READ && st == HTTPD_DONE)
			slack_request(c, now);
		if (k == 0)
			break;
	}
}

/* Sends what is queued; -1 when the connection broke. */
static int
send_out(struct hconn *c)
{
	ssize_t r;
	size_t k;

	while (c->ooff < c->olen) {
		if (c->tls) {
			if ((k = tls_write(&c->t.l, c->out + c->ooff,
			    c->olen - c->ooff)) == 0)
				break;
			c->ooff += k;
			if (c->ooff == c->olen)
				tls_flush(&c->t.l);
			continue;
		}
		r = send(c->fd, c->out + c->ooff, c->olen - c->ooff,
		    MSG_NOSIGNAL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (r < 0)
			return -1;
		c->ooff += (size_t)r;
	}
	if (c->ooff == c->olen)
		c->ooff = c->olen = 0;
	return 0;
}

/* Plain HTTP: one read into io[]; -1 at the end of the connection. */
static int
read_plain(struct hconn *c)
{
	ssize_t r;

	if (c->ioff > 0 && c->ilen == sizeof c->io) {
		memmove(c->io, c->io + c->ioff, c->ilen - c->ioff);
		c->ilen -= c->ioff;
		c->ioff = 0;
	}
	if (c->ilen == sizeof c->io)
		return 0;
	r = recv(c->fd, c->io + c->ilen, sizeof c->io - c->ilen, 0);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return 0;
	if (r <= 0)
		return -1;
	c->ilen += (size_t)r;
	return 0;
}

/* The connection ended from the other side, or broke. */
static void
ended(struct hconn *c, const char *why)
{
	if (c->state != HC_LINGER && httpd_started(&c->req) &&
	    httpd_state(&c->req) != HTTPD_DONE)
		log_msg(LOG_DEBUG, "HTTP: %s: %s in the middle of a request",
		    c->peer, why);
	else
		log_msg(LOG_TRACE, "HTTP: %s: %s", c->peer, why);
	free_conn(c);
}

/* After poll(): the transport, the parser, the answer, the deadline. */
static void
conn_io(struct hconn *c, short rev, int64_t now)
{
	const char *p;
	char why[160];
	size_t n;
	int st;

	if (c->state == HC_FREE)
		return;
	if (c->tls) {
		if (tlsd_pump(&c->t, rev) < 0) {
			st = tls_state(&c->t.l);
			if (st == TLS_FAILED && c->state == HC_HANDSHAKE)
				log_msg(c->t.l.err >= BR_ERR_RECV_FATAL_ALERT &&
				    c->t.l.err < BR_ERR_SEND_FATAL_ALERT ?
				    LOG_WARN : LOG_DEBUG, "HTTPS: handshake "
				    "with %s failed: %s", c->peer,
				    tlsd_strerror(&c->t, why, sizeof why));
			ended(c, st == TLS_CLOSED ? "closed" :
			    tlsd_strerror(&c->t, why, sizeof why));
			return;
		}
		if (c->state == HC_HANDSHAKE &&
		    tls_state(&c->t.l) == TLS_OPEN) {
			c->state = HC_READ;
			c->deadline = now + HTTPD_REQUEST_MS;
		}
	} else if ((rev & (POLLIN | POLLHUP | POLLERR)) && !c->eof &&
	    c->state != HC_WAIT && read_plain(c) < 0) {
		/* An answer under way still goes out (a half-close). */
		c->eof = 1;
		c->close = 1;
		if (c->state == HC_READ || c->state == HC_WAIT) {
			httpd_eof(&c->req);
			ended(c, "closed");
			return;
		}
	}
	if (c->state == HC_LINGER)
		while ((p = input(c, &n)) != NULL)
			used(c, n);
	if (c->state == HC_WAIT && borrow(c) == 0) {
		c->state = HC_READ;
		route(c, now);
	}
	parse(c, now);
	/* The answer leaves now, not a turn later. */
	if (send_out(c) < 0 || (c->tls && tls_sending(&c->t.l) &&
	    tlsd_pump(&c->t, 0) < 0)) {
		ended(c, "the connection broke while answering");
		return;
	}
	if (c->state == HC_WRITE && c->olen == 0 && !(c->tls &&
	    tls_sending(&c->t.l))) {
		if (c->close)
			linger(c, now);
		else
			rest(c, now);
	}
	if (c->state == HC_LINGER && c->olen == 0 && !c->shut) {
		c->shut = 1;
		if (c->tls)
			tls_close(&c->t.l);
		else
			shutdown(c->fd, SHUT_WR);
	}
	if (c->state == HC_LINGER && c->shut && c->eof) {
		ended(c, "closed");
		return;
	}
	if (now >= c->deadline)
		switch (c->state) {
		case HC_READ:
		case HC_WAIT:
			if (!httpd_started(&c->req)) {
				ended(c, "idle: closed");
				return;
			}
			log_msg(LOG_DEBUG, "HTTP: %s: the request was not whole "
			    "%d s after its first byte (408)", c->peer,
			    HTTPD_REQUEST_MS / 1000);
			c->close = 1;
			c->req.keepalive = 0;
			say(c, 408, "request too slow\n", NULL, now);
			/* It gets one more moment to take the answer. */
			c->deadline = now + LINGER_MS;
			send_out(c);
			break;
		case HC_HANDSHAKE:
			ended(c, "no TLS handshake in time");
			return;
		default:
			ended(c, c->state == HC_LINGER ? "closed" : "the answer "
			    "was not taken in time");
			return;
		}
}

/* see server.h */
int
server_poll(struct pollfd *pfd, int max, int64_t *wake)
{
	struct hconn *c;
	int n = 0, i, room = 0;
	short ev;

	for (i = 0; i < HTTPD_CONNS && n < max; i++) {
		c = &conns[i];
		if (c->state == HC_FREE) {
			room = 1;
			continue;
		}
		if (at_rest(c))
			room = 1;
		ev = 0;
		if (c->tls)
			ev = tls_link_want(&c->t.l, c->state == HC_WAIT);
		else {
			if (c->state != HC_WAIT && !c->eof &&
			    c->ilen < sizeof c->io)
				ev |= POLLIN;
			if (c->olen > c->ooff)
				ev |= POLLOUT;
		}
		/* Input already here, or a buffer free for it: now. */
		if ((c->state == HC_READ && input(c, &(size_t){ 0 }) != NULL) ||
		    (c->state == HC_WAIT && big_free()))
			*wake = 0;
		if (c->deadline < *wake)
			*wake = c->deadline;
		pfd[n].fd = c->fd;
		pfd[n].events = ev;
		pfd[n].revents = 0;
		n++;
	}
	if (srv.lfd >= 0 && room && n < max) {
		pfd[n].fd = srv.lfd;
		pfd[n].events = POLLIN;
		pfd[n].revents = 0;
		n++;
	}
	return n;
}

/* see server.h */
void
server_io(const struct pollfd *pfd, int n, int64_t now)
{
	int i, k;

	/* Each open connection has its entry, in slot order. */
	for (i = 0, k = 0; i < HTTPD_CONNS; i++) {
		if (conns[i].state == HC_FREE)
			continue;
		if (k < n && pfd[k].fd == conns[i].fd)
			conn_io(&conns[i], pfd[k++].revents, now);
		else
			conn_io(&conns[i], 0, now);
	}
	if (n > 0 && srv.lfd >= 0 && pfd[n - 1].fd == srv.lfd &&
	    (pfd[n - 1].revents & POLLIN))
		for (i = 0; i < ACCEPTS; i++)
			accept_one(now);
}

/* see server.h */
void
server_stop(void)
{
	int i;

	srv.stopping = 1;
	if (srv.lfd >= 0)
		close(srv.lfd);
	srv.lfd = -1;
	for (i = 0; i < HTTPD_CONNS; i++)
		if (at_rest(&conns[i]))
			free_conn(&conns[i]);
}

/* see server.h */
int
server_busy(void)
{
	int i;

	for (i = 0; i < HTTPD_CONNS; i++)
		if (conns[i].state != HC_FREE)
			return 1;
	return 0;
}

/* see server.h */
void
server_close(void)
{
	int i;

	for (i = 0; i < HTTPD_CONNS; i++)
		if (conns[i].state != HC_FREE)
			free_conn(&conns[i]);
	if (srv.lfd >= 0)
		close(srv.lfd);
	srv.lfd = -1;
}

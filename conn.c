/*
 * conn.c: see conn.h.
 *
 * States move (DNS ->) TCP -> (PROXY) -> TLS -> OPEN -> CLOSING -> IDLE,
 * or to FAILED from anywhere; only conn_reset() leaves FAILED.  fd >= 0
 * exactly when the state is neither IDLE nor FAILED; during DNS it is the
 * pipe the resolver answers on.  A failure writes err once (the first
 * cause is the one reported) and closes the socket.
 *
 * Name resolution runs in a child process rather than in an asynchronous
 * resolver of our own: libc's getaddrinfo() already knows /etc/hosts,
 * resolv.conf (search domains, options, IPv6) and nsswitch-free systems,
 * and a fork per connection (a few a day) costs less than the code.  The
 * child closes every descriptor but its pipe, so it never holds one of
 * our sockets open, and dies with us (PR_SET_PDEATHSIG).  It is killed at
 * the connection's deadline; only while its pipe is still open, so the
 * pid is certainly still its own.
 *
 * During CONN_PROXY, obuf holds the CONNECT request; it is emptied before
 * TLS starts, so that the caller's bytes never go to the proxy in clear.
 */
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conn.h"
#include "log.h"
#include "util.h"

static const char *const proxy_vars[] = {
	"HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"
};

/* see conn.h */
int
conn_proxy_init(struct proxy *px, char *err, size_t errlen)
{
	const char *v = NULL, *name = NULL, *np;
	size_t i, n;

	memset(px, 0, sizeof *px);
	for (i = 0; i < sizeof proxy_vars / sizeof proxy_vars[0]; i++)
		if ((v = getenv(proxy_vars[i])) != NULL && *v != '\0') {
			name = proxy_vars[i];
			break;
		}
	if (name == NULL)
		return 0;
	n = strlen(v);
	/* A bare "host:port" is common; it means http://host:port. */
	if (strstr(v, "://") == NULL)
		i = (size_t)snprintf(px->url, sizeof px->url, "http://%s", v);
	else
		i = (size_t)snprintf(px->url, sizeof px->url, "%s", v);
	if (i >= sizeof px->url || n == 0) {
		snprintf(err, errlen, "%s is too long", name);
		goto fail;
	}
	if (http_url_parse(&px->u, px->url, i) < 0 || px->u.tls ||
	    px->u.ws) {
		/* No "scheme://user:pass@" in the words: the log masks it. */
		snprintf(err, errlen, "%s is not a proxy URL such as "
		    "http://host:port (with user:password@ before the host "
		    "when the proxy wants a login)", name);
		goto fail;
	}
	if (px->u.user != NULL && http_basic_auth(px->auth, sizeof px->auth,
	    px->u.user, px->u.userlen) == 0) {
		snprintf(err, errlen, "%s: credentials too long", name);
		goto fail;
	}
	if ((np = getenv("NO_PROXY")) == NULL || *np == '\0')
		np = getenv("no_proxy");
	if (np != NULL) {
		for (i = 0; np[i] != '\0' && i + 1 < sizeof px->noproxy; i++)
			px->noproxy[i] = (char)(np[i] >= 'A' && np[i] <= 'Z' ?
			    np[i] + 32 : np[i]);
		px->noproxy[i] = '\0';
	}
	return 0;
fail:
	memset(px, 0, sizeof *px);
	return -1;
}

/* Does the NO_PROXY entry e[0..n) cover host? */
static int
noproxy_match(const char *e, size_t n, const char *host)
{
	size_t hl = strlen(host), k;

	while (n > 0 && (e[0] == ' ' || e[0] == '\t'))
		e++, n--;
	while (n > 0 && (e[n - 1] == ' ' || e[n - 1] == '\t'))
		n--;
	/* "host:port" entries: the port is not ours to check. */
	for (k = 0; k < n && e[k] != ':'; k++)
		;
	if (k < n && memchr(e, ']', n) == NULL)
		n = k;
	if (n == 1 && e[0] == '*')
		return 1;
	if (n > 0 && e[0] == '.')
		e++, n--;
	if (n == 0 || n > hl)
		return 0;
	if (strncasecmp(host + hl - n, e, n) != 0)
		return 0;
	return n == hl || host[hl - n - 1] == '.';
}

/* see conn.h */
const struct proxy *
conn_proxy_for(const struct proxy *px, const char *host)
{
	const char *e, *comma;

	if (px == NULL || px->u.host == NULL)
		return NULL;
	for (e = px->noproxy; *e != '\0'; e = comma + 1) {
		if ((comma = strchr(e, ',')) == NULL)
			comma = e + strlen(e);
		if (noproxy_match(e, (size_t)(comma - e), host))
			return NULL;
		if (*comma == '\0')
			break;
	}
	return px;
}

/* What the resolver writes: one write, shorter than PIPE_BUF (atomic). */
struct answer {
	int			 rc;	/* getaddrinfo()'s; 0: addresses */
	int			 n;
	socklen_t		 len[CONN_ADDRS];
	struct sockaddr_storage	 addr[CONN_ADDRS];
};

/*
 * Closes every descriptor from 3 up but keep: with close_range() where the
 * kernel has it (Linux 5.9), else one close() for each number below 1024.
 */
static void
close_from_3(int keep)
{
	int fd;

#ifdef SYS_close_range
	if ((keep <= 3 || syscall(SYS_close_range, 3, keep - 1, 0) == 0) &&
	    syscall(SYS_close_range, keep < 3 ? 3 : keep + 1, ~0u, 0) == 0)
		return;
#endif
	for (fd = 3; fd < 1024; fd++)
		if (fd != keep)
			close(fd);
}

/* The resolver process: looks name up, writes the answer, exits. */
static void
resolver(int out, const char *name, const char *service)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGPIPE };
	struct addrinfo hints, *res, *ai;
	struct answer a;
	sigset_t none;
	size_t i;

	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		signal(sigs[i], SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	close_from_3(out);
	memset(&a, 0, sizeof a);
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG | AI_NUMERICSERV;
	if ((a.rc = getaddrinfo(name, service, &hints, &res)) == 0) {
		for (ai = res; ai != NULL && a.n < CONN_ADDRS; ai = ai->ai_next)
			if (ai->ai_addrlen <= sizeof a.addr[0]) {
				memcpy(&a.addr[a.n], ai->ai_addr, ai->ai_addrlen);
				a.len[a.n++] = ai->ai_addrlen;
			}
		freeaddrinfo(res);
	}
	(void)!write(out, &a, sizeof a);
	_exit(0);
}

/* The name being resolved: the proxy's, or the host's. */
static const char *
rname(const struct conn *c, char *buf, size_t len)
{
	if (c->px == NULL)
		return c->host;
	snprintf(buf, len, "%.*s", (int)c->px->u.hostlen, c->px->u.host);
	return buf;
}

/*
 * Ends the resolver, if any: killed when it has not answered (its pipe
 * still open means it has not exited, so its pid is its own), reaped
 * when it can be.
 */
static void
stop_resolver(struct conn *c)
{
	char b;

	if (c->resolver <= 0)
		return;
	if (c->state == CONN_DNS && c->fd >= 0 && read(c->fd, &b, 1) < 0 &&
	    errno == EAGAIN)
		kill(c->resolver, SIGKILL);
	waitpid(c->resolver, NULL, WNOHANG);
	c->resolver = 0;
}

/* see conn.h */
void
conn_init(struct conn *c, unsigned char *tlsbuf, size_t tlslen, int bidi,
    unsigned char *obuf, size_t ocap)
{
	/* All but tls, which tls_init() clears but for its read buffer. */
	memset(c, 0, offsetof(struct conn, tls));
	c->fd = -1;
	c->state = CONN_IDLE;
	c->obuf = obuf;
	c->ocap = ocap;
	tls_init(&c->tls, tlsbuf, tlslen, bidi);
}

static int
fail(struct conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
fail(struct conn *c, const char *fmt, ...)
{
	va_list ap;

	if (c->state != CONN_FAILED) {
		va_start(ap, fmt);
		vsnprintf(c->err, sizeof c->err, fmt, ap);
		va_end(ap);
	}
	stop_resolver(c);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->state = CONN_FAILED;
	c->olen = c->ooff = 0;
	return -1;
}

/* see conn.h */
void
conn_reset(struct conn *c)
{
	stop_resolver(c);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->state = CONN_IDLE;
	c->olen = c->ooff = 0;
	c->peer_closed = 0;
	c->err[0] = '\0';
}

/* Where we are going, for messages: "slack.com:443 (via proxy p:3128)". */
static const char *
dest(const struct conn *c, char *buf, size_t len)
{
	if (c->px != NULL)
		snprintf(buf, len, "%s:%u (through the proxy %.*s:%u)",
		    c->host, c->port, (int)c->px->u.hostlen, c->px->u.host,
		    c->px->u.port);
	else
		snprintf(buf, len, "%s:%u", c->host, c->port);
	return buf;
}

/* Starts a non-blocking connect to the next address; -1 when none works. */
static int
connect_next(struct conn *c, int last_errno)
{
	char where[400];
	int one = 1;

	for (; c->cur < c->naddr; c->cur++) {
		if (c->fd >= 0)
			close(c->fd);
		c->fd = socket(c->addr[c->cur].ss_family,
		    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (c->fd < 0) {
			last_errno = errno;
			continue;
		}
		/* Without it the handshake waits on delayed ACKs (40 ms). */
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		if (connect(c->fd, (struct sockaddr *)&c->addr[c->cur],
		    c->addrlen[c->cur]) == 0 || errno == EINPROGRESS) {
			c->state = CONN_TCP;
			return 0;
		}
		last_errno = errno;
	}
	return fail(c, "cannot connect to %s: %s", dest(c, where,
	    sizeof where), strerror(last_errno));
}

/* A numeric address needs no resolver: 1 when host is one (c filled). */
static int
numeric(struct conn *c, const char *host, unsigned port)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)&c->addr[0];
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&c->addr[0];

	memset(&c->addr[0], 0, sizeof c->addr[0]);
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		c->addrlen[0] = sizeof *v4;
	} else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		c->addrlen[0] = sizeof *v6;
	} else
		return 0;
	c->naddr = 1;
	return 1;
}

/* see conn.h */
int
conn_open(struct conn *c, const char *host, unsigned port,
    const struct proxy *px, int timeout_ms)
{
	char rhost[256], service[8];
	const char *name;
	size_t n = strlen(host);
	int p[2];
	pid_t pid;

	conn_reset(c);
	if (n == 0 || n >= sizeof c->host)
		return fail(c, "host name \"%.40s\" is empty or too long",
		    host);
	memcpy(c->host, host, n + 1);
	c->port = port;
	c->px = px;
	c->t_open = now_ms();
	c->deadline = c->t_open + timeout_ms;
	c->naddr = c->cur = 0;
	http_resp_init(&c->proxy, HTTP_CONNECT);

	/* With a proxy, only the proxy's name is resolved here. */
	if (px != NULL) {
		if (px->u.hostlen >= sizeof rhost)
			return fail(c, "proxy host name too long");
		port = px->u.port;
	}
	name = rname(c, rhost, sizeof rhost);
	if (numeric(c, name, port))
		return connect_next(c, ECONNREFUSED);
	snprintf(service, sizeof service, "%u", port);
	if (pipe(p) < 0)
		return fail(c, "cannot resolve %s: %s", name, strerror(errno));
	fcntl(p[0], F_SETFD, FD_CLOEXEC);
	fcntl(p[1], F_SETFD, FD_CLOEXEC);
	if ((pid = fork()) < 0) {
		close(p[0]);
		close(p[1]);
		return fail(c, "cannot resolve %s: %s", name, strerror(errno));
	}
	if (pid == 0)
		resolver(p[1], name, service);
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	c->fd = p[0];
	c->resolver = pid;
	c->state = CONN_DNS;
	return 0;
}

/* The resolver answered (or died): connect, or fail. */
static int
resolved(struct conn *c)
{
	struct answer a;
	char buf[256], where[400];
	const char *name;
	ssize_t r;
	int i;

	if ((r = read(c->fd, &a, sizeof a)) < 0 && (errno == EAGAIN ||
	    errno == EINTR))
		return 0;
	name = rname(c, buf, sizeof buf);
	stop_resolver(c);
	close(c->fd);
	c->fd = -1;
	if (r != (ssize_t)sizeof a)
		return fail(c, "cannot resolve %s: the resolver process "
		    "failed", name);
	if (a.rc != 0)
		return fail(c, "cannot resolve %s: %s%s", name,
		    gai_strerror(a.rc), a.rc == EAI_AGAIN ? " (is DNS "
		    "reachable?)" : "");
	if (a.n <= 0 || a.n > CONN_ADDRS)
		return fail(c, "cannot resolve %s: no usable address",
		    dest(c, where, sizeof where));
	for (i = 0; i < a.n; i++) {
		memcpy(&c->addr[i], &a.addr[i], sizeof a.addr[i]);
		c->addrlen[i] = a.len[i];
	}
	c->naddr = a.n;
	c->cur = 0;
	return connect_next(c, ECONNREFUSED);
}

/* see conn.h */
short
conn_want(const struct conn *c, int paused)
{
	short ev;

	switch (c->state) {
	case CONN_DNS:
		return POLLIN;
	case CONN_TCP:
		return POLLOUT;
	case CONN_PROXY:
		return c->ooff < c->olen ? POLLOUT : POLLIN;
	case CONN_TLS:
	case CONN_OPEN:
	case CONN_CLOSING:
		ev = tls_want(&c->tls, paused);
		/* Queued plaintext goes as soon as the socket takes it. */
		if (c->state == CONN_OPEN && c->ooff < c->olen)
			ev |= POLLOUT;
		return ev;
	default:
		return 0;
	}
}

/* Sends the clear-text CONNECT request; -1 on failure. */
static int
proxy_send(struct conn *c)
{
	char where[400];
	ssize_t r;

	while (c->ooff < c->olen) {
		r = send(c->fd, c->obuf + c->ooff, c->olen - c->ooff,
		    MSG_NOSIGNAL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (r < 0)
			return fail(c, "proxy for %s: %s", dest(c, where,
			    sizeof where), strerror(errno));
		c->ooff += (size_t)r;
	}
	c->ooff = c->olen = 0;
	return 0;
}

static int
tls_begin(struct conn *c)
{
	char why[300];

	c->state = CONN_TLS;
	if (tls_start(&c->tls, c->fd, c->host) < 0)
		return fail(c, "TLS: %s", tls_strerror(&c->tls, why,
		    sizeof why));
	return 0;
}

/* The TCP connection is up: send CONNECT, or start TLS. */
static int
tcp_ready(struct conn *c)
{
	struct url u;
	struct http_req rq;
	char extra[420];
	size_t n;

	if (c->px == NULL)
		return tls_begin(c);
	memset(&u, 0, sizeof u);
	u.host = c->host;
	u.hostlen = strlen(c->host);
	u.port = c->port;
	u.tls = 1;
	extra[0] = '\0';
	if (c->px->auth[0] != '\0')
		snprintf(extra, sizeof extra, "Proxy-Authorization: %s\r\n",
		    c->px->auth);
	memset(&rq, 0, sizeof rq);
	rq.method = "CONNECT";
	rq.url = &u;
	rq.clen = -1;
	rq.extra = extra;
	n = http_req_head((char *)c->obuf, c->ocap, &rq);
	explicit_bzero(extra, sizeof extra);
	if (n == 0)
		return fail(c, "CONNECT request does not fit");
	c->olen = n;
	c->ooff = 0;
	c->state = CONN_PROXY;
	return proxy_send(c);
}

/* Reads the proxy's answer to CONNECT. */
static int
proxy_read(struct conn *c)
{
	char buf[1024], where[400];
	const char *body;
	size_t blen, used;
	ssize_t r;

	/*
	 * Read no further than the proxy's answer: nothing of TLS can
	 * follow it before our ClientHello, so a byte at a time is not
	 * needed; a head in pieces is handled by the parser.
	 */
	r = recv(c->fd, buf, sizeof buf, 0);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return 0;
	if (r < 0)
		return fail(c, "proxy for %s: %s", dest(c, where, sizeof where),
		    strerror(errno));
	if (r == 0)
		return fail(c, "proxy for %s closed the connection without "
		    "answering CONNECT", dest(c, where, sizeof where));
	used = http_resp_feed(&c->proxy, buf, (size_t)r, &body, &blen);
	if (c->proxy.state == HTTP_FAILED)
		return fail(c, "proxy for %s sent a malformed answer: %s",
		    dest(c, where, sizeof where),
		    http_strerror(http_resp_error(&c->proxy)));
	if (c->proxy.state == HTTP_HEAD)
		return 0;
	if (c->proxy.status / 100 != 2)
		return fail(c, "proxy refused the tunnel to %s: HTTP %d%s",
		    dest(c, where, sizeof where), c->proxy.status,
		    c->proxy.status == 407 ? " (proxy authentication "
		    "required: put user:password in HTTPS_PROXY)" : "");
	if (used != (size_t)r)
		return fail(c, "proxy for %s sent data after its answer",
		    dest(c, where, sizeof where));
	return tls_begin(c);
}

/* Moves queued plaintext into TLS. */
static void
push_out(struct conn *c)
{
	size_t k;

	if (c->ooff == c->olen)
		return;
	while (c->ooff < c->olen) {
		k = tls_write(&c->tls.l, c->obuf + c->ooff, c->olen - c->ooff);
		if (k == 0)
			break;
		c->ooff += k;
		/* A full record went out of the engine: send it. */
		if (c->ooff < c->olen)
			tls_pump(&c->tls, 0);
	}
	if (c->ooff == c->olen)
		c->ooff = c->olen = 0;
	tls_flush(&c->tls.l);
}

/* see conn.h */
int
conn_io(struct conn *c, short revents, int64_t now)
{
	char where[400], why[300];
	socklen_t len;
	int e, ts;

	switch (c->state) {
	case CONN_DNS:
		if (revents & (POLLIN | POLLERR | POLLHUP))
			resolved(c);
		break;
	case CONN_TCP:
		if (!(revents & (POLLOUT | POLLERR | POLLHUP)))
			break;
		e = 0;
		len = sizeof e;
		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &len);
		if (e != 0) {
			c->cur++;
			connect_next(c, e);
		} else
			tcp_ready(c);
		break;
	case CONN_PROXY:
		if ((revents & (POLLOUT | POLLERR)) && proxy_send(c) < 0)
			break;
		if (revents & (POLLIN | POLLERR | POLLHUP))
			proxy_read(c);
		break;
	case CONN_TLS:
	case CONN_OPEN:
	case CONN_CLOSING:
		if (c->state == CONN_OPEN)
			push_out(c);
		tls_pump(&c->tls, revents);
		ts = tls_state(&c->tls.l);
		if (c->state == CONN_TLS && ts == TLS_OPEN) {
			c->state = CONN_OPEN;
			push_out(c);
			tls_pump(&c->tls, 0);
			ts = tls_state(&c->tls.l);
		}
		if (ts != TLS_CLOSED && ts != TLS_FAILED)
			break;
		if (c->state == CONN_TLS)
			fail(c, "TLS with %s: %s", dest(c, where, sizeof where),
			    tls_strerror(&c->tls, why, sizeof why));
		else if (c->state == CONN_CLOSING)
			conn_reset(c);
		else if (!c->peer_closed) {
			/* Plaintext may still wait in the engine: keep it. */
			c->peer_closed = 1;
			if (ts == TLS_CLOSED)
				snprintf(c->err, sizeof c->err, "%s closed the "
				    "connection", c->host);
			else
				snprintf(c->err, sizeof c->err, "%s",
				    tls_strerror(&c->tls, why, sizeof why));
		}
		break;
	}
	if (now >= c->deadline && c->state == CONN_CLOSING)
		conn_reset(c);
	else if (now >= c->deadline && c->state == CONN_DNS)
		fail(c, "cannot resolve %s: no answer within %d s (is DNS "
		    "reachable?)", rname(c, where, sizeof where),
		    (int)((c->deadline - c->t_open + 999) / 1000));
	else if (now >= c->deadline && (c->state == CONN_TCP ||
	    c->state == CONN_PROXY || c->state == CONN_TLS))
		fail(c, "connecting to %s timed out", dest(c, where,
		    sizeof where));
	return c->state;
}

/* see conn.h */
const unsigned char *
conn_peek(struct conn *c, size_t *len)
{
	*len = 0;
	if (c->state != CONN_OPEN && c->state != CONN_CLOSING)
		return NULL;
	return tls_peek(&c->tls.l, len);
}

/* see conn.h */
void
conn_consume(struct conn *c, size_t n)
{
	tls_consume(&c->tls, n);
}

/* see conn.h */
int
conn_write(struct conn *c, const void *data, size_t n)
{
	if (n > c->ocap - c->olen) {
		/* Room may be hidden behind bytes already sent. */
		if (c->ooff > 0 && n <= c->ocap - (c->olen - c->ooff)) {
			memmove(c->obuf, c->obuf + c->ooff, c->olen - c->ooff);
			c->olen -= c->ooff;
			c->ooff = 0;
		} else
			return -1;
	}
	memcpy(c->obuf + c->olen, data, n);
	c->olen += n;
	return 0;
}

/* see conn.h */
size_t
conn_room(const struct conn *c)
{
	return c->ocap - (c->olen - c->ooff);
}

/* see conn.h */
size_t
conn_pending(const struct conn *c)
{
	return c->olen - c->ooff;
}

/* see conn.h */
int
conn_eof(struct conn *c)
{
	size_t n;

	if (c->state == CONN_FAILED || c->state == CONN_IDLE)
		return 1;
	return c->peer_closed && conn_peek(c, &n) == NULL;
}

/* see conn.h */
void
conn_close(struct conn *c)
{
	int ts;

	if (c->state != CONN_OPEN || c->peer_closed) {
		conn_reset(c);
		return;
	}
	push_out(c);
	tls_close(&c->tls.l);
	tls_pump(&c->tls, 0);
	c->state = CONN_CLOSING;
	/* A peer that never answers close_notify gets two seconds. */
	c->deadline = now_ms() + 2000;
	ts = tls_state(&c->tls.l);
	if (ts == TLS_CLOSED || ts == TLS_FAILED)
		conn_reset(c);
}

/* see conn.h */
int
conn_state(const struct conn *c)
{
	return c->state;
}

/* see conn.h */
int
conn_fd(const struct conn *c)
{
	return c->fd;
}

/* see conn.h */
int64_t
conn_deadline(const struct conn *c)
{
	return c->deadline;
}

/* see conn.h */
const char *
conn_error(const struct conn *c)
{
	return c->err;
}

/* see conn.h */
unsigned char *
conn_wbuf(struct conn *c, size_t *room)
{
	if (c->ooff > 0) {
		memmove(c->obuf, c->obuf + c->ooff, c->olen - c->ooff);
		c->olen -= c->ooff;
		c->ooff = 0;
	}
	*room = c->ocap - c->olen;
	return c->obuf + c->olen;
}

/* see conn.h */
void
conn_wrote(struct conn *c, size_t n)
{
	c->olen += n;
}

/* see conn.h */
int
conn_peer_closed(const struct conn *c)
{
	return c->peer_closed;
}

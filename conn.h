/*
 * conn.h: one outgoing TLS connection, driven from the poll() loop.
 *
 * A connection goes through name resolution (in a short-lived child
 * process, so that a slow resolver never blocks the loop), a
 * non-blocking TCP connect (trying each address in turn), an optional
 * CONNECT tunnel through an HTTP proxy, and the TLS handshake; then it
 * carries plaintext both ways.  The Web API client and the WebSocket both
 * sit on top of it.  Every step has a deadline; every failure is kept as
 * one line of text for the log.
 */
#ifndef CONN_H
#define CONN_H

#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>

#include "http.h"
#include "tls.h"

enum {
	CONN_IDLE,	/* no socket */
	CONN_DNS,	/* the resolver runs; fd is the pipe of its answer */
	CONN_TCP,	/* TCP connect in progress */
	CONN_PROXY,	/* CONNECT sent to the proxy, awaiting its answer */
	CONN_TLS,	/* TLS handshake */
	CONN_OPEN,	/* ready for plaintext */
	CONN_CLOSING,	/* close_notify sent, waiting for the peer's */
	CONN_FAILED	/* see err; conn_reset() before reuse */
};

/* HTTPS_PROXY and NO_PROXY, read once (conn_proxy_init()). */
struct proxy {
	char		url[512];	/* the proxy URL as configured */
	struct url	u;		/* views into url */
	char		auth[384];	/* "Basic ..." or "" */
	char		noproxy[512];	/* NO_PROXY, lower case */
};

#define CONN_ADDRS	4	/* addresses tried per host name */

/* Private: callers go through the functions below. */
struct conn {
	int		 fd;
	int		 state;
	int64_t		 deadline;	/* while connecting (ms, now_ms()) */
	char		 host[256];	/* the TLS server name */
	unsigned	 port;
	const struct proxy *px;		/* tunnel through it, or NULL */
	int		 peer_closed;	/* TLS ended (err says how) */

	/* Addresses from the resolver, tried in order. */
	struct sockaddr_storage addr[CONN_ADDRS];
	socklen_t	 addrlen[CONN_ADDRS];
	int		 naddr, cur;
	pid_t		 resolver;	/* CONN_DNS: the child that resolves */
	int64_t		 t_open;	/* conn_open() was called */

	/* Plaintext waiting to enter TLS: obuf[ooff..olen). */
	unsigned char	*obuf;
	size_t		 ocap, olen, ooff;

	/* The proxy's answer to CONNECT. */
	struct http_resp proxy;
	char		 err[320];
	struct tls	 tls;		/* last: see conn_init() */
};

/*
 * Reads HTTPS_PROXY / https_proxy / ALL_PROXY / all_proxy and NO_PROXY /
 * no_proxy.  Returns 0 (no proxy, or one well formed), or -1 with the
 * reason in err (an unusable proxy URL is a configuration error).
 */
int	conn_proxy_init(struct proxy *, char *err, size_t errlen);

/* The proxy to use for host, or NULL (none set, or NO_PROXY matches). */
const struct proxy *conn_proxy_for(const struct proxy *, const char *host);

/*
 * Prepares c: tlsbuf for TLS (see tls_init()), obuf for outgoing
 * plaintext.  Both must outlive c.  Call once.
 */
void	conn_init(struct conn *, unsigned char *tlsbuf, size_t tlslen,
	    int bidi, unsigned char *obuf, size_t ocap);

/*
 * Starts connecting to host (port), through px when not NULL, with the
 * whole set-up, name resolution included, bounded by timeout_ms.  Does
 * not block: a name that is not a numeric address is resolved by a child
 * process (fork(); getaddrinfo(), so /etc/hosts, resolv.conf and its
 * options apply as everywhere else) that writes the addresses to a pipe
 * and exits.  Returns 0, or -1 with the reason in c->err (CONN_FAILED).
 */
int	conn_open(struct conn *, const char *host, unsigned port,
	    const struct proxy *px, int timeout_ms);

/* Poll events to wait for; paused: do not ask for input. */
short	conn_want(const struct conn *, int paused);

/*
 * Advances the connection after poll() (revents may be 0: then only
 * timers and pending output are looked at).  Returns the state.
 */
int	conn_io(struct conn *, short revents, int64_t now);

/* Plaintext received: a view, and how much of it was used. */
const unsigned char *conn_peek(struct conn *, size_t *len);
void	conn_consume(struct conn *, size_t n);

/*
 * Queues n bytes to send.  Returns 0, or -1 when obuf has no room for all
 * of them (nothing is queued then).  Bytes leave at the next conn_io().
 */
int	conn_write(struct conn *, const void *data, size_t n);

/*
 * To build outgoing bytes in place: the free end of obuf and its room
 * (*room); conn_wrote() then queues the n bytes written there.
 */
unsigned char *conn_wbuf(struct conn *, size_t *room);
void	conn_wrote(struct conn *, size_t n);

/* 1 once the peer has ended the connection (cleanly or not). */
int	conn_peer_closed(const struct conn *);

/* Free room in obuf, and bytes still queued. */
size_t	conn_room(const struct conn *);
size_t	conn_pending(const struct conn *);

/*
 * 1 when nothing more will arrive: the peer closed (cleanly or not; err
 * says which) and every byte has been read, or the connection failed.
 */
int	conn_eof(struct conn *);

/* Orderly close (TLS close_notify); conn_io() finishes it. */
void	conn_close(struct conn *);

/* Closes the socket now and returns to CONN_IDLE. */
void	conn_reset(struct conn *);

/* The state (CONN_*); the descriptor to poll, or -1. */
int	conn_state(const struct conn *);
int	conn_fd(const struct conn *);

/* While connecting: when the set-up gives up (now_ms() time). */
int64_t	conn_deadline(const struct conn *);

/*
 * Why the connection failed or ended, as one line ("" when it has not):
 * valid until the next conn_open() or conn_reset().
 */
const char *conn_error(const struct conn *);

#endif

/*
 * tls.h: a BearSSL TLS 1.2 client driven from a poll() loop.
 *
 * The caller owns the socket and the loop: it asks tls_want() which poll
 * events the connection waits for, calls tls_pump() when the socket is
 * ready, and moves application bytes with tls_peek()/tls_consume() and
 * tls_write()/tls_flush().  Nothing here blocks or allocates.
 *
 * Certificates are always verified against the trust anchors loaded by
 * tls_anchors_load(), and the server name is always sent and checked:
 * there is no way to turn either off.
 */
#ifndef TLS_H
#define TLS_H

#include <stddef.h>
#include <bearssl.h>

#include "config.h"

/* Connection states, as tls_state() reports them. */
enum {
	TLS_HANDSHAKE,	/* started; application data cannot flow yet */
	TLS_OPEN,	/* handshake done */
	TLS_CLOSING,	/* tls_close() called; close_notify on its way */
	TLS_CLOSED,	/* orderly end: close_notify seen (or ours answered) */
	TLS_FAILED	/* see tls_strerror() */
};

/* Errors of our own, beside BearSSL's codes (which are all below 1024). */
#define TLS_ETRUNC	1024	/* TCP closed without close_notify */
#define TLS_ESYS	1025	/* send/recv failed: see sys_errno */
#define TLS_EWEDGED	1026	/* engine stopped with no state */
#define TLS_EHSEOF	1027	/* TCP closed during the handshake */

/*
 * A TLS engine on a non-blocking socket: what a client connection (struct
 * tls) and a server session (struct tlsd, tlsd.h) both keep, and what the
 * calls below that take one do alike for either.
 */
struct tls_link {
	br_ssl_engine_context	*eng;
	int			 fd;
	int			 state;	/* TLS_HANDSHAKE ... */
	int			 err;	/* BearSSL's, or TLS_E* */
	int			 sys_errno;	/* TLS_ESYS */
	int			 peer_eof;	/* recv() returned 0 */
};

struct tls {
	br_ssl_client_context	cc;
	br_x509_minimal_context	xc;
	struct tls_link		l;		/* l.eng: &cc.eng */
	char			host[256];
	/*
	 * Ciphertext read in one recv() and fed to the engine from here.
	 * Last, and not cleared by tls_init(): rxoff == rxlen says it holds
	 * nothing, and its pages stay out of memory until reads fill them.
	 */
	size_t			rxoff, rxlen;
	unsigned char		rx[NET_RX_MAX];
};

/*
 * Roots compiled into the binary (build/anchors.c, from tools/mkanchors),
 * used when no CA bundle is found on the machine.
 */
extern const br_x509_trust_anchor	tls_builtin_ta[];
extern const size_t			tls_builtin_ta_count;

/*
 * Loads the trust anchors every connection will use, once, before the
 * loop: SSL_CERT_FILE when set, else SSL_CERT_DIR when set (either failing
 * when it cannot be used, with a reason that names the variable), else the
 * first system bundle found, else a CA directory, else the built-in roots.
 * Writes where they came from into what (for a log line).  Returns the
 * number of anchors, or -1 with the reason in err.
 */
int	tls_anchors_load(char *what, size_t whatlen, char *err, size_t errlen);

/*
 * 0 when the clock certificates are checked against can be right; -1
 * when it is before the build date (a board without a real-time clock,
 * booted in 1970), with one line for the log in why: what the clock says
 * and that nothing can be checked until it is set.
 */
int	tls_clock_check(char *why, size_t len);

/*
 * Sets the protocol version, cipher suites and the implementation of each
 * algorithm on an engine, client (tls_init()) or server (tlsd.c).
 */
void	tls_algorithms(br_ssl_engine_context *);

/*
 * Prepares t for use with the I/O buffer buf (len bytes, which must stay
 * valid): BR_SSL_BUFSIZE_BIDI for full duplex, BR_SSL_BUFSIZE_MONO when
 * requests and responses alternate.  Call once per struct.
 */
void	tls_init(struct tls *, unsigned char *buf, size_t len, int bidi);

/*
 * Starts a new session on fd (connected or connecting, non-blocking) with
 * host as the server name; forgets the previous session entirely.
 * Returns 0, or -1 (tls_strerror() says why).
 */
int	tls_start(struct tls *, int fd, const char *host);

/* Poll events the socket must wait for; paused: do not ask for input. */
short	tls_want(const struct tls *, int paused);
short	tls_link_want(const struct tls_link *, int paused);

/*
 * Moves ciphertext between the socket and the engine after poll()
 * reported revents (POLLERR/POLLHUP count as both directions).  Loops
 * each direction until the socket or the engine has no more room.
 * Returns 0 while the connection lives, -1 once it is closed or failed
 * (see tls_state()).
 */
int	tls_pump(struct tls *, short revents);

/* Decrypted bytes ready to read (NULL and 0 when none). */
const unsigned char *tls_peek(struct tls_link *, size_t *len);

/* Marks n bytes of what tls_peek() returned as read. */
void	tls_consume(struct tls *, size_t n);

/*
 * Hands up to n plaintext bytes to the engine; returns how many it took
 * (0 when it cannot take any now: wait for POLLOUT and pump).  Bytes are
 * buffered until a record fills or tls_flush() is called.
 */
size_t	tls_write(struct tls_link *, const void *data, size_t n);

/* Closes the current record so that buffered bytes go out. */
void	tls_flush(struct tls_link *);

/* 1 while the engine has records for the socket (a close_notify too). */
int	tls_sending(const struct tls_link *);

/* Starts an orderly close: sends close_notify, waits for the peer's. */
void	tls_close(struct tls_link *);

/* The state: TLS_HANDSHAKE ... TLS_FAILED. */
int	tls_state(const struct tls_link *);

/*
 * The steps of a session both sides take (tls.c, tlsd.c).  Records the
 * first failure (the state becomes TLS_FAILED).
 */
void	tls_link_fail(struct tls_link *, int err, int sys_errno);

/* Follows the engine's state: open, closed, or its failure. */
void	tls_link_track(struct tls_link *);

/* Sends what the engine has ready until the socket is full; -1: failed. */
int	tls_link_send(struct tls_link *);

/*
 * The failure in words, with BearSSL's number, for one log line:
 * "certificate for slack.com has expired or is not yet valid (BearSSL
 * error 54)".  Returns buf.
 */
const char *tls_strerror(const struct tls *, char *buf, size_t len);

#endif

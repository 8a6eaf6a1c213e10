/*
 * tlsd.h: a BearSSL TLS 1.2 server, for `run --http` with HTTPS, driven
 * from the poll() loop the way tls.h drives the client.
 *
 * The certificate chain and its private key (PEM: RSA or EC, PKCS#8 or
 * the older "RSA/EC PRIVATE KEY" forms, as any ACME client writes them)
 * are read before the loop and again on SIGHUP.  Two sets are kept: a
 * reload fills the one not in use and switches new connections to it, so
 * a handshake under way keeps the set it started with.  Nothing here
 * blocks or allocates.
 */
#ifndef TLSD_H
#define TLSD_H

#include <stddef.h>
#include <bearssl.h>

#include "config.h"
#include "tls.h"

/* One connection; its states are tls.h's (TLS_HANDSHAKE ... TLS_FAILED). */
struct tlsd {
	br_ssl_server_context	sc;
	struct tls_link		l;		/* l.eng: &sc.eng */
	int			set;		/* the certificate set it uses */
};

/*
 * Reads the chain from cert and the key from key (paths; the same file
 * may hold both) and checks that the key is the first certificate's.
 * Writes what was loaded into what ("2 certificates, EC P-256 key"), and
 * a warning into warn when the certificate has expired or is not valid
 * yet (else ""), for log lines.  Returns 0, or -1 with "path: why" in err;
 * then the set in use is unchanged.
 */
int	tlsd_load(const char *cert, const char *key, char *what,
	    size_t whatlen, char *warn, size_t warnlen, char *err,
	    size_t errlen);

/* Prepares t, once: no session, no descriptor. */
void	tlsd_init(struct tlsd *);

/*
 * Starts a server session on fd (accepted, non-blocking) with the I/O
 * buffer buf (BR_SSL_BUFSIZE_MONO at least; it must outlive the
 * session) and the certificate set loaded last.  Returns 0, or -1 (see
 * tlsd_strerror()).
 */
int	tlsd_start(struct tlsd *, int fd, unsigned char *buf, size_t len);

/* The set new sessions use (0 or 1; -1 before any load). */
int	tlsd_current(void);

/* 1 while t is in its handshake with set (which then must stay). */
int	tlsd_in_use(const struct tlsd *, int set);

/*
 * The rest of a session goes through tls.h's calls on t->l: tls_link_want(),
 * tls_peek(), tls_write(), tls_flush(), tls_sending(), tls_close() and
 * tls_state().
 */

/*
 * Moves ciphertext between the socket and the engine, with a bounded
 * number of recv() calls, so that one busy client cannot hold the loop.
 * Returns 0 while the connection lives, -1 once it is closed or failed.
 */
int	tlsd_pump(struct tlsd *, short revents);

/* Marks n bytes of what tls_peek() returned as read. */
void	tlsd_consume(struct tlsd *, size_t n);

/* Why it failed, in words with BearSSL's number, into buf. */
const char *tlsd_strerror(const struct tlsd *, char *buf, size_t len);

#endif

/*
 * tlsd.c: see tlsd.h.
 *
 * Certificates.  A PEM file is read whole into pem[] (at most
 * TLSD_FILE_MAX bytes) and pushed through BearSSL's PEM decoder: the DER
 * of each CERTIFICATE is appended to the set's arena, a key's DER goes
 * into the set's key decoder, which keeps the decoded key for as long as
 * the set lives.  A set that fails half way is simply not switched to.
 *
 * Connections.  Ciphertext goes straight between the socket and the
 * engine's record buffers; the engine takes a record's header and its
 * body separately, so one pump makes a few recv() calls, never more than
 * PUMP_RECV: a client that sends without pause cannot hold the loop.
 * state only moves forward (HANDSHAKE, OPEN, CLOSING, then CLOSED or
 * FAILED).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ta.h"
#include "tlsd.h"
#include "util.h"

#define PUMP_RECV	8	/* recv() calls in one pump */

struct certset {
	br_x509_certificate	 chain[TLSD_CHAIN_MAX];
	size_t			 n;
	size_t			 used;		/* bytes of der[] */
	int			 keys;		/* key objects seen */
	int			 overflow;
	br_skey_decoder_context	 key;
	unsigned char		 der[TLSD_FILE_MAX];
};

static struct certset	sets[2];
static int		current = -1;	/* the set new sessions use */
static char		pem[TLSD_FILE_MAX + 1];

/* Reads path whole into pem[]; returns its length, or -1 with err. */
static long
read_pem(const char *path, char *err, size_t errlen)
{
	struct stat st;
	size_t n = 0;
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)) <
	    0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	/* A FIFO or a device must not hold the start-up. */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	while (n < sizeof pem && (r = read(fd, pem + n, sizeof pem - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		n += (size_t)r;
	}
	close(fd);
	if (n == sizeof pem) {
		snprintf(err, errlen, "%s: larger than %d KiB; is it a PEM "
		    "file?", path, TLSD_FILE_MAX / 1024);
		return -1;
	}
	return (long)n;
}

/* DER bytes of a certificate, appended to the arena. */
static void
der_append(void *ctx, const void *buf, size_t len)
{
	struct certset *s = ctx;

	if (len > sizeof s->der - s->used) {
		s->overflow = 1;
		return;
	}
	memcpy(s->der + s->used, buf, len);
	s->used += len;
}

static void
key_push(void *ctx, const void *buf, size_t len)
{
	br_skey_decoder_push(ctx, buf, len);
}

static int
is_key_name(const char *name)
{
	return strcmp(name, "PRIVATE KEY") == 0 ||
	    strcmp(name, "RSA PRIVATE KEY") == 0 ||
	    strcmp(name, "EC PRIVATE KEY") == 0;
}

/*
 * Decodes the PEM text in pem[0..n): certificates (when certs) into the
 * chain, the first key (when keys) into the key decoder.  Returns 0, or
 * -1 with the reason in err.
 */
static int
decode(struct certset *s, size_t n, const char *path, int certs, int keys,
    char *err, size_t errlen)
{
	br_pem_decoder_context pc;
	const char *name, *p = pem;
	size_t used, start = 0;
	int in = 0;		/* 1: a certificate, 2: the key, 3: other */

	br_pem_decoder_init(&pc);
	while (n > 0) {
		used = br_pem_decoder_push(&pc, p, n);
		p += used;
		n -= used;
		switch (br_pem_decoder_event(&pc)) {
		case BR_PEM_BEGIN_OBJ:
			name = br_pem_decoder_name(&pc);
			in = 3;
			if (keys && strcmp(name, "ENCRYPTED PRIVATE KEY") ==
			    0) {
				snprintf(err, errlen, "%s: the key is "
				    "encrypted; give slackbot an unencrypted "
				    "one (openssl pkey -in %s -out NEW)", path,
				    path);
				return -1;
			}
			if (certs && strcmp(name, "CERTIFICATE") == 0) {
				if (s->n == TLSD_CHAIN_MAX) {
					snprintf(err, errlen, "%s: more than %d "
					    "certificates", path,
					    TLSD_CHAIN_MAX);
					return -1;
				}
				in = 1;
				start = s->used;
				br_pem_decoder_setdest(&pc, der_append, s);
			} else if (keys && is_key_name(name) && s->keys++ == 0) {
				in = 2;
				br_skey_decoder_init(&s->key);
				br_pem_decoder_setdest(&pc, key_push, &s->key);
			} else
				br_pem_decoder_setdest(&pc, NULL, NULL);
			break;
		case BR_PEM_END_OBJ:
			if (in == 1) {
				if (s->overflow) {
					snprintf(err, errlen, "%s: the "
					    "certificates are larger than %d "
					    "KiB", path, TLSD_FILE_MAX / 1024);
					return -1;
				}
				s->chain[s->n].data = s->der + start;
				s->chain[s->n].data_len = s->used - start;
				s->n++;
			}
			in = 0;
			break;
		case BR_PEM_ERROR:
			snprintf(err, errlen, "%s: not a valid PEM file", path);
			return -1;
		}
	}
	if (in != 0) {
		snprintf(err, errlen, "%s: the PEM file ends inside an object",
		    path);
		return -1;
	}
	return 0;
}

/* a[0..an) and b[0..bn) are the same big number. */
static int
same_number(const unsigned char *a, size_t an, const unsigned char *b,
    size_t bn)
{
	while (an > 0 && *a == 0)
		a++, an--;
	while (bn > 0 && *b == 0)
		b++, bn--;
	return an == bn && memcmp(a, b, an) == 0;
}

/* Does the private key belong to the public key pk? */
static int
key_matches(const br_skey_decoder_context *kd, const br_x509_pkey *pk)
{
	unsigned char buf[BR_EC_KBUF_PUB_MAX_SIZE > 1024 ?
	    BR_EC_KBUF_PUB_MAX_SIZE : 1024];
	const br_rsa_private_key *rsa;
	const br_ec_private_key *ec;
	br_ec_public_key pub;
	size_t n;

	switch (br_skey_decoder_key_type(kd)) {
	case BR_KEYTYPE_RSA:
		rsa = br_skey_decoder_get_rsa(kd);
		if (pk->key_type != BR_KEYTYPE_RSA || (rsa->n_bitlen + 7) / 8 >
		    sizeof buf)
			return 0;
		n = br_rsa_i31_compute_modulus(buf, rsa);
		return n > 0 && same_number(buf, n, pk->key.rsa.n,
		    pk->key.rsa.nlen);
	case BR_KEYTYPE_EC:
		ec = br_skey_decoder_get_ec(kd);
		if (pk->key_type != BR_KEYTYPE_EC ||
		    pk->key.ec.curve != ec->curve)
			return 0;
		n = br_ec_compute_pub(&br_ec_prime_i31, &pub, buf, ec);
		return n > 0 && n == pk->key.ec.qlen &&
		    memcmp(buf, pk->key.ec.q, n) == 0;
	}
	return 0;
}

static const char *
curve_name(int curve)
{
	switch (curve) {
	case BR_EC_secp256r1:
		return "P-256";
	case BR_EC_secp384r1:
		return "P-384";
	case BR_EC_secp521r1:
		return "P-521";
	}
	return "EC";
}

static int	load(const char *, const char *, char *, size_t, char *, size_t,
		    char *, size_t);

/* see tlsd.h */
int
tlsd_load(const char *cert, const char *key, char *what, size_t whatlen,
    char *warn, size_t warnlen, char *err, size_t errlen)
{
	int rc = load(cert, key, what, whatlen, warn, warnlen, err, errlen);

	/* The key's PEM is no longer needed, whatever happened. */
	explicit_bzero(pem, sizeof pem);
	if (rc < 0)
		explicit_bzero(&sets[current == 0 ? 1 : 0].key,
		    sizeof sets[0].key);
	return rc;
}

static int
load(const char *cert, const char *key, char *what, size_t whatlen,
    char *warn, size_t warnlen, char *err, size_t errlen)
{
	struct certset *s = &sets[current == 0 ? 1 : 0];
	struct ta_cert leaf;
	uint32_t today;
	long n;

	memset(s, 0, sizeof *s - sizeof s->der);
	warn[0] = '\0';
	if ((n = read_pem(cert, err, errlen)) < 0 ||
	    decode(s, (size_t)n, cert, 1, strcmp(cert, key) == 0, err,
	    errlen) < 0)
		return -1;
	if (s->n == 0) {
		snprintf(err, errlen, "%s: no CERTIFICATE in it", cert);
		return -1;
	}
	if (strcmp(cert, key) != 0 && ((n = read_pem(key, err, errlen)) < 0 ||
	    decode(s, (size_t)n, key, 0, 1, err, errlen) < 0))
		return -1;
	if (s->keys == 0) {
		snprintf(err, errlen, "%s: no private key in it (PRIVATE KEY, "
		    "RSA PRIVATE KEY or EC PRIVATE KEY)", key);
		return -1;
	}
	if (br_skey_decoder_last_error(&s->key) != 0) {
		snprintf(err, errlen, "%s: a private key BearSSL cannot read "
		    "(BearSSL error %d)", key,
		    br_skey_decoder_last_error(&s->key));
		return -1;
	}
	/* The same reading as for trust anchors (ta.c). */
	if (ta_cert_decode(&leaf, s->chain[0].data, s->chain[0].data_len) <
	    0) {
		snprintf(err, errlen, "%s: the first certificate cannot be "
		    "read (not X.509, or a key neither RSA nor EC on P-256, "
		    "P-384 or P-521)", cert);
		return -1;
	}
	if (!key_matches(&s->key, &leaf.pkey)) {
		snprintf(err, errlen, "%s: the key is not the one of the first "
		    "certificate in %s (the server's certificate must come "
		    "first)", key, cert);
		return -1;
	}
	today = (uint32_t)(time(NULL) / 86400 + 719528);
	if (leaf.notafter_days < today)
		snprintf(warn, warnlen, "%s has expired: clients will refuse "
		    "it; renew it and send slackbot SIGHUP", cert);
	else if (leaf.notbefore_days > today)
		snprintf(warn, warnlen, "%s is not valid yet (or the clock is "
		    "wrong)", cert);
	if (br_skey_decoder_key_type(&s->key) == BR_KEYTYPE_RSA)
		snprintf(what, whatlen, "%zu certificate%s, RSA-%u key", s->n,
		    s->n == 1 ? "" : "s", br_skey_decoder_get_rsa(&s->key)->
		    n_bitlen);
	else
		snprintf(what, whatlen, "%zu certificate%s, EC %s key", s->n,
		    s->n == 1 ? "" : "s",
		    curve_name(br_skey_decoder_get_ec(&s->key)->curve));
	current = (int)(s - sets);
	return 0;
}

/* see tlsd.h */
int
tlsd_current(void)
{
	return current;
}

/* see tlsd.h */
int
tlsd_in_use(const struct tlsd *t, int set)
{
	return t->l.fd >= 0 && t->set == set && t->l.state == TLS_HANDSHAKE;
}

/* see tlsd.h */
void
tlsd_init(struct tlsd *t)
{
	t->l.eng = &t->sc.eng;
	t->l.fd = -1;
	t->l.state = TLS_CLOSED;
}

/* see tlsd.h */
int
tlsd_start(struct tlsd *t, int fd, unsigned char *buf, size_t len)
{
	br_ssl_engine_context *eng = &t->sc.eng;
	struct tls_link *l = &t->l;
	const struct certset *s;
	unsigned char seed[32];

	l->fd = fd;
	l->err = l->sys_errno = 0;
	l->peer_eof = 0;
	l->state = TLS_HANDSHAKE;
	t->set = current;
	if (current < 0) {
		tls_link_fail(l, BR_ERR_BAD_PARAM, 0);
		return -1;
	}
	s = &sets[current];
	br_ssl_server_zero(&t->sc);
	tls_algorithms(eng);	/* the client's choices (tls.c) */
	br_ssl_engine_add_flags(eng, BR_OPT_NO_RENEGOTIATION);
	if (br_skey_decoder_key_type(&s->key) == BR_KEYTYPE_RSA)
		br_ssl_server_set_single_rsa(&t->sc, s->chain, s->n,
		    br_skey_decoder_get_rsa(&s->key), BR_KEYTYPE_SIGN,
		    &br_rsa_i31_private, &br_rsa_i31_pkcs1_sign);
	else
		br_ssl_server_set_single_ec(&t->sc, s->chain, s->n,
		    br_skey_decoder_get_ec(&s->key), BR_KEYTYPE_SIGN,
		    BR_KEYTYPE_EC, &br_ec_prime_i31, &br_ecdsa_i31_sign_asn1);
	br_ssl_engine_set_buffer(eng, buf, len, 0);
	/* Our own seed, as for the client (tls.c). */
	if (random_bytes(seed, sizeof seed) == 0)
		br_ssl_engine_inject_entropy(eng, seed, sizeof seed);
	explicit_bzero(seed, sizeof seed);
	if (!br_ssl_server_reset(&t->sc)) {
		tls_link_fail(l, br_ssl_engine_last_error(eng), 0);
		return -1;
	}
	return 0;
}

/* see tlsd.h */
int
tlsd_pump(struct tlsd *t, short revents)
{
	struct tls_link *l = &t->l;
	unsigned char *p;
	ssize_t r;
	size_t n;
	int tries = 0;

	if (l->state == TLS_FAILED || l->state == TLS_CLOSED)
		return -1;
	if (tls_link_send(l) < 0)
		return -1;
	while ((revents & (POLLIN | POLLERR | POLLHUP)) && !l->peer_eof &&
	    tries++ < PUMP_RECV && (p = br_ssl_engine_recvrec_buf(l->eng,
	    &n)) != NULL) {
		r = recv(l->fd, p, n, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (r < 0) {
			tls_link_fail(l, TLS_ESYS, errno);
			return -1;
		}
		if (r == 0) {
			l->peer_eof = 1;
			break;
		}
		br_ssl_engine_recvrec_ack(l->eng, (size_t)r);
		/* The handshake answers as it goes. */
		if (tls_link_send(l) < 0)
			return -1;
	}
	tls_link_track(l);
	if (l->peer_eof && l->state != TLS_FAILED && l->state != TLS_CLOSED) {
		if (l->state == TLS_CLOSING)
			l->state = TLS_CLOSED;
		else if (br_ssl_engine_recvapp_buf(l->eng, &n) == NULL)
			tls_link_fail(l, TLS_ETRUNC, 0);
	}
	return l->state == TLS_FAILED || l->state == TLS_CLOSED ? -1 : 0;
}

/* see tlsd.h */
void
tlsd_consume(struct tlsd *t, size_t n)
{
	if (n == 0)
		return;
	br_ssl_engine_recvapp_ack(t->l.eng, n);
	tls_link_track(&t->l);
}

/* see tlsd.h */
const char *
tlsd_strerror(const struct tlsd *t, char *buf, size_t len)
{
	int e = t->l.err;

	if (e == TLS_ESYS)
		snprintf(buf, len, "%s", strerror(t->l.sys_errno));
	else if (e == TLS_ETRUNC)
		snprintf(buf, len, "closed without TLS close_notify");
	else if (e == TLS_EWEDGED)
		snprintf(buf, len, "the TLS engine stopped");
	else if (e == BR_ERR_BAD_VERSION || e == BR_ERR_UNSUPPORTED_VERSION)
		snprintf(buf, len, "the client does not speak TLS 1.2 "
		    "(BearSSL error %d)", e);
	else if (e == BR_ERR_BAD_CIPHER_SUITE || e == BR_ERR_NO_CLIENT_AUTH ||
	    e == BR_ERR_SEND_FATAL_ALERT + 40)
		snprintf(buf, len, "no cipher suite in common with the client "
		    "(BearSSL error %d)", e);
	else if (e >= BR_ERR_RECV_FATAL_ALERT && e < BR_ERR_SEND_FATAL_ALERT)
		snprintf(buf, len, "the client refused the handshake with TLS "
		    "alert %d (does it trust the certificate?)",
		    e - BR_ERR_RECV_FATAL_ALERT);
	else if (e == BR_ERR_BAD_PARAM && t->set < 0)
		snprintf(buf, len, "no certificate loaded");
	else
		snprintf(buf, len, "TLS failure (BearSSL error %d)", e);
	return buf;
}

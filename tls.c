/*
 * tls.c: see tls.h.
 *
 * The BearSSL engine holds four buffers (see bearssl_ssl.h); this file only
 * shuttles bytes between them and the socket.  Ciphertext is read with one
 * recv() into rx[] and fed to the engine from there, because the engine
 * asks for each record header and body separately: reading straight into
 * it would cost two system calls per record.
 *
 * Invariants: rx[rxoff..rxlen) is ciphertext read but not yet taken by the
 * engine; it is fed whenever the engine accepts records, so after any
 * public call either it is empty or the engine is holding decrypted data
 * the application has not read.  state only moves forward (HANDSHAKE, OPEN,
 * CLOSING, then CLOSED or FAILED) until the next tls_start().
 */
#include <sys/socket.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "ta.h"
#include "tls.h"
#include "util.h"

#ifndef BUILD_EPOCH
#define BUILD_EPOCH	0
#endif

/*
 * TLS 1.2, ECDHE with AEAD only: what Slack offers, and small.  One
 * implementation of each algorithm is linked, chosen here for the target
 * (BearSSL's br_ssl_engine_set_default_*() would link every one of them
 * and pick at run time):
 *
 * - AES-GCM everywhere: the suite every TLS 1.2 server has.  On x86-64
 *   with AES-NI and PCLMULQDQ (every x86-64 CPU since about 2011).
 *   Elsewhere BearSSL has no AES instructions: constant-time code, 64- or
 *   32-bit.
 * - ChaCha20-Poly1305 everywhere but x86-64, and offered first there:
 *   without AES instructions it is several times faster than constant-time
 *   AES-GCM, which is what a router's CPU feels.  On x86-64 it is what a
 *   CPU without AES-NI or PCLMULQDQ offers instead of AES-GCM, alone:
 *   faster there than constant-time AES and GHASH, and 3 KB smaller (the
 *   ChaCha20 code is linked anyway, for util.c's random bytes); Slack's
 *   hosts take it.
 * - ECDHE on X25519 (br_ec_c25519_m31), which nearly every TLS server
 *   takes first, else on P-256, P-384 or P-521; those curves and every
 *   ECDSA signature through BearSSL's generic prime-curve code
 *   (br_ec_prime_i31), with no P-256 specialist (8 KB).  X25519 costs 3.9
 *   KB on x86-64 and takes 60% off the instructions of `run`'s start with
 *   an RSA chain like Slack's (two handshakes: 61 million without it, 24
 *   million with it, 22 million with both specialists); an ECDSA chain
 *   still pays the generic code's verifications (about 20 million
 *   instructions each).
 * - RSA (signatures in the server's chain or handshake, and the key of
 *   run --http) through the 31-bit code, whose modular exponentiation
 *   is the smallest.
 */
static const uint16_t suites[] = {
	BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
};

/* Days from 0000-01-01 (proleptic Gregorian) to 1970-01-01, BearSSL's. */
#define DAYS_TO_1970	719528

static struct ta_set			 anchors;
static const br_x509_trust_anchor	*ta_list;
static size_t				 ta_count;

/* Bundle files, in the order Go's crypto/x509 looks for them on Linux. */
static const char *const bundles[] = {
	"/etc/ssl/certs/ca-certificates.crt",	/* Debian, Alpine, OpenWrt */
	"/etc/pki/tls/certs/ca-bundle.crt",	/* Fedora, RHEL */
	"/etc/ssl/ca-bundle.pem",		/* openSUSE */
	"/etc/pki/tls/cacert.pem",		/* OpenELEC */
	"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", /* RHEL 7 */
	"/etc/ssl/cert.pem",			/* Alpine, BSDs */
};

/* A CA directory's entry that is not used: say which and why. */
static void
skipped(const char *why)
{
	log_msg(LOG_WARN, "trusted certificates: skipped %s", why);
}

static int
load_dir(struct ta_set *set, const char *dir, char *err, size_t errlen)
{
	return ta_load_dir(set, dir, skipped, err, errlen);
}

static const struct {
	const char	*var;
	int		(*load)(struct ta_set *, const char *, char *, size_t);
} settings[] = {
	{ "SSL_CERT_FILE",	ta_load_file },
	{ "SSL_CERT_DIR",	load_dir },
};

static const char *const cadirs[] = {
	"/etc/ssl/certs",
	"/etc/pki/tls/certs",
};

static int
use_set(char *what, size_t whatlen, const char *from)
{
	ta_list = anchors.ta;
	ta_count = anchors.n;
	snprintf(what, whatlen, "%s (%zu certificates)", from, anchors.n);
	return (int)anchors.n;
}

/*
 * Puts "VAR=" before a reason that starts with the path (ta.h), so that
 * the line says which setting named the path.  Returns -1.
 */
static int
blame(const char *var, char *err, size_t errlen)
{
	char why[512];

	snprintf(why, sizeof why, "%s", err);
	snprintf(err, errlen, "%s=%s", var, why);
	return -1;
}

/* see tls.h */
int
tls_anchors_load(char *what, size_t whatlen, char *err, size_t errlen)
{
	const char *env;
	char ignored[256];
	size_t i;

	/* What the user names is used, or its failure reported. */
	for (i = 0; i < sizeof settings / sizeof settings[0]; i++) {
		if ((env = getenv(settings[i].var)) == NULL || *env == '\0')
			continue;
		ta_reset(&anchors);
		if (settings[i].load(&anchors, env, err, errlen) < 0)
			return blame(settings[i].var, err, errlen);
		if (anchors.n == 0) {
			snprintf(err, errlen, "%s=%s: no usable certificate in "
			    "it", settings[i].var, env);
			return -1;
		}
		return use_set(what, whatlen, env);
	}
	for (i = 0; i < sizeof bundles / sizeof bundles[0]; i++) {
		ta_reset(&anchors);
		if (ta_load_file(&anchors, bundles[i], ignored,
		    sizeof ignored) > 0)
			return use_set(what, whatlen, bundles[i]);
	}
	for (i = 0; i < sizeof cadirs / sizeof cadirs[0]; i++) {
		ta_reset(&anchors);
		if (load_dir(&anchors, cadirs[i], ignored,
		    sizeof ignored) > 0)
			return use_set(what, whatlen, cadirs[i]);
	}
	ta_reset(&anchors);
	ta_list = tls_builtin_ta;
	ta_count = tls_builtin_ta_count;
	snprintf(what, whatlen, "the %zu roots built into slackbot",
	    ta_count);
	return (int)ta_count;
}

/*
 * The time certificates are checked against: time(), except in a test
 * build (-DTLS_TEST_CLOCK: build/TARGET/slackbot-clock, never shipped),
 * where the file named by SLACKBOT_TEST_CLOCK, when it exists, holds it as
 * seconds since 1970.  A static binary ignores LD_PRELOAD clock fakers;
 * this is how the tests play a board that boots in 1970 and later gets
 * its clock set.
 */
static time_t
tls_time(void)
{
#ifdef TLS_TEST_CLOCK
	const char *path = getenv("SLACKBOT_TEST_CLOCK");
	char buf[32];
	uint64_t v;
	ssize_t n = -1;
	int fd;

	if (path != NULL && (fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		n = read(fd, buf, sizeof buf);
		close(fd);
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	if (n > 0 && parse_u64(buf, (size_t)n, INT32_MAX, &v) == 0)
		return (time_t)v;
#endif
	return time(NULL);
}

/* see tls.h */
int
tls_clock_check(char *why, size_t len)
{
	time_t now = tls_time(), built = BUILD_EPOCH;
	struct tm tm, tb;

	if (now >= built)
		return 0;
	memset(&tm, 0, sizeof tm);
	memset(&tb, 0, sizeof tb);
	gmtime_r(&now, &tm);
	gmtime_r(&built, &tb);
	snprintf(why, len, "the system clock is wrong: it says %04d-%02d-%02d "
	    "%02d:%02d UTC, before this program was built (%04d-%02d-%02d); "
	    "certificates cannot be checked until the clock is set (ntpd, "
	    "or date -s): waiting for it, then connecting",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tb.tm_year + 1900, tb.tm_mon + 1, tb.tm_mday);
	return -1;
}

/*
 * The key exchange's curves (see above): X25519 through its own code;
 * P-256, P-384 and P-521 through the generic code, which the ECDSA
 * signatures use too.
 */
#define EC_OF(curve)	((curve) == BR_EC_curve25519 ? &br_ec_c25519_m31 : \
			    &br_ec_prime_i31)

static const unsigned char *
ec_generator(int curve, size_t *len)
{
	return EC_OF(curve)->generator(curve, len);
}

static const unsigned char *
ec_order(int curve, size_t *len)
{
	return EC_OF(curve)->order(curve, len);
}

static size_t
ec_xoff(int curve, size_t *len)
{
	return EC_OF(curve)->xoff(curve, len);
}

static uint32_t
ec_mul(unsigned char *g, size_t glen, const unsigned char *x, size_t xlen,
    int curve)
{
	return EC_OF(curve)->mul(g, glen, x, xlen, curve);
}

static size_t
ec_mulgen(unsigned char *r, const unsigned char *x, size_t xlen, int curve)
{
	return EC_OF(curve)->mulgen(r, x, xlen, curve);
}

static uint32_t
ec_muladd(unsigned char *a, const unsigned char *b, size_t len,
    const unsigned char *x, size_t xlen, const unsigned char *y,
    size_t ylen, int curve)
{
	return EC_OF(curve)->muladd(a, b, len, x, xlen, y, ylen, curve);
}

static const br_ec_impl ec_curves = {
	(uint32_t)1 << BR_EC_curve25519 | (uint32_t)1 << BR_EC_secp256r1 |
	    (uint32_t)1 << BR_EC_secp384r1 | (uint32_t)1 << BR_EC_secp521r1,
	ec_generator, ec_order, ec_xoff, ec_mul, ec_mulgen, ec_muladd
};

/* see tls.h */
void
tls_algorithms(br_ssl_engine_context *eng)
{
	size_t n = sizeof suites / sizeof suites[0], first = 0;
	int gcm = 1, chapol = 1;
#ifdef __x86_64__
	const br_block_ctr_class *ctr = br_aes_x86ni_ctr_get_vtable();
	br_ghash ghash = br_ghash_pclmul_get();

	/* AES-GCM with AES-NI and PCLMULQDQ, else ChaCha20 (see above). */
	gcm = ctr != NULL && ghash != NULL;
	chapol = !gcm;
#endif

	if (!gcm)
		n = 2;		/* suites[] begins with the two ChaCha20 */
	else if (!chapol)
		first = 2;
	br_ssl_engine_set_versions(eng, BR_TLS12, BR_TLS12);
	br_ssl_engine_set_suites(eng, suites + first, n - first);
	br_ssl_engine_set_hash(eng, br_sha256_ID, &br_sha256_vtable);
	br_ssl_engine_set_hash(eng, br_sha384_ID, &br_sha384_vtable);
	br_ssl_engine_set_prf_sha256(eng, &br_tls12_sha256_prf);
	br_ssl_engine_set_prf_sha384(eng, &br_tls12_sha384_prf);
	if (gcm) {
		br_ssl_engine_set_gcm(eng, &br_sslrec_in_gcm_vtable,
		    &br_sslrec_out_gcm_vtable);
#ifdef __x86_64__
		br_ssl_engine_set_aes_ctr(eng, ctr);
		br_ssl_engine_set_ghash(eng, ghash);
#elif ULONG_MAX > 0xffffffffUL
		br_ssl_engine_set_aes_ctr(eng, &br_aes_ct64_ctr_vtable);
		br_ssl_engine_set_ghash(eng, &br_ghash_ctmul64);
#else
		br_ssl_engine_set_aes_ctr(eng, &br_aes_ct_ctr_vtable);
		br_ssl_engine_set_ghash(eng, &br_ghash_ctmul);
#endif
	}
	if (chapol) {
		br_ssl_engine_set_chapol(eng, &br_sslrec_in_chapol_vtable,
		    &br_sslrec_out_chapol_vtable);
		br_ssl_engine_set_chacha20(eng, &br_chacha20_ct_run);
		/* x86-64: the smaller one, for the few CPUs that get here */
#if defined __SIZEOF_INT128__ && !defined __x86_64__
		br_ssl_engine_set_poly1305(eng, &br_poly1305_ctmulq_run);
#else
		br_ssl_engine_set_poly1305(eng, &br_poly1305_ctmul_run);
#endif
	}
	br_ssl_engine_set_ec(eng, &ec_curves);
}

/* see tls.h */
void
tls_init(struct tls *t, unsigned char *buf, size_t len, int bidi)
{
	br_ssl_engine_context *eng = &t->cc.eng;

	memset(t, 0, offsetof(struct tls, rx));
	t->l.eng = eng;
	t->l.fd = -1;
	t->l.state = TLS_CLOSED;
	if (ta_list == NULL) {
		ta_list = tls_builtin_ta;
		ta_count = tls_builtin_ta_count;
	}
	br_ssl_client_zero(&t->cc);
	tls_algorithms(eng);
	br_ssl_engine_set_rsavrfy(eng, &br_rsa_i31_pkcs1_vrfy);
	br_ssl_engine_set_ecdsa(eng, &br_ecdsa_i31_vrfy_asn1);
	br_x509_minimal_init(&t->xc, &br_sha256_vtable, ta_list, ta_count);
	br_x509_minimal_set_hash(&t->xc, br_sha256_ID, &br_sha256_vtable);
	br_x509_minimal_set_hash(&t->xc, br_sha384_ID, &br_sha384_vtable);
	br_x509_minimal_set_hash(&t->xc, br_sha512_ID, &br_sha512_vtable);
	br_x509_minimal_set_rsa(&t->xc, &br_rsa_i31_pkcs1_vrfy);
	br_x509_minimal_set_ecdsa(&t->xc, &br_ec_prime_i31,
	    &br_ecdsa_i31_vrfy_asn1);
	br_ssl_engine_set_x509(eng, &t->xc.vtable);
	br_ssl_engine_set_buffer(eng, buf, len, bidi);
}

/* see tls.h */
void
tls_link_fail(struct tls_link *l, int err, int sys_errno)
{
	if (l->state == TLS_FAILED)
		return;
	l->state = TLS_FAILED;
	l->err = err;
	l->sys_errno = sys_errno;
}

/* see tls.h */
void
tls_link_track(struct tls_link *l)
{
	unsigned st = br_ssl_engine_current_state(l->eng);
	int err;

	if (l->state == TLS_FAILED || l->state == TLS_CLOSED)
		return;
	if (st == 0)
		tls_link_fail(l, TLS_EWEDGED, 0);
	else if (st & BR_SSL_CLOSED) {
		if ((err = br_ssl_engine_last_error(l->eng)) != BR_ERR_OK)
			tls_link_fail(l, err, 0);
		else
			l->state = TLS_CLOSED;
	} else if (l->state == TLS_HANDSHAKE && (st & (BR_SSL_SENDAPP |
	    BR_SSL_RECVAPP)))
		l->state = TLS_OPEN;
}

/* see tls.h */
int
tls_link_send(struct tls_link *l)
{
	unsigned char *p;
	ssize_t r;
	size_t n;

	while ((p = br_ssl_engine_sendrec_buf(l->eng, &n)) != NULL) {
		r = send(l->fd, p, n, MSG_NOSIGNAL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (r < 0) {
			/* Our close_notify may meet a peer already gone. */
			if (l->state == TLS_CLOSING)
				l->state = TLS_CLOSED;
			else
				tls_link_fail(l, TLS_ESYS, errno);
			return -1;
		}
		br_ssl_engine_sendrec_ack(l->eng, (size_t)r);
	}
	tls_link_track(l);
	return 0;
}

/* see tls.h */
short
tls_link_want(const struct tls_link *l, int paused)
{
	unsigned st;
	short ev = 0;

	if (l->state == TLS_FAILED || l->state == TLS_CLOSED || l->fd < 0)
		return 0;
	st = br_ssl_engine_current_state(l->eng);
	if (st & BR_SSL_SENDREC)
		ev |= POLLOUT;
	if ((st & BR_SSL_RECVREC) && !l->peer_eof && !paused)
		ev |= POLLIN;
	return ev;
}

/* Feeds staged ciphertext to the engine, as much as it takes. */
static void
feed(struct tls *t)
{
	br_ssl_engine_context *eng = &t->cc.eng;
	unsigned char *p;
	size_t n, k;

	while (t->rxoff < t->rxlen &&
	    (p = br_ssl_engine_recvrec_buf(eng, &n)) != NULL) {
		k = t->rxlen - t->rxoff;
		if (k > n)
			k = n;
		memcpy(p, t->rx + t->rxoff, k);
		t->rxoff += k;
		br_ssl_engine_recvrec_ack(eng, k);
	}
	if (t->rxoff == t->rxlen)
		t->rxoff = t->rxlen = 0;
	tls_link_track(&t->l);
}

/* see tls.h */
int
tls_start(struct tls *t, int fd, const char *host)
{
	struct tls_link *l = &t->l;
	unsigned char seed[32];
	size_t n = strlen(host);
	time_t now = tls_time();

	l->fd = fd;
	l->err = 0;
	l->sys_errno = 0;
	l->peer_eof = 0;
	t->rxoff = t->rxlen = 0;
	l->state = TLS_HANDSHAKE;
	if (n >= sizeof t->host) {
		tls_link_fail(l, BR_ERR_BAD_PARAM, 0);
		return -1;
	}
	memcpy(t->host, host, n + 1);
	/* Our own seed: BearSSL 0.6 trusts RDRAND alone when it has it. */
	if (random_bytes(seed, sizeof seed) == 0)
		br_ssl_engine_inject_entropy(l->eng, seed, sizeof seed);
	explicit_bzero(seed, sizeof seed);
	if (!br_ssl_client_reset(&t->cc, t->host, 0)) {
		tls_link_fail(l, br_ssl_engine_last_error(l->eng), 0);
		return -1;
	}
	/* The same clock as tls_clock_check() (BearSSL would call time()). */
	if (now >= 0)
		br_x509_minimal_set_time(&t->xc, (uint32_t)(now / 86400 +
		    DAYS_TO_1970), (uint32_t)(now % 86400));
	return 0;
}

/* see tls.h */
short
tls_want(const struct tls *t, int paused)
{
	/* Staged ciphertext goes to the engine before more is read. */
	return tls_link_want(&t->l, paused || t->rxoff < t->rxlen);
}

/* see tls.h */
int
tls_pump(struct tls *t, short revents)
{
	struct tls_link *l = &t->l;
	int readable = (revents & (POLLIN | POLLERR | POLLHUP)) != 0;
	unsigned st;
	ssize_t r;

	if (l->state == TLS_FAILED || l->state == TLS_CLOSED)
		return -1;
	for (;;) {
		if (tls_link_send(l) < 0)
			return -1;
		feed(t);
		st = br_ssl_engine_current_state(l->eng);
		if (!readable || l->peer_eof || !(st & BR_SSL_RECVREC) ||
		    t->rxoff < t->rxlen)
			break;
		r = recv(l->fd, t->rx, sizeof t->rx, 0);
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
		t->rxlen = (size_t)r;
		t->rxoff = 0;
		/* A short read means the socket is drained for now. */
		if ((size_t)r < sizeof t->rx)
			readable = 0;
	}
	if (tls_link_send(l) < 0)
		return -1;
	if (l->peer_eof && t->rxoff == t->rxlen &&
	    (l->state == TLS_HANDSHAKE || l->state == TLS_OPEN ||
	    l->state == TLS_CLOSING)) {
		/* After our close_notify, a bare TCP close is acceptable. */
		if (l->state == TLS_CLOSING)
			l->state = TLS_CLOSED;
		else
			tls_link_fail(l, l->state == TLS_HANDSHAKE ?
			    TLS_EHSEOF : TLS_ETRUNC, 0);
	}
	return l->state == TLS_FAILED || l->state == TLS_CLOSED ? -1 : 0;
}

/* see tls.h */
const unsigned char *
tls_peek(struct tls_link *l, size_t *len)
{
	const unsigned char *p = br_ssl_engine_recvapp_buf(l->eng, len);

	if (p == NULL)
		*len = 0;
	return p;
}

/* see tls.h */
void
tls_consume(struct tls *t, size_t n)
{
	if (n == 0)
		return;
	br_ssl_engine_recvapp_ack(&t->cc.eng, n);
	feed(t);
}

/* see tls.h */
size_t
tls_write(struct tls_link *l, const void *data, size_t n)
{
	unsigned char *p;
	size_t len;

	if (l->state != TLS_OPEN ||
	    (p = br_ssl_engine_sendapp_buf(l->eng, &len)) == NULL)
		return 0;
	if (n > len)
		n = len;
	if (n > 0) {
		memcpy(p, data, n);
		br_ssl_engine_sendapp_ack(l->eng, n);
	}
	return n;
}

/* see tls.h */
void
tls_flush(struct tls_link *l)
{
	if (l->state == TLS_OPEN)
		br_ssl_engine_flush(l->eng, 0);
}

/* see tls.h */
int
tls_sending(const struct tls_link *l)
{
	return l->state != TLS_FAILED && l->state != TLS_CLOSED &&
	    (br_ssl_engine_current_state(l->eng) & BR_SSL_SENDREC) != 0;
}

/* see tls.h */
void
tls_close(struct tls_link *l)
{
	size_t n;

	if (l->state != TLS_OPEN && l->state != TLS_HANDSHAKE)
		return;
	/* BearSSL 0.6 wedges if it closes with unread data: drop it first. */
	while (br_ssl_engine_recvapp_buf(l->eng, &n) != NULL && n > 0)
		br_ssl_engine_recvapp_ack(l->eng, n);
	br_ssl_engine_close(l->eng);
	l->state = TLS_CLOSING;
	tls_link_track(l);
}

/* see tls.h */
int
tls_state(const struct tls_link *l)
{
	return l->state;
}

static const struct {
	int		 code;
	const char	*words;		/* %s: the host name */
} errors[] = {
	{ BR_ERR_BAD_PARAM, "bad TLS parameter (is the host name longer "
	    "than 255 bytes?)" },
	{ BR_ERR_UNSUPPORTED_VERSION, "%s does not speak TLS 1.2" },
	{ BR_ERR_BAD_VERSION, "%s does not speak TLS 1.2" },
	{ BR_ERR_TOO_LARGE, "%s sent a TLS record larger than the buffer" },
	{ BR_ERR_BAD_MAC, "data from %s failed its integrity check: the "
	    "connection is corrupted or tampered with" },
	{ BR_ERR_NO_RANDOM, "no source of random numbers (getrandom or "
	    "/dev/urandom)" },
	{ BR_ERR_BAD_CIPHER_SUITE, "%s chose a cipher suite we did not "
	    "offer" },
	{ BR_ERR_BAD_FRAGLEN, "%s mishandled the maximum fragment length" },
	{ BR_ERR_RESUME_MISMATCH, "%s broke session resumption" },
	{ BR_ERR_INVALID_ALGORITHM, "%s signed the handshake with an "
	    "unusable algorithm" },
	{ BR_ERR_BAD_SIGNATURE, "the handshake signature of %s is invalid" },
	{ BR_ERR_WRONG_KEY_USAGE, "the certificate of %s may not be used "
	    "for this" },
	{ BR_ERR_X509_EXPIRED, "the certificate of %s has expired or is not "
	    "yet valid" },
	{ BR_ERR_X509_BAD_SERVER_NAME, "the certificate presented is not "
	    "for %s (wrong host, proxy or captive portal?)" },
	{ BR_ERR_X509_NOT_CA, "an intermediate certificate of %s is not "
	    "allowed to sign" },
	{ BR_ERR_X509_FORBIDDEN_KEY_USAGE, "the certificate of %s may not "
	    "be used for TLS servers" },
	{ BR_ERR_X509_WEAK_PUBLIC_KEY, "the certificate of %s has a key "
	    "too small to trust" },
	{ BR_ERR_X509_NOT_TRUSTED, "the certificate of %s is not signed by "
	    "a trusted authority (point SSL_CERT_FILE at the right CA "
	    "bundle; a TLS-inspecting proxy may be in the way)" },
	{ BR_ERR_RECV_FATAL_ALERT + 40, "%s refused the handshake: no "
	    "cipher suite in common" },
	{ BR_ERR_RECV_FATAL_ALERT + 70, "%s refused TLS 1.2 (it requires "
	    "another version)" },
	{ BR_ERR_RECV_FATAL_ALERT + 112, "%s does not know that server "
	    "name" },
	{ TLS_ETRUNC, "%s closed the connection without TLS close_notify "
	    "(truncated)" },
	{ TLS_EWEDGED, "the TLS engine for %s stopped" },
	{ TLS_EHSEOF, "%s closed the connection during the TLS handshake "
	    "(no cipher suite or curve in common, or not a TLS 1.2 server)" },
};

/* Copies words into buf with its one "%s" replaced by host. */
static int
with_host(char *buf, size_t len, const char *words, const char *host)
{
	const char *at = strstr(words, "%s");

	if (at == NULL)
		return snprintf(buf, len, "%s", words);
	return snprintf(buf, len, "%.*s%s%s", (int)(at - words), words, host,
	    at + 2);
}

/* see tls.h */
const char *
tls_strerror(const struct tls *t, char *buf, size_t len)
{
	struct tm tm;
	time_t now;
	size_t i;
	int n;

	if (t->l.err == TLS_ESYS) {
		snprintf(buf, len, "%s: %s", t->host, strerror(t->l.sys_errno));
		return buf;
	}
	now = tls_time();
	if (t->l.err == BR_ERR_X509_EXPIRED && now < BUILD_EPOCH &&
	    gmtime_r(&now, &tm) != NULL) {
		snprintf(buf, len, "cannot check the certificate of %s: the "
		    "system clock says %04d-%02d-%02d %02d:%02d UTC, which is "
		    "before this program was built; set the clock (NTP, or "
		    "date -s) and it will connect (BearSSL error %d)",
		    t->host, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		    tm.tm_hour, tm.tm_min, t->l.err);
		return buf;
	}
	for (i = 0; i < sizeof errors / sizeof errors[0]; i++)
		if (errors[i].code == t->l.err)
			break;
	if (i < sizeof errors / sizeof errors[0])
		n = with_host(buf, len, errors[i].words, t->host);
	else if (t->l.err >= BR_ERR_X509_INVALID_VALUE &&
	    t->l.err <= BR_ERR_X509_BAD_TIME)
		n = snprintf(buf, len, "%s sent a malformed certificate",
		    t->host);
	else if (t->l.err >= BR_ERR_RECV_FATAL_ALERT &&
	    t->l.err < BR_ERR_SEND_FATAL_ALERT)
		n = snprintf(buf, len, "%s ended the connection with TLS "
		    "alert %d", t->host, t->l.err - BR_ERR_RECV_FATAL_ALERT);
	else if (t->l.err >= BR_ERR_SEND_FATAL_ALERT)
		n = snprintf(buf, len, "we ended the connection to %s with "
		    "TLS alert %d", t->host,
		    t->l.err - BR_ERR_SEND_FATAL_ALERT);
	else
		n = snprintf(buf, len, "TLS failure with %s", t->host);
	if (n >= 0 && (size_t)n < len && t->l.err < 1024)
		snprintf(buf + n, len - (size_t)n, " (BearSSL error %d)",
		    t->l.err);
	return buf;
}

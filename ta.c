/*
 * ta.c: PEM bundles to BearSSL trust anchors, without malloc.
 *
 * The file is read in small pieces; the PEM text is decoded here in one
 * pass (pem_feed(), a byte-at-a-time state machine that reads PEM exactly
 * as BearSSL's decoder does, codec/pemdec.t0, at a small fraction of its
 * cost) and the DER of a certificate gathered in cert_der[], at most
 * TA_CERT_MAX bytes.  At its END line, ta_cert_decode() walks it for the
 * subject name, the key and the CA flag, as BearSSL's X.509 decoder
 * would give them (see "The certificate walk" below), and these alone
 * are copied into the arena.
 *
 * Invariant: ta[0..n) point only into arena[0..used); a certificate
 * takes arena space only once it is whole, read and known to fit, so
 * one that fails leaves n and used as they were before it.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "ta.h"

/* Where the PEM reader is: see pem_feed(). */
enum pem_state {
	P_LINE,		/* outside an object, at k bytes of a BEGIN line */
	P_SKIP,		/* the rest of a line is ignored */
	P_NAME,		/* the name after "-----BEGIN " */
	P_Q0,		/* the first character of a quartet */
	P_Q1, P_Q2, P_Q3,
	P_PAD,		/* "xx=": the second '=' is due */
	P_PADWS,	/* padding seen: only blanks to the end of the line */
	P_TRAILER,	/* after padding: the END line is due */
	P_END,		/* at k bytes of "----END " (its first '-' read) */
	P_ENDLINE	/* the rest of the END line */
};

struct loader {
	struct ta_set		*set;
	size_t			 nder;	/* DER bytes of the object so far */
	int			 in_cert; /* inside a CERTIFICATE object */
	/* The PEM reader. */
	enum pem_state		 st;
	size_t			 k;	/* bytes matched, or of the name */
	int			 first;	/* P_Q0: nothing yet on this line */
	int			 blank;	/* P_Q0: blanks before the character */
	int			 padok;	/* P_PADWS: what came was '=' */
	int			 pad;	/* P_PADWS: output bytes of the last quartet */
	uint32_t		 acc;	/* bits of the quartet; P_NAME: bytes */
	char			 name[128];
};

/*
 * The certificate being read: static, as loading is done once at
 * start-up and the stack may be small.  Bytes past TA_CERT_MAX are
 * counted in nder, not kept.
 */
static unsigned char	cert_der[TA_CERT_MAX];

/*
 * The certificate walk.  BearSSL's X.509 decoder (src/x509/x509_decoder.t0
 * and asn1.t0) runs a T0 program over every byte of a certificate; for a
 * system bundle that was nearly all the time spent at start-up.  This
 * walk jumps over what an anchor does not need, by its length, and reads
 * the rest as that decoder reads it, to the same end: what it refuses is
 * what the decoder refuses, and what it gives is what the decoder gives.
 *
 * What it reads and requires, as the decoder does:
 *  - Tags of one byte, of the universal or context class; definite
 *    lengths, long forms with leading zeros included, up to 2^31 - 1;
 *    each element inside the one holding it, and nothing after the last
 *    element of a structure (after the certificate either).
 *  - The version: none (v1), or [0] holding exactly an INTEGER of value
 *    0, 1 or 2 (leading zero bytes allowed; and, as BearSSL's signed
 *    32-bit arithmetic has it, some values of 2^31 and more, spelt with a
 *    leading zero byte, see ta_cert_decode()).  A serial number that is a
 *    primitive INTEGER, its value not read.  The signature algorithm and
 *    the issuer: SEQUENCEs, not read.
 *  - The validity: a SEQUENCE of exactly two UTCTime or GeneralizedTime
 *    values (years 1950 to 2049 for UTCTime), each YYMMDDhhmmss or
 *    YYYYMMDDhhmmss with a real day of the month, hours to 23, minutes to
 *    59, seconds to 60, then '.' and any digits (for either type), then
 *    'Z' and the end.  The day counts are BearSSL's (tlsd.c uses them).
 *  - The subject: a SEQUENCE, not read; the name is its whole encoding,
 *    tag and length as written, the bytes the decoder passes to its DN
 *    callback.
 *  - The key: rsaEncryption, its parameters not read, and a BIT STRING
 *    with no unused bits holding exactly a SEQUENCE of exactly two
 *    non-negative INTEGERs; or id-ecPublicKey with exactly a named curve,
 *    P-256, P-384 or P-521 (BR_EC_secp256r1 and so on), and a BIT STRING
 *    with no unused bits holding the point, not checked.  Numbers lose
 *    their leading zero bytes; together, or the point alone, they take at
 *    most BR_X509_BUFSIZE_KEY (520) bytes.  Any other algorithm or curve,
 *    or an OID over 255 bytes here, refuses the certificate.
 *  - Then, in this order and each at most once, [1] and [2] (either
 *    form, skipped) and [3] constructed, holding exactly a SEQUENCE of
 *    extensions: each a SEQUENCE of an OID, an optional BOOLEAN (of one
 *    byte, any value), and an OCTET STRING, and nothing else.  The value
 *    of basicConstraints must be exactly a SEQUENCE; if its first element
 *    is a BOOLEAN (one byte, non-zero for TRUE), that says isCA, and the
 *    rest of it is not read.  Other extensions are not read.  isCA is the
 *    word of the last basicConstraints with a BOOLEAN, FALSE without one,
 *    whatever the version.
 *  - The signature algorithm: a SEQUENCE whose first element is an OID,
 *    the rest not read.  The signature: a BIT STRING with no unused bits.
 *
 * Where it differs, on purpose: a key with an empty modulus, exponent or
 * point, which the decoder gives as it is, is refused here (no anchor
 * can use it); and ta.c skips a certificate over TA_CERT_MAX bytes.
 * tests/fuzz_pem.c holds the walk to BearSSL's decoder, modulo these.
 */

/* An element being read: bytes [p, end). */
struct der {
	unsigned char	*p, *end;
};

#define DER_END	(-1)	/* der_tag(): nothing left */
#define DER_BAD	(-2)	/* der_tag(): a tag BearSSL does not read */

/*
 * The next tag byte.  BearSSL reads only tags of one byte, of the
 * universal or context-specific class.
 */
static int
der_tag(struct der *d)
{
	unsigned t;

	if (d->p == d->end)
		return DER_END;
	t = *d->p++;
	if ((t & 0x40) || (t & 0x1f) == 0x1f)
		return DER_BAD;
	return (int)t;
}

/* The length after a tag: the value becomes e, d moves past it. */
static int
der_value(struct der *d, struct der *e)
{
	size_t len, n;

	if (d->p == d->end || *d->p == 0x80)	/* indefinite */
		return -1;
	len = *d->p++;
	if (len & 0x80)
		for (n = len & 0x7f, len = 0; n > 0; n--) {
			if (d->p == d->end || len > 0x7fffff)
				return -1;
			len = len << 8 | *d->p++;
		}
	if (len > (size_t)(d->end - d->p))
		return -1;
	e->p = d->p;
	e->end = d->p + len;
	d->p = e->end;
	return 0;
}

/* The next element, of tag byte t, as e. */
static int
der_open(struct der *d, unsigned t, struct der *e)
{
	if (d->p == d->end || *d->p != t)
		return -1;
	d->p++;
	return der_value(d, e);
}

/* The content of a BIT STRING with no unused bits, as e. */
static int
der_bits(struct der *d, struct der *e)
{
	if (der_open(d, 0x03, e) < 0 || e->p == e->end || *e->p != 0)
		return -1;
	e->p++;
	return 0;
}

/* A non-negative INTEGER without its leading zero bytes. */
static int
der_uint(struct der *d, unsigned char **v, size_t *len)
{
	struct der e;

	if (der_open(d, 0x02, &e) < 0 || e.p == e.end || *e.p >= 0x80)
		return -1;
	while (e.p < e.end && *e.p == 0)
		e.p++;
	*v = e.p;
	*len = (size_t)(e.end - e.p);
	return 0;
}

/* A UTCTime or GeneralizedTime: its day, counted as BearSSL counts. */
static int
der_date(struct der *d, uint32_t *days)
{
	/* Days before each month of a common year, and in it. */
	static const uint16_t before[13] = { 0, 31, 59, 90, 120, 151, 181,
	    212, 243, 273, 304, 334, 365 };
	/* The largest month, day, hour, minute and second. */
	static const unsigned char max[5] = { 12, 31, 23, 59, 60 };
	struct der e;
	unsigned v[7], *f, i, n, y, leap;
	int t;

	if (((t = der_tag(d)) != 0x17 && t != 0x18) || der_value(d, &e) < 0)
		return -1;
	/* Two or four digits of year, then two for each of the rest. */
	n = t == 0x18 ? 7 : 6;
	for (i = 0; i < n; i++, e.p += 2) {
		if (e.end - e.p < 2 || e.p[0] < '0' || e.p[0] > '9' ||
		    e.p[1] < '0' || e.p[1] > '9')
			return -1;
		v[i] = (unsigned)(e.p[0] - '0') * 10 + (unsigned)(e.p[1] - '0');
	}
	if (t == 0x18)
		y = v[0] * 100 + v[1];
	else
		y = v[0] + (v[0] < 50 ? 2000 : 1900);
	leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
	f = v + n - 5;
	for (i = 0; i < 5; i++)
		if (f[i] > max[i])
			return -1;
	if (f[0] == 0 || f[1] == 0 || f[1] > (unsigned)(before[f[0]] -
	    before[f[0] - 1]) + (f[0] == 2 && leap))
		return -1;
	/* Then a fraction of a second, of any type, and the zone: 'Z'. */
	if (e.p < e.end && *e.p == '.')
		for (e.p++; e.p < e.end && *e.p >= '0' && *e.p <= '9'; e.p++)
			;
	if (e.end - e.p != 1 || *e.p != 'Z')
		return -1;
	*days = 365 * y + (y + 3) / 4 - (y + 99) / 100 + (y + 399) / 400 +
	    before[f[0] - 1] + (f[0] > 2 && leap) + f[1] - 1;
	return 0;
}

/* The OID in e is oid, given as its length then its bytes. */
static int
der_is(const struct der *e, const char *oid)
{
	return e->end - e->p == oid[0] && memcmp(e->p, oid + 1,
	    (size_t)oid[0]) == 0;
}

/* SubjectPublicKeyInfo's content. */
static int
der_key(struct der *d, br_x509_pkey *pk)
{
	struct der alg, oid, bits, seq;
	br_rsa_public_key *rsa = &pk->key.rsa;
	br_ec_public_key *ec = &pk->key.ec;

	if (der_open(d, 0x30, &alg) < 0 || der_open(&alg, 0x06, &oid) < 0)
		return -1;
	if (der_is(&oid, "\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01")) {
		pk->key_type = BR_KEYTYPE_RSA;
		if (der_bits(d, &bits) < 0 ||
		    der_open(&bits, 0x30, &seq) < 0 || bits.p != bits.end ||
		    der_uint(&seq, &rsa->n, &rsa->nlen) < 0 ||
		    der_uint(&seq, &rsa->e, &rsa->elen) < 0 ||
		    seq.p != seq.end || rsa->nlen == 0 || rsa->elen == 0 ||
		    rsa->nlen + rsa->elen > BR_X509_BUFSIZE_KEY)
			return -1;
	} else if (der_is(&oid, "\x07\x2a\x86\x48\xce\x3d\x02\x01")) {
		pk->key_type = BR_KEYTYPE_EC;
		if (der_open(&alg, 0x06, &oid) < 0 || alg.p != alg.end)
			return -1;
		if (der_is(&oid, "\x08\x2a\x86\x48\xce\x3d\x03\x01\x07"))
			ec->curve = BR_EC_secp256r1;
		else if (der_is(&oid, "\x05\x2b\x81\x04\x00\x22"))
			ec->curve = BR_EC_secp384r1;
		else if (der_is(&oid, "\x05\x2b\x81\x04\x00\x23"))
			ec->curve = BR_EC_secp521r1;
		else
			return -1;
		if (der_bits(d, &bits) < 0 || bits.p == bits.end ||
		    bits.end - bits.p > BR_X509_BUFSIZE_KEY)
			return -1;
		ec->q = bits.p;
		ec->qlen = (size_t)(bits.end - bits.p);
	} else
		return -1;
	return d->p == d->end ? 0 : -1;
}

/* The content of [3]: the extensions, for basicConstraints' cA. */
static int
der_extensions(struct der *d, int *isCA)
{
	struct der list, ext, oid, v, bc, b;
	int t;

	if (der_open(d, 0x30, &list) < 0 || d->p != d->end)
		return -1;
	while (list.p < list.end) {
		if (der_open(&list, 0x30, &ext) < 0 ||
		    der_open(&ext, 0x06, &oid) < 0)
			return -1;
		/* critical: a BOOLEAN of one byte, its value not read */
		if (ext.p < ext.end && *ext.p == 0x01) {
			ext.p++;
			if (der_value(&ext, &b) < 0 || b.end - b.p != 1)
				return -1;
		}
		if (der_open(&ext, 0x04, &v) < 0 || ext.p != ext.end)
			return -1;
		if (!der_is(&oid, "\x03\x55\x1d\x13"))
			continue;
		if (der_open(&v, 0x30, &bc) < 0 || v.p != v.end)
			return -1;
		if (bc.p == bc.end)
			continue;
		/* cA, or another element: the rest is not read. */
		if ((t = der_tag(&bc)) < 0 || t == 0x21)
			return -1;
		if (t == 0x01) {
			if (der_value(&bc, &b) < 0 || b.end - b.p != 1)
				return -1;
			*isCA = *b.p != 0;
		}
	}
	return 0;
}

/* see ta.h */
int
ta_cert_decode(struct ta_cert *c, unsigned char *buf, size_t len)
{
	struct der d, cert, tbs, e, v;
	uint32_t ver;
	int t;

	memset(c, 0, sizeof *c);
	/* BearSSL's limit on the whole, 2^24 - 1 bytes. */
	if (len > 0xffffff)
		return -1;
	d.p = buf;
	d.end = buf + len;
	if (der_open(&d, 0x30, &cert) < 0 || d.p != d.end ||
	    der_open(&cert, 0x30, &tbs) < 0)
		return -1;
	if ((t = der_tag(&tbs)) >= 0 && (t & 0xdf) == 0x80) {
		/*
		 * [0] version: an INTEGER of 0 to 2, as BearSSL reads it:
		 * in 32 bits, refusing more bytes once the value reaches
		 * 0xffffff, its comparisons signed.  A value that comes to
		 * 2^31 or more is negative there, and passes.
		 */
		if (t != 0xa0 || der_value(&tbs, &e) < 0 ||
		    der_open(&e, 0x02, &v) < 0 || e.p != e.end ||
		    v.p == v.end || *v.p >= 0x80)
			return -1;
		for (ver = 0; v.p < v.end; v.p++) {
			if (ver >= 0xffffff && ver < 0x80000000)
				return -1;
			ver = ver << 8 | *v.p;	/* mod 2^32 */
		}
		if (ver > 2 && ver < 0x80000000)
			return -1;
		t = der_tag(&tbs);
	}
	if (t != 0x02 || der_value(&tbs, &e) < 0 ||	/* serial */
	    der_open(&tbs, 0x30, &e) < 0 ||		/* signature */
	    der_open(&tbs, 0x30, &e) < 0 ||		/* issuer */
	    der_open(&tbs, 0x30, &e) < 0 ||		/* validity */
	    der_date(&e, &c->notbefore_days) < 0 ||
	    der_date(&e, &c->notafter_days) < 0 || e.p != e.end)
		return -1;
	c->dn = tbs.p;
	if (der_open(&tbs, 0x30, &e) < 0)		/* subject */
		return -1;
	c->dnlen = (size_t)(tbs.p - c->dn);
	if (der_open(&tbs, 0x30, &e) < 0 || der_key(&e, &c->pkey) < 0)
		return -1;
	/* [1] and [2], the unique identifiers: skipped. */
	t = der_tag(&tbs);
	if (t >= 0 && (t & 0xdf) == 0x81) {
		if (der_value(&tbs, &e) < 0)
			return -1;
		t = der_tag(&tbs);
	}
	if (t >= 0 && (t & 0xdf) == 0x82) {
		if (der_value(&tbs, &e) < 0)
			return -1;
		t = der_tag(&tbs);
	}
	if (t == 0xa3) {
		if (der_value(&tbs, &e) < 0 ||
		    der_extensions(&e, &c->isCA) < 0 || tbs.p != tbs.end)
			return -1;
	} else if (t != DER_END)
		return -1;
	if (der_open(&cert, 0x30, &e) < 0 ||	/* signature algorithm */
	    der_open(&e, 0x06, &v) < 0 ||
	    der_bits(&cert, &e) < 0 || cert.p != cert.end)
		return -1;
	return 0;
}

/* Copies src[0..n) to the arena, which has room for it. */
static unsigned char *
arena_put(struct ta_set *s, const unsigned char *src, size_t n)
{
	unsigned char *p = s->arena + s->used;

	memcpy(p, src, n);
	s->used += n;
	return p;
}

/* The end of a certificate: an anchor, or skipped; -1 when full. */
static int
cert_done(struct loader *l)
{
	struct ta_set *s = l->set;
	br_x509_trust_anchor *ta;
	br_x509_pkey *pk;
	struct ta_cert c;
	size_t need;

	if (l->nder > TA_CERT_MAX || ta_cert_decode(&c, cert_der,
	    l->nder) < 0) {
		s->skipped++;
		return 0;
	}
	need = c.dnlen + (c.pkey.key_type == BR_KEYTYPE_RSA ?
	    c.pkey.key.rsa.nlen + c.pkey.key.rsa.elen : c.pkey.key.ec.qlen);
	if (s->n == TA_MAX || need > sizeof s->arena - s->used)
		return -1;
	ta = &s->ta[s->n++];
	memset(ta, 0, sizeof *ta);
	ta->dn.data = arena_put(s, c.dn, c.dnlen);
	ta->dn.len = c.dnlen;
	ta->flags = c.isCA ? BR_X509_TA_CA : 0;
	ta->pkey = c.pkey;
	pk = &ta->pkey;
	if (pk->key_type == BR_KEYTYPE_RSA) {
		pk->key.rsa.n = arena_put(s, pk->key.rsa.n, pk->key.rsa.nlen);
		pk->key.rsa.e = arena_put(s, pk->key.rsa.e, pk->key.rsa.elen);
	} else
		pk->key.ec.q = arena_put(s, pk->key.ec.q, pk->key.ec.qlen);
	return 0;
}

enum { LOAD_FAIL = -1, LOAD_FULL = -2 };

/* Base64 digit values plus one; 65 for '=', 0 for anything else. */
static const unsigned char b64[256] = {
	['A'] = 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17,
	18, 19, 20, 21, 22, 23, 24, 25, 26,
	['a'] = 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41,
	42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52,
	['0'] = 53, 54, 55, 56, 57, 58, 59, 60, 61, 62,
	['+'] = 63, ['/'] = 64, ['='] = 65,
};
#define B64_BAD	0xffffffffu	/* b64[c] - 1 of anything else */
#define B64_PAD	64u

/* BearSSL's blanks: every byte up to the space, but the newline. */
#define BLANK(c)	((c) <= ' ' && (c) != '\n')
#define UPPER(c)	((c) >= 'a' && (c) <= 'z' ? (c) - 32 : (c))

static void
out_byte(struct loader *l, unsigned char b)
{
	if (l->nder < sizeof cert_der)
		cert_der[l->nder] = b;
	l->nder++;
}

/* A BEGIN line was read whole: an object starts. */
static void
object_begin(struct loader *l)
{
	while (l->k > 0 && l->name[l->k - 1] == '-')
		l->k--;
	l->name[l->k] = '\0';
	l->in_cert = strcmp(l->name, "CERTIFICATE") == 0 ||
	    strcmp(l->name, "X509 CERTIFICATE") == 0;
	l->nder = 0;
	l->st = P_Q0;
	l->first = 1;
	l->blank = 0;
}

/*
 * Pushes len bytes of PEM text: 0, LOAD_FAIL (not PEM) or LOAD_FULL.
 * Outside an object, lines are ignored but for "-----BEGIN NAME-----"
 * (case aside; an empty name or one of 127 bytes or more is no name; a
 * carriage return in it is dropped, where BearSSL's decoder leaves a
 * hole, so CRLF files read as they should).  Inside one, each
 * line holds whole base64 quartets, blanks allowed between and inside
 * them; a quartet with padding ends the data, and only blanks may follow
 * it on its line and only empty lines before the END line.  An END line
 * starts with "-----END " at the start of a line; the rest of it is not
 * read.  Anything else inside an object is an error.
 */
static int
pem_feed(struct loader *l, const char *buf, size_t len)
{
	static const char begin[] = "-----BEGIN ", end[] = "----END ";
	const unsigned char *p = (const unsigned char *)buf;
	const unsigned char *stop = p + len;
	unsigned c, v;

	for (; p < stop; p++) {
		c = *p;
		switch (l->st) {
		case P_LINE:
			if (c == '\n')
				l->k = 0;
			else if (UPPER(c) != (unsigned char)begin[l->k])
				l->st = P_SKIP;
			else if (++l->k == sizeof begin - 1)
				l->st = P_NAME, l->k = 0, l->acc = 0;
			break;
		case P_SKIP:
			if (c == '\n')
				l->st = P_LINE, l->k = 0;
			break;
		case P_NAME:
			/* An empty name is no BEGIN line. */
			if (c == '\n' && l->acc == 0)
				l->st = P_LINE, l->k = 0;
			else if (c == '\n')
				object_begin(l);
			/* A line of 127 bytes or more is no BEGIN line. */
			else if (++l->acc == sizeof l->name - 1)
				l->st = P_SKIP;
			else if (c != '\r')
				l->name[l->k++] = (char)UPPER(c);
			break;
		case P_Q0:
			if (c == '-' && l->first && !l->blank) {
				l->st = P_END, l->k = 0;
				break;
			}
			if (BLANK(c)) {
				l->blank = 1;
				break;
			}
			if (c == '\n') {
				l->first = 1, l->blank = 0;
				break;
			}
			if ((v = b64[c] - 1u) >= B64_PAD)
				return LOAD_FAIL;
			l->acc = v;
			l->st = P_Q1;
			break;
		case P_Q1:
		case P_Q2:
		case P_Q3:
			if (BLANK(c))
				break;
			if (c == '\n' || (v = b64[c] - 1u) == B64_BAD ||
			    (v == B64_PAD && l->st == P_Q1))
				return LOAD_FAIL;
			if (v == B64_PAD && l->st == P_Q2) {
				l->st = P_PAD;
				break;
			}
			if (v == B64_PAD) {	/* "xxx=" */
				if (l->acc & 0x03)
					return LOAD_FAIL;
				l->padok = 1, l->pad = 2;
				l->st = P_PADWS;
				break;
			}
			l->acc = l->acc << 6 | v;
			if (l->st != P_Q3) {
				l->st++;
				break;
			}
			out_byte(l, (unsigned char)(l->acc >> 16));
			out_byte(l, (unsigned char)(l->acc >> 8));
			out_byte(l, (unsigned char)l->acc);
			l->st = P_Q0;
			l->first = l->blank = 0;
			break;
		case P_PAD:
			if (BLANK(c))
				break;
			if (c == '\n')
				return LOAD_FAIL;
			l->padok = c == '=', l->pad = 1;
			l->st = P_PADWS;
			break;
		case P_PADWS:
			if (c != '\n') {
				if (!BLANK(c))
					return LOAD_FAIL;
				break;
			}
			if (!l->padok || (l->pad == 1 && (l->acc & 0x0f)))
				return LOAD_FAIL;
			if (l->pad == 1)
				out_byte(l, (unsigned char)(l->acc >> 4));
			else {
				out_byte(l, (unsigned char)(l->acc >> 10));
				out_byte(l, (unsigned char)(l->acc >> 2));
			}
			l->st = P_TRAILER;
			break;
		case P_TRAILER:
			if (c == '\n')
				break;
			if (c != '-')
				return LOAD_FAIL;
			l->st = P_END, l->k = 0;
			break;
		case P_END:
			if (UPPER(c) != (unsigned char)end[l->k])
				return LOAD_FAIL;
			if (++l->k == sizeof end - 1)
				l->st = P_ENDLINE;
			break;
		case P_ENDLINE:
			if (c != '\n')
				break;
			if (l->in_cert && cert_done(l) < 0)
				return LOAD_FULL;
			l->in_cert = 0;
			l->st = P_LINE, l->k = 0;
			break;
		}
	}
	return 0;
}

/* see ta.h */
void
ta_reset(struct ta_set *s)
{
	s->n = 0;
	s->skipped = 0;
	s->used = 0;
}

static void
load_begin(struct loader *l, struct ta_set *s)
{
	l->set = s;
	l->in_cert = 0;
	l->st = P_LINE;
	l->k = l->nder = 0;
}

/* The end of the text: 0, or LOAD_FAIL or LOAD_FULL said in err. */
static int
load_end(struct loader *l, int rc, const char *name, char *err,
    size_t errlen)
{
	/* The last END line needs no newline. */
	if (rc == 0)
		rc = pem_feed(l, "\n", 1);
	/* A certificate cut short is skipped; it took no arena space. */
	if (l->in_cert)
		l->set->skipped += rc == 0;
	if (rc == LOAD_FAIL)
		snprintf(err, errlen, "%s: not a PEM file", name);
	else if (rc == LOAD_FULL)
		snprintf(err, errlen, "%s: too many certificates (the limit "
		    "is %d certificates, %d bytes of keys and names)", name,
		    TA_MAX, TA_ARENA);
	return rc;
}

/* As ta_load_file, but failing with LOAD_FAIL or LOAD_FULL. */
static int
load(struct ta_set *s, const char *path, char *err, size_t errlen)
{
	struct loader l;
	char buf[4096];
	struct stat st;
	size_t before = s->n, left;
	ssize_t r;
	int fd, rc = 0;

	/*
	 * Only regular files, and only as many bytes as they had when
	 * opened: /dev/zero, a FIFO or a file that keeps growing must not
	 * hold the start-up.  O_NONBLOCK lets open() return on a FIFO.
	 */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK |
	    O_NOCTTY)) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return LOAD_FAIL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return LOAD_FAIL;
	}
	if (st.st_size > TA_FILE_MAX) {
		snprintf(err, errlen, "%s: larger than %d bytes, too large for "
		    "a CA bundle", path, TA_FILE_MAX);
		close(fd);
		return LOAD_FAIL;
	}
	left = (size_t)st.st_size;
	load_begin(&l, s);
	while (rc == 0 && left > 0 && (r = read(fd, buf, left < sizeof buf ?
	    left : sizeof buf)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			rc = LOAD_FAIL;
			goto done;
		}
		left -= (size_t)r;
		rc = pem_feed(&l, buf, (size_t)r);
	}
	rc = load_end(&l, rc, path, err, errlen);
done:
	close(fd);
	return rc < 0 ? rc : (int)(s->n - before);
}

/* see ta.h */
int
ta_load_file(struct ta_set *s, const char *path, char *err, size_t errlen)
{
	int rc = load(s, path, err, errlen);

	return rc < 0 ? -1 : rc;
}

/* see ta.h */
int
ta_load_pem(struct ta_set *s, const char *name, const char *pem, size_t len,
    char *err, size_t errlen)
{
	struct loader l;
	size_t before = s->n;
	int rc;

	load_begin(&l, s);
	rc = load_end(&l, pem_feed(&l, pem, len), name, err, errlen);
	return rc < 0 ? -1 : (int)(s->n - before);
}

/* A subject-hash name: eight hex digits, a dot, a decimal number. */
static int
hash_name(const char *s)
{
	int i;

	for (i = 0; i < 8; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	if (s[8] != '.' || s[9] == '\0')
		return 0;
	for (s += 9; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* see ta.h */
int
ta_load_dir(struct ta_set *s, const char *dir, void (*warn)(const char *),
    char *err, size_t errlen)
{
	char path[512];
	struct dirent *de;
	DIR *d;
	size_t before = s->n;
	int rc = 0;

	if ((d = opendir(dir)) == NULL) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (!hash_name(de->d_name))
			continue;
		if ((size_t)snprintf(path, sizeof path, "%s/%s", dir,
		    de->d_name) >= sizeof path)
			continue;
		/* A dangling link or a stray file costs only itself. */
		if ((rc = load(s, path, err, errlen)) == LOAD_FAIL) {
			s->skipped++;
			if (warn != NULL)
				warn(err);
		}
		rc = rc == LOAD_FULL ? -1 : 0;
	}
	closedir(d);
	return rc < 0 ? -1 : (int)(s->n - before);
}

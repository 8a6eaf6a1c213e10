/*
 * tests/fuzz_pem.c: the trust-anchor loader (ta.c) on any text.
 *
 * Input: byte 0, then the text.  Bit 0 of byte 0 set: the text is DER,
 * wrapped here into one PEM CERTIFICATE (so that mutations reach the
 * X.509 decoder rather than break the base64).  Bits 1-2: the set the
 * text is loaded into: empty; one anchor short of TA_MAX; with only
 * 64 * (byte0 >> 3) bytes of arena left; both.
 *
 * ta_load_pem() must keep ta.h's promises: -1 with "name: why" in err,
 * or the count of anchors added; every anchor's name and key inside the
 * arena, in the part in use, after what was there before; nothing past
 * TA_MAX or the arena; a failed certificate costing nothing.  An input
 * whose length is a multiple of 8 is also loaded from a file (one regular
 * file, written again each time) and must give the same set: not every
 * input, to keep the runs fast.
 *
 * ta.c reads PEM itself; BearSSL's own PEM decoder is the reference.  A
 * text it reads without error, ending outside any object, must load the
 * same anchors as its certificates' DER, decoded by BearSSL and wrapped
 * again into plain PEM; a text it refuses must be refused.  Texts with
 * a carriage return are left out: in a BEGIN line, BearSSL leaves a hole
 * in the name where ta.c drops it (ta.c, pem_feed()).
 *
 * ta.c reads certificates itself too; BearSSL's X.509 decoder is the
 * reference (tests/x509ref.h).  DER input must get from ta_cert_decode()
 * what the decoder gives, name, key, CA flag and dates, or be refused by
 * both; and loaded, it must be one anchor made of that, or one
 * certificate skipped, or (only when the key and name do not fit in the
 * arena left) the set full.  The only differences allowed are ta.c's
 * own ("The certificate walk"): a key the decoder gives empty is
 * refused, and a certificate over TA_CERT_MAX bytes is skipped.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzzutil.h"
#include "ta.h"
#include "testutil.h"
#include "x509ref.h"

#define ASSERT(c)	do { if (!(c)) abort(); } while (0)
#define PEM_MAX		(64 * 1024)	/* for 48 KB of DER */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct ta_set	set, again;
static char		pem[PEM_MAX], canon[4 * PEM_MAX];
static struct ta_set	ref;
static struct x509ref	xref;

static int
inside(const struct ta_set *s, size_t from, const void *p, size_t n)
{
	const unsigned char *b = p;

	return n > 0 && b >= s->arena + from && b <= s->arena + s->used &&
	    n <= (size_t)(s->arena + s->used - b);
}

/* Anchors [n0, n) lie in arena[used0, used), whole. */
static void
check(const struct ta_set *s, size_t n0, size_t used0)
{
	const br_x509_trust_anchor *ta;
	size_t i;

	ASSERT(s->n <= TA_MAX && s->used <= TA_ARENA);
	ASSERT(s->n >= n0 && s->used >= used0);
	ASSERT((s->n == n0) == (s->used == used0));
	for (i = n0; i < s->n; i++) {
		ta = &s->ta[i];
		ASSERT((ta->flags & ~(unsigned)BR_X509_TA_CA) == 0);
		ASSERT(inside(s, used0, ta->dn.data, ta->dn.len));
		if (ta->pkey.key_type == BR_KEYTYPE_RSA) {
			ASSERT(inside(s, used0, ta->pkey.key.rsa.n,
			    ta->pkey.key.rsa.nlen));
			ASSERT(inside(s, used0, ta->pkey.key.rsa.e,
			    ta->pkey.key.rsa.elen));
		} else {
			ASSERT(ta->pkey.key_type == BR_KEYTYPE_EC);
			ASSERT(inside(s, used0, ta->pkey.key.ec.q,
			    ta->pkey.key.ec.qlen));
		}
	}
}

/* The same anchors from n0 on, at the same places of their arenas. */
static void
same(const struct ta_set *a, const struct ta_set *b, size_t n0,
    size_t used0)
{
	const br_x509_trust_anchor *x, *y;
	size_t i;

	ASSERT(a->n == b->n && a->skipped == b->skipped &&
	    a->used == b->used && memcmp(a->arena + used0, b->arena + used0,
	    a->used - used0) == 0);
	for (i = n0; i < a->n; i++) {
		x = &a->ta[i];
		y = &b->ta[i];
		ASSERT(x->flags == y->flags && x->dn.len == y->dn.len &&
		    x->dn.data - a->arena == y->dn.data - b->arena &&
		    x->pkey.key_type == y->pkey.key_type);
		if (x->pkey.key_type == BR_KEYTYPE_RSA)
			ASSERT(x->pkey.key.rsa.nlen == y->pkey.key.rsa.nlen &&
			    x->pkey.key.rsa.elen == y->pkey.key.rsa.elen &&
			    x->pkey.key.rsa.n - a->arena ==
			    y->pkey.key.rsa.n - b->arena &&
			    x->pkey.key.rsa.e - a->arena ==
			    y->pkey.key.rsa.e - b->arena);
		else
			ASSERT(x->pkey.key.ec.curve == y->pkey.key.ec.curve &&
			    x->pkey.key.ec.qlen == y->pkey.key.ec.qlen &&
			    x->pkey.key.ec.q - a->arena ==
			    y->pkey.key.ec.q - b->arena);
	}
}

static char	path[] = "/dev/shm/fuzz_pem.XXXXXX";

static void
remove_file(void)
{
	unlink(path);
}

/* As ta_load_pem(), through a file: the reads ta_load_file() makes. */
static int
from_file(struct ta_set *s, const char *text, size_t n, char *err,
    size_t errlen)
{
	static int fd = -1;

	/*
	 * One file, made at the first input, removed at exit; in memory
	 * (tmpfs), where a truncation costs nothing (on ext4 it cost more
	 * than the rest of the run).
	 */
	if (fd < 0) {
		if ((fd = mkstemp(path)) < 0) {
			memcpy(path, "/tmp/fuzz_pem.XXXXXX", sizeof path - 4);
			if ((fd = mkstemp(path)) < 0)
				abort();
		}
		atexit(remove_file);
	}
	if (ftruncate(fd, 0) != 0 || pwrite(fd, text, n, 0) != (ssize_t)n)
		abort();
	return ta_load_file(s, path, err, errlen);
}

/* Puts s in the state byte b asks for. */
static void
prepare(struct ta_set *s, uint8_t b)
{
	ta_reset(s);
	if (b & 2)
		s->n = TA_MAX - 1;
	if (b & 4)
		s->used = TA_ARENA - 64 * (size_t)(b >> 3);
}

struct der {
	unsigned char	 buf[PEM_MAX];
	size_t		 n;
	int		 over;
};

static void
der_add(void *ctx, const void *p, size_t n)
{
	struct der *d = ctx;

	if (n > sizeof d->buf - d->n) {
		d->over = 1;
		return;
	}
	memcpy(d->buf + d->n, p, n);
	d->n += n;
}

/*
 * The certificates of text as BearSSL's PEM decoder reads them, each
 * wrapped again by tu_pem() into canon: its length, or -1 when the
 * decoder refuses the text, -2 when the text ends inside an object (or
 * does not fit here).
 */
static long
reference(const char *text, size_t n)
{
	static br_pem_decoder_context pc;
	static struct der d;
	const char *name;
	size_t off = 0, k = 0, w;
	int in = 0, cert = 0;

	br_pem_decoder_init(&pc);
	/* As ta.c, the last line need not end. */
	while (off <= n) {
		if (off == n)
			w = br_pem_decoder_push(&pc, "\n", 1), off += w ? w : 1;
		else
			off += br_pem_decoder_push(&pc, text + off, n - off);
		switch (br_pem_decoder_event(&pc)) {
		case BR_PEM_BEGIN_OBJ:
			name = br_pem_decoder_name(&pc);
			cert = strcmp(name, "CERTIFICATE") == 0 ||
			    strcmp(name, "X509 CERTIFICATE") == 0;
			d.n = 0;
			d.over = 0;
			br_pem_decoder_setdest(&pc, cert ? der_add : NULL, &d);
			in = 1;
			break;
		case BR_PEM_END_OBJ:
			in = 0;
			if (!cert)
				break;
			if (d.over || (w = tu_pem("CERTIFICATE", d.buf, d.n,
			    canon + k, sizeof canon - k)) == 0)
				return -2;
			k += w;
			break;
		case BR_PEM_ERROR:
			return -1;
		}
	}
	return in ? -2 : (long)k;
}

/*
 * DER: ta_cert_decode() and BearSSL's decoder agree on der[0..n).  Returns
 * the arena space its anchor takes, or 0 when it is to be skipped.
 */
static size_t
cert_reference(const uint8_t *der, size_t n)
{
	unsigned char *d = (unsigned char *)fz_copy(der, n);
	const br_x509_pkey *pk;
	struct ta_cert c;
	int rc = ta_cert_decode(&c, d, n);

	x509ref_decode(&xref, d, n);
	if (xref.pk == NULL || x509ref_empty_key(&xref)) {
		ASSERT(rc == -1);
		return 0;
	}
	ASSERT(rc == 0 && x509ref_same_cert(&xref, &c));
	if (n > TA_CERT_MAX)
		return 0;
	pk = xref.pk;
	return xref.dnlen + (pk->key_type == BR_KEYTYPE_RSA ?
	    pk->key.rsa.nlen + pk->key.rsa.elen : pk->key.ec.qlen);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256], err2[256];
	const char *text;
	size_t n, n0, used0, need = 0;
	int rc, rc2;

	if (size < 1)
		return 0;
	if (data[0] & 1) {
		need = cert_reference(data + 1, size - 1);
		if ((n = tu_pem("CERTIFICATE", data + 1, size - 1, pem,
		    sizeof pem)) == 0)
			return 0;
		text = fz_copy(pem, n);
	} else {
		n = size - 1;
		text = fz_copy(data + 1, n);
	}
	prepare(&set, data[0]);
	n0 = set.n;
	used0 = set.used;
	err[0] = '\0';
	rc = ta_load_pem(&set, "fuzz", text, n, err, sizeof err);
	check(&set, n0, used0);
	if (rc < 0) {
		ASSERT(rc == -1 && strncmp(err, "fuzz: ", 6) == 0 &&
		    strlen(err) > 6);
	} else
		ASSERT((size_t)rc == set.n - n0);

	/* DER: the anchor of cert_reference(), or skipped, or full. */
	if ((data[0] & 1) && need == 0)
		ASSERT(rc == 0 && set.skipped == 1 && set.used == used0);
	else if ((data[0] & 1) && need <= TA_ARENA - used0)
		ASSERT(rc == 1 && x509ref_same_anchor(&xref, &set.ta[n0]) &&
		    set.used == used0 + need);
	else if (data[0] & 1)
		ASSERT(rc == -1 &&
		    strstr(err, "too many certificates") != NULL);

	if (!(data[0] & 1) && memchr(text, '\r', n) == NULL) {
		long k = reference(text, n);

		if (k == -1)
			ASSERT(rc == -1);
		else if (k >= 0) {
			prepare(&ref, data[0]);
			rc2 = ta_load_pem(&ref, "fuzz", canon, (size_t)k, err2,
			    sizeof err2);
			ASSERT(rc2 == rc);
			if (rc >= 0)
				same(&set, &ref, n0, used0);
		}
	}

	if (size % 8 != 0)
		return 0;
	prepare(&again, data[0]);
	err2[0] = '\0';
	rc2 = from_file(&again, text, n, err2, sizeof err2);
	ASSERT(rc2 == rc && (rc < 0) == (err2[0] != '\0'));
	same(&set, &again, n0, used0);
	return 0;
}

/*
 * tests/x509ref.h: BearSSL's X.509 decoder as the reference for ta.c's
 * certificate walk (ta_cert_decode()), for tests/t_ta.c and
 * tests/fuzz_pem.c.
 *
 * The DER is pushed whole, in one call: BearSSL's decoder, pushed more
 * after it failed, runs on from where it stopped (ta.c used to crash on
 * that), and one push never gives it the chance.
 */
#ifndef X509REF_H
#define X509REF_H

#include <stddef.h>
#include <string.h>
#include <bearssl.h>

#include "ta.h"

#define REF_DN_MAX	(64 * 1024)	/* the tests' largest input */

struct x509ref {
	br_x509_decoder_context	 dc;
	const br_x509_pkey	*pk;	/* NULL: the decoder refused it */
	unsigned char		 dn[REF_DN_MAX];
	size_t			 dnlen;
	int			 dnover; /* the name did not fit in dn[] */
};

static inline void
x509ref_dn(void *ctx, const void *buf, size_t len)
{
	struct x509ref *r = ctx;

	if (len > sizeof r->dn - r->dnlen) {
		r->dnover = 1;
		return;
	}
	memcpy(r->dn + r->dnlen, buf, len);
	r->dnlen += len;
}

/* Decodes der[0..n) into r: r->pk is the key, or NULL. */
static inline void
x509ref_decode(struct x509ref *r, const unsigned char *der, size_t n)
{
	r->dnlen = 0;
	r->dnover = 0;
	br_x509_decoder_init(&r->dc, x509ref_dn, r);
	br_x509_decoder_push(&r->dc, der, n);
	r->pk = br_x509_decoder_get_pkey(&r->dc);
}

/*
 * The differences ta.c makes on purpose (ta.c, "The certificate walk"):
 * 1 when the decoder's key has an empty number or point, which ta.c
 * refuses.
 */
static inline int
x509ref_empty_key(const struct x509ref *r)
{
	if (r->pk == NULL)
		return 0;
	if (r->pk->key_type == BR_KEYTYPE_RSA)
		return r->pk->key.rsa.nlen == 0 || r->pk->key.rsa.elen == 0;
	return r->pk->key.ec.qlen == 0;
}

/* The same key in a and b. */
static inline int
x509ref_same_key(const br_x509_pkey *a, const br_x509_pkey *b)
{
	if (a->key_type != b->key_type)
		return 0;
	if (a->key_type == BR_KEYTYPE_RSA)
		return a->key.rsa.nlen == b->key.rsa.nlen &&
		    a->key.rsa.elen == b->key.rsa.elen &&
		    memcmp(a->key.rsa.n, b->key.rsa.n, a->key.rsa.nlen) == 0 &&
		    memcmp(a->key.rsa.e, b->key.rsa.e, a->key.rsa.elen) == 0;
	return a->key_type == BR_KEYTYPE_EC &&
	    a->key.ec.curve == b->key.ec.curve &&
	    a->key.ec.qlen == b->key.ec.qlen &&
	    memcmp(a->key.ec.q, b->key.ec.q, a->key.ec.qlen) == 0;
}

/* What ta_cert_decode() gave, c, is what the decoder gave, r. */
static inline int
x509ref_same_cert(const struct x509ref *r, const struct ta_cert *c)
{
	return r->pk != NULL && !r->dnover && c->dnlen == r->dnlen &&
	    memcmp(c->dn, r->dn, r->dnlen) == 0 &&
	    x509ref_same_key(&c->pkey, r->pk) &&
	    c->isCA == r->dc.isCA &&
	    c->notbefore_days == r->dc.notbefore_days &&
	    c->notafter_days == r->dc.notafter_days;
}

/* The anchor ta.c made, ta, is the one the decoder's result makes. */
static inline int
x509ref_same_anchor(const struct x509ref *r, const br_x509_trust_anchor *ta)
{
	return r->pk != NULL && !r->dnover && ta->dn.len == r->dnlen &&
	    memcmp(ta->dn.data, r->dn, r->dnlen) == 0 &&
	    x509ref_same_key(&ta->pkey, r->pk) &&
	    ta->flags == (r->dc.isCA ? BR_X509_TA_CA : 0u);
}

#endif

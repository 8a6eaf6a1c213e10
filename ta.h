/*
 * ta.h: trust anchors read from PEM files into a fixed arena.
 *
 * Used at start-up by tls.c (SSL_CERT_FILE, the system bundle, a CA
 * directory) and at build time by tools/mkanchors.c (the roots compiled
 * into the binary).  Nothing here allocates; everything lives in the
 * caller's struct ta_set, whose size comes from TA_MAX and TA_ARENA.
 * ta_cert_decode(), the certificate reader under it, also serves tlsd.c.
 */
#ifndef TA_H
#define TA_H

#include <stddef.h>
#include <stdint.h>
#include <bearssl.h>

#include "config.h"

struct ta_set {
	br_x509_trust_anchor	ta[TA_MAX];
	size_t			n;		/* anchors in ta[] */
	size_t			skipped;	/* certificates we could not use */
	size_t			used;		/* bytes of arena[] in use */
	unsigned char		arena[TA_ARENA]; /* DNs and keys of ta[] */
};

/*
 * What ta_cert_decode() reads in a certificate, as BearSSL's X.509
 * decoder (br_x509_decoder) gives it.  Every pointer is into the DER.
 */
struct ta_cert {
	unsigned char	*dn;	/* the subject Name, tag and length too */
	size_t		 dnlen;
	br_x509_pkey	 pkey;	/* RSA (numbers without leading zeros),
				   or EC on P-256, P-384 or P-521 (the
				   point as it is) */
	int		 isCA;	/* basicConstraints says cA */
	uint32_t	 notbefore_days; /* validity, in days since */
	uint32_t	 notafter_days;	 /* 1 January of year 0 */
};

/*
 * Reads the certificate der[0..len), which must be exactly one
 * certificate: 0, or -1 when BearSSL's decoder would refuse it (ta.c
 * says what that is) or its key is empty.
 */
int	ta_cert_decode(struct ta_cert *, unsigned char *der, size_t len);

/* Empties the set. */
void	ta_reset(struct ta_set *);

/*
 * Adds every CERTIFICATE in the PEM file at path, which must be a regular
 * file of at most TA_FILE_MAX bytes.  Certificates that ta_cert_decode()
 * refuses, or longer than TA_CERT_MAX bytes, are counted in skipped and
 * otherwise ignored.
 * Returns how many anchors were added (0 is not an error: a file with only
 * unusable certificates), or -1 with "path: why" in err when the file
 * cannot be read, is not PEM, or does not fit in TA_MAX / TA_ARENA.
 */
int	ta_load_file(struct ta_set *, const char *path, char *err, size_t errlen);

/*
 * As ta_load_file, for the PEM text pem[0..len) held in memory; name
 * stands for the file in err.
 */
int	ta_load_pem(struct ta_set *, const char *name, const char *pem,
	    size_t len, char *err, size_t errlen);

/*
 * Adds the certificates of an OpenSSL-style CA directory: the files named
 * by subject hash ("5ad8a5d6.0"), so that each certificate is read once
 * however many other names link to it.  An entry that cannot be used (not
 * a regular file, not PEM) is skipped and its reason passed to warn (when
 * not NULL).  Returns and fails as ta_load_file.
 */
int	ta_load_dir(struct ta_set *, const char *dir,
	    void (*warn)(const char *why), char *err, size_t errlen);

#endif

/*
 * t_ta.c: PEM text to trust anchors (ta.c), from memory and from files.
 *
 * The certificates are Debian's ca-certificates roots, the ones the build
 * compiles in (Makefile, ROOTDIR); broken ones are made from them here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "ta.h"
#include "testutil.h"

#define ROOTDIR	"/usr/share/ca-certificates/mozilla/"
#define RSA_ROOT ROOTDIR "ISRG_Root_X1.crt"	/* RSA 4096 */
#define EC_ROOT	ROOTDIR "ISRG_Root_X2.crt"	/* P-384 */

static struct ta_set	set, other;
static char		text[64 * 1024], text2[64 * 1024], err[512];
static unsigned char	der[16 * 1024];

static size_t
slurp(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL) {
		fprintf(stderr, "t_ta: %s: cannot read it (ca-certificates "
		    "is installed by scripts/setup)\n", path);
		exit(1);
	}
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

static void
der_add(void *ctx, const void *buf, size_t len)
{
	size_t *n = ctx;

	if (len <= sizeof der - *n)
		memcpy(der + *n, buf, len);
	*n += len;
}

/* The DER of the certificate in the PEM file at path, into der. */
static size_t
der_of(const char *path)
{
	br_pem_decoder_context pc;
	size_t n = 0, len, off = 0;

	len = slurp(path, text, sizeof text);
	br_pem_decoder_init(&pc);
	while (off < len) {
		off += br_pem_decoder_push(&pc, text + off, len - off);
		if (br_pem_decoder_event(&pc) == BR_PEM_BEGIN_OBJ)
			br_pem_decoder_setdest(&pc, der_add, &n);
	}
	return n;
}

/* The first UTCTime of der[0..n) after from, or NULL. */
static unsigned char *
utctime(unsigned char *from, size_t n)
{
	unsigned char *p;

	for (p = from; p + 15 <= der + n; p++)
		if (p[0] == 0x17 && p[1] == 0x0d && p[14] == 'Z')
			return p;
	return NULL;
}

static int
load(const char *pem, size_t n)
{
	/* tests/fuzz_pem.c: the text as it is, an empty set.  No
	 * certificate is kept: tests/fuzz-all takes the system's. */
	if (strstr(pem, "CERTIFICATE") == NULL)
		t_seed("pem", "\0", 1, pem, n);
	err[0] = '\0';
	return ta_load_pem(&set, "mem.pem", pem, n, err, sizeof err);
}

/* Two sets hold the same anchors. */
static int
same(const struct ta_set *a, const struct ta_set *b)
{
	const br_x509_trust_anchor *x, *y;
	size_t i;

	if (a->n != b->n || a->skipped != b->skipped)
		return 0;
	for (i = 0; i < a->n; i++) {
		x = &a->ta[i];
		y = &b->ta[i];
		if (x->flags != y->flags || x->dn.len != y->dn.len ||
		    memcmp(x->dn.data, y->dn.data, x->dn.len) != 0 ||
		    x->pkey.key_type != y->pkey.key_type)
			return 0;
		if (x->pkey.key_type == BR_KEYTYPE_RSA ? x->pkey.key.rsa.nlen !=
		    y->pkey.key.rsa.nlen || memcmp(x->pkey.key.rsa.n,
		    y->pkey.key.rsa.n, x->pkey.key.rsa.nlen) != 0 :
		    x->pkey.key.ec.qlen != y->pkey.key.ec.qlen ||
		    memcmp(x->pkey.key.ec.q, y->pkey.key.ec.q,
		    x->pkey.key.ec.qlen) != 0)
			return 0;
	}
	return 1;
}

static void
t_memory_as_file(void)
{
	size_t n;

	ta_reset(&other);
	CHECK_EQ(ta_load_file(&other, RSA_ROOT, err, sizeof err), 1);
	CHECK_EQ(ta_load_file(&other, EC_ROOT, err, sizeof err), 1);
	ta_reset(&set);
	n = slurp(RSA_ROOT, text, sizeof text);
	CHECK_EQ(load(text, n), 1);
	n = slurp(EC_ROOT, text, sizeof text);
	CHECK_EQ(load(text, n), 1);
	CHECK_EQ(err[0], '\0');
	CHECK(same(&set, &other));
	CHECK_EQ(set.ta[0].pkey.key_type, BR_KEYTYPE_RSA);
	CHECK_EQ(set.ta[1].pkey.key_type, BR_KEYTYPE_EC);
	CHECK_EQ(set.ta[0].flags, BR_X509_TA_CA);
}

static void
t_no_certificate(void)
{
	static const char other_obj[] = "-----BEGIN PRIVATE KEY-----\n"
	    "AAAA\n-----END PRIVATE KEY-----\n";

	ta_reset(&set);
	CHECK_EQ(load("", 0), 0);
	CHECK_EQ(load("no PEM here\n", 12), 0);
	CHECK_EQ(load(other_obj, sizeof other_obj - 1), 0);
	CHECK_EQ(set.n + set.skipped + set.used, 0);
	/* The last END line needs no newline. */
	CHECK_EQ(load(other_obj, sizeof other_obj - 2), 0);
	CHECK_EQ(load("-----BEGIN CERTIFICATE-----\n!!!!\n", 33), -1);
	CHECK(strcmp(err, "mem.pem: not a PEM file") == 0);
}

/*
 * A certificate the decoder refuses half way is skipped and costs
 * nothing.  These crashed slackbot at start-up: BearSSL's decoder, given
 * the rest of a certificate after failing, read through wild pointers.
 */
static void
t_broken_certificates(void)
{
	size_t n, t, i, used;
	unsigned char *p;

	n = der_of(EC_ROOT);
	if (!CHECK(n > 300 && n < sizeof der - 1024))
		return;
	/* A comma in notAfter ("400917160000Z"). */
	if (!CHECK((p = utctime(der, n)) != NULL) ||
	    !CHECK((p = utctime(p + 1, n)) != NULL))
		return;
	p[4] = ',';
	ta_reset(&set);
	t = tu_pem("CERTIFICATE", der, n, text, sizeof text);
	CHECK_EQ(load(text, t), 0);
	CHECK_EQ(set.skipped, 1);
	CHECK_EQ(set.n + set.used, 0);
	p[4] = '0';

	/* Bytes after the certificate, in the same object. */
	for (i = 1; i <= 600; i += 599) {
		memset(der + n, 0, i);
		t = tu_pem("CERTIFICATE", der, n + i, text, sizeof text);
		CHECK_EQ(load(text, t), 0);
	}
	CHECK_EQ(set.skipped, 3);
	CHECK_EQ(set.n + set.used, 0);

	/* Between two good ones. */
	t = slurp(RSA_ROOT, text2, sizeof text2);
	t += tu_pem("CERTIFICATE", der, n + 600, text2 + t,
	    sizeof text2 - t);
	t += slurp(EC_ROOT, text2 + t, sizeof text2 - t);
	ta_reset(&set);
	CHECK_EQ(load(text2, t), 2);
	CHECK_EQ(set.skipped, 1);
	used = set.used;
	ta_reset(&other);
	CHECK_EQ(ta_load_file(&other, RSA_ROOT, err, sizeof err), 1);
	CHECK_EQ(ta_load_file(&other, EC_ROOT, err, sizeof err), 1);
	other.skipped = 1;
	CHECK(same(&set, &other));
	CHECK_EQ(used, other.used);
}

/*
 * A text that ends inside a certificate: cut at the end of a line, that
 * one is skipped; inside a line, the text is not PEM.  Either way nothing
 * of it is left in the arena.
 */
static void
t_cut_short(void)
{
	size_t n = slurp(EC_ROOT, text, sizeof text), k, line, cut;

	n += slurp(RSA_ROOT, text + n, sizeof text - n);
	for (line = 0, k = 0; k < n && line < 26; k++)
		line += text[k] == '\n';
	for (cut = k; cut <= k + 10; cut += 10) {
		ta_reset(&set);
		CHECK_EQ(load(text, cut), cut == k ? 1 : -1);
		CHECK_EQ(set.skipped, cut == k ? 1 : 0);
		if (!CHECK_EQ(set.n, 1))
			continue;
		CHECK_EQ(set.ta[0].pkey.key_type, BR_KEYTYPE_EC);
		CHECK_EQ(set.used, set.ta[0].dn.len +
		    set.ta[0].pkey.key.ec.qlen);
	}
	CHECK(strcmp(err, "mem.pem: not a PEM file") == 0);
}

static void
t_limits(void)
{
	size_t n = slurp(EC_ROOT, text, sizeof text), used;

	/* No room for one more anchor: the set as it was, and a reason. */
	ta_reset(&set);
	set.n = TA_MAX - 1;
	n += slurp(RSA_ROOT, text + n, sizeof text - n);
	CHECK_EQ(load(text, n), -1);
	CHECK(strstr(err, "mem.pem: too many certificates") == err);
	CHECK_EQ(set.n, TA_MAX);
	CHECK_EQ(set.ta[TA_MAX - 1].pkey.key_type, BR_KEYTYPE_EC);
	used = set.used;
	CHECK(used > 0);

	/* No room in the arena. */
	ta_reset(&set);
	set.used = TA_ARENA - 100;
	CHECK_EQ(load(text, n), -1);
	CHECK(strstr(err, "too many certificates") != NULL);
	CHECK_EQ(set.n, 0);
	CHECK_EQ(set.used, TA_ARENA - 100);
	set.used = TA_ARENA - used;
	CHECK_EQ(load(text, n), -1);
	CHECK_EQ(set.n, 1);
	CHECK_EQ(set.used, TA_ARENA);
}

/* A copy of text[0..n) in text2 with each "\n" made "\r\n": its length. */
static size_t
crlf(size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n && k + 2 < sizeof text2; i++) {
		if (text[i] == '\n')
			text2[k++] = '\r';
		text2[k++] = text[i];
	}
	return k;
}

/* Forms of PEM BearSSL's decoder reads, and some it refuses. */
static void
t_pem_forms(void)
{
	static const char *const bad[] = {
		"-----BEGIN CERTIFICATE-----\n=AAA\n-----END CERTIFICATE-----\n",
		"-----BEGIN CERTIFICATE-----\nA===\n-----END CERTIFICATE-----\n",
		"-----BEGIN CERTIFICATE-----\nAA==AAAA\n-----END CERTIFICATE-----\n",
		"-----BEGIN CERTIFICATE-----\nAA==\nAAAA\n-----END CERTIFICATE-----\n",
		"-----BEGIN CERTIFICATE-----\nAB==\n-----END CERTIFICATE-----\n",
		"-----BEGIN CERTIFICATE-----\nAAA\nA\n-----END CERTIFICATE-----\n",
		"-----BEGIN CERTIFICATE-----\n -----END CERTIFICATE-----\n",
		"-----BEGIN CERTIFICATE-----\nAAAA\n-----END\n",
	};
	size_t n, i, k;

	ta_reset(&other);
	CHECK_EQ(ta_load_file(&other, EC_ROOT, err, sizeof err), 1);

	/* Windows line ends. */
	n = slurp(EC_ROOT, text, sizeof text);
	ta_reset(&set);
	CHECK_EQ(load(text2, crlf(n)), 1);
	CHECK(same(&set, &other));

	/* Lower case, blanks inside quartets, a BEGIN line with no name. */
	k = strlen(strcpy(text2, "-----BEGIN \n"));
	for (i = 0; i < n; i++) {
		if (text[i] >= 'A' && text[i] <= 'Z' && i < 28)
			text2[k++] = (char)(text[i] + 32);
		else
			text2[k++] = text[i];
		if (i % 7 == 3 && i > 28 && i + 27 < n && text[i] != '\n')
			text2[k++] = i % 2 ? ' ' : '\t';
	}
	ta_reset(&set);
	CHECK_EQ(load(text2, k), 1);
	CHECK(same(&set, &other));

	for (i = 0; i < nitems(bad); i++) {
		ta_reset(&set);
		if (!CHECK_EQ(load(bad[i], strlen(bad[i])), -1))
			fprintf(stderr, "  bad[%zu] was read\n", i);
	}
}

/* A file is read in pieces: a certificate across them is the same. */
static void
t_file_pieces(void)
{
	char path[] = "/tmp/t_ta.XXXXXX";
	size_t n, pad;
	FILE *f;
	int fd;

	for (pad = 4000; pad <= 4096; pad += 48) {
		memset(text, '\n', pad);
		n = pad + slurp(RSA_ROOT, text + pad, sizeof text - pad);
		n += slurp(EC_ROOT, text + n, sizeof text - n);
		if ((fd = mkstemp(path)) < 0 || (f = fdopen(fd, "w")) == NULL ||
		    fwrite(text, 1, n, f) != n || fclose(f) != 0) {
			CHECK(!"a temporary file");
			return;
		}
		ta_reset(&other);
		CHECK_EQ(ta_load_file(&other, path, err, sizeof err), 2);
		unlink(path);
		memcpy(path + sizeof path - 7, "XXXXXX", 6);
		ta_reset(&set);
		CHECK_EQ(load(text, n), 2);
		CHECK(same(&set, &other));
	}
}

int
main(int argc, char **argv)
{
	static const struct t_case cases[] = {
		{ "memory_as_file", t_memory_as_file },
		{ "no_certificate", t_no_certificate },
		{ "broken_certificates", t_broken_certificates },
		{ "cut_short", t_cut_short },
		{ "limits", t_limits },
		{ "file_pieces", t_file_pieces },
		{ "pem_forms", t_pem_forms },
	};

	return t_run(cases, nitems(cases), argc, argv);
}

/*
 * t_ta.c: PEM text to trust anchors (ta.c), from memory and from files.
 *
 * The certificates are Debian's ca-certificates roots, the ones the build
 * compiles in (Makefile, ROOTDIR); broken ones are made from them here,
 * or written out (der_text()).  What ta_cert_decode() makes of each is
 * held to what BearSSL's X.509 decoder makes of it (tests/x509ref.h),
 * but for the differences ta.c chooses.
 */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "ta.h"
#include "testutil.h"
#include "x509ref.h"

#define ROOTDIR	"/usr/share/ca-certificates/mozilla/"
#define RSA_ROOT ROOTDIR "ISRG_Root_X1.crt"	/* RSA 4096 */
#define EC_ROOT	ROOTDIR "ISRG_Root_X2.crt"	/* P-384 */

static struct ta_set	set, other;
static char		text[64 * 1024], text2[64 * 1024], err[512];
static unsigned char	der[16 * 1024];
static struct x509ref	ref;

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

/*
 * DER written out: hex bytes, 'ASCII' text, a byte repeated ("00*300":
 * 300 zero bytes), and "{...}": the length of what is inside (DER's
 * shortest form), then it.  Returns the length written into out, or 0
 * when the text is not of that form or does not fit in cap.
 */
static size_t
der_text(const char *s, unsigned char *out, size_t cap)
{
	size_t open[16], depth = 0, k = 0, len, h, i;
	unsigned long rep;
	char *end;
	unsigned v;

	for (; *s != '\0'; s++) {
		if (*s == ' ')
			continue;
		if (*s == '{') {
			/* Room for the longest length: 0x82 and two bytes. */
			if (depth == nitems(open) || cap - k < 3)
				return 0;
			open[depth++] = k;
			k += 3;
		} else if (*s == '}') {
			if (depth == 0)
				return 0;
			i = open[--depth];
			len = k - i - 3;
			h = len < 0x80 ? 1 : len < 0x100 ? 2 : 3;
			if (len > 0xffff)
				return 0;
			memmove(out + i + h, out + i + 3, len);
			if (h == 1)
				out[i] = (unsigned char)len;
			else if (h == 2)
				out[i] = 0x81, out[i + 1] = (unsigned char)len;
			else {
				out[i] = 0x82;
				out[i + 1] = (unsigned char)(len >> 8);
				out[i + 2] = (unsigned char)len;
			}
			k = i + h + len;
		} else if (*s == '\'') {
			for (s++; *s != '\'' && *s != '\0'; s++) {
				if (k == cap)
					return 0;
				out[k++] = (unsigned char)*s;
			}
			if (*s == '\0')
				return 0;
		} else {
			if (!isxdigit((unsigned char)s[0]) ||
			    !isxdigit((unsigned char)s[1]) ||
			    sscanf(s, "%2x", &v) != 1)
				return 0;
			s++;
			rep = 1;
			if (s[1] == '*') {
				rep = strtoul(s + 2, &end, 10);
				s = end - 1;
			}
			if (rep > cap - k)
				return 0;
			memset(out + k, (int)v, rep);
			k += rep;
		}
	}
	return depth == 0 ? k : 0;
}

/*
 * ta_cert_decode() and BearSSL's decoder agree on d[0..n): both refuse
 * it, or ta.c refuses a key BearSSL takes empty, or both read the same
 * name, key, CA flag and dates.
 */
static int
agree(unsigned char *d, size_t n)
{
	struct ta_cert c;
	int rc = ta_cert_decode(&c, d, n);

	x509ref_decode(&ref, d, n);
	if (ref.pk == NULL || x509ref_empty_key(&ref))
		return rc == -1;
	return rc == 0 && x509ref_same_cert(&ref, &c);
}

/* Every root of Debian's ca-certificates reads as BearSSL reads it. */
static void
t_system_roots(void)
{
	char path[512];
	struct dirent *de;
	struct ta_cert c;
	size_t n, roots = 0, len;
	DIR *d;

	if (!CHECK((d = opendir(ROOTDIR)) != NULL))
		return;
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len < 5 || strcmp(de->d_name + len - 4, ".crt") != 0)
			continue;
		snprintf(path, sizeof path, "%s%s", ROOTDIR, de->d_name);
		n = der_of(path);
		if (!CHECK(n > 0 && n <= sizeof der)) {
			fprintf(stderr, "  %s\n", path);
			continue;
		}
		x509ref_decode(&ref, der, n);
		/* Every one is an anchor BearSSL can use. */
		if (!CHECK(ref.pk != NULL && !x509ref_empty_key(&ref)) ||
		    !CHECK_EQ(ta_cert_decode(&c, der, n), 0) ||
		    !CHECK(x509ref_same_cert(&ref, &c)))
			fprintf(stderr, "  %s\n", path);
		ta_reset(&set);
		if (!CHECK_EQ(ta_load_file(&set, path, err, sizeof err), 1) ||
		    !CHECK(x509ref_same_anchor(&ref, &set.ta[0])))
			fprintf(stderr, "  %s\n", path);
		roots++;
	}
	closedir(d);
	CHECK(roots >= 100);
}

/* What a certificate's case expects. */
enum want {
	NO,		/* refused by both */
	EE,		/* an anchor, not a CA */
	CA,		/* an anchor with BR_X509_TA_CA */
	EMPTY		/* BearSSL takes it, its key empty; ta.c refuses */
};

/*
 * The parts of the certificates below.  Keys need not be keys: BearSSL
 * checks their form only.
 */
#define ECDSA	"30{06 08 2a 86 48 ce 3d 04 03 02} "	/* and SHA-256 */
#define NAME	"30{31{30{06 03 55 04 03 0c{'T'}}}} "	/* CN=T */
#define DATES	"30{17{'250101000000Z'} 17{'350101000000Z'}} "
#define EC_ALG	"30{06 07 2a 86 48 ce 3d 02 01 "
#define P256	"06 08 2a 86 48 ce 3d 03 01 07"
#define P384	"06 05 2b 81 04 00 22"
#define P521	"06 05 2b 81 04 00 23"
#define EC_KEY	"30{" EC_ALG P256 "} 03{00 04 11 22}} "
#define RSA_ALG	"30{06 09 2a 86 48 86 f7 0d 01 01 01 05 00} "
#define RSA(n, e) "30{" RSA_ALG "03{00 30{02{" n "} 02{" e "}}}} "
#define BCX(v)	"30{06 03 55 1d 13 04{30{" v "}}} "
#define EXTS(e)	"a3{30{" e "}} "
#define CAX	EXTS(BCX("01 01 ff"))
#define V3	"a0{02 01 02} "
#define SER	"02 01 01 "
#define HEAD	V3 SER ECDSA NAME		/* up to the validity */
#define TBS	HEAD DATES NAME			/* up to the key */
#define SIG	ECDSA "03{00 5a}"
#define CERT(tbs)	"30{30{" tbs "} " SIG "}"
#define DATE(d) \
	CERT(HEAD "30{" d " 17{'350101000000Z'}} " NAME EC_KEY CAX)

static const struct {
	const char	*what, *der;
	enum want	 want;
} certs[] = {
	{ "v3, P-256, CA", CERT(TBS EC_KEY CAX), CA },
	{ "v3, RSA, CA", CERT(TBS RSA("00 c5 01", "01 00 01") CAX), CA },
	{ "v3, no extensions", CERT(TBS EC_KEY), EE },
	{ "v1: extensions are read all the same",
	    CERT(SER ECDSA NAME DATES NAME EC_KEY CAX), CA },
	{ "version 0, explicit", CERT("a0{02 01 00} " SER ECDSA NAME DATES
	    NAME EC_KEY CAX), CA },
	{ "version 3 (v4)", CERT("a0{02 01 03} " SER ECDSA NAME DATES NAME
	    EC_KEY CAX), NO },
	{ "version with leading zeros", CERT("a0{02 03 00 00 02} " SER ECDSA
	    NAME DATES NAME EC_KEY CAX), CA },
	{ "version 0x0102", CERT("a0{02 02 01 02} " SER ECDSA NAME DATES NAME
	    EC_KEY CAX), NO },
	/* BearSSL's 32-bit signed reading of the version, in ta.c too. */
	{ "version 2^31", CERT("a0{02 05 00 80 00 00 00} " SER ECDSA NAME
	    DATES NAME EC_KEY CAX), CA },
	{ "version 2^32 - 257", CERT("a0{02 05 00 ff ff fe ff} " SER ECDSA
	    NAME DATES NAME EC_KEY CAX), CA },
	{ "version 2^31 - 1", CERT("a0{02 04 7f ff ff ff} " SER ECDSA NAME
	    DATES NAME EC_KEY CAX), NO },
	{ "version 2^24 - 1, a byte more", CERT("a0{02 05 00 ff ff ff 00} "
	    SER ECDSA NAME DATES NAME EC_KEY CAX), NO },
	{ "version 2^39, wrapped to 0", CERT("a0{02 06 00 80 00 00 00 00} "
	    SER ECDSA NAME DATES NAME EC_KEY CAX), CA },
	{ "version 2^32 + 2, a byte too many", CERT("a0{02 06 00 01 00 00 00 "
	    "02} " SER ECDSA NAME DATES NAME EC_KEY CAX), NO },
	{ "version negative", CERT("a0{02 01 ff} " SER ECDSA NAME DATES NAME
	    EC_KEY CAX), NO },
	{ "version empty", CERT("a0{02 00} " SER ECDSA NAME DATES NAME EC_KEY
	    CAX), NO },
	{ "version [0] primitive", CERT("80{02 01 02} " SER ECDSA NAME DATES
	    NAME EC_KEY CAX), NO },
	{ "version [0] with more", CERT("a0{02 01 02 05 00} " SER ECDSA NAME
	    DATES NAME EC_KEY CAX), NO },
	{ "version as [1]", CERT("a1{02 01 02} " SER ECDSA NAME DATES NAME
	    EC_KEY CAX), NO },
	{ "serial empty", CERT(V3 "02 00 " ECDSA NAME DATES NAME EC_KEY CAX),
	    CA },
	{ "serial constructed", CERT(V3 "22{02 01 01} " ECDSA NAME DATES NAME
	    EC_KEY CAX), NO },
	{ "serial missing", CERT(V3 ECDSA NAME DATES NAME EC_KEY CAX), NO },
	{ "signature algorithm a SET", CERT(V3 SER "31{06 01 2a} " NAME DATES
	    NAME EC_KEY CAX), NO },
	{ "signature algorithm empty (not read)", CERT(V3 SER "30{} " NAME
	    DATES NAME EC_KEY CAX), CA },
	{ "issuer empty", CERT(V3 SER ECDSA "30{} " DATES NAME EC_KEY CAX),
	    CA },
	{ "issuer a SET", CERT(V3 SER ECDSA "31{} " DATES NAME EC_KEY CAX),
	    NO },

	{ "GeneralizedTime", DATE("18{'20250101000000Z'}"), CA },
	{ "fraction of a second", DATE("17{'250101000000.125Z'}"), CA },
	{ "a dot, no fraction", DATE("17{'250101000000.Z'}"), CA },
	{ "a fraction to the end", DATE("17{'250101000000.12'}"), NO },
	{ "no seconds", DATE("17{'2501010000Z'}"), NO },
	{ "29 February 2024", DATE("17{'240229000000Z'}"), CA },
	{ "29 February 2023", DATE("17{'230229000000Z'}"), NO },
	{ "29 February 2000", DATE("17{'000229000000Z'}"), CA },
	{ "29 February 2100", DATE("18{'21000229000000Z'}"), NO },
	{ "31 April", DATE("17{'250431000000Z'}"), NO },
	{ "day 0", DATE("17{'250100000000Z'}"), NO },
	{ "month 0", DATE("17{'250001000000Z'}"), NO },
	{ "month 13", DATE("17{'251301000000Z'}"), NO },
	{ "hour 24", DATE("17{'250101240000Z'}"), NO },
	{ "minute 60", DATE("17{'250101006000Z'}"), NO },
	{ "second 60", DATE("17{'250101000060Z'}"), CA },
	{ "second 61", DATE("17{'250101000061Z'}"), NO },
	{ "a time zone", DATE("17{'250101000000+0000'}"), NO },
	{ "lower-case z", DATE("17{'250101000000z'}"), NO },
	{ "a byte after Z", DATE("17{'250101000000Z0'}"), NO },
	{ "a letter for a digit", DATE("17{'25O101000000Z'}"), NO },
	{ "a constructed UTCTime", DATE("37{17{'250101000000Z'}}"), NO },
	{ "an IA5String for a date", DATE("16{'250101000000Z'}"), NO },
	{ "one date", CERT(HEAD "30{17{'250101000000Z'}} " NAME EC_KEY CAX),
	    NO },
	{ "three dates", CERT(HEAD "30{17{'250101000000Z'} 17{'2501010000"
	    "00Z'} 17{'250101000000Z'}} " NAME EC_KEY CAX), NO },

	{ "subject with long lengths", CERT(HEAD DATES "30 81 0e 31 0c 30 0a"
	    " 06 03 55 04 03 0c 03 'ABC' " EC_KEY CAX), CA },
	{ "subject with a five-byte length", CERT(HEAD DATES "30 85 00 00 00 "
	    "00 0e 31 0c 30 0a 06 03 55 04 03 0c 03 'ABC' " EC_KEY CAX), CA },
	{ "subject of indefinite length", CERT(HEAD DATES "30 80 31 0c 30 0a"
	    " 06 03 55 04 03 0c 03 'ABC' 00 00 " EC_KEY CAX), NO },
	{ "subject empty", CERT(HEAD DATES "30{} " EC_KEY CAX), CA },
	{ "subject a SET", CERT(HEAD DATES "31{} " EC_KEY CAX), NO },

	{ "P-384", CERT(TBS "30{" EC_ALG P384 "} 03{00 04 33}} " CAX), CA },
	{ "P-521", CERT(TBS "30{" EC_ALG P521 "} 03{00 04 33}} " CAX), CA },
	{ "secp256k1", CERT(TBS "30{" EC_ALG "06 05 2b 81 04 00 0a} 03{00 04"
	    " 33}} " CAX), NO },
	{ "no curve", CERT(TBS "30{" EC_ALG "} 03{00 04 33}} " CAX), NO },
	{ "curve and more", CERT(TBS "30{" EC_ALG P256 " 05 00} 03{00 04 33}}"
	    " " CAX), NO },
	{ "Ed25519", CERT(TBS "30{30{06 03 2b 65 70} 03{00 11 22}} " CAX),
	    NO },
	{ "point with unused bits", CERT(TBS "30{" EC_ALG P256 "} 03{01 04 "
	    "22}} " CAX), NO },
	{ "point empty", CERT(TBS "30{" EC_ALG P256 "} 03{00}} " CAX), EMPTY },
	{ "point of 520 bytes", CERT(TBS "30{" EC_ALG P256 "} 03{00 04 "
	    "11*519}} " CAX), CA },
	{ "point of 521 bytes", CERT(TBS "30{" EC_ALG P256 "} 03{00 04 "
	    "11*520}} " CAX), NO },
	{ "key and more", CERT(TBS "30{" EC_ALG P256 "} 03{00 04 33} 05 00} "
	    CAX), NO },
	{ "RSA without NULL parameters", CERT(TBS "30{30{06 09 2a 86 48 86 "
	    "f7 0d 01 01 01} 03{00 30{02 01 05 02 01 03}}} " CAX), CA },
	{ "RSA parameters not read", CERT(TBS "30{30{06 09 2a 86 48 86 f7 0d"
	    " 01 01 01 ff ff} 03{00 30{02 01 05 02 01 03}}} " CAX), CA },
	{ "RSA numbers with leading zeros", CERT(TBS RSA("00 00 00 c5 01",
	    "00 03") CAX), CA },
	{ "RSA modulus negative", CERT(TBS RSA("c5 01", "03") CAX), NO },
	{ "RSA modulus 0", CERT(TBS RSA("00", "03") CAX), EMPTY },
	{ "RSA exponent 0", CERT(TBS RSA("00 c5", "00 00") CAX), EMPTY },
	{ "RSA exponent empty", CERT(TBS RSA("00 c5", "") CAX), NO },
	{ "RSA, 520 bytes of numbers", CERT(TBS RSA("00 c5*517", "01 00 01")
	    CAX), CA },
	{ "RSA, 521 bytes of numbers", CERT(TBS RSA("00 c5*518", "01 00 01")
	    CAX), NO },
	{ "RSA, more in the BIT STRING", CERT(TBS "30{" RSA_ALG "03{00 30{02"
	    " 01 05 02 01 03} 00}} " CAX), NO },
	{ "RSA, three numbers", CERT(TBS "30{" RSA_ALG "03{00 30{02 01 05 02"
	    " 01 03 02 01 01}}} " CAX), NO },
	{ "RSA, empty BIT STRING", CERT(TBS "30{" RSA_ALG "03{}} " CAX), NO },

	{ "unique identifiers", CERT(TBS EC_KEY "81{00 ff} a2{03{00}} " CAX),
	    CA },
	{ "unique identifiers swapped", CERT(TBS EC_KEY "82{00} 81{00} " CAX),
	    NO },
	{ "two issuer unique identifiers", CERT(TBS EC_KEY "81{00} 81{00} "
	    CAX), NO },
	{ "extensions primitive", CERT(TBS EC_KEY "83{30{" BCX("01 01 ff")
	    "}}"), NO },
	{ "[4] after the key", CERT(TBS EC_KEY "a4{}"), NO },
	{ "no extensions in [3]", CERT(TBS EC_KEY "a3{30{}}"), EE },
	{ "[3] empty", CERT(TBS EC_KEY "a3{}"), NO },
	{ "[3] with two lists", CERT(TBS EC_KEY "a3{30{} 30{}}"), NO },
	{ "more after the extensions", CERT(TBS EC_KEY CAX "05 00"), NO },
	{ "critical basicConstraints", CERT(TBS EC_KEY EXTS("30{06 03 55 1d "
	    "13 01 01 ff 04{30{01 01 ff}}}")), CA },
	{ "critical, with a long length", CERT(TBS EC_KEY EXTS("30{06 03 55 "
	    "1d 13 01 81 01 00 04{30{01 01 ff}}}")), CA },
	{ "critical of two bytes", CERT(TBS EC_KEY EXTS("30{06 03 55 1d 13 "
	    "01 02 00 ff 04{30{01 01 ff}}}")), NO },
	{ "critical constructed", CERT(TBS EC_KEY EXTS("30{06 03 55 1d 13 21"
	    " 01 ff 04{30{01 01 ff}}}")), NO },
	{ "extension value a BIT STRING", CERT(TBS EC_KEY EXTS("30{06 03 55 "
	    "1d 13 03{00 30{01 01 ff}}}")), NO },
	{ "extension without value", CERT(TBS EC_KEY EXTS("30{06 03 55 1d "
	    "13}")), NO },
	{ "extension and more", CERT(TBS EC_KEY EXTS("30{06 03 55 1d 13 04{"
	    "30{01 01 ff}} 05 00}")), NO },
	{ "extension id not an OID", CERT(TBS EC_KEY EXTS("30{04 03 55 1d 13"
	    " 04{30{01 01 ff}}}")), NO },
	{ "extension empty", CERT(TBS EC_KEY EXTS("30{}")), NO },
	{ "cA FALSE", CERT(TBS EC_KEY EXTS(BCX("01 01 00"))), EE },
	{ "cA 0x01", CERT(TBS EC_KEY EXTS(BCX("01 01 01"))), CA },
	{ "cA and pathLen", CERT(TBS EC_KEY EXTS(BCX("01 01 ff 02 01 00"))),
	    CA },
	{ "pathLen alone", CERT(TBS EC_KEY EXTS(BCX("02 01 00"))), EE },
	{ "basicConstraints empty", CERT(TBS EC_KEY EXTS(BCX(""))), EE },
	{ "cA of two bytes", CERT(TBS EC_KEY EXTS(BCX("01 02 ff ff"))), NO },
	{ "cA without its byte", CERT(TBS EC_KEY EXTS(BCX("01 01"))), NO },
	{ "cA without length", CERT(TBS EC_KEY EXTS(BCX("01"))), NO },
	{ "cA constructed", CERT(TBS EC_KEY EXTS(BCX("21 03 01 01 ff"))), NO },
	{ "basicConstraints after its first tag not read", CERT(TBS EC_KEY
	    EXTS(BCX("04 ff ff"))), EE },
	{ "basicConstraints, application class", CERT(TBS EC_KEY
	    EXTS(BCX("41 01 ff"))), NO },
	{ "basicConstraints, a long tag", CERT(TBS EC_KEY
	    EXTS(BCX("1f 01 01 ff"))), NO },
	{ "basicConstraints a SET", CERT(TBS EC_KEY EXTS("30{06 03 55 1d 13 "
	    "04{31{01 01 ff}}}")), NO },
	{ "basicConstraints and more", CERT(TBS EC_KEY EXTS("30{06 03 55 1d "
	    "13 04{30{01 01 ff} 00}}")), NO },
	{ "basicConstraints OCTET STRING empty", CERT(TBS EC_KEY EXTS("30{06 "
	    "03 55 1d 13 04{}}")), NO },
	{ "two basicConstraints, the second FALSE", CERT(TBS EC_KEY
	    EXTS(BCX("01 01 ff") BCX("01 01 00"))), EE },
	{ "two basicConstraints, the second empty", CERT(TBS EC_KEY
	    EXTS(BCX("01 01 ff") BCX(""))), CA },
	{ "other extensions not read", CERT(TBS EC_KEY EXTS("30{06 03 55 1d "
	    "0f 04{ff ff}} " BCX("01 01 ff"))), CA },
	{ "an extension id of 300 bytes", CERT(TBS EC_KEY EXTS("30{06{2a*300}"
	    " 04{}} " BCX("01 01 ff"))), CA },

	{ "signature algorithm without OID", "30{30{" TBS EC_KEY CAX "} 30{} "
	    "03{00 5a}}", NO },
	{ "signature algorithm starting with NULL", "30{30{" TBS EC_KEY CAX
	    "} 30{05 00 06 01 2a} 03{00 5a}}", NO },
	{ "signature algorithm unknown", "30{30{" TBS EC_KEY CAX "} 30{06 03 "
	    "2a 03 04} 03{00 5a}}", CA },
	{ "signature algorithm of 300 bytes", "30{30{" TBS EC_KEY CAX "} 30{06"
	    "{2a*300}} 03{00 5a}}", CA },
	{ "signature with unused bits", "30{30{" TBS EC_KEY CAX "} " ECDSA
	    "03{01 5a}}", NO },
	{ "signature empty", "30{30{" TBS EC_KEY CAX "} " ECDSA "03{}}", NO },
	{ "signature of no bits", "30{30{" TBS EC_KEY CAX "} " ECDSA "03{00}}",
	    CA },
	{ "signature an OCTET STRING", "30{30{" TBS EC_KEY CAX "} " ECDSA
	    "04{00 5a}}", NO },
	{ "no signature", "30{30{" TBS EC_KEY CAX "} " ECDSA "}", NO },
	{ "more after the signature", "30{30{" TBS EC_KEY CAX "} " SIG " 00}",
	    NO },
	{ "a byte after the certificate", CERT(TBS EC_KEY CAX) "00", NO },
	{ "a SET", "31{30{" TBS EC_KEY CAX "} " SIG "}", NO },
	{ "empty TBS", CERT(""), NO },
	{ "nothing", "", NO },
};

/*
 * Certificates written out: ta_cert_decode() and BearSSL's decoder on
 * each, and the PEM loader on it wrapped into PEM.
 */
static void
t_crafted(void)
{
	struct ta_cert c;
	size_t i, n, t;
	int ok;

	for (i = 0; i < nitems(certs); i++) {
		n = der_text(certs[i].der, der, sizeof der);
		if (!CHECK(n > 0 || certs[i].der[0] == '\0')) {
			fprintf(stderr, "  %s: not written\n", certs[i].what);
			continue;
		}
		t_seed("pem", "\1", 1, der, n);
		x509ref_decode(&ref, der, n);
		switch (certs[i].want) {
		case NO:
			ok = ta_cert_decode(&c, der, n) == -1 && ref.pk == NULL;
			break;
		case EMPTY:
			ok = ta_cert_decode(&c, der, n) == -1 &&
			    x509ref_empty_key(&ref);
			break;
		default:
			ok = ta_cert_decode(&c, der, n) == 0 &&
			    x509ref_same_cert(&ref, &c) &&
			    c.isCA == (certs[i].want == CA);
		}
		if (!CHECK(ok))
			fprintf(stderr, "  %s: BearSSL %s it\n", certs[i].what,
			    ref.pk == NULL ? "refuses" : "takes");
		/* Through PEM: an anchor, or one certificate skipped. */
		ta_reset(&set);
		t = tu_pem("CERTIFICATE", der, n, text, sizeof text);
		CHECK_EQ(ta_load_pem(&set, "mem.pem", text, t, err,
		    sizeof err), certs[i].want == EE || certs[i].want == CA);
		if (set.n == 1)
			CHECK(x509ref_same_anchor(&ref, &set.ta[0]));
		else
			CHECK_EQ(set.skipped + set.used, 1);
	}
}

/* What some of them give, exactly. */
static void
t_crafted_values(void)
{
	static const unsigned char cn[] = { 0x30, 0x81, 0x0e, 0x31, 0x0c };
	struct ta_cert c;
	size_t n;

	n = der_text(CERT(TBS RSA("00 00 00 c5 01", "00 03") CAX), der,
	    sizeof der);
	if (CHECK_EQ(ta_cert_decode(&c, der, n), 0) &&
	    CHECK_EQ(c.pkey.key_type, BR_KEYTYPE_RSA)) {
		CHECK(c.pkey.key.rsa.nlen == 2 && c.pkey.key.rsa.n[0] == 0xc5);
		CHECK(c.pkey.key.rsa.elen == 1 && c.pkey.key.rsa.e[0] == 3);
		CHECK_EQ(c.isCA, 1);
	}
	n = der_text(CERT(TBS "30{" EC_ALG P521 "} 03{00 04 33}} "), der,
	    sizeof der);
	if (CHECK_EQ(ta_cert_decode(&c, der, n), 0) &&
	    CHECK_EQ(c.pkey.key_type, BR_KEYTYPE_EC)) {
		CHECK_EQ(c.pkey.key.ec.curve, BR_EC_secp521r1);
		CHECK(c.pkey.key.ec.qlen == 2 && c.pkey.key.ec.q[1] == 0x33);
		CHECK_EQ(c.isCA, 0);
	}
	n = der_text(CERT(TBS "30{" EC_ALG P384 "} 03{00 04 33}} "), der,
	    sizeof der);
	if (CHECK_EQ(ta_cert_decode(&c, der, n), 0))
		CHECK_EQ(c.pkey.key.ec.curve, BR_EC_secp384r1);
	/* The name as written, its long lengths too. */
	n = der_text(CERT(HEAD DATES "30 81 0e 31 0c 30 0a 06 03 55 04 03 0c "
	    "03 'ABC' " EC_KEY), der, sizeof der);
	if (CHECK_EQ(ta_cert_decode(&c, der, n), 0)) {
		CHECK_EQ(c.dnlen, 17);
		CHECK(memcmp(c.dn, cn, sizeof cn) == 0);
		CHECK(memcmp(c.dn + 14, "ABC", 3) == 0);
		CHECK_EQ(c.pkey.key.ec.curve, BR_EC_secp256r1);
	}
	/* 1 January 2025 and 2035, in days from 1 January of year 0. */
	n = der_text(CERT(TBS EC_KEY), der, sizeof der);
	if (CHECK_EQ(ta_cert_decode(&c, der, n), 0)) {
		CHECK_EQ(c.notbefore_days, 739617);
		CHECK_EQ(c.notafter_days, 739617 + 3652);
	}
}

/*
 * Two roots with each byte changed in turn, and cut at each length:
 * ta_cert_decode() agrees with BearSSL on every one.
 */
static void
t_mutations(void)
{
	static const char *const roots[] = { EC_ROOT, RSA_ROOT };
	static const int delta[] = { -1, 1, 0x20, 0x40, 0x80 };
	static const unsigned char set_to[] = { 0x00, 0x01, 0x7f, 0x80, 0x81,
	    0x84, 0xff };
	size_t r, n, i, k, bad = 0, tried = 0;
	unsigned char was;

	for (r = 0; r < nitems(roots); r++) {
		n = der_of(roots[r]);
		if (!CHECK(n > 300 && n < sizeof der))
			return;
		for (i = 0; i < n; i++) {
			was = der[i];
			for (k = 0; k < nitems(delta) + nitems(set_to); k++) {
				der[i] = k < nitems(delta) ?
				    (unsigned char)(was + delta[k]) :
				    set_to[k - nitems(delta)];
				tried++;
				if (!agree(der, n) && bad++ < 5)
					fprintf(stderr, "  %s: byte %zu "
					    "0x%02x\n", roots[r], i, der[i]);
			}
			der[i] = was;
		}
		for (i = 0; i <= n + 1; i++) {
			der[n] = 0;
			tried++;
			if (!agree(der, i) && bad++ < 5)
				fprintf(stderr, "  %s: cut at %zu\n", roots[r],
				    i);
		}
	}
	CHECK_EQ(bad, 0);
	CHECK(tried > 20000);
}

/* A certificate of TA_CERT_MAX bytes is read; one byte more, skipped. */
static void
t_cert_max(void)
{
	/* The serial's length is written over the "0000". */
	static char spec[] = CERT(V3 "02{00 ff*0000} " ECDSA NAME DATES NAME
	    EC_KEY CAX);
	char *digits = strstr(spec, "*0000") + 1, num[8];
	size_t pad, n = 0, t;
	struct ta_cert c;

	for (pad = TA_CERT_MAX - 400; pad < TA_CERT_MAX; pad++) {
		snprintf(num, sizeof num, "%04zu", pad);
		memcpy(digits, num, 4);
		if ((n = der_text(spec, der, sizeof der)) >= TA_CERT_MAX)
			break;
	}
	if (!CHECK_EQ(n, TA_CERT_MAX))
		return;
	CHECK(agree(der, n));
	t = tu_pem("CERTIFICATE", der, n, text, sizeof text);
	ta_reset(&set);
	CHECK_EQ(ta_load_pem(&set, "mem.pem", text, t, err, sizeof err), 1);

	snprintf(num, sizeof num, "%04zu", pad + 1);
	memcpy(digits, num, 4);
	n = der_text(spec, der, sizeof der);
	if (!CHECK_EQ(n, TA_CERT_MAX + 1))
		return;
	CHECK(agree(der, n));
	CHECK_EQ(ta_cert_decode(&c, der, n), 0);
	t = tu_pem("CERTIFICATE", der, n, text, sizeof text);
	ta_reset(&set);
	CHECK_EQ(ta_load_pem(&set, "mem.pem", text, t, err, sizeof err), 0);
	CHECK_EQ(set.skipped, 1);
	CHECK_EQ(set.used, 0);
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
		{ "system_roots", t_system_roots },
		{ "crafted", t_crafted },
		{ "crafted_values", t_crafted_values },
		{ "mutations", t_mutations },
		{ "cert_max", t_cert_max },
	};

	return t_run(cases, nitems(cases), argc, argv);
}

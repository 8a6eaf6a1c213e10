/*
 * ta.c: PEM bundles to BearSSL trust anchors, without malloc.
 *
 * The file is read in small pieces; the PEM text is decoded here in one
 * pass (pem_feed(), a byte-at-a-time state machine that reads PEM exactly
 * as BearSSL's decoder does, codec/pemdec.t0, at a small fraction of its
 * cost) and the DER pushed straight into BearSSL's X.509 decoder: no
 * certificate is ever held whole.  The subject DN arrives through a
 * callback and is appended to the arena; at the end of each certificate
 * its public key is copied there too, because the decoder's copy is
 * overwritten by the next certificate.
 *
 * Invariant: ta[0..n) point only into arena[0..used), and a certificate
 * that fails half way leaves n and used as they were before it.
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
	br_x509_decoder_context	 dc;
	size_t			 mark;	/* arena use before this certificate */
	int			 overflow;
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
	unsigned char		 out[256];
	size_t			 nout;
};

/* Arena space for n bytes, or NULL (and the overflow flag) when full. */
static unsigned char *
arena_take(struct loader *l, size_t n)
{
	struct ta_set *s = l->set;
	unsigned char *p;

	if (n > sizeof s->arena - s->used) {
		l->overflow = 1;
		return NULL;
	}
	p = s->arena + s->used;
	s->used += n;
	return p;
}

static void
dn_append(void *ctx, const void *buf, size_t len)
{
	struct loader *l = ctx;
	unsigned char *p;

	if ((p = arena_take(l, len)) != NULL)
		memcpy(p, buf, len);
}

/*
 * BearSSL's decoder stops where it fails and, pushed more bytes, runs on
 * from there as if the failure had returned: it then reads through wild
 * pointers (a bad date, or bytes after the certificate, crashed us).
 * Once it has failed, what is left of the certificate is not given to it.
 */
static void
der_push(void *ctx, const void *buf, size_t len)
{
	struct loader *l = ctx;
	int err = br_x509_decoder_last_error(&l->dc);

	if (err == 0 || err == BR_ERR_X509_TRUNCATED)
		br_x509_decoder_push(&l->dc, buf, len);
}

static unsigned char *
arena_copy(struct loader *l, const unsigned char *src, size_t n)
{
	unsigned char *p;

	if ((p = arena_take(l, n)) != NULL)
		memcpy(p, src, n);
	return p;
}

/* The end of one certificate: keep it as an anchor, or roll it back. */
static int
cert_done(struct loader *l)
{
	struct ta_set *s = l->set;
	br_x509_trust_anchor *ta;
	const br_x509_pkey *pk;
	size_t dnlen = s->used - l->mark;

	pk = br_x509_decoder_get_pkey(&l->dc);
	if (l->overflow || pk == NULL || dnlen == 0) {
		s->used = l->mark;
		if (l->overflow)
			return -1;
		s->skipped++;
		return 0;
	}
	if (s->n == TA_MAX) {
		s->used = l->mark;
		l->overflow = 1;
		return -1;
	}
	ta = &s->ta[s->n];
	memset(ta, 0, sizeof *ta);
	ta->dn.data = s->arena + l->mark;
	ta->dn.len = dnlen;
	ta->flags = br_x509_decoder_isCA(&l->dc) ? BR_X509_TA_CA : 0;
	ta->pkey.key_type = pk->key_type;
	if (pk->key_type == BR_KEYTYPE_RSA) {
		ta->pkey.key.rsa.n = arena_copy(l, pk->key.rsa.n,
		    pk->key.rsa.nlen);
		ta->pkey.key.rsa.nlen = pk->key.rsa.nlen;
		ta->pkey.key.rsa.e = arena_copy(l, pk->key.rsa.e,
		    pk->key.rsa.elen);
		ta->pkey.key.rsa.elen = pk->key.rsa.elen;
	} else {
		ta->pkey.key.ec.curve = pk->key.ec.curve;
		ta->pkey.key.ec.q = arena_copy(l, pk->key.ec.q,
		    pk->key.ec.qlen);
		ta->pkey.key.ec.qlen = pk->key.ec.qlen;
	}
	if (l->overflow) {
		s->used = l->mark;
		return -1;
	}
	s->n++;
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
out_flush(struct loader *l)
{
	if (l->nout > 0 && l->in_cert)
		der_push(l, l->out, l->nout);
	l->nout = 0;
}

static void
out_byte(struct loader *l, unsigned char b)
{
	l->out[l->nout++] = b;
	if (l->nout == sizeof l->out)
		out_flush(l);
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
	if (l->in_cert) {
		l->mark = l->set->used;
		br_x509_decoder_init(&l->dc, dn_append, l);
	}
	l->nout = 0;
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
			out_flush(l);
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
	l->overflow = l->in_cert = 0;
	l->st = P_LINE;
	l->k = l->nout = 0;
}

/* The end of the text: 0, or LOAD_FAIL or LOAD_FULL said in err. */
static int
load_end(struct loader *l, int rc, const char *name, char *err,
    size_t errlen)
{
	/* The last END line needs no newline. */
	if (rc == 0)
		rc = pem_feed(l, "\n", 1);
	/* A certificate cut short: nothing of it stays. */
	if (l->in_cert) {
		l->set->used = l->mark;
		l->set->skipped += rc == 0;
	}
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

/*
 * ta.c: PEM bundles to BearSSL trust anchors, without malloc.
 *
 * The file is read in small pieces and pushed through BearSSL's PEM
 * decoder, whose output is pushed straight into its X.509 decoder: no
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
#include <string.h>
#include <unistd.h>

#include "ta.h"

struct loader {
	struct ta_set		*set;
	br_x509_decoder_context	 dc;
	size_t			 mark;	/* arena use before this certificate */
	int			 overflow;
	int			 in_cert; /* inside a CERTIFICATE object */
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

/* Pushes len bytes of PEM text: 0, LOAD_FAIL (not PEM) or LOAD_FULL. */
static int
pem_push(struct loader *l, br_pem_decoder_context *pc, const char *buf,
    size_t len)
{
	const char *name;
	size_t used;

	while (len > 0) {
		used = br_pem_decoder_push(pc, buf, len);
		buf += used;
		len -= used;
		switch (br_pem_decoder_event(pc)) {
		case BR_PEM_BEGIN_OBJ:
			name = br_pem_decoder_name(pc);
			l->in_cert = strcmp(name, "CERTIFICATE") == 0 ||
			    strcmp(name, "X509 CERTIFICATE") == 0;
			if (l->in_cert) {
				l->mark = l->set->used;
				br_x509_decoder_init(&l->dc, dn_append, l);
				br_pem_decoder_setdest(pc, der_push, l);
			} else
				br_pem_decoder_setdest(pc, NULL, NULL);
			break;
		case BR_PEM_END_OBJ:
			if (l->in_cert && cert_done(l) < 0)
				return LOAD_FULL;
			l->in_cert = 0;
			break;
		case BR_PEM_ERROR:
			return LOAD_FAIL;
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
load_begin(struct loader *l, br_pem_decoder_context *pc, struct ta_set *s)
{
	memset(l, 0, sizeof *l);
	l->set = s;
	br_pem_decoder_init(pc);
}

/* The end of the text: 0, or LOAD_FAIL or LOAD_FULL said in err. */
static int
load_end(struct loader *l, br_pem_decoder_context *pc, int rc,
    const char *name, char *err, size_t errlen)
{
	/* The decoder needs a newline after the last END line. */
	if (rc == 0)
		rc = pem_push(l, pc, "\n", 1);
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
	br_pem_decoder_context pc;
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
	load_begin(&l, &pc, s);
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
		rc = pem_push(&l, &pc, buf, (size_t)r);
	}
	rc = load_end(&l, &pc, rc, path, err, errlen);
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
	br_pem_decoder_context pc;
	struct loader l;
	size_t before = s->n;
	int rc;

	load_begin(&l, &pc, s);
	rc = load_end(&l, &pc, pem_push(&l, &pc, pem, len), name, err, errlen);
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

/*
 * tests/testutil.h: small helpers shared by the unit tests and the fuzz
 * targets, written plainly and independently of the code under test.
 */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <sys/mman.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

/* splitmix64: a fast, deterministic generator for test inputs. */
static inline uint64_t
tu_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* 1 when s[0..n) is valid UTF-8 (no overlong forms, surrogates, >10FFFF). */
static inline int
tu_utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0, k, need;
	uint32_t cp, min;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		} else if (s[i] >= 0xc0 && s[i] < 0xe0) {
			need = 1, cp = s[i] & 0x1f, min = 0x80;
		} else if (s[i] >= 0xe0 && s[i] < 0xf0) {
			need = 2, cp = s[i] & 0x0f, min = 0x800;
		} else if (s[i] >= 0xf0 && s[i] < 0xf8) {
			need = 3, cp = s[i] & 0x07, min = 0x10000;
		} else
			return 0;
		if (n - i - 1 < need)
			return 0;
		for (k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000))
			return 0;
		i += need + 1;
	}
	return 1;
}

/* 1 when s[0..n) holds U+FFFD, the replacement character. */
static inline int
tu_has_fffd(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i + 3 <= n; i++)
		if (memcmp(s + i, "\xef\xbf\xbd", 3) == 0)
			return 1;
	return 0;
}

/*
 * Writes der[0..n) as one PEM object of type name (base64, 64 columns)
 * into out; returns its length, or 0 when it does not fit in cap.
 */
static inline size_t
tu_pem(const char *name, const unsigned char *der, size_t n, char *out,
    size_t cap)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, k, col = 0, nl = strlen(name);
	uint32_t v;

	if (cap < 2 * nl + 32 + (n + 2) / 3 * 4 + n / 48 + 1)
		return 0;
	memcpy(out, "-----BEGIN ", 11);
	memcpy(out + 11, name, nl);
	memcpy(out + 11 + nl, "-----\n", 6);
	k = 17 + nl;
	for (i = 0; i < n; i += 3) {
		v = (uint32_t)der[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)der[i + 1] << 8;
		if (i + 2 < n)
			v |= der[i + 2];
		out[k++] = b64[v >> 18 & 63];
		out[k++] = b64[v >> 12 & 63];
		out[k++] = i + 1 < n ? b64[v >> 6 & 63] : '=';
		out[k++] = i + 2 < n ? b64[v & 63] : '=';
		if ((col += 4) == 64) {
			out[k++] = '\n';
			col = 0;
		}
	}
	if (col > 0)
		out[k++] = '\n';
	memcpy(out + k, "-----END ", 9);
	memcpy(out + k + 9, name, nl);
	memcpy(out + k + 9 + nl, "-----\n", 6);
	return k + 15 + nl;
}

/*
 * Input against a guard page: tu_guarded(s, n) copies s[0..n) so that
 * its last byte is the last readable one before a PROT_NONE page, and
 * returns the copy (NULL when it cannot); a read past the end faults at
 * once.  At most TU_GUARD_ROOM bytes.
 */
#define TU_GUARD_ROOM	(64 * 1024)

static inline const char *
tu_guarded(const char *s, size_t n)
{
	static char *end;
	long pg;
	char *p;

	if (end == NULL) {
		pg = sysconf(_SC_PAGESIZE);
		p = mmap(NULL, TU_GUARD_ROOM + (size_t)pg, PROT_READ |
		    PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED || mprotect(p + TU_GUARD_ROOM, (size_t)pg,
		    PROT_NONE) != 0)
			return NULL;
		end = p + TU_GUARD_ROOM;
	}
	if (n > TU_GUARD_ROOM)
		return NULL;
	if (n > 0)
		memcpy(end - n, s, n);
	return end - n;
}

#ifdef INBOUND_H
/*
 * The X-Slack-Signature of a timestamp and a body ("v0=" and 64 hex
 * digits, no NUL) into out; 67, or 0 when cap is smaller.  Tests sign
 * what they send with it; slackbot itself only checks (inbound.h).
 */
static inline size_t
tu_sign(char *out, size_t cap, const char *secret, const char *ts,
    size_t tslen, const char *body, size_t blen)
{
	static const char hex[] = "0123456789abcdef";
	struct inbound_part parts[4] = { { "v0:", 3 }, { ts, tslen },
	    { ":", 1 }, { body, blen } };
	unsigned char mac[32];
	size_t i;

	if (cap < 67)
		return 0;
	inbound_hmac(mac, secret, strlen(secret), parts, 4);
	memcpy(out, "v0=", 3);
	for (i = 0; i < 32; i++) {
		out[3 + 2 * i] = hex[mac[i] >> 4];
		out[4 + 2 * i] = hex[mac[i] & 15];
	}
	return 67;
}
#endif

#endif

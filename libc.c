/*
 * libc.c: smaller stand-ins for three C library functions.
 *
 * musl's resolver (getaddrinfo(), conn.c) calls each of these, and little
 * else in the program does: qsort() to order at most a few dozen
 * addresses (musl's smoothsort: 1.5 KB of code), strtoul() for a port
 * number or a scope id (strtoull(); with the general number scanner: 1.8 KB), strstr() for short
 * words in lines of /etc/hosts and /etc/services and in our own headers
 * (the two-way algorithm: 0.9 KB).  These are the plain algorithms, with
 * the same results: an insertion sort (stable, which qsort() may be),
 * digit by digit, and a search that starts at each byte.
 *
 * Only the static build links it, like malloc.c; -u in the Makefile
 * brings in this file, whose functions only the C library calls.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

void
qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	unsigned char	*a = base, *p, *q, t;
	size_t		 i, k;

	for (i = 1; i < n; i++)
		for (p = a + i * size; p > a && cmp(p - size, p) > 0; p -= size)
			for (q = p - size, k = 0; k < size; k++) {
				t = q[k];
				q[k] = p[k];
				p[k] = t;
			}
}

/* strtoul() and strtoull(): the digits of s in base, at most max. */
static unsigned long long
scan(const char *s, char **end, int base, unsigned long long max)
{
	const unsigned char	*p = (const unsigned char *)s, *digits;
	unsigned long long	 v = 0;
	int			 neg = 0, over = 0;
	unsigned		 d;

	while (isspace(*p))
		p++;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if ((base == 0 || base == 16) && p[0] == '0' && (p[1] | 32) == 'x' &&
	    isxdigit(p[2])) {
		p += 2;
		base = 16;
	} else if (base == 0)
		base = *p == '0' ? 8 : 10;
	if (base < 2 || base > 36) {
		errno = EINVAL;
		p = (const unsigned char *)s;
		goto done;
	}
	for (digits = p;; p++) {
		if ((unsigned)*p - '0' < 10)
			d = *p - '0';
		else if ((unsigned)(*p | 32) - 'a' < 26)
			d = (*p | 32) - 'a' + 10;
		else
			break;
		if (d >= (unsigned)base)
			break;
		if (v > (max - d) / (unsigned)base)
			over = 1;
		v = v * (unsigned)base + d;
	}
	if (p == digits) {
		p = (const unsigned char *)s;
		v = 0;
	} else if (over) {
		errno = ERANGE;
		v = max;
		neg = 0;
	}
done:
	if (end != NULL)
		*end = (char *)p;
	return neg ? -v & max : v;
}

unsigned long
strtoul(const char *s, char **end, int base)
{
	return scan(s, end, base, ULONG_MAX);
}

unsigned long long
strtoull(const char *s, char **end, int base)
{
	return scan(s, end, base, ULLONG_MAX);
}

char *
strstr(const char *h, const char *n)
{
	size_t	len = strlen(n);

	for (; *h != '\0' || len == 0; h++)
		if (strncmp(h, n, len) == 0)
			return (char *)h;
	return NULL;
}

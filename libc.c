/*
 * libc.c: smaller stand-ins for five C library functions.
 *
 * musl's resolver (getaddrinfo(), conn.c) calls three of these, and little
 * else in the program does: qsort() to order at most a few dozen
 * addresses (musl's smoothsort: 1.5 KB of code), strtoul() for a port
 * number or a scope id (strtoull(); with the general number scanner: 1.8 KB), strstr() for short
 * words in lines of /etc/hosts and /etc/services and in our own headers
 * (the two-way algorithm: 0.9 KB).  These are the plain algorithms, with
 * the same results: an insertion sort (stable, which qsort() may be),
 * digit by digit, and a search that starts at each byte.
 *
 * mbstowcs(), which the resolver calls to check that a host name is
 * valid multibyte text, is the C locale's, the only one slackbot runs in
 * (it never calls setlocale()): one character a byte, bytes from 0x80 as
 * musl's code units (0.6 KB: musl's goes through the UTF-8 decoder).
 *
 * getopt_long() parses every command line (setup.c, slackbot.c), always
 * with an option string that begins with "+:" (options end at the first
 * operand; ':' returned for a missing value) and opterr 0.  It returns
 * what musl's returns for those (abbreviated long options included, and
 * optind 0 starting over), with neither musl's multibyte option
 * characters nor its messages, which such callers never get: 1.9 KB less.
 *
 * Only the static build links it, like malloc.c; -u in the Makefile
 * brings in this file, whose functions only the C library calls.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

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

size_t
mbstowcs(wchar_t *ws, const char *s, size_t wn)
{
	size_t n;

	if (ws == NULL)
		return strlen(s);
	for (n = 0; n < wn; n++)
		if ((ws[n] = 0xdfff & (signed char)s[n]) == 0)
			return n;
	return wn;
}

char	*optarg;
int	 optind = 1, opterr = 1, optopt;
static int optpos;	/* the next option's offset in a cluster (-qv), or 0 */

int
getopt_long(int argc, char *const *argv, const char *opts,
    const struct option *lo, int *idx)
{
	const char	*a, *p, *n, *val = NULL;
	int		 i, m = 0, cnt = 0, c;

	if (optind == 0) {
		optind = 1;
		optpos = 0;
	}
	optarg = NULL;
	if (optind >= argc || (a = argv[optind]) == NULL || a[0] != '-' ||
	    a[1] == '\0')
		return -1;
	opts += *opts == '+';
	if (a[1] == '-' && a[2] == '\0') {
		optind++;
		return -1;
	}
	if (a[1] == '-' && lo != NULL) {
		/* An exact name, or the only one that begins so. */
		for (i = 0; lo[i].name != NULL; i++) {
			p = a + 2;
			for (n = lo[i].name; *p != '\0' && *p != '=' &&
			    *p == *n; p++, n++)
				;
			if (*p != '\0' && *p != '=')
				continue;
			val = p;
			m = i;
			if (*n == '\0') {
				cnt = 1;
				break;
			}
			cnt++;
		}
		optind++;
		optopt = 0;
		if (cnt != 1)
			return '?';
		if (*val == '=') {
			if (lo[m].has_arg == no_argument) {
				optopt = lo[m].val;
				return '?';
			}
			optarg = (char *)val + 1;
		} else if (lo[m].has_arg == required_argument) {
			if ((optarg = argv[optind]) == NULL) {
				optopt = lo[m].val;
				return *opts == ':' ? ':' : '?';
			}
			optind++;
		}
		if (idx != NULL)
			*idx = m;
		if (lo[m].flag != NULL) {
			*lo[m].flag = lo[m].val;
			return 0;
		}
		return lo[m].val;
	}
	if (optpos == 0)
		optpos = 1;
	c = (unsigned char)a[optpos++];
	if (a[optpos] == '\0') {
		optind++;
		optpos = 0;
	}
	if (c == ':' || (p = strchr(opts, c)) == NULL) {
		optopt = c;
		return '?';
	}
	if (p[1] == ':') {
		/* The rest of the cluster, else the next argument. */
		optarg = optpos != 0 ? (char *)a + optpos : argv[optind];
		optind++;
		optpos = 0;
		if (optind > argc) {
			optopt = c;
			return *opts == ':' ? ':' : '?';
		}
	}
	return c;
}

/*
 * printf.c: the printf family, small.
 *
 * musl's vfprintf() carries floating point, wide characters and
 * positional arguments: 7.4 KB of the x86-64 binary, more on 32-bit
 * machines.  slackbot formats integers and strings only, so this file
 * defines vsnprintf(), vfprintf() and the functions around them over one
 * small formatter, and a static link takes these instead of the C
 * library's.  (The fuzz build leaves it out: libFuzzer prints floating
 * point through the C library's printf.)
 *
 * Conversions: d i u x X c s p %; flags - 0 #; width and precision as
 * digits or *; lengths hh h l ll z j t.  Nothing else (%f, %n, %ls, %1$):
 * the compiler checks every format against its arguments (-Wformat=2)
 * and no format of slackbot's uses one; an unknown conversion is copied
 * out as it stands.
 */
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Where the output goes: buf (cap bytes, NUL included) or f. */
struct sink {
	char	*buf;
	size_t	 cap;
	size_t	 n;		/* bytes produced, written or not */
	FILE	*f;
};

static void
put(struct sink *s, const char *p, size_t n)
{
	size_t room;

	if (s->f != NULL) {
		if (n > 0)
			fwrite(p, 1, n, s->f);
	} else if (s->n + 1 < s->cap) {
		room = s->cap - 1 - s->n;
		memcpy(s->buf + s->n, p, n < room ? n : room);
	}
	s->n += n;
}

static void
pad(struct sink *s, char c, size_t n)
{
	static const char spaces[] = "                ";
	static const char zeros[] = "0000000000000000";
	size_t k;

	for (; n > 0; n -= k) {
		k = n < 16 ? n : 16;
		put(s, c == '0' ? zeros : spaces, k);
	}
}

static int
format(struct sink *s, const char *fmt, va_list ap)
{
	char num[24], *d;
	const char *p, *str, *pre;
	size_t len, prec, width, zeros, start;
	unsigned long long u;
	int left, zero, alt, lng, neg, base, upper, w;

	for (;;) {
		for (p = fmt; *p != '\0' && *p != '%'; p++)
			;
		put(s, fmt, (size_t)(p - fmt));
		if (*p == '\0')
			break;
		fmt = p++;
		start = s->n;
		left = zero = alt = 0;
		for (;; p++) {
			if (*p == '-')
				left = 1;
			else if (*p == '0')
				zero = 1;
			else if (*p == '#')
				alt = 1;
			else
				break;
		}
		width = 0;
		if (*p == '*') {
			w = va_arg(ap, int);
			if (w < 0)
				left = 1, w = -w;
			width = (size_t)w;
			p++;
		}
		for (; *p >= '0' && *p <= '9'; p++)
			width = width * 10 + (size_t)(*p - '0');
		prec = (size_t)-1;
		if (*p == '.') {
			prec = 0;
			if (*++p == '*') {
				w = va_arg(ap, int);
				prec = w < 0 ? (size_t)-1 : (size_t)w;
				p++;
			}
			for (; *p >= '0' && *p <= '9'; p++)
				prec = prec * 10 + (size_t)(*p - '0');
		}
		/* 0 int, 1 long, 2 long long, -1 short, -2 char. */
		lng = 0;
		if (*p == 'h')
			lng = *++p == 'h' ? (p++, -2) : -1;
		else if (*p == 'l')
			lng = *++p == 'l' ? (p++, 2) : 1;
		else if (*p == 'z' || *p == 't')
			lng = sizeof(size_t) == sizeof(long) ? 1 : 2, p++;
		else if (*p == 'j')
			lng = 2, p++;
		pre = "";
		neg = 0;
		base = 10;
		upper = 0;
		switch (*p) {
		case 'd':
		case 'i':
			if (lng == 2) {
				long long v = va_arg(ap, long long);
				neg = v < 0;
				u = neg ? 0 - (unsigned long long)v : (unsigned long long)v;
			} else if (lng == 1) {
				long v = va_arg(ap, long);
				neg = v < 0;
				u = neg ? 0 - (unsigned long long)v : (unsigned long long)v;
			} else {
				int v = va_arg(ap, int);
				if (lng < 0)
					v = lng == -1 ? (short)v : (signed char)v;
				neg = v < 0;
				u = neg ? 0 - (unsigned long long)v : (unsigned long long)v;
			}
			if (neg)
				pre = "-";
			goto number;
		case 'p':
			u = (uintptr_t)va_arg(ap, void *);
			base = 16, pre = "0x";
			goto number;
		case 'X':
			upper = 1;
			/* FALLTHROUGH */
		case 'x':
			base = 16;
			/* FALLTHROUGH */
		case 'u':
			u = lng == 2 ? va_arg(ap, unsigned long long) : lng == 1 ?
			    va_arg(ap, unsigned long) : va_arg(ap, unsigned);
			if (lng < 0)
				u = lng == -1 ? (unsigned short)u : (unsigned char)u;
			if (alt && base == 16 && u != 0)
				pre = upper ? "0X" : "0x";
number:
			d = num + sizeof num;
			do {
				*--d = (upper ? "0123456789ABCDEF" :
				    "0123456789abcdef")[u % (unsigned)base];
				u /= (unsigned)base;
			} while (u != 0);
			if (prec == 0 && d[0] == '0' && d + 1 == num + sizeof num)
				d++;
			str = d;
			len = (size_t)(num + sizeof num - d);
			zeros = prec != (size_t)-1 && prec > len ? prec - len : 0;
			if (zero && !left && prec == (size_t)-1 &&
			    width > len + strlen(pre))
				zeros = width - len - strlen(pre);
			len += zeros + strlen(pre);
			if (!left && width > len)
				pad(s, ' ', width - len);
			put(s, pre, strlen(pre));
			pad(s, '0', zeros);
			put(s, str, len - zeros - strlen(pre));
			break;
		case 'c':
			num[0] = (char)va_arg(ap, int);
			str = num, len = 1;
			goto string;
		case 's':
			str = va_arg(ap, const char *);
			if (str == NULL)
				str = "(null)";
			len = prec == (size_t)-1 ? strlen(str) : strnlen(str, prec);
string:
			if (!left && width > len)
				pad(s, ' ', width - len);
			put(s, str, len);
			break;
		case '%':
			put(s, "%", 1);
			width = 0;
			break;
		default:
			if (*p == '\0')
				p--;
			put(s, fmt, (size_t)(p + 1 - fmt));
			width = 0;
			break;
		}
		/* A left-justified field is padded after its bytes. */
		if (left && width > s->n - start)
			pad(s, ' ', width - (s->n - start));
		fmt = p + 1;
	}
	if (s->f == NULL && s->cap > 0)
		s->buf[s->n < s->cap ? s->n : s->cap - 1] = '\0';
	return s->n > INT_MAX ? -1 : (int)s->n;
}

/* see stdio.h */
int
vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap)
{
	struct sink s = { buf, cap, 0, NULL };

	return format(&s, fmt, ap);
}

/* see stdio.h */
int
snprintf(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
	return n;
}

/* see stdio.h */
int
vfprintf(FILE *f, const char *fmt, va_list ap)
{
	struct sink s = { NULL, 0, 0, f };
	int n = format(&s, fmt, ap);

	return ferror(f) ? -1 : n;
}

/* see stdio.h */
int
fprintf(FILE *f, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vfprintf(f, fmt, ap);
	va_end(ap);
	return n;
}

/* see stdio.h */
int
vprintf(const char *fmt, va_list ap)
{
	return vfprintf(stdout, fmt, ap);
}

/* see stdio.h */
int
printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vfprintf(stdout, fmt, ap);
	va_end(ap);
	return n;
}

/*
 * tests/t_printf.c: printf.c, the formatter the static build uses instead
 * of the C library's: every conversion, flag and length slackbot's
 * formats use, truncation and the return value.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

/* snprintf into a buffer of 64 bytes; checks the text and the count. */
#define FMT(want, ...) do {						\
	char b_[64];							\
	memset(b_, 'Z', sizeof b_);					\
	CHECK_EQ(snprintf(b_, sizeof b_, __VA_ARGS__), strlen(want));	\
	if (!CHECK(strcmp(b_, (want)) == 0))				\
		fprintf(stderr, "  got \"%s\", want \"%s\"\n", b_, (want)); \
	CHECK_EQ(b_[strlen(want) + 1], 'Z');				\
} while (0)

static void
t_integers(void)
{
	FMT("0 7 -7 2147483647 -2147483648", "%d %d %i %d %d", 0, 7, -7,
	    INT_MAX, INT_MIN);
	FMT("4294967295 0", "%u %u", UINT_MAX, 0u);
	FMT("-9223372036854775808 18446744073709551615", "%lld %llu",
	    LLONG_MIN, ULLONG_MAX);
	FMT("-1 1 123456789", "%ld %lu %zu", -1L, 1UL, (size_t)123456789);
	FMT("ff FF 0xff 0 7f", "%x %X %#x %#x %hhx", 255u, 255u, 255u, 0u,
	    (unsigned char)127);
	FMT("0x1234abcd", "%#llx", 0x1234abcdULL);
	FMT("2024-03-07T09:05:00Z", "%04d-%02d-%02dT%02d:%02d:%02dZ",
	    2024, 3, 7, 9, 5, 0);
	FMT("  -5|-5  |-0005|00012", "%4d|%-4d|%05d|%05u", -5, -5, -5, 12u);
	FMT("0a 0f", "%02x %02x", 10u, 15u);
	FMT("0x1234 0x1f", "%p %#hhx", (void *)0x1234, (unsigned char)0x1f);
	FMT("-1 65535", "%hd %hu", (short)-1, (unsigned short)65535);
}

static void
t_strings(void)
{
	FMT("abc|ab|(null)", "%s|%.2s|%s", "abc", "abcdef", (char *)NULL);
	FMT("xy|  xy|xy  |x", "%.*s|%4s|%-4s|%c", 2, "xyz", "xy", "xy",
	    'x');
	FMT("a     b", "%s%*s%s", "a", 5, "", "b");
	FMT("100% sure", "%d%% %s", 100, "sure");
	FMT("hi", "%.*s", 2, "hi there");
	FMT("", "%s", "");
	FMT("[left  ]", "[%-6s]", "left");
}

static void
t_truncation(void)
{
	char b[8];

	memset(b, 'Z', sizeof b);
	CHECK_EQ(snprintf(b, 4, "%s-%d", "abcdef", 42), 9);
	CHECK(strcmp(b, "abc") == 0);
	CHECK_EQ(b[4], 'Z');
	memset(b, 'Z', sizeof b);
	CHECK_EQ(snprintf(b, 1, "%d", 12345), 5);
	CHECK_EQ(b[0], '\0');
	CHECK_EQ(b[1], 'Z');
	CHECK_EQ(snprintf(b, 0, "%s", "xyz"), 3);
	CHECK_EQ(b[0], '\0');
	CHECK_EQ(snprintf(NULL, 0, "%05d%s", 1, "abc"), 8);
	memset(b, 'Z', sizeof b);
	CHECK_EQ(snprintf(b, sizeof b, "%4s%-4s", "ab", "cd"), 8);
	CHECK(strcmp(b, "  abcd ") == 0);
}

static void
t_stream(void)
{
	char buf[64] = { 0 };
	FILE *f = fmemopen(buf, sizeof buf, "w");

	if (!CHECK(f != NULL))
		return;
	CHECK_EQ(fprintf(f, "%s=%d;%-3s|", "n", 42, "x"), 9);
	fclose(f);
	CHECK(strcmp(buf, "n=42;x  |") == 0);
}

static const struct t_case cases[] = {
	{ "integers",	t_integers },
	{ "strings",	t_strings },
	{ "truncation",	t_truncation },
	{ "stream",	t_stream },
};

int
main(int argc, char **argv)
{
	return t_run(cases, nitems(cases), argc, argv);
}

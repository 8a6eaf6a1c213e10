/*
 * tests/t_libc.c: qsort, strtoul, strtoull, strstr, mbstowcs and getopt_long,
 * as libc.c has them
 * in the static build (the ASan build runs the same cases against the C
 * library's, which keeps the expectations honest).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "harness.h"

/* strtoul, strtoull */

#define ALL	(-1)	/* the number ends at the end of the string */

static const struct {
	const char		*s;
	int			 base;
	unsigned long long	 v;
	int			 end;	/* bytes taken, or ALL */
	int			 err;
} numbers[] = {
	{ "0",			10,	0,		ALL,	0 },
	{ "53",			10,	53,		ALL,	0 },
	{ "  \t\n443",		10,	443,		ALL,	0 },
	{ "+8080",		10,	8080,		ALL,	0 },
	{ "65535x",		10,	65535,		5,	0 },
	{ "12 34",		10,	12,		2,	0 },
	{ "",			10,	0,		0,	0 },
	{ "  ",			10,	0,		0,	0 },
	{ "-",			10,	0,		0,	0 },
	{ "+",			10,	0,		0,	0 },
	{ "x1",			10,	0,		0,	0 },
	{ "0x1f",		16,	31,		ALL,	0 },
	{ "0X1F",		0,	31,		ALL,	0 },
	{ "1f",			16,	31,		ALL,	0 },
	{ "0x",			16,	0,		1,	0 },
	{ "0xg",		0,	0,		1,	0 },
	{ "017",		0,	15,		ALL,	0 },
	{ "09",			0,	0,		1,	0 },
	{ "0x1f",		10,	0,		1,	0 },
	{ "z",			36,	35,		ALL,	0 },
	{ "Zz",			36,	1295,		ALL,	0 },
	{ "101",		2,	5,		ALL,	0 },
	{ "102",		2,	2,		2,	0 },
	{ "18446744073709551615", 10,	ULLONG_MAX,	ALL,	0 },
	{ "18446744073709551616", 10,	ULLONG_MAX,	ALL,	ERANGE },
	{ "99999999999999999999999", 10, ULLONG_MAX,	ALL,	ERANGE },
	{ "ffffffffffffffff",	16,	ULLONG_MAX,	ALL,	0 },
	{ "10000000000000000",	16,	ULLONG_MAX,	ALL,	ERANGE },
	{ "-1",			10,	ULLONG_MAX,	ALL,	0 },
	{ "-18446744073709551615", 10,	1,		ALL,	0 },
	{ "-18446744073709551616", 10,	ULLONG_MAX,	ALL,	ERANGE },
};

static void
t_strtoull_table(void)
{
	unsigned long long v;
	size_t i;
	char *end;

	for (i = 0; i < nitems(numbers); i++) {
		errno = 0;
		v = strtoull(numbers[i].s, &end, numbers[i].base);
		if (!CHECK(v == numbers[i].v))
			fprintf(stderr, "  %s in base %d: %llu\n",
			    numbers[i].s, numbers[i].base, v);
		CHECK_EQ(end - numbers[i].s, numbers[i].end == ALL ?
		    (long long)strlen(numbers[i].s) : numbers[i].end);
		CHECK_EQ(errno, numbers[i].err);
	}
	CHECK_EQ(strtoull("7", NULL, 10), 7);
}

/* strtoul: the same where the value fits unsigned long, saturated where not. */
static void
t_strtoul_table(void)
{
	unsigned long v;
	size_t i;
	char *end;
	int wide = ULONG_MAX == ULLONG_MAX;

	for (i = 0; i < nitems(numbers); i++) {
		if (!wide && (numbers[i].v > ULONG_MAX || numbers[i].s[0] == '-'))
			continue;
		errno = 0;
		v = strtoul(numbers[i].s, &end, numbers[i].base);
		CHECK(v == numbers[i].v);
		CHECK_EQ(errno, numbers[i].err);
		CHECK_EQ(end - numbers[i].s, numbers[i].end == ALL ?
		    (long long)strlen(numbers[i].s) : numbers[i].end);
	}
	errno = 0;
	CHECK(strtoul("4294967295", NULL, 10) == 4294967295UL);
	CHECK_EQ(errno, 0);
	CHECK(strtoul("-1", NULL, 10) == ULONG_MAX);
	CHECK(strtoul("-2", NULL, 10) == ULONG_MAX - 1);
	CHECK_EQ(errno, 0);
	if (!wide) {
		CHECK(strtoul("4294967296", NULL, 10) == ULONG_MAX);
		CHECK_EQ(errno, ERANGE);
		errno = 0;
		CHECK(strtoul("-4294967296", NULL, 10) == ULONG_MAX);
		CHECK_EQ(errno, ERANGE);
	}
}

/* qsort */

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

struct rec {
	unsigned char	key;
	unsigned char	pad[10];
};

static int
cmp_rec(const void *a, const void *b)
{
	return ((const struct rec *)a)->key - ((const struct rec *)b)->key;
}

static void
t_qsort_random(void)
{
	static int a[300];
	static struct rec r[64];
	unsigned x = 12345;
	size_t n, i, round;
	long long sum, sum2;

	for (round = 0; round < 200; round++) {
		n = round % 2 ? round % 37 : round;
		if (n > nitems(a))
			n = nitems(a);
		for (sum = 0, i = 0; i < n; i++) {
			x = x * 1103515245 + 12345;
			a[i] = (int)(x >> 16) % 50 - 25;
			sum += a[i];
		}
		qsort(a, n, sizeof a[0], cmp_int);
		for (sum2 = 0, i = 0; i < n; i++) {
			sum2 += a[i];
			if (i > 0 && !CHECK(a[i - 1] <= a[i]))
				return;
		}
		CHECK_EQ(sum, sum2);
	}
	for (i = 0; i < nitems(r); i++) {
		r[i].key = (unsigned char)(nitems(r) - i) % 7;
		memset(r[i].pad, r[i].key, sizeof r[i].pad);
	}
	qsort(r, nitems(r), sizeof r[0], cmp_rec);
	for (i = 0; i < nitems(r); i++) {
		CHECK(i == 0 || r[i - 1].key <= r[i].key);
		CHECK(r[i].pad[0] == r[i].key && r[i].pad[9] == r[i].key);
	}
	a[0] = 3;
	qsort(a, 1, sizeof a[0], cmp_int);
	CHECK_EQ(a[0], 3);
}

/* strstr */

static void
t_strstr_cases(void)
{
	static const struct {
		const char	*h, *n;
		int		 at;	/* -1: not found */
	} cases[] = {
		{ "",			"",		0 },
		{ "abc",		"",		0 },
		{ "",			"a",		-1 },
		{ "abc",		"abc",		0 },
		{ "abc",		"abcd",		-1 },
		{ "xabc",		"abc",		1 },
		{ "aab",		"ab",		1 },
		{ "ababac",		"abac",		2 },
		{ "HTTP/1.1 200\r\nA: b\r\n", "\r\n", 12 },
		{ "https://x",		"://",		5 },
		{ "host:80",		"://",		-1 },
		{ "use %s here",	"%s",		4 },
		{ "aaaa",		"aaaaa",	-1 },
		{ "abc",		"c",		2 },
	};
	const char *p;
	size_t i;

	for (i = 0; i < nitems(cases); i++) {
		p = strstr(cases[i].h, cases[i].n);
		CHECK_EQ(p == NULL ? -1 : p - cases[i].h, cases[i].at);
	}
}

/* mbstowcs, in the C locale, of ASCII (the C library's may refuse other bytes) */
static void
t_mbstowcs_ascii(void)
{
	wchar_t w[8];

	CHECK_EQ(mbstowcs(NULL, "slack.com", 0), 9);
	CHECK_EQ(mbstowcs(NULL, "", 0), 0);
	wmemset(w, L'x', 8);
	CHECK_EQ(mbstowcs(w, "a-b.c", 8), 5);
	CHECK(w[0] == L'a' && w[1] == L'-' && w[4] == L'c' && w[5] == 0);
	CHECK(w[6] == L'x');
	wmemset(w, L'x', 8);
	CHECK_EQ(mbstowcs(w, "abcdef", 3), 3);
	CHECK(w[2] == L'c' && w[3] == L'x');
}

/* getopt_long, as slackbot calls it: "+:" and opterr 0 */

/* What getopt_long returns for the words of args, in a line. */
static const char *
parse(const char *args)
{
	static const struct option lo[] = {
		{ "help",	no_argument,		NULL, 'h' },
		{ "reply",	required_argument,	NULL, 'R' },
		{ "reply-via",	required_argument,	NULL, 'V' },
		{ "all",	no_argument,		NULL, 'A' },
		{ NULL,		0,			NULL, 0 }
	};
	static char out[256], words[256];
	char *argv[16], *p;
	int argc = 0, c;
	size_t n = 0;

	snprintf(words, sizeof words, "cmd %s", args);
	for (p = strtok(words, " "); p != NULL && argc < 15;
	    p = strtok(NULL, " "))
		argv[argc++] = p;
	argv[argc] = NULL;
	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, "+:hqj:c:", lo, NULL)) != -1) {
		if (c == '?' || c == ':') {
			n += (size_t)snprintf(out + n, sizeof out - n, "%c(%d) ",
			    c, optopt);
			return out[n - 1] = '\0', out;
		}
		n += (size_t)snprintf(out + n, sizeof out - n, "%c%s%s ", c,
		    optarg != NULL ? "=" : "", optarg != NULL ? optarg : "");
	}
	snprintf(out + n, sizeof out - n, "@%d", optind);
	return out;
}

static void
t_getopt_long_cases(void)
{
	static const struct {
		const char	*args, *want;
	} cases[] = {
		{ "",				"@1" },
		{ "x -q",			"@1" },
		{ "-q x",			"q @2" },
		{ "-qq -h x",			"q q h @3" },
		{ "-j3 x",			"j=3 @2" },
		{ "-j 3 x",			"j=3 @3" },
		{ "-qj3 -c C1",			"q j=3 c=C1 @4" },
		{ "-qj 3",			"q j=3 @3" },
		{ "-j",				":(106)" },
		{ "-q -j",			"q :(106)" },
		{ "-x",				"?(120)" },
		{ "-qx",			"q ?(120)" },
		{ "-:",				"?(58)" },
		{ "-- -q",			"@2" },
		{ "- -q",			"@1" },
		{ "-q -- x",			"q @3" },
		{ "--help x",			"h @2" },
		{ "--he",			"h @2" },
		{ "--help=1",			"?(104)" },
		{ "--reply thread",		"R=thread @3" },
		{ "--reply=none x",		"R=none @2" },
		{ "--reply= x",			"R= @2" },
		{ "--reply-via ws",		"V=ws @3" },
		{ "--reply-v=ws",		"V=ws @2" },
		{ "--rep x",			"?(0)" },
		{ "--r=x",			"?(0)" },
		{ "--reply",			":(82)" },
		{ "--al -q",			"A q @3" },
		{ "--allx",			"?(0)" },
		{ "--bogus -q",			"?(0)" },
		{ "--=x",			"?(0)" },
		{ "-c --all",			"c=--all @3" },
		{ "--reply -q",			"R=-q @3" },
	};
	size_t i;
	const char *got;

	for (i = 0; i < nitems(cases); i++) {
		got = parse(cases[i].args);
		if (!CHECK(strcmp(got, cases[i].want) == 0))
			fprintf(stderr, "  \"%s\": \"%s\", not \"%s\"\n",
			    cases[i].args, got, cases[i].want);
	}
}

int
main(int argc, char **argv)
{
	static const struct t_case cases[] = {
		{ "strtoull_table",	t_strtoull_table },
		{ "strtoul_table",	t_strtoul_table },
		{ "qsort_random",	t_qsort_random },
		{ "strstr_cases",	t_strstr_cases },
		{ "mbstowcs_ascii",	t_mbstowcs_ascii },
		{ "getopt_long_cases",	t_getopt_long_cases },
	};

	return t_run(cases, nitems(cases), argc, argv);
}

/*
 * tests/t_util.c: parse_u64, base64_encode, now_ms and random_bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util.h"
#include "harness.h"
#include "testutil.h"

#define UNTOUCHED	0x5a
#define U64MAX		UINT64_MAX

/* parse_u64 */

static const struct {
	const char	*s;
	uint64_t	 max;
	int		 rc;
	uint64_t	 v;
} numbers[] = {
	{ "",				U64MAX,	-1, 0 },
	{ "0",				U64MAX,	0, 0 },
	{ "7",				U64MAX,	0, 7 },
	{ "1234567890",			U64MAX,	0, 1234567890 },
	{ "+1",				U64MAX,	-1, 0 },
	{ "-1",				U64MAX,	-1, 0 },
	{ "-0",				U64MAX,	-1, 0 },
	{ " 1",				U64MAX,	-1, 0 },
	{ "1 ",				U64MAX,	-1, 0 },
	{ "1 2",			U64MAX,	-1, 0 },
	{ "\t1",			U64MAX,	-1, 0 },
	{ "1\n",			U64MAX,	-1, 0 },
	{ "1a",				U64MAX,	-1, 0 },
	{ "a1",				U64MAX,	-1, 0 },
	{ "0x10",			U64MAX,	-1, 0 },
	{ "1e3",			U64MAX,	-1, 0 },
	{ "1.0",			U64MAX,	-1, 0 },
	{ "1,000",			U64MAX,	-1, 0 },
	{ "/",				U64MAX,	-1, 0 },	/* '0' - 1 */
	{ ":",				U64MAX,	-1, 0 },	/* '9' + 1 */
	{ "\xb1",			U64MAX,	-1, 0 },	/* high bit */
	{ "\xd9\xa1",			U64MAX,	-1, 0 },	/* Arabic 1 */
	/* the largest value, and one more */
	{ "18446744073709551615",	U64MAX,	0, U64MAX },
	{ "18446744073709551616",	U64MAX,	-1, 0 },
	{ "18446744073709551620",	U64MAX,	-1, 0 },
	{ "18446744073709551699",	U64MAX,	-1, 0 },
	{ "18446744073709552000",	U64MAX,	-1, 0 },
	{ "19999999999999999999",	U64MAX,	-1, 0 },
	{ "99999999999999999999",	U64MAX,	-1, 0 },
	{ "184467440737095516150",	U64MAX,	-1, 0 },
	{ "1000000000000000000000000",	U64MAX,	-1, 0 },
	/* leading zeros change nothing, however many */
	{ "00",				U64MAX,	0, 0 },
	{ "007",			U64MAX,	0, 7 },
	{ "0000000000000000000000000042", U64MAX, 0, 42 },
	{ "000000000000000000000018446744073709551615", U64MAX, 0, U64MAX },
	{ "000000000000000000000018446744073709551616", U64MAX, -1, 0 },
	/* smaller limits */
	{ "0",				0,	0, 0 },
	{ "1",				0,	-1, 0 },
	{ "9",				0,	-1, 0 },
	{ "000",			0,	0, 0 },
	{ "5",				5,	0, 5 },
	{ "6",				5,	-1, 0 },
	{ "7",				5,	-1, 0 },
	{ "9",				5,	-1, 0 },
	{ "10",				5,	-1, 0 },
	{ "65535",			65535,	0, 65535 },
	{ "65536",			65535,	-1, 0 },
	{ "65539",			65535,	-1, 0 },
	{ "99999",			65535,	-1, 0 },
	{ "4294967295",			UINT32_MAX, 0, UINT32_MAX },
	{ "4294967296",			UINT32_MAX, -1, 0 },
	{ "18446744073709551614",	U64MAX - 1, 0, U64MAX - 1 },
	{ "18446744073709551615",	U64MAX - 1, -1, 0 },
	{ "18446744073709551609",	U64MAX - 6, 0, U64MAX - 6 },
	{ "18446744073709551610",	U64MAX - 6, -1, 0 },
};

static void
t_parse_table(void)
{
	uint64_t v;
	size_t i;
	int rc;

	for (i = 0; i < nitems(numbers); i++) {
		v = 0xdeadbeef;
		rc = parse_u64(numbers[i].s, strlen(numbers[i].s),
		    numbers[i].max, &v);
		if (!CHECK_EQ(rc, numbers[i].rc))
			fprintf(stderr, "  input \"%s\" max %llu\n",
			    numbers[i].s, (unsigned long long)numbers[i].max);
		/* a refusal leaves *out alone */
		CHECK(v == (rc == 0 ? numbers[i].v : 0xdeadbeef));
	}
}

/* Only s[0..n) counts: not the NUL, not what follows. */
static void
t_parse_length(void)
{
	static const char digits[] = "18446744073709551615";
	uint64_t v, want = 0;
	size_t n;

	CHECK_EQ(parse_u64("123", 2, U64MAX, &v), 0);
	CHECK_EQ(v, 12);
	CHECK_EQ(parse_u64("12x", 2, U64MAX, &v), 0);
	CHECK_EQ(v, 12);
	CHECK_EQ(parse_u64("1\0", 2, U64MAX, &v), -1);
	CHECK_EQ(parse_u64("\0", 1, U64MAX, &v), -1);
	CHECK_EQ(parse_u64(NULL, 0, U64MAX, &v), -1);
	/* every prefix of the largest value */
	for (n = 1; n < sizeof digits; n++) {
		want = want * 10 + (uint64_t)(digits[n - 1] - '0');
		CHECK_EQ(parse_u64(digits, n, U64MAX, &v), 0);
		CHECK(v == want);
		/* and the prefix as a limit: exactly, and one below */
		CHECK_EQ(parse_u64(digits, n, want, &v), 0);
		CHECK_EQ(parse_u64(digits, n, want - 1, &v), -1);
	}
}

/* Every value up to 1100 against every limit up to 1024, also 0-padded. */
static void
t_parse_limits(void)
{
	char s[32];
	uint64_t v, max;
	int n, rc;

	for (max = 0; max <= 1024; max++)
		for (v = 0; v <= 1100; v++) {
			n = snprintf(s, sizeof s, "%llu", (unsigned long long)v);
			rc = parse_u64(s, (size_t)n, max, &(uint64_t){ 0 });
			CHECK_EQ(rc, v <= max ? 0 : -1);
			n = snprintf(s, sizeof s, "000%llu",
			    (unsigned long long)v);
			rc = parse_u64(s, (size_t)n, max, &(uint64_t){ 0 });
			CHECK_EQ(rc, v <= max ? 0 : -1);
		}
}

static uint64_t	rng = 0x243f6a8885a308d3ULL;

static uint64_t
rnd(void)
{
	return tu_next(&rng);
}

/* Random values and limits of every magnitude. */
static void
t_parse_random(void)
{
	char s[32];
	uint64_t v, max, got;
	int i, n, rc;

	for (i = 0; i < 200000; i++) {
		v = rnd() >> (rnd() % 64);
		switch (rnd() % 4) {
		case 0:
			max = v;
			break;
		case 1:
			max = v - 1;	/* may wrap to the largest: fine */
			break;
		case 2:
			max = v + rnd() % 16;
			break;
		default:
			max = rnd() >> (rnd() % 64);
			break;
		}
		n = snprintf(s, sizeof s, "%llu", (unsigned long long)v);
		got = ~v;
		rc = parse_u64(s, (size_t)n, max, &got);
		CHECK_EQ(rc, v <= max ? 0 : -1);
		CHECK(got == (rc == 0 ? v : ~v));
	}
}

/* base64_encode */

#define V(s)	s, sizeof(s) - 1

static const struct {
	const char	*in;
	size_t		 n;
	const char	*out;
} b64[] = {
	/* RFC 4648, section 10 */
	{ V(""),	"" },
	{ V("f"),	"Zg==" },
	{ V("fo"),	"Zm8=" },
	{ V("foo"),	"Zm9v" },
	{ V("foob"),	"Zm9vYg==" },
	{ V("fooba"),	"Zm9vYmE=" },
	{ V("foobar"),	"Zm9vYmFy" },
	/* every letter of the alphabet, in order */
	{ V("\x00\x10\x83\x10\x51\x87\x20\x92\x8b\x30\xd3\x8f\x41\x14\x93"
	    "\x51\x55\x97\x61\x96\x9b\x71\xd7\x9f\x82\x18\xa3\x92\x59\xa7"
	    "\xa2\x9a\xab\xb2\xdb\xaf\xc3\x1c\xb3\xd3\x5d\xb7\xe3\x9e\xbb"
	    "\xf3\xdf\xbf"),
	  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/" },
	{ V("\0"),	"AA==" },
	{ V("\0\0\0"),	"AAAA" },
	{ V("\xff"),	"/w==" },
	{ V("\xff\xff"),	"//8=" },
	{ V("\xff\xff\xff"), "////" },
	{ V("\xfb\xef"),	"++8=" },
	/* RFC 6455's example key */
	{ V("the sample nonce"), "dGhlIHNhbXBsZSBub25jZQ==" },
};

/* One encoding into a buffer of cap bytes inside a larger one. */
static void
b64_case(const void *in, size_t n, const char *want, size_t cap)
{
	char buf[256];
	size_t wlen = strlen(want), r, i;

	memset(buf, UNTOUCHED, sizeof buf);
	r = base64_encode(buf, cap, in, n);
	if (cap > wlen) {
		/* it fits: the text and its NUL */
		if (!CHECK_EQ(r, wlen))
			fprintf(stderr, "  length %zu, cap %zu\n", n, cap);
		CHECK(memcmp(buf, want, wlen) == 0);
		CHECK_EQ(buf[wlen], '\0');
		i = wlen + 1;
	} else {
		/* one short or less: refused, and nothing written */
		if (!CHECK_EQ(r, 0))
			fprintf(stderr, "  length %zu, cap %zu\n", n, cap);
		i = 0;
	}
	for (; i < sizeof buf; i++)
		if (!CHECK_EQ(buf[i], UNTOUCHED))
			break;
}

static void
t_b64_vectors(void)
{
	size_t i, cap;

	for (i = 0; i < nitems(b64); i++)
		for (cap = 0; cap <= strlen(b64[i].out) + 3; cap++)
			b64_case(b64[i].in, b64[i].n, b64[i].out, cap);
}

static int
b64_value(char c)
{
	static const char abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p;

	if (c == '\0' || (p = strchr(abc, c)) == NULL)
		return -1;
	return (int)(p - abc);
}

/* Decodes out (with its padding) and compares it with in[0..n). */
static int
b64_roundtrip(const char *out, size_t olen, const unsigned char *in,
    size_t n)
{
	unsigned char dec[200];
	size_t i, d = 0, pad = 0;
	uint32_t v;
	int k, c;

	if (olen % 4 != 0 || olen != (n + 2) / 3 * 4)
		return 0;
	for (i = 0; i < olen; i += 4) {
		v = 0;
		for (k = 0; k < 4; k++) {
			if (out[i + k] == '=' && i + 4 == olen && k >= 2) {
				pad++;
				c = 0;
			} else if (pad > 0 || (c = b64_value(out[i + k])) < 0)
				return 0;
			v = v << 6 | (uint32_t)c;
		}
		dec[d++] = (unsigned char)(v >> 16);
		dec[d++] = (unsigned char)(v >> 8);
		dec[d++] = (unsigned char)v;
	}
	return d - pad == n && memcmp(dec, in, n) == 0;
}

static void
t_b64_random(void)
{
	unsigned char in[150];
	char out[256];
	size_t n, i, r;
	int round;

	for (round = 0; round < 200; round++)
		for (n = 0; n <= sizeof in; n++) {
			for (i = 0; i < n; i++)
				in[i] = (unsigned char)rnd();
			r = base64_encode(out, sizeof out, in, n);
			CHECK(b64_roundtrip(out, r, in, n));
			CHECK_EQ(out[r], '\0');
			/* exactly fits, and one short */
			CHECK_EQ(base64_encode(out, r + 1, in, n), r);
			CHECK_EQ(base64_encode(out, r, in, n), 0);
		}
}

/* Lengths whose encoded size does not fit a size_t are refused. */
static void
t_b64_huge(void)
{
	static const unsigned char in[4] = "abc";
	char out[64];

	memset(out, UNTOUCHED, sizeof out);
	/* 4 * (n / 3) wraps around to 0 */
	CHECK_EQ(base64_encode(out, sizeof out, in, (SIZE_MAX / 4 + 1) * 3),
	    0);
	CHECK_EQ(base64_encode(out, sizeof out, in, SIZE_MAX), 0);
	CHECK_EQ(base64_encode(out, sizeof out, in, SIZE_MAX - 2), 0);
	CHECK_EQ(base64_encode(out, SIZE_MAX, in, 3), 4);
	CHECK(memcmp(out, "YWJj", 5) == 0);
}

/* now_ms */

static void
t_now_ms(void)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	int64_t a, b, t;
	int i;

	a = t = now_ms();
	CHECK(a >= 0);
	for (i = 0; i < 100000; i++) {
		b = now_ms();
		if (!CHECK(b >= t))
			break;
		t = b;
	}
	t = now_ms();
	nanosleep(&ts, NULL);
	b = now_ms();
	CHECK(b - t >= 20);
	CHECK(b - t < 5000);
}

/* random_bytes */

static void
t_random_differs(void)
{
	unsigned char a[32], b[32];

	CHECK_EQ(random_bytes(a, sizeof a), 0);
	CHECK_EQ(random_bytes(b, sizeof b), 0);
	CHECK(memcmp(a, b, sizeof a) != 0);
	memset(a, 0, sizeof a);
	CHECK_EQ(random_bytes(a, sizeof a), 0);
	CHECK(memcmp(a, (unsigned char[32]){ 0 }, sizeof a) != 0);
}

/*
 * Every length from 0 to 200, after every amount (0 to 63) already taken
 * from the 64-byte block: exactly n bytes change, none around them.
 */
static void
t_random_lengths(void)
{
	unsigned char buf[16 + 200 + 16], skip[64];
	size_t n, k, i, same;

	for (k = 0; k < 64; k++)
		for (n = 0; n <= 200; n++) {
			CHECK_EQ(random_bytes(skip, k), 0);
			memset(buf, UNTOUCHED, sizeof buf);
			CHECK_EQ(random_bytes(buf + 16, n), 0);
			for (i = 0; i < 16; i++) {
				CHECK_EQ(buf[i], UNTOUCHED);
				CHECK_EQ(buf[16 + n + i], UNTOUCHED);
			}
			/* some of it changed (all 0x5a: 1 in 2^64) */
			for (same = 0, i = 0; i < n; i++)
				same += buf[16 + i] == UNTOUCHED;
			if (n >= 8)
				CHECK(same < n);
		}
	CHECK_EQ(random_bytes(NULL, 0), 0);
}

/* Many calls: no repeats, and about half of the bits set. */
static void
t_random_many(void)
{
	static unsigned char seen[4096][16];
	unsigned char buf[1000];
	unsigned long ones = 0, bits = 0;
	size_t i, j, n;
	int b;

	for (i = 0; i < nitems(seen); i++) {
		CHECK_EQ(random_bytes(seen[i], sizeof seen[i]), 0);
		for (j = 0; j < i; j++)
			if (!CHECK(memcmp(seen[i], seen[j], 16) != 0))
				return;
	}
	for (i = 0; i < 20000; i++) {
		n = (size_t)(rnd() % sizeof buf);
		CHECK_EQ(random_bytes(buf, n), 0);
		for (j = 0; j < n; j++)
			for (b = 0; b < 8; b++)
				ones += buf[j] >> b & 1;
		bits += 8 * n;
	}
	/* about 80 million bits: 1% off is hundreds of deviations */
	CHECK(ones > bits / 100 * 49 && ones < bits / 100 * 51);
}

int
main(int argc, char **argv)
{
	static const struct t_case cases[] = {
		{ "parse_table",	t_parse_table },
		{ "parse_length",	t_parse_length },
		{ "parse_limits",	t_parse_limits },
		{ "parse_random",	t_parse_random },
		{ "b64_vectors",	t_b64_vectors },
		{ "b64_random",		t_b64_random },
		{ "b64_huge",		t_b64_huge },
		{ "now_ms",		t_now_ms },
		{ "random_differs",	t_random_differs },
		{ "random_lengths",	t_random_lengths },
		{ "random_many",	t_random_many },
	};

	return t_run(cases, nitems(cases), argc, argv);
}

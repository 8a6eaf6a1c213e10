/*
 * tests/t_inbound.c: Slack's request signatures and bodies (inbound.c).
 *
 * HMAC-SHA256 against the vectors of RFC 4231, the signature against the
 * worked example of Slack's "Verifying requests from Slack", then bodies
 * of each kind, the malformed ones first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "inbound.h"
#include "testutil.h"
#include "util.h"

#define S(s)	s, sizeof(s) - 1

static struct json_tok	tok[512];
static char		scratch[4096];

/* hex[0..2n) into out[0..n). */
static void
unhex(unsigned char *out, const char *hex, size_t n)
{
	size_t i;
	unsigned v;

	for (i = 0; i < n; i++) {
		sscanf(hex + 2 * i, "%2x", &v);
		out[i] = (unsigned char)v;
	}
}

/* RFC 4231 section 4: the HMAC-SHA-256 results of test cases 1-7. */
static void
t_hmac_rfc4231(void)
{
	static const char long_key_data[] = "This is a test using a larger "
	    "than block-size key and a larger than block-size data. The key "
	    "needs to be hashed before being used by the HMAC algorithm.";
	unsigned char key[131], data[152], mac[32], want[32];
	struct inbound_part part[3];
	size_t i, klen, dlen, cut;
	static const struct {
		int		 keybyte;	/* key: klen of these; 0: seq */
		size_t		 klen;
		const char	*text;		/* data, or NULL: dlen of dbyte */
		int		 dbyte;
		size_t		 dlen;
		size_t		 maclen;	/* case 5 is truncated */
		const char	*mac;
	} v[] = {
		{ 0x0b, 20, "Hi There", 0, 0, 32, "b0344c61d8db38535ca8afceaf0b"
		    "f12b881dc200c9833da726e9376c2e32cff7" },
		{ -1, 4, "what do ya want for nothing?", 0, 0, 32, "5bdcc146bf6"
		    "0754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
		{ 0xaa, 20, NULL, 0xdd, 50, 32, "773ea91e36800e46854db8ebd09181"
		    "a72959098b3ef8c122d9635514ced565fe" },
		{ 0, 25, NULL, 0xcd, 50, 32, "82558a389a443c0ea4cc819899f2083a"
		    "85f0faa3e578f8077a2e3ff46729665b" },
		{ 0x0c, 20, "Test With Truncation", 0, 0, 16,
		    "a3b6167473100ee06e0c796c2955552b" },
		{ 0xaa, 131, "Test Using Larger Than Block-Size Key - Hash Key "
		    "First", 0, 0, 32, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc62"
		    "13728c5140546040f0ee37f54" },
		{ 0xaa, 131, long_key_data, 0, 0, 32, "9b09ffa71b942fcb27635fbc"
		    "d5b0e944bfdc63644f0713938a7f51535c3a35e2" },
	};

	for (i = 0; i < nitems(v); i++) {
		klen = v[i].klen;
		if (v[i].keybyte == -1)
			memcpy(key, "Jefe", 4);
		else if (v[i].keybyte == 0)
			for (cut = 0; cut < klen; cut++)
				key[cut] = (unsigned char)(cut + 1);
		else
			memset(key, v[i].keybyte, klen);
		if (v[i].text != NULL) {
			dlen = strlen(v[i].text);
			memcpy(data, v[i].text, dlen);
		} else {
			dlen = v[i].dlen;
			memset(data, v[i].dbyte, dlen);
		}
		unhex(want, v[i].mac, v[i].maclen);
		/* The message in one part, and cut in three at every place. */
		part[0].p = data;
		part[0].n = dlen;
		inbound_hmac(mac, key, klen, part, 1);
		if (!CHECK(memcmp(mac, want, v[i].maclen) == 0))
			fprintf(stderr, "  RFC 4231 case %zu\n", i + 1);
		for (cut = 0; cut <= dlen; cut++) {
			part[0].n = cut / 2;
			part[1].p = data + cut / 2;
			part[1].n = cut - cut / 2;
			part[2].p = data + cut;
			part[2].n = dlen - cut;
			inbound_hmac(mac, key, klen, part, 3);
			CHECK(memcmp(mac, want, v[i].maclen) == 0);
		}
	}
}

/* Slack's worked example (docs: authentication/verifying-requests). */
static const char doc_secret[] = "8f742231b10e8888abcd99yyyzzz85a5";
static const char doc_ts[] = "1531420618";
static const char doc_body[] = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id="
    "T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name="
    "foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-"
    "collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands"
    "%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id="
    "398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
static const char doc_sig[] = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d2"
    "1a10bd27519666489c69b503";

static void
t_sign_example(void)
{
	char out[80];
	size_t cap;

	CHECK_EQ(tu_sign(out, sizeof out, doc_secret, S(doc_ts),
	    S(doc_body)), 67);
	CHECK(memcmp(out, doc_sig, 67) == 0);
	for (cap = 0; cap < 67; cap++) {
		memset(out, '#', sizeof out);
		CHECK_EQ(tu_sign(out, cap, doc_secret, S(doc_ts),
		    S(doc_body)), 0);
		CHECK(out[cap] == '#');
	}
}

static int
verify(const char *ts, const char *sig, const char *body, int64_t now)
{
	return inbound_verify(doc_secret, ts, ts ? strlen(ts) : 0, sig,
	    sig ? strlen(sig) : 0, body, strlen(body), now);
}

/* Malformed and refused first, then what passes. */
static void
t_verify(void)
{
	static char sig[80];
	const int64_t t = 1531420618;
	size_t i;

	/* Missing pieces. */
	CHECK_EQ(verify(NULL, doc_sig, doc_body, t), INBOUND_ENOSIG);
	CHECK_EQ(verify(doc_ts, NULL, doc_body, t), INBOUND_ENOSIG);
	CHECK_EQ(verify("", doc_sig, doc_body, t), INBOUND_ENOSIG);
	CHECK_EQ(verify(doc_ts, "", doc_body, t), INBOUND_ENOSIG);
	/* Timestamps that are not whole seconds. */
	CHECK_EQ(verify("abc", doc_sig, doc_body, t), INBOUND_ETIME);
	CHECK_EQ(verify("-1531420618", doc_sig, doc_body, t), INBOUND_ETIME);
	CHECK_EQ(verify("1531420618.5", doc_sig, doc_body, t), INBOUND_ETIME);
	CHECK_EQ(verify(" 1531420618", doc_sig, doc_body, t), INBOUND_ETIME);
	CHECK_EQ(verify("99999999999999999999999", doc_sig, doc_body, t),
	    INBOUND_ETIME);
	/* Five minutes either way, and no more. */
	CHECK_EQ(verify(doc_ts, doc_sig, doc_body, t + 301), INBOUND_ESTALE);
	CHECK_EQ(verify(doc_ts, doc_sig, doc_body, t - 301), INBOUND_ESTALE);
	CHECK_EQ(verify(doc_ts, doc_sig, doc_body, 0), INBOUND_ESTALE);
	CHECK_EQ(verify(doc_ts, doc_sig, doc_body, t + 300), INBOUND_OK);
	CHECK_EQ(verify(doc_ts, doc_sig, doc_body, t - 300), INBOUND_OK);
	/* Signatures that are not the body's. */
	CHECK_EQ(verify(doc_ts, "v0=", doc_body, t), INBOUND_EFORGED);
	CHECK_EQ(verify(doc_ts, "a2114d57", doc_body, t), INBOUND_EFORGED);
	CHECK_EQ(verify(doc_ts, doc_sig + 3, doc_body, t), INBOUND_EFORGED);
	memcpy(sig, doc_sig, sizeof doc_sig);
	sig[1] = '1';
	CHECK_EQ(verify(doc_ts, sig, doc_body, t), INBOUND_EFORGED);
	for (i = 3; i < sizeof doc_sig - 1; i++) {
		memcpy(sig, doc_sig, sizeof doc_sig);
		sig[i] = sig[i] == '0' ? '1' : '0';
		CHECK_EQ(verify(doc_ts, sig, doc_body, t), INBOUND_EFORGED);
		sig[i] = 'g';
		CHECK_EQ(verify(doc_ts, sig, doc_body, t), INBOUND_EFORGED);
	}
	memcpy(sig, doc_sig, sizeof doc_sig);
	strcat(sig, "0");
	CHECK_EQ(verify(doc_ts, sig, doc_body, t), INBOUND_EFORGED);
	sig[sizeof doc_sig - 2] = '\0';
	CHECK_EQ(verify(doc_ts, sig, doc_body, t), INBOUND_EFORGED);
	CHECK_EQ(verify("1531420619", doc_sig, doc_body, t), INBOUND_EFORGED);
	CHECK_EQ(verify(doc_ts, doc_sig, "token=xyzz0WbapA4vBCDEFasx0q6G", t),
	    INBOUND_EFORGED);
	CHECK_EQ(inbound_verify("8f742231b10e8888abcd99yyyzzz85a6", S(doc_ts),
	    S(doc_sig), S(doc_body), t), INBOUND_EFORGED);
	/* The example passes; upper-case hex is the same number. */
	CHECK_EQ(verify(doc_ts, doc_sig, doc_body, t), INBOUND_OK);
	for (i = 0; doc_sig[i] != '\0'; i++)
		sig[i] = i >= 3 && doc_sig[i] >= 'a' ? doc_sig[i] - 32 :
		    doc_sig[i];
	sig[i] = '\0';
	CHECK_EQ(verify(doc_ts, sig, doc_body, t), INBOUND_OK);
	for (i = INBOUND_OK; i <= INBOUND_EFORGED; i++)
		CHECK(inbound_strerror((int)i)[0] != '\0');
}

/* Reads a copy of s (bodies are decoded in place). */
static enum inbound_kind
readb(const char *s, struct inbound_msg *m)
{
	static char body[4096];
	size_t n = strlen(s);

	memcpy(body, s, n);
	return inbound_read(body, n, scratch, sizeof scratch, tok,
	    nitems(tok), m);
}

static int
is(const char *p, size_t n, const char *want)
{
	return p != NULL && n == strlen(want) && memcmp(p, want, n) == 0;
}

static uint64_t
key(char tag, const char *id)
{
	return fnv1a(fnv1a(FNV_START, &tag, 1), id, strlen(id));
}

static void
t_read_bad(void)
{
	static const char *const bad[] = {
		"",
		"   ",
		"{",
		"[1,2]",
		"\"event_callback\"",
		"{\"event\":{}}",
		"{\"type\":1,\"event\":{}}",
		"{\"type\":\"event_callback\"}",
		"{\"type\":\"event_callback\",\"event\":\"x\"}",
		"{\"type\":\"event_callback\",\"event\":[]}",
		"{\"type\":\"url_verification\"}",
		"{\"type\":\"url_verification\",\"challenge\":3}",
		"{\"type\":\"event_callback\",\"event\":{}} x",
		"{\"type\":\"event_callback\",\"event\":{\"text\":\"\xff\"}}",
		/* Forms. */
		"token=x&team_id=T1",
		"=",
		"&&",
		"payload=%7B",
		"payload=%5B%5D",
		"payload=not+json",
		"payload=%7B%22a%22%3A1%7D%G1",
		"payload=%7B%7D%",
		"command=%2",
		"command=%2Fdeploy&text=%zz",
	};
	struct inbound_msg m;
	size_t i;

	for (i = 0; i < nitems(bad); i++)
		if (!CHECK(readb(bad[i], &m) == INBOUND_BAD && m.why != NULL &&
		    m.why[0] != '\0'))
			fprintf(stderr, "  \"%s\": kind %d\n", bad[i], m.kind);
}

static void
t_read_json(void)
{
	static const char cb[] = "{\"token\":\"XXYYZZ\",\"team_id\":\"T1\","
	    "\"api_app_id\":\"A1\",\"event\":{\"type\":\"app_mention\","
	    "\"text\":\"<@U1> hi\",\"ts\":\"1.2\"},\"type\":\"event_callback\","
	    "\"event_id\":\"Ev08MFMKH6\",\"event_time\":1234567890}";
	struct inbound_msg m;

	CHECK_EQ(readb(cb, &m), INBOUND_EVENT);
	CHECK_EQ(m.payload, SLACK_P_EVENT);
	CHECK(is(m.rec, m.reclen, "{\"type\":\"app_mention\",\"text\":"
	    "\"<@U1> hi\",\"ts\":\"1.2\"}"));
	CHECK(m.key == key('E', "Ev08MFMKH6"));
	CHECK(is(m.type, m.typelen, "event_callback"));
	/* Without an event_id there is nothing to recognise a retry by. */
	CHECK_EQ(readb("{\"type\":\"event_callback\",\"event\":{\"a\":1}}",
	    &m), INBOUND_EVENT);
	CHECK(m.key == 0 && is(m.rec, m.reclen, "{\"a\":1}"));
	CHECK_EQ(readb(" \n{\"type\":\"url_verification\",\"token\":\"t\","
	    "\"challenge\":\"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
	    "\\/x\"}\n", &m), INBOUND_CHALLENGE);
	CHECK(is(m.challenge, m.chlen,
	    "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P\\/x"));
	CHECK_EQ(readb("{\"token\":\"t\",\"type\":\"app_rate_limited\","
	    "\"team_id\":\"T1\",\"minute_rate_limited\":1518467820,"
	    "\"api_app_id\":\"A1\"}", &m), INBOUND_RATE_LIMITED);
	CHECK_EQ(readb("{\"type\":\"something_new\"}", &m), INBOUND_SKIP);
	CHECK(is(m.type, m.typelen, "something_new") && m.why != NULL);
}

static void
t_read_slash(void)
{
	static const char want[] = "{\"token\":\"xyzz0WbapA4vBCDEFasx0q6G\","
	    "\"team_id\":\"T1DC2JH3J\",\"team_domain\":\"testteamnow\","
	    "\"channel_id\":\"G8PSS9T3V\",\"channel_name\":\"foobar\","
	    "\"user_id\":\"U2CERLKJA\",\"user_name\":\"roadrunner\","
	    "\"command\":\"/webhook-collect\",\"text\":\"\",\"response_url\":"
	    "\"https://hooks.slack.com/commands/T1DC2JH3J/397700885554/"
	    "96rGlfmibIGlgcZRskXaIFfN\",\"trigger_id\":\"398738663015."
	    "47445629121.803a0bc887a14d10d2c447fce8b6703c\"}";
	struct inbound_msg m;
	char small[64];
	char body[sizeof doc_body];

	CHECK_EQ(readb(doc_body, &m), INBOUND_EVENT);
	CHECK_EQ(m.payload, SLACK_P_SLASH);
	if (!CHECK(is(m.rec, m.reclen, want)))
		fprintf(stderr, "  got %.*s\n", (int)m.reclen, m.rec);
	CHECK(m.key == key('T', "398738663015.47445629121."
	    "803a0bc887a14d10d2c447fce8b6703c"));
	CHECK(m.type == NULL);
	/* '+' is a blank, escapes are bytes, odd bytes stay valid JSON. */
	CHECK_EQ(readb("command=%2Fdeploy&text=api+%E2%9C%85+%22x%22%0A%5C"
	    "&flag&empty=", &m), INBOUND_EVENT);
	if (!CHECK(is(m.rec, m.reclen, "{\"command\":\"/deploy\",\"text\":"
	    "\"api \xe2\x9c\x85 \\\"x\\\"\\n\\\\\",\"flag\":\"\","
	    "\"empty\":\"\"}")))
		fprintf(stderr, "  got %.*s\n", (int)m.reclen, m.rec);
	CHECK(m.key == 0);
	CHECK_EQ(readb("command=%2Fx&text=%FF", &m), INBOUND_EVENT);
	CHECK(is(m.rec, m.reclen, "{\"command\":\"/x\",\"text\":"
	    "\"\xef\xbf\xbd\"}"));
	/* Slack's periodic certificate check asks for nothing. */
	CHECK_EQ(readb("ssl_check=1&token=x", &m), INBOUND_SKIP);
	/* No room for the JSON: refused, never cut. */
	memcpy(body, doc_body, sizeof doc_body);
	CHECK_EQ(inbound_read(body, sizeof doc_body - 1, small, sizeof small,
	    tok, nitems(tok), &m), INBOUND_BAD);
}

static void
t_read_interactive(void)
{
	struct inbound_msg m;

	CHECK_EQ(readb("payload=%7B%22type%22%3A%22block_actions%22%2C%22"
	    "trigger_id%22%3A%2213345224609.738474920.8088%22%2C%22actions%22"
	    "%3A%5B%7B%22value%22%3A%22a+b%22%7D%5D%7D", &m), INBOUND_EVENT);
	CHECK_EQ(m.payload, SLACK_P_INTERACTIVE);
	if (!CHECK(is(m.rec, m.reclen, "{\"type\":\"block_actions\","
	    "\"trigger_id\":\"13345224609.738474920.8088\",\"actions\":"
	    "[{\"value\":\"a b\"}]}")))
		fprintf(stderr, "  got %.*s\n", (int)m.reclen, m.rec);
	CHECK(m.key == key('T', "13345224609.738474920.8088"));
	/* Other fields beside payload are ignored. */
	CHECK_EQ(readb("x=1&payload=%7B%22type%22%3A%22shortcut%22%7D&y=2",
	    &m), INBOUND_EVENT);
	CHECK(is(m.rec, m.reclen, "{\"type\":\"shortcut\"}") && m.key == 0);
}

static const struct t_case cases[] = {
	{ "hmac_rfc4231", t_hmac_rfc4231 },
	{ "sign_example", t_sign_example },
	{ "verify", t_verify },
	{ "read_bad", t_read_bad },
	{ "read_json", t_read_json },
	{ "read_slash", t_read_slash },
	{ "read_interactive", t_read_interactive },
};

int
main(int argc, char **argv)
{
	return t_run(cases, nitems(cases), argc, argv);
}

/*
 * t_action.c: what a --pipe handler's lines ask for (action_read()).
 * Lines after README.md's table and tests/e2e/test_handlers_pipe.py.
 */
#include <stdio.h>
#include <string.h>

#include "action.h"
#include "config.h"
#include "harness.h"

/* The buffers handler.c lends. */
static struct json_tok	tok[512];
static char		body[API_REQ_MAX], str[ENV_BUF_MAX];
static const struct action_buf full = { tok, nitems(tok), body, sizeof body,
    str, sizeof str };

static struct action	a;

static enum action_kind
rd_with(const char *line, size_t n, const struct action_buf *b)
{
	/* tests/fuzz_action.c: the handler's buffers, one line */
	t_seed("action", "\0", 1, line, n);
	return action_read(line, n, b, &a);
}

static enum action_kind
rd(const char *line)
{
	return rd_with(line, strlen(line), &full);
}

static enum action_kind
rd_small(const char *line, const struct action_buf *b)
{
	return rd_with(line, strlen(line), b);
}

/* pre, n bytes of 'x', post. */
static const char *
with(const char *pre, size_t n, const char *post)
{
	static char line[RESPONSE_URL_MAX + 1024];

	snprintf(line, sizeof line, "%s%*s%s", pre, (int)n, "", post);
	memset(line + strlen(pre), 'x', n);
	return line;
}

static int
body_is(const char *want)
{
	if (a.len == strlen(want) && memcmp(a.body, want, a.len) == 0)
		return 1;
	fprintf(stderr, "  body %.*s\n  want %s\n", (int)a.len, a.body, want);
	return 0;
}

static void
t_blank(void)
{
	CHECK_EQ(rd(""), ACTION_NONE);
	CHECK_EQ(rd("   "), ACTION_NONE);
	CHECK_EQ(rd("\r"), ACTION_NONE);
	CHECK_EQ(rd(" \r \r"), ACTION_NONE);
	CHECK_EQ(a.linelen, 0);
	/* Only CR and spaces are trimmed, and only at the end. */
	CHECK_EQ(rd("\t"), ACTION_NOT_JSON);
	CHECK_EQ(rd("{\"foo\":1} \r "), ACTION_UNKNOWN);
	CHECK_EQ(a.linelen, 9);
	CHECK_EQ(rd(" {\"channel\":\"C1\",\"text\":\"x\"}"), ACTION_POST);
}

static void
t_not_json(void)
{
	static const char *const bad[] = {
		"not json at all", "[1,2]", "\"a string\"", "5", "null",
		"{\"channel\":\"C0GENERAL1\",\"text\":\"half",
		"{\"channel\":\"C0GENERAL1\",\"text\":\"x\"} trailing",
		"{\"channel\":\"C0GENERAL1\",\"text\":\"x\"}{}",
		"{\"a\":1,}",
	};
	size_t i;

	for (i = 0; i < nitems(bad); i++)
		if (!CHECK_EQ(rd(bad[i]), ACTION_NOT_JSON))
			fprintf(stderr, "  %s\n", bad[i]);
}

static void
t_unknown(void)
{
	static const char *const bad[] = {
		"{}",
		"{\"foo\":1}",
		"{\"channel\":\"C0GENERAL1\"}",
		"{\"method\":5}",
		"{\"response_url\":\"http://hooks.example/x\",\"text\":\"no\"}",
		"{\"response_url\":\"HTTPS://hooks.example/x\"}",
		"{\"method\":\"api.test\",\"args\":[1]}",
		"{\"method\":\"api.test\",\"args\":\"a=b\"}",
		"{\"channel\":5,\"text\":\"x\"}",
		"{\"channel\":\"C1\",\"txt\":\"x\"}",
		"{\"text\":\"x\",\"blocks\":[]}",
		/* a response_url other than https:// wins over a channel */
		"{\"response_url\":\"ftp://x\",\"channel\":\"C\",\"text\":1}",
	};
	size_t i;

	for (i = 0; i < nitems(bad); i++)
		if (!CHECK_EQ(rd(bad[i]), ACTION_UNKNOWN))
			fprintf(stderr, "  %s\n", bad[i]);
	/* A channel of 64 bytes or more is none. */
	CHECK_EQ(rd(with("{\"channel\":\"", 63, "\",\"text\":\"x\"}")),
	    ACTION_POST);
	CHECK_EQ(rd(with("{\"channel\":\"", 64, "\",\"text\":\"x\"}")),
	    ACTION_UNKNOWN);
}

static void
t_call(void)
{
	CHECK_EQ(rd("{\"method\":\"api.test\",\"args\":{\"s\":\"a b&c=d/"
	    "\\u00e9+%\",\"n\":5,\"t\":true,\"o\":{\"k\":[\"v\"]},"
	    "\"z\":null}}"), ACTION_CALL);
	CHECK(strcmp(a.target, "api.test") == 0);
	CHECK(body_is("s=a%20b%26c%3Dd%2F%C3%A9%2B%25&n=5&t=true&"
	    "o=%7B%22k%22%3A%5B%22v%22%5D%7D&z=null"));
	CHECK(a.body == body);

	CHECK_EQ(rd("{\"args\":{\"channel\":\"C1\",\"timestamp\":\"1.2\","
	    "\"name\":\"eyes\"},\"method\":\"reactions.add\"}"), ACTION_CALL);
	CHECK(strcmp(a.target, "reactions.add") == 0);
	CHECK(body_is("channel=C1&timestamp=1.2&name=eyes"));

	/* No args: an empty form.  Escaped names and keys. */
	CHECK_EQ(rd("{\"method\":\"auth.test\"}"), ACTION_CALL);
	CHECK(strcmp(a.target, "auth.test") == 0);
	CHECK_EQ(a.len, 0);
	CHECK_EQ(rd("{\"method\":\"a\\u002eb\",\"args\":{\"\\u006b\":\"\"}}"),
	    ACTION_CALL);
	CHECK(strcmp(a.target, "a.b") == 0);
	CHECK(body_is("k="));

	/* A method wins over a response_url and a channel. */
	CHECK_EQ(rd("{\"channel\":\"C1\",\"text\":\"x\",\"response_url\":"
	    "\"https://h/x\",\"method\":\"chat.postMessage\",\"args\":"
	    "{\"channel\":\"C2\",\"text\":\"y\"}}"), ACTION_CALL);
	CHECK(body_is("channel=C2&text=y"));

	/* A method name longer than RESPONSE_URL_MAX is none. */
	CHECK_EQ(rd(with("{\"method\":\"", RESPONSE_URL_MAX, "\",\"channel\":"
	    "\"C1\",\"text\":\"x\"}")), ACTION_CALL);
	CHECK_EQ(strlen(a.target), RESPONSE_URL_MAX);
	CHECK_EQ(rd(with("{\"method\":\"", RESPONSE_URL_MAX + 1, "\","
	    "\"channel\":\"C1\",\"text\":\"x\"}")), ACTION_POST);
}

static void
t_call_too_big(void)
{
	static char line[API_REQ_MAX + 100];
	static const struct action_buf small = { tok, nitems(tok), body, 16,
	    str, 8 };
	size_t n;

	/* A key of 64 bytes or more. */
	CHECK_EQ(rd(with("{\"method\":\"m\",\"args\":{\"", 63, "\":1}}")),
	    ACTION_CALL);
	CHECK_EQ(rd(with("{\"method\":\"m\",\"args\":{\"", 64, "\":1}}")),
	    ACTION_TOO_BIG);

	/* A form larger than the buffer: 3 bytes a space. */
	n = (size_t)snprintf(line, sizeof line, "{\"method\":\"m\",\"args\":"
	    "{\"t\":\"");
	memset(line + n, ' ', API_REQ_MAX / 3);
	n += API_REQ_MAX / 3;
	n += (size_t)snprintf(line + n, sizeof line - n, "\"}}");
	CHECK_EQ(rd_with(line, n, &full), ACTION_TOO_BIG);
	CHECK_EQ(rd_with(line, n - 14, &full), ACTION_NOT_JSON);
	memcpy(line + n - 17, "\"}}", 3);
	CHECK_EQ(rd_with(line, n - 14, &full), ACTION_CALL);
	CHECK_EQ(a.len, 2 + 3 * (API_REQ_MAX / 3 - 14));

	/*
	 * Small buffers (a form of 16 bytes, a string of 7): the value, the
	 * string, the key just fit, or not.
	 */
	CHECK_EQ(rd_small("{\"method\":\"m\",\"args\":{\"a\":\"1234567\","
	    "\"b\":1234}}", &small), ACTION_CALL);
	CHECK(body_is("a=1234567&b=1234"));
	CHECK_EQ(rd_small("{\"method\":\"m\",\"args\":{\"a\":\"1234567\","
	    "\"b\":12345}}", &small), ACTION_TOO_BIG);
	CHECK_EQ(rd_small("{\"method\":\"m\",\"args\":{\"a\":\"12345678\"}}",
	    &small), ACTION_TOO_BIG);
	CHECK_EQ(rd_small("{\"method\":\"m\",\"args\":{\"a\":\"1234567\","
	    "\"bcde\":\"\"}}", &small), ACTION_CALL);
	CHECK(body_is("a=1234567&bcde="));
	CHECK_EQ(rd_small("{\"method\":\"m\",\"args\":{\"a\":\"1234567\","
	    "\"bcdef\":\"\"}}", &small), ACTION_CALL);
	CHECK(body_is("a=1234567&bcdef="));
	CHECK_EQ(rd_small("{\"method\":\"m\",\"args\":{\"a\":\"1234567\","
	    "\"bcdefg\":\"\"}}", &small), ACTION_TOO_BIG);
}

static void
t_hook(void)
{
	CHECK_EQ(rd("{\"response_url\":\"https://hooks.slack.com/commands/T1/2/"
	    "x\",\"text\":\"done\",\"response_type\":\"in_channel\","
	    "\"replace_\\u006friginal\":false}"), ACTION_HOOK);
	CHECK(strcmp(a.target, "https://hooks.slack.com/commands/T1/2/x") == 0);
	CHECK(body_is("{\"text\":\"done\",\"response_type\":\"in_channel\","
	    "\"replace_original\":false}"));
	CHECK(a.body == body);

	/* Escaped slashes; values copied as written; every response_url
	 * member dropped. */
	CHECK_EQ(rd("{\"text\":\"a\\u00e9\\n\",\"response_url\":\"https:\\/\\/"
	    "h\\/x\",\"blocks\":[ {\"type\" : \"section\"} ],\"n\":1.5e3,"
	    "\"response_url\":\"ignored\"}"), ACTION_HOOK);
	CHECK(strcmp(a.target, "https://h/x") == 0);
	CHECK(body_is("{\"text\":\"a\\u00e9\\n\",\"blocks\":[ {\"type\" : "
	    "\"section\"} ],\"n\":1.5e3}"));

	/* Only the URL: an empty message. */
	CHECK_EQ(rd("{\"response_url\":\"https://h/x\"}"), ACTION_HOOK);
	CHECK(body_is("{}"));

	/* A response_url wins over a channel. */
	CHECK_EQ(rd("{\"channel\":\"C1\",\"text\":\"x\",\"response_url\":"
	    "\"https://h/x\"}"), ACTION_HOOK);
	CHECK(body_is("{\"channel\":\"C1\",\"text\":\"x\"}"));

	/* Up to RESPONSE_URL_MAX bytes; longer, it is said, with its length
	 * as written, whatever else the line holds. */
	CHECK_EQ(rd(with("{\"response_url\":\"https://h/", RESPONSE_URL_MAX -
	    10, "\",\"text\":\"x\"}")), ACTION_HOOK);
	CHECK_EQ(strlen(a.target), RESPONSE_URL_MAX);
	CHECK_EQ(rd(with("{\"response_url\":\"https:\\/\\/h\\/",
	    RESPONSE_URL_MAX - 9, "\",\"channel\":\"C1\",\"text\":\"x\"}")),
	    ACTION_URL_TOO_LONG);
	CHECK_EQ(a.len, RESPONSE_URL_MAX + 4);
}

static void
t_hook_too_big(void)
{
	static const struct action_buf small = { tok, nitems(tok), body, 14,
	    str, sizeof str };

	/* Too large is said before not https. */
	CHECK_EQ(rd(with("{\"response_url\":\"http://h/x\",\"", 63, "\":1}")),
	    ACTION_UNKNOWN);
	CHECK_EQ(rd(with("{\"response_url\":\"http://h/x\",\"", 64, "\":1}")),
	    ACTION_TOO_BIG);
	/* The message and its NUL in 14 bytes. */
	CHECK_EQ(rd_small("{\"response_url\":\"https://h/x\",\"text\":\"ab\"}",
	    &small), ACTION_HOOK);
	CHECK(body_is("{\"text\":\"ab\"}"));
	CHECK_EQ(rd_small("{\"response_url\":\"https://h/x\",\"text\":\"abc\"}",
	    &small), ACTION_TOO_BIG);
}

static void
t_post(void)
{
	static const char line[] = "  {\"channel\":\"C0GENERAL1\",\"text\":"
	    "\"hi\",\"thread_ts\":\"1.2\"} \r";

	CHECK_EQ(rd(line), ACTION_POST);
	CHECK(strcmp(a.target, "C0GENERAL1") == 0);
	CHECK(a.body == line + 2);
	CHECK(body_is("{\"channel\":\"C0GENERAL1\",\"text\":\"hi\","
	    "\"thread_ts\":\"1.2\"}"));
	CHECK_EQ(a.linelen, sizeof line - 3);

	CHECK_EQ(rd("{\"channel\":\"C\\u0031\",\"blocks\":[{\"type\":"
	    "\"divider\"}]}"), ACTION_POST);
	CHECK(strcmp(a.target, "C1") == 0);
	CHECK_EQ(rd("{\"attachments\":[],\"channel\":\"D1\"}"), ACTION_POST);
	CHECK(strcmp(a.target, "D1") == 0);
	/* Any value will do for the text: Slack judges it. */
	CHECK_EQ(rd("{\"channel\":\"C1\",\"text\":null}"), ACTION_POST);
}

static void
t_tokens(void)
{
	static struct json_tok few[7];
	static const struct action_buf b = { few, nitems(few), body,
	    sizeof body, str, sizeof str };

	/*
	 * Three levels are kept (the object, its members, theirs): 7 tokens
	 * hold this one, not the array's elements.  More is not JSON to us.
	 */
	CHECK_EQ(rd_small("{\"channel\":\"C1\",\"text\":{\"a\":[1,2,3]}}", &b),
	    ACTION_POST);
	CHECK_EQ(rd_small("{\"channel\":\"C1\",\"text\":\"x\",\"y\":1,\"z\":2}",
	    &b), ACTION_NOT_JSON);
}

int
main(int argc, char **argv)
{
	static const struct t_case cases[] = {
		{ "blank", t_blank },
		{ "not_json", t_not_json },
		{ "unknown", t_unknown },
		{ "call", t_call },
		{ "call_too_big", t_call_too_big },
		{ "hook", t_hook },
		{ "hook_too_big", t_hook_too_big },
		{ "post", t_post },
		{ "tokens", t_tokens },
	};

	return t_run(cases, nitems(cases), argc, argv);
}

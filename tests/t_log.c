/*
 * tests/t_log.c: log_redact() rule by rule, and log_msg() end to end with
 * stderr sent into a pipe.
 *
 * Two secrets are registered before any case runs, and stay registered:
 * SECRET1 and SECRET2 below.  No other test string contains them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "harness.h"
#include "testutil.h"

#define SECRET1	"Tr0ub4dor&3"
#define SECRET2	"correct horse battery staple"

static const struct {
	const char	*in, *out;
	const char	*hide;	/* never 4 bytes of it in a line cut anywhere */
} cases[] = {
	/* Slack tokens in text */
	{ "token xoxb-1234-5678-abcDEF end", "token xoxb-*** end",
	  "1234-5678-abcDEF" },
	{ "xoxp-1-2-3", "xoxp-***", "1-2-3" },
	{ "xapp-1-A0123-456-abcdef", "xapp-***", "1-A0123-456-abcdef" },
	{ "xoxa-2-abc", "xoxa-***", "2-abc" },
	{ "xoxe-1-abcdef", "xoxe-***", "1-abcdef" },
	{ "xoxe.xoxp-1-abcdef", "xoxe.xoxp-***", "1-abcdef" },
	{ "(xoxb-99.x_y)", "(xoxb-***)", "99.x_y" },
	{ "xoxb-a", "xoxb-*", NULL },
	{ "xoxb-ab", "xoxb-**", NULL },
	{ "xoxb-abc", "xoxb-***", NULL },
	{ "xoxb-abcd", "xoxb-***", NULL },
	{ "a xoxb-1 b xoxp-2 c", "a xoxb-* b xoxp-* c", NULL },
	/* in JSON */
	{ "{\"ok\":true,\"token\":\"xoxb-12-34-abcd\"}",
	  "{\"ok\":true,\"token\":\"xoxb-***\"}", "12-34-abcd" },
	{ "{\"app_token\":\"xapp-1-A1-2-ff00\",\"n\":1}",
	  "{\"app_token\":\"xapp-***\",\"n\":1}", "1-A1-2-ff00" },
	/* headers */
	{ "Authorization: Bearer xoxb-1-2-abcdef\r\nHost: slack.com\r\n",
	  "Authorization: ***\r\nHost: slack.com\r\n", "1-2-abcdef" },
	{ "authorization:bearer abcdef", "authorization:***", "abcdef" },
	{ "AUTHORIZATION:  Bearer abcdef", "AUTHORIZATION:  ***", "abcdef" },
	{ "Proxy-Authorization: Basic dXNlcjpwYXNz\r\n\r\n",
	  "Proxy-Authorization: ***\r\n\r\n", "dXNlcjpwYXNz" },
	{ "CONNECT slack.com:443 HTTP/1.1\r\n"
	  "Proxy-Authorization: Basic Ym9iOnMzY3IzdA==\r\n",
	  "CONNECT slack.com:443 HTTP/1.1\r\n"
	  "Proxy-Authorization: ***\r\n", "Ym9iOnMzY3IzdA==" },
	{ "{\"h\":\"Authorization: Bearer xyz123\",\"n\":2}",
	  "{\"h\":\"Authorization: ***\",\"n\":2}", "xyz123" },
	{ "Bearer abc.def-ghi_jkl", "Bearer ***", "abc.def-ghi_jkl" },
	{ "bearer xoxb-1-abc", "bearer ***", "1-abc" },
	/* passwords in URLs */
	{ "proxy http://user:pass@proxy.example:3128 refused",
	  "proxy http://***@proxy.example:3128 refused", NULL },
	{ "HTTPS_PROXY=http://bob:s3cr3t@10.0.0.1:8080/",
	  "HTTPS_PROXY=http://***@10.0.0.1:8080/", NULL },
	{ "https://user@host/", "https://***@host/", NULL },
	{ "http://:pw@host", "http://***@host", NULL },
	{ "\"http://u:p@h\"", "\"http://***@h\"", NULL },
	/* JSON escapes of a token's characters */
	{ "\\u0078oxb-1234-5678-abcDEF end", "xoxb-*** end",
	  "1234-5678-abcDEF" },
	{ "{\"w\":\"xoxb\\u002d12-34-ab\\u0063d\"}", "{\"w\":\"xoxb-***\"}",
	  "12-34-abcd" },
	{ "\\u0058\\u0061pp-1-A1-2-f00", "Xapp-1-A1-2-f00", NULL },
	{ "\\u0078\\u0061pp-1-A1-2-f00", "xapp-***", "1-A1-2-f00" },
	{ "\\u0054r0ub4dor&3!", "***!", "Tr0ub4dor&3" },
	{ "\\\\u0078oxb-1", "\\\\u0078oxb-1", NULL },
	{ "\\u0022 \\u005c \\u000a \\u0000 \\u00e9 \\u0041",
	  "\\u0022 \\u005c \\u000a \\u0000 \\u00e9 A", NULL },
	/* WebSocket tickets */
	{ "wss://wss-primary.slack.com/link/?ticket=1a2b3c4d-5e6f&app_id=A01",
	  "wss://wss-primary.slack.com/link/?ticket=***&app_id=A01",
	  "1a2b3c4d-5e6f" },
	{ "{\"ok\":true,\"url\":\"wss:\\/\\/wss-primary.slack.com\\/link\\/"
	  "?ticket=9f8e7d6c&app_id=A01\"}",
	  "{\"ok\":true,\"url\":\"wss:\\/\\/wss-primary.slack.com\\/link\\/"
	  "?ticket=***&app_id=A01\"}", "9f8e7d6c" },
	{ "connecting to wss://h/link/?ticket=abcdef",
	  "connecting to wss://h/link/?ticket=***", "abcdef" },
	{ "ticket=a#frag", "ticket=*#frag", NULL },
	{ "ticket=ab cd", "ticket=** cd", NULL },
	/* registered secrets, whatever they look like */
	{ "token is " SECRET1 " ok", "token is *** ok", SECRET1 },
	{ SECRET2 "!", "***!", SECRET2 },
	{ SECRET1 SECRET1, "******", SECRET1 },
	{ "'" SECRET2 "'", "'***'", SECRET2 },
	/* a secret that a pattern would otherwise start on */
	{ "Bearer " SECRET2, "Bearer ***", SECRET2 },
	{ "ticket=" SECRET1, "ticket=***", SECRET1 },
	{ "xoxb-" SECRET1, "xoxb-***", SECRET1 },
	{ "xapp-" SECRET2 " x", "xapp-*** x", SECRET2 },
	/* rules that meet: the masked ticket held what ended the userinfo */
	{ "http://ticket=a/b&x@h", "http://***@h", NULL },
	{ "://" SECRET2 "@h", "://***@h", NULL },
	/* a secret cut short at the end of the text */
	{ "pw Tr0ub4dor", "pw ***", NULL },
	{ "pw Tr0u", "pw ***", NULL },
	{ "pw Tr0", "pw Tr0", NULL },	/* 3 bytes prove nothing */
	{ "Tr0ub4dor and more", "Tr0ub4dor and more", NULL },

	/* left alone */
	{ "", "", NULL },
	{ "hello, world", "hello, world", NULL },
	{ "xox", "xox", NULL },
	{ "xoxb", "xoxb", NULL },
	{ "xoxb-", "xoxb-", NULL },
	{ "xoxb- next", "xoxb- next", NULL },
	{ "xoxB-abc", "xoxB-abc", NULL },
	{ "xo xb-abc", "xo xb-abc", NULL },
	{ "xapp", "xapp", NULL },
	{ "xapp-", "xapp-", NULL },
	{ "https://slack.com/api/chat.postMessage",
	  "https://slack.com/api/chat.postMessage", NULL },
	{ "wss://wss-primary.slack.com/link/?app_id=A01",
	  "wss://wss-primary.slack.com/link/?app_id=A01", NULL },
	{ "http://example.com/a@b", "http://example.com/a@b", NULL },
	{ "http://example.com?x=a@b", "http://example.com?x=a@b", NULL },
	{ "http://example.com #a@b", "http://example.com #a@b", NULL },
	{ "mail bob@example.com", "mail bob@example.com", NULL },
	{ "<mailto:bob@example.com>", "<mailto:bob@example.com>", NULL },
	{ "meet at 10:30@room", "meet at 10:30@room", NULL },
	{ "ticket", "ticket", NULL },
	{ "ticket:", "ticket:", NULL },
	{ "ticket=", "ticket=", NULL },
	{ "Authorization", "Authorization", NULL },
	{ "Authorization:", "Authorization:", NULL },
	{ "Authorization: ", "Authorization: ", NULL },
	{ "Authorization:\r\nHost: x", "Authorization:\r\nHost: x", NULL },
	{ "Bearer ", "Bearer ", NULL },
	{ "Basic auth failed", "Basic auth failed", NULL },
	{ "stars *** stay", "stars *** stay", NULL },
	{ "C0123456789 U0123 1712345678.123456",
	  "C0123456789 U0123 1712345678.123456", NULL },
};

static size_t
redact(char *buf, size_t cap, const char *s)
{
	size_t n = strlen(s);

	if (n >= cap)
		n = cap - 1;
	memcpy(buf, s, n);
	n = log_redact(buf, n);
	buf[n] = '\0';
	return n;
}

static void
t_redact_cases(void)
{
	char buf[256];
	size_t i;

	for (i = 0; i < nitems(cases); i++) {
		redact(buf, sizeof buf, cases[i].in);
		if (!CHECK(strcmp(buf, cases[i].out) == 0))
			fprintf(stderr, "  in  \"%s\"\n  out \"%s\"\n"
			    "  want \"%s\"\n", cases[i].in, buf, cases[i].out);
	}
}

/* Only s[0..n) is looked at and changed. */
static void
t_redact_bounds(void)
{
	char buf[32];

	memcpy(buf, "xoxb-abcdef", 12);
	CHECK_EQ(log_redact(buf, 7), 7);
	CHECK(memcmp(buf, "xoxb-**cdef", 12) == 0);
	memcpy(buf, "Authorization: x\r\n", 19);
	CHECK_EQ(log_redact(buf, 14), 14);
	CHECK(memcmp(buf, "Authorization: x\r\n", 19) == 0);
	CHECK_EQ(log_redact(buf, 0), 0);
	CHECK_EQ(log_redact(NULL, 0), 0);
}

/* Never longer, and twice is the same as once. */
static void
t_redact_twice(void)
{
	char once[256], twice[256];
	size_t i, n1, n2;

	for (i = 0; i < nitems(cases); i++) {
		n1 = redact(once, sizeof once, cases[i].in);
		CHECK(n1 <= strlen(cases[i].in));
		n2 = redact(twice, sizeof twice, once);
		CHECK_EQ(n2, n1);
		if (!CHECK(strcmp(once, twice) == 0))
			fprintf(stderr, "  once  \"%s\"\n  twice \"%s\"\n",
			    once, twice);
	}
}

/* Does s hold 4 or more bytes of hide in a row? */
static int
shows(const char *s, const char *hide)
{
	size_t i, n = strlen(hide);
	char part[5];

	for (i = 0; i + 4 <= n; i++) {
		memcpy(part, hide + i, 4);
		part[4] = '\0';
		if (strstr(s, part) != NULL)
			return 1;
	}
	return 0;
}

/* A line cut anywhere (log_msg cuts long lines) shows no secret. */
static void
t_redact_cut(void)
{
	char buf[256];
	size_t i, cut;

	for (i = 0; i < nitems(cases); i++) {
		if (cases[i].hide == NULL)
			continue;
		CHECK(shows(cases[i].in, cases[i].hide));
		for (cut = 0; cut <= strlen(cases[i].in); cut++) {
			redact(buf, cut + 1, cases[i].in);
			if (!CHECK(!shows(buf, cases[i].hide)))
				fprintf(stderr, "  cut %zu: \"%s\"\n", cut, buf);
		}
	}
}

static uint64_t	rng = 0x13198a2e03707344ULL;

static uint64_t
rnd(void)
{
	return tu_next(&rng);
}

/*
 * Random text made of pieces of the patterns: never longer, and stable
 * when redacted again.
 */
static void
t_redact_random(void)
{
	static const char *const piece[] = {
		"xoxb-", "xoxp-", "xapp-", "xox", "xo", "b-", "-", "abc",
		"123", ".", "_", " ", "\r\n", "\"", ":", "@", "/", "?", "&",
		"#", "=", "://", "http", "wss", "ticket=", "Authorization:",
		"authorization: ", "Bearer ", "Proxy-", "Basic ", "user:pass",
		"*", "**", "***", "Tr0u", "b4dor&3", SECRET1, SECRET2, "\\/",
	};
	char in[512], once[512], twice[512];
	const char *p;
	size_t n, k, n1, n2;
	int round, bad = 0;

	for (round = 0; round < 200000; round++) {
		n = 0;
		for (k = rnd() % 12; k > 0; k--) {
			p = piece[rnd() % nitems(piece)];
			memcpy(in + n, p, strlen(p));
			n += strlen(p);
		}
		memcpy(once, in, n);
		n1 = log_redact(once, n);
		memcpy(twice, once, n1);
		n2 = log_redact(twice, n1);
		if (n1 > n || n2 != n1 || memcmp(once, twice, n1) != 0) {
			if (bad++ < 5)
				fprintf(stderr, "  \"%.*s\"\n  -> \"%.*s\"\n"
				    "  -> \"%.*s\"\n", (int)n, in, (int)n1,
				    once, (int)n2, twice);
		}
	}
	CHECK_EQ(bad, 0);
}

/* log_msg() with stderr going into a pipe. */

static int	saved_fd = -1, pipe_rd = -1;

static int
capture_begin(void)
{
	int p[2];

	if (!CHECK(pipe(p) == 0))
		return -1;
	saved_fd = dup(2);
	if (!CHECK(saved_fd >= 0) || !CHECK(dup2(p[1], 2) == 2)) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	close(p[1]);
	pipe_rd = p[0];
	return 0;
}

/* Restores stderr and returns what was written, NUL-terminated. */
static size_t
capture_end(char *out, size_t cap)
{
	size_t n = 0;
	ssize_t r;

	dup2(saved_fd, 2);
	close(saved_fd);
	while (n < cap - 1 &&
	    ((r = read(pipe_rd, out + n, cap - 1 - n)) > 0 ||
	    (r < 0 && errno == EINTR)))
		if (r > 0)
			n += (size_t)r;
	close(pipe_rd);
	out[n] = '\0';
	return n;
}

/* One line, ending in its only newline. */
static int
one_line(const char *s, size_t n)
{
	return n > 0 && s[n - 1] == '\n' && memchr(s, '\n', n) == s + n - 1 &&
	    memchr(s, '\r', n) == NULL;
}

static void
t_msg_token(void)
{
	char out[4096];
	size_t n;

	log_level = LOG_INFO;
	if (capture_begin() < 0)
		return;
	log_msg(LOG_ERR, "auth.test with %s failed", "xoxb-123-456-abcdef");
	n = capture_end(out, sizeof out);
	CHECK(strcmp(out, "slackbot: error: auth.test with xoxb-*** failed\n")
	    == 0);
	CHECK(strstr(out, "123-456") == NULL);
	CHECK(one_line(out, n));

	if (capture_begin() < 0)
		return;
	log_msg(LOG_WARN, "event %s", "{\"token\":\"xapp-1-A1-2-f00\"}");
	log_msg(LOG_INFO, "proxy %s: %s", "http://bob:s3cr3t@proxy:3128",
	    "refused");
	log_msg(LOG_INFO, "secret %s here", SECRET1);
	n = capture_end(out, sizeof out);
	CHECK(strcmp(out,
	    "slackbot: warning: event {\"token\":\"xapp-***\"}\n"
	    "slackbot: proxy http://***@proxy:3128: refused\n"
	    "slackbot: secret *** here\n") == 0);
}

static void
t_msg_one_line(void)
{
	char out[4096];
	size_t n;

	log_level = LOG_DEBUG;
	if (capture_begin() < 0)
		return;
	log_msg(LOG_DEBUG, "sent: %s",
	    "POST /api/auth.test HTTP/1.1\r\n"
	    "Authorization: Bearer xoxb-1-2-abcdef\r\nHost: slack.com\r\n\r\n");
	n = capture_end(out, sizeof out);
	CHECK(one_line(out, n));
	CHECK(strstr(out, "abcdef") == NULL);
	CHECK(strcmp(out, "slackbot: sent: POST /api/auth.test HTTP/1.1  "
	    "Authorization: ***  Host: slack.com    \n") == 0);

	if (capture_begin() < 0)
		return;
	log_msg(LOG_INFO, "a\nb\rc\n");
	n = capture_end(out, sizeof out);
	CHECK(strcmp(out, "slackbot: a b c \n") == 0);
	log_level = LOG_INFO;
}

static void
t_msg_levels(void)
{
	char out[4096];

	log_level = LOG_WARN;
	if (capture_begin() < 0)
		return;
	log_msg(LOG_INFO, "not shown");
	log_msg(LOG_DEBUG, "not shown");
	log_msg(LOG_WARN, "shown");
	log_msg(LOG_ERR, "shown too");
	capture_end(out, sizeof out);
	CHECK(strcmp(out, "slackbot: warning: shown\n"
	    "slackbot: error: shown too\n") == 0);

	log_level = LOG_TRACE;
	if (capture_begin() < 0)
		return;
	log_msg(LOG_TRACE, "trace");
	capture_end(out, sizeof out);
	CHECK(strcmp(out, "slackbot: trace\n") == 0);
	log_level = LOG_INFO;
}

/* Lines longer than LOG_LINE_MAX are cut, and still redacted. */
static void
t_msg_long(void)
{
	static char pad[2 * LOG_LINE_MAX];
	char out[4096];
	size_t n, p, plen = strlen("slackbot: ");

	memset(pad, 'a', sizeof pad - 1);
	/* Debug lines: the loops below are more than the rate limit lets by. */
	log_level = LOG_DEBUG;
	if (capture_begin() < 0)
		return;
	log_msg(LOG_INFO, "%s", pad);
	n = capture_end(out, sizeof out);
	CHECK(n <= LOG_LINE_MAX && n > LOG_LINE_MAX - 220);
	CHECK(one_line(out, n));
	CHECK(n > 6 && memcmp(out + n - 6, "[...]\n", 6) == 0);

	/* exactly the longest line, and one more */
	for (p = LOG_LINE_MAX - plen - 3; p <= LOG_LINE_MAX - plen + 1; p++) {
		if (capture_begin() < 0)
			return;
		log_msg(LOG_DEBUG, "%.*s", (int)p, pad);
		n = capture_end(out, sizeof out);
		if (plen + p + 1 <= LOG_LINE_MAX)
			CHECK_EQ(n, plen + p + 1);
		else
			CHECK(n > 6 && memcmp(out + n - 6, "[...]\n", 6) == 0);
		CHECK(one_line(out, n));
	}

	/* a token and a secret cut at every byte by the end of the line */
	for (p = LOG_LINE_MAX - plen - 30; p < LOG_LINE_MAX - plen; p++) {
		if (capture_begin() < 0)
			return;
		log_msg(LOG_DEBUG, "%.*sxoxb-987654321", (int)p, pad);
		n = capture_end(out, sizeof out);
		CHECK(one_line(out, n));
		CHECK(strpbrk(out, "123456789") == NULL);
		if (capture_begin() < 0)
			return;
		log_msg(LOG_DEBUG, "%.*s" SECRET2, (int)p, pad);
		n = capture_end(out, sizeof out);
		CHECK(one_line(out, n));
		CHECK(!shows(out, SECRET2));
	}
	log_level = LOG_INFO;
}

/* How many lines s[0..n) holds. */
static int
lines(const char *s, size_t n)
{
	int k = 0;

	while (n-- > 0)
		if (*s++ == '\n')
			k++;
	return k;
}

/*
 * A flood of one warning: ten lines, then a count with an example once
 * the window is over (here: at log_flush()); other lines meanwhile go
 * through; debug lines are never cut.
 */
static void
t_msg_burst(void)
{
	char out[8192];
	size_t n;
	int i;

	log_level = LOG_DEBUG;
	if (capture_begin() < 0)
		return;
	for (i = 0; i < 25; i++)
		log_msg(LOG_WARN, "flood line %d", i);
	log_msg(LOG_WARN, "another kind");
	for (i = 0; i < 12; i++)
		log_msg(LOG_DEBUG, "debug %d", i);
	for (i = 0; i < 12; i++)
		log_msg(LOG_INFO, "%s", i % 2 ? "odd bare line" : "even bare");
	log_flush();
	n = capture_end(out, sizeof out);
	out[n] = '\0';
	CHECK_EQ(lines(out, n), 10 + 1 + 12 + 12 + 1);
	CHECK(strstr(out, "slackbot: warning: flood line 9\n") != NULL);
	CHECK(strstr(out, "warning: flood line 10\n") == NULL);
	CHECK(strstr(out, "slackbot: warning: another kind\n") != NULL);
	CHECK(strstr(out, "slackbot: debug 11\n") != NULL);
	CHECK(strstr(out, "slackbot: warning: 15 more lines like this in 1 s: "
	    "flood line 10\n") != NULL);
	/* The count is written once. */
	if (capture_begin() < 0)
		return;
	log_flush();
	CHECK_EQ(capture_end(out, sizeof out), 0);
	log_level = LOG_INFO;
}

int
main(int argc, char **argv)
{
	static const struct t_case tests[] = {
		{ "redact_cases",	t_redact_cases },
		{ "redact_bounds",	t_redact_bounds },
		{ "redact_twice",	t_redact_twice },
		{ "redact_cut",		t_redact_cut },
		{ "redact_random",	t_redact_random },
		{ "msg_token",		t_msg_token },
		{ "msg_one_line",	t_msg_one_line },
		{ "msg_levels",		t_msg_levels },
		{ "msg_long",		t_msg_long },
		{ "msg_burst",		t_msg_burst },
	};

	log_secret(SECRET1);
	log_secret(SECRET2);
	log_secret("");		/* ignored, or it would match everywhere */
	log_secret(NULL);
	return t_run(tests, nitems(tests), argc, argv);
}

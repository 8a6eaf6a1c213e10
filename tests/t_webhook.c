/*
 * tests/t_webhook.c: incoming webhook URLs and Slack's refusals
 * (webhook.c).  Malformed URLs first.
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "webhook.h"

static void
t_split_bad(void)
{
	static const char *const bad[] = {
		"",
		"hooks.slack.com/services/T/B/x",
		"http://hooks.slack.com/services/T/B/x",
		"wss://hooks.slack.com/services/T/B/x",
		"https://",
		"https://hooks.slack.com",
		"https://hooks.slack.com/",
		"https://hooks slack.com/services/T/B/x",
		"https://hooks.slack.com/services/T/B/x y",
		"https://hooks.slack.com:0/services/T/B/x",
	};
	char base[300], err[300];
	const char *path;
	size_t i;

	for (i = 0; i < nitems(bad); i++) {
		path = NULL;
		if (!CHECK(webhook_split(bad[i], base, sizeof base, &path, err,
		    sizeof err) < 0 && err[0] != '\0'))
			fprintf(stderr, "  \"%s\"\n", bad[i]);
		/* The reason never repeats the URL, a secret. */
		if (strstr(bad[i], "/T/B/x") != NULL)
			CHECK(strstr(err, "/T/B/x") == NULL);
	}
}

static void
t_split_good(void)
{
	static const struct {
		const char *url, *base, *path;
	} good[] = {
		{ "https://hooks.slack.com/services/T01/B02/XyZ",
		    "https://hooks.slack.com:443/", "services/T01/B02/XyZ" },
		{ "HTTPS://localhost:8443/services/T/B/s?x=1",
		    "https://localhost:8443/", "services/T/B/s?x=1" },
		{ "https://[::1]:9/services/a", "https://[::1]:9/",
		    "services/a" },
	};
	char base[300], err[300];
	const char *path;
	size_t i;

	for (i = 0; i < nitems(good); i++) {
		CHECK_EQ(webhook_split(good[i].url, base, sizeof base, &path,
		    err, sizeof err), 0);
		CHECK(strcmp(base, good[i].base) == 0);
		CHECK(strcmp(path, good[i].path) == 0);
	}
	/* A base that does not fit is refused, not cut. */
	CHECK(webhook_split(good[0].url, base, 20, &path, err,
	    sizeof err) < 0);
}

static void
t_refusals(void)
{
	static const struct {
		int		 status;
		const char	*body, *want;
	} c[] = {
		{ 400, "invalid_payload", "JSON array of Block Kit blocks? "
		    "(HTTP 400, invalid_payload)" },
		{ 400, "no_text\n", "(HTTP 400, no_text)" },
		{ 410, "channel_is_archived", "archived" },
		{ 404, "no_service", "knows no webhook at this URL" },
		{ 403, "action_prohibited", "admins" },
		{ 400, "new_error", "Slack refused the message (HTTP 400, "
		    "new_error)" },
		{ 502, "<html>\n<body>x</body>", "Slack refused the message "
		    "(HTTP 502)" },
		{ 400, "", "Slack refused the message (HTTP 400)" },
		{ 400, "a\x1b[31mb", "Slack refused the message (HTTP 400)" },
	};
	char buf[400];
	size_t i;

	for (i = 0; i < nitems(c); i++) {
		webhook_refusal(c[i].status, c[i].body, strlen(c[i].body), buf,
		    sizeof buf);
		if (!CHECK(strstr(buf, c[i].want) != NULL))
			fprintf(stderr, "  got \"%s\"\n", buf);
		CHECK(strchr(buf, '\n') == NULL && strchr(buf, '\x1b') ==
		    NULL);
	}
}

static const struct t_case cases[] = {
	{ "split_bad", t_split_bad },
	{ "split_good", t_split_good },
	{ "refusals", t_refusals },
};

int
main(int argc, char **argv)
{
	return t_run(cases, nitems(cases), argc, argv);
}

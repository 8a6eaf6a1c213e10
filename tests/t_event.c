/*
 * t_event.c: which events reach a handler, what it is told, and where its
 * answer goes.  Fixtures after Slack's documented payloads.
 */
#include <stdio.h>
#include <string.h>

#include "event.h"
#include "harness.h"

#define SELF_USER	"U07BOT0001"
#define SELF_BOT	"B07BOT0001"

static struct json_tok	tok[128];

static const char channel_msg[] = "E{\"type\":\"message\",\"channel\":"
    "\"C0GENERAL1\",\"user\":\"U03ALICE01\",\"text\":\"is staging up?\","
    "\"ts\":\"1732531200.001200\",\"channel_type\":\"channel\",\"team\":"
    "\"T01ACME001\"}";
static const char thread_mention[] = "E{\"type\":\"message\",\"channel\":"
    "\"C0GENERAL1\",\"user\":\"U03ALICE01\",\"text\":\"<@U07BOT0001> and "
    "prod?\",\"ts\":\"1732531290.002300\",\"thread_ts\":\"1732531200.001200\","
    "\"team\":\"T01ACME001\"}";
static const char bot_message[] = "E{\"type\":\"message\",\"subtype\":"
    "\"bot_message\",\"channel\":\"C0GENERAL1\",\"bot_id\":\"B02JENKINS\","
    "\"username\":\"jenkins\",\"text\":\"<@U07BOT0001> Build #1187 FAILED\","
    "\"ts\":\"1732531320.003400\"}";
static const char own_message[] = "E{\"type\":\"message\",\"channel\":"
    "\"C0GENERAL1\",\"user\":\"U07BOT0001\",\"bot_id\":\"B07BOT0001\","
    "\"app_id\":\"A07APP0001\",\"text\":\"staging is up\",\"ts\":"
    "\"1732531260.004500\",\"bot_profile\":{\"id\":\"B07BOT0001\"}}";
static const char app_mention[] = "E{\"type\":\"app_mention\",\"user\":"
    "\"U03ALICE01\",\"text\":\"<@U07BOT0001|deploybot> deploy &lt;api&gt; "
    "&amp; go \\u00e9\\ud83d\\ude80\",\"ts\":\"1732531380.005600\","
    "\"channel\":\"C0GENERAL1\",\"event_ts\":\"1732531380.005600\"}";
static const char dm[] = "E{\"type\":\"message\",\"channel\":\"D0DIRECT01\","
    "\"user\":\"U03ALICE01\",\"text\":\"uptime\",\"ts\":\"1732531400.000100\","
    "\"channel_type\":\"im\"}";
static const char edit[] = "E{\"type\":\"message\",\"subtype\":"
    "\"message_changed\",\"hidden\":true,\"channel\":\"D0DIRECT01\","
    "\"channel_type\":\"im\",\"ts\":\"1732531600.007800\",\"message\":"
    "{\"type\":\"message\",\"user\":\"U03ALICE01\",\"text\":\"uptime -p\","
    "\"ts\":\"1732531400.000100\",\"edited\":{\"user\":\"U03ALICE01\"}},"
    "\"previous_message\":{\"type\":\"message\",\"user\":\"U03ALICE01\","
    "\"text\":\"uptime\",\"ts\":\"1732531400.000100\"}}";
static const char edit_own[] = "E{\"type\":\"message\",\"subtype\":"
    "\"message_changed\",\"hidden\":true,\"channel\":\"C0GENERAL1\","
    "\"message\":{\"user\":\"U07BOT0001\",\"bot_id\":\"B07BOT0001\","
    "\"text\":\"unfurled\",\"ts\":\"1.1\"}}";
static const char deleted[] = "E{\"type\":\"message\",\"subtype\":"
    "\"message_deleted\",\"hidden\":true,\"channel\":\"D0DIRECT01\","
    "\"channel_type\":\"im\",\"deleted_ts\":\"1.1\",\"ts\":\"1.2\"}";
static const char join[] = "E{\"type\":\"message\",\"subtype\":"
    "\"channel_join\",\"channel\":\"D0DIRECT01\",\"user\":\"U03ALICE01\","
    "\"text\":\"<@U03ALICE01> has joined\",\"ts\":\"1.3\"}";
static const char reaction[] = "E{\"type\":\"reaction_added\",\"user\":"
    "\"U03ALICE01\",\"reaction\":\"eyes\",\"item\":{\"type\":\"message\","
    "\"channel\":\"D0DIRECT01\",\"ts\":\"1.1\"}}";
static const char slash[] = "S{\"team_id\":\"T01ACME001\",\"channel_id\":"
    "\"C0GENERAL1\",\"user_id\":\"U03ALICE01\",\"command\":\"/deploy\","
    "\"text\":\"api &lt;staging&gt;\",\"response_url\":\"https:\\/\\/hooks."
    "slack.com\\/commands\\/T01ACME001\\/1\\/Zk\"}";
static const char interactive[] = "I{\"type\":\"block_actions\",\"user\":"
    "{\"id\":\"U03ALICE01\",\"name\":\"alice\"},\"team\":{\"id\":"
    "\"T01ACME001\"},\"channel\":{\"id\":\"C0GENERAL1\"},\"message\":"
    "{\"ts\":\"1.5\",\"thread_ts\":\"1.4\"},\"response_url\":\"https:"
    "\\/\\/hooks.slack.com\\/actions\\/x\",\"actions\":[{\"value\":\"go\"}]}";

static int
rd(const char *rec, struct event *ev)
{
	/* tests/fuzz_event.c: 256 tokens, --all, --edits, no --allow-users */
	t_seed("event", "\xff", 1, rec, strlen(rec));
	/* The kind first, as in a FIFO record. */
	if (rec[0] == '\0')
		return event_read(REC_EVENT, rec, 0, tok, nitems(tok), ev);
	return event_read(rec[0], rec + 1, strlen(rec) - 1, tok, nitems(tok),
	    ev);
}

static int
wanted(const char *rec, const struct filter *f)
{
	struct event ev;
	const char *why = NULL;
	int w;

	if (rd(rec, &ev) < 0)
		return -1;
	w = event_wanted(&ev, f, &why);
	if (!w && (why == NULL || *why == '\0'))
		return -2;	/* a refusal must say why */
	return w;
}

static void
t_read(void)
{
	struct event ev;

	CHECK_EQ(rd(thread_mention, &ev), 0);
	CHECK_EQ(ev.kind, EV_MESSAGE);
	CHECK(ev.json == thread_mention + 1);
	CHECK_EQ(ev.len, strlen(thread_mention) - 1);
	CHECK(ev.thread_ts.n == 17 && memcmp(ev.thread_ts.p,
	    "1732531200.001200", 17) == 0);
	CHECK_EQ(rd(app_mention, &ev), 0);
	CHECK_EQ(ev.kind, EV_MENTION);
	CHECK_EQ(rd(edit, &ev), 0);
	CHECK(ev.edit);
	CHECK(ev.text.n == 9 && memcmp(ev.text.p, "uptime -p", 9) == 0);
	CHECK_EQ(rd(reaction, &ev), 0);
	CHECK_EQ(ev.kind, EV_OTHER);
	CHECK_EQ(rd(slash, &ev), 0);
	CHECK_EQ(ev.kind, EV_SLASH);
	CHECK_EQ(rd(interactive, &ev), 0);
	CHECK_EQ(ev.kind, EV_INTERACTIVE);
	CHECK(ev.user.n == 10 && memcmp(ev.user.p, "U03ALICE01", 10) == 0);
	CHECK(ev.channel.n == 10);
	CHECK_EQ(rd("E", &ev), -1);
	CHECK_EQ(rd("", &ev), -1);
	CHECK_EQ(rd("E[1]", &ev), -1);
	CHECK_EQ(rd("E{\"type\":", &ev), -1);
}

static void
t_default_filter(void)
{
	struct filter f = { 0, 0, NULL, SELF_USER, SELF_BOT };

	CHECK_EQ(wanted(channel_msg, &f), -2 + 2);
	CHECK_EQ(wanted(thread_mention, &f), 1);
	CHECK_EQ(wanted(bot_message, &f), 0);
	CHECK_EQ(wanted(own_message, &f), 0);
	CHECK_EQ(wanted(app_mention, &f), 1);
	CHECK_EQ(wanted(dm, &f), 1);
	CHECK_EQ(wanted(edit, &f), 0);
	CHECK_EQ(wanted(edit_own, &f), 0);
	CHECK_EQ(wanted(deleted, &f), 0);
	CHECK_EQ(wanted(join, &f), 0);
	CHECK_EQ(wanted(reaction, &f), 0);
	CHECK_EQ(wanted(slash, &f), 1);
	CHECK_EQ(wanted(interactive, &f), 1);
}

static void
t_wider_filters(void)
{
	struct filter f = { 1, 0, NULL, SELF_USER, SELF_BOT };

	/* --all: every human message, still never a bot's. */
	CHECK_EQ(wanted(channel_msg, &f), 1);
	CHECK_EQ(wanted(bot_message, &f), 0);
	CHECK_EQ(wanted(own_message, &f), 0);
	CHECK_EQ(wanted(edit, &f), 0);
	/* --edits: a person's edit, not the bot's, never a deletion. */
	f.edits = 1;
	CHECK_EQ(wanted(edit, &f), 1);
	CHECK_EQ(wanted(edit_own, &f), 0);
	CHECK_EQ(wanted(deleted, &f), 0);
	/* Without knowing who it is, the bot still ignores bots. */
	f.self_user = f.self_bot = NULL;
	CHECK_EQ(wanted(own_message, &f), 0);
}

static void
t_allow_users(void)
{
	struct filter f = { 0, 0, "U0OTHER001, U03ALICE01", SELF_USER,
	    SELF_BOT };

	CHECK_EQ(wanted(dm, &f), 1);
	CHECK_EQ(wanted(slash, &f), 1);
	f.allow = "U0OTHER001";
	CHECK_EQ(wanted(dm, &f), 0);
	CHECK_EQ(wanted(slash, &f), 0);
	CHECK_EQ(wanted(interactive, &f), 0);
	f.allow = "U03ALICE0";		/* a prefix is not the user */
	CHECK_EQ(wanted(dm, &f), 0);
	f.allow = "";
	CHECK_EQ(wanted(dm, &f), 0);
}

static const char *
var(char **vars, int n, const char *name)
{
	size_t k = strlen(name);
	int i;

	for (i = 0; i < n; i++)
		if (strncmp(vars[i], name, k) == 0 && vars[i][k] == '=')
			return vars[i] + k + 1;
	return NULL;
}

static void
t_env(void)
{
	char buf[1024], *vars[16];
	struct event ev;
	const char *v;
	int n;

	CHECK_EQ(rd(app_mention, &ev), 0);
	n = event_env(&ev, SELF_USER, buf, sizeof buf, vars, nitems(vars));
	CHECK_EQ(n, 7);
	CHECK((v = var(vars, n, "SLACK_TEXT")) != NULL &&
	    strcmp(v, "deploy <api> & go \xc3\xa9\xf0\x9f\x9a\x80") == 0);
	CHECK((v = var(vars, n, "SLACK_CHANNEL")) && !strcmp(v, "C0GENERAL1"));
	CHECK((v = var(vars, n, "SLACK_USER")) && !strcmp(v, "U03ALICE01"));
	CHECK((v = var(vars, n, "SLACK_TS")) && !strcmp(v,
	    "1732531380.005600"));
	CHECK((v = var(vars, n, "SLACK_THREAD_TS")) && *v == '\0');
	CHECK((v = var(vars, n, "SLACK_EVENT_TYPE")) &&
	    !strcmp(v, "app_mention"));
	CHECK(var(vars, n, "SLACK_COMMAND") == NULL);
	/* Someone else's mention stays. */
	n = event_env(&ev, "U0OTHER001", buf, sizeof buf, vars, nitems(vars));
	CHECK((v = var(vars, n, "SLACK_TEXT")) != NULL &&
	    strncmp(v, "<@U07BOT0001|deploybot> deploy", 30) == 0);

	CHECK_EQ(rd(slash, &ev), 0);
	n = event_env(&ev, SELF_USER, buf, sizeof buf, vars, nitems(vars));
	CHECK_EQ(n, 8);
	CHECK((v = var(vars, n, "SLACK_COMMAND")) && !strcmp(v, "/deploy"));
	CHECK((v = var(vars, n, "SLACK_EVENT_TYPE")) &&
	    !strcmp(v, "slash_command"));
	/* A slash command's text is the user's, as typed. */
	CHECK((v = var(vars, n, "SLACK_TEXT")) &&
	    !strcmp(v, "api &lt;staging&gt;"));

	/* An escaped NUL ends the value; too small a buffer is refused. */
	CHECK_EQ(rd("E{\"type\":\"message\",\"text\":\"a\\u0000b\"}", &ev),
	    0);
	n = event_env(&ev, SELF_USER, buf, sizeof buf, vars, nitems(vars));
	CHECK((v = var(vars, n, "SLACK_TEXT")) && !strcmp(v, "a"));
	CHECK_EQ(event_env(&ev, SELF_USER, buf, 40, vars, nitems(vars)), -1);
	CHECK_EQ(event_env(&ev, SELF_USER, buf, sizeof buf, vars, 3), -1);
}

static void
t_reply(void)
{
	char ch[32], th[32];
	struct event ev;

	CHECK_EQ(rd(channel_msg, &ev), 0);
	CHECK_EQ(event_reply(&ev, REPLY_THREAD, ch, sizeof ch, th, sizeof th),
	    0);
	CHECK(!strcmp(ch, "C0GENERAL1") && !strcmp(th, "1732531200.001200"));
	CHECK_EQ(event_reply(&ev, REPLY_CHANNEL, ch, sizeof ch, th, sizeof th),
	    0);
	CHECK(!strcmp(ch, "C0GENERAL1") && th[0] == '\0');
	CHECK_EQ(rd(thread_mention, &ev), 0);
	CHECK_EQ(event_reply(&ev, REPLY_THREAD, ch, sizeof ch, th, sizeof th),
	    0);
	CHECK(!strcmp(th, "1732531200.001200"));
	/* A direct message is answered in the conversation. */
	CHECK_EQ(rd(dm, &ev), 0);
	CHECK_EQ(event_reply(&ev, REPLY_THREAD, ch, sizeof ch, th, sizeof th),
	    0);
	CHECK(!strcmp(ch, "D0DIRECT01") && th[0] == '\0');
	CHECK_EQ(rd(reaction, &ev), 0);
	CHECK_EQ(event_reply(&ev, REPLY_THREAD, ch, sizeof ch, th, sizeof th),
	    -1);
	CHECK_EQ(rd(channel_msg, &ev), 0);
	CHECK_EQ(event_reply(&ev, REPLY_THREAD, ch, 5, th, sizeof th), -1);
}

int
main(int argc, char **argv)
{
	static const struct t_case cases[] = {
		{ "read",		t_read },
		{ "default_filter",	t_default_filter },
		{ "wider_filters",	t_wider_filters },
		{ "allow_users",	t_allow_users },
		{ "env",		t_env },
		{ "reply",		t_reply },
	};

	return t_run(cases, nitems(cases), argc, argv);
}

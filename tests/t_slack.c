/*
 * t_slack.c: what slack_read() makes of Slack's messages, the ack it
 * writes, and the table of recently delivered events.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "slack.h"

static struct json_tok	tok[256];

static enum slack_kind
rd(int proto, const char *s, struct slack_msg *m)
{
	t_seed("slack", "\xff", 1, s, strlen(s));
	return slack_read(proto, s, strlen(s), tok, nitems(tok), m);
}

static int
view_is(const char *p, size_t n, const char *want)
{
	return p != NULL && n == strlen(want) && memcmp(p, want, n) == 0;
}

/* Fixtures from Slack's documentation, shortened where it does not matter. */
#define EVENT_F3 "{\"type\":\"message\",\"channel\":\"C0GENERAL1\"," \
	"\"user\":\"U03ALICE01\",\"text\":\"is staging up? &lt;3 " \
	"<https://status.acme.dev|status>\",\"ts\":\"1732531200.001200\"," \
	"\"blocks\":[{\"type\":\"rich_text\",\"elements\":[{\"type\":" \
	"\"rich_text_section\",\"elements\":[{\"type\":\"text\",\"text\":" \
	"\"is staging up?\"}]}]}]}"
#define ENVELOPE_F3 "{\"envelope_id\":\"6b1d3c2a-9f8e-4d7c-b6a5-" \
	"0e1f2a3b4c5d\",\"type\":\"events_api\",\"accepts_response_payload\":" \
	"false,\"retry_attempt\":0,\"retry_reason\":\"\",\"payload\":{\"token\":" \
	"\"vErIfIcAtIoNtOkEn\",\"team_id\":\"T01ACME001\",\"event\":" EVENT_F3 \
	",\"type\":\"event_callback\",\"event_id\":\"Ev08CHANMSG1\"," \
	"\"event_time\":1732531200,\"authorizations\":[{\"enterprise_id\":null," \
	"\"team_id\":\"T01ACME001\",\"user_id\":\"U07BOT0001\",\"is_bot\":true}]}}"

static void
t_hello(void)
{
	struct slack_msg m;

	CHECK_EQ(rd(SLACK_SOCKET, "{\"type\":\"hello\",\"num_connections\":2,"
	    "\"debug_info\":{\"host\":\"applink-7c9d5b4f8-q2w8e\",\"build_number"
	    "\":118,\"approximate_connection_time\":18060},\"connection_info\":"
	    "{\"app_id\":\"A07APP0001\"}}", &m), SLACK_HELLO);
	CHECK_EQ(m.num, 2);
	CHECK_EQ(rd(SLACK_SOCKET, "{\"type\":\"hello\"}", &m), SLACK_HELLO);
	CHECK_EQ(m.num, -1);
	CHECK_EQ(rd(SLACK_RTM, "{\"type\":\"hello\"}", &m), SLACK_HELLO);
}

static void
t_events_api(void)
{
	struct slack_msg m, again;

	CHECK_EQ(rd(SLACK_SOCKET, ENVELOPE_F3, &m), SLACK_EVENT);
	CHECK(view_is(m.rec, m.reclen, EVENT_F3));
	CHECK(view_is(m.id, m.idlen, "6b1d3c2a-9f8e-4d7c-b6a5-0e1f2a3b4c5d"));
	CHECK(view_is(m.type, m.typelen, "events_api"));
	CHECK_EQ(m.retry, 0);
	CHECK(m.key != 0);
	CHECK_EQ(m.newline, 0);

	/* A redelivery in a new envelope is the same event. */
	CHECK_EQ(rd(SLACK_SOCKET, "{\"envelope_id\":\"d4e5\",\"type\":"
	    "\"events_api\",\"retry_attempt\":1,\"retry_reason\":\"timeout\","
	    "\"payload\":{\"event\":{\"type\":\"app_mention\"},\"event_id\":"
	    "\"Ev08CHANMSG1\"}}", &again), SLACK_EVENT);
	CHECK_EQ(again.retry, 1);
	CHECK(again.key == m.key);
	CHECK(view_is(again.rec, again.reclen, "{\"type\":\"app_mention\"}"));

	/* Another event id is another event. */
	CHECK_EQ(rd(SLACK_SOCKET, "{\"envelope_id\":\"d4e5\",\"type\":"
	    "\"events_api\",\"payload\":{\"event\":{},\"event_id\":"
	    "\"Ev08CHANMSG2\"}}", &again), SLACK_EVENT);
	CHECK(again.key != m.key);
	CHECK(view_is(again.rec, again.reclen, "{}"));

	/* A newline between tokens, here or anywhere: the handler side
	   must make the event one line. */
	CHECK_EQ(rd(SLACK_SOCKET, "{\"envelope_id\":\"d4e5\",\"type\":"
	    "\"events_api\",\"payload\":{\"event\":{\"a\":\n1},\"event_id\":"
	    "\"Ev08CHANMSG2\"}}", &again), SLACK_EVENT);
	CHECK_EQ(again.newline, 1);
	CHECK_EQ(rd(SLACK_SOCKET, "{\"envelope_id\":\"d4e5\",\"type\":"
	    "\"events_api\",\"payload\":{\"event\":{\"a\":\"\\n\"},"
	    "\"event_id\":\"Ev08CHANMSG2\"}}\n", &again), SLACK_EVENT);
	CHECK_EQ(again.newline, 1);
}

/*
 * The keys slack_read() looks for, each with one byte changed at every
 * position (and one byte longer or shorter), must not be taken for them:
 * keys are compared a word at a time.
 */
static void
t_near_keys(void)
{
	static const char *const keys[] = {
		"type", "envelope_id", "payload", "retry_attempt", "event",
		"event_id",
	};
	char msg[512], key[32];
	struct slack_msg m;
	size_t k, i, n;
	int how;

	for (k = 0; k < nitems(keys); k++) {
		n = strlen(keys[k]);
		for (i = 0; i <= n; i++)
			for (how = 0; how < 3; how++) {
				memcpy(key, keys[k], n + 1);
				if (how == 0 && i < n)
					key[i] ^= 0x01;	/* one byte off */
				else if (how == 1 && i == n)
					key[n - 1] = '\0'; /* shorter */
				else if (how == 2 && i == n)
					memcpy(key + n, "s", 2); /* longer */
				else
					continue;
				snprintf(msg, sizeof msg, "{\"envelope_id\":"
				    "\"e1\",\"type\":\"events_api\",\"retry_"
				    "attempt\":2,\"payload\":{\"event\":{\"a\":"
				    "1},\"event_id\":\"Ev1\"},\"%s\":7}", key);
				/* the real keys come first and win */
				if (!CHECK_EQ(rd(SLACK_SOCKET, msg, &m),
				    SLACK_EVENT))
					continue;
				CHECK_EQ(m.retry, 2);
				CHECK(view_is(m.rec, m.reclen, "{\"a\":1}"));
				/* the near key alone is not the real one */
				snprintf(msg, sizeof msg, "{\"%s\":\"x\","
				    "\"envelope_id\":\"e1\",\"type\":"
				    "\"events_api\",\"payload\":{\"%s\":{\"b\":"
				    "2},\"event\":{\"a\":1},\"event_id\":"
				    "\"Ev1\"}}", key, key);
				if (!CHECK_EQ(rd(SLACK_SOCKET, msg, &m),
				    SLACK_EVENT))
					continue;
				CHECK(view_is(m.rec, m.reclen, "{\"a\":1}"));
				CHECK(view_is(m.type, m.typelen, "events_api"));
				CHECK(view_is(m.id, m.idlen, "e1"));
			}
	}
}

static void
t_other_envelopes(void)
{
	struct slack_msg m, m2;

	CHECK_EQ(rd(SLACK_SOCKET, "{\"envelope_id\":\"e5f6\",\"type\":"
	    "\"slash_commands\",\"accepts_response_payload\":true,\"payload\":"
	    "{\"command\":\"/deploy\",\"text\":\"api staging\",\"response_url"
	    "\":\"https:\\/\\/hooks.slack.com\\/commands\\/T1\\/8\\/Zk\"}}", &m),
	    SLACK_EVENT);
	CHECK(view_is(m.type, m.typelen, "slash_commands"));
	CHECK(view_is(m.rec, m.reclen, "{\"command\":\"/deploy\",\"text\":"
	    "\"api staging\",\"response_url\":\"https:\\/\\/hooks.slack.com"
	    "\\/commands\\/T1\\/8\\/Zk\"}"));
	/* Without an event id, the envelope is the identity. */
	CHECK_EQ(rd(SLACK_SOCKET, "{\"envelope_id\":\"e5f6\",\"type\":"
	    "\"interactive\",\"payload\":{\"type\":\"block_actions\"}}", &m2),
	    SLACK_EVENT);
	CHECK(m2.key == m.key);
	/* A type nobody knows yet still has an envelope to acknowledge. */
	CHECK_EQ(rd(SLACK_SOCKET, "{\"envelope_id\":\"x1\",\"type\":"
	    "\"future_kind\",\"payload\":{\"a\":1}}", &m), SLACK_EVENT);
	CHECK(view_is(m.rec, m.reclen, "{\"a\":1}"));
	CHECK_EQ(rd(SLACK_SOCKET, "{\"envelope_id\":\"x2\",\"type\":"
	    "\"events_api\",\"payload\":{\"event_id\":\"Ev1\"}}", &m),
	    SLACK_ACK_ONLY);
	CHECK(view_is(m.id, m.idlen, "x2"));
	CHECK_EQ(rd(SLACK_SOCKET, "{\"envelope_id\":\"x3\",\"type\":"
	    "\"events_api\"}", &m), SLACK_ACK_ONLY);
	CHECK_EQ(rd(SLACK_SOCKET, "{\"envelope_id\":\"x4\",\"payload\":[1]}",
	    &m), SLACK_ACK_ONLY);
	CHECK_EQ(rd(SLACK_SOCKET, "{\"envelope_id\":\"\",\"payload\":{}}", &m),
	    SLACK_BAD);
}

static void
t_disconnect(void)
{
	struct slack_msg m;

	CHECK_EQ(rd(SLACK_SOCKET, "{\"type\":\"disconnect\",\"reason\":"
	    "\"refresh_requested\",\"debug_info\":{\"host\":\"applink\"}}", &m),
	    SLACK_DISCONNECT);
	CHECK(view_is(m.why, m.whylen, "refresh_requested"));
	CHECK_EQ(rd(SLACK_SOCKET, "{\"type\":\"disconnect\"}", &m),
	    SLACK_DISCONNECT);
	CHECK_EQ(m.whylen, 0);
}

static void
t_bad(void)
{
	static const char *const bad[] = {
		"", "   ", "not json", "[]", "\"hello\"", "{\"type\":\"hello\"",
		"{\"type\":\"hello\"}x", "{}", "{\"type\":1}",
		"{\"type\":\"hello\",\"num_connections\":\"\xff\"}",
	};
	struct slack_msg m;
	size_t i;

	for (i = 0; i < nitems(bad); i++) {
		if (!CHECK_EQ(rd(SLACK_SOCKET, bad[i], &m), SLACK_BAD))
			fprintf(stderr, "  case %zu\n", i);
		CHECK(m.why != NULL && m.whylen > 0);
	}
	CHECK_EQ(rd(SLACK_SOCKET, "{\"type\":\"someday\"}", &m), SLACK_SKIP);
	/* Trailing blanks are fine. */
	CHECK_EQ(rd(SLACK_SOCKET, "{\"type\":\"hello\"}\r\n ", &m),
	    SLACK_HELLO);
}

static void
t_rtm(void)
{
	static const char msg[] = "{\"type\":\"message\",\"channel\":\"C1\","
	    "\"user\":\"U1\",\"text\":\"hi\",\"ts\":\"1.2\"}";
	struct slack_msg m;

	CHECK_EQ(rd(SLACK_RTM, msg, &m), SLACK_EVENT);
	CHECK(view_is(m.rec, m.reclen, msg));
	/* Blanks around the object are not part of the event. */
	CHECK_EQ(rd(SLACK_RTM, "\t {\"type\":\"x\"}\r\n", &m), SLACK_EVENT);
	CHECK(view_is(m.rec, m.reclen, "{\"type\":\"x\"}"));
	CHECK_EQ(m.key, 0);
	CHECK_EQ(rd(SLACK_RTM, "{\"type\":\"goodbye\"}", &m), SLACK_GOODBYE);
	CHECK_EQ(rd(SLACK_RTM, "{\"type\":\"pong\",\"reply_to\":9,\"time\":1}",
	    &m), SLACK_PONG);
	CHECK_EQ(m.num, 9);
	CHECK_EQ(rd(SLACK_RTM, "{\"ok\":true,\"reply_to\":3,\"ts\":\"1.5\","
	    "\"text\":\"back online\"}", &m), SLACK_REPLY);
	CHECK_EQ(m.num, 3);
	CHECK_EQ(m.ok, 1);
	CHECK_EQ(rd(SLACK_RTM, "{\"ok\":false,\"reply_to\":4,\"error\":"
	    "{\"code\":-1,\"msg\":\"slow down, too many messages...\"}}", &m),
	    SLACK_REPLY);
	CHECK_EQ(m.ok, 0);
	CHECK(view_is(m.why, m.whylen, "slow down, too many messages..."));
	CHECK_EQ(rd(SLACK_RTM, "{\"type\":\"error\",\"error\":{\"code\":1,"
	    "\"msg\":\"Socket URL has expired\"}}", &m), SLACK_ERROR);
	CHECK(view_is(m.why, m.whylen, "Socket URL has expired"));
	CHECK_EQ(rd(SLACK_RTM, "{\"type\":\"reconnect_url\",\"url\":\"wss:"
	    "\\/\\/x\"}", &m), SLACK_SKIP);
	CHECK_EQ(rd(SLACK_RTM, "{\"text\":\"no type\"}", &m), SLACK_BAD);
}

/* A huge event costs a handful of tokens: only the top levels are kept. */
static void
t_big_event(void)
{
	static char msg[300000];
	struct json_tok small[32];
	struct slack_msg m;
	size_t n, i;

	n = (size_t)snprintf(msg, sizeof msg, "{\"envelope_id\":\"big\","
	    "\"type\":\"events_api\",\"payload\":{\"event_id\":\"EvBIG\","
	    "\"event\":{\"type\":\"message\",\"blocks\":[");
	for (i = 0; i < 20000; i++)
		n += (size_t)snprintf(msg + n, sizeof msg - n, "%s{\"t\":[%zu]}",
		    i ? "," : "", i);
	n += (size_t)snprintf(msg + n, sizeof msg - n, "]}}}");
	CHECK_EQ(slack_read(SLACK_SOCKET, msg, n, small, nitems(small), &m),
	    SLACK_EVENT);
	CHECK(m.reclen > 200000);
	CHECK(m.rec[0] == '{' && m.rec[m.reclen - 1] == '}');
	/* Too few tokens even for the top: refused, not overrun. */
	CHECK_EQ(slack_read(SLACK_SOCKET, msg, n, small, 3, &m), SLACK_BAD);
}

static void
t_ack(void)
{
	char buf[64];
	size_t n;

	n = slack_ack(buf, sizeof buf, "6b1d-9f8e", 9);
	CHECK(view_is(buf, n, "{\"envelope_id\":\"6b1d-9f8e\"}"));
	CHECK_EQ(slack_ack(buf, n, "6b1d-9f8e", 9), n);
	CHECK_EQ(slack_ack(buf, n - 1, "6b1d-9f8e", 9), 0);
	/* The id is copied raw: its escapes stay valid JSON. */
	n = slack_ack(buf, sizeof buf, "a\\/b", 4);
	CHECK(view_is(buf, n, "{\"envelope_id\":\"a\\/b\"}"));
}

static void
t_dedup(void)
{
	static struct slack_dedup d;
	uint64_t k;
	int i;

	memset(&d, 0, sizeof d);
	CHECK(!slack_seen(&d, 42, 0));
	slack_remember(&d, 42, 0);
	CHECK(slack_seen(&d, 42, 0));
	CHECK(slack_seen(&d, 42, SLACK_DEDUP_TTL - 1));
	CHECK(!slack_seen(&d, 42, SLACK_DEDUP_TTL + 1));
	CHECK(!slack_seen(&d, 43, 5));
	/* Remembering again renews it, in place. */
	slack_remember(&d, 42, 500);
	CHECK(slack_seen(&d, 42, 500 + SLACK_DEDUP_TTL - 1));

	/* A bucket holds SLACK_DEDUP_WAYS keys, then forgets the oldest. */
	memset(&d, 0, sizeof d);
	for (i = 0; i < SLACK_DEDUP_WAYS; i++) {
		k = 7 + (uint64_t)i * (DEDUP_SLOTS / SLACK_DEDUP_WAYS);
		slack_remember(&d, k, (uint32_t)i);
	}
	for (i = 0; i < SLACK_DEDUP_WAYS; i++)
		CHECK(slack_seen(&d, 7 + (uint64_t)i *
		    (DEDUP_SLOTS / SLACK_DEDUP_WAYS), 20));
	k = 7 + (uint64_t)SLACK_DEDUP_WAYS * (DEDUP_SLOTS / SLACK_DEDUP_WAYS);
	slack_remember(&d, k, 30);
	CHECK(slack_seen(&d, k, 30));
	CHECK(!slack_seen(&d, 7, 30));		/* the oldest went */
	CHECK(slack_seen(&d, 7 + DEDUP_SLOTS / SLACK_DEDUP_WAYS, 30));

	/* Keys of one bucket that differ only in high bits are told apart. */
	memset(&d, 0, sizeof d);
	slack_remember(&d, 7, 1);
	CHECK(!slack_seen(&d, 7 + (1ull << 40), 2));
	CHECK(!slack_seen(&d, 7 + (1ull << 49), 2));
	slack_remember(&d, 7 + (1ull << 49), 2);
	CHECK(slack_seen(&d, 7, 3));
	CHECK(slack_seen(&d, 7 + (1ull << 49), 3));

	/* Ages are right across the wrap of the stored seconds (24 bits). */
	memset(&d, 0, sizeof d);
	slack_remember(&d, 42, (1u << 24) - 10);
	CHECK(slack_seen(&d, 42, (1u << 24) + 100));
	CHECK(slack_seen(&d, 42, (1u << 24) - 10 + SLACK_DEDUP_TTL));
	CHECK(!slack_seen(&d, 42, (1u << 24) - 10 + SLACK_DEDUP_TTL + 2));
	/* and the oldest key of a full bucket goes even then. */
	for (i = 0; i < SLACK_DEDUP_WAYS; i++)
		slack_remember(&d, 7 + (uint64_t)i * (DEDUP_SLOTS /
		    SLACK_DEDUP_WAYS), (1u << 24) - 8 + (uint32_t)i);
	slack_remember(&d, 7 + (uint64_t)SLACK_DEDUP_WAYS * (DEDUP_SLOTS /
	    SLACK_DEDUP_WAYS), (1u << 24) + 20);
	CHECK(!slack_seen(&d, 7, (1u << 24) + 20));
	CHECK(slack_seen(&d, 7 + DEDUP_SLOTS / SLACK_DEDUP_WAYS,
	    (1u << 24) + 20));

	/* At Slack's ceiling, 5,000 keys in ten minutes are all kept. */
	memset(&d, 0, sizeof d);
	for (i = 0; i < 5000; i++)
		slack_remember(&d, (uint64_t)i * 0x9e3779b97f4a7c15ull,
		    (uint32_t)(i / 9));
	for (i = 0; i < 5000; i++)
		if (!CHECK(slack_seen(&d, (uint64_t)i * 0x9e3779b97f4a7c15ull,
		    600)))
			break;
}

int
main(int argc, char **argv)
{
	static const struct t_case cases[] = {
		{ "hello",		t_hello },
		{ "events_api",		t_events_api },
		{ "near_keys",		t_near_keys },
		{ "other_envelopes",	t_other_envelopes },
		{ "disconnect",		t_disconnect },
		{ "bad",		t_bad },
		{ "rtm",		t_rtm },
		{ "big_event",		t_big_event },
		{ "ack",		t_ack },
		{ "dedup",		t_dedup },
	};

	return t_run(cases, nitems(cases), argc, argv);
}

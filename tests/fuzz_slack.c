/*
 * fuzz_slack.c: libFuzzer target for slack_read() and slack_ack().
 *
 * Any bytes, read as a Socket Mode and as an RTM message, with a token
 * array of a size the input picks.  Every view handed back must lie inside
 * the input; an event to deliver must itself be a JSON object; the ack
 * written for an envelope must be JSON whose envelope_id reads back as the
 * one received; the id table must recognise what it was told.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzutil.h"
#include "slack.h"

static struct json_tok	tok[512];
static struct json_tok	tok2[64];
static struct slack_dedup dedup;

static void
inside(const char *in, size_t n, const char *p, size_t len)
{
	if (p != NULL && (p < in || p + len > in + n))
		abort();
	if (p == NULL && len != 0)
		abort();
}

static int
same_string(const char *ack, size_t acklen, const char *id, size_t idlen)
{
	char a[600], b[600], c[600];
	size_t na, nb;
	int i, n;

	n = json_parse(ack, acklen, tok2, 64, JSON_FULL, NULL);
	if (n < 3 || tok2[0].type != JSON_OBJECT || tok2[0].size != 1)
		return 0;
	if ((i = json_find(ack, tok2, 0, "envelope_id")) < 0 ||
	    json_unescape(ack, &tok2[i], a, sizeof a, &na) < 0)
		return 0;
	/* The id was a valid JSON string body: unescape it the same way. */
	memcpy(b, "\"", 1);
	if (idlen > sizeof b - 3)
		return 1;
	memcpy(b + 1, id, idlen);
	b[idlen + 1] = '"';
	if (json_parse(b, idlen + 2, tok2, 64, JSON_FULL, NULL) != 1 ||
	    json_unescape(b, &tok2[0], c, sizeof c, &nb) < 0)
		return 0;
	return na == nb && memcmp(a, c, na) == 0;
}

static void
one(int proto, const char *in, size_t n, size_t ntok)
{
	struct slack_msg m;
	char ack[600];
	size_t k;

	slack_read(proto, in, n, tok, ntok, &m);
	inside(in, n, m.rec, m.reclen);
	inside(in, n, m.id, m.idlen);
	inside(in, n, m.type, m.typelen);
	if (m.kind == SLACK_EVENT) {
		if (m.rec == NULL || m.reclen < 2 || m.rec[0] != '{')
			abort();
		if (json_parse(m.rec, m.reclen, tok2, 64, 0, NULL) != 1)
			abort();
		if (proto == SLACK_SOCKET && m.key == 0 && m.idlen == 0)
			abort();
		slack_remember(&dedup, m.key, 7);
		if (!slack_seen(&dedup, m.key, 8))
			abort();
	}
	if ((m.kind == SLACK_EVENT || m.kind == SLACK_ACK_ONLY) &&
	    proto == SLACK_SOCKET) {
		k = slack_ack(ack, sizeof ack, m.id, m.idlen);
		if (k == 0 && m.idlen + 18 <= sizeof ack)
			abort();
		if (k > 0 && !same_string(ack, k, m.id, m.idlen))
			abort();
	}
}

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in;
	size_t ntok;

	if (size < 1)
		return 0;
	ntok = 1 + data[0] % (sizeof tok / sizeof tok[0]);
	/* A copy of exactly the right size, so reading past it is caught. */
	in = fz_copy(data + 1, size - 1);
	one(SLACK_SOCKET, in, size - 1, ntok);
	one(SLACK_RTM, in, size - 1, ntok);
	return 0;
}

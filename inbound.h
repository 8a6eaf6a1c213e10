/*
 * inbound.h: Slack's requests to a request URL (`run --http`), without
 * I/O: whether Slack sent them, and what they carry.
 *
 * Slack signs each request with the app's signing secret: the header
 * X-Slack-Signature is "v0=" and the hex HMAC-SHA256 of "v0:", the
 * X-Slack-Request-Timestamp value, ":" and the raw body.  A request is
 * taken only when that matches and the timestamp is within five minutes
 * of the clock (a replayed request is refused).
 *
 * Bodies come three ways, and each gives the handlers what Socket Mode
 * would: Events API JSON (the `event` of an event_callback), a slash
 * command as a form (its fields as one JSON object of strings, as Socket
 * Mode's slash_commands payload is), and an interaction as a form whose
 * `payload` field is the JSON.  Nothing here touches a socket, the clock
 * or the heap.
 */
#ifndef INBOUND_H
#define INBOUND_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "slack.h"

/* Seconds a request's timestamp may be away from the clock. */
#define INBOUND_SKEW	300

/* Results of inbound_verify(). */
enum {
	INBOUND_OK,
	INBOUND_ENOSIG,		/* no signature or no timestamp header */
	INBOUND_ETIME,		/* the timestamp is not a number of seconds */
	INBOUND_ESTALE,		/* it is more than INBOUND_SKEW from now */
	INBOUND_EFORGED		/* the signature is not the body's */
};

/* A piece of an HMAC's message. */
struct inbound_part {
	const void	*p;
	size_t		 n;
};

/* HMAC-SHA256 with key[0..klen) of the parts one after the other. */
void	inbound_hmac(unsigned char mac[32], const void *key, size_t klen,
	    const struct inbound_part *parts, size_t nparts);

/*
 * Checks a request: ts and sig are the header values (NULL when absent),
 * now the time in seconds since 1970.  The signature is compared in
 * constant time.  Returns INBOUND_OK or one of the errors above.
 */
int	inbound_verify(const char *secret, const char *ts, size_t tslen,
	    const char *sig, size_t siglen, const char *body, size_t blen,
	    int64_t now);

/* A result of inbound_verify() in words, for a log line. */
const char *inbound_strerror(int);

enum inbound_kind {
	INBOUND_EVENT,		/* deliver rec */
	INBOUND_CHALLENGE,	/* url_verification: answer the challenge */
	INBOUND_RATE_LIMITED,	/* app_rate_limited: Slack holds events back */
	INBOUND_SKIP,		/* nothing to deliver (why: for a debug line) */
	INBOUND_BAD		/* not a request Slack would send (why) */
};

struct inbound_msg {
	enum inbound_kind kind;
	enum slack_payload payload;	/* EVENT: what rec is */
	const char	*rec;		/* EVENT: the JSON to deliver */
	size_t		 reclen;
	uint64_t	 key;		/* EVENT: identity for the id table
					   (event_id, trigger_id); 0: none */
	const char	*challenge;	/* CHALLENGE: the raw JSON string,
					   escapes as sent, without quotes */
	size_t		 chlen;
	const char	*type;		/* JSON: the request's type, or NULL */
	size_t		 typelen;
	const char	*why;		/* SKIP, BAD: words */
};

/*
 * Reads a verified body[0..len).  A form is decoded in place (body is
 * changed); a slash command's JSON is written to scratch (scap bytes);
 * tok (ntok entries) is scratch for the tokenizer.  Views in *m point
 * into body or scratch.  Returns m->kind.
 */
enum inbound_kind inbound_read(char *body, size_t len, char *scratch,
	    size_t scap, struct json_tok *tok, size_t ntok,
	    struct inbound_msg *m);

#endif

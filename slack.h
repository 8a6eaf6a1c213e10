/*
 * slack.h: what Slack's WebSocket messages mean, without I/O.
 *
 * slack_read() turns one text message from a Socket Mode or RTM socket
 * into one decision for the loop: an event to queue (and, in Socket
 * Mode, the envelope to acknowledge once it is queued), hello, a request
 * to reconnect, a keepalive answer, or something to log and skip.  The
 * recent-id table recognises events Slack delivers twice.  Nothing here
 * touches a socket, the clock or the heap.
 */
#ifndef SLACK_H
#define SLACK_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "json.h"

enum { SLACK_SOCKET, SLACK_RTM };	/* the protocol on a socket */

enum slack_kind {
	SLACK_SKIP,	/* nothing to do (why: for a debug line) */
	SLACK_BAD,	/* not a message Slack would send; log and skip */
	SLACK_HELLO,	/* the connection is live */
	SLACK_EVENT,	/* queue rec; then ack id (Socket Mode) */
	SLACK_ACK_ONLY,	/* an envelope with nothing to deliver: ack id */
	SLACK_DISCONNECT, /* Socket Mode: replace this socket (reason) */
	SLACK_GOODBYE,	/* RTM: the server is about to close */
	SLACK_PONG,	/* RTM: answer to our ping number num */
	SLACK_REPLY,	/* RTM: outcome of message number num (ok) */
	SLACK_ERROR	/* RTM: an error event (why) */
};

/* EVENT: what the payload is (handlers treat each its own way). */
enum slack_payload {
	SLACK_P_EVENT,		/* an Events API or RTM event */
	SLACK_P_SLASH,		/* a slash command (slash_commands) */
	SLACK_P_INTERACTIVE	/* block actions, shortcuts, views */
};

/* DISCONNECT: why Slack asks for another socket. */
enum slack_reason {
	SLACK_R_REFRESH,	/* refresh_requested, warning, or any other */
	SLACK_R_LINK_DISABLED,	/* Socket Mode is off for the app */
	SLACK_R_TOO_MANY	/* too_many_websockets: no room for two */
};

struct slack_msg {
	enum slack_kind	 kind;
	enum slack_payload payload;	/* EVENT */
	enum slack_reason reason;	/* DISCONNECT (why: its words) */
	const char	*rec;		/* EVENT: the JSON to deliver */
	size_t		 reclen;
	int		 newline;	/* EVENT: rec may hold a newline
					   (a blank between tokens) */
	const char	*id;		/* envelope_id (raw JSON string) */
	size_t		 idlen;
	uint64_t	 key;		/* EVENT: identity for the id table */
	const char	*why;		/* DISCONNECT: reason; others: words */
	size_t		 whylen;
	long long	 num;		/* PONG/REPLY: reply_to; HELLO:
					   num_connections (-1 unknown) */
	int		 ok;		/* REPLY */
	int		 retry;		/* EVENT: retry_attempt */
	const char	*type;		/* envelope or event type */
	size_t		 typelen;
};

/*
 * Reads one complete text message msg[0..len) of the given protocol.
 * tok (ntok entries) is scratch for the tokenizer.  Views in *out point
 * into msg.  Returns out->kind.
 */
enum slack_kind slack_read(int proto, const char *msg, size_t len,
	    struct json_tok *tok, size_t ntok, struct slack_msg *out);

/*
 * Writes the acknowledgement {"envelope_id":"..."} for a raw JSON string
 * id into out.  Returns its length, or 0 when it does not fit.
 */
size_t	slack_ack(char *out, size_t cap, const char *id, size_t idlen);

/*
 * Recently delivered events: 64-bit keys with the second they were
 * delivered, kept at least SLACK_DEDUP_TTL seconds while the table is not
 * flooded beyond Slack's delivery limits (DEDUP_SLOTS in config.h).  Each
 * slot is one word (see slack.c), so a bucket of SLACK_DEDUP_WAYS is two
 * cache lines.
 */
#define SLACK_DEDUP_TTL	600
#define SLACK_DEDUP_WAYS 16

struct slack_dedup {
	uint64_t	slot[DEDUP_SLOTS];	/* 0: empty */
};

/*
 * Starts bringing key's bucket into the cache, so that a slack_seen() a
 * little later finds it there: a lookup is otherwise one miss per event.
 */
void	slack_prefetch(const struct slack_dedup *, uint64_t key);

/* 1 when key was delivered in the last SLACK_DEDUP_TTL seconds. */
int	slack_seen(const struct slack_dedup *, uint64_t key, uint32_t now_s);

/* Records key as delivered at now_s. */
void	slack_remember(struct slack_dedup *, uint64_t key, uint32_t now_s);

#endif

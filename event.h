/*
 * event.h: what a handler is given of an event, and whether it is given
 * the event at all.  No I/O; the loop in run.c does the rest.
 *
 * An event is what the FIFO holds (handler.h): its kind (enum rec_kind)
 * and the JSON Slack sent.  event_read() finds the fields handlers care about,
 * event_wanted() applies the filters (by default: direct messages and
 * mentions of the bot, never the bot's own messages nor other bots'),
 * event_env() builds the SLACK_* environment of an --exec handler, and
 * event_reply() says where an answer goes.
 */
#ifndef EVENT_H
#define EVENT_H

#include <stddef.h>

#include "json.h"

enum ev_kind {
	EV_MESSAGE,	/* a message event (maybe an edit, see edit) */
	EV_MENTION,	/* app_mention */
	EV_SLASH,	/* a slash command */
	EV_INTERACTIVE,	/* block_actions, view_submission, shortcut, ... */
	EV_OTHER	/* any other event: reaction_added, member_joined... */
};

/* A field: the raw bytes of a JSON string (escapes not undone). */
struct ev_str {
	const char	*p;
	size_t		 n;
};

struct event {
	enum ev_kind	 kind;
	const char	*json;		/* the event's JSON, for stdin */
	size_t		 len;
	struct ev_str	 type, subtype, channel, channel_type, user, bot_id,
			 text, ts, thread_ts, team, command, response_url;
	int		 edit;		/* message_changed: fields are the new
					   message's */
	int		 hidden;
};

/* Handler filters (run's options) and who the bot is. */
struct filter {
	int		 all;		/* --all: every message, not only DMs
					   and mentions */
	int		 edits;		/* --edits: edited messages too */
	const char	*allow;		/* --allow-users U1,U2, or NULL */
	const char	*self_user;	/* the bot's user id (U...), or NULL */
	const char	*self_bot;	/* the bot's bot id (B...), or NULL */
};

/* What an event is, as it goes through the FIFO. */
enum rec_kind {
	REC_EVENT = 'E',	/* an Events API or RTM event */
	REC_SLASH = 'S',	/* a slash command */
	REC_INTERACTIVE = 'I'	/* an interactive payload */
};

/*
 * Reads the JSON js[0..len) of an event of that kind (enum rec_kind).
 * tok (ntok entries) is scratch; ev's views point into js.  Returns 0, or
 * -1 when js is not a JSON object.
 */
int	event_read(int kind, const char *js, size_t len, struct json_tok *tok,
	    size_t ntok, struct event *ev);
/*
 * 1 when a handler should get ev.  Otherwise 0, and *why (when not NULL)
 * says why not, for a debug line.  Slash commands and interactive
 * payloads always go through (but for --allow-users).
 */
int	event_wanted(const struct event *, const struct filter *,
	    const char **why);

/*
 * Writes the handler's SLACK_* variables ("SLACK_CHANNEL=C123", ...) as
 * NUL-terminated strings into buf[0..cap) and points vars[0..nvars) at
 * them.  SLACK_TEXT is the text as a person wrote it: escapes undone,
 * &lt; &gt; &amp; turned back into < > &, a leading mention of the bot
 * (self_user) dropped.  Returns the number of variables, or -1 when buf
 * or vars is too small.
 */
int	event_env(const struct event *, const char *self_user, char *buf,
	    size_t cap, char **vars, size_t nvars);

/* Where answers go (run's --reply). */
enum { REPLY_THREAD, REPLY_CHANNEL, REPLY_NONE };

/*
 * The channel and thread (empty: none) an answer to ev goes to, as
 * unescaped C strings, for chat.postMessage.  In REPLY_THREAD mode the
 * thread is the event's own thread, else the event itself, except in a
 * direct message that is not in a thread.  Returns 0, or -1 when ev has
 * no channel (or the buffers are too small).
 */
int	event_reply(const struct event *, int mode, char *channel,
	    size_t chlen, char *thread, size_t thlen);

#endif

/*
 * out.h: the outgoing queue: what handlers send back to Slack.
 *
 * Replies and other calls wait here in arrival order and leave through
 * kept-alive Web API connections of their own, driven by run's poll()
 * loop, so they never hold up the socket reader or the acks.  Posts to one
 * channel keep their order and are paced under Slack's limit of about one
 * message a second per channel (a short burst is allowed); 429 waits for
 * Retry-After and other failures are retried when that cannot post twice
 * (see api.h).  A full queue refuses new entries: the handler side then
 * waits, which in turn stops the reader (backpressure).
 */
#ifndef OUT_H
#define OUT_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "conn.h"

/*
 * Prepares the queue: base is the Web API URL, px the proxy settings,
 * token the bot token, rate the posts per second per channel (0: no
 * pacing).  rtm_send, when not NULL, sends a simple RTM message (JSON
 * text) over the WebSocket and returns 0, or -1 when it cannot now;
 * out_post() then uses it for short texts (--reply-via ws).  Returns 0,
 * or -1 with the reason in err.
 */
int	out_init(const char *base, const struct proxy *px, const char *token,
	    int rate, int (*rtm_send)(const char *json, size_t n), char *err,
	    size_t errlen);

/* What the out_post() family returns. */
enum {
	OUT_OK = 0,
	OUT_FULL = -1,		/* no room now: try again later */
	OUT_TOOBIG = -2		/* can never be sent (too large, or not an
				   https:// URL): drop it, say so */
};

/*
 * A message: text (n bytes, UTF-8; invalid bytes become U+FFFD) to
 * channel, in thread when thread is not empty.  Returns OUT_OK, OUT_FULL
 * or OUT_TOOBIG.
 */
int	out_post(const char *channel, const char *thread, const char *text,
	    size_t n);

/*
 * A chat.postMessage with a body the caller made (JSON object with at
 * least "channel"), for channel (its pacing key).  As out_post().
 */
int	out_post_json(const char *channel, const char *json, size_t n);

/* Any Web API method with a form-encoded body.  As out_post(). */
int	out_call(const char *method, const char *form, size_t n);

/*
 * A JSON body POSTed to a response_url (slash commands, interactivity).
 * As out_post(); OUT_TOOBIG also when url is not an https:// URL or is
 * longer than RESPONSE_URL_MAX.
 */
int	out_hook(const char *url, const char *json, size_t n);

/* Entries not yet done. */
size_t	out_pending(void);

/*
 * Adds the queue's descriptors to pfd (at most max) and lowers *wake to
 * its next deadline.  Returns how many were added.
 */
int	out_poll(struct pollfd *pfd, int max, int64_t *wake);

/*
 * Moves calls along; pfd as filled by out_poll(), then polled.  Returns
 * 0, or -1 once Slack has refused the token (logged; time to exit 3).
 */
int	out_io(const struct pollfd *pfd, int n, int64_t now);

#endif

/*
 * webhook.h: incoming webhooks (`slackbot post --webhook`), without I/O.
 *
 * An incoming webhook is a URL (https://hooks.slack.com/services/T/B/X)
 * that posts into the one channel it was made for, with no token: the
 * URL itself is the secret, and is never written to the log.  Slack
 * answers "ok", or a status with a short error word as plain text
 * (invalid_payload, no_text, channel_is_archived, no_service, ...); this
 * module turns those into one line that says what to do.
 */
#ifndef WEBHOOK_H
#define WEBHOOK_H

#include <stddef.h>

/*
 * Splits an https:// webhook URL into the base the Web API client wants
 * ("https://host:port/") and the path after its first '/' (*path, a view
 * into url).  Returns 0, or -1 with the reason in err (the URL itself is
 * not repeated there).
 */
int	webhook_split(const char *url, char *base, size_t baselen,
	    const char **path, char *err, size_t errlen);

/*
 * The line for a refusal: status and Slack's answer body[0..len) (plain
 * text) into buf.  Returns buf.
 */
const char *webhook_refusal(int status, const char *body, size_t len,
	    char *buf, size_t buflen);

#endif

/*
 * webhook.c: see webhook.h.
 */
#include <stdio.h>
#include <string.h>

#include "http.h"
#include "webhook.h"

/* Slack's webhook errors, and what to do about each. */
static const struct {
	const char	*error;
	const char	*words;
} refusals[] = {
	{ "invalid_payload", "Slack could not read the message; with "
	    "--blocks, is FILE a JSON array of Block Kit blocks?" },
	{ "no_text", "the message has no text (give TEXT, or blocks)" },
	{ "channel_is_archived", "the webhook's channel is archived: "
	    "unarchive it, or make a webhook for another channel" },
	{ "channel_not_found", "the webhook's channel no longer exists: make "
	    "a new webhook" },
	{ "no_service", "Slack knows no webhook at this URL: it was removed "
	    "(or the app uninstalled) or the URL is mistyped; make a new one "
	    "under Incoming Webhooks in the app's settings" },
	{ "no_active_hooks", "the webhook is turned off: turn Incoming "
	    "Webhooks on in the app's settings" },
	{ "invalid_token", "the webhook's token is no longer valid: make a "
	    "new webhook" },
	{ "action_prohibited", "the workspace's admins do not allow this "
	    "webhook to post there" },
	{ "posting_to_general_channel_denied", "only admins may post in "
	    "that channel: use a webhook for another one" },
	{ "too_many_attachments", "the message has too many attachments "
	    "(at most 100)" },
	{ "user_not_found", "the webhook's user is gone: make a new webhook" },
};

/* see webhook.h */
int
webhook_split(const char *url, char *base, size_t baselen,
    const char **path, char *err, size_t errlen)
{
	struct url u;
	int v6, n;

	if (http_url_parse(&u, url, strlen(url)) < 0 || !u.tls || u.ws) {
		snprintf(err, errlen, "the webhook URL is not an https:// URL "
		    "(such as https://hooks.slack.com/services/T.../B.../...)");
		return -1;
	}
	if (u.pathlen < 2) {
		snprintf(err, errlen, "the webhook URL has no path (it looks "
		    "like https://hooks.slack.com/services/T.../B.../...)");
		return -1;
	}
	v6 = memchr(u.host, ':', u.hostlen) != NULL;
	n = snprintf(base, baselen, "https://%s%.*s%s:%u/", v6 ? "[" : "",
	    (int)u.hostlen, u.host, v6 ? "]" : "", u.port);
	if (n < 0 || (size_t)n >= baselen) {
		snprintf(err, errlen, "the webhook URL's host name is too long");
		return -1;
	}
	/* The path is the "method" appended to the base. */
	*path = u.path + 1;
	return 0;
}

/* see webhook.h */
const char *
webhook_refusal(int status, const char *body, size_t len, char *buf,
    size_t buflen)
{
	size_t i, n;

	/* Slack's answer is one word; blanks around it do not count. */
	while (len > 0 && (body[len - 1] == '\n' || body[len - 1] == '\r' ||
	    body[len - 1] == ' '))
		len--;
	for (i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
		n = strlen(refusals[i].error);
		if (n == len && memcmp(body, refusals[i].error, n) == 0) {
			snprintf(buf, buflen, "%s (HTTP %d, %s)",
			    refusals[i].words, status, refusals[i].error);
			return buf;
		}
	}
	for (i = 0; i < len && i < 80; i++)
		if ((unsigned char)body[i] < ' ' || (unsigned char)body[i] >=
		    0x7f)
			break;
	if (i == len && len > 0)
		snprintf(buf, buflen, "Slack refused the message (HTTP %d, "
		    "%.*s)", status, (int)len, body);
	else
		snprintf(buf, buflen, "Slack refused the message (HTTP %d)",
		    status);
	return buf;
}

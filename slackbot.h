/*
 * slackbot.h: what the commands in slackbot.c share with run.c.
 */
#ifndef SLACKBOT_H
#define SLACKBOT_H

#include "api.h"
#include "conn.h"

enum {
	EXIT_OK,	/* success */
	EXIT_FAIL,	/* Slack said no, or the network gave up */
	EXIT_USAGE,	/* bad command line */
	EXIT_AUTH	/* the token was refused: restarting will not help */
};
#define EXIT_CONFIG	EXIT_USAGE	/* configuration errors: also 2 */

struct config {
	const char	*bot_token;	/* SLACK_BOT_TOKEN, or NULL */
	const char	*app_token;	/* SLACK_APP_TOKEN, or NULL */
	const char	*api_url;	/* SLACK_API_URL */
	struct proxy	 proxy;
};

extern struct config	cfg;
extern struct api	api;	/* the Web API client (slack.com) */

/* Logs "slackbot: error: ..." and exits with code. */
void	die(int code, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3), noreturn));

/*
 * Loads trusted roots and the proxy settings and prepares the Web API
 * client; dies with a clear line (status 2) on a configuration error.
 */
void	setup_network(void);

/*
 * Logs one line on why a call failed (with what to do about a refused
 * token) and returns the exit status that goes with it.
 */
int	api_report(const struct api *, const char *what);

#endif

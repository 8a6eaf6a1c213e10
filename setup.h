/*
 * setup.h: what every command starts from.  The configuration (tokens,
 * the Web API URL, the proxy, the trusted roots) is read here, from the
 * environment and the files it names, and the Web API client is made
 * ready; each way it can be wrong gets one line in the log and the exit
 * status that goes with it.
 */
#ifndef SETUP_H
#define SETUP_H

#include <stddef.h>

#include "api.h"
#include "conn.h"
#include "help.h"

/* Exit status of every command. */
enum {
	EXIT_OK,	/* success */
	EXIT_FAIL,	/* Slack said no, or the network gave up */
	EXIT_USAGE,	/* bad command line, or configuration */
	EXIT_AUTH	/* the token was refused: restarting will not help */
};
#define EXIT_CONFIG	EXIT_USAGE

/* One token: its text, and the variable it came from, for messages. */
struct token {
	const char	*value;		/* NULL: not set */
	const char	*var;		/* "SLACK_BOT_TOKEN", "SLACK_TOKEN_FILE" */
	const char	*file;		/* the *_FILE path, re-read on SIGHUP */
	char		 buf[512];
};

struct config {
	struct token	 bot;		/* SLACK_BOT_TOKEN / SLACK_TOKEN_FILE */
	struct token	 app;		/* SLACK_APP_TOKEN / _APP_TOKEN_FILE */
	struct token	 signing;	/* SLACK_SIGNING_SECRET / _FILE */
	struct token	 webhook;	/* SLACK_WEBHOOK_URL / _FILE */
	const char	*api_url;	/* SLACK_API_URL */
	struct proxy	 proxy;
	char		 anchors[256];	/* which roots are trusted, in words */
	int		 nanchors;
	int		 loaded;	/* the tokens have been read */
};

struct option;

/*
 * getopt_long() for the command cmd (shortopts: its short options, as
 * getopt wants them; longopts: its long ones, or NULL).  Returns the next
 * option, or -1 after the last.  -h and --help print the help texts help
 * and more (help.h's ids; HELP_NONE: none) on standard output and exit 0;
 * an unknown option, or one without its value, is one line naming cmd and
 * exit 2.  Set optind to 0 before the first call.
 */
int	setup_options(int argc, char **argv, const char *cmd,
	    const char *shortopts, const struct option *longopts,
	    int help, int more);

/* The line and exit 2 for what getopt_long() returned as c ('?', ':'). */
void	setup_bad_option(const char *cmd, int c, char **argv)
	    __attribute__((noreturn));

/*
 * Logs "slackbot: error: ..." and exits with code.  The one-shot
 * commands and start-up use it; the loop of `run` never does.
 */
void	die(int code, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3), noreturn));

/*
 * Reads both tokens, the signing secret (run --http) and the incoming
 * webhook's URL (post) from the environment, or the files the *_FILE
 * variables name (once: later calls do nothing).  Each token is registered with log_secret() and
 * overwritten in our environment block (so /proc/PID/environ does not
 * show it).  Dies with status 2 on an unusable token (blank, control
 * characters, the wrong kind: an xapp- token as the bot token...).
 */
void	setup_tokens(struct config *);

/*
 * SIGHUP: reads the token files and the signing secret's file again (a
 * value from the environment cannot change) and the trusted roots.  Returns 0 (the new values are
 * in use), or -1 with the reason in err; then the old ones still are.
 */
int	setup_reload(struct config *, char *err, size_t errlen);

/*
 * Reads SLACK_API_URL, the trusted roots and the proxy settings, and
 * prepares api (with the buffers b) for the Web API.  Dies with status 2
 * on a configuration error.
 */
void	setup_network(struct config *, struct api *, const struct api_buf *b);

/*
 * Logs one line on why a call of api failed, naming the variable of a
 * refused token (token: the one the call used), with what to do, and
 * returns the exit status that goes with it (3 for a refused token).
 */
int	setup_report(const struct config *, const struct api *,
	    const char *what, const char *token);

#endif

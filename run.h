/*
 * run.h: `slackbot run`: stay connected to Slack and deliver every event
 * (run.c); and what `slackbot check` shares with it.
 */
#ifndef RUN_H
#define RUN_H

#include "handler.h"
#include "setup.h"

/* run's options, as parsed. */
struct run_opts {
	int		 proto;		/* SLACK_SOCKET or SLACK_RTM (with
					   --http: no socket at all) */
	int		 ping_ms, dead_ms;
	int		 drain_ms;	/* --drain */
	int		 rate;		/* --rate: posts a second per channel */
	int		 reply_ws;	/* --reply-via ws */
	const char	*spill;		/* --spill FILE, or NULL */
	const char	*http;		/* --http [ADDR:]PORT, or NULL */
	const char	*tls_cert;	/* --tls-cert FILE, or NULL */
	const char	*tls_key;	/* --tls-key FILE, or NULL */
	struct handler_opts h;
};

/*
 * Parses run's options (argv[0] is the command's name, cmd; the help text
 * help, then HELP_RUN_OPTIONS, is what --help prints) into o and checks
 * them against the tokens in cfg (read here): the transport they allow,
 * the bot token that answers need.  Dies with status 2 on a mistake,
 * after one line that says which.
 */
void	run_parse(int argc, char **argv, const char *cmd, int help,
	    struct config *cfg, struct run_opts *o);

/*
 * Runs until SIGTERM or SIGINT; returns the exit status: 0, or 1 when
 * standard output went away (print mode) before every event was
 * written.  Exits with status 3 (after one line) when Slack refuses a
 * token, and with 2 on a configuration error.
 */
int	run_main(int argc, char **argv, struct config *cfg);

#endif

/*
 * check.h: `slackbot check`: what `run` would use, checked without
 * staying connected; for an operator setting a router up over SSH.
 */
#ifndef CHECK_H
#define CHECK_H

#include "setup.h"

/*
 * Parses run's options (argv[0] is "check"), checks the tokens, the
 * trusted roots, the proxy, auth.test, the socket URL Slack gives (not
 * used) and the handler command, and prints one line for each on
 * standard output.  Returns 0 when every check passed, else the exit
 * status of the first that failed (setup.h).  Blocks; dies with status 2
 * on a usage or configuration error.
 */
int	check_main(int argc, char **argv, struct config *);

#endif

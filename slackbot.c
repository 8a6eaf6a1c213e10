/*
 * slackbot: a Slack bot in one static binary.  See README.md for what it
 * does and DESIGN in the README for how.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"

static const char usage[] =
"usage: slackbot auth\n"
"       slackbot run [options]\n"
"       slackbot post [-c CHANNEL] [-t THREAD_TS] [TEXT...]\n"
"       slackbot upload -c CHANNEL [-m COMMENT] [-t THREAD_TS] FILE\n"
"       slackbot api METHOD [key=value...]\n"
"       slackbot --help | --version\n";

int
main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("slackbot %s\n", SLACKBOT_VERSION);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	fputs(usage, stderr);
	return 2;
}

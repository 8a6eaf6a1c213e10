/*
 * run.h: `slackbot run`: stay connected and print every event.
 */
#ifndef RUN_H
#define RUN_H

/* Runs until a signal or a refused token; returns the exit status. */
int	cmd_run(int argc, char **argv);

#endif

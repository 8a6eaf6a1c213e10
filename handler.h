/*
 * handler.h: the consumer side of run's FIFO.
 *
 * Three ways to deal with events, one per run:
 *   print  every event as one JSON line on standard output (the default);
 *   exec   for each event the filters let through, run a command through
 *          /bin/sh -c with the event on its standard input and SLACK_*
 *          variables, and post what it prints (--exec, -j, --timeout);
 *   pipe   one long-lived process gets each event as a JSON line and
 *          prints actions, one per line (--pipe).
 * Records are taken from the FIFO in order and leave it only once
 * delivered, so a slow handler leaves them queued (backpressure).  The
 * processes are watched from run's poll() loop: nothing here blocks.
 */
#ifndef HANDLER_H
#define HANDLER_H

#include <poll.h>
#include <stdint.h>

#include "event.h"
#include "queue.h"

enum { H_PRINT, H_EXEC, H_PIPE };

struct handler_opts {
	int		 mode;
	const char	*cmd;		/* exec, pipe: the shell command */
	int		 jobs;		/* exec: handlers at once */
	int		 timeout_ms;	/* exec: then SIGTERM, later SIGKILL */
	int		 reply;		/* REPLY_THREAD, _CHANNEL, _NONE */
	struct filter	 filter;
};

/* Prepares the handler side for records of fifo. */
void	handler_init(const struct handler_opts *, struct queue *fifo);

/*
 * A FIFO record: the event's kind (enum rec_kind, event.h), its delivery
 * state, then its JSON.  Records never move while queued; a delivered
 * record is marked REC_DONE in place, and done records leave from the
 * head.
 */
enum rec_state {
	REC_NEW = 'n',		/* no handler has it yet */
	REC_TAKEN = 't',	/* given to a handler: an --exec child's
				   input, or written into the pipe */
	REC_DONE = 'd'		/* delivered, or wanted by no handler */
};
#define REC_HDR		2	/* kind, state */

/*
 * Or'ed into the kind byte while the JSON may hold a newline (a blank
 * between tokens), which must become a space before the record is
 * written out as one line.
 */
#define REC_NEWLINE	0x80

/*
 * Queues the JSON of one event of that kind (a copy), with REC_NEWLINE
 * or'ed in unless the JSON is known to hold no newline.  Returns 0,
 * QUEUE_EFULL (no room now: try again later) or QUEUE_ETOOBIG (never).
 */
int	handler_push(int kind, const char *json, size_t n);

/*
 * Takes back the event the last handler_push() queued, when nothing was
 * taken from the queue since.  Returns 0, or QUEUE_EEMPTY.
 */
int	handler_unpush(void);

/*
 * Adds the descriptors to wait for to pfd (at most max), lowers *wake to
 * the next deadline, and returns how many were added.
 */
int	handler_poll(struct pollfd *pfd, int max, int64_t *wake);

/*
 * Moves everything along: takes records from the FIFO, feeds and reads
 * the processes, reaps those that ended, applies timeouts.  Returns 0, or
 * -1 when standard output is gone (print mode: nothing more can be
 * delivered).
 */
int	handler_io(const struct pollfd *pfd, int n, int64_t now);

/* A child has ended (SIGCHLD): the next handler_io() reaps it. */
void	handler_sigchld(void);

/*
 * Stopping, in three steps.  handler_drain(): the sockets are closed; go
 * on delivering what the FIFO holds (a pipe handler gets the end of its
 * input once it has read everything).  handler_stop(now): the drain time
 * is over; take nothing more, SIGTERM to every process still running,
 * SIGKILL to its group a second later (in handler_io()).  handler_kill():
 * SIGKILL to every process group of ours now: none outlives slackbot.
 */
void	handler_drain(void);
void	handler_stop(int64_t now);
void	handler_kill(void);

/*
 * Writes each event still in the FIFO that no handler has (print: not
 * written out; exec: no handler started for it; pipe: not read by the
 * handler), one JSON line each, to fd, after a line in the log that
 * counts them and names where they went (name; NULL: standard error).
 * They leave the FIFO.  Returns how many there were.
 */
size_t	handler_spill(int fd, const char *name);

/* 1 when nothing is running or being written any more. */
int	handler_idle(void);

#endif

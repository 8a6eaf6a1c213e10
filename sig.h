/*
 * sig.h: signals as events of a poll() loop.
 *
 * sig_init() catches SIGTERM, SIGINT, SIGHUP and SIGCHLD; each one that
 * arrives is written to a self-pipe, so that whatever waits in poll()
 * with sig_fd() among its descriptors wakes up.  The handler does nothing
 * else.  Blocking helpers (api_call(), api_close()) poll sig_fd() too and
 * give up once sig_stopping() is true: a stop takes effect at once, from
 * any point.  Before sig_init() (the one-shot commands) signals keep
 * their default actions and sig_fd() is -1.
 */
#ifndef SIG_H
#define SIG_H

enum {
	SIG_STOP = 0x1,		/* SIGTERM or SIGINT */
	SIG_HUP = 0x2,
	SIG_CHILD = 0x4
};

/*
 * Installs the handlers and the pipe.  A SIGHUP that was ignored when we
 * started (nohup) stays ignored.  Returns 0, or -1 (errno set).
 */
int	sig_init(void);

/* The read end of the self-pipe, or -1. */
int	sig_fd(void);

/* 1 once SIGTERM or SIGINT has arrived. */
int	sig_stopping(void);

/*
 * Empties the pipe (one read) and returns the SIG_* of what arrived since
 * the last call.
 */
unsigned sig_take(void);

#endif

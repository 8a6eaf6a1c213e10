/*
 * sig.c: see sig.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "sig.h"

static int			 pfd[2] = { -1, -1 };
static volatile sig_atomic_t	 stopping;

static void
on_signal(int sig)
{
	int e = errno;
	unsigned char c = (unsigned char)sig;

	if (sig == SIGTERM || sig == SIGINT)
		stopping = 1;
	(void)!write(pfd[1], &c, 1);
	errno = e;
}

/* see sig.h */
int
sig_init(void)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGCHLD };
	struct sigaction sa, old;
	size_t i;

	if (pfd[0] >= 0)
		return 0;
	if (pipe(pfd) < 0)
		return -1;
	for (i = 0; i < 2; i++) {
		fcntl(pfd[i], F_SETFL, O_NONBLOCK);
		fcntl(pfd[i], F_SETFD, FD_CLOEXEC);
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		if (sigs[i] == SIGHUP && sigaction(SIGHUP, NULL, &old) == 0 &&
		    old.sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
	}
	return 0;
}

/* see sig.h */
int
sig_fd(void)
{
	return pfd[0];
}

/* see sig.h */
int
sig_stopping(void)
{
	return stopping;
}

/* see sig.h */
unsigned
sig_take(void)
{
	unsigned char buf[64];
	unsigned got = stopping ? SIG_STOP : 0;
	ssize_t n;

	if (pfd[0] < 0 || (n = read(pfd[0], buf, sizeof buf)) <= 0)
		return got;
	while (n-- > 0)
		switch (buf[n]) {
		case SIGHUP:
			got |= SIG_HUP;
			break;
		case SIGCHLD:
			got |= SIG_CHILD;
			break;
		}
	return got;
}

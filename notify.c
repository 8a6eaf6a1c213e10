/*
 * notify.c: see notify.h.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"
#include "util.h"

static struct {
	int			fd;		/* -1: not notifying */
	struct sockaddr_un	addr;
	socklen_t		addrlen;
	int			ready;		/* READY=1 sent */
	int64_t			dog_ms;		/* ping period; 0: no watchdog */
	int64_t			dog_next;	/* when the next ping is due */
} nt = { .fd = -1 };

/* Sets up the address from NOTIFY_SOCKET; -1 when it is unusable. */
static int
address(const char *name)
{
	size_t n = strlen(name);

	memset(&nt.addr, 0, sizeof nt.addr);
	nt.addr.sun_family = AF_UNIX;
	if (n < 2 || n >= sizeof nt.addr.sun_path ||
	    (name[0] != '/' && name[0] != '@'))
		return -1;
	memcpy(nt.addr.sun_path, name, n);
	if (name[0] == '@')		/* abstract: a leading NUL, no end */
		nt.addr.sun_path[0] = '\0';
	nt.addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
	    (name[0] == '/'));
	return 0;
}

/* see notify.h */
void
notify_init(void)
{
	const char *sock = getenv("NOTIFY_SOCKET");
	const char *usec = getenv("WATCHDOG_USEC");
	const char *pid = getenv("WATCHDOG_PID");
	uint64_t us = 0, p = 0;

	if (sock != NULL && *sock != '\0') {
		if (address(sock) < 0)
			log_msg(LOG_WARN, "NOTIFY_SOCKET=%s: not an absolute "
			    "path or @name; not notifying the service manager",
			    sock);
		else if ((nt.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC,
		    0)) < 0)
			log_msg(LOG_WARN, "NOTIFY_SOCKET: socket: %s; not "
			    "notifying the service manager", strerror(errno));
	}
	/* The watchdog is ours unless WATCHDOG_PID names another process. */
	if (nt.fd >= 0 && usec != NULL && parse_u64(usec, strlen(usec),
	    UINT32_MAX * 1000ULL, &us) == 0 && us >= 2000 &&
	    (pid == NULL || (parse_u64(pid, strlen(pid), INT32_MAX, &p) == 0 &&
	    p == (uint64_t)getpid()))) {
		nt.dog_ms = (int64_t)(us / 2000);
		nt.dog_next = now_ms();
	}
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

static void
send_text(const char *text, size_t n)
{
	if (sendto(nt.fd, text, n, MSG_NOSIGNAL | MSG_DONTWAIT,
	    (const struct sockaddr *)&nt.addr, nt.addrlen) < 0)
		log_msg(LOG_DEBUG, "NOTIFY_SOCKET: %s", strerror(errno));
}

/*
 * Sends head, then "STATUS=" and the formatted text: on one line (the
 * protocol separates assignments with newlines) and with secrets masked,
 * as in the log.
 */
static void send_status(const char *, const char *, va_list)
    __attribute__((format(printf, 2, 0)));

static void
send_status(const char *head, const char *fmt, va_list ap)
{
	char text[400], buf[512];
	size_t n;
	char *p;
	int k;

	if (vsnprintf(text, sizeof text, fmt, ap) < 0)
		return;
	n = log_redact(text, strlen(text));
	text[n] = '\0';
	for (p = text; (p = strchr(p, '\n')) != NULL; p++)
		*p = ' ';
	k = snprintf(buf, sizeof buf, "%sSTATUS=%s", head, text);
	if (k > 0)
		send_text(buf, (size_t)k < sizeof buf ? (size_t)k :
		    sizeof buf - 1);
}

/* see notify.h */
void
notify_ready(const char *fmt, ...)
{
	va_list ap;

	if (nt.fd < 0)
		return;
	va_start(ap, fmt);
	send_status(nt.ready ? "" : "READY=1\n", fmt, ap);
	va_end(ap);
	nt.ready = 1;
}

/* see notify.h */
void
notify_status(const char *fmt, ...)
{
	va_list ap;

	if (nt.fd < 0)
		return;
	va_start(ap, fmt);
	send_status("", fmt, ap);
	va_end(ap);
}

/* see notify.h */
void
notify_stopping(void)
{
	if (nt.fd >= 0)
		send_text("STOPPING=1", 10);
}

/* see notify.h */
void
notify_watchdog(int64_t now, int64_t *wake)
{
	if (nt.fd < 0 || nt.dog_ms == 0)
		return;
	if (now >= nt.dog_next) {
		send_text("WATCHDOG=1", 10);
		nt.dog_next = now + nt.dog_ms;
	}
	if (nt.dog_next < *wake)
		*wake = nt.dog_next;
}

/*
 * notify.h: telling the service manager how slackbot is doing, in
 * systemd's notification protocol (sd_notify(3)): one datagram of
 * "KEY=value" lines to the AF_UNIX socket that NOTIFY_SOCKET names (a
 * path, or "@name" for the abstract namespace).  Type=notify units then
 * know when the bot is connected (READY=1), what it is doing (STATUS=)
 * and that its loop still turns (WATCHDOG=1, when WatchdogSec= is set).
 *
 * Without NOTIFY_SOCKET every call does nothing.  No allocation; a
 * datagram that cannot be sent is dropped (the service manager is not
 * worth stopping for).
 */
#ifndef NOTIFY_H
#define NOTIFY_H

#include <stdint.h>

/*
 * Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID, then removes them
 * from the environment so that handlers do not inherit them.  Call once,
 * before anything else here.
 */
void	notify_init(void);

/*
 * Connected: the first call sends READY=1 with the STATUS= line, later
 * ones (reconnections) the STATUS= line only.
 */
void	notify_ready(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A STATUS= line: what slackbot is doing or waiting for. */
void	notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* STOPPING=1: the bot is shutting down. */
void	notify_stopping(void);

/*
 * With a watchdog (WATCHDOG_USEC, for this process): sends WATCHDOG=1
 * when half the interval has passed since the last one, and lowers *wake
 * (milliseconds, now_ms()'s clock) to when the next one is due.  Call from
 * every turn of the loop, so that a loop that stops turning stops the
 * pings and gets the service restarted.
 */
void	notify_watchdog(int64_t now, int64_t *wake);

#endif

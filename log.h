/*
 * log.h: one-line messages on stderr, with every secret masked.
 *
 * Each message is formatted into a fixed buffer, passed through
 * log_redact() and written with a single write(2).  Redaction happens here,
 * at the one place where text leaves the process for the log, so that no
 * caller can forget it.
 */
#ifndef LOG_H
#define LOG_H

#include <stddef.h>
#include <stdint.h>

enum { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG, LOG_TRACE };

/* Messages above this level are dropped; LOG_INFO unless -q or -v. */
extern int	log_level;

/* Whether a message of level is written: spares a call on hot paths. */
#define log_on(level)	((level) <= log_level)

/*
 * --log-time: each line starts with the time, "2026-12-05T09:41:07Z ".
 * Off by default: journald, procd's logd, Docker and svlogd stamp lines
 * themselves.
 */
extern int	log_time;

/*
 * Formats one line (at most LOG_LINE_MAX bytes; longer is cut, secrets
 * and all), masks the secrets in it and writes it to standard error with
 * one write(2).  Never blocks for long (a full pipe of stderr aside).
 */
void	log_msg(int level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * Errors, warnings and notices of one kind (one format string) beyond 10
 * in 10 s are counted, not written; the count follows with an example once the 10 s are over.
 * log_tick() writes the counts that are due; the loop calls it.
 */
void	log_tick(int64_t now);

/* Writes every count not yet written (before exiting). */
void	log_flush(void);

/*
 * Registers a secret (a token read from a file or the environment) to be
 * masked wherever it appears, whatever it looks like.  The string must
 * outlive every later log call.  Up to 8 secrets.
 */
void	log_secret(const char *s);

/*
 * Masks secrets in s[0..n) in place and returns the new length (never
 * longer), after undoing JSON's \u00XX escapes of printable ASCII: Slack
 * tokens (xoxb-, xoxp-, xapp-, ...), the values of
 * Authorization and Proxy-Authorization headers, passwords in URLs
 * (scheme://user:pass@), WebSocket ticket parameters and registered
 * secrets.  Each is replaced by its prefix and "***".
 */
size_t	log_redact(char *s, size_t n);

#endif

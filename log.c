/*
 * log.c: see log.h.
 *
 * log_redact() works in place in two passes, registered secrets first and
 * then the patterns, so that no pattern run (a token, a ticket, a Bearer
 * value) can swallow the start of a secret and leave its end in clear.
 * In each pass i reads, o writes, and o <= i always holds because a masked
 * run is replaced by at most as many characters ("***", or fewer stars for
 * a shorter run).
 *
 * The pattern pass is repeated until it changes nothing, so that redacting
 * twice gives what redacting once gave: the rules stop at different
 * characters, and masking for one rule can remove the character that
 * stopped another ("://ticket=a/b&x@h": the '/' ends the URL's userinfo
 * scan until the ticket is masked).  Each pass that changes something
 * either shortens the text or turns a character into '*', so this ends;
 * real lines take two passes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "util.h"

#define LOG_CUT	200	/* see log_msg() */

int	log_level = LOG_INFO;
int	log_time;

/*
 * With log_time, "2026-12-05T09:41:07Z " into buf (when not NULL);
 * returns its length (0 without log_time).
 */
static int
stamp(char *buf, size_t len)
{
	struct tm tm;
	time_t t;

	if (!log_time)
		return 0;
	if (buf == NULL)
		return 21;
	t = time(NULL);
	if (gmtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02dZ ", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	return 21;
}

static const char	*secrets[8];

/* see log.h */
void
log_secret(const char *s)
{
	size_t i;

	if (s == NULL || *s == '\0')
		return;
	for (i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
		if (secrets[i] == NULL) {
			secrets[i] = s;
			return;
		}
}

static int
tokchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

/* Length of the run at s[0..n) that ends at a character in stop. */
static size_t
run(const char *s, size_t n, const char *stop)
{
	size_t k;

	for (k = 0; k < n && strchr(stop, s[k]) == NULL; k++)
		;
	return k;
}

/* Length of the secret prefix that starts s, given what may follow. */
static size_t
secret_at(const char *s, size_t n, size_t *pfx)
{
	size_t i, len;

	*pfx = 0;
	for (i = 0; i < sizeof secrets / sizeof secrets[0]; i++) {
		if (secrets[i] == NULL)
			break;
		len = strlen(secrets[i]);
		if (len <= n && memcmp(s, secrets[i], len) == 0)
			return len;
		/* A line cut short must not show the start of a secret. */
		if (len > n && n >= 4 && memcmp(s, secrets[i], n) == 0)
			return n;
	}
	return 0;
}

/*
 * At s[0..n): how many characters to keep (pfx) and how many after them
 * to mask (the return value); 0 when nothing secret starts here.
 */
static size_t
match(const char *s, size_t n, size_t *pfx)
{
	size_t k;

	*pfx = 0;
	/* A token has a letter or digit after its prefix ("xoxb-..." is
	 * text about tokens, not one). */
	if (n > 5 && memcmp(s, "xox", 3) == 0 && s[3] >= 'a' && s[3] <= 'z' &&
	    s[4] == '-' && tokchar(s[5]) && s[5] != '.') {
		*pfx = 5;
		goto token;
	}
	if (n > 5 && memcmp(s, "xapp-", 5) == 0 && tokchar(s[5]) &&
	    s[5] != '.') {
		*pfx = 5;
		goto token;
	}
	if (n > 14 && strncasecmp(s, "authorization:", 14) == 0) {
		for (*pfx = 14; *pfx < n && s[*pfx] == ' '; (*pfx)++)
			;
		return run(s + *pfx, n - *pfx, "\r\n\"");
	}
	if (n > 7 && strncasecmp(s, "bearer ", 7) == 0) {
		*pfx = 7;
		goto token;
	}
	if (n > 7 && memcmp(s, "ticket=", 7) == 0) {
		*pfx = 7;
		return run(s + 7, n - 7, "&# \t\r\n\"'\\");
	}
	if (n > 3 && memcmp(s, "://", 3) == 0) {
		/* userinfo: everything up to '@' before the host ends */
		k = run(s + 3, n - 3, "@/?# \t\r\n\"'");
		if (3 + k < n && s[3 + k] == '@' && k > 0) {
			*pfx = 3;
			return k;
		}
	}
	return 0;
token:
	for (k = *pfx; k < n && tokchar(s[k]); k++)
		;
	return k - *pfx;
}

/*
 * One pass of one matcher over s[0..n); returns the new length and sets
 * *changed when the text is not as it was.
 */
static size_t
mask(char *s, size_t n, size_t (*matcher)(const char *, size_t, size_t *),
    int *changed)
{
	size_t i = 0, o = 0, pfx, len, stars, k;

	while (i < n) {
		if ((len = matcher(s + i, n - i, &pfx)) == 0) {
			s[o++] = s[i++];
			continue;
		}
		memmove(s + o, s + i, pfx);
		o += pfx;
		i += pfx;
		stars = len < 3 ? len : 3;
		/* the same only if the run already was those stars */
		if (len > stars)
			*changed = 1;
		for (k = 0; k < len; k++)
			if (s[i + k] != '*')
				*changed = 1;
		memset(s + o, '*', stars);
		o += stars;
		i += len;
	}
	return o;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Undoes JSON's \u00XX escapes of printable ASCII, so that a token
 * written "\u0078oxb-..." (a server may escape any character) is seen
 * as the token it is.  Quotes and backslashes stay escaped, and "\\"
 * is kept as a pair, so the text still reads as the JSON it was.
 */
static size_t
unescape_ascii(char *s, size_t n)
{
	size_t i = 0, o = 0;
	int c;

	while (i < n) {
		if (s[i] == '\\' && i + 1 < n && s[i + 1] == '\\') {
			s[o++] = s[i++];
			s[o++] = s[i++];
			continue;
		}
		if (s[i] == '\\' && i + 5 < n && s[i + 1] == 'u' &&
		    s[i + 2] == '0' && s[i + 3] == '0' && hexval(s[i + 4]) >= 0 &&
		    hexval(s[i + 5]) >= 0 && (c = hexval(s[i + 4]) * 16 +
		    hexval(s[i + 5])) > ' ' && c < 0x7f && c != '"' &&
		    c != '\\') {
			s[o++] = (char)c;
			i += 6;
			continue;
		}
		s[o++] = s[i++];
	}
	return o;
}

/* see log.h */
size_t
log_redact(char *s, size_t n)
{
	int changed = 0;

	n = unescape_ascii(s, n);
	n = mask(s, n, secret_at, &changed);
	do {
		changed = 0;
		n = mask(s, n, match, &changed);
	} while (changed);
	return n;
}

/*
 * Rate limiting.  Errors, warnings and notices (not the lines -v and -vv
 * add) are counted per format string: LOG_BURST of one kind per
 * LOG_WINDOW_MS are written, the rest only counted, and the
 * count is written with the last of them once the window is over (at the
 * next line of that kind, or at log_tick()).  A flood from a handler or a
 * server thus costs a few lines, not one per event.
 */
#define LOG_BURST	10
#define LOG_WINDOW_MS	10000
#define LOG_KINDS	8
#define LOG_EXAMPLE	160

static struct kind {
	uintptr_t	 key;		/* 0: free slot */
	int64_t		 start;		/* the window began */
	unsigned	 n;		/* lines in the window */
	unsigned long	 dropped;	/* of them, not written */
	int		 level;
	char		 example[LOG_EXAMPLE];	/* the last one dropped */
} kinds[LOG_KINDS];

static void
emit(char *line, size_t n)
{
	size_t r;

	/* Keep it one line, whatever the message held. */
	for (r = 0; r < n; r++)
		if (line[r] == '\n' || line[r] == '\r')
			line[r] = ' ';
	line[n++] = '\n';
	(void)!write(2, line, n);
}

/* Writes how many lines of kind k were dropped, and starts anew. */
static void
summary(struct kind *k, int64_t now)
{
	char line[LOG_LINE_MAX];
	int64_t secs;
	int r;

	if (k->dropped > 0) {
		secs = (now - k->start + 999) / 1000;
		r = stamp(line, sizeof line);
		r += snprintf(line + r, sizeof line - (size_t)r, "slackbot: %s"
		    "%lu more line%s "
		    "like this in %d s: %s", k->level <= LOG_WARN ?
		    "warning: " : "", k->dropped, k->dropped == 1 ? "" : "s",
		    secs > 1 ? (int)secs : 1, k->example);
		emit(line, (size_t)r < sizeof line - 1 ? (size_t)r :
		    sizeof line - 1);
	}
	k->start = now;
	k->n = 0;
	k->dropped = 0;
}

/* The kind of a line: its format, or for a bare "%s" its first words. */
static uintptr_t
kind_key(const char *fmt, const char *text)
{
	uintptr_t key = (uintptr_t)fmt;

	if (text != NULL)
		key ^= (uintptr_t)fnv1a(FNV_START, text, strnlen(text, 32));
	return key | 1;
}

/*
 * A line of kind key is due: 1 when it may be written now, else 0 (it is
 * counted; text, when given, is kept as the example of what was not
 * written).  With text NULL nothing is counted unless the kind is already
 * being held back: a cheap look before the line is formatted.
 */
static int
admit(uintptr_t key, int level, int64_t now, const char *text)
{
	struct kind *k = NULL, *old = &kinds[0];
	size_t i;

	for (i = 0; i < LOG_KINDS && k == NULL; i++) {
		if (kinds[i].key == key)
			k = &kinds[i];
		else if (kinds[i].start < old->start || kinds[i].key == 0)
			old = &kinds[i];
	}
	if (text == NULL) {
		/* The first line held back is formatted: it is the example. */
		if (k == NULL || k->n < LOG_BURST || k->dropped == 0 ||
		    now - k->start >= LOG_WINDOW_MS)
			return 1;
		k->dropped++;
		return 0;
	}
	if (k == NULL) {
		k = old;
		if (k->key != 0)
			summary(k, now);
		k->key = key;
		k->start = now;
		k->n = 0;
	} else if (now - k->start >= LOG_WINDOW_MS)
		summary(k, now);
	k->level = level;
	if (++k->n <= LOG_BURST)
		return 1;
	k->dropped++;
	snprintf(k->example, sizeof k->example, "%s", text);
	return 0;
}

/* see log.h */
void
log_tick(int64_t now)
{
	size_t i;

	for (i = 0; i < LOG_KINDS; i++)
		if (kinds[i].dropped > 0 && now - kinds[i].start >=
		    LOG_WINDOW_MS)
			summary(&kinds[i], now);
}

/* see log.h */
void
log_flush(void)
{
	size_t i;

	for (i = 0; i < LOG_KINDS; i++)
		if (kinds[i].dropped > 0)
			summary(&kinds[i], now_ms());
}

/* see log.h */
void
log_msg(int level, const char *fmt, ...)
{
	static const char *const tag[] = {
		"error: ", "warning: ", "", "", ""
	};
	char line[LOG_LINE_MAX];
	va_list ap;
	size_t n, k;
	int64_t now;
	int r, limit, bare;

	if (level > log_level || level < LOG_ERR)
		return;
	bare = strcmp(fmt, "%s") == 0;
	now = now_ms();
	/* -v and -vv ask for every line: only the default levels are cut. */
	limit = level <= LOG_INFO;
	if (limit && !bare && !admit(kind_key(fmt, NULL), level, now, NULL))
		return;
	r = stamp(line, sizeof line);
	r += snprintf(line + r, sizeof line - (size_t)r, "slackbot: %s",
	    tag[level]);
	va_start(ap, fmt);
	r += vsnprintf(line + r, sizeof line - (size_t)r, fmt, ap);
	va_end(ap);
	n = (size_t)r < sizeof line - 1 ? (size_t)r : sizeof line - 1;
	n = log_redact(line, n);
	/*
	 * A line cut short could end inside a secret that no rule can
	 * recognise any more (a URL's password): drop its last word, or its
	 * last LOG_CUT bytes when that word is longer.
	 */
	if ((size_t)r > sizeof line - 1 && n > LOG_CUT + 5) {
		k = n - 5;
		while (k > n - 5 - LOG_CUT && line[k - 1] != ' ')
			k--;
		memcpy(line + k, "[...]", 5);
		n = k + 5;
	}
	line[n] = '\0';
	k = (size_t)stamp(NULL, 0) + strlen("slackbot: ") + strlen(tag[level]);
	if (limit && !admit(kind_key(fmt, bare ? line + k : NULL), level, now,
	    line + k))
		return;
	emit(line, n);
}

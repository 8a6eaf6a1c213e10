/*
 * check.c: see check.h.
 */
#include <sys/stat.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "check.h"
#include "log.h"
#include "run.h"
#include "slack.h"
#include "tlsd.h"

static struct api	 api;
static unsigned char	 api_tls[BR_SSL_BUFSIZE_MONO];
static unsigned char	 api_out[4096];
static char		 api_body[16384];
static struct json_tok	 api_tok[512];

static int	 status;	/* of the first check that failed */

/* One check's line; a failure's status is kept if it is the first. */
static void
line(int code, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
line(int code, const char *what, const char *fmt, ...)
{
	va_list ap;

	printf("%-6s%s: ", code == EXIT_OK ? "ok" : "FAIL", what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (code != EXIT_OK && status == EXIT_OK)
		status = code;
}

/* A string member of the last answer into buf, or "?". */
static const char *
field(const char *key, char *buf, size_t len)
{
	int i = api_field(&api, key);

	if (i < 0 || json_unescape(api.body, &api.tok[i], buf, len,
	    NULL) < 0)
		snprintf(buf, len, "?");
	return buf;
}

/* One call; its line; 1 when it worked. */
static int
call(const struct config *cfg, const char *method, const char *token)
{
	struct api_call k = { method, token, API_NORETRY, "", 0, -1, NULL };
	char a[128], b[128], c[128], d[128];

	if (api_call(&api, &k) != API_OK) {
		if (api.result == API_FATAL)
			line(EXIT_AUTH, method, "Slack refused %s: %s", token ==
			    cfg->app.value ? cfg->app.var : cfg->bot.var,
			    api.error);
		else
			line(EXIT_FAIL, method, "%s", api.error);
		return 0;
	}
	if (strcmp(method, "auth.test") == 0)
		line(EXIT_OK, method, "%s (%s) in %s (%s)", field("user", a,
		    sizeof a), field("user_id", b, sizeof b), field("team", c,
		    sizeof c), field("team_id", d, sizeof d));
	else
		line(EXIT_OK, method, "Slack gave a WebSocket URL (not used)");
	return 1;
}

/* Is name an executable regular file? */
static int
executable(const char *name)
{
	struct stat st;

	return stat(name, &st) == 0 && S_ISREG(st.st_mode) &&
	    access(name, X_OK) == 0;
}

/* Where the shell would find word (PATH), into buf; NULL: nowhere. */
static const char *
which(const char *word, size_t n, char *buf, size_t len)
{
	const char *path = getenv("PATH"), *p, *end;

	if (memchr(word, '/', n) != NULL) {
		snprintf(buf, len, "%.*s", (int)n, word);
		return executable(buf) ? buf : NULL;
	}
	if (path == NULL || *path == '\0')
		path = "/usr/bin:/bin";
	for (p = path; ; p = end + 1) {
		if ((end = strchr(p, ':')) == NULL)
			end = p + strlen(p);
		snprintf(buf, len, "%.*s/%.*s", (int)(end - p) > 0 ?
		    (int)(end - p) : 1, end > p ? p : ".", (int)n, word);
		if (executable(buf))
			return buf;
		if (*end == '\0')
			return NULL;
	}
}

/*
 * The handler: /bin/sh, and the program its command starts with (after
 * "exec", "command" and VAR=value words).  A command that starts with a
 * shell keyword or builtin is a shell script: only the shell is checked.
 */
static void
handler(const struct handler_opts *h)
{
	static const char *const shell_words[] = {
		"if", "while", "until", "for", "case", "{", "(", "!", ".",
		":", "true", "false", "echo", "printf", "read", "cd", "test",
		"[", "set", "trap", "eval", "export", "umask", "ulimit",
	};
	const char *what = h->mode == H_EXEC ? "--exec" : "--pipe";
	const char *p = h->cmd, *w;
	char buf[4096];
	size_t n, i;

	if (!executable("/bin/sh")) {
		line(EXIT_CONFIG, "handler", "/bin/sh is missing: %s runs its "
		    "command through it", what);
		return;
	}
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		for (n = 0; p[n] != '\0' && p[n] != ' ' && p[n] != '\t' &&
		    p[n] != ';' && p[n] != '|' && p[n] != '&'; n++)
			;
		if ((n == 4 && memcmp(p, "exec", 4) == 0) || (n == 7 &&
		    memcmp(p, "command", 7) == 0) || (n > 0 &&
		    memchr(p, '=', n) != NULL && memchr(p, '/', n) == NULL)) {
			p += n;
			continue;
		}
		break;
	}
	if (n == 0) {
		line(EXIT_CONFIG, "handler", "%s has no command", what);
		return;
	}
	for (i = 0; i < sizeof shell_words / sizeof shell_words[0]; i++)
		if (strlen(shell_words[i]) == n && memcmp(p, shell_words[i],
		    n) == 0) {
			line(EXIT_OK, "handler", "a shell command line; /bin/sh "
			    "is there to run it");
			return;
		}
	if ((w = which(p, n, buf, sizeof buf)) == NULL)
		line(EXIT_CONFIG, "handler", "%.*s: %s", (int)n, p,
		    memchr(p, '/', n) != NULL ? "not an executable file" :
		    "not found in PATH (the handler's PATH is slackbot's)");
	else
		line(EXIT_OK, "handler", "%s is executable", w);
}

/* --http: the signing secret, where to listen, the certificate. */
static void
http_checks(const struct config *cfg, const struct run_opts *o)
{
	char what[200], warn[320], err[400];

	line(EXIT_OK, "signing secret", "from %s", cfg->signing.var);
	line(EXIT_OK, "listen", "%s (--http; not opened here)", o->http);
	if (o->tls_cert == NULL)
		return;
	if (tlsd_load(o->tls_cert, o->tls_key, what, sizeof what, warn,
	    sizeof warn, err, sizeof err) < 0)
		line(EXIT_CONFIG, "certificate", "%s", err);
	else if (warn[0] != '\0')
		line(EXIT_CONFIG, "certificate", "%s", warn);
	else
		line(EXIT_OK, "certificate", "%s", what);
}

/* see check.h */
int
check_main(int argc, char **argv, struct config *cfg)
{
	struct api_buf b = API_BUF(api_tls, api_out, api_body, api_tok);
	struct run_opts o;
	const struct proxy *px;
	char host[256];
	struct url u;

	run_parse(argc, argv, "check", HELP_CHECK, cfg, &o);
	line(EXIT_OK, "tokens", "%s%s%s%s%s; %s", cfg->bot.value ?
	    cfg->bot.var : "", cfg->bot.value ? " (xoxb-...)" : "",
	    cfg->bot.value && cfg->app.value ? ", " : "", cfg->app.value ?
	    cfg->app.var : "", cfg->app.value ? " (xapp-...)" : "",
	    o.http != NULL ? "HTTP (requests from Slack)" :
	    o.proto == SLACK_SOCKET ? "Socket Mode" : "RTM");
	if (o.http != NULL)
		http_checks(cfg, &o);
	setup_network(cfg, &api, &b);
	line(EXIT_OK, "trusted roots", "%s", cfg->anchors);
	snprintf(host, sizeof host, "slack.com");
	if (http_url_parse(&u, cfg->api_url, strlen(cfg->api_url)) == 0 &&
	    u.hostlen < sizeof host)
		snprintf(host, sizeof host, "%.*s", (int)u.hostlen, u.host);
	if ((px = conn_proxy_for(&cfg->proxy, host)) != NULL)
		line(EXIT_OK, "proxy", "%.*s:%u for %s", (int)px->u.hostlen,
		    px->u.host, px->u.port, host);
	else
		line(EXIT_OK, "proxy", "none for %s%s", host,
		    cfg->proxy.u.host != NULL ? " (NO_PROXY)" : "");
	if (cfg->bot.value != NULL)
		call(cfg, "auth.test", cfg->bot.value);
	if (o.http == NULL && o.proto == SLACK_SOCKET)
		call(cfg, "apps.connections.open", cfg->app.value);
	else if (o.http == NULL)
		call(cfg, "rtm.connect", cfg->bot.value);
	if (o.h.mode != H_PRINT)
		handler(&o.h);
	api_close(&api);
	return status;
}

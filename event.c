/*
 * event.c: see event.h.
 *
 * Fields are kept as views of the raw JSON string bodies and undone only
 * when they are needed as text (event_env(), event_reply()), so judging
 * an event costs one shallow tokenization and a few comparisons.
 */
#include <string.h>

#include "event.h"

/* A string member key of object obj as a view; empty when absent. */
static void
field(const char *js, const struct json_tok *tok, int obj, const char *key,
    struct ev_str *out)
{
	int i = obj >= 0 ? json_find(js, tok, obj, key) : -1;

	if (i >= 0 && tok[i].type == JSON_STRING) {
		out->p = js + tok[i].start;
		out->n = tok[i].len;
	} else {
		out->p = "";
		out->n = 0;
	}
}

/* The object member key of obj, or -1. */
static int
object(const char *js, const struct json_tok *tok, int obj, const char *key)
{
	int i = json_find(js, tok, obj, key);

	return i >= 0 && tok[i].type == JSON_OBJECT ? i : -1;
}

static int
is(const struct ev_str *s, const char *lit)
{
	size_t n = strlen(lit);

	return s->n == n && memcmp(s->p, lit, n) == 0;
}

static int
same(const struct ev_str *s, const char *c)
{
	return c != NULL && *c != '\0' && is(s, c);
}

/* see event.h */
int
event_read(int kind, const char *js, size_t len, struct json_tok *tok,
    size_t ntok, struct event *ev)
{
	int n, o;

	memset(ev, 0, sizeof *ev);
	if ((n = json_parse(js, len, tok, ntok, 2, NULL)) < 1 ||
	    tok[0].type != JSON_OBJECT)
		return -1;
	ev->json = js + tok[0].start;
	ev->len = tok[0].len;
	switch (kind) {
	case REC_SLASH:
		ev->kind = EV_SLASH;
		ev->type.p = "slash_command";
		ev->type.n = 13;
		field(js, tok, 0, "channel_id", &ev->channel);
		field(js, tok, 0, "user_id", &ev->user);
		field(js, tok, 0, "text", &ev->text);
		field(js, tok, 0, "command", &ev->command);
		field(js, tok, 0, "team_id", &ev->team);
		field(js, tok, 0, "response_url", &ev->response_url);
		break;
	case REC_INTERACTIVE:
		ev->kind = EV_INTERACTIVE;
		field(js, tok, 0, "type", &ev->type);
		field(js, tok, object(js, tok, 0, "user"), "id", &ev->user);
		field(js, tok, object(js, tok, 0, "channel"), "id",
		    &ev->channel);
		field(js, tok, object(js, tok, 0, "team"), "id", &ev->team);
		field(js, tok, 0, "response_url", &ev->response_url);
		if ((o = object(js, tok, 0, "message")) >= 0) {
			field(js, tok, o, "ts", &ev->ts);
			field(js, tok, o, "thread_ts", &ev->thread_ts);
		}
		break;
	default:
		field(js, tok, 0, "type", &ev->type);
		ev->kind = is(&ev->type, "message") ? EV_MESSAGE :
		    is(&ev->type, "app_mention") ? EV_MENTION : EV_OTHER;
		field(js, tok, 0, "subtype", &ev->subtype);
		field(js, tok, 0, "channel", &ev->channel);
		field(js, tok, 0, "channel_type", &ev->channel_type);
		field(js, tok, 0, "team", &ev->team);
		if ((n = json_find(js, tok, 0, "hidden")) >= 0)
			json_bool(&tok[n], &ev->hidden);
		o = 0;
		/* An edit: who and what are in the new message. */
		if (is(&ev->subtype, "message_changed") &&
		    (o = object(js, tok, 0, "message")) >= 0)
			ev->edit = 1;
		else
			o = 0;
		field(js, tok, o, "user", &ev->user);
		field(js, tok, o, "bot_id", &ev->bot_id);
		field(js, tok, o, "text", &ev->text);
		field(js, tok, o, "ts", &ev->ts);
		field(js, tok, o, "thread_ts", &ev->thread_ts);
		break;
	}
	return 0;
}

/* Is user in the comma-separated list? */
static int
allowed(const struct ev_str *user, const char *list)
{
	const char *e, *comma;
	size_t n;

	for (e = list; *e != '\0'; e = comma + 1) {
		while (*e == ' ')
			e++;
		if ((comma = strchr(e, ',')) == NULL)
			comma = e + strlen(e);
		n = (size_t)(comma - e);
		while (n > 0 && e[n - 1] == ' ')
			n--;
		if (n > 0 && n == user->n && memcmp(e, user->p, n) == 0)
			return 1;
		if (*comma == '\0')
			break;
	}
	return 0;
}

static int
direct(const struct event *ev)
{
	return is(&ev->channel_type, "im") || (ev->channel.n > 0 &&
	    ev->channel.p[0] == 'D');
}

/* Does the text mention the bot: <@U123> or <@U123|name>? */
static int
mentions(const struct event *ev, const char *self)
{
	size_t n = self != NULL ? strlen(self) : 0, i;
	const char *t = ev->text.p;

	if (n == 0)
		return 0;
	for (i = 0; i + n + 3 <= ev->text.n; i++)
		if (t[i] == '<' && t[i + 1] == '@' &&
		    memcmp(t + i + 2, self, n) == 0 &&
		    (t[i + 2 + n] == '>' || t[i + 2 + n] == '|'))
			return 1;
	return 0;
}

/* Subtypes of ordinary messages, worth a handler's attention. */
static const char *const plain_subtypes[] = {
	"", "thread_broadcast", "file_share", "me_message",
};

static int
say(const char **why, const char *words)
{
	if (why != NULL)
		*why = words;
	return 0;
}

/* see event.h */
int
event_wanted(const struct event *ev, const struct filter *f,
    const char **why)
{
	size_t i;

	if (f->allow != NULL && !allowed(&ev->user, f->allow))
		return say(why, "the user is not in --allow-users");
	if (ev->kind == EV_SLASH || ev->kind == EV_INTERACTIVE)
		return 1;
	if (ev->kind == EV_OTHER)
		return say(why, "not a message");
	if (same(&ev->user, f->self_user) || same(&ev->bot_id, f->self_bot))
		return say(why, "the bot's own message");
	if (ev->bot_id.n > 0 || is(&ev->subtype, "bot_message"))
		return say(why, "a message from a bot");
	if (ev->edit && !f->edits)
		return say(why, "an edit (see --edits)");
	if (!ev->edit) {
		for (i = 0; i < sizeof plain_subtypes /
		    sizeof plain_subtypes[0]; i++)
			if (is(&ev->subtype, plain_subtypes[i]))
				break;
		if (i == sizeof plain_subtypes / sizeof plain_subtypes[0] ||
		    ev->hidden)
			return say(why, "a message of a subtype handlers do "
			    "not get");
	}
	if (ev->user.n == 0)
		return say(why, "a message without a user");
	if (ev->kind == EV_MENTION || f->all || direct(ev) ||
	    mentions(ev, f->self_user))
		return 1;
	return say(why, "neither a direct message nor a mention (see --all)");
}

/*
 * Undoes the JSON escapes of s into out[0..cap) as a C string, stopping
 * at an escaped NUL (the environment cannot carry one).  -1: too long.
 */
static int
text(const struct ev_str *s, char *out, size_t cap)
{
	struct json_tok t;
	size_t n;

	if (s->n == 0) {
		if (cap == 0)
			return -1;
		out[0] = '\0';
		return 0;
	}
	memset(&t, 0, sizeof t);
	t.type = JSON_STRING;
	t.len = (uint32_t)s->n;
	t.flags = memchr(s->p, '\\', s->n) != NULL ? JSON_ESCAPED : 0;
	if (json_unescape(s->p, &t, out, cap, &n) < 0)
		return -1;
	return 0;
}

/* Undoes Slack's three entities in place. */
static void
entities(char *s)
{
	static const struct {
		const char	*ent;
		char		 c;
	} ents[] = { { "&lt;", '<' }, { "&gt;", '>' }, { "&amp;", '&' } };
	char *r = s, *w = s;
	size_t i, n;

	while (*r != '\0') {
		for (i = 0; i < sizeof ents / sizeof ents[0]; i++) {
			n = strlen(ents[i].ent);
			if (strncmp(r, ents[i].ent, n) == 0)
				break;
		}
		if (i < sizeof ents / sizeof ents[0]) {
			*w++ = ents[i].c;
			r += strlen(ents[i].ent);
		} else
			*w++ = *r++;
	}
	*w = '\0';
}

/* Drops a leading <@SELF> or <@SELF|name> and the blanks after it. */
static void
unmention(char *s, const char *self)
{
	size_t n = self != NULL ? strlen(self) : 0;
	char *p = s, *end;

	while (*p == ' ')
		p++;
	if (n == 0 || p[0] != '<' || p[1] != '@' || strncmp(p + 2, self, n) ||
	    (p[2 + n] != '>' && p[2 + n] != '|') ||
	    (end = strchr(p, '>')) == NULL)
		return;
	for (end++; *end == ' ' || *end == '\t' || *end == '\n'; end++)
		;
	memmove(s, end, strlen(end) + 1);
}

/* see event.h */
int
event_env(const struct event *ev, const char *self_user, char *buf,
    size_t cap, char **vars, size_t nvars)
{
	static const char *const names[] = {
		"SLACK_CHANNEL=", "SLACK_USER=", "SLACK_TS=", "SLACK_THREAD_TS=",
		"SLACK_EVENT_TYPE=", "SLACK_TEAM=", "SLACK_COMMAND=",
		"SLACK_TEXT=",
	};
	const struct ev_str *vals[] = {
		&ev->channel, &ev->user, &ev->ts, &ev->thread_ts, &ev->type,
		&ev->team, &ev->command, &ev->text,
	};
	const struct ev_str *s;
	size_t i, used = 0, k;
	int n = 0;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		s = vals[i];
		if (s == &ev->command && ev->kind != EV_SLASH)
			continue;
		k = strlen(names[i]);
		if ((size_t)n == nvars || cap - used < k + 1)
			return -1;
		memcpy(buf + used, names[i], k);
		if (text(s, buf + used + k, cap - used - k) < 0)
			return -1;
		if (s == &ev->text && ev->kind != EV_SLASH) {
			entities(buf + used + k);
			unmention(buf + used + k, self_user);
		}
		vars[n++] = buf + used;
		used += strlen(buf + used) + 1;
	}
	return n;
}

/* see event.h */
int
event_reply(const struct event *ev, int mode, char *channel, size_t chlen,
    char *thread, size_t thlen)
{
	const struct ev_str *t;

	if (ev->channel.n == 0 || text(&ev->channel, channel, chlen) < 0)
		return -1;
	t = ev->thread_ts.n > 0 ? &ev->thread_ts : direct(ev) ? NULL : &ev->ts;
	if (mode != REPLY_THREAD || t == NULL) {
		if (thlen == 0)
			return -1;
		thread[0] = '\0';
		return 0;
	}
	return text(t, thread, thlen);
}

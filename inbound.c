/*
 * inbound.c: see inbound.h.
 *
 * The signature is checked before anything else is read: the timestamp
 * first (a cheap refusal for a replay), then the MAC, whose hex digits
 * are decoded and compared byte for byte with an accumulator that looks
 * at all 32 bytes whatever they hold, so the time taken says nothing
 * about how much of a forged signature was right.
 *
 * A form is decoded in place, field by field: %XX and '+' only shorten
 * what they stand in, so each decoded key or value lies inside the bytes
 * it came from and no field overwrites another.  Events API JSON is
 * tokenized one level deep: the event object is delivered as the span of
 * its token, the bytes Slack sent.
 */
#include <string.h>
#include <bearssl.h>

#include "inbound.h"
#include "util.h"

/* Fields of a form, decoded in place. */
#define FORM_FIELDS	64

struct form_field {
	const char	*key, *val;
	size_t		 klen, vlen;
};

static const char *const errors[] = {
	[INBOUND_OK] =		"signed",
	[INBOUND_ENOSIG] =	"no X-Slack-Signature or X-Slack-Request-"
				"Timestamp",
	[INBOUND_ETIME] =	"X-Slack-Request-Timestamp is not a time",
	[INBOUND_ESTALE] =	"X-Slack-Request-Timestamp is more than 5 "
				"minutes away from our clock (a replay, or a "
				"clock that is wrong)",
	[INBOUND_EFORGED] =	"X-Slack-Signature does not match the body "
				"(another app's request, or the wrong "
				"signing secret)",
};

/* see inbound.h */
void
inbound_hmac(unsigned char mac[32], const void *key, size_t klen,
    const struct inbound_part *parts, size_t nparts)
{
	br_hmac_key_context kc;
	br_hmac_context hc;
	size_t i;

	br_hmac_key_init(&kc, &br_sha256_vtable, key, klen);
	br_hmac_init(&hc, &kc, 0);
	for (i = 0; i < nparts; i++)
		br_hmac_update(&hc, parts[i].p, parts[i].n);
	br_hmac_out(&hc, mac);
	explicit_bzero(&kc, sizeof kc);
	explicit_bzero(&hc, sizeof hc);
}

/* Slack's v0 MAC of a request. */
static void
mac_of(unsigned char mac[32], const char *secret, const char *ts,
    size_t tslen, const char *body, size_t blen)
{
	struct inbound_part parts[] = {
		{ "v0:", 3 }, { ts, tslen }, { ":", 1 }, { body, blen }
	};

	inbound_hmac(mac, secret, strlen(secret), parts,
	    sizeof parts / sizeof parts[0]);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* see inbound.h */
int
inbound_verify(const char *secret, const char *ts, size_t tslen,
    const char *sig, size_t siglen, const char *body, size_t blen,
    int64_t now)
{
	unsigned char mac[32], got[32], diff = 0;
	uint64_t t;
	size_t i;
	int hi, lo;

	if (ts == NULL || sig == NULL || tslen == 0 || siglen == 0)
		return INBOUND_ENOSIG;
	if (parse_u64(ts, tslen, INT64_MAX / 2, &t) < 0)
		return INBOUND_ETIME;
	if ((int64_t)t > now + INBOUND_SKEW || (int64_t)t < now - INBOUND_SKEW)
		return INBOUND_ESTALE;
	/* The length and the prefix are no secret. */
	if (siglen != 67 || memcmp(sig, "v0=", 3) != 0)
		return INBOUND_EFORGED;
	for (i = 0; i < 32; i++) {
		hi = hexval((unsigned char)sig[3 + 2 * i]);
		lo = hexval((unsigned char)sig[4 + 2 * i]);
		if (hi < 0 || lo < 0)
			return INBOUND_EFORGED;
		got[i] = (unsigned char)(hi << 4 | lo);
	}
	mac_of(mac, secret, ts, tslen, body, blen);
	for (i = 0; i < 32; i++)
		diff |= mac[i] ^ got[i];
	explicit_bzero(mac, sizeof mac);
	return diff == 0 ? INBOUND_OK : INBOUND_EFORGED;
}

/* see inbound.h */
const char *
inbound_strerror(int err)
{
	if (err < 0 || (size_t)err >= sizeof errors / sizeof errors[0])
		return "unknown";
	return errors[err];
}

/* A hash of a tag byte and an id, as slack.c makes its keys. */
static uint64_t
key_of(char tag, const char *s, size_t n)
{
	return fnv1a(fnv1a(FNV_START, &tag, 1), s, n);
}

static enum inbound_kind
why(struct inbound_msg *m, enum inbound_kind k, const char *words)
{
	m->kind = k;
	m->why = words;
	return k;
}

/* The raw bytes of string member key of object obj; -1: none. */
static int
member(const char *js, const struct json_tok *tok, int obj, const char *key,
    const char **s, size_t *n)
{
	int i = json_find(js, tok, obj, key);

	if (i < 0 || tok[i].type != JSON_STRING)
		return -1;
	*s = js + tok[i].start;
	*n = tok[i].len;
	return 0;
}

static enum inbound_kind
events_api(const char *js, size_t len, struct json_tok *tok, size_t ntok,
    struct inbound_msg *m)
{
	const char *id;
	size_t idlen;
	int n, ev;

	if ((n = json_parse(js, len, tok, ntok, 1, NULL)) < 0)
		return why(m, INBOUND_BAD, json_strerror(n));
	if (tok[0].type != JSON_OBJECT)
		return why(m, INBOUND_BAD, "JSON that is not an object");
	if (member(js, tok, 0, "type", &m->type, &m->typelen) < 0) {
		m->type = NULL;
		return why(m, INBOUND_BAD, "JSON without a type");
	}
	if (m->typelen == 16 && memcmp(m->type, "url_verification", 16) == 0) {
		if (member(js, tok, 0, "challenge", &m->challenge,
		    &m->chlen) < 0)
			return why(m, INBOUND_BAD, "a url_verification without "
			    "a challenge");
		m->kind = INBOUND_CHALLENGE;
		return m->kind;
	}
	if (m->typelen == 16 && memcmp(m->type, "app_rate_limited", 16) == 0)
		return why(m, INBOUND_RATE_LIMITED, "app_rate_limited");
	if (m->typelen != 14 || memcmp(m->type, "event_callback", 14) != 0)
		return why(m, INBOUND_SKIP, "an Events API request of a type "
		    "slackbot does not know");
	ev = json_find(js, tok, 0, "event");
	if (ev < 0 || tok[ev].type != JSON_OBJECT)
		return why(m, INBOUND_BAD, "an event_callback without an event");
	if (member(js, tok, 0, "event_id", &id, &idlen) == 0 && idlen > 0)
		m->key = key_of('E', id, idlen);
	m->payload = SLACK_P_EVENT;
	m->rec = js + tok[ev].start;
	m->reclen = tok[ev].len;
	m->kind = INBOUND_EVENT;
	return m->kind;
}

/*
 * Decodes s[0..n) of a form in place ('+' is a blank, %XX a byte) and
 * returns the decoded length, or -1 at a bad escape.
 */
static long
form_decode(char *s, size_t n)
{
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < n; i++) {
		if (s[i] == '+')
			s[o++] = ' ';
		else if (s[i] != '%')
			s[o++] = s[i];
		else if (n - i < 3 ||
		    (hi = hexval((unsigned char)s[i + 1])) < 0 ||
		    (lo = hexval((unsigned char)s[i + 2])) < 0)
			return -1;
		else {
			s[o++] = (char)(hi << 4 | lo);
			i += 2;
		}
	}
	return (long)o;
}

/* Splits and decodes a form; returns the number of fields, or -1. */
static int
form_split(char *s, size_t n, struct form_field *f, size_t max)
{
	char *end = s + n, *amp, *eq;
	long k, v;
	size_t nf = 0;

	while (s < end) {
		if ((amp = memchr(s, '&', (size_t)(end - s))) == NULL)
			amp = end;
		if (amp > s) {
			if (nf == max)
				return -1;
			if ((eq = memchr(s, '=', (size_t)(amp - s))) == NULL)
				eq = amp;
			if ((k = form_decode(s, (size_t)(eq - s))) < 0 ||
			    (v = eq == amp ? 0 : form_decode(eq + 1,
			    (size_t)(amp - eq - 1))) < 0)
				return -1;
			f[nf].key = s;
			f[nf].klen = (size_t)k;
			f[nf].val = eq == amp ? "" : eq + 1;
			f[nf].vlen = (size_t)v;
			nf++;
		}
		s = amp + 1;
	}
	return (int)nf;
}

/* The field called key, or NULL. */
static const struct form_field *
form_get(const struct form_field *f, int n, const char *key)
{
	size_t len = strlen(key);
	int i;

	for (i = 0; i < n; i++)
		if (f[i].klen == len && memcmp(f[i].key, key, len) == 0)
			return &f[i];
	return NULL;
}

static enum inbound_kind
form(char *body, size_t len, char *scratch, size_t scap,
    struct json_tok *tok, size_t ntok, struct inbound_msg *m)
{
	struct form_field f[FORM_FIELDS];
	const struct form_field *p;
	const char *id;
	struct json_w w;
	size_t idlen;
	int n, i;

	if ((n = form_split(body, len, f, FORM_FIELDS)) < 0)
		return why(m, INBOUND_BAD, "a malformed form");
	if ((p = form_get(f, n, "payload")) != NULL) {
		/* An interaction: the payload is the JSON to deliver. */
		if ((i = json_parse(p->val, p->vlen, tok, ntok, 1, NULL)) < 0)
			return why(m, INBOUND_BAD, json_strerror(i));
		if (tok[0].type != JSON_OBJECT)
			return why(m, INBOUND_BAD, "a payload that is not a "
			    "JSON object");
		if (member(p->val, tok, 0, "trigger_id", &id, &idlen) == 0 &&
		    idlen > 0)
			m->key = key_of('T', id, idlen);
		m->payload = SLACK_P_INTERACTIVE;
		m->rec = p->val + tok[0].start;
		m->reclen = tok[0].len;
		m->kind = INBOUND_EVENT;
		return m->kind;
	}
	if ((p = form_get(f, n, "ssl_check")) != NULL)
		return why(m, INBOUND_SKIP, "Slack's certificate check");
	if (form_get(f, n, "command") == NULL)
		return why(m, INBOUND_BAD, "a form with neither command nor "
		    "payload");
	/* A slash command: its fields as one object, in their order. */
	json_w_init(&w, scratch, scap);
	json_w_object(&w);
	for (i = 0; i < n; i++) {
		json_w_keyn(&w, f[i].key, f[i].klen);
		json_w_strn(&w, f[i].val, f[i].vlen);
	}
	json_w_object_end(&w);
	if (json_w_finish(&w, &m->reclen) != 0)
		return why(m, INBOUND_BAD, "a slash command too large to hand "
		    "on");
	if ((p = form_get(f, n, "trigger_id")) != NULL && p->vlen > 0)
		m->key = key_of('T', p->val, p->vlen);
	m->payload = SLACK_P_SLASH;
	m->rec = scratch;
	m->kind = INBOUND_EVENT;
	return m->kind;
}

/* see inbound.h */
enum inbound_kind
inbound_read(char *body, size_t len, char *scratch, size_t scap,
    struct json_tok *tok, size_t ntok, struct inbound_msg *m)
{
	size_t i;

	memset(m, 0, sizeof *m);
	for (i = 0; i < len && (body[i] == ' ' || body[i] == '\t' ||
	    body[i] == '\r' || body[i] == '\n'); i++)
		;
	if (i == len)
		return why(m, INBOUND_BAD, "an empty body");
	if (body[i] == '{' || body[i] == '[' || body[i] == '"')
		return events_api(body, len, tok, ntok, m);
	return form(body, len, scratch, scap, tok, ntok, m);
}

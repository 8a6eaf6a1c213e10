/*
 * slack.c: see slack.h.
 *
 * Messages are tokenized shallowly: an envelope's members (depth 1) and
 * the payload's (depth 2) are stored, anything deeper is validated but
 * kept as one folded token with its extent.  So an event of any size
 * costs a few dozen tokens, and the event itself is handed on as the span
 * of its token: the bytes Slack sent, never re-encoded.
 *
 * The id table is set-associative: a key lives in one of SLACK_DEDUP_WAYS
 * slots of the bucket its hash picks; a full bucket forgets its oldest
 * key.  With 16384 slots and Slack's ceiling of 30,000 events an hour
 * (about 5,000 in ten minutes), a bucket holds 5 keys on average, so a key
 * younger than ten minutes is pushed out only in a flood far beyond what
 * Slack delivers.
 *
 * A slot packs the key and the time in one word, so that a lookup reads
 * one bucket's two cache lines and nothing else: the key's 40 bits above
 * those that chose the bucket (so with them, 50 bits of the key tell keys
 * apart), then the second it was delivered, counted from 1 and modulo
 * STAMP_MOD (24 bits; 0 is an empty slot).  An age is taken modulo
 * STAMP_MOD too: a key untouched for 194 days may look young again, which
 * matters to nothing (no event comes back after months; the oldest key of
 * a full bucket is merely picked less well).
 */
#include <string.h>

#include "slack.h"
#include "util.h"

/* The raw bytes of a string value, or -1 (leaving *s alone). */
static int
str_at(const char *js, const struct json_tok *tok, int i, const char **s,
    size_t *n)
{
	if (i < 0 || tok[i].type != JSON_STRING)
		return -1;
	*s = js + tok[i].start;
	*n = tok[i].len;
	return 0;
}

/* String member key of object obj, as a view of its raw bytes; -1: none. */
static int
str_member(const char *js, const struct json_tok *tok, int obj,
    const char *key, const char **s, size_t *n)
{
	return str_at(js, tok, json_find(js, tok, obj, key), s, n);
}

/* A hash of a tag byte and the raw id. */
static uint64_t
key_of(char tag, const char *s, size_t n)
{
	return fnv1a(fnv1a(FNV_START, &tag, 1), s, n);
}

static enum slack_kind
why(struct slack_msg *m, enum slack_kind k, const char *words)
{
	m->kind = k;
	m->why = words;
	m->whylen = strlen(words);
	return k;
}

static long long
int_member(const char *js, const struct json_tok *tok, int obj,
    const char *key)
{
	long long v;
	int i = json_find(js, tok, obj, key);

	if (i < 0 || json_int(js, &tok[i], &v) < 0)
		return -1;
	return v;
}

/* Members looked for in one pass over an object. */
struct want {
	const char	*key;
	size_t		 len;		/* strlen(key) */
	int		 idx;		/* the value's token, or -1 */
};

#define WANT(key)	{ key, sizeof key - 1, -1 }

/*
 * a[0..n) == b[0..n), for the short keys pick() compares on every event:
 * a few word loads, the last one overlapping the one before (the C
 * library's memcmp() is a call that goes byte by byte).
 */
static int
same(const char *a, const char *b, size_t n)
{
	uint64_t x, y;
	uint32_t u, v;

	if (n < 4) {
		while (n > 0 && *a == *b)
			n--, a++, b++;
		return n == 0;
	}
	if (n < 8) {
		memcpy(&u, a, 4);
		memcpy(&v, b, 4);
		if (u != v)
			return 0;
		memcpy(&u, a + n - 4, 4);
		memcpy(&v, b + n - 4, 4);
		return u == v;
	}
	for (; n > 8; n -= 8, a += 8, b += 8) {
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		if (x != y)
			return 0;
	}
	/* the last 8 bytes, some of them compared already */
	memcpy(&x, a + n - 8, 8);
	memcpy(&y, b + n - 8, 8);
	return x == y;
}

/* s[0..n) is the string literal lit. */
#define IS(s, n, lit)	((n) == sizeof (lit) - 1 && same((s), (lit), \
			    sizeof (lit) - 1))

/*
 * One walk over the members of object obj finds every key of w (the
 * first of duplicates), stopping when all are found: far cheaper than one
 * json_find() per key on every event.  Most members are not wanted, and
 * the wanted keys differ in length: a mask of their lengths turns most
 * members away before any comparison.  A key with an escape may spell a
 * wanted key in more bytes, so it is always compared.
 */
static void
pick(const char *js, const struct json_tok *tok, int obj, struct want *w,
    size_t n)
{
	const struct json_tok *t;
	uint32_t lens = 0, i;
	size_t k, left = n;

	for (k = 0; k < n; k++) {
		w[k].idx = -1;
		lens |= w[k].len < 32 ? (uint32_t)1 << w[k].len : 0;
	}
	if (tok[obj].type != JSON_OBJECT || json_first(tok, obj) < 0)
		return;
	/* members: a key, then its value's subtree, which ends at next */
	for (i = (uint32_t)obj + 1; i < tok[obj].next && left > 0;
	    i = tok[i + 1].next) {
		t = &tok[i];
		if (!(t->flags & JSON_ESCAPED) && (t->len >= 32 ||
		    !(lens >> t->len & 1)))
			continue;
		for (k = 0; k < n; k++) {
			if (w[k].idx >= 0)
				continue;
			if (t->flags & JSON_ESCAPED ? json_eq(js, t, w[k].key) :
			    t->len == w[k].len &&
			    same(js + t->start, w[k].key, t->len)) {
				w[k].idx = (int)i + 1;
				left--;
				break;
			}
		}
	}
}

enum { W_TYPE, W_ID, W_PAYLOAD, W_RETRY, W_NUM, W_REASON };

static enum slack_kind
socket_mode(const char *js, const struct json_tok *tok, struct want *w,
    struct slack_msg *m)
{
	struct want pw[2] = { WANT("event"), WANT("event_id") };
	const char *eid;
	size_t eidlen;
	long long v;
	int has_id, payload;

	has_id = str_at(js, tok, w[W_ID].idx, &m->id, &m->idlen) == 0;
	if (!has_id && m->type == NULL)
		return why(m, SLACK_BAD, "a message with neither type nor "
		    "envelope_id");
	if (!has_id && IS(m->type, m->typelen, "hello")) {
		if (w[W_NUM].idx >= 0 && json_int(js, &tok[w[W_NUM].idx],
		    &v) == 0)
			m->num = v;
		m->kind = SLACK_HELLO;
		return m->kind;
	}
	if (!has_id && IS(m->type, m->typelen, "disconnect")) {
		if (str_at(js, tok, w[W_REASON].idx, &m->why, &m->whylen) < 0)
			m->why = "", m->whylen = 0;
		if (IS(m->why, m->whylen, "link_disabled"))
			m->reason = SLACK_R_LINK_DISABLED;
		else if (IS(m->why, m->whylen, "too_many_websockets"))
			m->reason = SLACK_R_TOO_MANY;
		m->kind = SLACK_DISCONNECT;
		return m->kind;
	}
	if (!has_id)
		return why(m, SLACK_SKIP, "a message of a type slackbot does "
		    "not know");
	if (m->idlen == 0)
		return why(m, SLACK_BAD, "an envelope with an empty "
		    "envelope_id");
	payload = w[W_PAYLOAD].idx;
	if (payload < 0 || tok[payload].type != JSON_OBJECT)
		return why(m, SLACK_ACK_ONLY, "an envelope without a payload");
	if (w[W_RETRY].idx >= 0 && json_int(js, &tok[w[W_RETRY].idx],
	    &v) == 0 && v > 0 && v < 1000)
		m->retry = (int)v;
	if (m->type != NULL && IS(m->type, m->typelen, "events_api")) {
		pick(js, tok, payload, pw, 2);
		if (pw[0].idx < 0 || tok[pw[0].idx].type != JSON_OBJECT)
			return why(m, SLACK_ACK_ONLY, "an events_api envelope "
			    "without an event");
		/* Redeliveries may come in a new envelope: use event_id. */
		if (str_at(js, tok, pw[1].idx, &eid, &eidlen) == 0 &&
		    eidlen > 0)
			m->key = key_of('E', eid, eidlen);
		else
			m->key = key_of('V', m->id, m->idlen);
		m->rec = js + tok[pw[0].idx].start;
		m->reclen = tok[pw[0].idx].len;
	} else {
		m->key = key_of('V', m->id, m->idlen);
		m->rec = js + tok[payload].start;
		m->reclen = tok[payload].len;
		if (IS(m->type, m->typelen, "slash_commands"))
			m->payload = SLACK_P_SLASH;
		else if (IS(m->type, m->typelen, "interactive"))
			m->payload = SLACK_P_INTERACTIVE;
	}
	m->kind = SLACK_EVENT;
	return m->kind;
}

static enum slack_kind
rtm(const char *js, const struct json_tok *tok, struct slack_msg *m)
{
	int i, err;

	if (m->type == NULL) {
		if ((i = json_find(js, tok, 0, "reply_to")) < 0)
			return why(m, SLACK_BAD, "a message without a type");
		m->num = int_member(js, tok, 0, "reply_to");
		if ((i = json_find(js, tok, 0, "ok")) < 0 ||
		    json_bool(&tok[i], &m->ok) < 0)
			m->ok = 0;
		if (!m->ok && (err = json_find(js, tok, 0, "error")) >= 0 &&
		    str_member(js, tok, err, "msg", &m->why, &m->whylen) < 0)
			m->why = "", m->whylen = 0;
		m->kind = SLACK_REPLY;
		return m->kind;
	}
	if (IS(m->type, m->typelen, "hello"))
		return why(m, SLACK_HELLO, "hello");
	if (IS(m->type, m->typelen, "goodbye"))
		return why(m, SLACK_GOODBYE, "goodbye");
	if (IS(m->type, m->typelen, "pong")) {
		m->num = int_member(js, tok, 0, "reply_to");
		m->kind = SLACK_PONG;
		return m->kind;
	}
	if (IS(m->type, m->typelen, "error")) {
		m->why = "", m->whylen = 0;
		if ((err = json_find(js, tok, 0, "error")) >= 0)
			str_member(js, tok, err, "msg", &m->why, &m->whylen);
		m->kind = SLACK_ERROR;
		return m->kind;
	}
	if (IS(m->type, m->typelen, "reconnect_url"))
		return why(m, SLACK_SKIP, "reconnect_url (not used)");
	/* The object itself, without the blanks around it. */
	m->rec = js + tok[0].start;
	m->reclen = tok[0].len;
	m->kind = SLACK_EVENT;
	return m->kind;
}

/* see slack.h */
enum slack_kind
slack_read(int proto, const char *msg, size_t len, struct json_tok *tok,
    size_t ntok, struct slack_msg *m)
{
	struct want w[] = {
		[W_TYPE] = WANT("type"),
		[W_ID] = WANT("envelope_id"),
		[W_PAYLOAD] = WANT("payload"),
		[W_RETRY] = WANT("retry_attempt"),
		[W_NUM] = WANT("num_connections"),
		[W_REASON] = WANT("reason"),
	};
	int n;

	memset(m, 0, sizeof *m);
	m->num = -1;
	n = json_parse(msg, len, tok, ntok, 2, NULL);
	if (n < 0)
		return why(m, SLACK_BAD, json_strerror(n));
	if (tok[0].type != JSON_OBJECT)
		return why(m, SLACK_BAD, "JSON that is not an object");
	m->newline = (tok[0].flags & JSON_NEWLINE) != 0;
	/* RTM messages are few: its own lookups are plain json_find(). */
	pick(msg, tok, 0, w, proto == SLACK_RTM ? 1 : sizeof w / sizeof w[0]);
	if (str_at(msg, tok, w[W_TYPE].idx, &m->type, &m->typelen) < 0)
		m->type = NULL;
	if (proto == SLACK_RTM)
		return rtm(msg, tok, m);
	return socket_mode(msg, tok, w, m);
}

/* see slack.h */
size_t
slack_ack(char *out, size_t cap, const char *id, size_t idlen)
{
	static const char head[] = "{\"envelope_id\":\"", tail[] = "\"}";
	size_t n = sizeof head - 1 + idlen + sizeof tail - 1;

	if (n > cap)
		return 0;
	memcpy(out, head, sizeof head - 1);
	memcpy(out + sizeof head - 1, id, idlen);
	memcpy(out + sizeof head - 1 + idlen, tail, sizeof tail - 1);
	return n;
}

#define BUCKETS		(DEDUP_SLOTS / SLACK_DEDUP_WAYS)
#define STAMP_BITS	24
#define STAMP_MOD	((1u << STAMP_BITS) - 1)
#define SLOT_STAMP(v)	((uint32_t)(v) & STAMP_MOD)

/* The stored bits of key, in place above the stamp. */
static uint64_t
slot_key(uint64_t key)
{
	return key / BUCKETS << STAMP_BITS;
}

/* The first slot of key's bucket. */
#define BUCKET(d, key)	(&(d)->slot[(key) % BUCKETS * SLACK_DEDUP_WAYS])

/* Seconds from stamp to now's stamp cur, modulo STAMP_MOD. */
static uint32_t
age(uint32_t cur, uint32_t stamp)
{
	return cur >= stamp ? cur - stamp : cur + STAMP_MOD - stamp;
}

/* see slack.h */
void
slack_prefetch(const struct slack_dedup *d, uint64_t key)
{
	const uint64_t *v = BUCKET(d, key);

	/* the bucket's two cache lines */
	__builtin_prefetch(v);
	__builtin_prefetch(v + SLACK_DEDUP_WAYS - 1);
}

/* see slack.h */
int
slack_seen(const struct slack_dedup *d, uint64_t key, uint32_t now_s)
{
	const uint64_t *v = BUCKET(d, key);
	uint64_t k = slot_key(key);
	uint32_t cur = now_s % STAMP_MOD + 1;
	size_t i;

	for (i = 0; i < SLACK_DEDUP_WAYS; i++)
		if (v[i] != 0 && (v[i] ^ k) >> STAMP_BITS == 0 &&
		    age(cur, SLOT_STAMP(v[i])) <= SLACK_DEDUP_TTL)
			return 1;
	return 0;
}

/* see slack.h */
void
slack_remember(struct slack_dedup *d, uint64_t key, uint32_t now_s)
{
	uint64_t *v = BUCKET(d, key);
	uint64_t k = slot_key(key);
	uint32_t cur = now_s % STAMP_MOD + 1, a, oldest = 0;
	size_t i, old = 0;

	for (i = 0; i < SLACK_DEDUP_WAYS; i++) {
		if (v[i] == 0) {
			if (oldest != UINT32_MAX)
				old = i, oldest = UINT32_MAX;
			continue;
		}
		if ((v[i] ^ k) >> STAMP_BITS == 0) {
			old = i;
			break;
		}
		if ((a = age(cur, SLOT_STAMP(v[i]))) > oldest && oldest !=
		    UINT32_MAX)
			old = i, oldest = a;
	}
	v[old] = k | cur;
}

/*
 * queue.c: see queue.h.
 *
 * A record is a 4-byte length in host byte order followed by that many
 * bytes.  Lengths are at most cap - QUEUE_HDR < QUEUE_CAP_MAX, so the value
 * WRAP (all ones) can never be a length and serves as the wrap marker.
 *
 * The queue is in one of three states, told apart by n, rd and wr:
 *
 *   empty     n == 0, and then rd == wr == 0 (reset on the last pop).
 *   straight  n > 0, rd < wr: the records fill [rd, wr), back to back.
 *   wrapped   n > 0, wr <= rd: the records fill [rd, m), then [0, wr),
 *             where m is where the writer was when it went back to the
 *             start.  If cap - m >= QUEUE_HDR a WRAP header sits at m;
 *             a shorter tail holds no header and is skipped all the same.
 *             Both parts hold at least one record.  wr == rd means the
 *             front part has grown up to the oldest record.
 *
 * Invariants:
 *   - when n > 0, rd is the offset of a real record's header (pop moves rd
 *     past a marker or a short tail at once, so peek never meets one);
 *   - every record lies whole inside [0, cap), since each takes at least
 *     QUEUE_HDR bytes, a straight queue has rd < wr and a wrapped one has
 *     wr >= QUEUE_HDR;
 *   - push writes only to bytes outside every record held: the tail
 *     [wr, cap) of a straight queue, its front [0, rd) when it wraps, or
 *     the gap [wr, rd) of a wrapped queue.
 *
 * The largest record that fits is thus the longest of those free runs less
 * a header, which is what queue_free() reports.
 *
 * undo is the wr of the state before the last change when that change was
 * a push (else NO_UNDO): a push alters nothing else that a reader sees, so
 * restoring wr and n takes it back, and a marker it left past the old wr
 * lies outside every record.
 */
#include <string.h>

#include "queue.h"

#define WRAP	((uint32_t)0xffffffff)
#define NO_UNDO	((uint32_t)0xffffffff)	/* no offset: cap < 2^31 */

static uint32_t
get_len(const struct queue *q, uint32_t at)
{
	uint32_t v;

	memcpy(&v, q->buf + at, sizeof v);
	return v;
}

static void
put_len(struct queue *q, uint32_t at, uint32_t v)
{
	memcpy(q->buf + at, &v, sizeof v);
}

static int
wrapped(const struct queue *q)
{
	return q->n > 0 && q->wr <= q->rd;
}

/* The longest free run, header included. */
static uint32_t
room(const struct queue *q)
{
	if (wrapped(q))
		return q->rd - q->wr;
	/* straight or empty: the tail, or the front if we wrap */
	return q->cap - q->wr > q->rd ? q->cap - q->wr : q->rd;
}

/* see queue.h */
int
queue_init(struct queue *q, void *buf, size_t cap)
{
	memset(q, 0, sizeof *q);
	q->undo = NO_UNDO;
	if (cap < QUEUE_CAP_MIN || cap > QUEUE_CAP_MAX)
		return QUEUE_ECAP;
	q->buf = buf;
	q->cap = (uint32_t)cap;
	return 0;
}

/* see queue.h */
int
queue_push(struct queue *q, const void *head, size_t hlen,
    const void *body, size_t blen)
{
	uint32_t len, need, at;

	if (q->cap < QUEUE_HDR || hlen > q->cap - QUEUE_HDR ||
	    blen > q->cap - QUEUE_HDR - hlen)
		return QUEUE_ETOOBIG;
	len = (uint32_t)(hlen + blen);
	need = QUEUE_HDR + len;
	if (need > room(q))
		return QUEUE_EFULL;

	at = q->wr;
	if (!wrapped(q) && need > q->cap - q->wr) {
		/* It fits only in front: mark the end (if there is room) */
		if (q->cap - q->wr >= QUEUE_HDR)
			put_len(q, q->wr, WRAP);
		at = 0;
	}
	put_len(q, at, len);
	if (hlen > 0)
		memcpy(q->buf + at + QUEUE_HDR, head, hlen);
	if (blen > 0)
		memcpy(q->buf + at + QUEUE_HDR + hlen, body, blen);
	q->undo = q->wr;
	q->wr = at + need;
	q->n++;
	return 0;
}

/* see queue.h */
int
queue_unpush(struct queue *q)
{
	if (q->undo == NO_UNDO)
		return QUEUE_EEMPTY;
	q->wr = q->undo;
	q->undo = NO_UNDO;
	if (--q->n == 0)
		q->rd = q->wr = 0;
	return 0;
}

/* see queue.h */
unsigned char *
queue_peek(struct queue *q, size_t *n)
{
	if (q->n == 0) {
		*n = 0;
		return NULL;
	}
	*n = get_len(q, q->rd);
	return q->buf + q->rd + QUEUE_HDR;
}

/* see queue.h */
int
queue_pop(struct queue *q)
{
	if (q->n == 0)
		return QUEUE_EEMPTY;
	q->undo = NO_UNDO;
	q->rd += QUEUE_HDR + get_len(q, q->rd);
	if (--q->n == 0)
		q->rd = q->wr = 0;
	else if (q->cap - q->rd < QUEUE_HDR || get_len(q, q->rd) == WRAP)
		q->rd = 0;	/* the writer went back to the start here */
	return 0;
}

/* see queue.h */
unsigned char *
queue_next(const struct queue *q, struct queue_cur *c, size_t *n)
{
	unsigned char *p;

	if (!c->started) {
		c->started = 1;
		c->at = q->rd;
		c->left = q->n;
	}
	if (c->left == 0) {
		*n = 0;
		return NULL;
	}
	*n = get_len(q, c->at);
	p = q->buf + c->at + QUEUE_HDR;
	c->at += QUEUE_HDR + (uint32_t)*n;
	/* The same step as queue_pop(), without popping. */
	if (--c->left > 0 && (q->cap - c->at < QUEUE_HDR ||
	    get_len(q, c->at) == WRAP))
		c->at = 0;
	return p;
}

/* see queue.h */
size_t
queue_count(const struct queue *q)
{
	return q->n;
}

/* see queue.h */
long
queue_free(const struct queue *q)
{
	uint32_t r = room(q);

	return r < QUEUE_HDR ? -1 : (long)(r - QUEUE_HDR);
}


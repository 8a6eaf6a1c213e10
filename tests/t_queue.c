/*
 * tests/t_queue.c: the record FIFO.
 *
 * Most checks go through a model that knows nothing of rd, wr or markers:
 * it keeps the records as a list of (offset, length) intervals and places
 * each new one by the rule in queue.h (after the newest record if it fits
 * before the end of the buffer, else at the start if it fits before the
 * oldest, else refused).  Every step compares the queue with the model:
 * the result, the count, queue_free(), and where the oldest record lies and
 * what it holds.  A record's bytes come from a fixed random pattern at an
 * offset given by its serial number, so nothing needs storing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "queue.h"
#include "harness.h"
#include "testutil.h"

/* A record of one part. */
static int
push1(struct queue *q, const void *p, size_t n)
{
	return queue_push(q, p, n, NULL, 0);
}

#define BIGCAP	65536
#define GUARD	64
#define PATLEN	(2 * BIGCAP)
#define FILL	0xa5

static unsigned char	storage[GUARD + BIGCAP + GUARD];
static unsigned char	pat[PATLEN];
static uint64_t		rng;

static uint64_t
rnd(void)
{
	return tu_next(&rng);
}

static void
pat_init(void)
{
	size_t i;

	rng = 1;
	for (i = 0; i < PATLEN; i++)
		pat[i] = (unsigned char)rnd();
}

/* The bytes of record number serial. */
static const unsigned char *
rec(uint32_t serial)
{
	return pat + (serial * 40503u) % BIGCAP;
}

/* A buffer of cap bytes with FILL in it and guard bytes around it. */
static unsigned char *
fresh_buf(void)
{
	memset(storage, FILL, sizeof storage);
	return storage + GUARD;
}

static int
guards_ok(size_t cap)
{
	size_t i;

	for (i = 0; i < GUARD; i++)
		if (storage[i] != FILL || storage[GUARD + cap + i] != FILL)
			return 0;
	return 1;
}

/* The model. */
#define MODEL_MAX	(BIGCAP / QUEUE_HDR)

struct model {
	struct queue	 q;
	unsigned char	*buf;
	uint32_t	 cap;
	uint32_t	 serial;	/* of the next record */
	size_t		 head, n;	/* ring of the records below */
	int		 undo;		/* the last change was a push */
	struct {
		uint32_t	at, len, serial;
	} r[MODEL_MAX];
};

static struct model	m;

#define OLDEST(m)	(&(m)->r[(m)->head])
#define NEWEST(m)	(&(m)->r[((m)->head + (m)->n - 1) % MODEL_MAX])

static void
model_init(uint32_t cap)
{
	m.buf = fresh_buf();
	m.cap = cap;
	m.serial = 0;
	m.head = m.n = 0;
	m.undo = 0;
	CHECK_EQ(queue_init(&m.q, m.buf, cap), 0);
}

/* Where a record of need bytes (header included) goes, or -1. */
static long
model_place(uint32_t need)
{
	uint32_t first, end;

	if (m.n == 0)
		return need <= m.cap ? 0 : -1;
	first = OLDEST(&m)->at;
	end = NEWEST(&m)->at + QUEUE_HDR + NEWEST(&m)->len;
	if (end > first) {		/* newest after oldest */
		if (need <= m.cap - end)
			return end;
		return need <= first ? 0 : -1;
	}
	return need <= first - end ? (long)end : -1;
}

static long
model_free(void)
{
	uint32_t first, end, big;

	if (m.n == 0)
		big = m.cap;
	else {
		first = OLDEST(&m)->at;
		end = NEWEST(&m)->at + QUEUE_HDR + NEWEST(&m)->len;
		if (end > first)
			big = m.cap - end > first ? m.cap - end : first;
		else
			big = first - end;
	}
	return big < QUEUE_HDR ? -1 : (long)big - QUEUE_HDR;
}

/* queue_next() visits every record of the model, in order, then stops. */
static int
model_walk(void)
{
	struct queue_cur c = { 0, 0, 0 };
	unsigned char *p;
	size_t i, n;
	int ok = 1;

	for (i = 0; i < m.n && ok; i++) {
		p = queue_next(&m.q, &c, &n);
		ok &= CHECK(p != NULL);
		if (!ok)
			break;
		ok &= CHECK_EQ(p - m.buf, m.r[(m.head + i) % MODEL_MAX].at +
		    QUEUE_HDR);
		ok &= CHECK_EQ(n, m.r[(m.head + i) % MODEL_MAX].len);
	}
	if (ok) {
		ok &= CHECK(queue_next(&m.q, &c, &n) == NULL);
		ok &= CHECK_EQ(n, 0);
	}
	return ok;
}

/* Compares the queue with the model; full: the oldest record's bytes too. */
static int
model_check(int full)
{
	unsigned char *p;
	size_t n = 12345;
	int ok = 1;

	ok &= CHECK_EQ(queue_count(&m.q), m.n);
	ok &= CHECK_EQ(queue_free(&m.q), model_free());
	p = queue_peek(&m.q, &n);
	if (m.n == 0) {
		ok &= CHECK(p == NULL);
		ok &= CHECK_EQ(n, 0);
		return ok;
	}
	if (!CHECK(p != NULL))
		return 0;
	ok &= CHECK_EQ(p - m.buf, OLDEST(&m)->at + QUEUE_HDR);
	ok &= CHECK_EQ(n, OLDEST(&m)->len);
	if (ok && full)
		ok &= CHECK(memcmp(p, rec(OLDEST(&m)->serial), n) == 0);
	return ok && model_walk();
}

/*
 * Pushes a record of len bytes, whole or (split <= len) in two parts, and
 * checks the result against the model.  Returns the push's result.
 */
static int
model_push(size_t len, size_t split)
{
	const unsigned char *src = rec(m.serial);
	long at = -1;
	int rc, want;

	if (len > m.cap - QUEUE_HDR)
		want = QUEUE_ETOOBIG;
	else if ((at = model_place((uint32_t)len + QUEUE_HDR)) < 0)
		want = QUEUE_EFULL;
	else
		want = 0;
	if (split <= len)
		rc = queue_push(&m.q, src, split, src + split, len - split);
	else
		rc = push1(&m.q, src, len);
	CHECK_EQ(rc, want);
	if (rc == 0 && want == 0) {
		m.n++;
		NEWEST(&m)->at = (uint32_t)at;
		NEWEST(&m)->len = (uint32_t)len;
		NEWEST(&m)->serial = m.serial++;
		m.undo = 1;
	}
	return rc;
}

/* Takes back the newest record, which only the last change may have made. */
static int
model_unpush(void)
{
	int rc;

	rc = queue_unpush(&m.q);
	if (!m.undo)
		CHECK_EQ(rc, QUEUE_EEMPTY);
	else {
		CHECK_EQ(rc, 0);
		m.n--;
		m.undo = 0;
	}
	return rc;
}

static int
model_pop(void)
{
	int rc;

	model_check(1);
	rc = queue_pop(&m.q);
	if (m.n == 0)
		CHECK_EQ(rc, QUEUE_EEMPTY);
	else {
		CHECK_EQ(rc, 0);
		m.head = (m.head + 1) % MODEL_MAX;
		m.n--;
		m.undo = 0;
	}
	return rc;
}

/* Tests. */

static void
t_init_caps(void)
{
	static unsigned char small[16];
	struct queue q;
	size_t cap, n = 1;

	for (cap = 0; cap < QUEUE_CAP_MIN; cap++) {
		CHECK_EQ(queue_init(&q, small, cap), QUEUE_ECAP);
		/* A refused queue refuses everything without touching memory. */
		CHECK_EQ(push1(&q, "", 0), QUEUE_ETOOBIG);
		CHECK_EQ(queue_push(&q, NULL, 0, NULL, 0), QUEUE_ETOOBIG);
		CHECK(queue_peek(&q, &n) == NULL);
		CHECK_EQ(n, 0);
		CHECK_EQ(queue_pop(&q), QUEUE_EEMPTY);
		CHECK_EQ(queue_count(&q), 0);
		CHECK_EQ(queue_free(&q), -1);
	}
	CHECK_EQ(queue_init(&q, small, QUEUE_CAP_MIN), 0);
	CHECK_EQ(queue_free(&q), 1);

	/* The largest capacity: only looked at, never written. */
	CHECK_EQ(queue_init(&q, small, QUEUE_CAP_MAX), 0);
	CHECK_EQ(queue_free(&q), QUEUE_CAP_MAX - QUEUE_HDR);
	CHECK_EQ(queue_count(&q), 0);
	CHECK_EQ(queue_init(&q, small, (size_t)QUEUE_CAP_MAX + 1), QUEUE_ECAP);
	CHECK_EQ(queue_free(&q), -1);
	CHECK_EQ(queue_init(&q, small, SIZE_MAX), QUEUE_ECAP);
	CHECK_EQ(push1(&q, small, 1), QUEUE_ETOOBIG);

	/* init empties a queue in use */
	CHECK_EQ(queue_init(&q, small, sizeof small), 0);
	CHECK_EQ(push1(&q, "abc", 3), 0);
	CHECK_EQ(queue_count(&q), 1);
	CHECK_EQ(queue_init(&q, small, sizeof small), 0);
	CHECK_EQ(queue_count(&q), 0);
	CHECK_EQ(queue_free(&q), sizeof small - QUEUE_HDR);
}

static void
t_empty(void)
{
	struct queue before;
	uint32_t cap;

	for (cap = QUEUE_CAP_MIN; cap <= 40; cap++) {
		model_init(cap);
		model_check(1);
		before = m.q;
		CHECK_EQ(queue_pop(&m.q), QUEUE_EEMPTY);
		CHECK(memcmp(&before, &m.q, sizeof before) == 0);
		model_check(1);
		/* and again after a record came and went */
		model_push(cap - QUEUE_HDR, SIZE_MAX);
		model_check(1);
		model_pop();
		model_check(1);
		model_pop();
		CHECK_EQ(queue_pop(&m.q), QUEUE_EEMPTY);
		CHECK(guards_ok(cap));
	}
}

static void
t_exactly_full(void)
{
	unsigned char *p;
	uint32_t cap;
	size_t n;

	for (cap = QUEUE_CAP_MIN; cap <= 300; cap++) {
		model_init(cap);
		CHECK_EQ(model_push(cap - QUEUE_HDR, SIZE_MAX), 0);
		model_check(1);
		CHECK_EQ(queue_free(&m.q), -1);
		CHECK_EQ(queue_count(&m.q), 1);
		/* full now, but these would fit an empty queue */
		CHECK_EQ(model_push(0, SIZE_MAX), QUEUE_EFULL);
		CHECK_EQ(model_push(cap - QUEUE_HDR, SIZE_MAX), QUEUE_EFULL);
		CHECK_EQ(model_push(cap - QUEUE_HDR + 1, SIZE_MAX),
		    QUEUE_ETOOBIG);
		p = queue_peek(&m.q, &n);
		CHECK(p == m.buf + QUEUE_HDR);
		CHECK_EQ(n, cap - QUEUE_HDR);
		model_pop();
		CHECK_EQ(queue_free(&m.q), cap - QUEUE_HDR);

		/* full of equal records, with nothing left over */
		if (cap % 8 == 0) {
			model_init(cap);
			for (n = 0; n < cap / 8; n++)
				CHECK_EQ(model_push(4, SIZE_MAX), 0);
			CHECK_EQ(queue_free(&m.q), -1);
			CHECK_EQ(model_push(0, SIZE_MAX), QUEUE_EFULL);
			while (m.n > 0)
				model_pop();
		}
		CHECK(guards_ok(cap));
	}
}

static void
t_too_big(void)
{
	static const size_t caps[] = { 5, 6, 9, 100, 4096 };
	unsigned char snap[4096];
	struct queue before;
	size_t i, cap, max;

	for (i = 0; i < nitems(caps); i++) {
		cap = caps[i];
		max = cap - QUEUE_HDR;
		model_init((uint32_t)cap);
		CHECK_EQ(model_push(max + 1, SIZE_MAX), QUEUE_ETOOBIG);
		CHECK_EQ(model_push(cap, SIZE_MAX), QUEUE_ETOOBIG);
		CHECK_EQ(push1(&m.q, pat, SIZE_MAX), QUEUE_ETOOBIG);
#if SIZE_MAX > UINT32_MAX	/* with a 32-bit size_t this is 0: fine */
		CHECK_EQ(push1(&m.q, pat, (size_t)UINT32_MAX + 1),
		    QUEUE_ETOOBIG);
#endif
		CHECK_EQ(queue_push(&m.q, pat, SIZE_MAX, pat, 1),
		    QUEUE_ETOOBIG);
		CHECK_EQ(queue_push(&m.q, pat, 1, pat, SIZE_MAX),
		    QUEUE_ETOOBIG);
		CHECK_EQ(queue_push(&m.q, pat, SIZE_MAX, pat, SIZE_MAX),
		    QUEUE_ETOOBIG);
		/* sums that wrap around to something small */
		CHECK_EQ(queue_push(&m.q, pat, SIZE_MAX, pat, 2),
		    QUEUE_ETOOBIG);
		CHECK_EQ(queue_push(&m.q, pat, 2, pat, SIZE_MAX - 1),
		    QUEUE_ETOOBIG);
		CHECK_EQ(queue_push(&m.q, pat, max, pat, 1), QUEUE_ETOOBIG);
		CHECK_EQ(queue_push(&m.q, pat, 1, pat, max), QUEUE_ETOOBIG);
		model_check(1);
		CHECK_EQ(queue_free(&m.q), (long)max);
		/* not too big, just too big for now: a different answer */
		CHECK_EQ(model_push(1, SIZE_MAX), 0);
		CHECK_EQ(model_push(max, SIZE_MAX), QUEUE_EFULL);
		CHECK_EQ(model_push(max + 1, SIZE_MAX), QUEUE_ETOOBIG);
		/* refusals leave the queue and its buffer as they were */
		before = m.q;
		memcpy(snap, m.buf, cap);
		CHECK_EQ(push1(&m.q, pat, max + 1), QUEUE_ETOOBIG);
		CHECK_EQ(push1(&m.q, pat, max), QUEUE_EFULL);
		CHECK(memcmp(&before, &m.q, sizeof before) == 0);
		CHECK(memcmp(snap, m.buf, cap) == 0);
		model_check(1);
		CHECK(guards_ok(cap));
	}
}

static void
t_zero_length(void)
{
	unsigned char *p;
	uint32_t cap;
	size_t i, n;

	for (cap = QUEUE_CAP_MIN; cap <= 64; cap++) {
		model_init(cap);
		for (i = 0; i < cap / QUEUE_HDR; i++)
			CHECK_EQ(model_push(0, SIZE_MAX), 0);
		CHECK_EQ(queue_count(&m.q), cap / QUEUE_HDR);
		CHECK_EQ(queue_free(&m.q), -1);
		CHECK_EQ(model_push(0, SIZE_MAX), QUEUE_EFULL);
		for (i = 0; i < cap / QUEUE_HDR; i++) {
			n = 99;
			p = queue_peek(&m.q, &n);
			/* an empty record is still a record: not NULL */
			CHECK(p == m.buf + QUEUE_HDR * (i + 1));
			CHECK_EQ(n, 0);
			model_pop();
			model_check(1);
		}
		CHECK_EQ(queue_count(&m.q), 0);
	}

	/* empty records between others, through a wrap */
	model_init(20);
	CHECK_EQ(model_push(4, SIZE_MAX), 0);	/* [0, 8) */
	CHECK_EQ(model_push(0, SIZE_MAX), 0);	/* [8, 12) */
	CHECK_EQ(model_push(4, SIZE_MAX), 0);	/* [12, 20) */
	model_pop();
	CHECK_EQ(model_push(0, 0), 0);		/* wraps: [0, 4) */
	CHECK_EQ(model_push(0, SIZE_MAX), 0);	/* [4, 8) */
	CHECK_EQ(model_push(0, SIZE_MAX), QUEUE_EFULL);
	CHECK_EQ(queue_free(&m.q), -1);
	while (m.n > 0)
		model_pop();
	model_check(1);
	CHECK(guards_ok(20));
}

/*
 * Every offset: with records A and B in the buffer and A popped, so that
 * the oldest record starts at every possible rd and the free tail at every
 * possible wr, push C of every length.  C lands after B, or at the start
 * behind a marker (one of QUEUE_HDR bytes of ones when the tail has room
 * for it, nothing at all when it has not), or is refused.  Then fill the
 * exact remaining room with D, and read B, C, D back.
 */
static void
wrap_case(uint32_t cap, uint32_t a, uint32_t b, uint32_t c)
{
	unsigned char snap[64];
	uint32_t rd, wr, tail, skip;
	long f;
	int rc, wrapped;

	model_init(cap);
	CHECK_EQ(model_push(a, SIZE_MAX), 0);
	CHECK_EQ(model_push(b, b / 2), 0);
	model_pop();
	rd = QUEUE_HDR + a;
	wr = rd + QUEUE_HDR + b;
	tail = cap - wr;
	if (!model_check(1))
		return;
	memcpy(snap, m.buf, cap);

	rc = model_push(c, c % 3 == 0 ? SIZE_MAX : c / 3);
	if (QUEUE_HDR + c <= tail) {
		CHECK_EQ(rc, 0);
		wrapped = 0;
	} else if (QUEUE_HDR + c <= rd) {
		CHECK_EQ(rc, 0);
		wrapped = 1;
	} else {
		CHECK_EQ(rc, c > cap - QUEUE_HDR ? QUEUE_ETOOBIG : QUEUE_EFULL);
		CHECK(memcmp(snap, m.buf, cap) == 0);
		model_check(1);
		return;
	}
	/* a marker if the tail has room for one; the rest untouched */
	skip = wrapped && tail >= QUEUE_HDR ? QUEUE_HDR : 0;
	if (skip)
		CHECK(memcmp(m.buf + wr, "\xff\xff\xff\xff", 4) == 0);
	if (wrapped)
		CHECK(memcmp(m.buf + wr + skip, snap + wr + skip,
		    tail - skip) == 0);
	model_check(1);

	/* the exact room left, then nothing more */
	f = queue_free(&m.q);
	if (f >= 0) {
		CHECK_EQ(model_push((size_t)f + 1, SIZE_MAX),
		    (size_t)f + 1 > cap - QUEUE_HDR ? QUEUE_ETOOBIG :
		    QUEUE_EFULL);
		CHECK_EQ(model_push((size_t)f, (size_t)f / 2), 0);
		model_check(1);
	}
	while (m.n > 0) {
		model_pop();
		model_check(1);
	}
	/* empty again: the biggest record fits, at the front */
	CHECK_EQ(queue_free(&m.q), cap - QUEUE_HDR);
	CHECK_EQ(model_push(cap - QUEUE_HDR, SIZE_MAX), 0);
	model_check(1);
	CHECK(guards_ok(cap));
}

static void
t_wrap_every_offset(void)
{
	uint32_t cap, a, b, c;

	for (cap = QUEUE_CAP_MIN; cap <= 64; cap++) {
		if (cap > 40 && cap != 61 && cap != 64)
			continue;
		for (a = 0; a + 2 * QUEUE_HDR <= cap; a++)
			for (b = 0; a + b + 2 * QUEUE_HDR <= cap; b++)
				for (c = 0; c <= cap - QUEUE_HDR + 1; c++)
					wrap_case(cap, a, b, c);
	}
}

/* The marker, case by case (cap 20). */
static void
t_marker(void)
{
	unsigned char *p;
	size_t n, t;

	/* tail of exactly 4: room for the marker only */
	model_init(20);
	CHECK_EQ(model_push(8, SIZE_MAX), 0);	/* [0, 12) */
	CHECK_EQ(model_push(0, SIZE_MAX), 0);	/* [12, 16) */
	model_pop();
	CHECK_EQ(queue_free(&m.q), 8);		/* front: 12 bytes */
	CHECK_EQ(model_push(5, SIZE_MAX), 0);	/* [0, 9), marker at 16 */
	CHECK(memcmp(m.buf + 16, "\xff\xff\xff\xff", 4) == 0);
	model_pop();				/* rd meets the marker */
	p = queue_peek(&m.q, &n);
	CHECK(p == m.buf + QUEUE_HDR);
	CHECK_EQ(n, 5);
	model_check(1);

	/* tail of 4 and an empty record: it fits there, no wrap */
	model_init(20);
	CHECK_EQ(model_push(8, SIZE_MAX), 0);
	CHECK_EQ(model_push(0, SIZE_MAX), 0);
	CHECK_EQ(model_push(0, SIZE_MAX), 0);	/* [16, 20) */
	model_pop();
	model_pop();
	p = queue_peek(&m.q, &n);
	CHECK(p == m.buf + 20);			/* at the very end */
	CHECK_EQ(n, 0);
	CHECK_EQ(model_push(3, SIZE_MAX), 0);	/* [0, 7), no tail at all */
	model_pop();
	p = queue_peek(&m.q, &n);
	CHECK(p == m.buf + QUEUE_HDR);
	CHECK_EQ(n, 3);

	/* tails of 3, 2 and 1: skipped without a marker */
	for (t = 1; t <= 3; t++) {
		model_init(20);
		CHECK_EQ(model_push(12 - t, SIZE_MAX), 0);
		CHECK_EQ(model_push(0, SIZE_MAX), 0);
		model_pop();
		CHECK_EQ(model_push(0, SIZE_MAX), 0);	/* wraps */
		CHECK(memcmp(m.buf + 20 - t, "\xa5\xa5\xa5", t) == 0);
		model_pop();
		model_check(1);
		CHECK(queue_peek(&m.q, &n) == m.buf + QUEUE_HDR);
	}

	/* records full of ones are data, not markers */
	model_init(40);
	memset(m.buf, FILL, 40);
	CHECK_EQ(push1(&m.q, "\xff\xff\xff\xff\xff\xff\xff\xff", 8), 0);
	CHECK_EQ(push1(&m.q, "\xff\xff\xff\xff", 4), 0);
	CHECK_EQ(queue_pop(&m.q), 0);
	p = queue_peek(&m.q, &n);
	CHECK(p == m.buf + 16);
	CHECK_EQ(n, 4);
	CHECK_EQ(queue_pop(&m.q), 0);
	CHECK_EQ(queue_count(&m.q), 0);
}

static void
t_reset_on_empty(void)
{
	/* straight */
	model_init(100);
	CHECK_EQ(model_push(50, SIZE_MAX), 0);
	CHECK_EQ(model_push(30, SIZE_MAX), 0);
	model_pop();
	CHECK_EQ(queue_free(&m.q), 50);		/* front 54, tail 12 */
	model_pop();
	CHECK_EQ(queue_free(&m.q), 96);
	CHECK_EQ(model_push(96, SIZE_MAX), 0);
	CHECK(queue_peek(&m.q, &(size_t){ 0 }) == m.buf + QUEUE_HDR);
	model_pop();

	/* through a wrap */
	model_init(100);
	CHECK_EQ(model_push(40, SIZE_MAX), 0);	/* [0, 44) */
	CHECK_EQ(model_push(40, SIZE_MAX), 0);	/* [44, 88) */
	model_pop();
	CHECK_EQ(model_push(30, SIZE_MAX), 0);	/* [0, 34), marker at 88 */
	CHECK_EQ(queue_free(&m.q), 6);		/* [34, 44) */
	model_pop();				/* back to the start */
	CHECK_EQ(queue_free(&m.q), 62);		/* [34, 100) */
	model_pop();
	CHECK_EQ(queue_count(&m.q), 0);
	CHECK_EQ(queue_free(&m.q), 96);
	CHECK_EQ(model_push(96, SIZE_MAX), 0);
	model_check(1);
	CHECK(guards_ok(100));
}

static void
t_push2(void)
{
	static const char msg[] = "envelope:{\"type\":\"message\"}";
	unsigned char *p;
	uint32_t cap;
	size_t n, h, len;

	model_init(64);
	CHECK_EQ(queue_push(&m.q, "envelope:", 9, msg + 9, sizeof msg - 10),
	    0);
	CHECK_EQ(queue_push(&m.q, NULL, 0, "body", 4), 0);
	CHECK_EQ(queue_push(&m.q, "head", 4, NULL, 0), 0);
	CHECK_EQ(queue_push(&m.q, NULL, 0, NULL, 0), 0);
	p = queue_peek(&m.q, &n);
	CHECK(n == sizeof msg - 1 && memcmp(p, msg, n) == 0);
	queue_pop(&m.q);
	p = queue_peek(&m.q, &n);
	CHECK(n == 4 && memcmp(p, "body", 4) == 0);
	queue_pop(&m.q);
	p = queue_peek(&m.q, &n);
	CHECK(n == 4 && memcmp(p, "head", 4) == 0);
	queue_pop(&m.q);
	p = queue_peek(&m.q, &n);
	CHECK(p != NULL && n == 0);
	queue_pop(&m.q);
	CHECK_EQ(queue_count(&m.q), 0);

	/* every split of every length, at the capacity's edge too */
	for (cap = QUEUE_CAP_MIN; cap <= 24; cap++)
		for (len = 0; len <= cap - QUEUE_HDR + 1; len++)
			for (h = 0; h <= len; h++) {
				model_init(cap);
				model_push(len, h);
				model_check(1);
				/* and again where it must wrap */
				if (len + 2 * QUEUE_HDR <= cap) {
					model_init(cap);
					model_push(cap - QUEUE_HDR * 2 - len,
					    SIZE_MAX);
					model_push(0, SIZE_MAX);
					model_pop();
					model_push(len, h);
					while (m.n > 0)
						model_pop();
				}
				CHECK(guards_ok(cap));
			}
}

/* A peeked record stays put, whatever is pushed after it. */
static void
t_peek_stable(void)
{
	unsigned char *p, *p2, copy[30];
	size_t n, n2;

	model_init(100);
	CHECK_EQ(model_push(30, SIZE_MAX), 0);
	CHECK_EQ(model_push(30, SIZE_MAX), 0);
	model_pop();
	p = queue_peek(&m.q, &n);
	memcpy(copy, p, sizeof copy);
	while (model_push(5, 2) == 0)
		;
	CHECK(queue_free(&m.q) < 5);
	p2 = queue_peek(&m.q, &n2);
	CHECK(p2 == p && n2 == n);
	CHECK(memcmp(p, copy, sizeof copy) == 0);

	/* the record may be changed in place; the next one is unharmed */
	memset(p, 'x', n);
	CHECK_EQ(queue_pop(&m.q), 0);	/* the model would check it */
	m.head = (m.head + 1) % MODEL_MAX;
	m.n--;
	model_check(1);
	while (m.n > 0)
		model_pop();
	CHECK(guards_ok(100));
}

/*
 * queue_unpush() right after a push, in each state and across the wrap,
 * leaves the queue as it was: the same room, and the next push lands
 * where the record taken back was; at any other time it is refused.
 */
static void
t_unpush(void)
{
	long before;

	model_init(64);
	CHECK_EQ(model_unpush(), QUEUE_EEMPTY);
	/* empty: back to the start */
	CHECK_EQ(model_push(10, SIZE_MAX), 0);
	CHECK_EQ(model_unpush(), 0);
	CHECK_EQ(model_unpush(), QUEUE_EEMPTY);
	model_check(1);
	CHECK_EQ(queue_free(&m.q), 60);
	/* straight */
	CHECK_EQ(model_push(10, SIZE_MAX), 0);
	CHECK_EQ(model_push(10, SIZE_MAX), 0);
	CHECK_EQ(model_push(10, SIZE_MAX), 0);
	before = queue_free(&m.q);
	CHECK_EQ(model_push(5, 2), 0);
	CHECK_EQ(model_unpush(), 0);
	CHECK_EQ(queue_free(&m.q), before);
	model_check(1);
	/* a refused push changes nothing, the last one can still go */
	CHECK_EQ(model_push(3, SIZE_MAX), 0);
	CHECK_EQ(model_push(61, SIZE_MAX), QUEUE_ETOOBIG);
	CHECK_EQ(model_push(40, SIZE_MAX), QUEUE_EFULL);
	CHECK_EQ(model_unpush(), 0);
	model_check(1);
	/* a pop in between: refused */
	CHECK_EQ(model_push(3, SIZE_MAX), 0);
	CHECK_EQ(model_pop(), 0);
	CHECK_EQ(model_unpush(), QUEUE_EEMPTY);
	/* the push that wraps to the front, with its marker, taken back */
	CHECK_EQ(model_pop(), 0);
	before = queue_free(&m.q);
	CHECK_EQ(model_push(20, SIZE_MAX), 0);
	model_check(1);
	CHECK_EQ(model_unpush(), 0);
	CHECK_EQ(queue_free(&m.q), before);
	model_check(1);
	CHECK_EQ(model_push(20, SIZE_MAX), 0);
	model_check(1);
	/* and in a wrapped queue, into the gap */
	CHECK_EQ(model_pop(), 0);
	before = queue_free(&m.q);
	CHECK_EQ(model_push(2, SIZE_MAX), 0);
	CHECK_EQ(model_unpush(), 0);
	CHECK_EQ(queue_free(&m.q), before);
	model_check(1);
	while (m.n > 0)
		model_pop();
	CHECK_EQ(model_unpush(), QUEUE_EEMPTY);
	model_check(1);
	CHECK(guards_ok(64));
}

/*
 * A million random operations against the model, over capacities from the
 * smallest to BIGCAP.  Record lengths mix small ones, any length up to one
 * past the largest, and lengths right at queue_free() and one above it.
 */
static void
t_random(void)
{
	static const uint32_t caps[] = {
		5, 6, 7, 8, 9, 12, 13, 31, 64, 100, 257, 1000, 4096, BIGCAP
	};
	uint64_t seed = 0x5eed0fc0ffee1234ULL;
	const char *env;
	size_t i, per = (1000000 + nitems(caps) - 1) / nitems(caps), k, len, max;
	long f;
	int fresh = 1;

	if ((env = getenv("T_QUEUE_SEED")) != NULL)
		seed = strtoull(env, NULL, 0);
	printf("t_queue: random: seed %#llx, %zu operations\n",
	    (unsigned long long)seed, per * nitems(caps));
	for (i = 0; i < nitems(caps); i++) {
		rng = seed + i;
		model_init(caps[i]);
		max = caps[i] - QUEUE_HDR;
		for (k = 0; k < per; k++) {
			switch (rnd() % 16) {
			case 0: case 1: case 2: case 3: case 4: case 5:
			case 6:
				f = queue_free(&m.q);
				switch (rnd() % 8) {
				case 0:
					len = 0;
					break;
				case 1:
					len = f < 0 ? 0 : (size_t)f;
					break;
				case 2:
					len = (size_t)(f + 1);
					break;
				case 3:
					len = rnd() % (max + 2);
					break;
				default:
					len = rnd() % (max < 64 ? max + 2 : 64);
					break;
				}
				model_push(len, rnd() % 2 ? SIZE_MAX :
				    (size_t)(rnd() % (len + 1)));
				break;
			case 7: case 8: case 9: case 10: case 11:
				model_pop();
				fresh = 1;
				break;
			case 12:
				if (rnd() % 1024 == 0)
					while (m.n > 0)
						model_pop();
				break;
			case 13:
				/* allowed only right after a push */
				model_unpush();
				fresh = 1;
				break;
			case 14:
				/* a push taken back at once leaves no trace */
				len = rnd() % (max + 1);
				if (model_push(len, SIZE_MAX) == 0) {
					model_unpush();
					fresh = 1;
				}
				break;
			default:
				break;
			}
			/* the oldest record in full when it is new to us */
			if (!model_check(fresh))
				goto fail;
			fresh = m.n == 0;
		}
		while (m.n > 0)
			model_pop();
		model_check(1);
		CHECK(guards_ok(caps[i]));
	}
	return;
fail:
	fprintf(stderr, "t_queue: random: cap %u, step %zu\n",
	    (unsigned)caps[i], k);
}

int
main(int argc, char **argv)
{
	static const struct t_case cases[] = {
		{ "init_caps",		t_init_caps },
		{ "empty",		t_empty },
		{ "exactly_full",	t_exactly_full },
		{ "too_big",		t_too_big },
		{ "zero_length",	t_zero_length },
		{ "wrap_every_offset",	t_wrap_every_offset },
		{ "marker",		t_marker },
		{ "reset_on_empty",	t_reset_on_empty },
		{ "push2",		t_push2 },
		{ "peek_stable",	t_peek_stable },
		{ "unpush",		t_unpush },
		{ "random",		t_random },
	};

	pat_init();
	return t_run(cases, nitems(cases), argc, argv);
}

/*
 * queue.h: a fixed-size FIFO of byte records, without I/O or allocation.
 *
 * The WebSocket reader pushes one record per event; the handler side peeks
 * at the oldest record, uses it where it lies (writes it to stdout or a
 * pipe, parses it) and pops it.  The records live in a buffer that the
 * caller gives to queue_init() and that must outlive the queue.
 *
 * Each record is stored as a 4-byte length followed by its bytes, and is
 * never split across the end of the buffer: a record that does not fit
 * before the end goes to the start instead, behind a wrap marker.  So
 * queue_peek() always gives one contiguous run of bytes.  The price is that
 * the space left over at the end is unusable until the reader passes it,
 * which is why queue_free() is "the largest record that fits now" and not
 * a count of unused bytes.
 *
 * A push that does not fit is refused and changes nothing: records are
 * never overwritten or dropped.  Records of zero bytes are allowed.
 */
#ifndef QUEUE_H
#define QUEUE_H

#include <stddef.h>
#include <stdint.h>

#define QUEUE_HDR	4		/* bytes of length before each record */
#define QUEUE_CAP_MIN	(QUEUE_HDR + 1)	/* room for one 1-byte record */
#define QUEUE_CAP_MAX	0x7fffffffUL	/* lengths fit the header and a long */

/* Results: 0 or one of these. */
#define QUEUE_EFULL	(-1)	/* no room now; pop and try again */
#define QUEUE_ETOOBIG	(-2)	/* larger than cap - QUEUE_HDR: never fits */
#define QUEUE_EEMPTY	(-3)	/* nothing to pop */
#define QUEUE_ECAP	(-4)	/* queue_init(): capacity out of range */

/* Private: offsets into buf, none above cap; see queue.c. */
struct queue {
	unsigned char	*buf;
	uint32_t	 cap;
	uint32_t	 rd;	/* header of the oldest record */
	uint32_t	 wr;	/* where the next record's header goes */
	uint32_t	 n;	/* records held */
	uint32_t	 undo;	/* wr before the last push, or all ones */
};

/*
 * Makes q an empty queue over buf[0..cap).  The largest record it will
 * ever take is cap - QUEUE_HDR bytes.  Returns 0, or QUEUE_ECAP when cap
 * is below QUEUE_CAP_MIN or above QUEUE_CAP_MAX; q then refuses every
 * push with QUEUE_ETOOBIG.  Does not touch buf.
 */
int	queue_init(struct queue *q, void *buf, size_t cap);

/*
 * Appends a copy of head[0..hlen) then body[0..blen) as the newest
 * record, one record gathered from two parts without the caller first
 * copying them together (a small header in front of an event that lies
 * in the WebSocket buffer, say; body may be NULL when blen is 0).
 * Returns 0, QUEUE_ETOOBIG when the record is longer than cap -
 * QUEUE_HDR (it would not fit even in an empty queue), or QUEUE_EFULL when
 * it does not fit now.  A refused push changes nothing.
 */
int	queue_push(struct queue *q, const void *head, size_t hlen,
	    const void *body, size_t blen);

/*
 * The oldest record: returns a pointer to its bytes and sets *n to its
 * length, or returns NULL (and sets *n to 0) when the queue is empty.  The
 * bytes are contiguous inside the caller's buffer; they may be read or
 * changed in place and stay where they are, untouched by later pushes,
 * until queue_pop() or queue_init().
 */
unsigned char *queue_peek(struct queue *q, size_t *n);

/*
 * Takes back the newest record, which must have been added by the last
 * change to the queue (a successful queue_push(), with no pop since; a
 * refused push changes nothing): the queue is then as it was before that
 * push.  Lets a caller copy a record in before it has decided to keep it.
 * Returns 0, or QUEUE_EEMPTY when there is nothing to take back.
 */
int	queue_unpush(struct queue *q);

/*
 * Drops the oldest record.  Returns 0, or QUEUE_EEMPTY.  When the last
 * record goes the queue starts over at the front of the buffer, so that a
 * record of any length up to cap - QUEUE_HDR fits again.
 */
int	queue_pop(struct queue *q);

/*
 * Walks the records, oldest first, without removing them: start with a
 * zeroed cursor; each call returns the next record (as queue_peek()) or
 * NULL after the last.  Any push or pop ends the walk: start a new one.
 */
struct queue_cur {
	uint32_t	at, left;
	int		started;
};

/* The record after cursor c (its length in *n), or NULL after the last. */
unsigned char *queue_next(const struct queue *q, struct queue_cur *c,
	    size_t *n);

/* Records in the queue. */
size_t	queue_count(const struct queue *q);

/*
 * Bytes free: the length of the largest record that queue_push() would
 * take right now, or -1 when not even a record of zero bytes fits.
 * push(n) succeeds exactly when n <= queue_free().
 */
long	queue_free(const struct queue *q);


#endif

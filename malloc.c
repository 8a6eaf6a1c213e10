/*
 * malloc.c: the allocator, for the C library's few calls.
 *
 * slackbot allocates nothing itself (config.h sizes every buffer).  The C
 * library does, in two places: getaddrinfo() in the resolver process
 * (conn.c), which exits after one lookup, and opendir() while a CA
 * directory is read at start-up (ta.c).  musl's general allocator is 5 KB
 * of code for that; this one hands out blocks from a fixed arena and takes
 * back the last block handed out when it is freed (opendir(), then
 * closedir()), nothing else.  A request the arena cannot meet fails with
 * ENOMEM, which getaddrinfo() reports as EAI_MEMORY.
 *
 * Only the static build links it: the ASan and fuzz builds keep the C
 * library's, which the sanitizers watch.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

/* Each block: a head of HEAD bytes (its size, the previous top), then data. */
#define HEAD	16

struct head {
	size_t	size;
	size_t	prev;		/* the top of the arena before this block */
};

static unsigned char	arena[MALLOC_ARENA] __attribute__((aligned(16)));
static size_t		top;	/* bytes of arena[] handed out */
static size_t		last = (size_t)-1;	/* head of the newest block */

static struct head *
head_of(void *p)
{
	return (struct head *)(void *)((unsigned char *)p - HEAD);
}

/* see stdlib.h */
void *
malloc(size_t n)
{
	struct head *h;
	size_t need;

	if (n > sizeof arena - HEAD - top) {
		errno = ENOMEM;
		return NULL;
	}
	need = HEAD + ((n + 15) & ~(size_t)15);
	if (need > sizeof arena - top) {
		errno = ENOMEM;
		return NULL;
	}
	h = (struct head *)(void *)(arena + top);
	h->size = n;
	h->prev = top;
	last = top;
	top += need;
	return (unsigned char *)h + HEAD;
}

/* see stdlib.h */
void
free(void *p)
{
	if (p != NULL && (unsigned char *)p - HEAD == arena + last) {
		top = head_of(p)->prev;
		last = (size_t)-1;
	}
}

/* see stdlib.h */
void *
calloc(size_t n, size_t size)
{
	void *p;

	if (size != 0 && n > (size_t)-1 / size) {
		errno = ENOMEM;
		return NULL;
	}
	if ((p = malloc(n * size)) != NULL)
		memset(p, 0, n * size);
	return p;
}

/* see stdlib.h */
void *
realloc(void *p, size_t n)
{
	void *q;
	size_t old;

	if (p == NULL)
		return malloc(n);
	old = head_of(p)->size;
	if (n <= old) {
		head_of(p)->size = n;
		return p;
	}
	if ((q = malloc(n)) == NULL)
		return NULL;
	memcpy(q, p, old);
	free(p);
	return q;
}

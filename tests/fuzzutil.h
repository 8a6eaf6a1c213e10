/*
 * tests/fuzzutil.h: what the libFuzzer targets share.
 *
 * fz_copy() copies bytes into a fixed area whose every other byte is
 * poisoned for AddressSanitizer, so that touching one byte before or
 * after the copy is caught, as with a malloc() of exactly that size.  A
 * malloc() costs a stack trace, a quarantine slot and, for large sizes,
 * page faults: feeding a 16 KB input byte by byte, one malloc() a byte,
 * spent most of a target's time in the allocator.  Poisoning costs one
 * shadow byte per 8 bytes copied.
 *
 * Each copy is poisoned again when the next one is made, and copies go
 * round the area, so a pointer kept into an old copy is caught too until
 * the area comes round (megabytes later), as free() would catch it until
 * its quarantine is recycled.
 */
#ifndef FUZZUTIL_H
#define FUZZUTIL_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <sanitizer/asan_interface.h>

#define FZ_AREA		(4 * 1024 * 1024)
#define FZ_GAP		64		/* poisoned bytes between copies */

static char	fz_area[FZ_AREA] __attribute__((aligned(64)));

/* A fenced copy of p[0..n), valid until the next call. */
static inline char *
fz_copy(const void *p, size_t n)
{
	static size_t at = FZ_GAP, lastlen;
	static char *last;
	char *c;

	if (n > FZ_AREA - 2 * FZ_GAP)
		abort();
	if (last == NULL)
		ASAN_POISON_MEMORY_REGION(fz_area, sizeof fz_area);
	else
		ASAN_POISON_MEMORY_REGION(last, lastlen);
	if (at + n + FZ_GAP > FZ_AREA)
		at = FZ_GAP;
	c = fz_area + at;
	ASAN_UNPOISON_MEMORY_REGION(c, n);
	if (n > 0)
		memcpy(c, p, n);
	/* The next copy starts aligned, past a gap. */
	at += (n + FZ_GAP + 63) & ~(size_t)63;
	last = c;
	lastlen = n;
	return c;
}

/*
 * Makes only buf[0..n) of buf[0..size) accessible (size and n: a buffer
 * and the part of it the code under test is told about).
 */
static inline void
fz_limit(void *buf, size_t size, size_t n)
{
	ASAN_POISON_MEMORY_REGION(buf, size);
	ASAN_UNPOISON_MEMORY_REGION(buf, n);
}

#endif

/*
 * util.h: small helpers shared by the modules: strict numbers from the
 * wire, base64, the monotonic clock and random bytes.
 */
#ifndef UTIL_H
#define UTIL_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parses s[0..n) as a decimal number of at most max.  Refuses an empty
 * string, signs, blanks, any non-digit and overflow.  Returns 0 and sets
 * *out, or -1 (and leaves *out alone).
 */
int	parse_u64(const char *s, size_t n, uint64_t max, uint64_t *out);

/*
 * Writes the base64 (RFC 4648, padded) of src[0..n) and a NUL into out.
 * Returns the length without the NUL, or 0 when cap is too small.
 */
size_t	base64_encode(char *out, size_t cap, const void *src, size_t n);

/*
 * Exponential backoff: first * 2^n milliseconds, capped at max (n from 0,
 * the failures so far); backoff_ms() is a random time between half and
 * all of that, which keeps many clients from coming back all at once.
 */
int64_t	backoff_ceiling(int n, int64_t first, int64_t max);
int64_t	backoff_ms(int n, int64_t first, int64_t max);

/*
 * FNV-1a over p[0..n), going on from h (FNV_START for a new hash); used
 * to recognise what was seen before, never for anything secret.
 */
#define FNV_START	0xcbf29ce484222325ull

/* The hash of p[0..n) after h: pure, no buffer kept. */
uint64_t fnv1a(uint64_t h, const void *p, size_t n);

/* Milliseconds from an arbitrary start, never going back (CLOCK_MONOTONIC). */
int64_t	now_ms(void);

/*
 * Fills buf with n unpredictable bytes: a ChaCha20 keystream keyed once
 * from the kernel (getrandom, else /dev/urandom).  Returns 0, or -1 when
 * the system has no random source at all.
 */
int	random_bytes(void *buf, size_t n);

#endif

/*
 * util.c: see util.h.
 *
 * random_bytes() keys a ChaCha20 stream from the kernel on first use and
 * then serves every request from it, so that the WebSocket layer can take
 * a fresh masking key per frame without a system call per frame.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include <bearssl.h>

#include "util.h"

/* see util.h */
int
parse_u64(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;
	unsigned d;

	if (n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (unsigned)(s[i] - '0');
		/* max - d must not wrap when max is a single digit */
		if (d > max || v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* see util.h */
size_t
base64_encode(char *out, size_t cap, const void *src, size_t n)
{
	static const char abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = src;
	size_t i, o = 0;
	uint32_t v;

	/* 4 characters per 3 bytes or part of them, then the NUL */
	if (cap == 0 || n / 3 + (n % 3 != 0) > (cap - 1) / 4)
		return 0;
	for (i = 0; i + 2 < n; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		out[o++] = abc[v >> 18];
		out[o++] = abc[v >> 12 & 63];
		out[o++] = abc[v >> 6 & 63];
		out[o++] = abc[v & 63];
	}
	if (i < n) {
		v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		out[o++] = abc[v >> 18];
		out[o++] = abc[v >> 12 & 63];
		out[o++] = i + 1 < n ? abc[v >> 6 & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

/* see util.h */
int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
kernel_random(unsigned char *buf, size_t n)
{
	ssize_t r;
	size_t got = 0;
	int fd;

	while (got < n) {
		r = getrandom(buf + got, n - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		got += (size_t)r;
	}
	if (got == n)
		return 0;
	/* Kernels before 3.17 have no getrandom(). */
	if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	for (got = 0; got < n; got += (size_t)r) {
		r = read(fd, buf + got, n - got);
		if (r < 0 && errno == EINTR) {
			r = 0;
			continue;
		}
		if (r <= 0)
			break;
	}
	close(fd);
	return got == n ? 0 : -1;
}

/* see util.h */
int
random_bytes(void *buf, size_t n)
{
	static unsigned char key[32], pool[64];
	static uint32_t counter;
	static size_t left;
	static int keyed;
	unsigned char iv[12] = { 0 };
	unsigned char *out = buf;
	size_t k;

	if (!keyed) {
		if (kernel_random(key, sizeof key) < 0)
			return -1;
		keyed = 1;
	}
	while (n > 0) {
		if (left == 0) {
			/* Fresh key long before the 32-bit counter wraps. */
			if (counter >= 0x80000000u) {
				if (kernel_random(key, sizeof key) < 0)
					return -1;
				counter = 0;
			}
			memset(pool, 0, sizeof pool);
			counter = br_chacha20_ct_run(key, iv, counter, pool,
			    sizeof pool);
			left = sizeof pool;
		}
		k = n < left ? n : left;
		memcpy(out, pool + sizeof pool - left, k);
		memset(pool + sizeof pool - left, 0, k);
		left -= k;
		out += k;
		n -= k;
	}
	return 0;
}

/* see util.h */
int64_t
backoff_ceiling(int n, int64_t first, int64_t max)
{
	int64_t ceiling = first;

	while (n-- > 0 && ceiling < max)
		ceiling *= 2;
	return ceiling < max ? ceiling : max;
}

/* see util.h */
int64_t
backoff_ms(int n, int64_t first, int64_t max)
{
	int64_t ceiling = backoff_ceiling(n, first, max);
	uint32_t r = 0;

	random_bytes(&r, sizeof r);
	return ceiling / 2 + (int64_t)(r % (uint32_t)(ceiling / 2 + 1));
}

/* see util.h */
uint64_t
fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	while (n-- > 0)
		h = (h ^ *s++) * 0x100000001b3ull;
	return h;
}

/*
 * fortify.c: the glibc _FORTIFY_SOURCE entry points that Debian's
 * libbearssl.a calls (it is built with hardening flags for glibc).  musl
 * has none of them.  Linked into musl builds only.
 *
 * The last argument is the size of the destination object as the compiler
 * saw it; writing past it is a memory-safety bug, so stop at once.
 */
#include <stdlib.h>
#include <string.h>

void	*__memcpy_chk(void *, const void *, size_t, size_t);
void	*__memmove_chk(void *, const void *, size_t, size_t);
void	*__memset_chk(void *, int, size_t, size_t);

void *
__memcpy_chk(void *dst, const void *src, size_t n, size_t dstlen)
{
	if (n > dstlen)
		abort();
	return memcpy(dst, src, n);
}

void *
__memmove_chk(void *dst, const void *src, size_t n, size_t dstlen)
{
	if (n > dstlen)
		abort();
	return memmove(dst, src, n);
}

void *
__memset_chk(void *dst, int c, size_t n, size_t dstlen)
{
	if (n > dstlen)
		abort();
	return memset(dst, c, n);
}

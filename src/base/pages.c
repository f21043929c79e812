/* pages.c - see pages.h. */
#define _DEFAULT_SOURCE   /* madvise() and MADV_HUGEPAGE under -std=c11 */
#include "pages.h"

#include <stdint.h>
#if defined(__linux__) && !defined(__wasm__)
#include <sys/mman.h>
#include <unistd.h>
#endif

void cr_pages_hint_huge(void *p, size_t bytes)
{
#if defined(__linux__) && !defined(__wasm__) && defined(MADV_HUGEPAGE)
    if (!p || bytes < CR_PAGES_HUGE_MIN) return;
    const long size = sysconf(_SC_PAGESIZE);
    if (size <= 0) return;
    const uintptr_t page = (uintptr_t)size, start = ((uintptr_t)p + page - 1) & ~(page - 1),
                    end = ((uintptr_t)p + bytes) & ~(page - 1);
    if (end > start) (void)madvise((void *)start, end - start, MADV_HUGEPAGE);
#else
    (void)p;
    (void)bytes;
#endif
}

/* pages.h - a hint that a large buffer be backed by huge pages.
 *
 * A 1M-row data set is ~57 MB: faulted in 4 KiB at a time that is ~14,000
 * page faults, 15 ms of a 250 ms training natively. Linux's transparent huge
 * pages often wait for this hint (THP "madvise" mode); numpy gives the same
 * one for its arrays of 4 MB or more. It changes no byte of the buffer and
 * no result; where there is no such hint (wasm, other systems) it does
 * nothing, and a refused hint is ignored.
 */
#ifndef CR_PAGES_H
#define CR_PAGES_H

#include <stddef.h>

#ifndef CR_HIDDEN
#define CR_HIDDEN __attribute__((visibility("hidden")))
#endif

/* Below this many bytes the hint is not given (numpy's threshold). */
#define CR_PAGES_HUGE_MIN ((size_t)4 << 20)

/* Hints that the whole pages inside p[0..bytes) be huge pages. */
CR_HIDDEN void cr_pages_hint_huge(void *p, size_t bytes);

#endif

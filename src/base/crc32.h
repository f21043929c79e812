/* crc32.h - CRC-32 (IEEE 802.3 / zlib / PNG: reflected polynomial
 * 0xEDB88320, initial value and final xor 0xFFFFFFFF).
 */
#ifndef CR_CRC32_H
#define CR_CRC32_H

#include <stddef.h>
#include <stdint.h>

#ifndef CR_HIDDEN
#define CR_HIDDEN __attribute__((visibility("hidden")))
#endif

/* Returns the CRC-32 of the bytes hashed so far followed by data[0..len).
 * Start with crc = 0; the pre/post inversion is done inside, so
 * cr_crc32(0, "123456789", 9) == 0xCBF43926 and
 * cr_crc32(cr_crc32(0, a, n), b, m) equals the CRC of a followed by b.
 * data may be NULL when len is 0. */
CR_HIDDEN uint32_t cr_crc32(uint32_t crc, const void *data, size_t len);

#endif

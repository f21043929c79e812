/* test_sha256.c - SHA-256 (FIPS 180-4 vectors, streaming) and CRC-32.
 * Returns 0 on success, 1 on failure (printing what failed). */
#include "crc32.h"
#include "sha256.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

static void digest_hex(const void *data, size_t len, size_t chunk, char hex[65])
{
    const unsigned char *p = (const unsigned char *)data;
    cr_sha256_ctx ctx;
    uint8_t d[32];
    cr_sha256_init(&ctx);
    if (chunk == 0) {
        cr_sha256_update(&ctx, p, len);
    } else {
        size_t off = 0;
        while (off < len) {
            size_t n = len - off < chunk ? len - off : chunk;
            cr_sha256_update(&ctx, p + off, n);
            off += n;
        }
    }
    cr_sha256_final(&ctx, d);
    cr_sha256_hex(d, hex);
}

static void check_sha(const char *what, const void *data, size_t len, size_t chunk,
                      const char *want)
{
    char got[65];
    digest_hex(data, len, chunk, got);
    if (strlen(got) != 64 || strcmp(got, want) != 0) {
        printf("FAIL sha256 %s (chunk %zu): got %s, want %s\n", what, chunk, got, want);
        failures++;
    }
}

static const size_t chunks[] = {0, 1, 3, 63, 64, 65};
#define N_CHUNKS (sizeof chunks / sizeof chunks[0])

static void test_fips(void)
{
    static const char m448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    static const char m896[] =
        "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
        "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    size_t i;
    char *million = malloc(1000000);
    if (!million) {
        printf("FAIL out of memory\n");
        failures++;
        return;
    }
    memset(million, 'a', 1000000);

    for (i = 0; i < N_CHUNKS; i++) {
        check_sha("\"\"", "", 0, chunks[i],
                  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        check_sha("\"abc\"", "abc", 3, chunks[i],
                  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        check_sha("448-bit message", m448, strlen(m448), chunks[i],
                  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
        check_sha("896-bit message", m896, strlen(m896), chunks[i],
                  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
        check_sha("one million 'a'", million, 1000000, chunks[i],
                  "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    }
    free(million);

    /* NULL with length 0 is allowed */
    {
        cr_sha256_ctx ctx;
        uint8_t d[32];
        char hex[65];
        cr_sha256_init(&ctx);
        cr_sha256_update(&ctx, NULL, 0);
        cr_sha256_update(&ctx, "abc", 3);
        cr_sha256_update(&ctx, NULL, 0);
        cr_sha256_final(&ctx, d);
        cr_sha256_hex(d, hex);
        if (strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")) {
            printf("FAIL sha256 with empty updates: %s\n", hex);
            failures++;
        }
    }
}

/* Lengths around the padding boundaries; digests from an independent
 * implementation (Python hashlib) of bytes (i*31+7) & 0xff. */
static void test_boundaries(void)
{
    static const struct {
        size_t len;
        const char *hex;
    } v[] = {
        {55, "8aa994584139d128848eeebc4e815639ba5ab6e6e39574195a63ac4f14f7c43b"},
        {56, "ad574708f75c044c9b85de64cb568ee7711ff4f36448c6242f053ba8f6cc2b63"},
        {57, "5b46e502092be01b1100193e089fdda95638c12e19a1d24f308eb2c3d3ae849d"},
        {63, "280ed3e8ff1df845b2e7dfe6ac6cee817bef20e783cc65abc41b818b4d2fe076"},
        {64, "c6ab9724ade5b6a7a1edfffb12f3aa9181351355af8fd08c919952ad211339dd"},
        {65, "788367c73c7ddf4c53f65e68cc0d943e6227ab55b0e78ba63ace822b1c6301c0"},
        {119, "3d610547d68216dedf7435a4fb6260353911f6b3fd3f18805ddb8be285d726fe"},
        {120, "1f80156a804cb7862ad113e8200e9d74499723e7c7854d5f48776d3148e09656"},
        {127, "192409cd280e14b743642ad1343fbd3e82d9305de72c078117745a679210cc3d"},
        {128, "cc548ca2dec1f6fe4f58b2e27aa9c7521607df1130d140b55a4dad0665302356"},
        {129, "81e89a7b2911aaa7795f9e3d4910cb47d6cd2b00d83b8399481527261a1a7519"},
        {1000, "5097e7d587352f5097062ae679f37bda5802d9f875aba14c8cb4d1a188ada179"},
    };
    unsigned char m[1000];
    size_t i, j;
    for (i = 0; i < sizeof m; i++)
        m[i] = (unsigned char)((i * 31 + 7) & 0xff);
    for (i = 0; i < sizeof v / sizeof v[0]; i++) {
        char what[32];
        snprintf(what, sizeof what, "%zu-byte message", v[i].len);
        for (j = 0; j < N_CHUNKS; j++)
            check_sha(what, m, v[i].len, chunks[j], v[i].hex);
    }
    /* every length 0..300: one-shot equals byte-at-a-time and 7-byte chunks */
    for (i = 0; i <= 300; i++) {
        char a[65], b[65], c[65];
        digest_hex(m, i, 0, a);
        digest_hex(m, i, 1, b);
        digest_hex(m, i, 7, c);
        if (strcmp(a, b) || strcmp(a, c)) {
            printf("FAIL sha256 streaming mismatch at length %zu\n", i);
            failures++;
        }
    }
}

/* cr_sha256_le64_many (several messages at once in SIMD lanes, the rest one
 * at a time) against the streaming hash of the same bytes: every message
 * length 1..80 words (1 to 11 blocks, the padding in the last data block or
 * a block of its own), counts through every lane width (16, 8, 4 where the
 * CPU has them) and 0..3 messages left to the portable path,
 * and the words a data set hashes (doubles, -0, NaN bits). */
static void test_many(void)
{
    enum { MAX_WORDS = 80, MAX_N = 31 };
    static uint64_t msg[MAX_WORDS * MAX_N];
    static uint64_t got[4 * MAX_N + 4];
    uint64_t x = 0x9e3779b97f4a7c15u;
    for (size_t i = 0; i < sizeof msg / sizeof msg[0]; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        msg[i] = i % 5 == 0 ? 0x3ff0000000000000u * (i % 3) : i % 7 == 0 ? 0x8000000000000000u : x;
    }
    for (size_t words = 1; words <= MAX_WORDS; words++) {
        for (size_t n = 0; n <= MAX_N; n++) {
            memset(got, 0xa5, sizeof got);
            cr_sha256_le64_many(msg, words, n, got);
            for (size_t k = 0; k < n; k++) {
                uint8_t bytes[8 * MAX_WORDS], want[32];
                for (size_t j = 0; j < 8 * words; j++) bytes[j] = (uint8_t)(msg[k * words + j / 8] >> (8 * (j % 8)));
                cr_sha256_ctx c;
                cr_sha256_init(&c);
                cr_sha256_update(&c, bytes, 8 * words);
                cr_sha256_final(&c, want);
                for (size_t j = 0; j < 32; j++) {
                    if ((uint8_t)(got[4 * k + j / 8] >> (8 * (j % 8))) != want[j]) {
                        printf("FAIL sha256 many: %zu words, message %zu of %zu, byte %zu\n", words, k, n, j);
                        failures++;
                        break;
                    }
                }
            }
            if (got[4 * n] != 0xa5a5a5a5a5a5a5a5u) {
                printf("FAIL sha256 many: %zu words, %zu messages: wrote past the digests\n", words, n);
                failures++;
            }
        }
    }
}

/* ----------------------------------------------------------------- CRC */

static uint32_t crc_bitwise(uint32_t crc, const unsigned char *p, size_t n)
{
    crc = ~crc;
    while (n--) {
        int k;
        crc ^= *p++;
        for (k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static void check_crc(const char *what, uint32_t got, uint32_t want)
{
    if (got != want) {
        printf("FAIL crc32 %s: got 0x%08x, want 0x%08x\n", what, (unsigned)got,
               (unsigned)want);
        failures++;
    }
}

static void test_crc32(void)
{
    static const char check[] = "123456789";
    static const char fox[] = "The quick brown fox jumps over the lazy dog";
    unsigned char buf[4096];
    uint32_t seed = 12345u;
    size_t i;

    check_crc("check value", cr_crc32(0, check, 9), 0xcbf43926u);
    check_crc("fox", cr_crc32(0, fox, strlen(fox)), 0x414fa339u);
    check_crc("empty", cr_crc32(0, NULL, 0), 0u);
    check_crc("empty keeps crc", cr_crc32(0xcbf43926u, "", 0), 0xcbf43926u);
    for (i = 0; i <= 9; i++) {
        char what[32];
        snprintf(what, sizeof what, "chained split at %zu", i);
        check_crc(what, cr_crc32(cr_crc32(0, check, i), check + i, 9 - i), 0xcbf43926u);
    }

    /* every table entry (all byte values) against the bitwise definition */
    for (i = 0; i < sizeof buf; i++) {
        seed = seed * 1103515245u + 12345u;
        buf[i] = (unsigned char)(seed >> 16);
    }
    for (i = 0; i < 256; i++) {
        unsigned char b = (unsigned char)i;
        char what[32];
        snprintf(what, sizeof what, "byte 0x%02zx", i);
        check_crc(what, cr_crc32(0, &b, 1), crc_bitwise(0, &b, 1));
    }
    check_crc("4096 random bytes", cr_crc32(0, buf, sizeof buf),
              crc_bitwise(0, buf, sizeof buf));
    for (i = 0; i < sizeof buf; i += 97) {
        char what[40];
        snprintf(what, sizeof what, "random chained split at %zu", i);
        check_crc(what, cr_crc32(cr_crc32(0, buf, i), buf + i, sizeof buf - i),
                  crc_bitwise(0, buf, sizeof buf));
    }
}

int main(void)
{
    test_fips();
    test_boundaries();
    test_many();
    test_crc32();
    if (failures) {
        printf("test_sha256: %d FAILURES\n", failures);
        return 1;
    }
    printf("test_sha256: OK\n");
    return 0;
}

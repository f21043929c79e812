/* cpu.c - see cpu.h. */
#include "cpu.h"

int cr_cpu_wide(void)
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    /* Computed once; threads that race here store the same value. */
    static int cached = -1;
    int level = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (level < 0) {
        __builtin_cpu_init();
        level = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") ? 2
                : __builtin_cpu_supports("avx2")                                        ? 1
                                                                                        : 0;
        __atomic_store_n(&cached, level, __ATOMIC_RELAXED);
    }
    return level;
#else
    return 0;
#endif
}

/* cpu.h - which vector kernels this CPU runs, asked once: kernels built for
 * wider targets are chosen at run time (the same bits on every width). */
#ifndef CR_CPU_H
#define CR_CPU_H

#ifndef CR_HIDDEN
#define CR_HIDDEN __attribute__((visibility("hidden")))
#endif

/* 2: AVX-512 (F and VL), 1: AVX2, 0: neither, or not x86-64. */
CR_HIDDEN int cr_cpu_wide(void);

#endif

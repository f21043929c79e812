# wasi-sdk-style toolchain from Debian's pieces: clang-19, lld-19,
# libclang-rt-19-dev-wasm32 and wasi-libc (clang finds the sysroot itself).
set(CMAKE_SYSTEM_NAME WASI)
set(CMAKE_SYSTEM_VERSION 1)
set(CMAKE_SYSTEM_PROCESSOR wasm32)
list(APPEND CMAKE_MODULE_PATH ${CMAKE_CURRENT_LIST_DIR})   # Platform/WASI.cmake

find_program(WASI_CLANG NAMES clang-19 clang REQUIRED)
find_program(WASI_AR NAMES llvm-ar-19 llvm-ar REQUIRED)
find_program(WASI_RANLIB NAMES llvm-ranlib-19 llvm-ranlib REQUIRED)
set(CMAKE_C_COMPILER ${WASI_CLANG})
set(CMAKE_C_COMPILER_TARGET wasm32-wasi)
set(CMAKE_AR ${WASI_AR} CACHE FILEPATH "")
set(CMAKE_RANLIB ${WASI_RANLIB} CACHE FILEPATH "")
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

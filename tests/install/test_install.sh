#!/usr/bin/env bash
# The C library as a user meets it: configure and build the source tree with
# gcc and with clang, `cmake --install` into a prefix, then build a separate
# project against the prefix with find_package(callrisk) and with
# pkg-config (shared and static). Every consumer must print the seed's
# 99 HIGH with the default model's id.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
want="99 HIGH 2033a8d95ed7b3b1a764b228893ac02e633770cebf541da97791d47eec0fb530"
check() { # NAME PROGRAM
  local got
  got=$("$2") || { echo "test_install: $1 failed" >&2; exit 1; }
  case "$got" in "$want "*) echo "test_install: $1: $got" ;; *) echo "test_install: $1 printed '$got'" >&2; exit 1 ;; esac
}
compilers=(cc)
command -v clang-19 >/dev/null && compilers+=(clang-19)
for compiler in "${compilers[@]}"; do
  prefix=$work/$compiler/prefix
  CC=$compiler cmake -S "$src" -B "$work/$compiler/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCALLRISK_BUILD_TESTS=OFF -DCALLRISK_BUILD_BENCH=OFF >/dev/null
  cmake --build "$work/$compiler/build" >/dev/null
  cmake --install "$work/$compiler/build" --prefix "$prefix" >/dev/null
  for f in include/callrisk.h lib/libcallrisk.a lib/libcallrisk.so lib/cmake/callrisk/callriskConfig.cmake \
           lib/cmake/callrisk/callriskConfigVersion.cmake lib/pkgconfig/callrisk.pc bin/callrisk; do
    [ -e "$prefix/$f" ] || { echo "test_install: $compiler: $f was not installed" >&2; exit 1; }
  done
  # find_package, from a project that knows nothing of the source tree.
  cmake -S "$src/tests/install/consumer" -B "$work/$compiler/consumer" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
  cmake --build "$work/$compiler/consumer" >/dev/null
  check "$compiler find_package callrisk::callrisk" "$work/$compiler/consumer/consumer_shared"
  check "$compiler find_package callrisk::callrisk_static" "$work/$compiler/consumer/consumer_static"
  # pkg-config, from the prefix moved elsewhere (the .pc file is relocatable).
  mv "$prefix" "$work/$compiler/moved"
  export PKG_CONFIG_PATH=$work/$compiler/moved/lib/pkgconfig
  # shellcheck disable=SC2046
  cc -o "$work/$compiler/pc_shared" "$src/tests/install/consumer/main.c" $(pkg-config --cflags --libs callrisk) \
    -Wl,-rpath,"$work/$compiler/moved/lib"
  check "$compiler pkg-config" "$work/$compiler/pc_shared"
  # The archive, with what --static says it needs besides itself.
  [ "$(pkg-config --libs --static callrisk | grep -o -- '-lm')" = -lm ] || { echo "test_install: Libs.private lacks -lm" >&2; exit 1; }
  # shellcheck disable=SC2046
  cc -o "$work/$compiler/pc_static" "$src/tests/install/consumer/main.c" $(pkg-config --cflags callrisk) \
    "$(pkg-config --variable=libdir callrisk)/libcallrisk.a" -lm
  check "$compiler pkg-config, static archive" "$work/$compiler/pc_static"
  # One version everywhere: the header's (CR_VERSION_*), the CLI's, the
  # pkg-config file's, the npm package's and the Python package's.
  version=$(pkg-config --modversion callrisk)
  [ "$version" = "$("$work/$compiler/moved/bin/callrisk" --version | sed 's/callrisk \([0-9.]*\).*/\1/')" ] &&
    [ "$version" = "$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$src/package.json")" ] &&
    [ "$version" = "$(sed -n 's/^version = "\(.*\)"$/\1/p' "$src/python/pyproject.toml")" ] ||
    { echo "test_install: versions differ: header/pkg-config $version, package.json, pyproject.toml, CLI" >&2; exit 1; }
done
echo "test_install: ok"

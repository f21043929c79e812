#!/usr/bin/env bash
# Installs what building and testing callrisk needs on Debian 12, and only
# what is missing: cmake (>= 3.25), ninja, a C compiler; with --tests also
# Emscripten (the npm package's wasm), clang-19 + wasi-libc (the WASI
# builds), Node.js + npm, Debian's Chromium (browser tests), scikit-learn
# (checks the parity fixtures reproduce), the npm dev dependencies (npm ci),
# wasmtime 48 (cargo install, cached in .cache/wasmtime) and a Python venv
# with the wasmtime engine and pytest (.cache/venv), and for the Spark tests
# (python/tests/test_spark.py) Java >= 17 and PySpark with pyarrow and pandas
# in that venv (pinned; pip's cache keeps the wheel it builds from PySpark's
# 430 MB sdist). --backend: what the reference backend needs (Emscripten,
# Node, npm ci in backend/).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v cmake >/dev/null || need+=(cmake)
command -v ninja >/dev/null || need+=(ninja-build)
command -v cc >/dev/null || need+=(gcc libc6-dev)
if [ "${1:-}" = --tests ] || [ "${1:-}" = --backend ]; then
  # The backend: the npm package (Emscripten) and better-sqlite3 (node-gyp).
  command -v emcc >/dev/null || need+=(emscripten)
  command -v node >/dev/null || need+=(nodejs)
  command -v npm >/dev/null || need+=(npm)
  command -v g++ >/dev/null || need+=(g++)
  command -v make >/dev/null || need+=(make)
fi
if [ "${1:-}" = --tests ]; then
  /usr/bin/python3 -c 'import sklearn' 2>/dev/null || need+=(python3-sklearn)
  [ -x /usr/bin/chromium ] || need+=(chromium)
  command -v clang-19 >/dev/null || need+=(clang-19)
  command -v wasm-ld-19 >/dev/null || need+=(lld-19)
  [ -e /usr/lib/llvm-19/lib/clang/19/lib/wasi/libclang_rt.builtins-wasm32.a ] || need+=(libclang-rt-19-dev-wasm32)
  [ -e /usr/lib/wasm32-wasi/libc.a ] || need+=(wasi-libc)
  ls /usr/lib/llvm-19/lib/clang/19/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 || need+=(libclang-rt-19-dev)
  command -v gcovr >/dev/null || need+=(gcovr)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  # the seed's service, rebuilt in bench/seed_service, for the parity test and the load benchmark
  /usr/bin/python3 -c 'import fastapi, uvicorn' 2>/dev/null || need+=(python3-fastapi python3-uvicorn)
  command -v wrk >/dev/null || need+=(wrk)
  # A locale with a decimal comma, for the test that numbers ignore the locale.
  locale -a 2>/dev/null | grep -qi '^de_DE.utf' || need+=(locales)
  # PySpark 4 runs on Java 17 or later (Java 8 says "1.8.0").
  java_major=$(java -version 2>&1 | sed -n 's/.* version "\([0-9]*\).*/\1/p' | head -n 1 || true)
  [ "${java_major:-0}" -ge 17 ] || need+=(openjdk-17-jre-headless)
fi
if [ ${#need[@]} -gt 0 ]; then
  sudo=
  [ "$(id -u)" = 0 ] || sudo=sudo
  echo "setup: installing ${need[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if [ "${1:-}" = --tests ] && ! locale -a 2>/dev/null | grep -qi '^de_DE.utf'; then
  sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo sed -i 's/^# *de_DE.UTF-8 UTF-8/de_DE.UTF-8 UTF-8/' /etc/locale.gen
  grep -q '^de_DE.UTF-8 UTF-8' /etc/locale.gen || echo 'de_DE.UTF-8 UTF-8' | $sudo tee -a /etc/locale.gen >/dev/null
  $sudo locale-gen >/dev/null
fi
if [ "${1:-}" = --tests ] || [ "${1:-}" = --backend ]; then
  # nodedir: build better-sqlite3 against the installed Node's headers.
  [ -d backend/node_modules/better-sqlite3 ] || (cd backend && npm ci --no-audit --no-fund --nodedir=/usr >&2)
fi
if [ "${1:-}" = --tests ]; then
  [ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund >&2
  # The bundler apps and the type tests have their own dependencies.
  [ -d tests/bundlers/node_modules/vite ] || npm ci --prefix tests/bundlers --no-audit --no-fund >&2
  [ -d tests/types/node_modules/typescript ] || npm ci --prefix tests/types --no-audit --no-fund >&2
  if ! command -v wasmtime >/dev/null && [ ! -x .cache/wasmtime/bin/wasmtime ]; then
    command -v cargo >/dev/null || { echo "setup: wasmtime needs cargo (rustup) to build" >&2; exit 1; }
    echo "setup: building wasmtime-cli 48.0.8 (cached in .cache/wasmtime)" >&2
    cargo install wasmtime-cli --version 48.0.8 --locked --quiet --root .cache/wasmtime >&2
  fi
  # On PATH for new shells, as the README's wasmtime lines expect: a link in
  # /usr/local/bin (root) or ~/.local/bin (Debian's ~/.profile adds it).
  if ! command -v wasmtime >/dev/null && [ -x .cache/wasmtime/bin/wasmtime ]; then
    bindir=/usr/local/bin
    [ -w "$bindir" ] || { bindir=$HOME/.local/bin; mkdir -p "$bindir"; }
    ln -sf "$PWD/.cache/wasmtime/bin/wasmtime" "$bindir/wasmtime"
    echo "setup: wasmtime -> $bindir/wasmtime" >&2
  fi
  if [ ! -x .cache/venv/bin/pytest ]; then
    python3 -m venv .cache/venv >&2
    .cache/venv/bin/pip install --quiet wasmtime==50.0.1 pytest >&2
  fi
  # callrisk.spark's tests: a local Spark (mapInArrow needs pyarrow; PySpark's
  # Arrow conversions import pandas). Installed unless every pin is.
  spark_pins=(pyspark==4.0.5 pyarrow==20.0.0 pandas==2.3.3 numpy==2.4.6)
  if ! .cache/venv/bin/python -c 'import sys; from importlib.metadata import version
sys.exit(any(version(n) != v for n, v in (p.split("==") for p in sys.argv[1:])))' "${spark_pins[@]}" 2>/dev/null; then
    echo "setup: installing ${spark_pins[*]} into .cache/venv" >&2
    .cache/venv/bin/pip install --quiet "${spark_pins[@]}" >&2
  fi
fi

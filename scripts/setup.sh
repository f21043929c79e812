#!/usr/bin/env bash
# Installs what building and testing callrisk needs on Debian 12, and only
# what is missing: cmake (>= 3.25), ninja, a C compiler; with --tests also
# Debian's scikit-learn, which checks that the parity fixtures reproduce.
set -euo pipefail

need=()
command -v cmake >/dev/null || need+=(cmake)
command -v ninja >/dev/null || need+=(ninja-build)
command -v cc >/dev/null || need+=(gcc libc6-dev)
if [ "${1:-}" = --tests ]; then
  /usr/bin/python3 -c 'import sklearn' 2>/dev/null || need+=(python3-sklearn)
fi
if [ ${#need[@]} -gt 0 ]; then
  sudo=
  [ "$(id -u)" = 0 ] || sudo=sudo
  echo "setup: installing ${need[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

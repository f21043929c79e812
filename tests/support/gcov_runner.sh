#!/bin/sh
# Runs a command of the coverage build (tests/CMakeLists.txt passes it to
# test_cli.sh as the CLI's runner). A process under a file-size limit
# (test_cli.sh's full-disk case) cannot rewrite the .gcda files whole at exit:
# the torn merge leaves counters that gcov reads back as negative branch
# counts, and gcovr stops. Such a run counts into a scratch directory.
if [ "$(ulimit -f)" != unlimited ]; then
  scratch=$(mktemp -d) || exit 1
  GCOV_PREFIX=$scratch "$@"
  rc=$?
  rm -rf "$scratch"
  exit $rc
fi
exec "$@"

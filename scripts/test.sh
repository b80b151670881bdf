#!/usr/bin/env bash
# Set everything up and run the whole test suite: the package, the CLI, the strict site build
# and the browser tests (Debian chromium, installed here when missing). Extra arguments go to
# pytest, e.g. `bash scripts/test.sh -m "not slow"`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh

if [ ! -x /usr/bin/chromium ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo -n"
  echo "test: installing Debian chromium for the browser tests" >&2
  if ! { $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }; then
    echo "test: could not install chromium; the browser tests will be skipped (failed under CI=true)" >&2
  fi
fi

. .venv/bin/activate
exec python -m pytest "$@"

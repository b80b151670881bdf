#!/usr/bin/env bash
# Build the bilingual site strictly into site/ (or --site-dir DIR), executing the tutorial
# notebooks that changed since the last build (cache: .cache/notebooks/). Extra arguments go to
# `properdocs build`. Environment: PATHLEARN_NOTEBOOK_WORKERS (kernels at once, default 2),
# PATHLEARN_NOTEBOOK_TIMEOUT (seconds per cell, default 300), PATHLEARN_NOTEBOOK_CACHE.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
# shellcheck disable=SC1091
. .venv/bin/activate
export NO_MKDOCS_2_WARNING=1
exec properdocs build --strict "$@"

#!/usr/bin/env bash
# The main job: set everything up, build the bilingual site (executing the tutorials) and
# serve it at http://127.0.0.1:8000/pathlearn/ (the path of site_url). Extra arguments go to `properdocs serve`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
. .venv/bin/activate
export NO_MKDOCS_2_WARNING=1  # Material's banner about MkDocs 2.0; this site pins mkdocs<2
exec properdocs serve --strict -a "${PATHLEARN_ADDR:-127.0.0.1:8000}" "$@"

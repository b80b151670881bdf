#!/usr/bin/env bash
# Vendors KaTeX into docs/assets/vendor/katex/ from the npm registry, so that the site renders
# math without any third-party request. Run once per KaTeX upgrade and commit the result.
# Only what the browser needs is kept: the minified JS and CSS and the woff2 fonts (every
# browser that runs the site's JavaScript reads woff2; the CSS is rewritten so that it names no
# woff/ttf file that is not shipped). Not contrib/auto-render: math.js splits the text itself.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
version=${1:-0.19.1}
dest=docs/assets/vendor/katex
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "katex@$version" >/dev/null && tar xzf katex-*.tgz)
pkg=$work/package
rm -rf "$dest"
mkdir -p "$dest/fonts"
cp "$pkg/LICENSE" "$dest/LICENSE"
cp "$pkg/dist/katex.min.js" "$dest/"
cp "$pkg"/dist/fonts/*.woff2 "$dest/fonts/"
# src:url(a.woff2) format("woff2"),url(a.woff) format("woff"),url(a.ttf) format("truetype")
#  -> src:url(a.woff2) format("woff2")
sed -E 's/(format\("woff2"\)),url\([^)]*\.woff\) format\("woff"\),url\([^)]*\.ttf\) format\("truetype"\)/\1/g' \
  "$pkg/dist/katex.min.css" >"$dest/katex.min.css"
if grep -Eq '\.(woff|ttf)\)' "$dest/katex.min.css"; then
  echo "vendor_katex: the CSS still names woff/ttf fonts; update the sed expression" >&2
  exit 1
fi
printf 'KaTeX %s from the npm registry (npm pack katex@%s), MIT licence (LICENSE).\nReproduce with: bash scripts/vendor_katex.sh %s\n' \
  "$version" "$version" "$version" >"$dest/VERSION.txt"
du -sh "$dest"

"""Prune Material's stylesheets (main.css, palette.css) to the rules the site's pages can use.

Not an upstream bug, a cost (issue 9): both stylesheets block every page's first paint, and a
plain static server sends them uncompressed. Material's main.css (~135 KB) styles every feature
of the theme: tabs, admonitions of every kind, annotations, versions, blog, tags, right-to-left
layouts; palette.css (~12 KB) every primary and accent colour. The site uses a few of them. The
pruned copies keep the rules whose selectors can match an element of a built page, or one that
Material's script adds (every `md-` class its bundle names), in the same order (`_css.py`):
about 60 % of main.css and 80 % of palette.css go, and every page's first paint waits on
~80 KB less. The originals are read from the theme, so the hook gives the same result however
often it runs.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from mkdocs.plugins import event_priority

sys.path.insert(0, str(Path(__file__).parent))
import _css  # noqa: E402

STYLESHEETS = re.compile(r"assets/stylesheets/(?:main|palette)\.[0-9a-f]+\.min\.css$")
BUNDLE = "assets/javascripts/bundle.*.min.js"
# Attributes whose value a selector may ask for and the pages (or the palette toggle, which
# copies its input's data-md-color-* onto <body>) set: a rule for another value cannot match.
TRACKED_ATTRIBUTES = frozenset({"dir", "data-md-color-scheme", "data-md-color-primary", "data-md-color-accent"})
# Classes scripts add after load: Material's bundle names them in its string literals
# (`md-tooltip2--active`, or the stem `md-source__fact--` it completes at run time); the
# focus-visible polyfill adds these two.
POLYFILL_CLASSES = {"focus-visible", "js-focus-visible"}


def script_classes(bundle: str) -> tuple[set[str], tuple[str, ...]]:
    """The `md-` classes Material's bundle names, and the stems it completes at run time."""
    names = set(re.findall(r"md-[\w-]*", " ".join(re.findall(r"\"[^\"\n]*\"|'[^'\n]*'|`[^`]*`", bundle))))
    stems = tuple(sorted(n for n in names if n.endswith(("-", "_"))))
    return names | POLYFILL_CLASSES, stems


def site_usage(site: Path) -> tuple[set[str], set[str], dict[str, set[str]]]:
    """Classes, `var(--x)` references and tracked attribute values of every built HTML page."""
    classes: set[str] = set()
    var_refs: set[str] = set()
    attributes: dict[str, set[str]] = {name: set() for name in TRACKED_ATTRIBUTES}
    # *.htm: the collapsed blocks' bodies, which come after their page (hooks/lazy_blocks.py)
    for page in [*site.rglob("*.html"), *site.rglob("*.htm")]:
        text = page.read_text(encoding="utf-8")
        classes |= _css.page_classes(text)
        var_refs.update(_css.VAR_REF_RE.findall(text))
        for name, values in _css.attribute_values(text, TRACKED_ATTRIBUTES).items():
            attributes[name] |= values
    return classes, var_refs, attributes


def _original(rel: str, config) -> str | None:
    """The theme's own copy of `rel` (the site's may be pruned already)."""
    for folder in config.theme.dirs:
        path = Path(folder) / rel
        if path.is_file():
            return path.read_text(encoding="utf-8")
    return None


@event_priority(-100)  # after the other hooks' on_post_build wrote their files
def on_post_build(config):
    """Write the pruned main.css and palette.css over the copies in the site."""
    site = Path(config.site_dir)
    bundles = sorted(site.glob(BUNDLE))
    if not bundles:
        return
    bundle = bundles[0].read_text(encoding="utf-8")
    js_classes, stems = script_classes(bundle)
    classes, var_refs, attributes = site_usage(site)
    targets = [p for p in site.glob("assets/stylesheets/*.css") if STYLESHEETS.search(p.as_posix())]
    for path in site.rglob("*.css"):  # custom properties the other stylesheets and the script use
        if path not in targets:
            var_refs.update(_css.VAR_REF_RE.findall(path.read_text(encoding="utf-8")))
    var_refs.update(_css.VAR_REF_RE.findall(bundle), re.findall(r"--md-[\w-]+", bundle))
    originals = {path: _original(path.relative_to(site).as_posix(), config) for path in targets}
    for path, original in originals.items():
        if original is None:
            continue
        # palette.css defines the colours main.css uses, and the other way round
        refs = var_refs.union(*(_css.VAR_REF_RE.findall(text) for other, text in originals.items()
                                if other != path and text))
        pruned = _css.prune_css(original, classes | js_classes, refs, runtime_prefixes=stems,
                                attributes=attributes)
        if path.read_text(encoding="utf-8") != pruned:
            path.write_text(pruned, encoding="utf-8")

"""Keep Material's palette from restyling every element of a page while the page loads.

Not upstream bugs, costs (issue 9). Material mounts its colour palette on every page
(`components/palette/index.ts`), and two things it does there make Chromium recompute the style
of every element, three times, inside the script's first long task. A CPU trace of the Japanese
GAN tutorial on a phone-sized window: three recalculations of ~2,300 elements each after the
first, together about as long as the first style and layout of the page itself.

1. It sets `data-md-color-switching` on <body> (and removes it a task later) so that palette.css's
   `[data-md-color-switching] *{transition-duration:0s!important}` stops transitions while the
   colours change. A universal selector under the attribute makes each change of the attribute
   restyle the whole page; scoped to the elements that declare a transition (links, code, the
   navigation's links) it still restyled 2,700 of the API page's elements, twice.
   `drop_switching_rule` removes the rule: when the reader switches the scheme, the elements
   with a colour transition (links: 125-250 ms) fade to their new colour, the rest switch at once.
2. It appends `<meta name="color-scheme">` to <head> and sets its content. Chromium restyles the
   whole document on either change, whatever the value. `detach_color_scheme_meta` keeps that
   meta out of the document (the script still sets its content, on a detached element).
   overrides/main.html has `<meta name="color-scheme" content="light dark">` in <head> instead,
   from the start: the canvas and the viewport's scrollbars (what the meta is for) follow the
   reader's preference, as the palette does. (A `:root:has(> body[...])` rule would restyle
   the root, and with it the page, at every change under <body>.)

Both patch the site's copies (the pruned palette.css, the bundle), after hooks/theme_css.py.
The bundle's patch keeps its length, so its source map stays right; if Material's code changes
shape, the build fails here rather than quietly losing the fix.
"""

from __future__ import annotations

import re
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority

SWITCHING_RULE = ("[data-md-color-switching] *,[data-md-color-switching] :after,"
                  "[data-md-color-switching] :before{transition-duration:0s!important}")
# `let o=x("meta",{name:"color-scheme"});document.head.appendChild(o);` in the minified bundle
APPEND_SCHEME_META = re.compile(
    r'let (?P<var>[\w$]+)=[\w$]+\("meta",\{name:"color-scheme"\}\);'
    r"(?P<append>document\.head\.appendChild\((?P=var)\);)"
)


def drop_switching_rule(palette_css: str) -> str:
    """palette.css without the rule that stops transitions while the scheme switches."""
    if palette_css.count(SWITCHING_RULE) != 1:
        raise PluginError("hooks/palette_load.py: Material's palette.css no longer has "
                          f"{SWITCHING_RULE!r} exactly once; see the hook's docstring")
    return palette_css.replace(SWITCHING_RULE, "")


def detach_color_scheme_meta(bundle: str) -> str:
    """The bundle without the call that adds the color-scheme meta to <head> (same length)."""
    matches = list(APPEND_SCHEME_META.finditer(bundle))
    if len(matches) != 1:
        raise PluginError("hooks/palette_load.py: Material's bundle no longer appends its color-scheme "
                          f"meta as expected ({len(matches)} matches); see the hook's docstring")
    start, end = matches[0].span("append")
    return bundle[:start] + " " * (end - start) + bundle[end:]


@event_priority(-110)  # after theme_css.py (-100) wrote the pruned palette.css
def on_post_build(config):
    """Patch the site's palette.css and Material's bundle."""
    site = Path(config.site_dir)
    for path in site.glob("assets/stylesheets/palette.*.min.css"):
        text = path.read_text(encoding="utf-8")
        if "data-md-color-switching" in text:  # else: dropped already
            path.write_text(drop_switching_rule(text), encoding="utf-8")
    for path in site.glob("assets/javascripts/bundle.*.min.js"):
        text = path.read_text(encoding="utf-8")
        if APPEND_SCHEME_META.search(text) or 'name:"color-scheme"' not in text:  # else: patched already
            path.write_text(detach_color_scheme_meta(text), encoding="utf-8")

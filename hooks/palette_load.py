"""Keep Material's palette from restyling every element of a page while the page loads.

Not upstream bugs, costs (issue 9). Material mounts its colour palette on every page
(`components/palette/index.ts`), and two things it does there make Chromium recompute the style
of every element, three times, inside the script's first long task. A CPU trace of the Japanese
GAN tutorial on a phone-sized window: three recalculations of ~2,300 elements each after the
first, together about as long as the first style and layout of the page itself.

1. It sets `data-md-color-switching` on <body> (and removes it a task later) so that palette.css's
   `[data-md-color-switching] *{transition-duration:0s!important}` stops transitions while the
   colours change. A universal selector under the attribute makes each change of the attribute
   restyle the whole page. `scope_switching_rule` gives the same rule to the elements that have
   a transition (the rightmost part of every selector that declares one), so only they restyle;
   the search box's `::placeholder` is left out (a pseudo-element in the browser's own shadow
   tree restyles the whole page again): its colour fades instead of switching at once.
2. It appends `<meta name="color-scheme">` to <head> and sets its content. Chromium restyles the
   whole document on either change, whatever the value. `detach_color_scheme_meta` keeps that
   meta out of the document (the script still sets its content, on a detached element);
   extra.css gives the root element the dark scheme's `color-scheme` instead, which is what the
   meta was for: the canvas and the viewport's scrollbars.

Both patch the site's copies (the pruned palette.css, the bundle), after hooks/theme_css.py.
The bundle's patch keeps its length, so its source map stays right; if Material's code changes
shape, the build fails here rather than quietly losing the fix.
"""

from __future__ import annotations

import re
from pathlib import Path

import tinycss2
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority

SWITCHING_RULE = ("[data-md-color-switching] *,[data-md-color-switching] :after,"
                  "[data-md-color-switching] :before{transition-duration:0s!important}")
# `let o=x("meta",{name:"color-scheme"});document.head.appendChild(o);` in the minified bundle
APPEND_SCHEME_META = re.compile(
    r'let (?P<var>[\w$]+)=[\w$]+\("meta",\{name:"color-scheme"\}\);'
    r"(?P<append>document\.head\.appendChild\((?P=var)\);)"
)
NO_TRANSITION = {"none", "0", "0s", "0ms"}
# Pseudo-elements in a user-agent shadow tree (::placeholder) make Chromium restyle the whole
# subtree again; only the search box's placeholder has a transition, and it goes unfrozen.
SHADOW_PSEUDO = re.compile(r"::(?!before|after)[\w-]+")
COMBINATORS = {">", "+", "~"}


def _qualified_rules(nodes):
    for node in nodes:
        if node.type == "qualified-rule":
            yield node
        elif node.type == "at-rule" and node.content is not None and node.lower_at_keyword in ("media", "supports"):
            yield from _qualified_rules(tinycss2.parse_blocks_contents(node.content, skip_whitespace=True,
                                                                       skip_comments=True))


def _makes_transition(rule) -> bool:
    """Whether the rule declares a transition that takes time (`transition: none` does not)."""
    return any(decl.type == "declaration" and decl.lower_name in ("transition", "transition-duration")
               and tinycss2.serialize(decl.value).strip().lower() not in NO_TRANSITION
               for decl in tinycss2.parse_blocks_contents(rule.content, skip_whitespace=True, skip_comments=True))


def _last_compound(selector: list) -> str:
    """`.md-typeset table th:after` -> `th:after`: the part that names the element itself."""
    start = 0
    for i, token in enumerate(selector):
        if token.type == "whitespace" or (token.type == "literal" and token.value in COMBINATORS):
            start = i + 1
    return tinycss2.serialize(selector[start:]).strip()


def transition_targets(stylesheets: list[str]) -> list[str]:
    """The rightmost compound of every selector that declares a transition, in first-seen order."""
    targets: dict[str, None] = {}
    for css in stylesheets:
        for rule in _qualified_rules(tinycss2.parse_stylesheet(css, skip_whitespace=True, skip_comments=True)):
            if "data-md-color-switching" in tinycss2.serialize(rule.prelude) or not _makes_transition(rule):
                continue
            selector: list = []
            for token in [*rule.prelude, tinycss2.ast.LiteralToken(0, 0, ",")]:
                if token.type == "literal" and token.value == ",":
                    compound = _last_compound(selector)
                    if compound and not compound.startswith(("*", ":")) and not SHADOW_PSEUDO.search(compound):
                        targets[compound] = None
                    selector = []
                else:
                    selector.append(token)
    return list(targets)


def scope_switching_rule(palette_css: str, targets: list[str]) -> str:
    """palette.css with the switching rule limited to the elements `targets` select."""
    if palette_css.count(SWITCHING_RULE) != 1:
        raise PluginError("hooks/palette_load.py: Material's palette.css no longer has "
                          f"{SWITCHING_RULE!r} exactly once; see the hook's docstring")
    scoped = ",".join(f"[data-md-color-switching] {target}" for target in targets)
    return palette_css.replace(SWITCHING_RULE, f"{scoped}{{transition-duration:0s!important}}")


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
    stylesheets = sorted(site.glob("assets/stylesheets/*.css"))
    palettes = [p for p in stylesheets if re.fullmatch(r"palette\.[0-9a-f]+\.min\.css", p.name)]
    targets = transition_targets([p.read_text(encoding="utf-8") for p in stylesheets if p not in palettes])
    for path in palettes:
        text = path.read_text(encoding="utf-8")
        if SWITCHING_RULE in text or "data-md-color-switching" not in text:  # else: patched already
            path.write_text(scope_switching_rule(text, targets), encoding="utf-8")
    for path in site.glob("assets/javascripts/bundle.*.min.js"):
        text = path.read_text(encoding="utf-8")
        if APPEND_SCHEME_META.search(text) or 'name:"color-scheme"' not in text:  # else: patched already
            path.write_text(detach_color_scheme_meta(text), encoding="utf-8")

"""Prune a stylesheet to the rules a site's pages can use (used by notebook_html.py, theme_css.py).

Not a hook itself (the leading underscore keeps it out of `hooks:`). Plain Python and tinycss2.
A rule is dropped only when none of its selectors can match: a selector needs a class no page
has (and no script adds), or an attribute value (`[dir=rtl]`, `[data-md-color-primary=red]`)
that no page has, or puts `:root` below an element. Everything else keeps its order, so the
cascade is unchanged; the same input gives the same output, byte for byte.
"""

from __future__ import annotations

import functools
import re

import tinycss2

CLASS_ATTR_RE = re.compile(r"""\sclass=(?:"([^"]*)"|'([^']*)')""")
VAR_REF_RE = re.compile(r"var\(\s*(--[\w-]+)")
# <tag ... name="value">: the attribute values a page has (for `[name=value]` selectors).
ATTR_RE = re.compile(r"""\s([\w-]+)=(?:"([^"]*)"|'([^']*)')""")


def page_classes(html: str) -> set[str]:
    """Every class named in `class="..."` attributes of an HTML text."""
    out: set[str] = set()
    for match in CLASS_ATTR_RE.finditer(html):
        out.update((match.group(1) or match.group(2) or "").split())
    return out


def attribute_values(html: str, names: frozenset[str]) -> dict[str, set[str]]:
    """{attribute: values} of the attributes `names` in an HTML text."""
    out: dict[str, set[str]] = {name: set() for name in names}
    for match in ATTR_RE.finditer(html):
        if match.group(1) in names:
            out[match.group(1)].add(match.group(2) if match.group(2) is not None else match.group(3))
    return out


def _split_selectors(prelude: list) -> list[list]:
    selectors: list[list] = [[]]
    for token in prelude:
        if token.type == "literal" and token.value == ",":
            selectors.append([])
        else:
            selectors[-1].append(token)
    return [sel for sel in selectors if any(t.type != "whitespace" for t in sel)]


def _attribute_can_match(block, attributes: dict[str, set[str]]) -> bool:
    """False for `[name=value]` (exact match) when `name` is tracked and no page has `value`."""
    tokens = [t for t in block.content if t.type != "whitespace"]
    if len(tokens) != 3 or tokens[0].type != "ident" or tokens[1] != "=":
        return True  # [name], [name^=v], [name=v i], ...: not judged
    name, value = tokens[0].value, tokens[2]
    if name not in attributes or value.type not in ("ident", "string"):
        return True
    return value.value in attributes[name]


def _selector_can_match(selector: list, classes: set[str], prefixes: tuple[str, ...],
                        attributes: dict[str, set[str]]) -> bool:
    """Only classes written as `.name` and attributes as `[name=value]` count; those inside
    `:not()`, `:is()`, ... (function tokens) are not looked at, so such a selector is kept."""
    for i, token in enumerate(selector):
        if token.type == "[] block" and not _attribute_can_match(token, attributes):
            return False
        if i == 0:
            continue
        before = selector[i - 1]
        if before.type != "literal" or token.type != "ident":
            continue
        name = token.value
        if before.value == "." and name not in classes and not (prefixes and name.startswith(prefixes)):
            return False
        if before.value == ":" and token.lower_value == "root" and any(
            t.type != "whitespace" for t in selector[: i - 1]
        ):
            return False  # `.jupyter-wrapper :root` (index.css has these) never matches
    return True


def _var_refs(tokens, out: set[str]) -> set[str]:
    for token in tokens:
        if token.type == "ident" and token.value.startswith("--"):
            out.add(token.value)
        elif token.type == "function":
            _var_refs(token.arguments, out)
        elif token.type in ("() block", "[] block", "{} block"):
            _var_refs(token.content, out)
    return out


def _kept_rules(rules, can_match) -> list:
    """[(selectors, declarations)], [("@media"|"@supports", prelude, [...])], [("@keyframes",
    rule)] and [("@verbatim", rule)] (@page, @font-face) of the rules that can match."""
    kept: list = []
    for rule in rules:
        if rule.type == "qualified-rule":
            selectors = [s for s in _split_selectors(rule.prelude) if can_match(s)]
            if selectors:
                declarations = tinycss2.parse_declaration_list(
                    rule.content, skip_comments=True, skip_whitespace=True
                )
                kept.append((selectors, [d for d in declarations if d.type == "declaration"]))
        elif rule.type == "at-rule" and rule.lower_at_keyword in ("media", "supports"):
            inner = tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True)
            inner_kept = _kept_rules(inner, can_match)
            if inner_kept:
                kept.append(("@" + rule.lower_at_keyword, rule.prelude, inner_kept))
        elif rule.type == "at-rule" and rule.lower_at_keyword.endswith("keyframes"):
            kept.append(("@keyframes", rule))
        elif rule.type == "at-rule" and rule.lower_at_keyword in ("page", "font-face"):
            kept.append(("@verbatim", rule))
        # @charset is written again below when needed
    return kept


def _declarations(kept: list):
    for item in kept:
        if item[0] in ("@media", "@supports"):
            yield from _declarations(item[2])
        elif item[0] not in ("@keyframes", "@verbatim"):
            yield from item[1]


def _serialize(kept: list, used_vars: set[str], animations: set[str]) -> list[str]:
    out: list[str] = []
    for item in kept:
        if item[0] in ("@media", "@supports"):
            inner = _serialize(item[2], used_vars, animations)
            if inner:
                out.append(f"{item[0]} {tinycss2.serialize(item[1]).strip()}{{{''.join(inner)}}}")
        elif item[0] == "@keyframes":
            names = [t.value for t in item[1].prelude if t.type == "ident"]
            if names and names[0] in animations:
                out.append(item[1].serialize())
        elif item[0] == "@verbatim":
            out.append(item[1].serialize())
        else:
            selectors, declarations = item
            body = ";".join(
                f"{d.name}:{tinycss2.serialize(d.value).strip()}" + ("!important" if d.important else "")
                for d in declarations
                if not d.name.startswith("--") or d.name in used_vars
            )
            if body:
                out.append(",".join(tinycss2.serialize(s).strip() for s in selectors) + f"{{{body}}}")
    return out


@functools.lru_cache(maxsize=4)
def _parse(css: str) -> tuple:
    """Parsed once per process: on_post_build runs once per language on the same CSS."""
    return tuple(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True))


def prune_css(css: str, classes: set[str], var_refs: set[str], *, runtime_prefixes: tuple[str, ...] = (),
              attributes: dict[str, set[str]] | None = None) -> str:
    """The rules of `css` that can match pages whose elements have only `classes`.

    A class starting with one of `runtime_prefixes` counts as present (scripts add it after load).
    `attributes` ({name: values}) lists the values the pages give each tracked attribute; a
    selector asking for another value of it is dropped. A custom property (`--x`) is kept when a
    kept rule, the pages or `var_refs` (other stylesheets, scripts) use it, directly or through
    another kept property; @keyframes when a kept rule names them.
    """
    attributes = attributes or {}
    kept = _kept_rules(_parse(css),
                       lambda s: _selector_can_match(s, classes, runtime_prefixes, attributes))
    definitions: dict[str, list] = {}
    used: set[str] = set(var_refs)
    animations: set[str] = set()
    for declaration in _declarations(kept):
        if declaration.name.startswith("--"):
            definitions.setdefault(declaration.name, []).append(declaration)
            continue
        _var_refs(declaration.value, used)
        if declaration.lower_name in ("animation", "animation-name"):
            animations.update(t.value for t in declaration.value if t.type == "ident")
    pending = list(used)
    while pending:
        for declaration in definitions.get(pending.pop(), []):
            for name in _var_refs(declaration.value, set()) - used:
                used.add(name)
                pending.append(name)
    text = "\n".join(_serialize(kept, used, animations)) + "\n"
    return ('@charset "UTF-8";\n' + text) if not text.isascii() else text

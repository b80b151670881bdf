"""Fail the build when a page does not exist in every language.

mkdocs-static-i18n with `fallback_to_default: false` (its default, `true`, silently serves the
default language's page instead) simply leaves a page out of the languages that lack it: the
build passes and the language switcher has nowhere to go. This project wants every page in
Japanese and English, so a missing twin is an error. Only the i18n option would stay if
upstream grew a "require every language" switch.
"""

from __future__ import annotations

from collections import defaultdict

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority

PAGE_SUFFIXES = (".md", ".ipynb")


# Before mkdocs-static-i18n's on_files (priority -100) keeps only the current language's files.
@event_priority(90)
def on_files(files, config):
    """Every page under docs/<lang>/ has a twin, with the same path, under every other language."""
    i18n = config.plugins["i18n"]
    languages = [lang.locale for lang in i18n.config.languages if lang.build]
    pages = defaultdict(set)  # path inside the language folder -> languages that have it
    stray = []
    for file in files:
        if not file.src_uri.endswith(PAGE_SUFFIXES) or file.abs_src_path is None:
            continue
        lang, _, rest = file.src_uri.partition("/")
        if lang in languages and rest:
            pages[rest].add(lang)
        else:
            stray.append(file.src_uri)
    problems = [
        f"docs/{lang}/{path} is missing (docs/{sorted(have)[0]}/{path} exists)"
        for path, have in sorted(pages.items())
        for lang in languages
        if lang not in have
    ]
    problems += [f"docs/{path} is outside the language folders {languages}" for path in stray]
    if problems:
        raise PluginError("Pages must exist in every language:\n  " + "\n  ".join(problems))
    return files

"""Keep compiled Jinja templates between builds (in .cache/jinja/).

Not an upstream bug, a cost: MkDocs creates a new Jinja environment for the theme on every
build, mkdocstrings one per handler on every build, and mkdocs-static-i18n runs one build per
language, so Material's and mkdocstrings' templates are compiled from source 2x per `mkdocs
build`, a few seconds on a 2-core machine. Jinja's bytecode cache checks each template's source
(and Jinja's version), so a stale entry is never used. Delete this hook to compile every time.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import FileSystemBytecodeCache
from mkdocs.plugins import event_priority

_caches: dict[Path, FileSystemBytecodeCache] = {}


def _cache(config) -> FileSystemBytecodeCache:
    directory = Path(config.config_file_path).resolve().parent / ".cache" / "jinja"
    if directory not in _caches:
        directory.mkdir(parents=True, exist_ok=True)
        _caches[directory] = FileSystemBytecodeCache(str(directory))
    return _caches[directory]


@event_priority(-100)  # after mkdocstrings' own on_pre_build
def on_pre_build(config):
    """mkdocstrings' Python handler (created here rather than on the first `:::` block)."""
    mkdocstrings = config.plugins.get("mkdocstrings")
    if mkdocstrings is not None:
        mkdocstrings.handlers.get_handler("python").env.bytecode_cache = _cache(config)


def on_env(env, config, files):
    """The theme's environment, before any page or static template is rendered with it."""
    env.bytecode_cache = _cache(config)
    return env

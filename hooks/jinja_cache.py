"""Keep compiled Jinja templates between builds (in .cache/jinja/).

Not an upstream bug, a cost: MkDocs creates a new Jinja environment for the theme on every
build, mkdocstrings one per handler on every build, and mkdocs-static-i18n runs one build per
language, so Material's and mkdocstrings' templates are compiled from source 2x per `mkdocs
build`, a few seconds on a 2-core machine. Jinja's bytecode cache checks each template's source
(and Jinja's version), so a stale entry is never used. Delete this hook to compile every time.

Jinja writes each file atomically itself; a file that cannot be read (cut short) is deleted and the
template compiled again, with one warning line (Jinja's own loader would raise from `pickle`).
Eviction, once per process: files not loaded for 30 days go (a load touches the file), and so
do leftovers of interrupted writes.
"""

from __future__ import annotations

import contextlib
import io
import marshal
import os
import pickle
import time
from pathlib import Path

from _cachefs import MAX_AGE_DAYS, older_than, remove_stale_temp_files, touch, warn_discarded
from jinja2 import FileSystemBytecodeCache
from jinja2.bccache import Bucket, bc_magic
from mkdocs.plugins import event_priority


class SafeBytecodeCache(FileSystemBytecodeCache):
    """Jinja's file cache, with a file that cannot be read treated as a miss (and deleted)."""

    def load_bytecode(self, bucket: Bucket) -> None:
        filename = self._get_cache_filename(bucket)
        try:
            with open(filename, "rb") as f:
                data = f.read()
        except (FileNotFoundError, IsADirectoryError, PermissionError):
            return
        except OSError as exc:
            return self._discard(filename, f"{type(exc).__name__}: {exc}")
        if not data.startswith(bc_magic):
            if bc_magic.startswith(data):  # a prefix of the header: cut short
                return self._discard(filename, f"{len(data)} bytes, cut short?")
            return  # another Jinja or Python version wrote it: compiled and rewritten
        rest = data[len(bc_magic):]
        try:
            checksum, end = _unpickle_prefix(rest)
            if checksum != bucket.checksum:
                return  # the template changed: compiled and rewritten
            code = marshal.loads(rest[end:])
        except Exception as exc:  # noqa: BLE001 - any damage means: compile again
            return self._discard(filename, f"{type(exc).__name__}: {exc}")
        bucket.code = code
        touch(Path(filename))

    def _discard(self, filename: str, reason: str) -> None:
        warn_discarded(f"the compiled template {filename}", reason)
        with contextlib.suppress(OSError):
            os.unlink(filename)


def _unpickle_prefix(data: bytes):
    """(the pickled value at the start of `data`, where it ends)."""
    f = io.BytesIO(data)
    value = pickle.load(f)
    return value, f.tell()


def evict(directory: Path, now: float | None = None) -> list[Path]:
    """Remove compiled templates not loaded for MAX_AGE_DAYS and stale temporary files."""
    now = now or time.time()
    remove_stale_temp_files(directory, now)
    removed = []
    for path in directory.glob("__jinja2_*.cache"):
        if older_than(path, MAX_AGE_DAYS * 86400, now):
            with contextlib.suppress(OSError):
                path.unlink()
                removed.append(path)
    return removed


_caches: dict[Path, FileSystemBytecodeCache] = {}


def _cache(config) -> FileSystemBytecodeCache:
    directory = Path(config.config_file_path).resolve().parent / ".cache" / "jinja"
    if directory not in _caches:
        directory.mkdir(parents=True, exist_ok=True)
        evict(directory)
        _caches[directory] = SafeBytecodeCache(str(directory))
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

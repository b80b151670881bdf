"""Insert the live `--help` text of the `pathlearn` command line into the CLI reference.

A marker line `<!-- pathlearn-help: COMMAND -->` (COMMAND: `pathlearn` itself or a
subcommand) becomes a text block with exactly what `pathlearn COMMAND --help` prints, so the
reference cannot drift from the code. Not an upstream workaround: mkdocs-click would do this
for English pages only, and both languages show the same help text.

The text is cached in `.cache/cli-help/COMMAND-DIGEST.json` (written atomically; an entry that
cannot be read is rebuilt with a warning line, see `_cachefs.py`). After each build, entries
this build did not use go when unused for 30 days or when 2 more recently used entries of the
same command exist.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import time
from importlib import metadata
from pathlib import Path

import click
from _cachefs import (
    KEEP_PER_SOURCE,
    MAX_AGE_DAYS,
    atomic_write,
    read_json,
    remove_stale_temp_files,
    touch,
)
from mkdocs.exceptions import PluginError

MARKER = re.compile(r"^<!-- pathlearn-help: ([\w-]+) -->$", re.MULTILINE)
WIDTH = 100  # the CLI's own max_content_width, so the page matches a wide terminal
_used: set[Path] = set()  # cache entries of the current build (never evicted by it)


def help_text(name: str) -> str:
    """What `pathlearn NAME --help` prints (`NAME` may be `pathlearn` for the group)."""
    from pathlearn.cli import cli

    root = click.Context(cli, info_name="pathlearn", terminal_width=WIDTH, max_content_width=WIDTH)
    if name == "pathlearn":
        return cli.get_help(root)
    command = cli.commands.get(name)
    if command is None:
        raise PluginError(f"pathlearn-help marker names an unknown command {name!r}")
    ctx = click.Context(command, info_name=name, parent=root, terminal_width=WIDTH,
                        max_content_width=WIDTH)
    return command.get_help(ctx)


def _cache_dir(config) -> Path:
    return Path(config.config_file_path).resolve().parent / ".cache" / "cli-help"


def cached_help_text(name: str, config) -> str:
    """`help_text`, kept in .cache/cli-help/ keyed by the package's source and click's version.

    Importing the CLI imports torch (seconds); a rebuild with no change to pathlearn skips it.
    """
    root = Path(config.config_file_path).resolve().parent
    digest = hashlib.sha256(metadata.version("click").encode())
    for source in sorted((root / "pathlearn").rglob("*.py")):
        digest.update(source.relative_to(root).as_posix().encode() + source.read_bytes())
    path = _cache_dir(config) / f"{name}-{digest.hexdigest()[:24]}.json"
    _used.add(path)
    data = read_json(
        path,
        f"the help of `pathlearn {name}` ({path})",
        check=lambda d: d["command"] == name and isinstance(d["text"], str),
    )
    if data is not None:
        touch(path)
        return data["text"]
    text = help_text(name)
    atomic_write(path, json.dumps({"command": name, "text": text}))
    return text


def evict(directory: Path, keep: set[Path], now: float | None = None) -> list[Path]:
    """Remove the entries the rule in the module docstring lets go (and files of an older
    format, and leftovers of interrupted writes); returns what was removed."""
    now = now or time.time()
    if not directory.is_dir():
        return []
    remove_stale_temp_files(directory, now)
    by_command: dict[str, list[tuple[float, Path]]] = {}
    removed = []
    for path in directory.iterdir():
        if not path.is_file() or path.name.endswith(".tmp"):
            continue
        if path.suffix != ".json" or "-" not in path.stem:  # an older format (.txt)
            removed.append(path)
            continue
        with contextlib.suppress(OSError):
            by_command.setdefault(path.stem.rsplit("-", 1)[0], []).append((path.stat().st_mtime, path))
    for entries in by_command.values():
        entries.sort(reverse=True)
        for rank, (used, path) in enumerate(entries):
            if path not in keep and (rank >= KEEP_PER_SOURCE or now - used > MAX_AGE_DAYS * 86400):
                removed.append(path)
    for path in removed:
        with contextlib.suppress(OSError):
            path.unlink()
    return removed


def on_page_markdown(markdown, page, config, files):
    """Replace each marker with a fenced text block of the command's help."""
    return MARKER.sub(lambda m: f"```text\n{cached_help_text(m.group(1), config)}\n```", markdown)


def on_post_build(config):
    """Evict old entries of .cache/cli-help/ (never one this build used)."""
    evict(_cache_dir(config), _used)

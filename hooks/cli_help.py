"""Insert the live `--help` text of the `pathlearn` command line into the CLI reference.

A marker line `<!-- pathlearn-help: COMMAND -->` (COMMAND: `pathlearn` itself or a
subcommand) becomes a text block with exactly what `pathlearn COMMAND --help` prints, so the
reference cannot drift from the code. Not an upstream workaround: mkdocs-click would do this
for English pages only, and both languages show the same help text.
"""

from __future__ import annotations

import hashlib
import re
from importlib import metadata
from pathlib import Path

import click
from mkdocs.exceptions import PluginError

MARKER = re.compile(r"^<!-- pathlearn-help: ([\w-]+) -->$", re.MULTILINE)
WIDTH = 100  # the CLI's own max_content_width, so the page matches a wide terminal


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


def cached_help_text(name: str, config) -> str:
    """`help_text`, kept in .cache/cli-help/ keyed by the package's source and click's version.

    Importing the CLI imports torch (seconds); a rebuild with no change to pathlearn skips it.
    """
    root = Path(config.config_file_path).resolve().parent
    digest = hashlib.sha256(metadata.version("click").encode())
    for source in sorted((root / "pathlearn").rglob("*.py")):
        digest.update(source.relative_to(root).as_posix().encode() + source.read_bytes())
    path = root / ".cache" / "cli-help" / f"{name}-{digest.hexdigest()[:24]}.txt"
    if path.is_file():
        return path.read_text(encoding="utf-8")
    text = help_text(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return text


def on_page_markdown(markdown, page, config, files):
    """Replace each marker with a fenced text block of the command's help."""
    return MARKER.sub(lambda m: f"```text\n{cached_help_text(m.group(1), config)}\n```", markdown)

"""Insert the live `--help` text of the `pathlearn` command line into the CLI reference.

A marker line `<!-- pathlearn-help: COMMAND -->` (COMMAND: `pathlearn` itself or a
subcommand) becomes a text block with exactly what `pathlearn COMMAND --help` prints, so the
reference cannot drift from the code. Not an upstream workaround: mkdocs-click would do this
for English pages only, and both languages show the same help text.
"""

from __future__ import annotations

import re

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


def on_page_markdown(markdown, page, config, files):
    """Replace each marker with a fenced text block of the command's help."""
    return MARKER.sub(lambda m: f"```text\n{help_text(m.group(1))}\n```", markdown)

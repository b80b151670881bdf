"""Showing pathlearn's own code on a tutorial page, so pages never hold a copy that can drift."""

from __future__ import annotations

import inspect
import textwrap
from typing import Any

__all__ = ["Source", "show_source"]


class Source:
    """Source code of one or more objects; Jupyter renders it as a highlighted code block."""

    def __init__(self, *objects: Any) -> None:
        if not objects:
            raise ValueError("show_source needs at least one function, class or module")
        self.code = "\n\n".join(textwrap.dedent(inspect.getsource(o)).rstrip() for o in objects)

    def _repr_markdown_(self) -> str:
        return f"```python\n{self.code}\n```"

    def __str__(self) -> str:
        return self.code

    def __repr__(self) -> str:
        return self.code


def show_source(*objects: Any) -> Source:
    """The source of `objects` (functions, classes or modules), for display in a notebook.

    Example:
        >>> from pathlearn.twolayer import numpy_loss_and_grads
        >>> print(show_source(numpy_loss_and_grads).code.splitlines()[0])
        def numpy_loss_and_grads(x, y, w1, w2):
    """
    return Source(*objects)

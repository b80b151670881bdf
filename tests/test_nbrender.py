"""hooks/_nbrender.py renders a notebook with nbconvert's public HTMLExporter and mkdocs-jupyter's
template: the HTML must be the one mkdocs-jupyter's own converter writes with this site's options
(execute: false, allow_errors: false, theme and MathJax URL left empty)."""

from __future__ import annotations

import sys

import nbformat
from conftest import ROOT

sys.path.insert(0, str(ROOT / "hooks"))
import _nbrender  # noqa: E402

NB = nbformat.v4


def test_render_is_the_html_mkdocs_jupyter_writes(tmp_path):
    from mkdocs_jupyter.convert import nb2html  # its converter; the site does not call it

    nb = NB.new_notebook(cells=[
        NB.new_markdown_cell("# 1. Title & more\n\nText with $x^2$ and `code`.\n\n## 見出し"),
        NB.new_code_cell('print("<b> & \'quotes\'")', execution_count=1, outputs=[
            NB.new_output("stream", name="stdout", text="<b> & 'quotes'\n"),
        ]),
        NB.new_code_cell("%pip install -q x\n1 + 1", execution_count=2, outputs=[
            NB.new_output("execute_result", data={"text/plain": "2"}, execution_count=2),
        ]),
    ], metadata={"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}})
    path = tmp_path / "page.ipynb"
    nbformat.write(nb, path)
    content, title = _nbrender.render(path)
    assert content == nb2html(str(path), theme="", allow_errors=False, custom_mathjax_url="")
    assert title == "1. Title & more"
    assert 'class="clipboard-copy-txt"' in content and "highlight-ipynb hl-python" in content

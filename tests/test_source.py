"""show_source: the code a tutorial shows is the package's own."""

import inspect

import pytest

from pathlearn import twolayer
from pathlearn.source import Source, show_source


def test_source_is_the_live_code_of_each_object():
    shown = show_source(twolayer.numpy_loss_and_grads, twolayer.TwoLayerNet)
    assert shown.code == "\n\n".join(
        inspect.getsource(o).rstrip() for o in (twolayer.numpy_loss_and_grads, twolayer.TwoLayerNet)
    )
    markdown = shown._repr_markdown_()
    assert markdown.startswith("```python\ndef numpy_loss_and_grads(") and markdown.endswith("\n```")
    assert str(shown) == shown.code


def test_methods_are_dedented():
    code = show_source(twolayer.TwoLayerNet.forward).code
    assert code.startswith("def forward(self, x")


def test_nothing_to_show_is_an_error():
    with pytest.raises(ValueError, match="at least one"):
        Source()

"""The Examples in docstrings run as doctests, on the installed package."""

import doctest
import importlib

import pytest

MODULES = ["levekar._files", "levekar.fmt", "levekar.codes", "levekar.index", "levekar.indicators", "levekar.targets",
           "levekar.maps", "levekar.slug"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0

"""Every docstring example in the package runs (doctest), module by module."""

import doctest
import importlib
import pkgutil

import pytest

import levekar

MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(levekar.__path__, "levekar.")
    if not m.name.endswith("__main__")
)


# Modules whose docstrings must carry examples (they did before the layout changed).
WITH_EXAMPLES = [
    "levekar.io.tables",
    "levekar.render.presentation",
    "levekar.codes",
    "levekar.index",
    "levekar.indicators",
    "levekar.targets",
    "levekar.render.maps",
    "levekar.render.slug",
]


@pytest.mark.parametrize("name", WITH_EXAMPLES)
def test_modules_have_examples(name):
    assert name in MODULES
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} has no examples"


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{name}: {result.failed} doctest(s) failed"

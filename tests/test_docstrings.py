"""Every public function of the core has a numpydoc docstring; every public class has a docstring.

Public means listed in the module's ``__all__``. A function that takes an argument documents it
under ``Parameters``; one that returns something says what under ``Returns`` (its return
annotation tells which: ``None`` or no value needs no ``Returns``).
"""

import importlib
import inspect
import re

import pytest

CORE = [
    "access",
    "areas",
    "catalogue",
    "codes",
    "counterfactual",
    "crosswalk",
    "index",
    "indicators",
    "neighbours",
    "presets",
    "reselection",
    "selection",
    "sensitivity",
    "spatial",
    "targets",
    "uncertainty",
]


def _public(module_name):
    module = importlib.import_module(f"levekar.{module_name}")
    assert hasattr(module, "__all__"), f"levekar.{module_name} has no __all__"
    for name in module.__all__:
        yield name, getattr(module, name)


def _documented_parameters(doc):
    """Names listed in the ``Parameters`` section (``a, b : type`` lines count each name)."""
    section = doc.split("Parameters\n----------\n", 1)[1]
    section = re.split(r"\n\S[^\n]*\n-{3,}\n", section, maxsplit=1)[0]
    names = set()
    for line in section.splitlines():
        if line and not line[0].isspace():
            head = line.split(" : ", 1)[0]
            names.update(n.strip().lstrip("*") for n in head.split(","))
    return names


def _returns_none(func):
    annotation = inspect.signature(func).return_annotation
    return annotation in (None, "None", type(None))


@pytest.mark.parametrize("module_name", CORE)
def test_public_functions_have_numpydoc_sections(module_name):
    problems = []
    for name, obj in _public(module_name):
        if inspect.isclass(obj):
            if not inspect.getdoc(obj):
                problems.append(f"class {name}: no docstring")
            continue
        if not inspect.isfunction(obj):
            continue  # constants and aliases document themselves in the module docstring
        doc = inspect.getdoc(obj) or ""
        if not doc:
            problems.append(f"{name}: no docstring")
            continue
        params = list(inspect.signature(obj).parameters)
        if params and "Parameters\n----------" not in doc:
            problems.append(f"{name}: no Parameters section")
        elif params:
            undocumented = [p for p in params if p not in _documented_parameters(doc)]
            if undocumented:
                problems.append(f"{name}: parameter(s) {undocumented} not under Parameters")
        if not _returns_none(obj) and "Returns\n-------" not in doc:
            problems.append(f"{name}: no Returns section")
    assert not problems, f"levekar.{module_name}:\n" + "\n".join(problems)


def test_the_check_sees_the_functions():
    names = dict(_public("index"))
    assert inspect.isfunction(names["index_from_spec"])
    assert "Parameters\n----------" in inspect.getdoc(names["index_from_spec"])


def test_the_parameter_check_sees_a_missing_name():
    doc = "Do it.\n\nParameters\n----------\na, b : int\n    Two.\n\nReturns\n-------\nc : int\n"
    assert _documented_parameters(doc) == {"a", "b"}

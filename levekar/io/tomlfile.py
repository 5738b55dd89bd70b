"""A small TOML writer for study files (Python's tomllib reads TOML but does not write it)."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["dumps_toml"]


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(type(v))


def dumps_toml(data: Mapping, prefix: str = "") -> str:
    """A small TOML writer for nested tables of scalars and lists (enough for study files)."""
    scalars = [(k, v) for k, v in data.items() if not isinstance(v, Mapping)]
    tables = [(k, v) for k, v in data.items() if isinstance(v, Mapping)]
    out = []
    if prefix and scalars:
        out.append(f"[{prefix}]")
    out += [f"{k} = {_toml_value(v)}" for k, v in scalars]
    if scalars:
        out.append("")
    for k, v in tables:
        out.append(dumps_toml(v, f"{prefix}.{k}" if prefix else k))
    return "\n".join(out)

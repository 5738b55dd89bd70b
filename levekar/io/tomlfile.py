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
    """Write nested tables of scalars and lists as TOML text (enough for study files).

    Parameters
    ----------
    data : mapping
        Keys → booleans, numbers, strings, lists of those, or nested mappings (tables).
        Strings are escaped for backslashes and quotes only.
    prefix : str, default ""
        The dotted name of the table ``data`` is (for nested calls).

    Returns
    -------
    str
        TOML text: scalars first, then one ``[table]`` per nested mapping.

    Raises
    ------
    TypeError
        If a value is of another type.
    """
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

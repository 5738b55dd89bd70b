"""Atomic writing: a set of files lands whole or not at all."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

__all__ = ["write_atomic"]


def write_atomic(
    files: Mapping[str, Callable[[Path], None] | bytes | str],
    out_dir: Path,
    *,
    remove: list[str] | tuple[str, ...] = (),
) -> list[Path]:
    """Write ``files`` (relative path → bytes, text, or a function that writes to a path) atomically.

    Everything is first written into a staging folder inside ``out_dir``; only
    when every file succeeded are they moved into place with :func:`os.replace`
    (atomic per file on one file system), and then the files in ``remove`` (paths
    relative to ``out_dir`` that an earlier run wrote and this one did not) are
    deleted. If anything fails before the move, the staging folder is removed and the
    existing outputs are untouched. A path in ``remove`` that is absolute or leaves
    ``out_dir`` is ignored.

    Parameters
    ----------
    files
        Relative path → content.
    out_dir
        The output folder (created if needed).
    remove
        Relative paths of earlier outputs to delete once the new ones are in place.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".levekar-staging-", dir=out_dir))
    try:
        for rel, content in files.items():
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            elif isinstance(content, str):
                target.write_text(content, encoding="utf-8", newline="\n")
            else:
                content(target)
        written = []
        for rel in files:
            final = out_dir / rel
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / rel, final)
            written.append(final)
        root = out_dir.resolve()
        for rel in remove:
            old = (out_dir / rel).resolve()
            if rel in files or Path(rel).is_absolute() or root not in old.parents:
                continue
            old.unlink(missing_ok=True)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)

"""Atomic writing: a set of files lands whole or not at all."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

__all__ = ["write_atomic"]


def write_atomic(
    files: Mapping[str, Callable[[Path], None] | bytes | str], out_dir: Path
) -> list[Path]:
    """Write ``files`` (relative path → bytes, text, or a writer function) atomically.

    Everything is first written into a staging folder inside ``out_dir``; only
    when every file succeeded are they moved into place with :func:`os.replace`
    (atomic per file on one file system). If writing fails, the staging folder
    is removed and the existing outputs are untouched. (A failure while moving
    files into place leaves the files moved so far replaced.)

    Parameters
    ----------
    files : mapping of str to bytes, str or callable
        Relative path → content: bytes as they are, text as UTF-8 with LF line ends,
        or a function called with the staging path to write to.
    out_dir : pathlib.Path
        The output folder (created if needed).

    Returns
    -------
    list of pathlib.Path
        The final paths, in the order of ``files``.
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
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)

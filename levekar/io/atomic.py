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
    """Write ``files`` (relative path → bytes, text, or a writer function) atomically.

    Everything is first written into a staging folder inside ``out_dir``; only
    when every file succeeded are they moved into place with :func:`os.replace`
    (atomic per file on one file system), and then the files in ``remove`` (paths
    relative to ``out_dir`` that an earlier run wrote and this one did not) are
    deleted. If writing fails, the staging folder is removed and the existing outputs
    are untouched; if moving a file into place fails, the files moved so far are put
    back as they were. A path in ``remove`` that is absolute or leaves ``out_dir`` is
    ignored.

    Parameters
    ----------
    files : mapping of str to bytes, str or callable
        Relative path → content: bytes as they are, text as UTF-8 with LF line ends,
        or a function called with the staging path to write to.
    out_dir : pathlib.Path
        The output folder (created if needed).
    remove : sequence of str
        Relative paths of earlier outputs to delete once the new ones are in place.

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
        _move_into_place(files, staging, out_dir)
        written = [out_dir / rel for rel in files]
        root = out_dir.resolve()
        for rel in remove:
            old = (out_dir / rel).resolve()
            if rel in files or Path(rel).is_absolute() or root not in old.parents:
                continue
            old.unlink(missing_ok=True)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _move_into_place(files, staging: Path, out_dir: Path) -> None:
    """Move every staged file into place; if one move fails, put back what was there before."""
    backup = staging / ".previous"
    moved: list[tuple[Path, Path | None]] = []
    try:
        for k, rel in enumerate(files):
            final = out_dir / rel
            final.parent.mkdir(parents=True, exist_ok=True)
            kept = None
            if final.exists():
                kept = backup / str(k)
                kept.parent.mkdir(parents=True, exist_ok=True)
                os.replace(final, kept)
            moved.append((final, kept))
            os.replace(staging / rel, final)
    except OSError:
        for final, kept in reversed(moved):
            if kept is not None and kept.exists():
                os.replace(kept, final)
            elif kept is None:
                final.unlink(missing_ok=True)
        raise

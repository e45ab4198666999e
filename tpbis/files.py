"""Atomic file writes: a reader sees the old file or the new one, never half of one.

Write to a temporary name in the target's own folder (same filesystem, so the rename is
atomic), then `os.replace` it over the target; on any error the temporary file is removed
and the target is untouched.
"""
from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


@contextmanager
def replacing(target: str | Path, *, mode: int | None = None, fsync: bool = False,
              suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path next to `target`; write it, and on leaving the block it
    replaces `target`. `mode` creates the file with those permissions first (e.g. 0o600 for
    a file holding secrets); `fsync` flushes it to disk before the rename. `suffix` names
    the temporary file `<target name><suffix>` (one fixed name, so the leftover of a writer
    killed half-way is known and overwritten), instead of a hidden per-process name."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + suffix if suffix else f".{target.name}.{os.getpid()}.tmp")
    try:
        if mode is not None:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode))
        yield tmp
        if fsync:
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text(target: str | Path, text: str, *, mode: int | None = None, newline: str | None = None) -> None:
    """Replace `target` with `text` (UTF-8) atomically."""
    with replacing(target, mode=mode) as tmp:
        with open(tmp, "w", encoding="utf-8", newline=newline) as f:
            f.write(text)


def copy(source: str | Path, target: str | Path, *, fsync: bool = True, suffix: str | None = None,
         mode: int | None = None) -> None:
    """Replace `target` with a copy of `source` atomically (flushed to disk first by default;
    `mode`: created with those permissions, e.g. 0o600, instead of a new file's default)."""
    with replacing(target, fsync=fsync, suffix=suffix, mode=mode) as tmp:
        shutil.copyfile(source, tmp)

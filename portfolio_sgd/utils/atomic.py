"""Atomic file writes: write to a temporary file (or folder) next to the target, then rename.

- :func:`atomic_path` / :func:`atomic_write_text` / :func:`atomic_write_with`: one file.
- :func:`atomic_files`: several files that appear together (all renamed after all are
  written; on any failure none is touched).
- :func:`atomic_directory`: a whole folder of outputs, built in a temporary sibling and
  swapped into place, so a reader sees the complete old set or the complete new set.

Temporary files get the permissions an ordinary ``open()`` would give them
(``0o666 & ~umask``; folders ``0o777 & ~umask``), not ``mkstemp``'s private ``0o600``.
A process killed with SIGKILL cannot clean up: its temporary ``.<name>.*.tmp`` sibling
stays behind, but the target is never half-written.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

__all__ = [
    "atomic_directory",
    "atomic_files",
    "atomic_path",
    "atomic_write_text",
    "atomic_write_with",
    "current_umask",
]


def current_umask() -> int:
    """The process umask (read from /proc where possible, else by setting and restoring it)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _temp_file(target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    return Path(name)


@contextlib.contextmanager
def atomic_files(paths: Sequence[str | os.PathLike[str]]) -> Iterator[list[Path]]:
    """Yield one temporary path per target; after the body, rename each onto its target.

    The renames happen only once every file is written, so the targets change together
    (one rename after another, with no writing in between). If the body raises (or is
    interrupted), every temporary file is removed and no target is touched.

    Parameters
    ----------
    paths : sequence of path-like
        Final destinations; missing parent folders are created.
    """
    targets = [Path(p) for p in paths]
    temps: list[Path] = []
    try:
        for target in targets:
            temps.append(_temp_file(target))
        yield list(temps)
        mode = 0o666 & ~current_umask()
        for tmp in temps:
            if tmp.exists():
                os.chmod(tmp, mode)
        for tmp, target in zip(temps, targets, strict=True):
            os.replace(tmp, target)
    except BaseException:
        for tmp in temps:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        raise


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success rename it onto ``path``.

    If the body raises, the temporary file is removed and ``path`` is left untouched,
    so a reader never sees a half-written file.

    Parameters
    ----------
    path : path-like
        Final destination. Its parent folder is created if missing.
    """
    with atomic_files([path]) as (tmp,):
        yield tmp


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` atomically (UTF-8)."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def atomic_write_with(path: str | os.PathLike[str], writer: Callable[[Path], None]) -> None:
    """Call ``writer(tmp_path)`` and atomically move the result onto ``path``."""
    with atomic_path(path) as tmp:
        writer(tmp)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths atomically (Linux ``renameat2``); False where unsupported."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return rc == 0


@contextlib.contextmanager
def atomic_directory(
    path: str | os.PathLike[str], replaceable: Callable[[Path], bool] | None = None
) -> Iterator[Path]:
    """Yield a temporary sibling folder; after the body, swap it into place as ``path``.

    The old folder (if any) stays complete until the new one is: the swap is one atomic
    exchange where the OS offers it (Linux ``renameat2``), else two renames a moment
    apart. The old folder is deleted after the swap. If the body raises or is
    interrupted, the temporary folder is removed and ``path`` is left untouched.

    Parameters
    ----------
    path : path-like
        The output folder.
    replaceable : callable, optional
        ``replaceable(existing_folder) -> bool``, asked before anything is written when
        ``path`` already exists; False raises :class:`FileExistsError` (so that an
        unrelated folder is never replaced).

    Raises
    ------
    FileExistsError
        ``path`` exists and is not a folder, or ``replaceable`` refused it.
    """
    target = Path(path)
    if target.exists() and not target.is_dir():
        raise FileExistsError(f"{target} exists and is not a folder")
    if target.is_dir() and replaceable is not None and not replaceable(target):
        raise FileExistsError(
            f"{target} holds files this command did not write; choose a new or empty folder"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        yield tmp
        os.chmod(tmp, 0o777 & ~current_umask())
        _swap_into_place(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _swap_into_place(tmp: Path, target: Path) -> None:
    """Move the complete folder ``tmp`` onto ``target``; ``tmp`` ends up removed."""
    if not target.exists():
        os.rename(tmp, target)
        return
    if _exchange(tmp, target):  # tmp now holds the old set
        shutil.rmtree(tmp, ignore_errors=True)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
    os.rmdir(old)
    os.rename(target, old)
    try:
        os.rename(tmp, target)
    except BaseException:
        os.rename(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)

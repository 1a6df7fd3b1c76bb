"""Writing files so that a failed write never destroys what the user had.

Every file chainrule writes (models, figures, HTML pages, animations, graphs)
goes through :func:`atomic_path`: the writer fills a temporary file in the
target's own folder, and only a complete file is renamed over the target
(``os.replace``, atomic on POSIX and Windows within one file system). A write
that fails, a full disk included, removes the temporary and leaves the
previous target byte for byte as it was.

This module uses the standard library only and sits below every layer, so
any layer may import it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_path", "output_path", "write_bytes", "write_text"]


def output_path(path: str | os.PathLike[str], default_suffix: str = "") -> Path:
    """The file a save to ``path`` writes: ``path`` as given, or with a suffix added.

    ``default_suffix`` (e.g. ``".npz"``) is appended only when the name has
    no suffix at all: ``"m.txt"`` stays ``m.txt``, ``"model"`` becomes
    ``model.npz``.

    Raises:
        ValueError: an empty name, a name ending in a path separator, an
            existing directory, or a folder that does not exist.
    """
    text = os.fspath(path)
    if not isinstance(text, str):
        raise TypeError(f"a file path is a str or a Path, got {type(path).__name__}")
    if text.strip() == "":
        raise ValueError("the file name is empty; give a file name such as model.npz")
    target = Path(text)
    example = f"model{default_suffix or '.out'}"
    if text.endswith(("/", os.sep)) or target.name in ("", ".", "..") or target.is_dir():
        raise ValueError(
            f"{text!r} is a directory, not a file name; give a file in it, "
            f"e.g. {str(target / example)!r}"
        )
    if default_suffix and target.suffix == "":
        target = target.with_name(target.name + default_suffix)
    folder = target.parent
    if not folder.is_dir():
        raise ValueError(
            f"cannot write {str(target)!r}: the folder {str(folder)!r} does not exist; "
            "create it first"
        )
    return target


@contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yields a temporary path to write; renames it over ``target`` when the block ends.

    The temporary lies in the target's folder (so the rename cannot cross
    file systems), is hidden, and ends with the target's suffix, so writers
    that pick a format from the name (matplotlib, Pillow) pick the right one.
    When the block completes, the file is flushed to the disk and renamed
    over the target, which gets the previous target's permission bits (or the
    usual ones for a new file, 0o666 less the umask). When the block raises,
    the temporary is removed, the target is left untouched and the exception
    propagates. A symbolic link as target is followed: the file it points to
    is replaced and the link stays.

    Example::

        with atomic_path("model.npz") as tmp, open(tmp, "wb") as f:
            np.savez(f, w=w)
    """
    final = Path(os.path.realpath(target)) if os.path.islink(target) else Path(target)
    if final.is_dir():
        raise ValueError(f"{str(final)!r} is a directory, not a file")
    folder = final.parent
    fd, name = tempfile.mkstemp(
        prefix=f".{final.name}.", suffix=f".tmp{final.suffix}", dir=folder or "."
    )
    os.close(fd)
    temporary = Path(name)
    try:
        yield temporary
        _flush(temporary)
        os.chmod(temporary, _mode_for(final))
        os.replace(temporary, final)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_bytes(target: str | os.PathLike[str], data: bytes) -> Path:
    """Writes ``data`` to ``target`` atomically; returns the path written."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def write_text(target: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> Path:
    """Writes ``text`` to ``target`` atomically; returns the path written."""
    return write_bytes(target, text.encode(encoding))


def _flush(path: Path) -> None:
    """Forces the file's bytes to the disk, so a crash after the rename finds them."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _mode_for(target: Path) -> int:
    try:
        return os.stat(target).st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask

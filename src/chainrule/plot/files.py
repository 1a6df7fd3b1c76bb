"""Writing figures and animations to files, atomically.

Every figure file goes through :func:`chainrule.files.atomic_path`: it is
written to a temporary file beside the target and renamed over it only when
complete, so a failure (a full disk, an interrupt) leaves the previous file
intact.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure
from PIL import Image

from chainrule.files import atomic_path, output_path


def save(
    fig: Figure, path: str | os.PathLike[str], dpi: float | None = None, **kwargs: Any
) -> Path:
    """Writes a matplotlib figure to ``path`` atomically; returns the path written.

    The format is the path's suffix (``.png``, ``.svg``, ``.pdf``, ...);
    ``.png`` is added when the name has no suffix, as matplotlib does.

    Args:
        fig: the figure.
        path: the file (its folder must exist).
        dpi: dots per inch for raster formats (default: matplotlib's).
        kwargs: passed to ``Figure.savefig`` (e.g. ``bbox_inches="tight"``).

    Raises:
        ValueError: a suffix matplotlib cannot write, a directory, a missing folder.
    """
    target = output_path(path, ".png")
    fmt = target.suffix[1:].lower()
    supported = fig.canvas.get_supported_filetypes()
    if fmt not in supported:
        raise ValueError(
            f"cannot write a figure as {target.suffix!r} ({str(target)!r}): "
            f"use one of {', '.join('.' + s for s in sorted(supported))}"
        )
    if dpi is not None:
        kwargs["dpi"] = dpi
    with atomic_path(target) as tmp:
        fig.savefig(tmp, format=fmt, **kwargs)
    return target


def write_gif(frames: Iterable[Image.Image], path: str | os.PathLike[str], fps: float) -> Path:
    """Writes images as an endlessly looping GIF, atomically; returns the path written.

    Each frame is converted to an adaptive palette as it arrives (one byte
    per pixel, what Pillow does when saving anyway), so the frames held until
    the file is written take a third of their RGB size. ``.gif`` is added
    when the name has no suffix.

    Args:
        frames: the images, all of one size; an iterator is consumed lazily.
        path: the file (its folder must exist).
        fps: frames per second (each frame shows for ``1000 / fps`` ms).
    """
    target = output_path(path, ".gif")
    held = [im.convert("RGB").convert("P", palette=Image.Palette.ADAPTIVE) for im in frames]
    if not held:
        raise ValueError(f"no frames to write to {str(target)!r}")
    with atomic_path(target) as tmp:
        held[0].save(
            tmp,
            format="GIF",
            save_all=True,
            append_images=held[1:],
            duration=int(1000 / fps),
            loop=0,
        )
    return target

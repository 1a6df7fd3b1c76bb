"""The matplotlib Figure that chainrule's plotting functions return.

It is matplotlib's own ``Figure`` (not attached to pyplot, so nothing opens a
window and nothing is kept alive by a global registry) with one addition: a
notebook shows it as a PNG on its own, without ``%matplotlib inline`` first.
"""

from __future__ import annotations

import io

from matplotlib.figure import Figure as MatplotlibFigure


class Figure(MatplotlibFigure):
    """A matplotlib Figure that Jupyter displays as a PNG."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
        return buffer.getvalue()

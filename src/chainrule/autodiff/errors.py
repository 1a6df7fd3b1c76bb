"""The errors the engine raises, each a subclass of the built-in a user expects."""

from __future__ import annotations


class ShapeError(ValueError):
    """Operands whose shapes an operation cannot combine; the message names the
    operation and both shapes."""


class AnomalyError(FloatingPointError):
    """Raised under :func:`detect_anomaly` by the first operation whose forward
    or backward produced a non-finite value (nan or ±inf)."""

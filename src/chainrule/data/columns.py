"""``ColumnBuffer``: rows of a table written straight into X with examples as columns.

A loader that parses a file in blocks of rows would otherwise keep every block
until the end and then copy them into X, holding the data twice. Here each
block is copied into its place in X (and y) as soon as it is parsed and can be
freed at once, so the memory holds about one copy of the data. The capacity is
an upper bound on the number of rows when the caller knows one (the line count
of a file); otherwise it doubles as rows arrive.
"""

from __future__ import annotations

import numpy as np


class ColumnBuffer:
    """Collects blocks of rows (k, n + 1) as X (n, m) and y (m,), y being column ``target``.

    Args:
        width: n + 1, the number of columns of a row.
        target: the index of the column that goes to y.
        capacity: the number of rows to make room for at first.
    """

    def __init__(self, width: int, target: int, capacity: int = 1024) -> None:
        self.width, self.target = width, target
        self.capacity = max(int(capacity), 1)
        self.rows = 0
        self._X = np.empty((width - 1) * self.capacity)
        self._y = np.empty(self.capacity)

    def add(self, block: np.ndarray) -> None:
        """Appends the rows of ``block``, shape (k, width), as k new examples."""
        k = len(block)
        if self.rows + k > self.capacity:
            self._grow(max(2 * self.capacity, self.rows + k))
        start, stop, t = self.rows, self.rows + k, self.target
        X = self._X.reshape(self.width - 1, self.capacity)
        X[:t, start:stop] = block[:, :t].T
        X[t:, start:stop] = block[:, t + 1 :].T
        self._y[start:stop] = block[:, t]
        self.rows = stop

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """X (n, m) C-contiguous and y (m,) for the m rows added; the buffer is spent."""
        n, m = self.width - 1, self.rows
        if m < self.capacity:
            flat = self._X
            for i in range(1, n):  # rows move left: the first m of each, in order
                flat[i * m : (i + 1) * m] = flat[i * self.capacity : i * self.capacity + m]
            # Shrinking in place hands the unused tail back without a second copy.
            flat.resize(n * m, refcheck=False)
            self._y.resize(m, refcheck=False)
        X, y = self._X.reshape(n, m), self._y
        self._X = self._y = np.empty(0)
        return X, y

    def _grow(self, capacity: int) -> None:
        n = self.width - 1
        X = np.empty(n * capacity)
        old = self._X.reshape(n, self.capacity)
        X.reshape(n, capacity)[:, : self.rows] = old[:, : self.rows]
        y = np.empty(capacity)
        y[: self.rows] = self._y[: self.rows]
        self._X, self._y, self.capacity = X, y, capacity

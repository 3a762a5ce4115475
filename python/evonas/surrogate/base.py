"""The interface every surrogate model implements."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np

__all__ = ["Surrogate"]


@runtime_checkable
class Surrogate(Protocol):
    """A regression model with uncertainty: feature rows to (mean, std).

    `ForestSurrogate` implements it; another model (a Gaussian process, a
    network ensemble) only needs these two methods to plug into `screen`.
    """

    def fit(self, X: Any, y: Any, /) -> Surrogate:
        """Fit on features `X` (n, d) and targets `y` (n,); returns self."""
        ...

    def predict(self, X: Any, /) -> tuple[np.ndarray, np.ndarray]:
        """Predicted mean and standard deviation, each of shape (n,)."""
        ...

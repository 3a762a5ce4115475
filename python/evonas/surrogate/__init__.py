"""Surrogate models of expensive objectives, and screening of candidate pools.

A surrogate maps feature rows (see `GenomeEncoder`) to a predicted mean and
uncertainty; `screen` uses both to pick which candidates of a pool to
evaluate for real.

>>> import numpy as np
>>> from evonas.surrogate import ForestSurrogate, screen
>>> X = np.random.default_rng(0).random((200, 4))
>>> model = ForestSurrogate(n_trees=50, seed=0).fit(X, X.sum(axis=1))
>>> mean, std = model.predict(X[:5])
>>> screen(X[:5, :1], mean, std, 2).shape
(2,)
"""

from __future__ import annotations

from .base import Surrogate
from .encoding import GenomeEncoder
from .forest import ForestSurrogate
from .screening import screen

__all__ = ["ForestSurrogate", "GenomeEncoder", "Surrogate", "screen"]

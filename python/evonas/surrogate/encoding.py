"""Genome matrices to surrogate features: one-hot choices, numbers scaled to [0, 1]."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..space import CATEGORICAL, Categorical, Space

__all__ = ["GenomeEncoder"]


class GenomeEncoder:
    """Feature encoding of the genomes of one `Space`, plus derived columns.

    A categorical gene becomes one column per choice (one-hot); a real or
    integer gene one column ``(x - low) / (high - low)`` in [0, 1], computed
    on ``log(x)`` for a log-scaled gene. Extra columns (parameters, FLOPs,
    depth, ...) are appended as given: trees are invariant to monotone
    scaling, but a model that is not (a GP) wants them scaled by the caller.

    Parameters
    ----------
    space : Space
    extra : sequence of str, default ()
        Names of the derived feature columns `transform` will be given, in order.

    Examples
    --------
    >>> from evonas import Categorical, Integer, Real, Space
    >>> space = Space([Real("lr", 1e-4, 1e-1, log=True), Categorical("act", ["relu", "gelu", "silu"])])
    >>> enc = GenomeEncoder(space, extra=["params"])
    >>> enc.names
    ('lr', 'act=relu', 'act=gelu', 'act=silu', 'params')
    >>> enc.transform([[1e-4, 2]], extra=[[1e6]]).tolist()
    [[0.0, 0.0, 0.0, 1.0, 1000000.0]]
    """

    def __init__(self, space: Space, /, *, extra: Sequence[str] = ()) -> None:
        if not isinstance(space, Space):
            raise TypeError(f"'space' must be an evonas.Space, but it is {space!r}")
        if isinstance(extra, str) or not all(isinstance(e, str) and e for e in extra):
            raise TypeError(f"'extra' must be a sequence of non-empty str column names, but it is {extra!r}")
        self.space = space
        self.extra = tuple(extra)
        names: list[str] = []
        for gene in space:
            if isinstance(gene, Categorical):
                names.extend(f"{gene.name}={choice}" for choice in gene.choices)
            else:
                names.append(gene.name)
        self.names: tuple[str, ...] = (*names, *self.extra)
        if len(set(self.names)) != len(self.names):
            raise ValueError(f"feature names must be unique, but the encoding of this space with extra={extra!r} "
                             f"repeats one: {self.names}")
        cat = space.kinds == CATEGORICAL
        self._numeric = np.flatnonzero(~cat)
        self._categorical = np.flatnonzero(cat)
        # Column of each numeric gene and of each categorical gene's first choice.
        widths = np.where(cat, space.upper.astype(np.int64) + 1, 1)
        self._column = np.concatenate([[0], np.cumsum(widths)[:-1]])
        lo, hi = space.lower.copy(), space.upper.copy()
        lo[space.log], hi[space.log] = np.log(lo[space.log]), np.log(hi[space.log])
        self._lo, self._span = lo, hi - lo

    @property
    def n_features(self) -> int:
        """Number of feature columns, extra ones included."""
        return len(self.names)

    def transform(self, X: Any, /, extra: Any = None, *, check: bool = True) -> np.ndarray:
        """Encode genome rows (and append the extra columns).

        Parameters
        ----------
        X : array_like, shape (n, len(space))
            Genomes of the space (checked with `Space.validate`).
        extra : array_like, shape (n, len(self.extra)), optional
            Finite derived features; required exactly when the encoder was
            built with extra column names.
        check : bool, default True
            False skips `Space.validate` (about half the time of a large
            encoding) for rows the caller has validated already: `X` must
            then be a float64 genome matrix of the space.

        Returns
        -------
        numpy.ndarray of float64, shape (n, n_features)
        """
        G = self.space.validate(X) if check else X
        n = G.shape[0]
        out = np.zeros((n, self.n_features), dtype=np.float64)
        num = self._numeric
        values = G[:, num]
        log = self.space.log[num]
        values[:, log] = np.log(values[:, log])
        # log and the division can land a rounding step outside [0, 1]
        out[:, self._column[num]] = np.clip((values - self._lo[num]) / self._span[num], 0.0, 1.0)
        # One-hot: every categorical gene of every row in one scatter, in memory order.
        cat = self._categorical
        hot = np.arange(n, dtype=np.int64)[:, None] * self.n_features + (self._column[cat] + G[:, cat].astype(np.int64))
        out.reshape(-1)[hot.reshape(-1)] = 1.0
        n_genes_out = self.n_features - len(self.extra)
        if self.extra:
            if extra is None:
                raise ValueError(f"'extra' must be given: this encoder appends the columns {list(self.extra)}")
            E = np.asarray(extra)
            if E.dtype.kind not in "fiu":
                raise TypeError(f"'extra' must hold real numbers, but its dtype is {E.dtype}")
            if E.shape != (n, len(self.extra)):
                raise ValueError(f"'extra' must have shape ({n}, {len(self.extra)}), one column per name in "
                                 f"{list(self.extra)}, but it has shape {E.shape}")
            if not np.isfinite(E).all():
                row, col = (int(i) for i in np.argwhere(~np.isfinite(E))[0])
                raise ValueError(f"'extra' must be finite, but 'extra'[{row}, {col}] ({self.extra[col]}) is "
                                 f"{E[row, col]!r}")
            out[:, n_genes_out:] = E
        elif extra is not None:
            raise ValueError("'extra' was given, but this encoder was built without extra columns (extra=())")
        return out

    def __repr__(self) -> str:
        return f"GenomeEncoder({self.space!r}, extra={list(self.extra)!r})"

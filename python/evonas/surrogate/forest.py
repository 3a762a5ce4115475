"""An ensemble of regression trees with uncertainty: the native forest surrogate."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from .. import _core, _device
from .._validation import _numeric_array, as_positive_int, as_seed, as_threads

__all__ = ["ForestSurrogate"]

_NODE_ARRAYS = (("feature", np.int32), ("threshold", np.float64), ("right", np.int32), ("value", np.float64),
                ("tree_offset", np.int64))


def _matrix(X: Any, name: str) -> np.ndarray:
    arr = _numeric_array(X, name)
    if arr.ndim != 2:
        raise ValueError(f"'{name}' must be a 2-D array of shape (n_samples, n_features), but it has {arr.ndim} "
                         "dimension(s)")
    return np.ascontiguousarray(arr, dtype=np.float64)


def _check_finite(arr: np.ndarray, name: str) -> None:
    if not np.isfinite(arr).all():
        row, col = (int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise ValueError(f"'{name}' must be finite, but '{name}'[{row}, {col}] is {arr[row, col]!r}")


def _finite_matrix(X: Any, name: str) -> np.ndarray:
    arr = _matrix(X, name)
    _check_finite(arr, name)
    return arr


def _training_data(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    Xa = _finite_matrix(X, "X")
    if Xa.shape[0] == 0:
        raise ValueError("'X' must hold at least one sample to fit on, but it has 0 rows")
    if Xa.shape[1] == 0:
        raise ValueError("'X' must have at least one feature (column), but it has 0")
    ya = _numeric_array(y, "y")
    if ya.ndim != 1 or ya.shape[0] != Xa.shape[0]:
        raise ValueError(f"'y' must be a 1-D array with one target per row of 'X' ({Xa.shape[0]}), but it has "
                         f"shape {ya.shape}")
    ya = np.ascontiguousarray(ya, dtype=np.float64)
    if not np.isfinite(ya).all():
        row = int(np.flatnonzero(~np.isfinite(ya))[0])
        raise ValueError(f"'y' must be finite, but 'y'[{row}] is {ya[row]!r}")
    return Xa, ya


class ForestSurrogate:
    """Extra-trees regression ensemble: a mean and an uncertainty per candidate.

    Each tree splits a node on the best of `max_features` random features, each
    cut at a uniformly random threshold between its smallest and largest value
    in the node (Geurts et al. 2006), scored by variance reduction. The
    prediction is the mean over the trees, the uncertainty their standard
    deviation. Random draws come from Philox streams keyed by (seed, tree,
    node), so the forest is the same for every thread count; the exact rule is
    in ``cpp/include/evonas/surrogate.hpp`` and ``tests/reference_forest.py``.

    Parameters
    ----------
    n_trees : int, default 100
    max_features : int, float or None, default None
        Candidate features per split: an int in [1, n_features], a fraction
        in (0, 1] of the features (at least one), or None for all of them.
    min_samples_leaf : int, default 1
        Each leaf holds at least this many training samples.
    max_depth : int, optional
        Deepest split level; None grows until leaves are pure or too small.
    bootstrap : bool, default False
        Fit each tree on a bootstrap resample (more spread between trees).
    seed : int, optional
        None draws fresh entropy once, here, so refits stay reproducible.
    n_threads : int, optional
        Threads for fitting and prediction; None uses every core. Results
        do not depend on it.

    Notes
    -----
    The uncertainty reflects disagreement between the trees (noisy or sparse
    data between samples); like any tree model the forest predicts a constant
    beyond the range of the training data, with the uncertainty of the
    nearest leaves. Fitting costs O(n_trees * max_features * n log n) for n samples;
    prediction O(n_trees * depth) per candidate: each fit also packs the
    trees once for prediction, which replaces every value by its rank among
    the feature's split thresholds (so a comparison is exact) and walks each
    tree for blocks of rows in lockstep. The object pickles (node table and
    training data; the packed form is rebuilt on loading), so a resumed run
    predicts and refits exactly as before.
    """

    def __init__(
        self,
        n_trees: int = 100,
        *,
        max_features: int | float | None = None,
        min_samples_leaf: int = 1,
        max_depth: int | None = None,
        bootstrap: bool = False,
        seed: int | None = None,
        n_threads: int | None = None,
    ) -> None:
        self.n_trees = as_positive_int(n_trees, "n_trees")
        if max_features is not None:
            if isinstance(max_features, bool) or not isinstance(max_features, numbers.Real):
                raise TypeError(f"'max_features' must be None, an int or a float fraction, but it is {max_features!r}")
            if isinstance(max_features, numbers.Integral):
                as_positive_int(max_features, "max_features")
            elif not 0.0 < max_features <= 1.0:
                raise ValueError(f"'max_features' as a fraction must lie in (0, 1], but it is {max_features!r}")
        self.max_features = max_features
        self.min_samples_leaf = as_positive_int(min_samples_leaf, "min_samples_leaf")
        self.max_depth = None if max_depth is None else as_positive_int(max_depth, "max_depth")
        if not isinstance(bootstrap, bool):
            raise TypeError(f"'bootstrap' must be a bool, but it is {bootstrap!r}")
        self.bootstrap = bootstrap
        self.seed = as_seed(seed)
        self._threads = as_threads(n_threads)
        self._X: np.ndarray | None = None
        self._y: np.ndarray | None = None
        self._nodes: tuple[np.ndarray, ...] | None = None
        self._packed: Any = None  # the node table prepared for prediction (not pickled: rebuilt from _nodes)

    # -- fitting -------------------------------------------------------------

    def fit(self, X: Any, y: Any, /) -> ForestSurrogate:
        """Fit on features `X` (n, d) and targets `y` (n,), replacing any earlier fit.

        Parameters
        ----------
        X : array_like, shape (n, d)
            Finite features, n >= 1 and d >= 1 (see `GenomeEncoder`).
        y : array_like, shape (n,)
            Finite targets.

        Returns
        -------
        ForestSurrogate
            self.
        """
        Xa, ya = _training_data(X, y)
        self._fit(Xa, ya)
        return self

    def update(self, X: Any, y: Any, /) -> ForestSurrogate:
        """Add samples and refit on everything seen so far.

        The result equals ``fit`` on the concatenated data (same seed): a full
        refit is cheap (1,000 samples fit in a fraction of a second) and keeps
        the forest independent of the order the results arrived in batches.
        Without an earlier fit this is `fit`.

        Returns
        -------
        ForestSurrogate
            self.
        """
        Xa, ya = _training_data(X, y)
        if self._X is not None and self._y is not None:
            if Xa.shape[1] != self._X.shape[1]:
                raise ValueError(f"'X' must have {self._X.shape[1]} columns (the features already fitted), but it "
                                 f"has {Xa.shape[1]}")
            Xa, ya = np.concatenate([self._X, Xa]), np.concatenate([self._y, ya])
        self._fit(Xa, ya)
        return self

    def _fit(self, X: np.ndarray, y: np.ndarray) -> None:
        d = X.shape[1]
        self._nodes = _core.forest_fit(X, y, self.n_trees, self._max_features(d), self.min_samples_leaf,
                                       self.max_depth or 0, self.bootstrap, self.seed, self._threads)
        self._packed = _core.forest_pack(self._nodes, d)
        self._X, self._y = X, y

    def _max_features(self, d: int) -> int:
        mf = self.max_features
        if mf is None:
            return d
        if isinstance(mf, numbers.Integral):
            if mf > d:
                raise ValueError(f"'max_features' must be at most the number of features ({d}), but it is {mf}")
            return int(mf)
        return max(1, int(round(float(mf) * d)))

    # -- prediction ----------------------------------------------------------

    def predict(self, X: Any, /, *, device: Any = "auto") -> tuple[Any, Any]:
        """Predicted mean and uncertainty of every row of `X`.

        Parameters
        ----------
        X : array_like, shape (n, d)
            Finite features with the columns the forest was fitted on; a
            CUDA array (torch, CuPy) is predicted on its GPU.
        device : {"auto", "cpu", "cuda"}, default "auto"
            Where to predict; "auto" follows `X`. The CUDA path gives the
            same values.

        Returns
        -------
        mean, std : numpy.ndarray of float64, shape (n,), or arrays on X's device
            The mean of the trees' predictions and their (population)
            standard deviation, exactly 0 where every tree agrees.
        """
        if self._packed is None or self._X is None:
            raise RuntimeError("this ForestSurrogate is not fitted yet: call fit(X, y) first")
        backend = _device.resolve(device, X)
        if backend is not None:
            return self._predict_on(backend, X)
        Xa = _matrix(_device.to_host(X), "X")
        d = self._X.shape[1]
        if Xa.shape[1] != d:
            raise ValueError(f"'X' must have {d} columns (the features the surrogate was fitted on), but it has "
                             f"{Xa.shape[1]}")
        try:
            return _core.forest_predict_packed(self._packed, Xa, self._threads)
        except ValueError:
            # The native code checks finiteness as it reads X (a separate pass
            # costs ~5% of a prediction); name the first bad entry.
            _check_finite(Xa, "X")
            raise

    def _predict_on(self, backend: _device.Backend, X: Any) -> tuple[Any, Any]:
        mat = backend.matrix(X, "X", allow_nan=True)
        d = self._X.shape[1]
        if mat.cols != d:
            raise ValueError(f"'X' must have {d} columns (the features the surrogate was fitted on), but it has "
                             f"{mat.cols}")
        mean, mean_ptr = backend.empty(mat)
        std, std_ptr = backend.empty(mat)
        backend.kernels.forest_predict(self._packed, mat.ptr, mat.rows, mean_ptr, std_ptr, mat.device, mat.stream)
        return mean, std

    # -- state ---------------------------------------------------------------

    @property
    def n_features(self) -> int | None:
        """Number of features fitted on (None before the first fit)."""
        return None if self._X is None else int(self._X.shape[1])

    @property
    def n_samples(self) -> int:
        """Number of training samples of the current fit (0 before the first)."""
        return 0 if self._y is None else int(self._y.shape[0])

    def node_table(self) -> dict[str, np.ndarray]:
        """Copies of the flat node arrays: feature, threshold, right, value, tree_offset.

        Tree t owns nodes ``tree_offset[t]:tree_offset[t+1]`` in preorder; the
        left child of node i is i + 1, the right one ``right[i]``; a leaf has
        ``right[i] == i`` and threshold -inf; rows go left when
        ``x[feature] <= threshold``.
        """
        if self._nodes is None:
            raise RuntimeError("this ForestSurrogate is not fitted yet: call fit(X, y) first")
        return {name: arr.copy() for (name, _), arr in zip(_NODE_ARRAYS, self._nodes)}

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_nodes"] = None if self._nodes is None else self.node_table()
        del state["_packed"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        nodes = state.pop("_nodes")
        self.__dict__.update(state)
        self._nodes = self._packed = None
        if nodes is not None:
            if self._X is None:
                raise ValueError("a pickled ForestSurrogate with a node table must carry its training data")
            arrays = tuple(np.ascontiguousarray(nodes[name], dtype=dtype) for name, dtype in _NODE_ARRAYS)
            self._packed = _core.forest_pack(arrays, int(self._X.shape[1]))  # checks: a corrupt table is refused
            self._nodes = arrays

    def __repr__(self) -> str:
        fitted = f"fitted on {self.n_samples} x {self.n_features}" if self._nodes is not None else "not fitted"
        return (f"ForestSurrogate(n_trees={self.n_trees}, max_features={self.max_features!r}, "
                f"min_samples_leaf={self.min_samples_leaf}, max_depth={self.max_depth}, "
                f"bootstrap={self.bootstrap}, seed={self.seed}; {fitted})")

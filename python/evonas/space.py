"""Search spaces: named genes (real, integer, categorical) and the genome matrix.

A population is a float64 matrix of shape (n, len(space)), one row per
individual and one column per gene. A real gene holds its value (also when
sampled on a log scale), an integer gene an integral value, and a categorical
gene the integral index of its choice. The native operators see only that
matrix and the arrays `kinds`, `lower`, `upper` and `log`; names and choice
objects stay in Python and are restored by `decode`.
"""

from __future__ import annotations

import numbers
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass
from typing import Any, Union

import numpy as np

from ._validation import _numeric_array, as_seed

__all__ = ["Real", "Integer", "Categorical", "Gene", "Space", "REAL", "INTEGER", "CATEGORICAL"]

# Gene kinds as stored in `Space.kinds` (the codes the native operators switch on).
REAL, INTEGER, CATEGORICAL = 0, 1, 2

# Integers above 2**53 are not all representable in float64, the genome dtype.
_MAX_EXACT_INT = 2**53
#: Rows per block of `Space.validate` (cache-sized at a few dozen genes).
_CHECK_ROWS = 16384


def _check_name(name: Any, kind: str) -> None:
    if not isinstance(name, str) or not name:
        raise TypeError(f"{kind} gene name must be a non-empty str, but it is {name!r}")


def _real_bound(value: Any, gene: str, arg: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"gene '{gene}': '{arg}' must be a real number, but it is {value!r}")
    if not np.isfinite(value):
        raise ValueError(f"gene '{gene}': '{arg}' must be finite, but it is {value!r}")
    return float(value)


@dataclass(frozen=True)
class Real:
    """A continuous gene in the closed interval [low, high].

    Parameters
    ----------
    name : str
        Gene name, unique within a space.
    low, high : float
        Finite bounds, ``low < high``.
    log : bool, default False
        Sample uniformly in log space (``low`` must then be > 0). The genome
        still holds the value itself, not its logarithm.
    """

    name: str
    low: float
    high: float
    _: KW_ONLY
    log: bool = False

    def __post_init__(self) -> None:
        _check_name(self.name, "Real")
        low = _real_bound(self.low, self.name, "low")
        high = _real_bound(self.high, self.name, "high")
        if low >= high:
            raise ValueError(f"gene '{self.name}': 'low' must be < 'high', but low={low!r} and high={high!r}")
        if not isinstance(self.log, bool):
            raise TypeError(f"gene '{self.name}': 'log' must be a bool, but it is {self.log!r}")
        if self.log and low <= 0:
            raise ValueError(f"gene '{self.name}': a log-scaled gene needs 'low' > 0, but low={low!r}")
        # Normalise numpy scalars so equality, repr and pickles are plain floats.
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)


@dataclass(frozen=True)
class Integer:
    """An integer gene in the closed interval [low, high] (both included).

    Parameters
    ----------
    name : str
        Gene name, unique within a space.
    low, high : int
        Integral bounds (an integral float such as ``2.0`` is accepted),
        ``low < high``, within +-2**53 so float64 genomes hold them exactly.
    """

    name: str
    low: int
    high: int

    def __post_init__(self) -> None:
        _check_name(self.name, "Integer")
        bounds = []
        for arg in ("low", "high"):
            value = _real_bound(getattr(self, arg), self.name, arg)
            if not value.is_integer():
                raise ValueError(f"gene '{self.name}': '{arg}' must be integral, but it is {getattr(self, arg)!r}")
            if abs(value) > _MAX_EXACT_INT:
                raise ValueError(
                    f"gene '{self.name}': '{arg}' must be within +-2**53, but it is {getattr(self, arg)!r}"
                )
            bounds.append(int(value))
        if bounds[0] >= bounds[1]:
            raise ValueError(f"gene '{self.name}': 'low' must be < 'high', but low={bounds[0]} and high={bounds[1]}")
        object.__setattr__(self, "low", bounds[0])
        object.__setattr__(self, "high", bounds[1])


@dataclass(frozen=True)
class Categorical:
    """A gene taking one of a fixed list of choices, stored as the choice's index.

    Parameters
    ----------
    name : str
        Gene name, unique within a space.
    choices : sequence of hashable
        At least two distinct values (compared by ``==`` and hash, so ``1``,
        ``1.0`` and ``True`` count as duplicates). A str is not accepted as
        the sequence itself: pass ``["a", "b"]``, not ``"ab"``.
    """

    name: str
    choices: tuple[Hashable, ...]

    def __post_init__(self) -> None:
        _check_name(self.name, "Categorical")
        choices = self.choices
        # Sets and mappings have no stable order, and the index is what the genome stores.
        if isinstance(choices, (str, bytes, set, frozenset, Mapping)) or not isinstance(choices, Iterable):
            raise TypeError(f"gene '{self.name}': 'choices' must be a sequence (list or tuple), but it is {choices!r}")
        choices = tuple(choices)
        for choice in choices:
            if not isinstance(choice, Hashable):
                raise TypeError(f"gene '{self.name}': every choice must be hashable, but {choice!r} is not")
        if len(choices) < 2:
            raise ValueError(f"gene '{self.name}': 'choices' must hold at least 2 values, but it holds {len(choices)}")
        seen: set[Hashable] = set()
        for choice in choices:
            if choice in seen:
                raise ValueError(
                    f"gene '{self.name}': 'choices' must be distinct, but {choice!r} appears more than once"
                )
            seen.add(choice)
        object.__setattr__(self, "choices", choices)


Gene = Union[Real, Integer, Categorical]


class Space:
    """An ordered set of named genes describing one genome.

    Parameters
    ----------
    genes : iterable of Real, Integer or Categorical
        At least one gene; names must be unique. The order fixes the columns
        of the genome matrix.

    Examples
    --------
    >>> space = Space([Real("lr", 1e-4, 1e-1, log=True), Integer("layers", 1, 8),
    ...                Categorical("act", ["relu", "gelu"])])
    >>> X = space.sample(4, seed=0)          # float64, shape (4, 3)
    >>> space.decode(X)[0]["act"] in ("relu", "gelu")
    True
    """

    def __init__(self, genes: Iterable[Gene], /) -> None:
        if isinstance(genes, (str, bytes, Real, Integer, Categorical)) or not isinstance(genes, Iterable):
            raise TypeError(f"'genes' must be an iterable of Real, Integer or Categorical genes, but it is {genes!r}")
        genes = tuple(genes)
        if not genes:
            raise ValueError("'genes' must hold at least one gene, but it is empty")
        names: set[str] = set()
        for i, gene in enumerate(genes):
            if not isinstance(gene, (Real, Integer, Categorical)):
                raise TypeError(f"'genes'[{i}] must be a Real, Integer or Categorical gene, but it is {gene!r}")
            if gene.name in names:
                raise ValueError(f"gene names must be unique, but '{gene.name}' appears more than once")
            names.add(gene.name)
        self._genes: tuple[Gene, ...] = genes
        self._names = tuple(g.name for g in genes)
        self._kinds = _frozen(np.array([_kind(g) for g in genes], dtype=np.int8))
        self._lower = _frozen(np.array([_bounds(g)[0] for g in genes], dtype=np.float64))
        self._upper = _frozen(np.array([_bounds(g)[1] for g in genes], dtype=np.float64))
        self._log = _frozen(np.array([isinstance(g, Real) and g.log for g in genes], dtype=np.bool_))
        self._discrete = self._kinds != REAL

    @classmethod
    def from_bounds(cls, xl: Any, xu: Any, /) -> Space:
        """An all-real space with genes ``x0 .. x{n-1}`` and bounds `xl`, `xu`.

        Parameters
        ----------
        xl, xu : array_like, shape (n,)
            Lower and upper bounds, finite, ``xl < xu`` element-wise.
        """
        lo = np.asarray(xl)
        hi = np.asarray(xu)
        for name, arr in (("xl", lo), ("xu", hi)):
            if arr.dtype.kind not in "fiu":
                raise TypeError(f"'{name}' must hold real numbers, but its dtype is {arr.dtype}")
            if arr.ndim != 1:
                raise ValueError(f"'{name}' must be a 1-D array, but it has {arr.ndim} dimension(s)")
        if lo.shape != hi.shape:
            raise ValueError(f"'xl' and 'xu' must have the same length, but they have {lo.shape[0]} and {hi.shape[0]}")
        return cls([Real(f"x{i}", lo_i, hi_i) for i, (lo_i, hi_i) in enumerate(zip(lo.tolist(), hi.tolist()))])

    # -- description ---------------------------------------------------------

    def __len__(self) -> int:
        return len(self._genes)

    def __iter__(self) -> Iterator[Gene]:
        return iter(self._genes)

    def __getitem__(self, key: int | str) -> Gene:
        """The gene at a column index or with a name."""
        if isinstance(key, str):
            try:
                return self._genes[self._names.index(key)]
            except ValueError:
                raise KeyError(f"no gene named {key!r}; the genes are {list(self._names)}") from None
        return self._genes[key]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Space) and self._genes == other._genes

    def __hash__(self) -> int:
        return hash(self._genes)

    def __repr__(self) -> str:
        return f"Space({list(self._genes)!r})"

    def __reduce__(self) -> tuple[type, tuple[tuple[Gene, ...]]]:
        # Rebuild from the genes so the derived arrays come back read-only.
        return (Space, (self._genes,))

    @property
    def genes(self) -> tuple[Gene, ...]:
        """The genes, in column order."""
        return self._genes

    @property
    def names(self) -> tuple[str, ...]:
        """Gene names, in column order."""
        return self._names

    @property
    def kinds(self) -> np.ndarray:
        """int8 (n_genes,): 0 real, 1 integer, 2 categorical. Read-only."""
        return self._kinds

    @property
    def lower(self) -> np.ndarray:
        """float64 (n_genes,): lower bounds; 0 for categorical genes. Read-only."""
        return self._lower

    @property
    def upper(self) -> np.ndarray:
        """float64 (n_genes,): upper bounds; n_choices - 1 for categorical genes. Read-only."""
        return self._upper

    @property
    def log(self) -> np.ndarray:
        """bool (n_genes,): whether the gene is sampled on a log scale. Read-only."""
        return self._log

    # -- genome matrices -----------------------------------------------------

    def sample(self, n: int, /, *, seed: int | None = None) -> np.ndarray:
        """Draw `n` genomes uniformly from the space.

        Real genes are uniform on [low, high] (log-uniform when ``log``),
        integer genes and categorical indices uniform over their values.

        Parameters
        ----------
        n : int
            Number of genomes, >= 0.
        seed : int, optional
            Seed for reproducible draws; None draws fresh entropy.

        Returns
        -------
        numpy.ndarray of float64, shape (n, len(space))
        """
        if isinstance(n, bool) or not isinstance(n, numbers.Integral):
            raise TypeError(f"'n' must be a non-negative int, but it is {n!r}")
        if n < 0:
            raise ValueError(f"'n' must be a non-negative int, but it is {n}")
        # One uniform matrix mapped per column: the same transform a
        # counter-based native sampler applies to its uniforms.
        u = np.random.default_rng(as_seed(seed)).random((int(n), len(self)))
        lo, hi, log = self._lower, self._upper, self._log
        X = lo + u * (hi - lo)
        if log.any():
            llo, lhi = np.log(lo[log]), np.log(hi[log])
            X[:, log] = np.exp(llo + u[:, log] * (lhi - llo))
        disc = self._discrete
        X[:, disc] = np.floor(lo[disc] + u[:, disc] * (hi[disc] - lo[disc] + 1.0))
        return np.clip(X, lo, hi)  # exp/log and the float products can land just outside

    def validate(self, X: Any, /, name: str = "X") -> np.ndarray:
        """Check that `X` is a genome matrix of this space.

        Parameters
        ----------
        X : array_like, shape (n, len(space))
        name : str, default "X"
            Argument name used in error messages.

        Returns
        -------
        numpy.ndarray of float64, shape (n, len(space))
            `X` as a C-contiguous float64 array (a copy only if needed).

        Raises
        ------
        TypeError
            If `X` is not numeric.
        ValueError
            If the shape is wrong, or a value is NaN, outside its gene's
            bounds, or not integral for an integer/categorical gene. The
            message names the gene, its column and the first bad row.
        """
        arr = self._matrix(X, name)
        # Row blocks that stay in cache (a pool can hold 10**6 genomes), no column copies;
        # a NaN fails the bounds test.
        for start in range(0, arr.shape[0], _CHECK_ROWS):
            block = arr[start : start + _CHECK_ROWS]
            bad = ~((block >= self._lower) & (block <= self._upper))
            if bad.any():
                row, col = (int(i) for i in np.argwhere(bad)[0])
                gene = self._genes[col]
                raise ValueError(
                    f"'{name}'[{start + row}, {col}] (gene '{gene.name}') must lie in "
                    f"[{self._lower[col]:g}, {self._upper[col]:g}], but it is {block[row, col]!r}"
                )
        for start in range(0, arr.shape[0], _CHECK_ROWS):
            block = arr[start : start + _CHECK_ROWS]
            fractional = (block != np.rint(block)) & self._discrete
            if fractional.any():
                row, col = (int(i) for i in np.argwhere(fractional)[0])
                kind = "an integer" if self._kinds[col] == INTEGER else "a categorical"
                raise ValueError(
                    f"'{name}'[{start + row}, {col}] (gene '{self._genes[col].name}') must be integral for {kind} "
                    f"gene, but it is {block[row, col]!r}"
                )
        return arr

    def repair(self, X: Any, /) -> np.ndarray:
        """Clip `X` to the bounds and round integer and categorical genes.

        Parameters
        ----------
        X : array_like, shape (n, len(space))
            Finite or infinite values; NaN cannot be repaired.

        Returns
        -------
        numpy.ndarray of float64, shape (n, len(space))
            A new array; `X` is not modified.
        """
        arr = self._matrix(X, "X")
        if np.isnan(arr).any():
            row, col = (int(i) for i in np.argwhere(np.isnan(arr))[0])
            raise ValueError(f"'X'[{row}, {col}] (gene '{self._genes[col].name}') is NaN and cannot be repaired")
        out = np.clip(arr, self._lower, self._upper)  # always a new array
        # Bounds of discrete genes are integral, so rounding after clipping stays inside.
        out[:, self._discrete] = np.rint(out[:, self._discrete])
        return out

    def decode(self, X: Any, /) -> list[dict[str, Any]]:
        """Genome rows to dicts of named values.

        Real genes become float, integer genes int, categorical genes the
        choice object itself. `X` is validated first (see `validate`).

        Returns
        -------
        list of dict, one per row of `X`
        """
        arr = self.validate(X)
        columns: list[list[Any]] = []
        for j, gene in enumerate(self._genes):
            col = arr[:, j]
            if isinstance(gene, Real):
                columns.append(col.tolist())
            elif isinstance(gene, Integer):
                columns.append(col.astype(np.int64).tolist())
            else:
                choices = gene.choices
                columns.append([choices[i] for i in col.astype(np.int64).tolist()])
        return [dict(zip(self._names, row)) for row in zip(*columns)]

    def encode(self, rows: Sequence[Mapping[str, Any]], /) -> np.ndarray:
        """Dicts of named values to a genome matrix (the inverse of `decode`).

        Parameters
        ----------
        rows : sequence of mapping
            Each maps every gene name (and nothing else) to a value: a real
            number for real and integer genes, one of the choices for a
            categorical gene.

        Returns
        -------
        numpy.ndarray of float64, shape (len(rows), len(space))

        Raises
        ------
        ValueError
            If a row misses a gene, has an unknown key, a categorical value
            is not a choice, or a value is outside its bounds / not integral.
        """
        if isinstance(rows, Mapping) or not isinstance(rows, Iterable):
            raise TypeError(f"'rows' must be a sequence of mappings (one per genome), but it is {type(rows).__name__}")
        rows = list(rows)
        index = [
            {c: k for k, c in enumerate(g.choices)} if isinstance(g, Categorical) else None for g in self._genes
        ]
        X = np.empty((len(rows), len(self)), dtype=np.float64)
        for i, row in enumerate(rows):
            if not isinstance(row, Mapping):
                raise TypeError(f"'rows'[{i}] must be a mapping of gene name to value, but it is {type(row).__name__}")
            if row.keys() != set(self._names):
                missing = [n for n in self._names if n not in row]
                extra = sorted(map(repr, set(row) - set(self._names)))
                what = f"misses gene(s) {missing}" if missing else f"has unknown key(s) {', '.join(extra)}"
                raise ValueError(f"'rows'[{i}] must have exactly the keys {list(self._names)}, but it {what}")
            for j, gene in enumerate(self._genes):
                X[i, j] = self._encode_value(gene, index[j], row[gene.name], i)
        return self.validate(X, name="rows")

    # -- helpers -------------------------------------------------------------

    def _encode_value(self, gene: Gene, index: dict[Hashable, int] | None, value: Any, i: int) -> float:
        if index is not None:
            try:
                return float(index[value])
            except (KeyError, TypeError):
                raise ValueError(
                    f"'rows'[{i}]['{gene.name}'] must be one of {list(index)}, but it is {value!r}"
                ) from None
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"'rows'[{i}]['{gene.name}'] must be a real number, but it is {value!r}")
        return float(value)

    def _matrix(self, X: Any, name: str) -> np.ndarray:
        arr = _numeric_array(X, name)
        if arr.ndim != 2 or arr.shape[1] != len(self):
            raise ValueError(
                f"'{name}' must have shape (n, {len(self)}) (one column per gene), but it has shape {arr.shape}"
            )
        return np.ascontiguousarray(arr, dtype=np.float64)


def _kind(gene: Gene) -> int:
    return REAL if isinstance(gene, Real) else INTEGER if isinstance(gene, Integer) else CATEGORICAL


def _bounds(gene: Gene) -> tuple[float, float]:
    if isinstance(gene, Categorical):
        return 0.0, float(len(gene.choices) - 1)
    return float(gene.low), float(gene.high)


def _frozen(arr: np.ndarray) -> np.ndarray:
    arr.flags.writeable = False
    return arr

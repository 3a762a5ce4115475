"""A whole pool of NAS genomes at once: decode, repair, closed-form costs, identity.

`repair_pool` does for a genome matrix what ``NASSpace.repair(decode(row))``,
`cheap_costs` and comparing `Architecture` objects do row by row, on numpy
columns: one pass over the block slots with the running feature-map size of
every row, so a pool of 10**6 costs seconds instead of minutes (see
bench/bench_pool.py). It needs neither torch nor `Architecture` objects; the
tests check it against the per-row path.

The repaired genomes cannot stay in the space's own encoding: repair may set
a value that is no choice of the space (``norm="none"`` for a single-value
layer norm, ``skip=True`` for a residual block on flat features) and fixed
options have no gene. So they come back in the *field encoding*: one column
per `Architecture` field (the gene names of a space with nothing fixed, see
`field_names`); a str field holds its index in the global tuple
(`BLOCK_TYPES`, `ACTIVATIONS`, `NORMS`, `READOUTS`, `INITS`, `OPTIMIZERS`,
`QUANTIZATIONS`), ``skip`` holds 0 or 1 and every number its value.
"""

from __future__ import annotations

import functools
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..space import Categorical
from .arch import ACTIVATIONS, BLOCK_TYPES, INITS, NORMS, OPTIMIZERS, QUANTIZATIONS, READOUTS, as_input_shape
from .space import _BLOCK_OPTIONS, _NET_CHOICES, _NET_RANGES, MAX_FLATTEN_FEATURES, NASSpace

__all__ = ["RepairedPool", "repair_pool", "field_names", "STR_FIELDS"]

#: Field -> the tuple whose index encodes it (str fields of `Block` and `Architecture`).
STR_FIELDS: dict[str, tuple[str, ...]] = {
    "type": BLOCK_TYPES,
    "activation": ACTIVATIONS,
    "norm": NORMS,
    "readout": READOUTS,
    "init": INITS,
    "optimizer": OPTIMIZERS,
    "quantization": QUANTIZATIONS,
}
_CONV, _SEPCONV, _RESIDUAL, _DENSE, _POOL, _IDENTITY = (
    BLOCK_TYPES.index(t) for t in ("conv", "sepconv", "residual", "dense", "pool", "identity")
)
_NONE, _LAYER = NORMS.index("none"), NORMS.index("layer")
_GAP, _FLATTEN = READOUTS.index("gap"), READOUTS.index("flatten")
_BLOCK_FIELDS = tuple(_BLOCK_OPTIONS.values())
_NET_FIELDS = (*_NET_CHOICES.values(), *_NET_RANGES)
_REPAIRED = ("type", "stride", "kernel", "norm", "skip", "readout")  # the fields repair may change
_OPTION = {field: option for option, field in {**_BLOCK_OPTIONS, **_NET_CHOICES}.items()}  # field -> its option
# float64 holds every integer up to 2**53 exactly: costs must stay below, and int
# options and map sizes below 2**52 so that sums of two stay exact too.
_EXACT = 2**53
_BLOCK = 32768  # rows per block (see repair_pool): ~2x faster at 10**6 than one block


@dataclass(frozen=True, eq=False)  # arrays: no element-wise == of whole pools
class RepairedPool:
    """Per pool row: the repaired genome, its costs and an identity key.

    Attributes
    ----------
    fields : numpy.ndarray of float64, shape (n, len(names))
        The genome of ``repair(decode(row))`` in the field encoding (see the
        module docstring).
    names : tuple of str
        Column names of `fields` (`field_names` of the space).
    params, macs : numpy.ndarray of int64, shape (n,)
        What `cheap_costs` gives for the repaired architecture.
    depth : numpy.ndarray of int64, shape (n,)
        Non-identity blocks of the repaired architecture.
    keys : numpy.ndarray of int64, shape (n,)
        ``keys[i] == keys[j]`` exactly when rows i and j repair to the same
        network (equal `Architecture.canonical` forms: fields a block type
        ignores and the place of identity slots do not count); numbered 0, 1, ... in order of first appearance, so
        row i is the first of its architecture iff ``keys[i] > keys[:i].max()``.
        Keys of different calls are not comparable: screen old and new rows
        in one call.
    """

    fields: np.ndarray
    names: tuple[str, ...]
    params: np.ndarray
    macs: np.ndarray
    depth: np.ndarray
    keys: np.ndarray

    def first_seen(self) -> np.ndarray:
        """bool (n,): whether each row is the first with its architecture."""
        keys = self.keys
        if keys.shape[0] == 0:
            return np.zeros(0, dtype=bool)
        before = np.maximum.accumulate(np.concatenate([[-1], keys[:-1]]))
        return keys > before


def field_names(space: NASSpace, /) -> tuple[str, ...]:
    """Column names of the field encoding of `space`: every block and network field, none fixed."""
    if not isinstance(space, NASSpace):
        raise TypeError(f"'space' must be a NASSpace, but it is {type(space).__name__}")
    blocks = [f"b{i}_{field}" for i in range(space.max_blocks) for field in _BLOCK_FIELDS]
    return (*blocks, *_NET_FIELDS)


def repair_pool(space: NASSpace, X: Any, /, input_shape: Any, n_classes: int) -> RepairedPool:
    """Decode, repair and cost every row of a genome matrix, vectorised.

    Equal, row for row, to ``space.repair(a, input_shape)`` for ``a`` in
    ``space.decode(X)`` and `cheap_costs` of the result (see `RepairedPool`).

    Parameters
    ----------
    space : NASSpace
    X : array_like, shape (n, len(space.space))
        Genomes (checked with ``Space.validate``); n may be 0.
    input_shape : tuple of int
        (features,), (channels, length) or (channels, height, width).
    n_classes : int
        Outputs of the head, >= 1.

    Returns
    -------
    RepairedPool

    Raises
    ------
    ValueError
        On a bad genome, shape or class count, or when an integer option or
        the input size reaches 2**52, or a cost 2**53 (float64 would no longer
        hold them exactly).

    Notes
    -----
    O(n * (max_blocks + genes)) numpy work; the keys cost one sort of the
    rows packed into a few 64-bit words.
    """
    if not isinstance(space, NASSpace):
        raise TypeError(f"'space' must be a NASSpace, but it is {type(space).__name__}")
    shape = as_input_shape(input_shape)
    if isinstance(n_classes, bool) or not isinstance(n_classes, numbers.Integral) or n_classes < 1:
        raise ValueError(f"'n_classes' must be an int >= 1, but it is {n_classes!r}")
    if np.prod(shape, dtype=object) >= _EXACT // 2:
        raise ValueError(f"'input_shape' must have fewer than 2**52 values for a pool (float64), but it is {shape}")
    for name, values in space._options.items():
        ints = [v for v in (values if isinstance(values, tuple) else (values,)) if type(v) is int]
        if ints and max(ints) >= _EXACT // 2:
            raise ValueError(f"NASSpace '{name}' holds an integer >= 2**52, which a pool (float64) cannot hold exactly")
    names = field_names(space)
    G = space.space.validate(X, "X")
    n = G.shape[0]
    F = np.empty((n, len(names)), order="F")
    params, macs = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    words = []
    # Blocks of rows, so that the per-row vectors of a block stay in cache.
    for start in range(0, n, _BLOCK):
        rows = slice(start, start + _BLOCK)
        Gb = np.asfortranarray(G[rows])  # column by column from here on
        Fb = _decode(space, Gb, names)
        _repair(Fb, space, shape)
        params[rows], macs[rows] = _costs(Fb, shape, int(n_classes))
        F[rows] = Fb
        words.append(_words(*_canonical(Fb, Gb, space, names), space, names))
    depth = (F[:, 0 : 8 * space.max_blocks : 8] != _IDENTITY).sum(axis=1).astype(np.int64)
    W = np.concatenate(words) if words else np.zeros((0, 0), dtype=np.uint64)
    return RepairedPool(F, names, params, macs, depth, _group(W))


# -- decode ---------------------------------------------------------------------


def _code(field: str, value: Any) -> float:
    """A field value in the field encoding."""
    return float(STR_FIELDS[field].index(value)) if field in STR_FIELDS else float(value)


def _field(name: str) -> str:
    """``b3_width`` -> ``width``; network fields are their own name."""
    return name.split("_", 1)[1] if name[0] == "b" and name[1].isdigit() else name


def _decode(space: NASSpace, G: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    F = np.empty((G.shape[0], len(names)), dtype=np.float64, order="F")
    column = {name: j for j, name in enumerate(space.space.names)}
    for f, name in enumerate(names):
        field = _field(name)
        if name in space._fixed:
            F[:, f] = _code(field, space._fixed[name])
            continue
        j = column[name]
        gene = space.space[j]
        if isinstance(gene, Categorical):
            table = np.array([_code(field, c) for c in gene.choices])
            F[:, f] = table[G[:, j].astype(np.intp)]
        else:
            F[:, f] = G[:, j]
    return F


# -- repair and the running feature-map size -------------------------------------


def _floordiv(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """floor(a / b) of integers below 2**52 (a quotient that is not an integer is
    then more than half a rounding step below the next one), faster than ``//``."""
    return np.floor(a / b)


class _Maps:
    """The feature map entering the current slot, per row: channels, spatial sides, flat or not."""

    def __init__(self, n: int, shape: tuple[int, ...]) -> None:
        self.channels = np.full(n, float(shape[0]))
        self.sides = [np.full(n, float(d)) for d in shape[1:]]  # one array per spatial dimension
        self.flat = np.full(n, len(shape) == 1)

    def smallest(self) -> np.ndarray:
        """The smallest side (1 for flat rows, whose sides no longer count)."""
        if not self.sides:
            return np.ones(self.flat.shape[0])
        return np.where(self.flat, 1.0, functools.reduce(np.minimum, self.sides))

    def area(self) -> np.ndarray:
        """Positions of the map (1 for flat features)."""
        return np.where(self.flat, 1.0, self.positions(np.ones(self.flat.shape[0])))

    def positions(self, stride: np.ndarray) -> np.ndarray:
        """Output positions of a same-padded convolution with `stride`: the product of ceil(side / stride)."""
        out = np.ones(self.flat.shape[0])
        for d in self.sides:
            out *= _floordiv(d + stride - 1.0, stride)
        return out

    def advance(self, t: np.ndarray, width: np.ndarray, stride: np.ndarray) -> None:
        """Move past a slot of (repaired) type `t` (the rules of `trace`)."""
        pool = (t == _POOL) & ~self.flat
        conv = ((t == _CONV) | (t == _SEPCONV) | (t == _RESIDUAL)) & ~self.flat
        # Pooling floors d / max(2, stride), a same-padded convolution takes ceil(d / stride).
        div = np.where(pool, np.maximum(2.0, stride), np.where(conv, stride, 1.0))
        add = np.where(conv, div - 1.0, 0.0)
        self.sides = [_floordiv(d + add, div) for d in self.sides]
        self.flat = self.flat | (t == _DENSE)
        self.channels = np.where((t == _IDENTITY) | (t == _POOL), self.channels, width)


def _largest_at_most(choices: tuple[Any, ...], limit: np.ndarray, current: np.ndarray) -> np.ndarray:
    """Per row, the largest choice <= limit, else ``min(min(choices), current)`` (as `NASSpace.repair`)."""
    table = np.sort(np.array(choices, dtype=np.float64))
    i = np.searchsorted(table, limit, side="right") - 1
    return np.where(i >= 0, table[np.maximum(i, 0)], np.minimum(table[0], current))


def _repair(F: np.ndarray, space: NASSpace, shape: tuple[int, ...]) -> None:
    """`NASSpace.repair` on every row of the field matrix `F`, in place (see its docstring for the rules)."""
    options = space._options
    dense_ok = "dense" in options["block_types"]
    strides = np.sort(np.array(options["strides"], dtype=np.float64))
    maps = _Maps(F.shape[0], shape)
    flattened = np.zeros(F.shape[0])  # values the readout turns into a vector (0: the input is flat)
    for i in range(space.max_blocks):
        t, width, kernel, stride, _, norm, _, skip = (F[:, 8 * i + k] for k in range(8))
        spatial_type = (t == _CONV) | (t == _SEPCONV) | (t == _RESIDUAL) | (t == _POOL)
        # Flat features (or a dense block): no convolution or pooling.
        on_flat = (t != _IDENTITY) & (maps.flat | (t == _DENSE))
        drop = on_flat & ((t == _POOL) | (spatial_type & (not dense_ok)))
        to_dense = on_flat & ~drop & spatial_type
        skip[:] = np.where(to_dense & (t == _RESIDUAL), 1.0, skip)
        # A spatial map: pool factors and convolution strides/kernels that fit.
        on_map = spatial_type & ~maps.flat
        n = maps.smallest()
        pool = on_map & (t == _POOL)
        refit = pool & (np.maximum(2.0, stride) > n)
        # Pool factors max(2, s) grow with s: the largest stride whose factor fits.
        j = np.searchsorted(np.maximum(2.0, strides), n, side="right") - 1
        drop |= refit & (j < 0)
        stride[:] = np.where(refit & (j >= 0), strides[np.maximum(j, 0)], stride)
        conv = on_map & (t != _POOL)
        stride[:] = np.where(conv & (stride > n), _largest_at_most(options["strides"], n, stride), stride)
        limit = 2 * n - 1
        kernel[:] = np.where(conv & (kernel > limit), _largest_at_most(options["kernels"], limit, kernel), kernel)
        t[:] = np.where(drop, _IDENTITY, np.where(to_dense, _DENSE, t))
        # A layer norm over a single value (width x output positions) normalises it to 0.
        values = np.where(conv, width * maps.positions(stride), width)
        single = (norm == _LAYER) & (values == 1) & (conv | (on_flat & ~drop))
        norm[:] = np.where(single, _NONE, norm)
        starts_flat = ~maps.flat & (t == _DENSE)
        flattened = np.where(starts_flat, maps.channels * maps.area(), flattened)
        maps.advance(t, width, stride)
    if maps.sides:  # rows still spatial: the readout is before the head
        flattened = np.where(maps.flat, flattened, maps.channels * maps.area())
    readout = F[:, -len(_NET_FIELDS) + _NET_FIELDS.index("readout")]
    if "gap" in options["readouts"]:
        readout[:] = np.where((readout == _FLATTEN) & (flattened > MAX_FLATTEN_FEATURES), _GAP, readout)


# -- costs ----------------------------------------------------------------------


def _costs(F: np.ndarray, shape: tuple[int, ...], n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Parameters and MACs of every repaired row (the formulas of `cheap_costs`).

    Computed in float64, exact while every value stays below 2**53 (all terms
    are >= 0, so the totals bound them).
    """
    n = F.shape[0]
    L = (F.shape[1] - len(_NET_FIELDS)) // 8
    gap = F[:, -len(_NET_FIELDS) + _NET_FIELDS.index("readout")] == _GAP
    maps = _Maps(n, shape)
    params, macs = np.zeros(n), np.zeros(n)
    for i in range(L):
        t, w, k, s, _, norm, _, skip = (F[:, 8 * i + j] for j in range(8))
        active = (t != _IDENTITY) & (t != _POOL)
        dense = t == _DENSE
        residual = t == _RESIDUAL
        # Dense blocks see the readout's vector; convolutions the map.
        map_values = maps.channels * maps.area()
        spatial = ~maps.flat
        macs += np.where(dense & gap & spatial, map_values, 0.0)
        c = np.where(dense & ~gap, map_values, maps.channels)
        out = np.where(dense, 1.0, maps.positions(s))
        taps = np.where(dense, 1.0, k ** len(maps.sides))
        stride = np.where(dense, 1.0, s)
        bias = (norm == _NONE).astype(np.float64)
        first = np.where(t == _SEPCONV, c * taps, c * w * taps)
        second = np.where(t == _SEPCONV, c * w, np.where(residual, w * w * taps, 0.0))
        biased = np.where(t == _SEPCONV, 1.0, np.where(residual, 2.0, 1.0)) * bias
        proj = np.where((skip.astype(bool) | residual) & ((c != w) | (stride != 1)), c * w, 0.0)
        norms = (1.0 + residual) * (norm != _NONE)
        params += np.where(active, first + second + proj + biased * w + norms * 2 * w, 0.0)
        macs += np.where(active, out * (first + second + proj + norms * w), 0.0)
        maps.advance(t, w, s)
    map_values = maps.channels * maps.area()
    macs += np.where(gap & ~maps.flat, map_values, 0.0)
    c = np.where(gap, maps.channels, map_values)
    macs += c * n_classes
    params += c * n_classes + n_classes
    if n and max(params.max(), macs.max()) >= _EXACT:
        raise ValueError("a pool member has 2**53 or more parameters or MACs; float64 cannot count them exactly")
    return params.astype(np.int64), macs.astype(np.int64)


# -- identity keys ----------------------------------------------------------------


def _canonical(F: np.ndarray, G: np.ndarray, space: NASSpace, names: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Copies of the fields `F` and genes `G` of repaired rows in `Architecture.canonical` form.

    What a block type ignores is set to one value (identity: everything;
    pool: all but its factor ``max(2, stride)``; dense: kernel and stride;
    residual: skip), then the slots of every row are reordered stably with
    the identity slots last, so that equal networks get equal words.
    """
    F, G = F.copy(order="F"), G.copy(order="F")
    column = {name: j for j, name in enumerate(space.space.names)}
    width = len(_BLOCK_FIELDS)
    least = {field: float(min(space._options[_OPTION[field]])) for field in ("kernel", "stride")}
    for i in range(space.max_blocks):
        t = F[:, width * i]
        identity, pool = t == _IDENTITY, t == _POOL
        stride = width * i + _BLOCK_FIELDS.index("stride")
        F[pool, stride] = np.maximum(2.0, F[pool, stride])
        for k, field in enumerate(_BLOCK_FIELDS[1:], 1):
            ignored = identity | pool if field != "stride" else identity.copy()
            if field in ("kernel", "stride"):
                ignored |= t == _DENSE
            elif field == "skip":
                ignored |= t == _RESIDUAL
            F[ignored, width * i + k] = least.get(field, 0.0)
            if f"b{i}_{field}" in column:
                G[ignored, column[f"b{i}_{field}"]] = 0.0
    types = F[:, 0 : width * space.max_blocks : width]
    order = np.argsort(types == _IDENTITY, axis=1, kind="stable")
    if (order != np.arange(space.max_blocks)).any():
        for k, field in enumerate(_BLOCK_FIELDS):
            cols = np.arange(space.max_blocks) * width + k
            F[:, cols] = np.take_along_axis(F[:, cols], order, axis=1)
            genes = [column.get(f"b{i}_{field}") for i in range(space.max_blocks)]
            if genes[0] is not None:  # every slot has the same genes
                G[:, genes] = np.take_along_axis(G[:, genes], order, axis=1)
    return F, G


def _words(F: np.ndarray, G: np.ndarray, space: NASSpace, names: tuple[str, ...]) -> np.ndarray:
    """uint64 (n, words): every row's fields as small codes, packed; equal rows <=> equal words.

    Fields that repair may change are coded from `F`, the others from the
    genes `G` (a choice index is equal exactly when the choice is); fixed
    fields that repair leaves alone say nothing. The layout depends on the
    space only, so blocks of rows pack alike.
    """
    column = {name: j for j, name in enumerate(space.space.names)}
    columns: list[tuple[np.ndarray, int]] = []  # (codes, bits)
    for f, name in enumerate(names):
        field = _field(name)
        if field in ("stride", "kernel"):  # repair picks another choice (and a pool's factor is >= 2)
            table = np.unique(np.array([*space._options[_OPTION[field]], *([2] if field == "stride" else [])],
                                       dtype=np.float64))
            columns.append((np.searchsorted(table, F[:, f]), (len(table) - 1).bit_length()))
        elif field in _REPAIRED:  # a str or bool: its index in the global tuple
            columns.append((F[:, f], (len(STR_FIELDS.get(field, (False, True))) - 1).bit_length()))
        elif name not in space._fixed:
            gene = space.space[column[name]]
            g = G[:, column[name]]
            if isinstance(gene, Categorical):
                columns.append((g, (len(gene.choices) - 1).bit_length()))
            elif field == "lr":  # a real gene: its bits (lr > 0, so equal bits <=> equal values)
                columns.append((np.ascontiguousarray(g).view(np.uint64), 64))
            else:
                columns.append((g - gene.low, int(gene.high - gene.low).bit_length()))
    words: list[np.ndarray] = []
    used = 64
    for codes, bits in columns:
        if bits == 0:
            continue  # one possible value: says nothing
        if used + bits > 64:
            words.append(np.zeros(F.shape[0], dtype=np.uint64))
            used = 0
        words[-1] |= codes.astype(np.uint64) << np.uint64(used)
        used += bits
    return np.stack(words, axis=1) if words else np.zeros((F.shape[0], 0), dtype=np.uint64)


def _group(W: np.ndarray) -> np.ndarray:
    """Keys of the rows of `W` (see `RepairedPool.keys`): equal rows, equal keys, by first appearance."""
    n = W.shape[0]
    if n == 0 or W.shape[1] == 0:
        return np.zeros(n, dtype=np.int64)
    # Sort by a hash of the words (one key); lexsort on all words only when
    # two different rows share a hash, so that equal hashes mean equal rows.
    h = _hash(W)
    order = np.argsort(h, kind="stable")  # stable: equal rows keep their order
    S, h = W[order], h[order]
    new = np.ones(n, dtype=bool)
    new[1:] = (S[1:] != S[:-1]).any(axis=1)
    if (new[1:] & (h[1:] == h[:-1])).any():
        order = np.lexsort(W.T[::-1])
        S = W[order]
        new[1:] = (S[1:] != S[:-1]).any(axis=1)
    first = order[new]  # per group (in sorted order), its first row
    # Number the groups by first appearance: count the first rows up to each.
    is_first = np.zeros(n, dtype=bool)
    is_first[first] = True
    rank = (np.cumsum(is_first) - 1)[first]
    keys = np.empty(n, dtype=np.int64)
    keys[order] = rank[np.cumsum(new) - 1]
    return keys


def _hash(W: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each row of the uint64 matrix `W` (splitmix64's mixer over the words)."""
    h = np.zeros(W.shape[0], dtype=np.uint64)
    for j in range(W.shape[1]):
        h ^= W[:, j]
        h ^= h >> np.uint64(30)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(27)
        h *= np.uint64(0x94D049BB133111EB)
        h ^= h >> np.uint64(31)
    return h

"""The NAS search space: genes of an `evonas.Space` <-> `Architecture`, and repair.

Genome layout (one row per individual, see `evonas.Space`): for each block slot
``i`` the categorical genes ``b{i}_type, b{i}_width, b{i}_kernel, b{i}_stride,
b{i}_activation, b{i}_norm, b{i}_dropout, b{i}_skip``, then the per-network
categorical genes ``readout, init, optimizer, weight_decay, l1, batch_size,
sparsity, quantization`` and the ranges ``lr, epochs, patience``. An option
restricted to a single value (one choice, or a range with low == high) is
fixed: it has no gene and every decoded architecture gets that value.

Choices of gene encoding:

* Widths are categorical over a roughly geometric list (4 .. 128 by default):
  channel counts matter on a log scale, and a list lets users name exactly the
  widths they want (including ones off a grid).
* ``lr`` is the only real gene, log-uniform. ``weight_decay`` and ``l1`` are
  categorical so that 0 (off) is a value the search can pick as easily as any
  other: a log range cannot hold 0 and an "off" threshold would make a large
  part of the gene's range neutral.
* ``epochs`` and ``patience`` are integer ranges.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from ..space import Categorical, Integer, Real, Space
from .arch import (
    ACTIVATIONS,
    BLOCK_TYPES,
    INITS,
    NORMS,
    OPTIMIZERS,
    QUANTIZATIONS,
    READOUTS,
    SPATIAL_TYPES,
    Architecture,
    Block,
    _int,
    _real,
    as_input_shape,
)

__all__ = ["NASSpace", "MAX_FLATTEN_FEATURES"]

#: Repair turns a "flatten" readout into "gap" when it would feed more values
#: than this into the next layer: 4096 takes a whole 64x64 grey image, or 64
#: channels of 8x8, while a dense layer behind a wide map of a large image (with
#: millions of weights) is left out.
MAX_FLATTEN_FEATURES = 4096

# Option name -> the Block field it sets.
_BLOCK_OPTIONS = {
    "block_types": "type",
    "widths": "width",
    "kernels": "kernel",
    "strides": "stride",
    "activations": "activation",
    "norms": "norm",
    "dropouts": "dropout",
    "skips": "skip",
}
# Option name -> the Architecture field it sets (choices).
_NET_CHOICES = {
    "readouts": "readout",
    "inits": "init",
    "optimizers": "optimizer",
    "weight_decays": "weight_decay",
    "l1s": "l1",
    "batch_sizes": "batch_size",
    "sparsities": "sparsity",
    "quantizations": "quantization",
}
# Ranges: lr is real and log-uniform, epochs and patience are integers.
_NET_RANGES = ("lr", "epochs", "patience")

_DEFAULTS: dict[str, Any] = {
    "max_blocks": 4,
    "block_types": BLOCK_TYPES,
    "widths": (4, 8, 16, 32, 64, 128),
    "kernels": (1, 3, 5),
    "strides": (1, 2),
    "activations": ACTIVATIONS,
    "norms": NORMS,
    "dropouts": (0.0, 0.1, 0.2, 0.3),
    "skips": (False, True),
    "readouts": READOUTS,
    "inits": INITS,
    "optimizers": OPTIMIZERS,
    "lr": (1e-4, 1e-1),
    "weight_decays": (0.0, 1e-5, 1e-4, 1e-3),
    "l1s": (0.0, 1e-6, 1e-5, 1e-4),
    "batch_sizes": (16, 32, 64, 128),
    "epochs": (5, 30),
    "patience": (2, 8),
    "sparsities": (0.0, 0.25, 0.5, 0.75),
    "quantizations": QUANTIZATIONS,
}


def _choices(name: str, values: Any, check) -> tuple[Any, ...]:
    if isinstance(values, (str, bytes, Mapping, set, frozenset)) or not isinstance(values, Iterable):
        raise TypeError(f"NASSpace '{name}' must be a list of choices, but it is {values!r}")
    values = tuple(check(v) for v in values)
    if not values:
        raise ValueError(f"NASSpace '{name}' must hold at least one choice, but it is empty")
    if len(set(values)) != len(values):
        raise ValueError(f"NASSpace '{name}' must hold distinct choices, but it is {list(values)}")
    return values


def _one_of(name: str, allowed: tuple[str, ...]):
    def check(v: Any) -> str:
        if not isinstance(v, str) or v not in allowed:
            raise ValueError(f"NASSpace '{name}': {v!r} is not one of {list(allowed)}")
        return v

    return check


def _odd(name: str):
    def check(v: Any) -> int:
        v = _int("NASSpace", name, v, 1)
        if v % 2 == 0:
            raise ValueError(f"NASSpace '{name}' must hold odd kernel sizes (same padding), but it holds {v}")
        return v

    return check


def _bool(name: str):
    def check(v: Any) -> bool:
        if not isinstance(v, (bool, np.bool_)):
            raise TypeError(f"NASSpace '{name}' must hold bools, but it holds {v!r}")
        return bool(v)

    return check


_CHECKS = {
    "block_types": _one_of("block_types", BLOCK_TYPES),
    "widths": lambda v: _int("NASSpace", "widths", v, 1),
    "kernels": _odd("kernels"),
    "strides": lambda v: _int("NASSpace", "strides", v, 1),
    "activations": _one_of("activations", ACTIVATIONS),
    "norms": _one_of("norms", NORMS),
    "dropouts": lambda v: _real("NASSpace", "dropouts", v, 0.0, 1.0),
    "skips": _bool("skips"),
    "readouts": _one_of("readouts", READOUTS),
    "inits": _one_of("inits", INITS),
    "optimizers": _one_of("optimizers", OPTIMIZERS),
    "weight_decays": lambda v: _real("NASSpace", "weight_decays", v, 0.0, math.inf),
    "l1s": lambda v: _real("NASSpace", "l1s", v, 0.0, math.inf),
    "batch_sizes": lambda v: _int("NASSpace", "batch_sizes", v, 1),
    "sparsities": lambda v: _real("NASSpace", "sparsities", v, 0.0, 1.0),
    "quantizations": _one_of("quantizations", QUANTIZATIONS),
}


def _range(name: str, value: Any) -> tuple[Any, Any]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence) or len(value) != 2:
        raise TypeError(f"NASSpace '{name}' must be a [low, high] pair, but it is {value!r}")
    if name == "lr":
        low, high = (_real("NASSpace", name, v, 0.0, math.inf, open_low=True) for v in value)
    else:
        low, high = (_int("NASSpace", name, v, 1) for v in value)
    if low > high:
        raise ValueError(f"NASSpace '{name}' must have low <= high, but it is [{low!r}, {high!r}]")
    return low, high


class NASSpace:
    """A configurable search space of architectures for `build_model`.

    Every option is keyword-only and optional; the defaults suit small data
    sets (e.g. 8x8 digits): from a 2-block model of a few hundred parameters
    to 4 wide blocks. Choice options take a list (one value fixes the
    option); range options (``lr``, ``epochs``, ``patience``) take
    ``(low, high)`` (``low == high`` fixes it).

    Parameters
    ----------
    max_blocks : int, default 4
        Number of block slots L; identity slots make the depth 0..L.
    block_types : list of str
        Subset of `BLOCK_TYPES`; must contain ``"identity"`` (the empty slot,
        which also is what repair turns an impossible block into).
    widths, kernels, strides : list of int
        Channels/units (>= 1), odd kernel sizes, strides (>= 1).
    activations, norms : list of str
        Subsets of `ACTIVATIONS` and `NORMS`.
    dropouts : list of float
        Rates in [0, 1).
    skips : list of bool
    readouts : list of str, default ["gap", "flatten"]
        Subset of `READOUTS` (see `Architecture`).
    inits, optimizers, quantizations : list of str
        Subsets of `INITS`, `OPTIMIZERS`, `QUANTIZATIONS`.
    lr : (float, float)
        Learning rate range, log-uniform, 0 < low <= high.
    weight_decays, l1s : list of float
        L2 and L1 coefficients >= 0 (0 = off).
    batch_sizes : list of int
    epochs, patience : (int, int)
        Integer ranges, >= 1.
    sparsities : list of float
        Pruning sparsities in [0, 1).

    Examples
    --------
    >>> nas = NASSpace(max_blocks=3, widths=[8, 16], quantizations=["none"])
    >>> archs = nas.decode(nas.space.sample(5, seed=0))
    >>> archs = [nas.repair(a, (1, 8, 8)) for a in archs]
    """

    def __init__(self, **options: Any) -> None:
        unknown = sorted(set(options) - set(_DEFAULTS))
        if unknown:
            raise ValueError(f"NASSpace got unknown option(s) {unknown}; the options are {list(_DEFAULTS)}")
        opts = {**_DEFAULTS, **options}
        self.max_blocks = _int("NASSpace", "max_blocks", opts["max_blocks"], 1)
        self._options: dict[str, tuple[Any, ...]] = {"max_blocks": self.max_blocks}
        for name, check in _CHECKS.items():
            self._options[name] = _choices(name, opts[name], check)
        for name in _NET_RANGES:
            self._options[name] = _range(name, opts[name])
        if "identity" not in self._options["block_types"] or len(self._options["block_types"]) < 2:
            raise ValueError(
                "NASSpace 'block_types' must contain 'identity' (the empty slot) and at least one other type, "
                f"but it is {list(self._options['block_types'])}"
            )
        self._fixed: dict[str, Any] = {}  # gene name -> value, for options with a single value
        genes: list[Any] = []
        for i in range(self.max_blocks):
            for option, field in _BLOCK_OPTIONS.items():
                self._add(genes, f"b{i}_{field}", self._options[option])
        for option, field in _NET_CHOICES.items():
            self._add(genes, field, self._options[option])
        for name in _NET_RANGES:
            low, high = self._options[name]
            if low == high:
                self._fixed[name] = low
            else:
                genes.append(Real(name, low, high, log=True) if name == "lr" else Integer(name, low, high))
        self.space = Space(genes)

    def _add(self, genes: list[Any], name: str, choices: tuple[Any, ...]) -> None:
        if len(choices) == 1:
            self._fixed[name] = choices[0]
        else:
            genes.append(Categorical(name, choices))

    # -- configuration -------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Every option as plain lists/ints (TOML/JSON-ready); `from_dict` inverts it."""
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self._options.items()}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> NASSpace:
        """A space from a mapping of options (missing ones take their defaults)."""
        if not isinstance(d, Mapping):
            raise TypeError(f"a NASSpace config must be a mapping of options, but it is {type(d).__name__}")
        return cls(**dict(d))

    @classmethod
    def from_toml(cls, path: str | os.PathLike[str], *, table: str | None = None) -> NASSpace:
        """A space from a TOML file, its top level or the sub-table `table` (e.g. ``"space"``).

        Needs Python >= 3.11 (``tomllib``) or the ``tomli`` package.
        """
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover - exercised on Python 3.10 only
            try:
                import tomli as tomllib
            except ImportError:
                raise ImportError(
                    "reading TOML on Python < 3.11 needs the 'tomli' package (pip install tomli); "
                    "or load the options yourself and call NASSpace.from_dict"
                ) from None
        with open(path, "rb") as f:
            try:
                config = tomllib.load(f)
            except tomllib.TOMLDecodeError as exc:
                raise ValueError(f"'{os.fspath(path)}' is not valid TOML: {exc}") from None
        if table is not None:
            if table not in config or not isinstance(config[table], Mapping):
                raise ValueError(f"'{os.fspath(path)}' has no table [{table}]")
            config = config[table]
        return cls.from_dict(config)

    def __repr__(self) -> str:
        return f"NASSpace(max_blocks={self.max_blocks}, genes={len(self.space)})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NASSpace) and self._options == other._options

    __hash__ = None  # type: ignore[assignment]  # mutable-looking config object: compare, do not hash

    # -- genome <-> architecture ---------------------------------------------

    def decode(self, X: Any, /) -> list[Architecture]:
        """Genome rows to architectures (not yet repaired for an input shape).

        Parameters
        ----------
        X : array_like, shape (n, len(self.space))

        Returns
        -------
        list of Architecture, one per row, each with `max_blocks` block slots
        """
        rows = self.space.decode(X)
        archs = []
        for row in rows:
            values = {**self._fixed, **row}
            blocks = tuple(
                Block(**{field: values[f"b{i}_{field}"] for field in _BLOCK_OPTIONS.values()})
                for i in range(self.max_blocks)
            )
            net = {field: values[field] for field in (*_NET_CHOICES.values(), *_NET_RANGES)}
            archs.append(Architecture(blocks=blocks, **net))
        return archs

    def encode(self, archs: Sequence[Architecture], /) -> np.ndarray:
        """Architectures to genome rows (the inverse of `decode`).

        An architecture with fewer than `max_blocks` slots is padded with
        identity slots (their fields set to each option's first choice); extra
        slots are allowed only if they are identity.

        Raises
        ------
        ValueError
            If a value is not in the space (not one of the choices, outside a
            range, or different from a fixed value) or the blocks do not fit.
        """
        if isinstance(archs, Architecture) or not isinstance(archs, Iterable):
            raise TypeError(f"'archs' must be a sequence of Architecture, but it is {type(archs).__name__}")
        pad = Block(**{field: self._options[opt][0] for opt, field in _BLOCK_OPTIONS.items()})
        pad = replace(pad, type="identity")
        rows = []
        for k, arch in enumerate(archs):
            if not isinstance(arch, Architecture):
                raise TypeError(f"'archs'[{k}] must be an Architecture, but it is {type(arch).__name__}")
            blocks = arch.blocks
            if any(b.type != "identity" for b in blocks[self.max_blocks :]):
                raise ValueError(
                    f"'archs'[{k}] has {len(blocks)} block slots with a non-identity block beyond "
                    f"max_blocks={self.max_blocks}"
                )
            blocks = blocks[: self.max_blocks] + (pad,) * (self.max_blocks - len(blocks))
            values = {
                f"b{i}_{field}": getattr(b, field) for i, b in enumerate(blocks) for field in _BLOCK_OPTIONS.values()
            }
            values.update({field: getattr(arch, field) for field in (*_NET_CHOICES.values(), *_NET_RANGES)})
            for name, fixed in self._fixed.items():
                value = values.pop(name)
                if value != fixed:
                    raise ValueError(f"'archs'[{k}]: '{name}' is fixed to {fixed!r} in this space, but it is {value!r}")
            rows.append(values)
        return self.space.encode(rows)

    # -- repair --------------------------------------------------------------

    def repair(self, arch: Architecture, input_shape: Sequence[int], /) -> Architecture:
        """The nearest architecture that builds into a sensible network for `input_shape`.

        Deterministic and idempotent; only block fields and the readout
        change, each to a value from this space where one fits. Walking the
        slots in order with the running feature-map size (``n`` = its
        smallest spatial side):

        * on flat features (a ``(features,)`` input, or from the first dense
          block on, where the readout flattens): conv, sepconv and
          residual become dense (same width, activation, norm, dropout; a
          residual keeps its shortcut as ``skip=True``), or identity when
          dense is not a choice; pool becomes identity;
        * pool with factor ``max(2, stride) > n`` (the map would reach size
          0): the largest factor from the stride choices that fits, else
          identity;
        * convolutions: a stride ``> n`` drops to the largest stride choice
          ``<= n``; a kernel ``> 2n - 1`` (weights that never touch the input)
          drops to the largest kernel choice ``<= 2n - 1`` (the smallest
          choice if none);
        * ``norm="layer"`` over a single value (width 1 on flat features or a
          1-channel 1x1 map) normalises everything to 0: becomes ``"none"``;
        * ``readout="flatten"`` that would feed more than
          `MAX_FLATTEN_FEATURES` values (channels x positions of the map
          before the first dense block, or before the head) into the next
          layer becomes ``"gap"`` when that is a choice of this space.

        Parameters
        ----------
        arch : Architecture
        input_shape : tuple of int
            (features,), (channels, length) or (channels, height, width).

        Returns
        -------
        Architecture
            `arch` itself when nothing needed repair.
        """
        if not isinstance(arch, Architecture):
            raise TypeError(f"'arch' must be an Architecture, but it is {type(arch).__name__}")
        shape = as_input_shape(input_shape)
        channels, spatial = shape[0], (shape[1:] if len(shape) > 1 else None)
        flattened = 0  # values the readout turns into a vector (0: the input is flat)
        blocks = []
        for block in arch.blocks:
            block, after = self._repair_block(block, spatial)
            if spatial is not None and after is None:
                flattened = channels * math.prod(spatial)
            if block.type not in ("identity", "pool"):
                channels = block.width
            spatial = after
            blocks.append(block)
        if spatial is not None:  # still spatial: the readout is before the head
            flattened = channels * math.prod(spatial)
        readout = arch.readout
        if readout == "flatten" and flattened > MAX_FLATTEN_FEATURES and "gap" in self._options["readouts"]:
            readout = "gap"
        blocks_t = tuple(blocks)
        if blocks_t == arch.blocks and readout == arch.readout:
            return arch
        return replace(arch, blocks=blocks_t, readout=readout)

    def _repair_block(self, b: Block, spatial: tuple[int, ...] | None) -> tuple[Block, tuple[int, ...] | None]:
        """One block repaired for a feature map of size `spatial` (None: flat), and the size after it."""
        if b.type == "identity":
            return b, spatial
        if spatial is None or b.type == "dense":
            if b.type == "pool" or (b.type in SPATIAL_TYPES and "dense" not in self._options["block_types"]):
                return replace(b, type="identity"), None
            if b.type in SPATIAL_TYPES:
                b = replace(b, type="dense", skip=b.skip or b.type == "residual")
            return _single_value_norm(b, b.width), None
        n = min(spatial)
        if b.type == "pool":
            factor = max(2, b.stride)
            if factor > n:
                fits = [s for s in self._options["strides"] if max(2, s) <= n]
                if not fits:
                    return replace(b, type="identity"), spatial
                b = replace(b, stride=max(fits, key=lambda s: (max(2, s), s)))
                factor = max(2, b.stride)
            return b, tuple(d // factor for d in spatial)
        if b.stride > n:
            b = replace(b, stride=_largest_at_most(self._options["strides"], n, b.stride))
        if b.kernel > 2 * n - 1:
            b = replace(b, kernel=_largest_at_most(self._options["kernels"], 2 * n - 1, b.kernel))
        out = tuple(-(-d // b.stride) for d in spatial)  # same padding: ceil(d / stride)
        return _single_value_norm(b, b.width * math.prod(out)), out


def _largest_at_most(choices: tuple[int, ...], limit: int, current: int) -> int:
    fits = [c for c in choices if c <= limit]
    return max(fits) if fits else min(min(choices), current)


def _single_value_norm(b: Block, n_values: int) -> Block:
    return replace(b, norm="none") if b.norm == "layer" and n_values == 1 else b


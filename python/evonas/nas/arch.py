"""Architectures: the decoded, human-readable form of a NAS genome.

An `Architecture` is a fixed number of block slots plus the per-network training
and compression settings. A slot of type ``"identity"`` adds nothing to the
network, so a genome with L slots encodes any depth from 0 to L while every slot
keeps its index (``blocks.{i}`` in the built model), which makes weight
inheritance between parents and children line up slot by slot. The ``readout``
says how spatial feature maps become a vector where the dense part starts.

This module needs neither torch nor numpy.
"""

from __future__ import annotations

import json
import math
import numbers
from collections.abc import Mapping
from dataclasses import MISSING, asdict, dataclass, fields, replace
from typing import Any

__all__ = [
    "Block",
    "Architecture",
    "BLOCK_TYPES",
    "SPATIAL_TYPES",
    "ACTIVATIONS",
    "NORMS",
    "INITS",
    "OPTIMIZERS",
    "QUANTIZATIONS",
    "READOUTS",
    "as_input_shape",
]

BLOCK_TYPES = ("conv", "sepconv", "residual", "dense", "pool", "identity")
#: Block types that need spatial dimensions (convolutions and pooling).
SPATIAL_TYPES = frozenset({"conv", "sepconv", "residual", "pool"})
ACTIVATIONS = ("relu", "leaky_relu", "elu", "gelu", "silu", "mish", "tanh", "sigmoid")
NORMS = ("none", "batch", "layer")
INITS = ("xavier", "kaiming", "orthogonal", "normal")
OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop")
QUANTIZATIONS = ("none", "int8_ptq", "qat")
READOUTS = ("gap", "flatten")


def _choice(owner: str, name: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed or not isinstance(value, str):
        raise ValueError(f"{owner} '{name}' must be one of {list(allowed)}, but it is {value!r}")


def _int(owner: str, name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{owner} '{name}' must be an int, but it is {value!r}")
    if value < low:
        raise ValueError(f"{owner} '{name}' must be >= {low}, but it is {value}")
    return int(value)


def _real(owner: str, name: str, value: Any, low: float, high: float, *, open_low: bool = False) -> float:
    """A finite real in [low, high) (or (low, high) with `open_low`)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner} '{name}' must be a real number, but it is {value!r}")
    value = float(value)
    if not math.isfinite(value) or value < low or value >= high or (open_low and value == low):
        left = "(" if open_low else "["
        raise ValueError(f"{owner} '{name}' must lie in {left}{low:g}, {high:g}), but it is {value!r}")
    return value


def _check_keys(owner: str, d: Any, cls: type) -> None:
    if not isinstance(d, Mapping):
        raise TypeError(f"{owner} must be a mapping, but it is {type(d).__name__}")
    names = [f.name for f in fields(cls)]
    unknown = sorted(set(d) - set(names), key=str)
    if unknown:
        raise ValueError(f"{owner} has unknown key(s) {unknown}; the keys are {names}")
    missing = [f.name for f in fields(cls) if f.name not in d and f.default is MISSING]
    if missing:
        raise ValueError(f"{owner} misses key(s) {missing}")


@dataclass(frozen=True)
class Block:
    """One block slot of the macro structure.

    Parameters
    ----------
    type : str
        One of `BLOCK_TYPES`. ``"conv"``: convolution (kernel, stride, same
        padding) -> norm -> activation -> dropout. ``"sepconv"``: depthwise
        convolution then a 1x1 pointwise convolution to `width` -> norm ->
        activation -> dropout. ``"residual"``: two convolutions with a norm
        after each and an identity (or 1x1 projection) shortcut, always on.
        ``"dense"``: linear -> norm -> activation -> dropout. ``"pool"``: max
        pooling by ``max(2, stride)``; its other fields are ignored.
        ``"identity"``: no block; all its fields are ignored.
    width : int
        Output channels (convolutions) or units (dense), >= 1.
    kernel : int
        Odd kernel size >= 1 (odd so that same padding keeps the size).
    stride : int
        Stride >= 1 (pool factor for ``"pool"``).
    activation : str
        One of `ACTIVATIONS`.
    norm : str
        One of `NORMS`; ``"layer"`` on convolutional features is
        ``GroupNorm(1, C)`` (normalises over channels and positions).
    dropout : float
        Dropout rate in [0, 1).
    skip : bool
        Add the block input to its output (projected when shapes differ).
        Used by conv, sepconv and dense blocks; residual blocks always have
        their shortcut.
    """

    type: str
    width: int
    kernel: int
    stride: int
    activation: str
    norm: str
    dropout: float
    skip: bool

    def __post_init__(self) -> None:
        _choice("Block", "type", self.type, BLOCK_TYPES)
        object.__setattr__(self, "width", _int("Block", "width", self.width, 1))
        kernel = _int("Block", "kernel", self.kernel, 1)
        if kernel % 2 == 0:
            raise ValueError(f"Block 'kernel' must be odd (same padding keeps the size), but it is {kernel}")
        object.__setattr__(self, "kernel", kernel)
        object.__setattr__(self, "stride", _int("Block", "stride", self.stride, 1))
        _choice("Block", "activation", self.activation, ACTIVATIONS)
        _choice("Block", "norm", self.norm, NORMS)
        object.__setattr__(self, "dropout", _real("Block", "dropout", self.dropout, 0.0, 1.0))
        if not isinstance(self.skip, bool):
            raise TypeError(f"Block 'skip' must be a bool, but it is {self.skip!r}")

    def canonical(self) -> Block:
        """This block with every field it ignores set to a fixed value.

        Pool keeps only its factor ``max(2, stride)``; dense ignores kernel and
        stride; residual its always-on `skip`; identity everything. Blocks
        with equal canonical forms build the same layers.
        """
        if self.type == "identity":
            return _IDENTITY
        if self.type == "pool":
            return replace(_IDENTITY, type="pool", stride=max(2, self.stride))
        if self.type == "dense":
            return replace(self, kernel=1, stride=1)
        if self.type == "residual":
            return replace(self, skip=False)
        return self

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Block:
        """A block from a mapping with exactly the field names as keys."""
        _check_keys("a Block dict", d, cls)
        return cls(**d)


_IDENTITY = Block("identity", 1, 1, 1, "relu", "none", 0.0, False)


@dataclass(frozen=True)
class Architecture:
    """A network: block slots plus training and compression settings.

    Parameters
    ----------
    blocks : tuple of Block
        The block slots in order; ``"identity"`` slots add nothing.
    init : str
        Weight initialisation, one of `INITS`.
    optimizer : str
        One of `OPTIMIZERS`.
    lr : float
        Learning rate, > 0.
    weight_decay : float
        L2 penalty (optimiser weight decay), >= 0.
    l1 : float
        L1 penalty coefficient on the weights, >= 0 (0 = off).
    batch_size : int
        Training batch size, >= 1.
    epochs : int
        Epoch budget, >= 1.
    patience : int
        Early-stopping patience in epochs, >= 1.
    sparsity : float
        Magnitude-pruning sparsity in [0, 1) (0 = no pruning).
    quantization : str
        One of `QUANTIZATIONS`.
    readout : str, default "gap"
        One of `READOUTS`: how a spatial feature map becomes a vector before
        the first dense block (or the head when there is none). ``"gap"``:
        global average pooling, C x spatial -> C; ``"flatten"``: every value,
        C x spatial -> C * prod(spatial), which keeps where things are (what
        an MLP on small images needs). On a ``(features,)`` input both are the
        identity. It defaults to "gap" (the only readout before it existed),
        so older dicts and JSON without it still load.
    """

    blocks: tuple[Block, ...]
    init: str
    optimizer: str
    lr: float
    weight_decay: float
    l1: float
    batch_size: int
    epochs: int
    patience: int
    sparsity: float
    quantization: str
    readout: str = "gap"

    def __post_init__(self) -> None:
        if isinstance(self.blocks, (str, bytes, Mapping)) or not hasattr(self.blocks, "__iter__"):
            raise TypeError(f"Architecture 'blocks' must be a sequence of Block, but it is {self.blocks!r}")
        blocks = tuple(self.blocks)
        for i, block in enumerate(blocks):
            if not isinstance(block, Block):
                raise TypeError(f"Architecture 'blocks'[{i}] must be a Block, but it is {block!r}")
        object.__setattr__(self, "blocks", blocks)
        _choice("Architecture", "init", self.init, INITS)
        _choice("Architecture", "optimizer", self.optimizer, OPTIMIZERS)
        object.__setattr__(self, "lr", _real("Architecture", "lr", self.lr, 0.0, math.inf, open_low=True))
        for name in ("weight_decay", "l1"):
            object.__setattr__(self, name, _real("Architecture", name, getattr(self, name), 0.0, math.inf))
        for name in ("batch_size", "epochs", "patience"):
            object.__setattr__(self, name, _int("Architecture", name, getattr(self, name), 1))
        object.__setattr__(self, "sparsity", _real("Architecture", "sparsity", self.sparsity, 0.0, 1.0))
        _choice("Architecture", "quantization", self.quantization, QUANTIZATIONS)
        _choice("Architecture", "readout", self.readout, READOUTS)

    @property
    def depth(self) -> int:
        """Number of blocks that are not ``"identity"``."""
        return sum(b.type != "identity" for b in self.blocks)

    def canonical(self) -> Architecture:
        """The same network in a standard form: equal forms, equal networks.

        Every block takes its `Block.canonical` form and the identity slots
        move to the end (they hold nothing, so where they sit changes neither
        the layers, nor their initialisation, nor the training). Use it to
        tell whether two genomes would train the same network.
        """
        real = [b.canonical() for b in self.blocks if b.type != "identity"]
        blocks = tuple(real) + (_IDENTITY,) * (len(self.blocks) - len(real))
        return self if blocks == self.blocks else replace(self, blocks=blocks)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (blocks as a list of dicts), JSON-serialisable."""
        d = asdict(self)
        d["blocks"] = [dict(b) for b in d["blocks"]]
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Architecture:
        """The inverse of `to_dict`.

        Raises
        ------
        ValueError
            On an unknown key, or a missing one other than ``readout`` (so
            dicts written before the readout existed still load).
        """
        _check_keys("an Architecture dict", d, cls)
        blocks = d["blocks"]
        if isinstance(blocks, (str, bytes, Mapping)) or not hasattr(blocks, "__iter__"):
            raise TypeError(f"Architecture 'blocks' must be a list of block dicts, but it is {blocks!r}")
        return cls(**{**d, "blocks": tuple(Block.from_dict(b) for b in blocks)})

    def to_json(self) -> str:
        """Compact JSON text of `to_dict` (keys in field order)."""
        return json.dumps(self.to_dict(), separators=(",", ":"))

    @classmethod
    def from_json(cls, s: str) -> Architecture:
        """The inverse of `to_json`."""
        if not isinstance(s, (str, bytes, bytearray)):
            raise TypeError(f"'s' must be JSON text, but it is {type(s).__name__}")
        return cls.from_dict(json.loads(s))


def as_input_shape(input_shape: Any, name: str = "input_shape") -> tuple[int, ...]:
    """Check a per-sample input shape: (features,), (channels, length) or (channels, height, width).

    Returns
    -------
    tuple of int
        The shape as plain ints, each >= 1.
    """
    if isinstance(input_shape, (str, bytes, Mapping)) or not hasattr(input_shape, "__iter__"):
        raise TypeError(
            f"'{name}' must be a tuple (features,), (channels, length) or (channels, height, width), "
            f"but it is {input_shape!r}"
        )
    shape = tuple(input_shape)
    if not 1 <= len(shape) <= 3:
        raise ValueError(
            f"'{name}' must have 1, 2 or 3 dimensions ((features,), (channels, length) or "
            f"(channels, height, width)), but it has {len(shape)}: {shape!r}"
        )
    return tuple(_int("input", name, s, 1) for s in shape)

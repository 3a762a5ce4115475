"""`Architecture` -> `torch.nn.Module`.

The network is ``blocks`` (one module per slot, ``nn.Identity`` for identity
slots, so slot ``i`` is always ``blocks.{i}``), the ``readout`` where the
features stop being spatial (before the first dense block, or before the head):
global average pooling (``arch.readout="gap"``, C x spatial -> C) or
``nn.Flatten`` (``"flatten"``, C x spatial -> C * prod(spatial), channel-major),
neither with parameters; and the linear classifier ``head``. Inside a block the
parts have role names (``conv``, ``depthwise``, ``pointwise``, ``conv1``, ``norm1``,
``conv2``, ``norm2``, ``linear``, ``norm``, ``shortcut`` ...), so state_dict keys
such as ``blocks.2.conv.weight`` say what each tensor is.

Conventions: convolutions use same padding (``kernel // 2``, odd kernels), so a
stride ``s`` maps a side ``d`` to ``ceil(d / s)``; a pool block max-pools with
window and stride ``max(2, stride)``, mapping ``d`` to ``floor(d / factor)``.
Convolutions and linear layers carry a bias only when no norm follows (the
norm's shift makes it redundant); shortcut projections (1x1 convolution with
the block's stride, or linear) have no bias. ``norm="layer"`` is
``GroupNorm(1, C)`` on convolutional features (it normalises over channels and
positions, as LayerNorm does over units) and ``LayerNorm`` on dense features.

BatchNorm cannot train on a batch of one sample: training must avoid batches of
size 1 (e.g. drop a last batch of one).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import torch
from torch import nn

from .arch import Architecture, Block, SPATIAL_TYPES, as_input_shape

__all__ = ["build_model", "trace", "readout_features", "NASNet", "GlobalAvgPool"]

_ACTIVATIONS = {
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "mish": nn.Mish,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
}
_NORMAL_STD = 0.05  # init="normal": N(0, 0.05^2), a scale that trains small nets


class GlobalAvgPool(nn.Module):
    """Mean over all spatial positions: (N, C, *spatial) -> (N, C)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.flatten(2).mean(2)


class _Block(nn.Module):
    """Named parts applied in order, then ``+ shortcut(input)``, then the `post` parts."""

    def __init__(self, parts: dict[str, nn.Module], shortcut: nn.Module | None, post: dict[str, nn.Module]) -> None:
        super().__init__()
        for name, module in {**parts, **post}.items():
            self.add_module(name, module)
        self._parts = tuple(parts)
        self._post = tuple(post)
        self.shortcut = shortcut

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = x
        for name in self._parts:
            y = self._modules[name](y)
        if self.shortcut is not None:
            y = y + self.shortcut(x)
        for name in self._post:
            y = self._modules[name](y)
        return y


class NASNet(nn.Module):
    """A built architecture: ``blocks``, the ``readout`` and ``head``.

    Attributes
    ----------
    readout : GlobalAvgPool or nn.Flatten or None
        Turns the spatial map into a vector; None when the input has no
        spatial dimensions (both readouts would be the identity).
    flatten_at : int or None
        Index of the first slot that sees flat features (``len(blocks)``: the
        head); None when the input has no spatial dimensions.
    """

    def __init__(self, blocks: list[nn.Module], readout: str, flatten_at: int | None, head: nn.Linear) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(blocks)
        if flatten_at is None:
            self.readout = None
        else:
            self.readout = GlobalAvgPool() if readout == "gap" else nn.Flatten()
        self.flatten_at = flatten_at
        self.head = head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for i, block in enumerate(self.blocks):
            if i == self.flatten_at:
                x = self.readout(x)
            x = block(x)
        if self.flatten_at == len(self.blocks):
            x = self.readout(x)
        return self.head(x)


def build_model(
    arch: Architecture,
    input_shape: Sequence[int],
    n_classes: int,
    *,
    seed: int = 0,
    device: str | torch.device = "cpu",
) -> NASNet:
    """Build the PyTorch network of `arch`, initialised deterministically from `seed`.

    Parameters
    ----------
    arch : Architecture
        Must be valid for `input_shape` (no convolution or pool on flat
        features, no pool that shrinks a side to 0): `NASSpace.repair` makes
        it so.
    input_shape : tuple of int
        Per-sample shape: (features,), (channels, length) -> 1-D convolutions,
        or (channels, height, width) -> 2-D convolutions.
    n_classes : int
        Outputs of the head, >= 1.
    seed : int, default 0
        Seeds a private ``torch.Generator`` for the weights (`arch.init`);
        the global torch RNG is neither used nor changed.
    device : str or torch.device, default "cpu"
        Where the parameters live. ``"meta"`` builds shapes only, without
        initialising (fast; for counting parameters and MACs).

    Returns
    -------
    NASNet
        Maps (batch, *input_shape) to (batch, n_classes) logits; in training
        mode.
    """
    if not isinstance(arch, Architecture):
        raise TypeError(f"'arch' must be an Architecture, but it is {type(arch).__name__}")
    shape = as_input_shape(input_shape)
    if isinstance(n_classes, bool) or not isinstance(n_classes, numbers.Integral) or n_classes < 1:
        raise ValueError(f"'n_classes' must be an int >= 1, but it is {n_classes!r}")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= seed < 2**63:
        raise ValueError(f"'seed' must be an int in [0, 2**63), but it is {seed!r}")
    device = torch.device(device)
    if device.type == "meta":
        with torch.device("meta"):
            return _assemble(arch, shape, int(n_classes))
    # Module constructors initialise from the global RNG: restore it afterwards,
    # then overwrite every parameter from the private generator.
    with torch.random.fork_rng(devices=[]):
        model = _assemble(arch, shape, int(n_classes))
    _initialise(model, arch.init, torch.Generator().manual_seed(int(seed)))
    return model.to(device)


def trace(arch: Architecture, input_shape: Sequence[int]) -> list[tuple[int, tuple[int, ...]]]:
    """The (channels, spatial size) entering every slot and then the head; ``()`` = flat features.

    Raises ValueError when `arch` cannot be built for `input_shape`: a
    convolution or pool on flat features, or a pool that shrinks a side to 0.
    """
    if not isinstance(arch, Architecture):
        raise TypeError(f"'arch' must be an Architecture, but it is {type(arch).__name__}")
    shape = as_input_shape(input_shape)
    channels, spatial = shape[0], shape[1:]
    sizes = []
    for i, b in enumerate(arch.blocks):
        sizes.append((channels, spatial))
        if b.type == "identity":
            continue
        if b.type in SPATIAL_TYPES and not spatial:
            raise ValueError(
                f"block {i} ({b.type!r}) cannot follow flat features (a (features,) input or a dense block); "
                "repair the architecture with NASSpace.repair first"
            )
        if b.type == "pool":
            factor = max(2, b.stride)
            if min(spatial) < factor:
                raise ValueError(
                    f"block {i} (pool by {factor}) would shrink the feature map {spatial} to size 0; "
                    "repair the architecture with NASSpace.repair first"
                )
            spatial = tuple(d // factor for d in spatial)
            continue
        # Dense flattens; convolutions use same padding: ceil(d / stride).
        spatial = () if b.type == "dense" else tuple(-(-d // b.stride) for d in spatial)
        channels = b.width
    sizes.append((channels, spatial))
    return sizes


def readout_features(readout: str, channels: int, spatial: tuple[int, ...]) -> int:
    """Length of the vector that `readout` makes of a `channels` x `spatial` map (``()``: already flat).

    Parameters
    ----------
    readout : str
        ``"gap"`` or ``"flatten"`` (`Architecture.readout`).
    channels : int
    spatial : tuple of int
        As `trace` reports it.
    """
    return channels * math.prod(spatial) if readout == "flatten" else channels


def _assemble(arch: Architecture, shape: tuple[int, ...], n_classes: int) -> NASNet:
    ndim = len(shape) - 1  # 0: flat features, 1 or 2: convolutions
    sizes = trace(arch, shape)
    modules: list[nn.Module] = []
    for b, (channels, spatial) in zip(arch.blocks, sizes):
        if b.type == "identity":
            modules.append(nn.Identity())
        elif b.type == "dense":
            modules.append(_dense(b, readout_features(arch.readout, channels, spatial)))
        elif b.type == "pool":
            factor = max(2, b.stride)
            modules.append(_Block({"pool": (nn.MaxPool1d if ndim == 1 else nn.MaxPool2d)(factor, factor)}, None, {}))
        else:
            modules.append(_conv_block(b, channels, ndim))
    # The readout goes before the first dense block, or else before the head.
    flatten_at = next((i for i, b in enumerate(arch.blocks) if b.type == "dense"), len(modules)) if ndim else None
    return NASNet(modules, arch.readout, flatten_at, nn.Linear(readout_features(arch.readout, *sizes[-1]), n_classes))


def _norm(kind: str, channels: int, ndim: int) -> dict[str, nn.Module]:
    if kind == "none":
        return {}
    if kind == "batch":
        return {"norm": (nn.BatchNorm1d if ndim <= 1 else nn.BatchNorm2d)(channels)}
    return {"norm": nn.LayerNorm(channels) if ndim == 0 else nn.GroupNorm(1, channels)}


def _tail(b: Block) -> dict[str, nn.Module]:
    """Activation, then dropout when its rate is > 0."""
    tail: dict[str, nn.Module] = {"act": _ACTIVATIONS[b.activation]()}
    if b.dropout > 0:
        tail["drop"] = nn.Dropout(b.dropout)
    return tail


def _dense(b: Block, features: int) -> _Block:
    parts = {"linear": nn.Linear(features, b.width, bias=b.norm == "none"), **_norm(b.norm, b.width, 0), **_tail(b)}
    shortcut = None
    if b.skip:
        shortcut = nn.Identity() if features == b.width else nn.Linear(features, b.width, bias=False)
    return _Block(parts, shortcut, {})


def _conv_block(b: Block, channels: int, ndim: int) -> _Block:
    conv = nn.Conv1d if ndim == 1 else nn.Conv2d
    k, s, pad, bias = b.kernel, b.stride, b.kernel // 2, b.norm == "none"
    shortcut = None
    if b.skip or b.type == "residual":
        same = channels == b.width and s == 1
        shortcut = nn.Identity() if same else conv(channels, b.width, 1, stride=s, bias=False)
    if b.type == "residual":
        parts = {
            "conv1": conv(channels, b.width, k, stride=s, padding=pad, bias=bias),
            **{f"{name}1": m for name, m in _norm(b.norm, b.width, ndim).items()},
            "act1": _ACTIVATIONS[b.activation](),
            "conv2": conv(b.width, b.width, k, padding=pad, bias=bias),
            **{f"{name}2": m for name, m in _norm(b.norm, b.width, ndim).items()},
        }
        return _Block(parts, shortcut, _tail(b))
    if b.type == "sepconv":
        layers = {
            "depthwise": conv(channels, channels, k, stride=s, padding=pad, groups=channels, bias=False),
            "pointwise": conv(channels, b.width, 1, bias=bias),
        }
    else:
        layers = {"conv": conv(channels, b.width, k, stride=s, padding=pad, bias=bias)}
    return _Block({**layers, **_norm(b.norm, b.width, ndim), **_tail(b)}, shortcut, {})


def _initialise(model: nn.Module, scheme: str, gen: torch.Generator) -> None:
    """Set every parameter and buffer from `gen` (and constants)."""
    for module in model.modules():
        if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Linear)):
            _init_weight(module.weight, scheme, gen)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d, nn.GroupNorm, nn.LayerNorm)):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)
            if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
                module.reset_running_stats()
        elif any(True for _ in module.parameters(recurse=False)) or any(True for _ in module.buffers(recurse=False)):
            raise TypeError(f"no initialisation rule for {type(module).__name__}")  # a new layer type was added


def _init_weight(weight: torch.Tensor, scheme: str, gen: torch.Generator) -> None:
    with torch.no_grad():
        if scheme == "xavier":
            nn.init.xavier_uniform_(weight, generator=gen)
        elif scheme == "kaiming":
            nn.init.kaiming_normal_(weight, nonlinearity="relu", generator=gen)
        elif scheme == "orthogonal":
            nn.init.orthogonal_(weight, generator=gen)
        else:
            nn.init.normal_(weight, 0.0, _NORMAL_STD, generator=gen)


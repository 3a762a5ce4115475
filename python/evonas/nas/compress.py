"""Compression genes: magnitude pruning, int8 quantisation and model size.

Weighted layers
    The layers compressed here are the modules whose type is exactly
    ``torch.nn.Linear``, ``Conv1d``, ``Conv2d`` or ``Conv3d`` (depthwise and
    grouped convolutions included), the classifier ``head`` too. Only their
    ``weight`` is pruned and quantised; biases and normalisation parameters
    stay float32 (they are few, and int8 inference keeps biases wide anyway).

Pruning
    :func:`prune` zeroes the smallest-magnitude weights and returns
    :class:`Masks`; pass ``masks.apply`` as the trainer's ``after_step`` so the
    pruned weights stay zero while the model is fine-tuned. The head is pruned
    like every other layer: with the default global ranking it keeps its
    weights when they are larger than the others, and one rule for every
    weighted layer keeps the size estimate a function of two counts.

Quantisation (simulated, measured)
    Weights: int8, symmetric, one float32 scale per output channel (codes in
    [-127, 127]). Activations: the input of every weighted layer is quantised
    per tensor to 8 bits (affine, range always containing 0). The range is
    calibrated on a few batches (``"int8_ptq"``) or tracked as an exponential
    moving average while the model is fine-tuned with fake quantisation and a
    straight-through estimator (``"qat"``). The converted model computes with
    float32 tensors that hold exactly the int8 values times their scales, so
    its accuracy is the accuracy of the int8 model (up to float32 accumulation
    order). Norms, activations, pooling and additions stay float32 and
    batch-norm is not folded. Latency measured on such a model is *not* the
    latency of int8 kernels.

    The conversion is in place: the quantised layers keep their class's
    behaviour (they become subclasses of it), their parameter names and
    their parameter objects, so an optimiser or trainer built before
    :func:`prepare_qat` keeps working, and ``state_dict`` keeps every key,
    adding ``<layer>.weight_scale``, ``<layer>.act_min`` and ``<layer>.act_max``.

Storage model (:func:`estimated_size_bytes`, :func:`measured_size_bytes`)
    * Parameters other than weighted-layer weights: 4 B each (float32), dense.
      Buffers (batch-norm running statistics) are not counted, like in a
      parameter count.
    * Weighted-layer weights form one stream, in model order, of ``n`` values of
      ``b`` bytes (``b`` = 4 float32, 1 int8) of which ``nnz`` are nonzero. It is
      stored the cheaper way: dense, ``n * b`` bytes, or sparse, a bitmap of
      ``ceil(n / 8)`` bytes plus the ``nnz`` nonzero values. Sparse wins above
      about 3 % sparsity for float32 and 12.5 % for int8.
    * Each int8 layer adds its scales, 4 B per output channel, and its
      activation range, 8 B (float32 scale and int32 zero point).

    The estimate needs only :func:`size_counts` of the untrained model; the
    measurement counts the nonzero values actually left.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

__all__ = [
    "QUANTIZATION_MODES",
    "Masks",
    "SizeCounts",
    "prune",
    "quantize",
    "prepare_qat",
    "convert",
    "quantized_weight",
    "size_counts",
    "estimated_size_bytes",
    "measured_size_bytes",
]

QUANTIZATION_MODES = ("none", "int8_ptq", "qat")

_QMAX = 127  # symmetric int8 weight codes in [-127, 127]
_ACT_LEVELS = 255  # 8-bit activation codes in [0, 255]
_EMA_MOMENTUM = 0.1  # QAT range tracking: fast enough for a few fine-tuning epochs
_CALIB_BATCH = 256
_ACT_PARAM_BYTES = 8  # activation scale (float32) + zero point (int32) per int8 layer


# ----------------------------------------------------------------------------
# Argument checks
# ----------------------------------------------------------------------------


def _check_module(model: Any, name: str = "model") -> nn.Module:
    if not isinstance(model, nn.Module):
        raise TypeError(f"'{name}' must be a torch.nn.Module, but it is {type(model).__name__}")
    return model


def _check_sparsity(sparsity: Any) -> float:
    if isinstance(sparsity, bool) or not isinstance(sparsity, numbers.Real):
        raise TypeError(f"'sparsity' must be a real number in [0, 1), but it is {sparsity!r}")
    value = float(sparsity)
    if not 0.0 <= value < 1.0:  # also rejects NaN
        raise ValueError(f"'sparsity' must be in [0, 1), but it is {sparsity!r}")
    return value


def _check_mode(mode: Any) -> str:
    if mode not in QUANTIZATION_MODES:
        raise ValueError(f"'quantization' mode must be one of {QUANTIZATION_MODES}, but it is {mode!r}")
    return mode


def _check_count(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"'{name}' must be a non-negative integer, but it is {value!r}")
    return int(value)


# ----------------------------------------------------------------------------
# Weighted layers
# ----------------------------------------------------------------------------

_FLOAT_TYPES = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)


def _weighted_layers(model: nn.Module) -> Iterator[tuple[str, nn.Module]]:
    """(name, module) of every layer that is pruned and quantised, in model order."""
    for name, module in model.named_modules():
        if type(module) in _FLOAT_TYPES or isinstance(module, _QuantMixin):
            yield name, module


def _param_name(layer: str) -> str:
    return f"{layer}.weight" if layer else "weight"


# ----------------------------------------------------------------------------
# Pruning
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Masks:
    """Binary pruning masks, one per weighted-layer weight (True = kept).

    Attributes
    ----------
    masks : dict of str to torch.Tensor
        Boolean tensors keyed by parameter name (``"blocks.0.conv.weight"``).
    """

    masks: dict[str, torch.Tensor]

    @property
    def sparsity(self) -> float:
        """Fraction of the masked weights that are pruned (0.0 when there are none)."""
        total = sum(m.numel() for m in self.masks.values())
        if total == 0:
            return 0.0
        kept = sum(int(m.sum()) for m in self.masks.values())
        return (total - kept) / total

    def apply(self, model: nn.Module) -> None:
        """Zero the pruned weights of `model` in place.

        Cheap enough to run after every optimiser step: pass ``masks.apply`` as
        the trainer's ``after_step``.

        Raises
        ------
        ValueError
            If `model` lacks a masked parameter or its shape differs.
        """
        params = dict(_check_module(model).named_parameters())
        for name, mask in self.masks.items():  # check all before changing any
            param = params.get(name)
            if param is None or param.shape != mask.shape:
                got = "no such parameter" if param is None else f"shape {tuple(param.shape)}"
                raise ValueError(f"mask '{name}' of shape {tuple(mask.shape)} does not fit 'model' ({got})")
        with torch.no_grad():
            for name, mask in self.masks.items():
                param = params[name]
                if mask.device != param.device:
                    mask = mask.to(param.device)
                    self.masks[name] = mask  # move once, not at every step
                param.mul_(mask)


def prune(model: nn.Module, sparsity: float, *, scope: str = "global") -> Masks:
    """Zero the smallest-magnitude weights of `model` in place.

    Parameters
    ----------
    model : torch.nn.Module
        Its weighted layers (see the module docstring) are pruned.
    sparsity : float in [0, 1)
        Fraction of weights to zero: exactly ``round(sparsity * n)`` of them
        (Python's round, half to even).
    scope : {"global", "layer"}, default "global"
        "global": one ranking over every weighted-layer weight (``n`` = their
        total). "layer": each layer loses ``round(sparsity * n_layer)``
        weights, so the total may differ from the global count by rounding.

    Returns
    -------
    Masks
        Apply them after every optimiser step while fine-tuning.

    Notes
    -----
    Weights are ranked by ``|w|``; ties are broken by position (parameters in
    model order, each flattened in C order; the first ones go first), so the
    result is deterministic. Weights already zero rank lowest. O(n log n).

    Raises
    ------
    TypeError, ValueError
        Bad `model`, `sparsity` or `scope`, or a weight that is NaN.
    """
    _check_module(model)
    sparsity = _check_sparsity(sparsity)
    if scope not in ("global", "layer"):
        raise ValueError(f"'scope' must be 'global' or 'layer', but it is {scope!r}")
    weights = {_param_name(name): layer.weight for name, layer in _weighted_layers(model)}
    for name, w in weights.items():
        if torch.isnan(w).any():
            raise ValueError(f"cannot prune 'model': parameter '{name}' holds NaN")
    groups = [list(weights)] if scope == "global" else [[name] for name in weights]
    masks: dict[str, torch.Tensor] = {}
    for names in groups:
        flat = torch.cat([weights[n].detach().reshape(-1) for n in names]) if names else torch.empty(0)
        keep = torch.ones(flat.numel(), dtype=torch.bool, device=flat.device)
        n_pruned = round(sparsity * flat.numel())
        order = torch.sort(flat.abs(), stable=True).indices
        keep[order[:n_pruned]] = False
        for name, part in zip(names, torch.split(keep, [weights[n].numel() for n in names])):
            masks[name] = part.reshape(weights[name].shape)
    result = Masks(masks)
    result.apply(model)
    return result


# ----------------------------------------------------------------------------
# Quantisation
# ----------------------------------------------------------------------------


def _channel_view(scale: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    return scale.reshape((-1,) + (1,) * (weight.dim() - 1))


def _weight_codes(weight: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Symmetric per-output-channel int8 codes and float32 scales of `weight`."""
    w = weight.detach().float()
    amax = w.abs().reshape(w.shape[0], -1).amax(dim=1)
    scale = torch.where(amax > 0, amax / _QMAX, torch.ones_like(amax))  # all-zero channel: any scale
    codes = torch.clamp(torch.round(w / _channel_view(scale, w)), -_QMAX, _QMAX)
    return codes.to(torch.int8), scale


def _act_qparams(lo: torch.Tensor, hi: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Scale and zero point of the 8-bit affine grid covering [lo, hi] and 0."""
    lo = torch.clamp(lo, max=0.0)
    hi = torch.clamp(hi, min=0.0)
    scale = torch.clamp((hi - lo) / _ACT_LEVELS, min=torch.finfo(torch.float32).tiny)
    zero_point = torch.clamp(torch.round(-lo / scale), 0, _ACT_LEVELS)
    return scale, zero_point


def _fake_quant_act(x: torch.Tensor, lo: torch.Tensor, hi: torch.Tensor) -> torch.Tensor:
    """8-bit values of `x`; straight-through gradient inside the range, zero outside."""
    scale, zp = _act_qparams(lo, hi)
    xf = torch.clamp(x.float(), (0 - zp) * scale, (_ACT_LEVELS - zp) * scale)
    q = (torch.clamp(torch.round(xf / scale) + zp, 0, _ACT_LEVELS) - zp) * scale
    return (xf + (q - xf).detach()).to(x.dtype)


def _fake_quant_weight(weight: torch.Tensor) -> torch.Tensor:
    codes, scale = _weight_codes(weight)
    q = codes.float() * _channel_view(scale, weight)
    return weight + (q.to(weight.dtype) - weight).detach()


class _QuantMixin:
    """Fake-quantised forward for a weighted layer; states "calibrate", "qat", "converted"."""

    qstate: str

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.qstate == "calibrate":
            self._observe(x, momentum=None)
            return self._forward_with(x, self.weight)
        if self.qstate == "qat":
            if self.training or not self._has_range():
                self._observe(x, momentum=_EMA_MOMENTUM)
            return self._forward_with(_fake_quant_act(x, self.act_min, self.act_max), _fake_quant_weight(self.weight))
        # converted: the weights already hold int8 values times their scales
        return self._forward_with(_fake_quant_act(x, self.act_min, self.act_max), self.weight)

    def _has_range(self) -> bool:
        return bool(torch.isfinite(self.act_min))

    @torch.no_grad()
    def _observe(self, x: torch.Tensor, *, momentum: float | None) -> None:
        """Widen the range to `x` (calibration) or move it towards `x`'s (EMA); no host sync."""
        lo, hi = x.detach().float().aminmax()
        for bound, value, widen in ((self.act_min, lo, torch.minimum), (self.act_max, hi, torch.maximum)):
            if momentum is None:
                bound.copy_(widen(bound, value))
            else:  # the first batch sets the range
                bound.copy_(torch.where(torch.isfinite(bound), torch.lerp(bound, value, momentum), value))


class _QuantLinear(_QuantMixin, nn.Linear):
    def _forward_with(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return nn.functional.linear(x, w, self.bias)


class _QuantConvMixin(_QuantMixin):
    def _forward_with(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return self._conv_forward(x, w, self.bias)  # padding modes and groups as in the float layer


class _QuantConv1d(_QuantConvMixin, nn.Conv1d):
    pass


class _QuantConv2d(_QuantConvMixin, nn.Conv2d):
    pass


class _QuantConv3d(_QuantConvMixin, nn.Conv3d):
    pass


_QUANT_CLASS = {nn.Linear: _QuantLinear, nn.Conv1d: _QuantConv1d, nn.Conv2d: _QuantConv2d, nn.Conv3d: _QuantConv3d}


def _attach(model: nn.Module, state: str) -> None:
    """Turn every weighted layer into its fake-quantised subclass, in place."""
    layers = list(_weighted_layers(model))
    for name, layer in layers:
        if isinstance(layer, _QuantMixin):
            raise ValueError(f"'model' is already quantised (layer '{name}' is in state '{layer.qstate}')")
    for _, layer in layers:
        ref = layer.weight
        layer.__class__ = _QUANT_CLASS[type(layer)]
        layer.qstate = state
        kw = {"device": ref.device, "dtype": torch.float32}
        layer.register_buffer("weight_scale", torch.ones(ref.shape[0], **kw))
        layer.register_buffer("act_min", torch.full((), math.inf, **kw))
        layer.register_buffer("act_max", torch.full((), -math.inf, **kw))


def prepare_qat(model: nn.Module) -> nn.Module:
    """Make `model` train with fake-quantised weights and activations, in place.

    Fine-tune it afterwards (weights keep their float values and their
    parameter objects, so an existing optimiser keeps working; gradients pass
    through the rounding by the straight-through estimator), then call
    :func:`convert` or ``quantize(model, "qat")``.

    Returns
    -------
    torch.nn.Module
        `model` itself.
    """
    _attach(_check_module(model), "qat")
    return model


def convert(model: nn.Module) -> nn.Module:
    """Freeze a calibrated or QAT-trained `model` to int8 values, in place.

    Each weight is replaced by its int8 codes times its per-channel scale
    (stored in ``weight_scale``) and the activation ranges are frozen.

    Raises
    ------
    ValueError
        If `model` was not prepared, or a layer never saw an input (no range).
    """
    layers = [(n, m) for n, m in _weighted_layers(_check_module(model)) if isinstance(m, _QuantMixin)]
    if not layers:
        raise ValueError("'model' has no layer prepared for quantisation: call prepare_qat(model) first")
    for name, layer in layers:
        if layer.qstate == "converted":
            raise ValueError(f"'model' is already converted (layer '{name}')")
        if not layer._has_range():
            raise ValueError(f"layer '{name}' has no activation range: run some batches through 'model' first")
    with torch.no_grad():
        for _, layer in layers:
            codes, scale = _weight_codes(layer.weight)
            layer.weight.copy_(codes.float() * _channel_view(scale, codes))
            layer.weight_scale.copy_(scale)
            layer.qstate = "converted"
    return model


def _calibration_batches(calib: Any) -> Iterator[torch.Tensor]:
    if isinstance(calib, (np.ndarray, torch.Tensor)):
        data = torch.as_tensor(calib)
        if data.dim() == 0 or data.shape[0] == 0:
            raise ValueError(f"'calib' must hold at least one sample, but its shape is {tuple(data.shape)}")
        yield from torch.split(data, _CALIB_BATCH)
        return
    if not isinstance(calib, Iterable) or isinstance(calib, (str, bytes, Mapping)):
        raise TypeError(f"'calib' must be an array of inputs or an iterable of batches, but it is {type(calib).__name__}")
    for batch in calib:
        x = batch[0] if isinstance(batch, (tuple, list)) else batch
        if not isinstance(x, (np.ndarray, torch.Tensor)):
            raise TypeError(f"'calib' batches must be arrays or (inputs, targets) tuples, but one is {type(x).__name__}")
        yield torch.as_tensor(x)


def quantize(model: nn.Module, mode: str, *, calib: Any = None) -> nn.Module:
    """Quantise `model` in place according to the compression gene `mode`.

    Parameters
    ----------
    model : torch.nn.Module
    mode : {"none", "int8_ptq", "qat"}
        "none": `model` is returned unchanged. "int8_ptq": post-training; the
        activation ranges are the min/max seen on `calib`, then the model is
        converted. "qat": `model` must have been prepared with
        :func:`prepare_qat` and fine-tuned; it is converted.
    calib : array or iterable of batches, optional
        Inputs for "int8_ptq" (required there, unused otherwise): an array of
        shape (n, *input_shape), split into batches of 256, or an iterable of
        input arrays or ``(inputs, targets)`` tuples such as a DataLoader.

    Returns
    -------
    torch.nn.Module
        `model` itself.
    """
    _check_module(model)
    mode = _check_mode(mode)
    if mode == "none":
        return model
    if mode == "qat":
        if not any(isinstance(m, _QuantMixin) and m.qstate == "qat" for _, m in _weighted_layers(model)):
            raise ValueError("quantize(model, 'qat') needs a model prepared with prepare_qat(model) and fine-tuned")
        return convert(model)
    if calib is None:
        raise ValueError("'calib' is required for 'int8_ptq': a few batches of inputs to calibrate activation ranges")
    _attach(model, "calibrate")
    param = next(model.parameters(), None)
    device = param.device if param is not None else torch.device("cpu")
    was_training = model.training
    model.eval()
    with torch.no_grad():
        for x in _calibration_batches(calib):
            model(x.to(device=device, dtype=torch.float32))
    model.train(was_training)
    return convert(model)


def quantized_weight(layer: nn.Module) -> tuple[torch.Tensor, torch.Tensor]:
    """The int8 codes and per-channel float32 scales of a converted layer.

    ``codes * scale`` (scale broadcast over the output-channel dimension 0)
    equals ``layer.weight`` exactly.

    Raises
    ------
    ValueError
        If `layer` is not a converted layer, or its weight was changed after
        conversion (it no longer holds int8 values times its scales).
    """
    if not isinstance(layer, _QuantMixin) or layer.qstate != "converted":
        raise ValueError("'layer' must be a weighted layer converted by quantize() or convert()")
    w = layer.weight.detach().float()
    scale = layer.weight_scale
    codes = torch.round(w / _channel_view(scale, w))
    if codes.abs().max() > _QMAX or not torch.equal(codes * _channel_view(scale, w), w):
        raise ValueError("'layer' weight was changed after quantisation: it no longer holds int8 values")
    return codes.to(torch.int8), scale.clone()


# ----------------------------------------------------------------------------
# Size
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SizeCounts:
    """The counts the size estimate needs, from a model before training.

    Pass them on: ``estimated_size_bytes(**dataclasses.asdict(counts), sparsity=s, quantization=q)``.
    """

    n_params: int  #: all parameters
    n_prunable: int  #: weights of the weighted layers (pruned and quantised)
    n_channels: int  #: output channels of the weighted layers (one int8 scale each)
    n_layers: int  #: weighted layers (one activation range each when quantised)


def size_counts(model: nn.Module) -> SizeCounts:
    """Count what :func:`estimated_size_bytes` needs; cheap, no forward pass."""
    _check_module(model)
    layers = [layer for _, layer in _weighted_layers(model)]
    return SizeCounts(
        n_params=sum(p.numel() for p in model.parameters()),
        n_prunable=sum(layer.weight.numel() for layer in layers),
        n_channels=sum(layer.weight.shape[0] for layer in layers),
        n_layers=len(layers),
    )


def _weight_stream_bytes(n: int, dense_bytes: int, nonzero_bytes: int) -> int:
    """The cheaper of dense storage and a bitmap of `n` bits plus the nonzero values."""
    return min(dense_bytes, math.ceil(n / 8) + nonzero_bytes)


def estimated_size_bytes(
    n_params: int,
    sparsity: float,
    quantization: str,
    *,
    n_prunable: int | None = None,
    n_channels: int = 0,
    n_layers: int = 0,
) -> int:
    """Model size in bytes after compression, predicted from counts alone.

    Uses the storage model of the module docstring and assumes pruning leaves
    exactly ``n_prunable - round(sparsity * n_prunable)`` nonzero weights (what
    global :func:`prune` does) and that quantisation adds no zeros. The
    measured size can be smaller: int8 rounding turns tiny weights into zeros.

    Parameters
    ----------
    n_params : int
        All parameters (:attr:`SizeCounts.n_params`).
    sparsity : float in [0, 1)
    quantization : {"none", "int8_ptq", "qat"}
    n_prunable : int, optional
        Weights of the weighted layers; default: all `n_params`.
    n_channels, n_layers : int, default 0
        Output channels and number of the weighted layers; only int8 uses them
        (4 B of scale per channel, 8 B of activation range per layer).

    Returns
    -------
    int
        ``4 * n_params`` when ``sparsity == 0`` and ``quantization == "none"``.
    """
    n_params = _check_count(n_params, "n_params")
    sparsity = _check_sparsity(sparsity)
    quantized = _check_mode(quantization) != "none"
    n_w = n_params if n_prunable is None else _check_count(n_prunable, "n_prunable")
    if n_w > n_params:
        raise ValueError(f"'n_prunable' ({n_w}) must not exceed 'n_params' ({n_params})")
    n_channels = _check_count(n_channels, "n_channels")
    n_layers = _check_count(n_layers, "n_layers")
    b = 1 if quantized else 4
    nnz = n_w - round(sparsity * n_w)
    size = 4 * (n_params - n_w) + _weight_stream_bytes(n_w, b * n_w, b * nnz)
    if quantized:
        size += 4 * n_channels + _ACT_PARAM_BYTES * n_layers
    return size


def measured_size_bytes(model: nn.Module) -> int:
    """Model size in bytes from its actual tensors, by the storage model.

    Counts the nonzero weights as they are (pruning and int8 rounding both
    make zeros); a layer counts as int8 once converted by :func:`quantize` or
    :func:`convert`.
    """
    _check_module(model)
    n = dense = nonzero = extra = 0
    weight_ids = set()
    for _, layer in _weighted_layers(model):
        if isinstance(layer, _QuantMixin) and layer.qstate == "converted":
            values, b = quantized_weight(layer)[0], 1
            extra += 4 * layer.weight_scale.numel() + _ACT_PARAM_BYTES
        else:
            values, b = layer.weight.detach(), 4
        n += values.numel()
        dense += b * values.numel()
        nonzero += b * int(torch.count_nonzero(values))
        weight_ids.add(id(layer.weight))
    others = sum(p.numel() for p in model.parameters() if id(p) not in weight_ids)
    return 4 * others + _weight_stream_bytes(n, dense, nonzero) + extra

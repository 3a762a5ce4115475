"""Objectives known before training: parameters, MACs, measured latency.

What `count_macs` counts, per sample (a batch of one):

* ``Conv1d``/``Conv2d``: ``out_elements * in_channels / groups * prod(kernel)``
  (so a depthwise convolution costs ``out_elements * prod(kernel)``);
* ``Linear``: ``out_features * in_features``;
* ``BatchNorm``/``GroupNorm``/``LayerNorm``: one per output element (the affine
  scale and shift applied at inference; computing the statistics is not
  counted);
* global average pooling: one accumulation per input element; max pooling: 0
  (comparisons, no multiply-accumulate); flatten: 0 (a reshape);
* biases, activations, dropout and shortcut additions: 0.
"""

from __future__ import annotations

import copy
import math
import numbers
import statistics
import time
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from .arch import Architecture, as_input_shape
from .model import GlobalAvgPool, readout_features, trace

__all__ = ["count_params", "count_macs", "cheap_costs", "measure_latency"]

_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.GroupNorm, nn.LayerNorm)


def count_params(model: nn.Module) -> int:
    """Number of parameter elements (trainable or not); works on the meta device."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"'model' must be a torch.nn.Module, but it is {type(model).__name__}")
    return sum(p.numel() for p in model.parameters())


def _macs(module: nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> int:
    if isinstance(module, (nn.Conv1d, nn.Conv2d)):
        return output.numel() * (module.in_channels // module.groups) * math.prod(module.kernel_size)
    if isinstance(module, nn.Linear):
        return output.numel() * module.in_features
    if isinstance(module, _NORMS):
        return output.numel()
    if isinstance(module, GlobalAvgPool):
        return inputs[0].numel()
    return 0


def count_macs(model: nn.Module, input_shape: Sequence[int]) -> int:
    """Multiply-accumulates of one forward pass for one sample (see the module docstring).

    Runs the model once in eval mode on a batch of one zero sample on the
    model's device (``"meta"`` works and is fast), with forward hooks on every
    module; the training flag is restored afterwards.

    Parameters
    ----------
    model : torch.nn.Module
        Takes (batch, *input_shape).
    input_shape : tuple of int
        Per-sample shape.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"'model' must be a torch.nn.Module, but it is {type(model).__name__}")
    shape = as_input_shape(input_shape)
    total = 0

    def hook(module: nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
        nonlocal total
        total += _macs(module, inputs, output)

    handles = [m.register_forward_hook(hook) for m in model.modules()]
    training = model.training
    try:
        model.eval()
        with torch.no_grad():
            model(torch.zeros((1, *shape), device=_device(model)))
    finally:
        for handle in handles:
            handle.remove()
        model.train(training)
    return total


def cheap_costs(arch: Architecture, input_shape: Sequence[int], n_classes: int) -> dict[str, int]:
    """Parameters and MACs of `arch` without building or training it.

    Computed in closed form from the block fields and the feature-map sizes
    of `trace`, with the conventions of `build_model` (a forward pass, even
    on the meta device, costs milliseconds); the tests check it against
    `count_params` and `count_macs` of built models.

    Parameters
    ----------
    arch : Architecture
        Valid for `input_shape` (see `NASSpace.repair`).
    input_shape : tuple of int
    n_classes : int

    Returns
    -------
    dict
        ``{"params": int, "macs": int}``, equal to ``count_params`` and
        ``count_macs`` of ``build_model(arch, input_shape, n_classes)``.
    """
    if isinstance(n_classes, bool) or not isinstance(n_classes, numbers.Integral) or n_classes < 1:
        raise ValueError(f"'n_classes' must be an int >= 1, but it is {n_classes!r}")
    sizes = trace(arch, input_shape)
    params = macs = 0
    for b, (c, spatial) in zip(arch.blocks, sizes):
        if b.type in ("identity", "pool"):
            continue  # max pooling: no multiply-accumulates
        if b.type == "dense":
            macs += _readout_macs(arch.readout, c, spatial)
            c = readout_features(arch.readout, c, spatial)
            out, taps, stride = 1, 1, 1
        else:
            out, taps, stride = math.prod(-(-d // b.stride) for d in spatial), b.kernel ** len(spatial), b.stride
        w, bias = b.width, int(b.norm == "none")
        # (weights per output position, has bias) of each weight layer
        if b.type == "sepconv":
            layers = [(c * taps, 0), (c * w, bias)]
        elif b.type == "residual":
            layers = [(c * w * taps, bias), (w * w * taps, bias)]
        else:
            layers = [(c * w * taps, bias)]
        if (b.skip or b.type == "residual") and (c != w or stride != 1):
            layers.append((c * w, 0))  # shortcut projection
        norms = (1 + (b.type == "residual")) * (b.norm != "none")
        params += sum(n + has_bias * w for n, has_bias in layers) + norms * 2 * w
        macs += out * (sum(n for n, _ in layers) + norms * w)
    c, spatial = sizes[-1]
    macs += _readout_macs(arch.readout, c, spatial)
    c = readout_features(arch.readout, c, spatial)
    macs += c * n_classes  # head
    params += c * n_classes + n_classes
    return {"params": params, "macs": macs}


def _readout_macs(readout: str, channels: int, spatial: tuple[int, ...]) -> int:
    """Global average pooling accumulates every value of a spatial map; flatten and flat features cost 0."""
    return channels * math.prod(spatial) if readout == "gap" and spatial else 0


def measure_latency(
    model: nn.Module,
    input_shape: Sequence[int],
    *,
    batch_sizes: Sequence[int] = (1, 64),
    repeats: int = 20,
    warmup: int = 3,
    device: str | torch.device = "cpu",
) -> dict[int, float]:
    """Median wall-clock inference time per batch, in milliseconds.

    The model runs in eval mode under ``torch.inference_mode`` on random
    inputs; on CUDA every timed call is synchronised. `model` is not modified:
    it is copied when it has to move to `device`, and its training flag is
    restored.

    Parameters
    ----------
    model : torch.nn.Module
    input_shape : tuple of int
        Per-sample shape.
    batch_sizes : sequence of int, default (1, 64)
        Batch sizes to time, each >= 1.
    repeats : int, default 20
        Timed calls per batch size (the median is reported), >= 1.
    warmup : int, default 3
        Untimed calls before timing, >= 0.
    device : str or torch.device, default "cpu"

    Returns
    -------
    dict
        ``{batch_size: median milliseconds}``.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"'model' must be a torch.nn.Module, but it is {type(model).__name__}")
    shape = as_input_shape(input_shape)
    if isinstance(batch_sizes, (str, bytes)) or not isinstance(batch_sizes, Sequence) or not batch_sizes:
        raise ValueError(f"'batch_sizes' must be a non-empty sequence of ints >= 1, but it is {batch_sizes!r}")
    for b in batch_sizes:
        _check_int("batch_sizes", b, 1)
    _check_int("repeats", repeats, 1)
    _check_int("warmup", warmup, 0)
    device = torch.device(device)
    if device.type == "meta":
        raise ValueError("'device' must hold real memory to time anything, but it is 'meta'")
    if _device(model) != device:
        model = copy.deepcopy(model).to(device)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    gen = torch.Generator().manual_seed(0)
    training = model.training
    result: dict[int, float] = {}
    try:
        model.eval()
        with torch.inference_mode():
            for b in batch_sizes:
                x = torch.randn((int(b), *shape), generator=gen).to(device)
                for _ in range(warmup):
                    model(x)
                sync()
                times = []
                for _ in range(repeats):
                    start = time.perf_counter()
                    model(x)
                    sync()
                    times.append((time.perf_counter() - start) * 1e3)
                result[int(b)] = statistics.median(times)
    finally:
        model.train(training)
    return result


def _check_int(name: str, value: Any, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"'{name}' must be an int >= {low}, but it is {value!r}")


def _device(model: nn.Module) -> torch.device:
    for tensor in model.parameters():
        return tensor.device
    for tensor in model.buffers():
        return tensor.device
    return torch.device("cpu")

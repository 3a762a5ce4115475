"""Weight inheritance ("network repair"): a child starts from its parents' weights.

Models built by :func:`evonas.nas.model.build_model` name their tensors by role
(``blocks.{i}.<part>``, ``head``), so a tensor of the child and one of a parent
with the same ``state_dict`` key play the same part. The child copies each such
tensor when the shapes agree, and the overlapping part when a layer grew or
shrank, and is then trained for fewer epochs than a model trained from scratch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

__all__ = ["InheritReport", "inherit_weights"]

_CONV_TYPES = (nn.Conv1d, nn.Conv2d, nn.Conv3d)


@dataclass(frozen=True)
class InheritReport:
    """What :func:`inherit_weights` did with each key of the child's state_dict.

    Attributes
    ----------
    copied : list of str
        Keys copied whole (same shape in a parent).
    sliced : list of str
        Keys of which the overlapping part was copied (same rank, other shape).
    skipped : list of str
        Keys that kept the child's initial values.
    """

    copied: list[str] = field(default_factory=list)
    sliced: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _as_state(source: Any, name: str) -> Mapping[str, torch.Tensor] | None:
    if source is None:
        return None
    if isinstance(source, nn.Module):
        return source.state_dict()
    if isinstance(source, Mapping):
        for key, value in source.items():
            if not isinstance(key, str) or not isinstance(value, torch.Tensor):
                raise TypeError(f"'{name}' must map str keys to tensors, but its entry {key!r} is {type(value).__name__}")
        return source
    raise TypeError(f"'{name}' must be a torch.nn.Module or a state_dict, but it is {type(source).__name__}")


def _spatial_keys(child: nn.Module) -> set[str]:
    """Keys of convolution kernels, whose spatial dimensions are aligned by centre."""
    return {f"{name}.weight" if name else "weight" for name, m in child.named_modules() if isinstance(m, _CONV_TYPES)}


def _overlap(c: int, p: int, centred: bool) -> tuple[slice, slice]:
    """Slices of the child's and the parent's dimension that are copied."""
    n = min(c, p)
    if not centred:
        return slice(0, n), slice(0, n)
    # a 3-wide kernel sits in the middle of a 5-wide one (same padding keeps its meaning)
    return slice((c - n) // 2, (c - n) // 2 + n), slice((p - n) // 2, (p - n) // 2 + n)


def _copy_overlap(dst: torch.Tensor, src: torch.Tensor, spatial: bool) -> bool:
    """Copy the overlapping block of `src` into `dst`; False if it is empty."""
    pairs = [_overlap(c, p, spatial and dim >= 2) for dim, (c, p) in enumerate(zip(dst.shape, src.shape))]
    if any(d.stop == d.start for d, _ in pairs):
        return False
    dst[tuple(d for d, _ in pairs)] = src[tuple(s for _, s in pairs)].to(dst.device)
    return True


def inherit_weights(child: nn.Module, parent: Any, *, second_parent: Any = None) -> InheritReport:
    """Initialise `child` in place from the tensors of `parent` (and `second_parent`).

    For every key of ``child.state_dict()`` (parameters and buffers, so
    batch-norm running statistics travel with their weights), in this order:

    1. a tensor with the same key, shape and dtype in `parent`, else in
       `second_parent`, is copied whole;
    2. else one with the same key, rank and dtype (a layer that grew or
       shrank) in `parent`, else in `second_parent`, gives its overlapping
       block: the leading ``min(child, parent)`` indices of each dimension,
       except the spatial dimensions of convolution kernels, which are aligned
       by their centres; the rest of the child's tensor keeps its values;
    3. else the child's tensor keeps its values.

    Exact matches come first from either parent because a whole tensor
    carries more of a trained layer than a slice of another one.

    Parameters
    ----------
    child : torch.nn.Module
        Modified in place.
    parent, second_parent : torch.nn.Module or mapping of str to torch.Tensor
        Read only; never modified.

    Returns
    -------
    InheritReport
        Keys copied, sliced and skipped, each in the child's state_dict order.

    Raises
    ------
    TypeError
        If `child` is not a module or a parent is neither a module nor a
        mapping of str to tensors.
    """
    if not isinstance(child, nn.Module):
        raise TypeError(f"'child' must be a torch.nn.Module, but it is {type(child).__name__}")
    if parent is None:
        raise TypeError("'parent' must be a torch.nn.Module or a state_dict, but it is None")
    sources = [s for s in (_as_state(parent, "parent"), _as_state(second_parent, "second_parent")) if s is not None]
    spatial = _spatial_keys(child)
    report = InheritReport()
    with torch.no_grad():
        for key, dst in child.state_dict(keep_vars=True).items():
            dst = dst.data if isinstance(dst, nn.Parameter) else dst
            candidates = [s[key] for s in sources if key in s and s[key].dtype == dst.dtype]
            exact = next((t for t in candidates if t.shape == dst.shape), None)
            if exact is not None:
                dst.copy_(exact)
                report.copied.append(key)
            elif any(t.dim() == dst.dim() and _copy_overlap(dst, t, key in spatial) for t in candidates):
                report.sliced.append(key)
            else:
                report.skipped.append(key)
    return report

"""Zero-cost proxies: training-free scores of a network at its initialisation.

Each proxy looks at a freshly initialised network (and, except synflow, one
mini-batch of training data) and returns one number meant to rank
architectures by how well they will train, for the price of one or two
forward/backward passes. Whether a proxy is worth using depends on the data
and the search space: ``bench/bench_proxies.py`` measures its rank
correlation with trained accuracy, against the log of the parameter count as
the baseline to beat.

Every function works on a float64 deep copy of the model, so nothing the
caller passes (module, parameters, their ``.grad``, training flags, tensors)
changes. On CPU the same model and batch give the same score (given the same
number of torch threads, as for training).

Choices worth knowing
---------------------
Mode
    ``naswot``, ``grad_norm`` and ``jacob_cov`` run the network as in its
    first training step: batch normalisation uses the batch's statistics; but
    dropout is off, which keeps the scores deterministic. They need at least
    two samples.
synflow (Tanaka et al. 2020)
    The l1 path norm ``R = 1^T |W_L| ... |W_1| 1`` of the network, scored as
    ``log(sum over parameters of |theta * dR/dtheta|)``: every parameter is
    replaced by its absolute value, the input is a single all-ones sample,
    computation is in float64. For a ReLU network that is exactly the
    original definition (every pre-activation is non-negative, so ReLU passes
    everything); other activations are treated the same way (replaced by the
    identity), so synflow depends on connectivity and weights, not on the
    activation type. Normalisation layers (batch, group, layer) keep only
    their affine part, ``|gamma| * x + |beta|``: they divide by no statistics
    (of data or of the all-ones probe), and their scales count as
    parameters. Max pooling, readouts and shortcuts stay as they are.
    Returns the natural log of the score: ``-inf`` when no path carries
    weight, NaN when the score overflows float64 (beyond 1e308, far from the
    networks `NASSpace` builds).
naswot (Mellor et al. 2021)
    ``log det K`` with ``K[i, j]`` the number of units on which samples i and
    j agree, over the binary codes of every activation module of the
    builder's types (ReLU, LeakyReLU, ELU, GELU, SiLU, Mish, Tanh, Sigmoid).
    A unit's code is the sign of its pre-activation (``input > 0``): for ReLU
    this is the original "is the unit active"; for the other activations it is
    the side of their one bend or, for tanh and sigmoid, of their centre.
    ``-inf`` when ``K`` is singular to working precision (for instance two
    samples with the same code; always when the batch has more samples than
    the network has units, plus one, since ``rank K <= units + 1``); NaN when
    the network has no such activation.
grad_norm (Abdelfattah et al. 2021)
    The Euclidean norm of the gradient of the mean cross-entropy of the batch
    over all parameters (all tensors together, not a sum of per-layer norms).
    NaN when the model has no trainable parameter or the gradient is not
    finite.
jacob_cov (Mellor et al. 2020, first version of NASWOT)
    With ``J`` the per-sample gradients of the summed logits with respect to
    the input and ``lambda`` the eigenvalues of the correlation matrix of its
    rows, ``-sum(log(lambda + k) + 1 / (lambda + k))``, ``k = 1e-5``. NaN when
    a row of ``J`` is constant (its correlation is undefined).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from .._validation import as_int_at_least
from .arch import Architecture, as_input_shape
from .costs import _NORMS
from .data import DataSplits
from .model import _ACTIVATIONS, build_model

__all__ = ["PROXIES", "proxy_scores", "synflow", "naswot", "grad_norm", "jacob_cov"]

#: The proxies `proxy_scores` knows, in the order it computes them by default.
PROXIES = ("synflow", "naswot", "grad_norm", "jacob_cov")
_ACTIVATION_TYPES = tuple(_ACTIVATIONS.values())
_DROPOUTS = (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout, nn.FeatureAlphaDropout)
_JACOB_COV_K = 1e-5


def proxy_scores(
    arch: Architecture,
    data: DataSplits,
    /,
    *,
    names: Sequence[str] = PROXIES,
    seed: int = 0,
    batch_size: int = 64,
) -> dict[str, float]:
    """Zero-cost proxy scores of `arch` at its initialisation.

    Builds the model with ``build_model(arch, data.input_shape,
    data.n_classes, seed=seed)`` and draws one batch of `batch_size` training
    samples (without replacement, from `seed`); see the module notes for what
    each proxy computes. Higher is meant to be better for every proxy.

    Parameters
    ----------
    arch : Architecture
        Valid for ``data.input_shape`` (`NASSpace.repair` makes it so).
    data : DataSplits
        The batch comes from ``x_train``/``y_train``.
    names : sequence of str, default `PROXIES`
        Which proxies to compute, each once, from `PROXIES`.
    seed : int in [0, 2**63), default 0
        Seeds the weights and the choice of the batch.
    batch_size : int, default 64
        At least 2 and at most the number of training samples.

    Returns
    -------
    dict of str to float
        One score per name, in the order of `names`; NaN where a proxy
        cannot be computed for this network (see the module notes).

    Raises
    ------
    TypeError
        If `arch`, `data`, `names` or `batch_size` has the wrong type.
    ValueError
        On an unknown or repeated proxy name, an empty `names`, a
        `batch_size` out of range, a `seed` that is not an int in range, or
        an `arch` that cannot be built for the data.
    """
    if not isinstance(arch, Architecture):
        raise TypeError(f"'arch' must be an Architecture, but it is {type(arch).__name__}")
    if not isinstance(data, DataSplits):
        raise TypeError(f"'data' must be a DataSplits (see evonas.nas.load_data), but it is {type(data).__name__}")
    names = _as_names(names)
    batch_size = as_int_at_least(batch_size, "batch_size", 2)
    n_train = len(data.y_train)
    if batch_size > n_train:
        raise ValueError(f"'batch_size' must be at most the {n_train} training samples, but it is {batch_size}")
    model = build_model(arch, data.input_shape, data.n_classes, seed=seed)  # checks the seed too
    pick = np.sort(np.random.default_rng(seed).choice(n_train, size=batch_size, replace=False))
    x = torch.from_numpy(data.x_train[pick])
    y = torch.from_numpy(data.y_train[pick])
    scores = {}
    for name in names:
        if name == "synflow":
            scores[name] = synflow(model, data.input_shape)
        elif name == "naswot":
            scores[name] = naswot(model, x)
        elif name == "grad_norm":
            scores[name] = grad_norm(model, x, y)
        else:
            scores[name] = jacob_cov(model, x)
    return scores


def synflow(model: nn.Module, input_shape: Sequence[int]) -> float:
    """Log of the synaptic-flow score of `model` (Tanaka et al. 2020).

    Parameters
    ----------
    model : torch.nn.Module
        Not modified.
    input_shape : tuple of int
        Shape of one sample: (features,), (channels, length) or
        (channels, height, width).

    Returns
    -------
    float
        ``log(sum |theta * dR/dtheta|)``, ``R`` the sum of the outputs of the
        linearised, all-positive network on one all-ones sample (module
        notes); ``-inf`` when no path carries weight, NaN on float64
        overflow or when the model has no parameter.
    """
    shape = as_input_shape(input_shape)
    work = _linearised(_float64_copy(model).eval())
    params = list(work.parameters())
    if not params:
        return math.nan
    with torch.no_grad():
        for p in params:
            p.abs_()
    ones = torch.ones((1, *shape), dtype=torch.float64, device=params[0].device)
    flow = work(ones).sum()
    grads = torch.autograd.grad(flow, [p.requires_grad_() for p in params], allow_unused=True)
    with torch.no_grad():
        score = sum(float((p * g).sum()) for p, g in zip(params, grads) if g is not None)
    if not math.isfinite(score):
        return math.nan
    return math.log(score) if score > 0 else -math.inf


def naswot(model: nn.Module, x: torch.Tensor) -> float:
    """NASWOT score: log-determinant of the activation-code kernel (Mellor et al. 2021).

    Parameters
    ----------
    model : torch.nn.Module
        Not modified.
    x : torch.Tensor, shape (batch, *input_shape)
        A floating-point batch of at least 2 samples. Not modified.

    Returns
    -------
    float
        ``log det K`` (module notes); ``-inf`` when ``K`` is singular, NaN
        when `model` has no activation module of the builder's types.
    """
    work = _training_copy(model)
    x = _as_batch(x, work)
    layers = [m for m in work.modules() if isinstance(m, _ACTIVATION_TYPES)]
    if not layers:
        return math.nan
    kernel = torch.zeros((len(x), len(x)), dtype=torch.float64, device=x.device)

    def add_codes(module: nn.Module, inputs: tuple[torch.Tensor, ...]) -> None:
        codes = (inputs[0] > 0).flatten(1).double()
        kernel.add_(codes @ codes.T + (1 - codes) @ (1 - codes).T)

    for layer in layers:  # the hooks go with the copy
        layer.register_forward_pre_hook(add_codes)
    with torch.no_grad():
        work(x)
    return _logdet_psd(kernel)


def grad_norm(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Euclidean norm of the gradient of the cross-entropy on one batch, over all parameters.

    Parameters
    ----------
    model : torch.nn.Module
        Maps `x` to logits of shape (batch, classes). Not modified (its
        ``.grad`` fields included).
    x : torch.Tensor, shape (batch, *input_shape)
        A floating-point batch of at least 2 samples.
    y : torch.Tensor, shape (batch,)
        Integer class labels in ``0 .. classes - 1``.

    Returns
    -------
    float
        NaN when the model has no trainable parameter or the gradient is not
        finite.
    """
    work = _training_copy(model)
    x = _as_batch(x, work)
    if not isinstance(y, torch.Tensor) or y.dtype.is_floating_point or y.dtype.is_complex or y.dtype == torch.bool:
        raise TypeError(f"'y' must be an integer torch.Tensor of class labels, but it is {_describe(y)}")
    if y.shape != (len(x),):
        raise ValueError(f"'y' must have shape ({len(x)},) (one label per sample of 'x'), but it has {tuple(y.shape)}")
    params = [p for p in work.parameters() if p.requires_grad]
    if not params:
        return math.nan
    logits = work(x)
    if logits.dim() != 2 or len(logits) != len(x):
        raise ValueError(
            f"the model must return logits of shape ({len(x)}, classes), but it gave {tuple(logits.shape)}"
        )
    low, high = int(y.min()), int(y.max())
    if low < 0 or high >= logits.shape[1]:
        raise ValueError(f"'y' must hold labels in 0 .. {logits.shape[1] - 1}, but it ranges over {low} .. {high}")
    loss = F.cross_entropy(logits, y.to(device=logits.device, dtype=torch.long))
    grads = torch.autograd.grad(loss, params, allow_unused=True)
    norm = math.sqrt(sum(float(g.square().sum()) for g in grads if g is not None))
    return norm if math.isfinite(norm) else math.nan


def jacob_cov(model: nn.Module, x: torch.Tensor) -> float:
    """Jacobian-covariance score (Mellor et al. 2020): how uncorrelated the input gradients of the samples are.

    Parameters
    ----------
    model : torch.nn.Module
        Not modified.
    x : torch.Tensor, shape (batch, *input_shape)
        A floating-point batch of at least 2 samples. Not modified.

    Returns
    -------
    float
        ``-sum(log(lambda + k) + 1 / (lambda + k))`` over the eigenvalues of
        the samples' Jacobian correlation matrix (module notes); NaN when a
        sample's Jacobian is constant.
    """
    work = _training_copy(model)
    x = _as_batch(x, work).requires_grad_()
    (jac,) = torch.autograd.grad(work(x.clone()).sum(), x)  # a clone: in-place layers cannot touch a leaf
    jac = jac.flatten(1)
    if bool((jac == jac[:, :1]).all(dim=1).any()):
        return math.nan
    eig = torch.linalg.eigvalsh(torch.corrcoef(jac))
    score = -float((torch.log(eig + _JACOB_COV_K) + 1.0 / (eig + _JACOB_COV_K)).sum())
    return score if math.isfinite(score) else math.nan


# ----------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------


class _NormAffine(nn.Module):
    """A normalisation layer's affine part alone (scale and shift per channel), without normalising."""

    def __init__(self, norm: nn.Module) -> None:
        super().__init__()
        self.weight = norm.weight
        self.bias = norm.bias
        # LayerNorm's parameters cover the trailing dimensions; the others' the channel dimension 1.
        self.trailing = isinstance(norm, nn.LayerNorm)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = (-1,) if self.trailing else (-1, *(1,) * (x.dim() - 2))
        if self.weight is not None:
            x = x * (self.weight if self.trailing else self.weight.view(shape))
        if self.bias is not None:
            x = x + (self.bias if self.trailing else self.bias.view(shape))
        return x


def _linearised(model: nn.Module) -> nn.Module:
    """`model` with activations replaced by the identity and normalisations by their affine part."""

    def replace(module: nn.Module) -> nn.Module | None:
        if isinstance(module, _ACTIVATION_TYPES):
            return nn.Identity()
        if isinstance(module, _NORMS):
            return _NormAffine(module)
        return None

    root = replace(model)
    if root is not None:
        return root
    for name, module in list(model.named_modules()):
        new = replace(module) if name else None
        if new is not None:
            parent, _, child = name.rpartition(".")
            setattr(model.get_submodule(parent), child, new)
    return model


def _float64_copy(model: nn.Module) -> nn.Module:
    if not isinstance(model, nn.Module):
        raise TypeError(f"'model' must be a torch.nn.Module, but it is {type(model).__name__}")
    return copy.deepcopy(model).double()


def _training_copy(model: nn.Module) -> nn.Module:
    """A float64 copy as in a training step (batch statistics) but with dropout off (deterministic)."""
    work = _float64_copy(model).train()
    for module in work.modules():
        if isinstance(module, _DROPOUTS):
            module.eval()
    return work


def _as_batch(x: Any, model: nn.Module) -> torch.Tensor:
    """`x` as a float64 copy on the model's device, checked to be a batch of >= 2 samples."""
    if not isinstance(x, torch.Tensor) or not x.dtype.is_floating_point:
        raise TypeError(f"'x' must be a floating-point torch.Tensor, but it is {_describe(x)}")
    if x.dim() < 2:
        raise ValueError(f"'x' must have shape (batch, *input_shape), but it has shape {tuple(x.shape)}")
    if len(x) < 2:
        raise ValueError(
            f"'x' must hold at least 2 samples (batch statistics and a kernel over samples need them), "
            f"but it holds {len(x)}"
        )
    device = next(model.parameters(), torch.empty(0)).device
    return x.detach().to(device=device, dtype=torch.float64, copy=True)


def _logdet_psd(matrix: torch.Tensor) -> float:
    """log det of a symmetric positive semi-definite matrix; -inf when singular to working precision."""
    eig = torch.linalg.eigvalsh(matrix)
    # The rank tolerance numpy's matrix_rank uses: below it an eigenvalue is rounding noise.
    if float(eig[0]) <= float(eig[-1]) * len(eig) * torch.finfo(eig.dtype).eps:
        return -math.inf
    return float(torch.log(eig).sum())


def _as_names(names: Any) -> tuple[str, ...]:
    if isinstance(names, (str, bytes)) or not isinstance(names, Sequence):
        raise TypeError(f"'names' must be a sequence of proxy names from {list(PROXIES)}, but it is {names!r}")
    unknown = [n for n in names if n not in PROXIES]
    if unknown:
        raise ValueError(f"'names' has unknown proxy name(s) {unknown}; the proxies are {list(PROXIES)}")
    if not names:
        raise ValueError(f"'names' must name at least one proxy from {list(PROXIES)}")
    if len(set(names)) != len(names):
        raise ValueError(f"'names' must name each proxy once, but it is {list(names)}")
    return tuple(names)


def _describe(value: Any) -> str:
    if isinstance(value, torch.Tensor):
        return f"a tensor of dtype {value.dtype}"
    return type(value).__name__

"""Surrogate-assisted screening of a bred pool: which candidates to train.

The engine breeds a pool much larger than a generation; every member gets
its exact closed-form costs (parameters and MACs, :func:`cheap_costs`, no
model built), and a forest surrogate fitted on the trained candidates of the
run predicts the rest of the objectives: the trained ones (accuracy, loss,
...) and the cheap ones that need a built model (size, latency), which are
measured for the chosen candidates only. :func:`evonas.surrogate.screen`
picks the generation from the exact values and the optimistic predictions
(``mean - kappa * std``, non-dominated rank, then spread).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..store import Candidate
from ..surrogate import ForestSurrogate, GenomeEncoder, screen
from .arch import Architecture
from .costs import cheap_costs
from .objectives import Constraint, Objective, engine_values
from .space import NASSpace

__all__ = ["EXACT", "MIN_HISTORY", "choose"]

#: Objectives known exactly for every pool member (closed form).
EXACT = frozenset({"params", "macs"})
#: Trained candidates needed before the surrogate is trusted; with fewer, the
#: pool is taken in bred order.
MIN_HISTORY = 4
_EXTRA = ("log10_params", "log10_macs", "depth")
_TREES = 64


def choose(
    space: NASSpace,
    X: np.ndarray,
    archs: Sequence[Architecture],
    history: Sequence[Candidate],
    objectives: tuple[Objective, ...],
    constraints: tuple[Constraint, ...],
    input_shape: tuple[int, ...],
    n_classes: int,
    k: int,
    *,
    kappa: float,
    seed: int,
) -> np.ndarray:
    """The rows of the pool `X` to train, best first.

    Parameters
    ----------
    space : NASSpace
    X : numpy.ndarray, shape (n, len(space.space))
        The bred pool (genomes).
    archs : sequence of Architecture
        The decoded and repaired architectures of `X`, in row order.
    history : sequence of Candidate
        Trained ("done") candidates the surrogate learns from.
    objectives, constraints
        Of the search.
    input_shape, n_classes
        Of the data.
    k : int
        Candidates to choose (at most n).
    kappa : float
        Weight of the predicted uncertainty (see :func:`evonas.surrogate.screen`).
    seed : int
        Seed of the surrogate.

    Returns
    -------
    numpy.ndarray of int64, shape (min(k, n),)
        Distinct row indices: the screened members with a new architecture
        first; then (only when too few are left) repeats of an architecture
        trained before or earlier in the pool, in bred order; last the
        members that break a hard limit on an exact cost (they would not be
        trained), fewest violations first.
    """
    n = X.shape[0]
    k = min(k, n)
    costs = _costs(archs, input_shape, n_classes)
    limits = [c for c in constraints if c.objective.name in EXACT]  # the others are checked after the choice
    cols = {"params": costs[:, 0], "macs": costs[:, 1]}
    excess = np.zeros(n)
    for c in limits:
        excess += np.maximum(np.array([c.violation(v) for v in cols[c.objective.name]]), 0.0)
    history = [c for c in history if c.objectives and c.arch]
    known = [Architecture.from_json(str(c.arch)) for c in history]
    fresh = _fresh(archs, known)
    feasible = np.flatnonzero((excess <= 0) & fresh)
    repeats = np.flatnonzero((excess <= 0) & ~fresh)
    over = np.flatnonzero(excess > 0)
    over = over[np.argsort(excess[over], kind="stable")]
    if len(history) >= MIN_HISTORY:
        take = min(k, feasible.shape[0])
        feasible = feasible[_screen(space, X[feasible], costs[feasible], history, _costs(known, input_shape, n_classes),
                                    objectives, take, kappa, seed)]
    return np.concatenate([feasible, repeats, over])[:k].astype(np.int64)


def _fresh(archs: Sequence[Architecture], known: Sequence[Architecture]) -> np.ndarray:
    """Per pool member: whether its (repaired) architecture is new, i.e. not
    trained before and not an earlier pool member's (different genomes can
    repair to the same network; training it again would waste a training)."""
    seen = set(known)  # frozen dataclasses: hashable, equal field by field
    out = np.empty(len(archs), dtype=bool)
    for i, arch in enumerate(archs):
        out[i] = arch not in seen
        seen.add(arch)
    return out


def _screen(
    space: NASSpace,
    X: np.ndarray,
    costs: np.ndarray,
    history: Sequence[Candidate],
    known_costs: np.ndarray,
    objectives: tuple[Objective, ...],
    k: int,
    kappa: float,
    seed: int,
) -> np.ndarray:
    """Indices into `X` (costs `costs`) of the `k` candidates `screen` ranks
    best, learning from `history` (costs `known_costs`)."""
    if k == 0:
        return np.empty(0, dtype=np.int64)
    encoder = GenomeEncoder(space.space, extra=_EXTRA)
    pool = encoder.transform(X, extra=_extra(costs))
    known = encoder.transform(np.array([c.genome for c in history]), extra=_extra(known_costs))
    predicted = [o for o in objectives if o.name not in EXACT]
    means, stds = [], []
    for j, obj in enumerate(predicted):
        y = np.array([engine_values((obj,), c.objectives or {})[0] for c in history])
        ok = np.isfinite(y)
        if ok.sum() < MIN_HISTORY:
            continue  # never measured (e.g. every training failed): no opinion on it
        model = ForestSurrogate(n_trees=_TREES, seed=seed + j).fit(known[ok], y[ok])
        mean, std = model.predict(pool)
        means.append(mean)
        stds.append(std)
    if not means:  # only exact objectives to go by
        means, stds = [np.zeros(X.shape[0])], [np.zeros(X.shape[0])]
    exact = [costs[:, ("params", "macs").index(o.name)] for o in objectives if o.name in EXACT]
    cheap_F = np.column_stack(exact) if exact else None
    return screen(cheap_F, np.column_stack(means), np.column_stack(stds), k, kappa=kappa)


def _costs(archs: Sequence[Architecture], input_shape: tuple[int, ...], n_classes: int) -> np.ndarray:
    """(params, MACs, depth) per architecture; depth counts the non-identity blocks."""
    out = np.empty((len(archs), 3))
    for i, arch in enumerate(archs):
        c = cheap_costs(arch, input_shape, n_classes)
        out[i] = c["params"], c["macs"], sum(b.type != "identity" for b in arch.blocks)
    return out


def _extra(costs: np.ndarray) -> np.ndarray:
    return np.column_stack([np.log10(np.maximum(costs[:, 0], 1.0)), np.log10(np.maximum(costs[:, 1], 1.0)), costs[:, 2]])

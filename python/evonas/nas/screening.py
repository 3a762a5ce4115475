"""Surrogate-assisted screening of a bred pool: which candidates to train.

The engine breeds a pool much larger than a generation; every member gets
its exact closed-form costs (parameters and MACs, those of :func:`cheap_costs`,
computed for the whole pool at once by :func:`evonas.nas.pool.repair_pool`; no
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
from .objectives import Constraint, Objective, engine_values
from .pool import repair_pool
from .space import NASSpace

__all__ = ["EXACT", "MIN_HISTORY", "choose"]

#: Objectives known exactly for every pool member (closed form).
EXACT = frozenset({"params", "macs"})
#: Trained candidates needed before the surrogate is trusted; with fewer, the
#: pool is taken in bred order.
MIN_HISTORY = 4
#: Derived feature columns. ``trained_fraction`` (epochs trained / the
#: candidate's epoch budget) lets the forests learn from multi-fidelity results
#: without taking a briefly trained network's accuracy for its final one; pool
#: members are predicted at 1 (fully trained).
_EXTRA = ("log10_params", "log10_macs", "depth", "trained_fraction")
_TREES = 64
#: Pool rows encoded and predicted at a time: the features of a 10**6 pool
#: (~170 float64 columns) would take over a gigabyte at once; a chunk of
#: ~20 MB stays in cache-friendly, reused memory.
_CHUNK = 16384


def choose(
    space: NASSpace,
    X: np.ndarray,
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

    The pool and the trained genomes are decoded, repaired and costed
    together by :func:`evonas.nas.pool.repair_pool` (vectorised, no
    `Architecture` objects), so a pool of 10**6 takes seconds.

    Parameters
    ----------
    space : NASSpace
    X : numpy.ndarray, shape (n, len(space.space))
        The bred pool (genomes).
    history : sequence of Candidate
        Trained ("done") candidates the surrogate learns from; their genomes
        stand for their (repaired) architectures.
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
    X = np.asarray(X, dtype=np.float64)
    genes = len(space.space)
    if X.ndim != 2 or X.shape[1] != genes:
        raise ValueError(f"'X' must have shape (n, {genes}) (one column per gene), but it has shape {X.shape}")
    n = X.shape[0]
    k = min(k, n)
    history = [c for c in history if c.objectives and c.arch]
    H = space.space.validate(np.array([c.genome for c in history], dtype=np.float64).reshape(-1, genes),
                             "history genomes")
    # Pool and history in one call, so that their architecture keys compare.
    both = repair_pool(space, np.vstack([X, H]), input_shape, n_classes)
    costs = np.column_stack([both.params, both.macs, both.depth]).astype(np.float64)
    costs, known_costs = costs[:n], costs[n:]
    budget = both.fields[n:, both.names.index("epochs")]
    fraction = np.array([c.fidelity for c in history], dtype=np.float64).reshape(-1) / np.maximum(budget, 1.0)
    # New: neither trained before nor an earlier pool member's (different
    # genomes can repair to the same network; training it again would waste a training).
    trained = np.zeros(both.keys.shape[0], dtype=bool)
    trained[both.keys[n:]] = True
    fresh = both.first_seen()[:n] & ~trained[both.keys[:n]]
    limits = [c for c in constraints if c.objective.name in EXACT]  # the others are checked after the choice
    excess = np.zeros(n)
    for c in limits:
        v = costs[:, ("params", "macs").index(c.objective.name)]
        excess += np.maximum(v - c.limit if c.upper else c.limit - v, 0.0)  # Constraint.violation, vectorised
    feasible = np.flatnonzero((excess <= 0) & fresh)
    repeats = np.flatnonzero((excess <= 0) & ~fresh)
    over = np.flatnonzero(excess > 0)
    over = over[np.argsort(excess[over], kind="stable")]
    if len(history) >= MIN_HISTORY:
        take = min(k, feasible.shape[0])
        feasible = feasible[_screen(space, X[feasible], costs[feasible], history, H, known_costs, fraction, objectives,
                                    take, kappa, seed)]
    return np.concatenate([feasible, repeats, over])[:k].astype(np.int64)


def _screen(
    space: NASSpace,
    X: np.ndarray,
    costs: np.ndarray,
    history: Sequence[Candidate],
    H: np.ndarray,
    known_costs: np.ndarray,
    fraction: np.ndarray,
    objectives: tuple[Objective, ...],
    k: int,
    kappa: float,
    seed: int,
) -> np.ndarray:
    """Indices into `X` (costs `costs`) of the `k` candidates `screen` ranks
    best, learning from `history` (genomes `H`, costs `known_costs`, trained
    fractions of their epoch budgets `fraction`)."""
    n = X.shape[0]
    if k == 0:
        return np.empty(0, dtype=np.int64)
    encoder = GenomeEncoder(space.space, extra=_EXTRA)
    known = encoder.transform(H, extra=_extra(known_costs, fraction))
    predicted = [o for o in objectives if o.name not in EXACT]
    models = []
    for j, obj in enumerate(predicted):
        y = np.array([engine_values((obj,), c.objectives or {})[0] for c in history])
        ok = np.isfinite(y)
        if ok.sum() < MIN_HISTORY:
            continue  # never measured (e.g. every training failed): no opinion on it
        models.append(ForestSurrogate(n_trees=_TREES, seed=seed + j).fit(known[ok], y[ok]))
    # Only exact objectives to go by: every prediction is 0.
    means, stds = np.zeros((n, max(len(models), 1))), np.zeros((n, max(len(models), 1)))
    for start in range(0, n if models else 0, _CHUNK):
        rows = slice(start, start + _CHUNK)
        features = encoder.transform(X[rows], extra=_extra(costs[rows]), check=False)  # repair_pool checked X
        for m, model in enumerate(models):
            means[rows, m], stds[rows, m] = model.predict(features)
    exact = [costs[:, ("params", "macs").index(o.name)] for o in objectives if o.name in EXACT]
    cheap_F = np.column_stack(exact) if exact else None
    return screen(cheap_F, means, stds, k, kappa=kappa)


def _extra(costs: np.ndarray, fraction: np.ndarray | None = None) -> np.ndarray:
    """The `_EXTRA` columns from (params, MACs, depth) rows; `fraction` None: fully trained."""
    trained = np.ones(costs.shape[0]) if fraction is None else fraction
    return np.column_stack([np.log10(np.maximum(costs[:, 0], 1.0)), np.log10(np.maximum(costs[:, 1], 1.0)), costs[:, 2],
                            trained])

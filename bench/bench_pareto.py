"""Benchmark evonas's Pareto kernels against peer libraries.

    python bench/bench_pareto.py [--quick] [--only SUBSTRING] [--json PATH] [--repeat K]

Kernels: non_dominated_sort (full ranking), nondominated (first-front mask),
crowding_distance (NSGA-II). See bench/README.md for the columns.
"""

from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _harness as H  # noqa: E402

CONTESTANTS = [
    H.Contestant("evonas", "evonas", "evonas"),
    H.Contestant("moocore", "moocore", "moocore"),
    H.Contestant("pymoo", "pymoo", "pymoo"),
    H.Contestant("pygmo", "pygmo", "pygmo"),
    H.Contestant("deap", "deap", "deap"),
    H.Contestant("optuna", "optuna", "optuna"),
]

NDS, ND, CD = "non_dominated_sort", "nondominated", "crowding_distance"
ADAPTERS: dict = {}
GUARDS: dict = {}


def adapter(kernel: str, name: str):
    def deco(fn):
        ADAPTERS[(kernel, name)] = fn
        return fn

    return deco


def _ranks_from_fronts(fronts, n: int) -> np.ndarray:
    r = np.full(n, -1, dtype=np.int64)
    for k, front in enumerate(fronts):
        r[np.asarray(front, dtype=np.int64)] = k
    return r


def _mask(indices, n: int) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    out[np.asarray(indices, dtype=np.int64)] = True
    return out


# ---- crowding inputs: one front (simplex), or many fronts with the ranks given


def _crowding_ranks(F: np.ndarray, case: H.Case) -> np.ndarray:
    if case.kind in H.ONE_FRONT_KINDS:
        return np.zeros(F.shape[0], dtype=np.int32)  # one front by construction
    if case.m != 2:
        raise ValueError("multi-front crowding inputs are only prepared for m = 2")
    return H.ranks_2d(F).astype(np.int32)


def _per_front(F: np.ndarray, case: H.Case, front_fn):
    """Time a per-front loop, as NSGA-II users of single-front APIs write it.
    The fronts (index arrays) are found outside the timed region; slicing,
    the calls and the scatter back are timed."""
    n = F.shape[0]
    fronts = H.fronts_of(_crowding_ranks(F, case))

    def run():
        out = np.empty(n)
        for idx in fronts:
            out[idx] = front_fn(F[idx])
        return out

    return run


# ---- evonas


def _evonas():
    import evonas

    return evonas


@adapter(NDS, "evonas")
def _(F, case, opts):
    ev = _evonas()
    return (lambda: ev.non_dominated_sort(F, n_threads=opts["threads"])), (lambda r: np.asarray(r, np.int64))


@adapter(ND, "evonas")
def _(F, case, opts):
    ev = _evonas()
    return (lambda: ev.nondominated(F, n_threads=opts["threads"])), (lambda r: np.asarray(r, bool))


@adapter(CD, "evonas")
def _(F, case, opts):
    ev = _evonas()
    ranks = _crowding_ranks(F, case)
    return (lambda: ev.crowding_distance(F, ranks=ranks, n_threads=opts["threads"])), np.asarray


# ---- moocore: pareto_rank (ranks from 0), is_nondominated; no crowding distance


@adapter(NDS, "moocore")
def _(F, case, opts):
    import moocore

    return (lambda: moocore.pareto_rank(F)), (lambda r: np.asarray(r, np.int64))


@adapter(ND, "moocore")
def _(F, case, opts):
    import moocore

    return (lambda: moocore.is_nondominated(F)), (lambda r: np.asarray(r, bool))


# ---- pymoo: NonDominatedSorting (default method: fast_non_dominated_sort, Cython),
#      crowding from the RankAndCrowding survival's "cd" function


def _pymoo_nds_guard(case, mem, limit):
    # pymoo's Cython fast_non_dominated_sort allocates n vectors of n ints up
    # front, plus the dominance lists: O(n^2) memory.
    need = 4.0 * case.n**2 + 8.0 * case.n**2 / 2 ** (case.m - 1)
    return f"needs ~{need / 2**30:.0f} GiB, O(n^2) memory" if need > mem else None


GUARDS[(NDS, "pymoo")] = GUARDS[(ND, "pymoo")] = _pymoo_nds_guard


@adapter(NDS, "pymoo")
def _(F, case, opts):
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

    nds = NonDominatedSorting()
    return (lambda: nds.do(F, return_rank=True)), (lambda out: np.asarray(out[1], np.int64))


@adapter(ND, "pymoo")
def _(F, case, opts):
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

    nds = NonDominatedSorting()
    n = F.shape[0]
    return (lambda: nds.do(F, only_non_dominated_front=True)), (lambda idx: _mask(idx, n))


@adapter(CD, "pymoo")
def _(F, case, opts):
    from pymoo.operators.survival.rank_and_crowding.metrics import get_crowding_function

    cd = get_crowding_function("cd")  # what RankAndCrowding (NSGA-II) uses
    # pymoo divides the sum over objectives by m; evonas does not.
    return _per_front(F, case, cd.do), (lambda d: np.asarray(d) * case.m)


# ---- pygmo: fast_non_dominated_sorting -> (ndf, dl, dc, ndr); non_dominated_front_2d;
#      crowding_distance (one front of >= 2 points)


def _pygmo_nds_guard(case, mem, limit):
    # The domination lists dl hold every dominated pair: about n^2 / 2^m size_t
    # entries (with vector slack), then converted to Python.
    need = 32.0 * case.n**2 / 2**case.m
    return f"needs ~{need / 2**30:.0f} GiB, O(n^2) memory" if need > mem else None


GUARDS[(NDS, "pygmo")] = _pygmo_nds_guard
GUARDS[(ND, "pygmo")] = lambda case, mem, limit: None if case.m == 2 else _pygmo_nds_guard(case, mem, limit)


@adapter(NDS, "pygmo")
def _(F, case, opts):
    import pygmo

    return (lambda: pygmo.fast_non_dominated_sorting(F)), (lambda out: np.asarray(out[3], np.int64))


@adapter(ND, "pygmo")
def _(F, case, opts):
    import pygmo

    n = F.shape[0]
    if case.m == 2:
        return (lambda: pygmo.non_dominated_front_2d(F)), (lambda idx: _mask(idx, n))
    return (lambda: pygmo.fast_non_dominated_sorting(F)[0][0]), (lambda idx: _mask(idx, n))


@adapter(CD, "pygmo")
def _(F, case, opts):
    import pygmo

    def one(G):
        if G.shape[0] <= 2:  # pygmo needs at least 2 points; evonas gives +inf to fronts of <= 2
            return np.full(G.shape[0], np.inf)
        return pygmo.crowding_distance(G)

    return _per_front(F, case, one), np.asarray


# ---- deap: sortLogNondominated (Fortin et al. 2013, pure Python) on individuals;
#      assignCrowdingDist on one front. sortNondominated (O(m n^2) in Python) is not timed.


def _deap_individuals(F: np.ndarray):
    from deap import base

    class Individual:
        __slots__ = ("fitness", "index")

    Fitness = type("FitnessMin", (base.Fitness,), {"weights": (-1.0,) * F.shape[1]})
    inds = []
    for i, row in enumerate(F.tolist()):
        ind = Individual()
        ind.fitness = Fitness(tuple(row))
        ind.index = i
        inds.append(ind)
    return inds


@adapter(NDS, "deap")
def _(F, case, opts):
    from deap import tools

    inds = _deap_individuals(F)
    n = len(inds)
    return (lambda: tools.sortLogNondominated(inds, n)), (
        lambda fronts: _ranks_from_fronts([[ind.index for ind in fr] for fr in fronts], n)
    )


@adapter(ND, "deap")
def _(F, case, opts):
    from deap import tools

    inds = _deap_individuals(F)
    n = len(inds)
    return (lambda: tools.sortLogNondominated(inds, n, first_front_only=True)), (
        lambda front: _mask([ind.index for ind in front], n)
    )


@adapter(CD, "deap")
def _(F, case, opts):
    from deap.tools.emo import assignCrowdingDist  # not re-exported by deap.tools in 1.4

    inds = _deap_individuals(F)
    n = len(inds)
    fronts = [[inds[i] for i in idx.tolist()] for idx in H.fronts_of(_crowding_ranks(F, case))]

    def run():
        for front in fronts:
            assignCrowdingDist(front)

    def normalise(_):
        # deap divides the sum over objectives by m; evonas does not.
        return np.array([ind.fitness.crowding_dist for ind in inds]) * case.m

    assert n == F.shape[0]
    return run, normalise


# ---- optuna: internal helpers of optuna.study._multi_objective (no public API)


def _optuna_mo():
    try:
        from optuna.study import _multi_objective as mo
    except ImportError as exc:
        raise H.Unavailable(f"optuna.study._multi_objective: {exc}") from exc
    return mo


@adapter(NDS, "optuna")
def _(F, case, opts):
    mo = _optuna_mo()
    fn = getattr(mo, "_fast_non_domination_rank", None) or getattr(mo, "_calculate_nondomination_rank", None)
    if fn is None:
        raise H.Unavailable("no _fast_non_domination_rank")
    return (lambda: fn(F)), (lambda r: np.asarray(r, np.int64))


@adapter(ND, "optuna")
def _(F, case, opts):
    mo = _optuna_mo()
    fn = getattr(mo, "_is_pareto_front", None)
    if fn is None:
        raise H.Unavailable("no _is_pareto_front")
    return (lambda: fn(F, assume_unique_lexsorted=False)), (lambda r: np.asarray(r, bool))


# ---- how the peers' times grow with n (to skip sizes that would exceed --limit):
#      t(n2) ~ t(n1) * (n2 / n1) ** growth; 1 when not listed

GROWTH = {
    (NDS, "moocore"): lambda case: 1.1 if case.m == 2 else 2.0,  # front by front for m >= 3
    (NDS, "pymoo"): 2.0,
    (NDS, "pygmo"): 2.0,
    (NDS, "deap"): 1.2,
    (NDS, "optuna"): 2.0,  # front by front
    (ND, "moocore"): 1.1,
    (ND, "pymoo"): 2.0,  # a full sort
    (ND, "pygmo"): lambda case: 1.1 if case.m == 2 else 2.0,
    (ND, "deap"): 1.2,
    (ND, "optuna"): lambda case: 2.0 if case.kind in H.ONE_FRONT_KINDS else 1.2,  # one pass per front point
    (CD, "deap"): 1.3,  # Python sorts per objective
}


# ---- the rows


def cases(quick: bool) -> list[H.Case]:
    out: list[H.Case] = []
    if quick:
        nds_uniform = {2: [500, 3_000], 3: [500, 3_000], 5: [500, 3_000]}
        nds_sphere = {3: [1_000], 5: [1_000]}
        nd_uniform = {2: [500, 3_000], 3: [500, 3_000], 5: [500, 3_000]}
        nd_sphere = {3: [1_000], 5: [1_000]}
        cd_simplex = {2: [1_000, 5_000], 3: [1_000, 5_000], 5: [1_000, 5_000]}
        cd_uniform = {2: [1_000, 5_000]}
    else:
        nds_uniform = {2: [10**5, 10**6], 3: [10**4, 10**5, 10**6], 5: [10**4, 10**5, 10**6]}
        nds_sphere = {3: [10**4, 10**5], 5: [10**4, 10**5]}
        nd_uniform = {2: [10**5, 10**6], 3: [10**5, 10**6], 5: [10**5, 10**6]}
        nd_sphere = {3: [10**4, 10**5], 5: [10**4, 10**5]}
        cd_simplex = {2: [10**5, 10**6], 3: [10**5, 10**6], 5: [10**5, 10**6]}
        cd_uniform = {2: [10**5, 10**6]}
    for kernel, kind, sizes, mode, note in [
        (NDS, "uniform", nds_uniform, "equal", ""),
        (NDS, "sphere", nds_sphere, "equal", ""),
        (ND, "uniform", nd_uniform, "equal", ""),
        (ND, "sphere", nd_sphere, "equal", ""),
        (CD, "simplex", cd_simplex, "crowding", "one front"),
        (CD, "uniform", cd_uniform, "crowding", "ranks given"),
    ]:
        for m, ns in sizes.items():
            for n in ns:
                out.append(H.Case(kernel, kind, n, m, compare=mode, note=note))
    return out


NOTES = [
    "non_dominated_sort peers: moocore.pareto_rank; pymoo NonDominatedSorting().do(F, return_rank=True) "
    "(default fast_non_dominated_sort, Cython); pygmo.fast_non_dominated_sorting; "
    "deap.tools.sortLogNondominated on deap.base.Fitness individuals (wrapping untimed); "
    "optuna.study._multi_objective._fast_non_domination_rank (internal)",
    "nondominated peers: moocore.is_nondominated; pymoo NonDominatedSorting().do(F, only_non_dominated_front=True); "
    "pygmo.non_dominated_front_2d (m = 2) or fast_non_dominated_sorting(F)[0][0]; "
    "deap sortLogNondominated(first_front_only=True); optuna.study._multi_objective._is_pareto_front (internal)",
    "crowding_distance peers: pymoo get_crowding_function('cd').do (x m), pygmo.crowding_distance, "
    "deap.tools.emo.assignCrowdingDist (x m), one call per front; pymoo and deap divide the sum by m, evonas does not; "
    "moocore and optuna have none. 'ranks given': evonas gets the ranks, peers loop over the fronts",
]


if __name__ == "__main__":
    sys.exit(
        H.main(
            script=__file__,
            title="pareto",
            contestants=CONTESTANTS,
            cases=cases,
            adapters=ADAPTERS,
            guards=GUARDS,
            growth=GROWTH,
            notes=NOTES,
        )
    )

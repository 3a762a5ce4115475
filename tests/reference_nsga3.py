"""Slow, literal NSGA-III oracles for tests/test_nsga3.py.

Written as the paper describes the steps, with plain loops and no shared
code with evonas.algorithms.nsga3; the random tie-breaks are taken as keys
so that both sides make the same choices.
"""

from __future__ import annotations

import itertools

import numpy as np
import reference


def lattice(n_obj: int, n_partitions: int) -> np.ndarray:
    """Every point with coordinates in {0, 1/H, ..., 1} summing to 1, sorted lexicographically."""
    if n_partitions == 0:
        return np.full((1, n_obj), 1.0 / n_obj)
    rows = [c for c in itertools.product(range(n_partitions + 1), repeat=n_obj) if sum(c) == n_partitions]
    return np.array(sorted(rows), dtype=float) / n_partitions


def perpendicular_distance(point: np.ndarray, direction: np.ndarray) -> float:
    u = direction / np.linalg.norm(direction)
    return float(np.linalg.norm(point - np.dot(point, u) * u))


def associate(F: np.ndarray, W: np.ndarray, ideal: np.ndarray, nadir: np.ndarray):
    """(niche, distance, all distances) by trying every direction for every row."""
    scale = [s if s != 0 else 1e-12 for s in nadir - ideal]
    N = (F - ideal) / np.array(scale)
    D = np.array([[perpendicular_distance(p, w) for w in W] for p in N]).reshape(len(N), len(W))
    niche = np.array([int(np.argmin(row)) for row in D], dtype=np.int64)
    return niche, np.array([D[i, niche[i]] for i in range(len(N))]), D


def extreme_points(F: np.ndarray, ideal: np.ndarray, previous) -> np.ndarray:
    candidates = ([] if previous is None else list(previous)) + list(F)
    m = F.shape[1]
    out = []
    for j in range(m):
        def asf(c, j=j):
            return max((c[i] - ideal[i]) / (1.0 if i == j else 1e-6) for i in range(m))

        best = min(range(len(candidates)), key=lambda k: (asf(candidates[k]), k))
        out.append(candidates[best])
    return np.array(out)


def nadir_point(extreme, ideal, worst, worst_of_front, worst_of_population) -> np.ndarray:
    m = len(ideal)
    nadir = None
    try:
        a = np.linalg.solve(extreme - ideal, np.ones(m))  # hyperplane a . (f - ideal) = 1
        if all(np.isfinite(a)) and np.allclose((extreme - ideal) @ a, 1.0) and all(x > 0 for x in a):
            intercepts = [1.0 / x for x in a]
            if all(t > 1e-6 for t in intercepts):
                nadir = np.array([min(ideal[i] + intercepts[i], worst[i]) for i in range(m)])
    except np.linalg.LinAlgError:
        pass
    if nadir is None:
        nadir = np.array(worst_of_front, dtype=float)
    for i in range(m):
        if nadir[i] - ideal[i] <= 1e-6:
            nadir[i] = worst_of_population[i]
    return nadir


def niching(niche, distance, niche_count, n_select, member_key, niche_key) -> list[int]:
    """Deb and Jain's loop, one pick at a time."""
    count = [int(c) for c in niche_count]
    left = set(range(len(niche)))
    picked = []
    for _ in range(n_select):
        open_niches = {int(niche[i]) for i in left}
        low = min(count[j] for j in open_niches)
        j = min((j for j in open_niches if count[j] == low), key=lambda j: (niche_key[j], j))
        members = [i for i in left if niche[i] == j]
        if count[j] == 0:
            i = min(members, key=lambda i: (distance[i], member_key[i], i))
        else:
            i = min(members, key=lambda i: (member_key[i], i))
        picked.append(i)
        left.remove(i)
        count[j] += 1
    return sorted(picked)


def survive(F, cv, n_survive, W, state, rng):
    """(keep, rank, niche, distance, (ideal, worst, extreme, nadir) or state)."""
    n, m = F.shape
    n_keep = min(n_survive, n)
    violation = np.array(
        [np.inf if np.isnan(cv[i]) or not np.isfinite(F[i]).all() else cv[i] for i in range(n)]
    )
    feasible = [i for i in range(n) if violation[i] <= 0]
    result: dict[int, tuple[int, int, float]] = {}
    n_fronts = 0
    if feasible and n_keep:
        Ff = F[feasible]
        ranks = reference.non_dominated_sort(Ff)
        fronts = []
        while sum(len(f) for f in fronts) < min(n_keep, len(feasible)):
            fronts.append([k for k in range(len(feasible)) if ranks[k] == len(fronts)])
        ideal = Ff.min(axis=0) if state is None else np.minimum(Ff.min(axis=0), state[0])
        worst = Ff.max(axis=0) if state is None else np.maximum(Ff.max(axis=0), state[1])
        first = Ff[fronts[0]]
        extreme = extreme_points(first, ideal, None if state is None else state[2])
        nadir = nadir_point(extreme, ideal, worst, first.max(axis=0), Ff.max(axis=0))
        state = (ideal, worst, extreme, nadir)
        members = [k for f in fronts for k in f]
        niche, dist, _ = associate(Ff[members], W, ideal, nadir)
        info = {k: (int(ranks[k]), int(niche[p]), float(dist[p])) for p, k in enumerate(members)}
        whole = [k for f in fronts[:-1] for k in f]
        survivors = list(members)
        if len(members) > n_keep:
            last = fronts[-1]
            count = np.zeros(len(W), dtype=int)
            for k in whole:
                count[info[k][1]] += 1
            member_key = rng.random(len(last))
            niche_key = rng.random(len(W))
            niches, distances = [info[k][1] for k in last], [info[k][2] for k in last]
            picks = niching(niches, distances, count, n_keep - len(whole), member_key, niche_key)
            survivors = whole + [last[p] for p in picks]
        for k in survivors:
            result[feasible[k]] = info[k]
        n_fronts = len(fronts)
    infeasible = sorted((i for i in range(n) if violation[i] > 0), key=lambda i: (violation[i], i))
    for i in infeasible[: n_keep - len(result)]:
        result[i] = (n_fronts, -1, np.inf)
    keep = sorted(result)
    return (
        np.array(keep, dtype=np.int64),
        np.array([result[i][0] for i in keep], dtype=np.int32),
        np.array([result[i][1] for i in keep], dtype=np.int64),
        np.array([result[i][2] for i in keep]),
        state,
    )

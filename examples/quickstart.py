"""Rank a large random population, pick NSGA-II survivors and measure the front.

Run after `pip install .`:  python examples/quickstart.py
"""

import time

import numpy as np

import evonas


def main() -> None:
    rng = np.random.default_rng(1)
    n, m = 200_000, 3
    # Objectives of a DTLZ2-like population: points on and behind the unit sphere.
    directions = np.abs(rng.standard_normal((n, m)))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    F = directions * (1.0 + rng.exponential(0.3, size=(n, 1)))

    t0 = time.perf_counter()
    ranks = evonas.non_dominated_sort(F)
    t1 = time.perf_counter()
    print(f"non_dominated_sort: {n} points, {m} objectives, {ranks.max() + 1} fronts in {t1 - t0:.3f} s")

    # NSGA-II survival of 1,000 individuals: whole fronts, then the most crowded-out of the last.
    keep = 1_000
    partial = evonas.non_dominated_sort(F, n_stop_if_ranked=keep)
    ranked = np.flatnonzero(partial >= 0)
    crowding = evonas.crowding_distance(F[ranked], ranks=partial[ranked])
    order = np.lexsort((-crowding, partial[ranked]))
    survivors = ranked[order[:keep]]
    print(f"survivors: {survivors.size} from fronts 0..{partial[survivors].max()}")

    front = F[evonas.nondominated(F)]
    ref = np.full(m, 1.1)
    t0 = time.perf_counter()
    hv = evonas.hypervolume(front, ref)
    t1 = time.perf_counter()
    exact_sphere = 1.1**3 - np.pi / 6  # the region between the unit sphere and ref
    print(f"first front: {front.shape[0]} points, hypervolume {hv:.5f} in {t1 - t0:.3f} s "
          f"(the whole sphere front would give {exact_sphere:.5f})")
    contributions = evonas.hv_contributions(front, ref)
    print(f"largest exclusive contribution: {contributions.max():.3e}")
    value, stderr = evonas.hypervolume_mc(front, ref, samples=1_000_000, seed=0)
    print(f"Monte-Carlo estimate: {value:.5f} +- {stderr:.5f}")


if __name__ == "__main__":
    main()

"""Surrogate screening of large pools: time per stage, per-row path vs the vectorised pool path.

Default NASSpace on the digits shape (1, 8, 8), 10 classes; a 64-tree forest
fitted on 200 random trained-like rows; `screen` keeps 100.

    python bench/bench_pool.py [--sizes 10000,100000,1000000] [--old-limit 60]

Stages: decode + repair + costs (+ the freshness keys); encode (GenomeEncoder);
predict (the forest); screen (non-dominated ranking). The per-row path is what
screening did before `evonas.nas.pool`: ``NASSpace.decode``, ``repair`` and
``cheap_costs`` per row, a set of Architectures, one encode and predict of the
whole pool. The vectorised path is what `choose` does: `repair_pool`, then
encode (without validating the genomes again) and predict in chunks. The
per-row path runs at a size only when its time extrapolated from the size
before (linear) is under --old-limit seconds. The last column times
`evonas.nas.screening.choose` end to end (its forest fit, history and all).
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

from evonas.nas.costs import cheap_costs
from evonas.nas.pool import repair_pool
from evonas.nas.screening import _CHUNK, _EXTRA, _extra, choose
from evonas.nas.objectives import parse_objectives
from evonas.nas.space import NASSpace
from evonas.store import Candidate
from evonas.surrogate import ForestSurrogate, GenomeEncoder, screen

SHAPE, CLASSES, KEEP, TREES, HISTORY = (1, 8, 8), 10, 100, 64, 200


def _timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def _history(space: NASSpace) -> tuple[list[Candidate], np.ndarray, np.ndarray]:
    """200 'trained' candidates whose accuracy grows with log10(params), plus their features and targets."""
    X = space.space.sample(HISTORY, seed=1)
    pool = repair_pool(space, X, SHAPE, CLASSES)
    rng = np.random.default_rng(1)
    acc = np.clip(np.log10(pool.params) / 6 + rng.normal(0, 0.05, HISTORY), 0, 1)
    archs = [space.repair(a, SHAPE) for a in space.decode(X)]
    history = [
        Candidate(i, 1, 0, tuple(map(float, x)), a.to_json(), (), "done", {"accuracy": float(y)}, (), None, None, 1,
                  None, 0.0, 0.0)
        for i, (x, a, y) in enumerate(zip(X, archs, acc))
    ]
    costs = np.column_stack([pool.params, pool.macs, pool.depth]).astype(np.float64)
    features = GenomeEncoder(space.space, extra=_EXTRA).transform(X, extra=_extra(costs))
    return history, features, -acc


def _old(space: NASSpace, X: np.ndarray, forest: ForestSurrogate) -> dict[str, float]:
    times = {}

    def per_row():
        archs = [space.repair(a, SHAPE) for a in space.decode(X)]
        costs = np.empty((len(archs), 3))
        for i, a in enumerate(archs):
            c = cheap_costs(a, SHAPE, CLASSES)
            costs[i] = c["params"], c["macs"], a.depth
        seen, fresh = set(), np.empty(len(archs), dtype=bool)
        for i, a in enumerate(archs):
            fresh[i] = a not in seen
            seen.add(a)
        return costs

    costs, times["repair"] = _timed(per_row)
    encoder = GenomeEncoder(space.space, extra=_EXTRA)
    features, times["encode"] = _timed(lambda: encoder.transform(X, extra=_extra(costs)))
    (mean, std), times["predict"] = _timed(lambda: forest.predict(features))
    _, times["screen"] = _timed(lambda: screen(costs[:, :2], mean, std, KEEP, kappa=1.0))
    return times


def _new(space: NASSpace, X: np.ndarray, forest: ForestSurrogate) -> dict[str, float]:
    times = {}

    def pooled():
        pool = repair_pool(space, X, SHAPE, CLASSES)
        pool.first_seen()
        return np.column_stack([pool.params, pool.macs, pool.depth]).astype(np.float64)

    costs, times["repair"] = _timed(pooled)
    encoder = GenomeEncoder(space.space, extra=_EXTRA)
    n = X.shape[0]
    mean, std = np.empty(n), np.empty(n)
    times["encode"] = times["predict"] = 0.0
    for start in range(0, n, _CHUNK):
        rows = slice(start, start + _CHUNK)
        features, t = _timed(lambda: encoder.transform(X[rows], extra=_extra(costs[rows]), check=False))
        times["encode"] += t
        (mean[rows], std[rows]), t = _timed(lambda: forest.predict(features))
        times["predict"] += t
    _, times["screen"] = _timed(lambda: screen(costs[:, :2], mean, std, KEEP, kappa=1.0))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--old-limit", type=float, default=60.0)
    args = parser.parse_args()
    space = NASSpace()
    history, features, y = _history(space)
    forest = ForestSurrogate(n_trees=TREES, seed=0).fit(features, y)
    objectives = parse_objectives(("accuracy", "params"))
    print(f"# {platform.node()} {platform.machine()}, {os.cpu_count()} cores, numpy {np.__version__}")
    print(f"# default NASSpace ({len(space.space)} genes, {features.shape[1]} features), input {SHAPE}, "
          f"{CLASSES} classes, {TREES}-tree forest on {HISTORY} rows, keep {KEEP}, chunks of {_CHUNK}")
    print()
    print("| pool | path | decode+repair+costs s | encode s | predict s | screen s | total s | choose() s |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    old_per_row = None  # seconds per row of the per-row path at the last size it ran
    for n in (int(s) for s in args.sizes.split(",")):
        X = space.space.sample(n, seed=0)
        if old_per_row is None or old_per_row * n < args.old_limit:
            t = _old(space, X, forest)
            old_per_row = sum(t.values()) / n
            print(_row(n, "per-row", t, ""), flush=True)
        else:
            print(f"| {n:,} | per-row | skipped: ~{old_per_row * n:.0f} s extrapolated | | | | | |", flush=True)
        t = _new(space, X, forest)
        _, seconds = _timed(lambda: choose(space, X, history, objectives, (), SHAPE, CLASSES, KEEP, kappa=1.0, seed=0))
        print(_row(n, "vectorised", t, f"{seconds:.2f}"), flush=True)


def _row(n: int, path: str, t: dict[str, float], end_to_end: str) -> str:
    return (f"| {n:,} | {path} | {t['repair']:.2f} | {t['encode']:.2f} | {t['predict']:.2f} | {t['screen']:.2f} | "
            f"{sum(t.values()):.2f} | {end_to_end} |")

if __name__ == "__main__":
    main()

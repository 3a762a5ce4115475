"""Benchmark evonas's distance indicators (IGD, IGD+, GD, GD+) against peer libraries.

    python bench/bench_distances.py [--quick] [--only SUBSTRING] [--json PATH] [--repeat K]

F is the input kind of the row (uniform in [0, 1]^m, or on the positive unit
sphere); the reference set holds as many points on the unit sphere (another
seed), as a known Pareto front would. See bench/README.md for the columns.
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
]

IGD, IGDP, GD, GDP = "igd", "igd_plus", "gd", "gd_plus"
ADAPTERS: dict = {}
GUARDS: dict = {}


def adapter(kernel: str, name: str):
    def deco(fn):
        ADAPTERS[(kernel, name)] = fn
        return fn

    return deco


def _front(case, opts) -> np.ndarray:
    """The reference set: r points on the positive unit sphere."""
    return H.sphere_points(case.p["r"], case.m, seed=opts["seed"] + 1)


def _evonas(kernel):
    @adapter(kernel, "evonas")
    def _(F, case, opts):
        import evonas

        fn, R = getattr(evonas, kernel), _front(case, opts)
        return (lambda: fn(F, R, n_threads=opts["threads"])), float


def _moocore(kernel):
    @adapter(kernel, "moocore")
    def _(F, case, opts):
        import moocore

        fn, R = getattr(moocore, kernel), _front(case, opts)
        return (lambda: fn(F, ref=R)), float


def _pymoo(kernel, cls_path):
    module, cls = cls_path.rsplit(".", 1)

    @adapter(kernel, "pymoo")
    def _(F, case, opts):
        import importlib

        indicator = getattr(importlib.import_module(module), cls)(_front(case, opts))
        return (lambda: indicator.do(F)), float

    def guard(case, mem, limit):
        # pymoo's vectorized_cdist holds the n x r x m differences and the n x r distances.
        need = 8.0 * case.n * case.p["r"] * (case.m + 2)
        return f"needs ~{need / 2**30:.0f} GiB, n x r x m matrix" if need > mem else None

    GUARDS[(kernel, "pymoo")] = guard


for _kernel in (IGD, IGDP, GD, GDP):
    _evonas(_kernel)
_moocore(IGD)
_moocore(IGDP)  # moocore has no GD
_pymoo(IGD, "pymoo.indicators.igd.IGD")
_pymoo(IGDP, "pymoo.indicators.igd_plus.IGDPlus")
_pymoo(GD, "pymoo.indicators.gd.GD")
_pymoo(GDP, "pymoo.indicators.gd_plus.GDPlus")

# The peers compare every pair: time ~ n * r, and r = n in every row.
GROWTH = {(k, name): 2.0 for k in (IGD, IGDP, GD, GDP) for name in ("moocore", "pymoo")}


def cases(quick: bool) -> list[H.Case]:
    sizes = [(2, 1_000), (3, 1_000), (5, 500)] if quick else [
        (2, 10**4), (2, 10**5), (3, 10**4), (3, 10**5), (5, 10**4), (8, 10**4)
    ]
    out: list[H.Case] = []
    for kernel in (IGD, IGDP, GD, GDP):
        for kind in ("uniform", "sphere"):
            out += [
                H.Case(kernel, kind, n, m, compare="float", params=(("r", n),), note=f"{H.fmt_n(n)} reference points")
                for m, n in sizes
            ]
    return out


NOTES = [
    "reference set: r = n points on the positive unit sphere (another seed than F's)",
    "peers: moocore.igd / igd_plus(F, ref=R) (pairwise, C); pymoo.indicators IGD / IGDPlus / GD / GDPlus(R).do(F) "
    "(numpy, all pairs at once); moocore has no GD or GD+",
    "evonas: a k-d tree over the searched set, queries on all threads (n_threads=all unless --threads)",
]


if __name__ == "__main__":
    sys.exit(
        H.main(
            script=__file__,
            title="distance indicators",
            contestants=CONTESTANTS,
            cases=cases,
            adapters=ADAPTERS,
            guards=GUARDS,
            growth=GROWTH,
            notes=NOTES,
        )
    )

"""Benchmark evonas's hypervolume kernels against peer libraries.

    python bench/bench_hypervolume.py [--quick] [--only SUBSTRING] [--json PATH] [--repeat K]

Kernels: hypervolume (exact), hv_contributions (exclusive contribution of every
point), hypervolume_mc (Monte-Carlo estimate). The reference point is 1.1 in
every objective; inputs lie in [0, 1]^m. See bench/README.md for the columns.
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
    H.Contestant("pygmo", "pygmo", "pygmo"),
    H.Contestant("pymoo", "pymoo", "pymoo"),
    H.Contestant("pymoo.exact", "pymoo", "pymoo"),
    H.Contestant("optuna", "optuna", "optuna"),
]

HV, HVC, MC = "hypervolume", "hv_contributions", "hypervolume_mc"
REF = 1.1
ADAPTERS: dict = {}
GUARDS: dict = {}


def adapter(kernel: str, name: str):
    def deco(fn):
        ADAPTERS[(kernel, name)] = fn
        return fn

    return deco


def _ref(case) -> np.ndarray:
    return np.full(case.m, REF)


def _gib(x: float) -> str:
    return f"{x / 2**30:.0f} GiB" if x >= 2**30 else f"{x / 2**20:.0f} MiB"


# ---- evonas


@adapter(HV, "evonas")
def _(F, case, opts):
    import evonas

    ref = _ref(case)
    return (lambda: evonas.hypervolume(F, ref, n_threads=opts["threads"])), float


@adapter(HVC, "evonas")
def _(F, case, opts):
    import evonas

    ref = _ref(case)
    return (lambda: evonas.hv_contributions(F, ref, n_threads=opts["threads"])), np.asarray


@adapter(MC, "evonas")
def _(F, case, opts):
    import evonas

    ref, samples = _ref(case), case.p["samples"]
    run = lambda: evonas.hypervolume_mc(  # noqa: E731
        F, ref, samples=samples, seed=opts["seed"], n_threads=opts["threads"]
    )
    return run, lambda out: (float(out[0]), float(out[1]))


# ---- moocore


@adapter(HV, "moocore")
def _(F, case, opts):
    import moocore

    ref = _ref(case)
    return (lambda: moocore.hypervolume(F, ref=ref)), float


@adapter(HVC, "moocore")
def _(F, case, opts):
    import moocore

    ref = _ref(case)
    # ignore_dominated=False gives hv(F) - hv(F without i), evonas's definition; the default
    # (True) computes the contributions as if the dominated points were absent. Both agree when
    # F is one front, and True is much faster there.
    ignore = case.kind in H.ONE_FRONT_KINDS
    return (lambda: moocore.hv_contributions(F, ref=ref, ignore_dominated=ignore)), np.asarray


@adapter(MC, "moocore")
def _(F, case, opts):
    import moocore

    ref, samples = _ref(case), case.p["samples"]
    run = lambda: moocore.hv_approx(  # noqa: E731
        F, ref=ref, nsamples=samples, seed=opts["seed"], method="DZ2019-MC"
    )
    return run, lambda v: (float(v), float("nan"))


# ---- pygmo: hypervolume(points).compute(ref) / .contributions(ref), algorithm chosen by pagmo


@adapter(HV, "pygmo")
def _(F, case, opts):
    import pygmo

    ref = _ref(case)
    return (lambda: pygmo.hypervolume(F).compute(ref)), float


@adapter(HVC, "pygmo")
def _(F, case, opts):
    import pygmo

    ref = _ref(case)
    return (lambda: pygmo.hypervolume(F).contributions(ref)), np.asarray


# ---- pymoo: the HV indicator (non-dominated filter, then the vendored pure-Python HSO code);
#      "pymoo.exact": pymoo.indicators.hv.exact (Overmars-Yap in C++, via Cython), which
#      pymoo's SMS-EMOA uses; contributions by leaving each point out in turn.


def _pymoo_hv_guard(case, mem, limit):
    # HV(...).do() first runs NonDominatedSorting (Cython fast_non_dominated_sort),
    # which allocates n vectors of n ints: O(n^2) memory.
    need = 4.0 * case.n**2 + 8.0 * case.n**2 / 2 ** (case.m - 1)
    return f"needs ~{_gib(need)}, O(n^2) memory" if need > mem else None


GUARDS[(HV, "pymoo")] = _pymoo_hv_guard


@adapter(HV, "pymoo")
def _(F, case, opts):
    from pymoo.indicators.hv import HV as PymooHV

    ind = PymooHV(ref_point=_ref(case))
    return (lambda: ind(F)), float


@adapter(HV, "pymoo.exact")
def _(F, case, opts):
    from pymoo.indicators.hv.exact import hv_exact

    ref = _ref(case)
    return (lambda: hv_exact(ref, F)), float


def _pymoo_hvc_guard(case, mem, limit):
    if case.m == 2 and case.kind in H.ONE_FRONT_KINDS:
        return None
    # n + 1 Overmars-Yap hypervolumes, each about n^(m/2): roughly 3e-7 s * n^(1 + m/2)
    # on a 2020s x86 core (fitted on the --quick sizes). Skip what would take > 3 x limit.
    est = 3e-7 * case.n ** (1 + case.m / 2)
    return f"est. {est:.0f}s: n+1 hypervolumes" if est > 3 * limit else None


GUARDS[(HVC, "pymoo.exact")] = _pymoo_hvc_guard


@adapter(HVC, "pymoo.exact")
def _(F, case, opts):
    ref = _ref(case)
    if case.m == 2 and case.kind in H.ONE_FRONT_KINDS:
        # The O(n log n) 2-D contributions; valid only for a non-dominated set.
        from pymoo.indicators.hv.exact_2d import ExactHypervolume2D

        return (lambda: ExactHypervolume2D(ref, F=F).hvc), np.asarray
    from pymoo.indicators.hv.exact import hvc_exact_loopwise

    return (lambda: hvc_exact_loopwise(ref, F)), np.asarray


def _pymoo_mc_guard(case, mem, limit):
    # ApproximateMonteCarloHypervolume keeps an n x samples boolean matrix.
    s = case.p["samples"]
    need = 2.0 * case.n * s + 16.0 * s * case.m
    return f"needs ~{_gib(need)}, n x samples matrix" if need > mem else None


GUARDS[(MC, "pymoo")] = _pymoo_mc_guard


@adapter(MC, "pymoo")
def _(F, case, opts):
    from pymoo.indicators.hv.monte_carlo import ApproximateMonteCarloHypervolume

    ref, samples = _ref(case), case.p["samples"]

    def run():
        np.random.seed(opts["seed"])  # pymoo samples with the global numpy generator
        return ApproximateMonteCarloHypervolume(ref, n_samples=samples, F=F).hv  # also computes all hvc

    return run, lambda v: (float(v), float("nan"))


# ---- optuna: optuna._hypervolume.compute_hypervolume (WFG; special cases for m = 2, 3)


def _optuna_hv_guard(case, mem, limit):
    k = H.expected_front_size(case.kind, case.n, case.m)
    if case.m == 2:
        return None
    # m = 3: an (front x front) float matrix and copies; m >= 4: an
    # (front x front x m) array of limited points.
    need = 24.0 * k * k if case.m == 3 else 16.0 * k * k * case.m
    return f"needs ~{_gib(need)}, O(front^2) memory" if need > mem else None


GUARDS[(HV, "optuna")] = _optuna_hv_guard


@adapter(HV, "optuna")
def _(F, case, opts):
    try:
        from optuna._hypervolume import compute_hypervolume
    except ImportError:
        try:
            from optuna._hypervolume.wfg import compute_hypervolume
        except ImportError as exc:
            raise H.Unavailable(f"no optuna._hypervolume.compute_hypervolume: {exc}") from exc
    ref = _ref(case)
    return (lambda: compute_hypervolume(F, ref)), float


# ---- how the peers' times grow with n at fixed m (to skip sizes that would exceed --limit);
#      only the m = 6 hypervolume rows have two sizes. 1 when not listed.

GROWTH = {(HV, name): 2.0 for name in ("pygmo", "pymoo", "pymoo.exact", "optuna")}
GROWTH[(HV, "moocore")] = 1.5
# The hypervolume_mc rows grow n and the sample count together: work ~ n * samples.
GROWTH.update({(MC, name): 2.0 for name in ("moocore", "pymoo")})


# ---- the rows


def cases(quick: bool) -> list[H.Case]:
    if quick:
        hv = [(2, 1_000), (3, 1_000), (4, 200), (5, 60), (6, 30), (6, 60)]
        hvc = [(2, 500), (3, 300), (4, 100), (5, 40)]
        mc = [(8, 200, 50_000)]
    else:
        hv = [(2, 10**5), (3, 10**5), (4, 10**4), (5, 1_000), (6, 300), (6, 1_000)]
        hvc = [(2, 10**4), (3, 10**4), (4, 1_000), (5, 300)]
        mc = [(8, 1_000, 10**5), (8, 10**4, 10**6)]
    out: list[H.Case] = []
    for kind in ("uniform", "sphere"):
        out += [H.Case(HV, kind, n, m, compare="float") for m, n in hv]
    for kind in ("uniform", "sphere"):
        out += [H.Case(HVC, kind, n, m, compare="vector") for m, n in hvc]
    for kind in ("uniform", "sphere"):
        out += [
            H.Case(MC, kind, n, m, compare="mc", params=(("samples", s),), note=f"{H.fmt_n(s)} samples")
            for m, n, s in mc
        ]
    return out


NOTES = [
    f"reference point {REF} in every objective; the inputs lie in [0, 1]^m",
    "hypervolume peers: moocore.hypervolume(F, ref=ref); pygmo.hypervolume(F).compute(ref) (construction timed); "
    "pymoo = pymoo.indicators.hv.HV(ref_point=ref)(F) (O(n^2)-memory non-dominated filter + pure-Python HSO); "
    "pymoo.exact = pymoo.indicators.hv.exact.hv_exact (Overmars-Yap, C++); "
    "optuna = optuna._hypervolume.compute_hypervolume (internal); "
    "deap 1.4 has no hypervolume of its own (deap.tools.indicator.hypervolume calls moocore)",
    "hv_contributions peers: moocore.hv_contributions(F, ref=ref, ignore_dominated=False) on uniform inputs "
    "(its default, True, answers a different question when F has dominated points; on one-front inputs the "
    "answers agree and the faster default is used); "
    "pygmo.hypervolume(F).contributions(ref); pymoo.exact = pymoo.indicators.hv.exact.hvc_exact_loopwise "
    "(n + 1 hypervolumes), or exact_2d.ExactHypervolume2D for one-front 2-D inputs; optuna has none",
    "hypervolume_mc peers: moocore.hv_approx(method='DZ2019-MC', same sample count; a different estimator); "
    "pymoo.indicators.hv.monte_carlo.ApproximateMonteCarloHypervolume (also computes contributions). "
    "Check: within 6 sigma, sigma from evonas's standard error (estimates differ run to run)",
]


if __name__ == "__main__":
    sys.exit(
        H.main(
            script=__file__,
            title="hypervolume",
            contestants=CONTESTANTS,
            cases=cases,
            adapters=ADAPTERS,
            guards=GUARDS,
            growth=GROWTH,
            harder_with_m=(HV, HVC),
            notes=NOTES,
        )
    )

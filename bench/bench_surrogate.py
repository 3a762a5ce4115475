"""Benchmark the forest surrogate against scikit-learn's tree ensembles.

    python bench/bench_surrogate.py [--quick] [--threads N] [--repeat N] [--predict-only]

Three tables, each printed as markdown (``--predict-only``: the third alone,
for the evonas forests only):

1. ranking quality: Kendall tau between predictions and the truth on held-out
   points of a synthetic function (Friedman #1 embedded in 50 features, with
   noise), for several training-set sizes;
2. fit time on 1,000 samples x 50 features (100 trees);
3. prediction throughput (candidates/s) for pools of 1e4, 1e5, 1e6 rows.

evonas predicts the mean and the spread of the trees; scikit-learn's
``predict`` gives the mean only, and its per-tree spread (what a surrogate
needs) costs a predict per tree: both are timed. scikit-learn is optional.
Times are the best of a few runs; run on a quiet machine for numbers worth
recording.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from typing import Any, Callable

import numpy as np

import evonas
from evonas.surrogate import ForestSurrogate

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _harness as H  # noqa: E402

try:
    from sklearn.ensemble import ExtraTreesRegressor, RandomForestRegressor
except ImportError:  # pragma: no cover - optional peer
    ExtraTreesRegressor = RandomForestRegressor = None

D = 50  # features
N_TREES = 100


def friedman(X: np.ndarray) -> np.ndarray:
    """Friedman #1 on the first five columns; the other 45 are distractors."""
    return (10 * np.sin(np.pi * X[:, 0] * X[:, 1]) + 20 * (X[:, 2] - 0.5) ** 2 + 10 * X[:, 3] + 5 * X[:, 4])


def data(n: int, seed: int, noise: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.random((n, D))
    return X, friedman(X) + noise * rng.standard_normal(n)


def kendall_tau(a: np.ndarray, b: np.ndarray) -> float:
    """Tau-b via scipy when present, else tau-a over all pairs."""
    try:
        from scipy.stats import kendalltau
    except ImportError:  # pragma: no cover
        i, j = np.triu_indices(len(a), 1)
        return float(np.mean(np.sign(a[i] - a[j]) * np.sign(b[i] - b[j])))
    return float(kendalltau(a, b)[0])


def models(threads: int) -> dict[str, Callable[[], Any]]:
    out: dict[str, Callable[[], Any]] = {
        "evonas extra-trees": lambda: ForestSurrogate(N_TREES, seed=0, n_threads=threads),
        "evonas extra-trees, leaf>=5": lambda: ForestSurrogate(N_TREES, min_samples_leaf=5, seed=0,
                                                               n_threads=threads),
        "evonas bagged extra-trees": lambda: ForestSurrogate(N_TREES, bootstrap=True, seed=0, n_threads=threads),
    }
    if ExtraTreesRegressor is not None:
        out["sklearn ExtraTreesRegressor"] = lambda: ExtraTreesRegressor(N_TREES, random_state=0, n_jobs=threads)
        out["sklearn RandomForestRegressor"] = lambda: RandomForestRegressor(N_TREES, random_state=0,
                                                                             n_jobs=threads)
    return out


def predict_mean(model: Any, X: np.ndarray) -> np.ndarray:
    return model.predict(X)[0] if isinstance(model, ForestSurrogate) else model.predict(X)


def quality_table(threads: int, sizes: list[int]) -> None:
    print("\n### Ranking quality: Kendall tau on 2,000 held-out points (Friedman #1 in 50-D, noise sd 1)\n")
    names = list(models(threads))
    print("| model | " + " | ".join(f"n={n}" for n in sizes) + " |")
    print("|---|" + "---|" * len(sizes))
    Xt, _ = data(2000, seed=99)
    truth = friedman(Xt)
    for name in names:
        taus = []
        for n in sizes:
            X, y = data(n, seed=n)
            model = models(threads)[name]().fit(X, y)
            taus.append(kendall_tau(predict_mean(model, Xt), truth))
        print(f"| {name} | " + " | ".join(f"{t:.3f}" for t in taus) + " |")


def fit_table(threads: int, repeat: int) -> dict[str, Any]:
    print(f"\n### Fit: 1,000 samples x {D} features, {N_TREES} trees, {threads} thread(s), best of {repeat}\n")
    X, y = data(1000, seed=1)
    fitted: dict[str, Any] = {}
    times: dict[str, float] = {}
    for name, make in models(threads).items():
        times[name] = H.best_time(lambda: fitted.__setitem__(name, make().fit(X, y)), repeat)
    ours = times["evonas extra-trees"]
    print("| model | fit s | time / evonas extra-trees |")
    print("|---|---|---|")
    for name, t in times.items():
        print(f"| {name} | {t:.3f} | {t / ours:.2f} |")
    return fitted


def sklearn_spread(model: Any, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    per_tree = np.stack([tree.predict(X) for tree in model.estimators_])
    return per_tree.mean(axis=0), per_tree.std(axis=0)


def fit_evonas(threads: int) -> dict[str, Any]:
    X, y = data(1000, seed=1)
    return {name: make().fit(X, y) for name, make in models(threads).items() if name.startswith("evonas")}


def predict_table(fitted: dict[str, Any], threads: int, pools: list[int], repeat: int) -> None:
    print(f"\n### Prediction throughput, candidates/s ({threads} thread(s), best of {repeat})\n")
    rows: list[tuple[str, Callable[[np.ndarray], Any]]] = []
    for name, model in fitted.items():
        if name.startswith("evonas"):
            rows.append((f"{name}: mean + std", model.predict))
            continue
        rows.append((f"{name}: mean only", model.predict))
        rows.append((f"{name}: mean + std (per-tree predict)", lambda X, m=model: sklearn_spread(m, X)))
    nodes = {name: m.node_table()["right"].size for name, m in fitted.items() if name.startswith("evonas")}
    header = " | ".join(f"pool {n:.0e}" for n in pools)
    print(f"| model | {header} | evonas extra-trees speed-up at the largest pool |")
    print("|---|" + "---|" * len(pools) + "---|")
    rates: dict[str, list[float]] = {}
    for name, fn in rows:
        rates[name] = []
        for n in pools:
            Xp = np.random.default_rng(n).random((n, D))
            slow = not name.startswith("evonas") and n >= 10**6
            t = H.best_time(lambda: fn(Xp), 1 if slow else repeat)
            rates[name].append(n / t)
    ours = rates["evonas extra-trees: mean + std"][-1]
    for name, r in rates.items():
        print(f"| {name} | " + " | ".join(f"{v:,.0f}" for v in r) + f" | {ours / r[-1]:.2f}x |")
    print("\nnode counts (all trees): " + ", ".join(f"{k}: {v:,}" for k, v in nodes.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke test")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=None, help="best of N runs (default 3, 1 with --quick)")
    parser.add_argument("--predict-only", action="store_true", help="only the evonas prediction throughput")
    args = parser.parse_args()
    repeat = args.repeat or (1 if args.quick else 3)
    sizes = [100, 300] if args.quick else [100, 300, 1000, 3000]
    pools = [10**4] if args.quick else [10**4, 10**5, 10**6]
    print(f"evonas {evonas.__version__}, {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"scikit-learn: {'yes' if ExtraTreesRegressor is not None else 'not installed'}")
    if args.predict_only:
        predict_table(fit_evonas(args.threads), args.threads, pools, repeat)
        return
    quality_table(args.threads, sizes)
    fitted = fit_table(args.threads, repeat)
    predict_table(fitted, args.threads, pools, repeat)


if __name__ == "__main__":
    main()

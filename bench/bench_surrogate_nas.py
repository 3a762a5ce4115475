"""The surrogate on real architectures, using the tabular benchmark (no training).

    python bench/bench_surrogate_nas.py [--seeds 10] [--budget 300] [--jobs 2]
        [--table bench/data/nas_digits_table] [--part ranking,efficiency]
        [--models forest,forest-leaf3,forest-bootstrap,gp,rf] [--proxy-features jacob_cov,synflow]

Reads the table made by bench/make_nas_table.py (every network of a small
space trained once on digits) and answers two questions of the surrogate
issue, each as a markdown table:

1. ranking quality: Kendall tau and Spearman rho between predicted and
   trained validation accuracy on the held-out architectures, for training
   sets of 25, 50, 100, 200 and 400 random architectures (median over seeds),
   for the forest as `evonas search --surrogate` configures it and variants,
   and scikit-learn's Gaussian process (Matern, one length scale per feature)
   and random forest when installed; with ``--proxy-features``, every model
   also with the named zero-cost proxies appended to its features (same
   seeds, same splits), and the per-seed gain they bring;
2. sample efficiency: searches for (max validation accuracy, min parameters)
   that look results up in the table; the hypervolume (error vs log10 params,
   as `evonas search` reports it) after t trainings, median over seeds, for
   random search, NSGA-II, NSGA-II with surrogate screening (the code path of
   `evonas search --surrogate`: `evonas.nas.screening.choose`), and Optuna's
   NSGAIISampler and TPESampler when installed; and how many trainings the
   surrogate search needs to reach the median hypervolume plain NSGA-II has
   after `budget` trainings (the target is at most half).

A training is one new network: looking up a network a method has already
trained again costs nothing (for every method alike), since a search would
reuse the result.

Proxy features: every table row's scores (all of `evonas.nas.proxies.PROXIES`,
at the table's training seed, so each network is scored at the very
initialisation it was trained from, on one training batch of `PROXY_BATCH`
drawn from that seed) are computed once and cached in ``<table>_proxies.csv`` (+
``.json``: the table's checksum, seed, batch, versions, command); a cache made
from another table, seed or batch is recomputed (~2 min on two cores). How
undefined scores enter the features: see `proxy_columns`.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import hashlib
import json
import multiprocessing as mp
import os
import platform
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

POPULATION = 20
POOL_FACTOR = 100
SIZES = (25, 50, 100, 200, 400)
CHECKPOINTS = (50, 100, 150, 200, 300)
#: Proposals (of networks new or already trained) allowed per training of the budget.
MAX_TRIALS_PER_TRAINING = 4
#: Batch size of the cached proxy scores.
PROXY_BATCH = 64


@dataclass
class Table:
    archs: list[Any]  # canonical Architecture per row
    accuracy: np.ndarray
    params: np.ndarray
    genomes: np.ndarray  # one genome per row (the first that decodes to it)
    index: dict[Any, int]  # canonical Architecture -> row
    nas: Any
    input_shape: tuple[int, ...]
    n_classes: int

    def lookup(self, X: np.ndarray) -> tuple[np.ndarray, list[Any]]:
        """Rows of the genomes `X`, and their repaired (not canonical) architectures."""
        archs = [self.nas.repair(a, self.input_shape) for a in self.nas.decode(X)]
        return np.array([self.index[a.canonical()] for a in archs], dtype=np.int64), archs


def load_table(path: str) -> Table:
    import itertools

    from evonas.nas import NASSpace
    from evonas.nas.arch import Architecture

    base = Path(path)
    meta = json.loads(base.with_suffix(".json").read_text())
    with open(base.with_suffix(".csv"), newline="") as f:
        rows = sorted(csv.DictReader(f), key=lambda r: int(r["id"]))
    archs = [Architecture.from_json(r["arch"]) for r in rows]
    nas = NASSpace(**meta["space"])
    input_shape = tuple(meta["input_shape"])
    index = {a: i for i, a in enumerate(archs)}
    X = np.array(list(itertools.product(*(range(len(g.choices)) for g in nas.space))), dtype=float)
    genomes = np.full((len(archs), X.shape[1]), np.nan)
    for x, a in zip(X, nas.decode(X)):
        i = index[nas.repair(a, input_shape).canonical()]  # KeyError: the table misses a network of its space
        if np.isnan(genomes[i, 0]):
            genomes[i] = x
    return Table(archs, np.array([float(r["val_accuracy"]) for r in rows]), np.array([float(r["params"]) for r in rows]),
                 genomes, index, nas, input_shape, int(meta["n_classes"]))


# -- 1. ranking quality ------------------------------------------------------------------------


def features(table: Table, rows: np.ndarray, proxies: np.ndarray | None = None) -> np.ndarray:
    """The surrogate's encoding of table rows, as evonas search builds it; with
    `proxies` (raw scores of every table row, one column per proxy), their
    feature columns (`proxy_columns`) appended."""
    from evonas.nas.pool import repair_pool
    from evonas.nas.screening import _EXTRA, _extra
    from evonas.surrogate import GenomeEncoder

    encoder = GenomeEncoder(table.nas.space, extra=_EXTRA)
    pool = repair_pool(table.nas, table.genomes[rows], table.input_shape, table.n_classes)
    costs = np.column_stack([pool.params, pool.macs, pool.depth]).astype(np.float64)
    X = encoder.transform(table.genomes[rows], extra=_extra(costs))
    if proxies is None:
        return X
    return np.hstack([X, proxy_columns(proxies)[rows]])


def proxy_table(path: str) -> dict[str, np.ndarray]:
    """Every row's proxy scores (by table id), from the cache next to the table, made when missing or stale."""
    from evonas.nas.proxies import PROXIES

    base = Path(path)
    cache, meta_path = Path(f"{base}_proxies.csv"), Path(f"{base}_proxies.json")
    meta = json.loads(base.with_suffix(".json").read_text())
    want = {
        "table_sha256": hashlib.sha256(base.with_suffix(".csv").read_bytes()).hexdigest(),
        "seed": int(meta["train_seed"]),
        "batch_size": PROXY_BATCH,
        "proxies": list(PROXIES),
    }
    if cache.exists() and meta_path.exists():
        made = json.loads(meta_path.read_text())
        if all(made.get(k) == v for k, v in want.items()):
            with open(cache, newline="") as f:
                rows = sorted(csv.DictReader(f), key=lambda r: int(r["id"]))
            return {n: np.array([float(r[n]) for r in rows]) for n in PROXIES}
    return _make_proxy_table(base, meta, want, cache, meta_path)


def _make_proxy_table(base: Path, meta: dict[str, Any], want: dict[str, Any], cache: Path,
                      meta_path: Path) -> dict[str, np.ndarray]:
    import torch

    from evonas.nas.data import load_data
    from evonas.nas.proxies import PROXIES, proxy_scores

    torch.set_num_threads(1)  # the table's trainings used one thread per worker; scores depend on it
    table = load_table(str(base))
    data = load_data(meta["data"]["source"], seed=meta["data"]["seed"])
    t0 = time.perf_counter()
    print(f"# computing the proxies of {len(table.archs)} networks into {cache} ...", file=sys.stderr)
    scores = [proxy_scores(a, data, seed=want["seed"], batch_size=PROXY_BATCH) for a in table.archs]
    with open(cache, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", *PROXIES])
        for i, row in enumerate(scores):
            writer.writerow([i, *(repr(row[n]) for n in PROXIES)])  # repr: exact, and 'nan' / '-inf' read back
    meta_path.write_text(json.dumps({
        **want,
        "table": base.with_suffix(".csv").name,
        "data": meta["data"],
        "torch": torch.__version__,
        "torch_threads": 1,
        "seconds": round(time.perf_counter() - t0, 1),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "command": " ".join(["python", *sys.argv]),  # the run that found the cache missing or stale
        "date": datetime.date.today().isoformat(),
    }, indent=1) + "\n")
    return {n: np.array([row[n] for row in scores]) for n in PROXIES}


def proxy_columns(scores: np.ndarray) -> np.ndarray:
    """Finite feature columns from raw proxy scores, shape (n, p).

    A forest needs finite features. ``-inf`` is a real score (no weighted path
    for synflow, a singular kernel for naswot: the lowest possible), so it
    becomes a sentinel just below the column's finite scores (by a tenth of
    their range, 1 when they are all equal), ordered below every score as it
    should be. NaN means the proxy is undefined for the network (naswot with
    no activation, jacob_cov with a constant Jacobian row): it gets the same
    sentinel, and a 0/1 "undefined" column is appended for each proxy that
    has a NaN, so a tree can tell the two apart. A column with no finite
    score is all sentinel (0).
    """
    columns, undefined = [], []
    for col in scores.T:
        finite = col[np.isfinite(col)]
        if finite.size:
            low, span = finite.min(), np.ptp(finite)
            sentinel = low - (0.1 * span if span > 0 else 1.0)
        else:
            sentinel = 0.0
        columns.append(np.where(np.isfinite(col), col, sentinel))
        if np.isnan(col).any():
            undefined.append(np.isnan(col).astype(np.float64))
    return np.column_stack(columns + undefined)


def _models() -> dict[str, tuple[str, Callable[[int, int], Any]]]:
    """name (what `--models` picks by) -> (label, factory(seed, n_features))."""
    from evonas.nas.screening import _TREES
    from evonas.surrogate import ForestSurrogate

    models: dict[str, tuple[str, Callable[[int, int], Any]]] = {
        "forest": (f"evonas forest ({_TREES} trees, as search uses it)",
                   lambda s, d: ForestSurrogate(n_trees=_TREES, seed=s)),
        "forest-leaf3": ("evonas forest, 100 trees, leaf >= 3",
                         lambda s, d: ForestSurrogate(n_trees=100, min_samples_leaf=3, seed=s)),
        "forest-bootstrap": ("evonas forest, 100 trees, bootstrap",
                             lambda s, d: ForestSurrogate(n_trees=100, bootstrap=True, seed=s)),
    }
    try:
        from sklearn.ensemble import RandomForestRegressor
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel
    except ImportError:  # pragma: no cover - optional peer
        return models

    class _Sk:
        def __init__(self, model: Any, scale: bool) -> None:
            self.model, self.scale = model, scale

        def fit(self, X: np.ndarray, y: np.ndarray) -> _Sk:
            if self.scale:  # a GP wants features on comparable scales (the extra columns are not in [0, 1])
                self.lo, self.span = X.min(axis=0), np.maximum(np.ptp(X, axis=0), 1e-12)
                X = (X - self.lo) / self.span
            self.model.fit(X, y)
            return self

        def predict(self, X: np.ndarray) -> tuple[np.ndarray, None]:
            if self.scale:
                X = (X - self.lo) / self.span
            return self.model.predict(X), None

    def gp(s: int, d: int) -> _Sk:
        kernel = ConstantKernel() * Matern(length_scale=np.ones(d), nu=2.5) + WhiteKernel()
        return _Sk(GaussianProcessRegressor(kernel, normalize_y=True, random_state=s), True)

    models["gp"] = ("sklearn GP, Matern ARD", gp)
    models["rf"] = ("sklearn RandomForest, 100 trees",
                    lambda s, d: _Sk(RandomForestRegressor(100, random_state=s), False))
    return models


def _rank_task(
    task: tuple[str, str, int, int, tuple[str, ...]],
) -> tuple[str, int, int, tuple[str, ...], float, float]:
    from scipy.stats import kendalltau, spearmanr

    path, name, size, seed, proxies = task
    warnings.simplefilter("ignore")  # the GP's optimiser warns about length scales at their bounds
    table = _table(path)
    rng = np.random.default_rng(seed)  # the split depends on the seed only: the same with and without proxies
    order = rng.permutation(len(table.archs))
    train, test = order[:size], order[size:]
    scores = np.column_stack([_proxies(path)[p] for p in proxies]) if proxies else None
    X = features(table, np.arange(len(table.archs)), scores)
    model = _models()[name][1](seed, X.shape[1])
    model.fit(X[train], table.accuracy[train])
    pred = model.predict(X[test])[0]
    truth = table.accuracy[test]
    return name, size, seed, proxies, float(kendalltau(pred, truth)[0]), float(spearmanr(pred, truth)[0])


_TABLE: dict[str, Table] = {}
_PROXIES: dict[str, dict[str, np.ndarray]] = {}


def _table(path: str) -> Table:
    """The table, loaded once per worker process."""
    if path not in _TABLE:
        _TABLE[path] = load_table(path)
    return _TABLE[path]


def _proxies(path: str) -> dict[str, np.ndarray]:
    """The table's proxy scores, read once per worker process."""
    if path not in _PROXIES:
        _PROXIES[path] = proxy_table(path)
    return _PROXIES[path]


def ranking(path: str, seeds: int, jobs: int, names: list[str], proxies: tuple[str, ...]) -> None:
    variants = [()] + ([proxies] if proxies else [])
    if proxies:
        proxy_table(path)  # made once here, not in every worker
    tasks = [(path, n, s, seed, v) for n in names for v in variants for s in SIZES for seed in range(seeds)]
    results = {(r[0], r[1], r[2], r[3]): r[4:] for r in _map(_rank_task, tasks, jobs)}
    labels = {n: label for n, (label, _) in _models().items()}
    print(f"\n### Ranking quality on held-out architectures (median of {seeds} seeds)\n")
    print("| model | " + " | ".join(f"n={s} tau / rho" for s in SIZES) + " |")
    print("|---|" + "---|" * len(SIZES))
    for n in names:
        for v in variants:
            cells = []
            for s in SIZES:
                tau = np.median([results[n, s, seed, v][0] for seed in range(seeds)])
                rho = np.median([results[n, s, seed, v][1] for seed in range(seeds)])
                cells.append(f"{tau:.3f} / {rho:.3f}")
            print(f"| {labels[n]}{' + ' + ','.join(v) if v else ''} | " + " | ".join(cells) + " |")
    if not proxies:
        return
    print(f"\n### Gain from the proxy features {','.join(proxies)}: paired over the {seeds} seeds (same split, "
          "same forest seed)\n")
    print("| model | " + " | ".join(f"n={s} d tau (seeds up) / d rho" for s in SIZES) + " |")
    print("|---|" + "---|" * len(SIZES))
    for n in names:
        cells = []
        for s in SIZES:
            d = np.array([np.subtract(results[n, s, seed, proxies], results[n, s, seed, ()]) for seed in range(seeds)])
            cells.append(f"{np.median(d[:, 0]):+.3f} ({int((d[:, 0] > 0).sum())}/{seeds}) / {np.median(d[:, 1]):+.3f}")
        print(f"| {labels[n]} | " + " | ".join(cells) + " |")


# -- 2. sample efficiency ---------------------------------------------------------------------


class _Log:
    """The trainings of one search: distinct table rows, in order, up to the budget."""

    def __init__(self, budget: int) -> None:
        self.budget, self.rows, self.seen = budget, [], set()

    @property
    def full(self) -> bool:
        return len(self.rows) >= self.budget

    def train(self, row: int) -> None:
        if row not in self.seen and not self.full:
            self.seen.add(row)
            self.rows.append(row)


def _values(table: Table, row: int) -> dict[str, float]:
    return {"accuracy": float(table.accuracy[row]), "params": float(table.params[row])}


def _objectives() -> tuple[Any, ...]:
    from evonas.nas.objectives import parse_objectives

    return parse_objectives("accuracy,params")


def run_random(table: Table, seed: int, budget: int) -> list[int]:
    log = _Log(budget)
    for batch in range(MAX_TRIALS_PER_TRAINING * budget // POPULATION + 1):
        if log.full:
            break
        for row in table.lookup(table.nas.space.sample(POPULATION, seed=seed * 1000 + batch))[0]:
            log.train(int(row))
    return log.rows


def run_nsga2(table: Table, seed: int, budget: int, surrogate: bool = False) -> list[int]:
    from evonas import NSGA2
    from evonas.nas.objectives import engine_values
    from evonas.nas.screening import choose
    from evonas.nas.search import SearchSettings
    from evonas.store import Candidate

    objectives = _objectives()
    pool = POPULATION * POOL_FACTOR if surrogate else None
    algo = NSGA2(pop_size=POPULATION, n_offsprings=pool).setup(table.nas.space, seed=seed)
    log = _Log(budget)
    history: list[Candidate] = []
    for generation in range(1, MAX_TRIALS_PER_TRAINING * budget // POPULATION + 2):
        if log.full:
            break
        X = algo.ask()
        rows, archs = table.lookup(X)
        if surrogate and generation > 1:
            chosen = choose(table.nas, X, history, objectives, (), table.input_shape, table.n_classes,
                            POPULATION, kappa=SearchSettings().kappa, seed=seed * 1000 + generation)
            X = algo.select_pending(chosen)
            rows, archs = rows[chosen], [archs[i] for i in chosen]
        for x, row, arch in zip(X, rows, archs):
            if int(row) not in log.seen and not log.full:
                history.append(Candidate(len(history), generation, None, tuple(x), arch.to_json(), (), "done",
                                         _values(table, int(row)), (), None, None, 0, None, 0.0, 0.0))
            log.train(int(row))
        algo.tell(np.array([engine_values(objectives, _values(table, int(r))) for r in rows]))
    return log.rows


def run_optuna(table: Table, seed: int, budget: int, sampler: str) -> list[int]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    make = {"tpe": optuna.samplers.TPESampler, "nsga2": optuna.samplers.NSGAIISampler}[sampler]
    kwargs = {"population_size": POPULATION} if sampler == "nsga2" else {}
    study = optuna.create_study(directions=["maximize", "minimize"], sampler=make(seed=seed, **kwargs))
    genes = list(table.nas.space)
    log = _Log(budget)

    def objective(trial: Any) -> tuple[float, float]:
        x = np.array([[trial.suggest_categorical(g.name, list(range(len(g.choices)))) for g in genes]], dtype=float)
        row = int(table.lookup(x)[0][0])
        log.train(row)
        return float(table.accuracy[row]), float(np.log10(table.params[row]))

    for _ in range(MAX_TRIALS_PER_TRAINING * budget):  # a sampler stuck on known networks stops here
        if log.full:
            break
        study.optimize(objective, n_trials=1)
    return log.rows


METHODS: dict[str, Callable[[Table, int, int], list[int]]] = {
    "random": run_random,
    "nsga2": run_nsga2,
    "nsga2+surrogate": lambda t, s, b: run_nsga2(t, s, b, surrogate=True),
    "optuna-nsga2": lambda t, s, b: run_optuna(t, s, b, "nsga2"),
    "optuna-tpe": lambda t, s, b: run_optuna(t, s, b, "tpe"),
}


def hv_curve(table: Table, rows: list[int]) -> np.ndarray:
    """Hypervolume of everything trained after 1, 2, ... trainings."""
    from evonas.nas.objectives import front_hypervolume

    objectives = _objectives()
    values = [_values(table, r) for r in rows]
    return np.array([front_hypervolume(objectives, values[: t + 1]) for t in range(len(rows))])


def _efficiency_task(task: tuple[str, str, int, int]) -> tuple[str, int, np.ndarray, float]:
    path, method, seed, budget = task
    table = _table(path)
    t0 = time.perf_counter()
    rows = METHODS[method](table, seed, budget)
    return method, seed, hv_curve(table, rows), time.perf_counter() - t0


def efficiency(path: str, seeds: int, budget: int, jobs: int) -> None:
    methods = list(METHODS)
    try:
        import optuna  # noqa: F401
    except ImportError:  # pragma: no cover - optional peer
        methods = [m for m in methods if not m.startswith("optuna")]
    tasks = [(path, m, seed, budget) for m in methods for seed in range(1, seeds + 1)]
    results = _map(_efficiency_task, tasks, jobs)
    table = load_table(path)
    best = hv_curve(table, list(range(len(table.archs))))[-1]
    points = [c for c in CHECKPOINTS if c <= budget]
    print(f"\n### Hypervolume after t trainings (median of {seeds} seeds; the whole table: {best:.5f})\n")
    print("| method | " + " | ".join(f"t={t}" for t in points) + " | s/run |")
    print("|---|" + "---|" * (len(points) + 1))
    curves: dict[str, list[np.ndarray]] = {}
    for m in methods:
        mine = [r for r in results if r[0] == m]
        curves[m] = [r[2] for r in mine]
        cells = [f"{np.median([c[min(t, len(c)) - 1] for c in curves[m]]):.5f}" for t in points]
        print(f"| {m} | " + " | ".join(cells) + f" | {np.median([r[3] for r in mine]):.1f} |")
    target = float(np.median([c[-1] for c in curves["nsga2"]]))
    print(f"\nTarget: NSGA-II's median hypervolume after {budget} trainings, {target:.5f}.\n")
    print("| method | trainings to reach it, median | per seed |")
    print("|---|---|---|")
    for m in methods:
        needed = [int(np.argmax(c >= target)) + 1 if (c >= target).any() else np.inf for c in curves[m]]
        shown = ", ".join("-" if np.isinf(n) else str(n) for n in needed)
        med = np.median(needed)
        print(f"| {m} | {'not reached' if np.isinf(med) else int(med)} | {shown} |")


def _map(fn: Callable[[Any], Any], tasks: list[Any], jobs: int) -> list[Any]:
    if jobs <= 1:
        return [fn(t) for t in tasks]
    with mp.get_context("spawn").Pool(jobs) as pool:
        return pool.map(fn, tasks, chunksize=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--table", default=str(Path(__file__).parent / "data" / "nas_digits_table"))
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--budget", type=int, default=300)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--part", default="ranking,efficiency")
    parser.add_argument("--models", default=None,
                        help="ranking: comma-separated models to compare (default: all installed), from "
                             "forest, forest-leaf3, forest-bootstrap, gp, rf")
    parser.add_argument("--proxy-features", default="",
                        help="ranking: also fit every model with these zero-cost proxies (comma-separated, from "
                             "evonas.nas.proxies.PROXIES) appended to its features, e.g. jacob_cov,synflow")
    args = parser.parse_args()
    known = _models()
    names = list(known) if args.models is None else args.models.split(",")
    if [n for n in names if n not in known] or not names:
        parser.error(f"--models: choose from {', '.join(known)}, but it is {args.models!r}")
    proxies = tuple(p for p in args.proxy_features.split(",") if p)
    from evonas.nas.proxies import PROXIES

    if [p for p in proxies if p not in PROXIES] or len(set(proxies)) != len(proxies):
        parser.error(f"--proxy-features: name each once, from {', '.join(PROXIES)}, but it is {args.proxy_features!r}")
    table = load_table(args.table)
    print(f"# evonas surrogate on the tabular benchmark: {len(table.archs)} architectures ({args.table}); "
          f"{platform.machine()}, {os.cpu_count()} cores")
    t0 = time.perf_counter()
    parts = args.part.split(",")
    if "ranking" in parts:
        ranking(args.table, args.seeds, args.jobs, names, proxies)
    if "efficiency" in parts:
        efficiency(args.table, args.seeds, args.budget, args.jobs)
    print(f"\n{time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
